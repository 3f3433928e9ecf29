package report

import (
	"errors"
	"fmt"
	"testing"
)

// pipe adds the rows in order, tallies each meeting, and returns the
// first error of either side, stopping the other.
func TestPipe(t *testing.T) {
	source := func(n int, fail error) Meetings {
		return func(yield func(Meeting) error) error {
			for i := range n {
				if err := yield(Meeting{UID: fmt.Sprint(i)}); err != nil {
					return err
				}
			}
			return fail
		}
	}
	var tallied, added []string
	err := pipe(source(1000, nil), func(m Meeting) { tallied = append(tallied, m.UID) }, func(row []any) error {
		added = append(added, row[1].(string))
		return nil
	})
	if err != nil || len(added) != 1000 || len(tallied) != 1000 {
		t.Fatalf("%d added, %d tallied, %v", len(added), len(tallied), err)
	}
	for i := range added {
		if added[i] != fmt.Sprint(i) {
			t.Fatalf("row %d is meeting %s", i, added[i])
		}
	}

	readFails := errors.New("the store went away")
	if err := pipe(source(10, readFails), func(Meeting) {}, func([]any) error { return nil }); !errors.Is(err, readFails) {
		t.Errorf("a reading error: %v", err)
	}

	full := errors.New("disk full")
	yielded := 0
	counting := func(yield func(Meeting) error) error {
		for i := range 100_000 {
			yielded++
			if err := yield(Meeting{UID: fmt.Sprint(i)}); err != nil {
				return err
			}
		}
		return nil
	}
	n := 0
	err = pipe(counting, func(Meeting) {}, func([]any) error {
		if n++; n == 5 {
			return full
		}
		return nil
	})
	if !errors.Is(err, full) {
		t.Errorf("a writing error: %v", err)
	}
	if yielded > 5+300 { // the channel's room and a few in flight, not the whole source
		t.Errorf("the reading went on for %d meetings after the writing failed", yielded)
	}
}
