package recur

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/mms-project/mms/ics/tz"
)

// Series from 1601 that recur every second or minute, found by fuzzing to
// hang the old expansion, are answered or refused quickly.
func TestDenseSeriesNeverHang(t *testing.T) {
	now := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	cases := []struct{ rule, wantErr string }{
		{"FREQ=SECONDLY", ""},
		{"FREQ=MINUTELY;UNTIL=99991231T000000Z", ""},
		{"FREQ=SECONDLY;COUNT=2000000000", "refusing to expand a series this dense"},
	}
	for _, tc := range cases {
		c := ical.NewComponent("VEVENT")
		c.Props.Set(&ical.Prop{Name: "DTSTART", Params: ical.Params{}, Value: "16010101T000000Z"})
		c.Props.Set(&ical.Prop{Name: "RRULE", Params: ical.Params{}, Value: tc.rule})
		done := make(chan error, 1)
		var ok bool
		go func() {
			var err error
			_, ok, err = Series{Master: c}.NextAtOrAfter(now, tz.NewResolver(nil), time.UTC)
			done <- err
		}()
		select {
		case err := <-done:
			switch {
			case tc.wantErr == "" && (err != nil || !ok):
				t.Errorf("%s: ok=%v err=%v, want a next occurrence", tc.rule, ok, err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("%s: err=%v, want %q", tc.rule, err, tc.wantErr)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: NextAtOrAfter still running after 10 s", tc.rule)
		}
	}
}

// FuzzSeriesBounded: whatever a master's RRULE and DTSTART say, the next
// occurrence and the last before now are answered or refused within the
// expansion's bounds.
func FuzzSeriesBounded(f *testing.F) {
	for _, s := range []string{"FREQ=SECONDLY", "FREQ=SECONDLY;COUNT=2000000000", "FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30", "FREQ=DAILY;COUNT=999999", "FREQ=HOURLY;INTERVAL=7;BYSETPOS=-1;BYDAY=MO"} {
		f.Add(s, "16010101T000000Z")
	}
	f.Add("FREQ=HOURLY;INTERVAL=0;BYSETPOS=5", "00000101") // found by the fuzzer: 6 s in one step of rrule-go
	now := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, rule, start string) {
		c := ical.NewComponent("VEVENT")
		c.Props.Set(&ical.Prop{Name: "DTSTART", Params: ical.Params{}, Value: start})
		c.Props.Set(&ical.Prop{Name: "RRULE", Params: ical.Params{}, Value: rule})
		began := time.Now()
		_, _, _ = Series{Master: c}.NextAtOrAfter(now, tz.NewResolver(nil), time.UTC)
		if took := time.Since(began); took > maxTime+3*time.Second {
			t.Fatalf("RRULE %q from %q: took %s", rule, start, took)
		}
		// and the last occurrence before now, a past meeting's evidence
		// (found by an audit: the seed above took 11 s here)
		began = time.Now()
		_, _, _ = Series{Master: c}.LastBefore(now, tz.NewResolver(nil), time.UTC)
		if took := time.Since(began); took > maxTime+3*time.Second {
			t.Fatalf("RRULE %q from %q: the last occurrence took %s", rule, start, took)
		}
	})
}

// A Budget bounds the series of one calendar together, and a closed Done
// stops an expansion.
func TestBudgetIsShared(t *testing.T) {
	now := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	series := func(b *Budget) Series {
		c := ical.NewComponent("VEVENT")
		c.Props.Set(&ical.Prop{Name: "DTSTART", Params: ical.Params{}, Value: "20251201T000000Z"})
		c.Props.Set(&ical.Prop{Name: "RRULE", Params: ical.Params{}, Value: "FREQ=MINUTELY;COUNT=100000"})
		return Series{Master: c, Budget: b}
	}
	b := &Budget{Steps: 100_000}
	if _, ok, err := series(b).NextAtOrAfter(now, tz.NewResolver(nil), time.UTC); err != nil || !ok {
		t.Fatalf("first series: ok=%v err=%v", ok, err)
	}
	if _, _, err := series(b).NextAtOrAfter(now, tz.NewResolver(nil), time.UTC); err == nil || !strings.Contains(err.Error(), "more steps in all") {
		t.Fatalf("second series: err=%v, want the calendar's budget spent", err)
	}
	done := make(chan struct{})
	close(done)
	if _, _, err := series(&Budget{Steps: 1 << 40, Done: done}).NextAtOrAfter(now, tz.NewResolver(nil), time.UTC); !errors.Is(err, ErrCancelled) {
		t.Fatalf("cancelled: err=%v", err)
	}
}

