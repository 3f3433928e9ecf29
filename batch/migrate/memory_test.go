package migrate

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestLargeCalendarsWaitForMemory: a calendar file whose memory would
// take the batch's budget past its size waits until another's is freed;
// one larger than the whole budget still runs, alone; CalDAV calendars
// and unreadable paths reserve nothing; a wait ends halfway to the
// attempt's deadline, and when the attempt is stopped.
func TestLargeCalendarsWaitForMemory(t *testing.T) {
	dir := t.TempDir()
	small, big := filepath.Join(dir, "small.ics"), filepath.Join(dir, "big.ics")
	os.WriteFile(small, make([]byte, 5), 0o644)  // 70 of 100
	os.WriteFile(big, make([]byte, 1000), 0o644) // more than all of it
	m := &memory{size: 100}
	ctx := context.Background()
	first, err := m.reserve(ctx, small)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan func(), 1)
	go func() {
		second, err := m.reserve(ctx, small)
		if err != nil {
			t.Error(err)
		}
		got <- second
	}()
	select {
	case <-got:
		t.Fatal("a second calendar got memory the first holds")
	case <-time.After(50 * time.Millisecond):
	}
	for _, loc := range []string{"https://dav.example.com/cal/", filepath.Join(dir, "missing.ics"), dir} {
		free, err := m.reserve(ctx, loc)
		if err != nil {
			t.Fatalf("%s: %v", loc, err)
		}
		free()
	}
	first()
	select {
	case second := <-got:
		second()
	case <-time.After(time.Second):
		t.Fatal("the second calendar still waits once the first is done")
	}
	all, err := m.reserve(ctx, big)
	if err != nil {
		t.Fatal(err)
	}
	// An attempt with a deadline waits half its time, then goes on
	// without a reservation rather than fail its user; a stopped one
	// stops waiting.
	attempt, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	began := time.Now()
	free, err := m.reserve(attempt, small)
	if waited := time.Since(began); err != nil || waited < 80*time.Millisecond || waited > 190*time.Millisecond {
		t.Errorf("reserve while the budget is held, in an attempt of 200ms: %v after %s; want to go on after about 100ms", err, waited)
	} else {
		free()
	}
	stopped, stop := context.WithCancel(ctx)
	time.AfterFunc(20*time.Millisecond, stop)
	if _, err := m.reserve(stopped, small); err == nil {
		t.Error("a stopped attempt got memory while one larger than the budget holds it all")
	}
	all()
}