// A rule that can never match (February 30th, every minute) is answered
// at once: each cost about half a second, walking to the year 9999 in one
// step of rrule-go's iterator, and a calendar of a hundred took a minute.
// Other rules that never meet are bounded by the budget's time: once
// spent, the budget refuses the rest.
func TestNeverMatchingRulesWithinTheBudget(t *testing.T) {
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	series := func(rule string, b *Budget) Series {
		c := ical.NewComponent("VEVENT")
		c.Props.Set(&ical.Prop{Name: "DTSTART", Params: ical.Params{}, Value: "20260101T100000Z"})
		c.Props.Set(&ical.Prop{Name: "RRULE", Params: ical.Params{}, Value: rule})
		return Series{Master: c, Budget: b}
	}
	b := &Budget{Steps: 20_000_000, Time: 5 * time.Second}
	for i, rule := range []string{"FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30", "FREQ=SECONDLY;BYMONTH=4,6;BYMONTHDAY=-31", "FREQ=DAILY;BYMONTHDAY=32"} {
		for range 100 {
			_, ok, err := series(rule, b).NextAtOrAfter(now, tz.NewResolver(nil), time.UTC)
			if ok || err != nil && !strings.Contains(err.Error(), "BYMONTHDAY") {
				t.Fatalf("rule %d %s: ok=%v err=%v, want no occurrence from now on", i, rule, ok, err)
			}
		}
	}
	// A rule that does meet, but never again: the walk is bounded by time.
	b = &Budget{Steps: 20_000_000, Time: time.Nanosecond}
	b.took(time.Millisecond)
	if _, _, err := series("FREQ=YEARLY;BYWEEKNO=53;BYMONTH=6", b).NextAtOrAfter(now, tz.NewResolver(nil), time.UTC); err == nil || !strings.Contains(err.Error(), "in all to expand") {
		t.Errorf("a spent budget: err=%v", err)
	}
}

// A series whose UNTIL (local, or in UTC) names the first 02:30 of the
// night clocks go back still has that occurrence, at its first instant,
// from both directions of a walk (rrule-go compares UNTIL with the second
// 02:30, as Go's time.Date reads it east of UTC).
func TestUntilInTheRepeatedHour(t *testing.T) {
	r := tz.NewResolver(nil)
	want := time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC) // 02:30 CEST
	for _, until := range []string{"20261025T023000", "20261025T003000Z"} {
		c := ical.NewComponent("VEVENT")
		c.Props.Set(&ical.Prop{Name: "DTSTART", Params: ical.Params{"TZID": {"Europe/Berlin"}}, Value: "20261024T023000"})
		c.Props.Set(&ical.Prop{Name: "RRULE", Params: ical.Params{}, Value: "FREQ=DAILY;UNTIL=" + until})
		s := Series{Master: c}
		got, ok, err := s.NextAtOrAfter(time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC), r, time.UTC)
		if err != nil || !ok || !got.Equal(want) {
			t.Errorf("UNTIL=%s: next %v %v %v, want %v", until, got.UTC(), ok, err, want)
		}
		last, ok, err := s.LastBefore(time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC), r, time.UTC)
		if err != nil || !ok || !last.Equal(want) {
			t.Errorf("UNTIL=%s: last %v %v %v, want %v", until, last.UTC(), ok, err, want)
		}
	}
	// A day no month has is an error, as it was, not a series that never meets.
	c := ical.NewComponent("VEVENT")
	c.Props.Set(&ical.Prop{Name: "DTSTART", Params: ical.Params{}, Value: "20200101T100000Z"})
	c.Props.Set(&ical.Prop{Name: "RRULE", Params: ical.Params{}, Value: "FREQ=MONTHLY;BYMONTHDAY=32"})
	if _, _, err := (Series{Master: c}).NextAtOrAfter(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), r, time.UTC); err == nil {
		t.Error("BYMONTHDAY=32 read as a series that never meets")
	}
}
