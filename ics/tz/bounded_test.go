package tz

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
)

// An observance rule finer than daily, from 1601, is refused at once with
// an error naming the TZID (it used to walk every second since 1601).
func TestObservanceFinerThanDailyIsRefused(t *testing.T) {
	for _, freq := range []string{"SECONDLY", "MINUTELY", "HOURLY"} {
		z := vtimezone("Dense Time",
			obs("STANDARD", "16010101T000000", "FREQ="+freq, "+0100", "+0000"),
			obs("DAYLIGHT", "16010101T000001", "FREQ="+freq+";INTERVAL=2", "+0000", "+0100"))
		began := time.Now()
		_, err := NewResolver([]*ical.Component{z}).Location("Dense Time")
		if took := time.Since(began); took > time.Second {
			t.Errorf("%s: took %s", freq, took)
		}
		if err == nil || !strings.Contains(err.Error(), `"Dense Time"`) || !strings.Contains(err.Error(), "FREQ="+freq) {
			t.Errorf("%s: err = %v", freq, err)
		}
	}
}

// A daily rule is allowed, and walks a bounded number of onsets.
func TestDailyObservanceIsBounded(t *testing.T) {
	z := vtimezone("Daily Time",
		obs("STANDARD", "16010101T000000", "FREQ=DAILY", "+0100", "+0000"),
		obs("DAYLIGHT", "16010101T120000", "FREQ=DAILY", "+0000", "+0100"))
	began := time.Now()
	_, _ = NewResolver([]*ical.Component{z}).Location("Daily Time")
	if took := time.Since(began); took > 3*time.Second {
		t.Errorf("took %s", took)
	}
}

// FuzzObservanceRule: no RRULE in a VTIMEZONE observance takes long to
// resolve, whatever it says.
func FuzzObservanceRule(f *testing.F) {
	for _, s := range []string{"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "FREQ=SECONDLY", "FREQ=DAILY;BYHOUR=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "FREQ=MONTHLY;BYSECOND=0,1,2,3,4,5,6,7,8,9;BYMINUTE=0,1,2,3,4,5,6,7,8,9;BYHOUR=0,1,2,3"} {
		f.Add(s, "16010101T000000")
	}
	f.Fuzz(func(t *testing.T, rule, start string) {
		z := vtimezone("Fuzz Time", obs("STANDARD", start, rule, "+0100", "+0000"), obs("DAYLIGHT", "19800301T020000", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "+0000", "+0100"))
		began := time.Now()
		loc, err := NewResolver([]*ical.Component{z}).Location("Fuzz Time")
		if took := time.Since(began); took > 3*time.Second {
			t.Fatalf("RRULE %q: took %s", rule, took)
		}
		if err == nil {
			time.Date(2026, 1, 1, 0, 0, 0, 0, loc).Zone()
		}
	})
}

// The VTIMEZONEs of one calendar share one bound: many daily zones cost
// at most maxResolverSteps onsets in all, and the rest fail.
func TestResolverBudgetIsShared(t *testing.T) {
	var zones []*ical.Component
	for i := range 15 {
		name := "Daily " + string(rune('A'+i))
		zones = append(zones, vtimezone(name,
			obs("STANDARD", "16010101T000000", "FREQ=DAILY", "+0100", "+0000"),
			obs("DAYLIGHT", "16010101T120000", "FREQ=DAILY", "+0000", "+0100")))
	}
	r := NewResolver(zones)
	began := time.Now()
	failed := 0
	for i := range 15 {
		if _, err := r.Location("Daily " + string(rune('A'+i))); err != nil {
			// the shared step bound, or on a loaded machine the time
			// bound of one rule: both bound the file's cost
			if !strings.Contains(err.Error(), "time zones walk more than") && !strings.Contains(err.Error(), "to expand") {
				t.Fatalf("err = %v", err)
			}
			failed++
		}
	}
	if failed == 0 || time.Since(began) > 5*time.Second {
		t.Errorf("%d zones failed in %s", failed, time.Since(began))
	}
}

// An observance from 0001-01-01T00:00:00 (the zero time) is read from
// then, not from the machine's clock.
func TestObservanceFromYearOne(t *testing.T) {
	z := vtimezone("Year One Time",
		obs("STANDARD", "00010101T030000", "FREQ=YEARLY;INTERVAL=2;BYDAY=-1SU;BYMONTH=10;BYHOUR=3", "+0200", "+0100"),
		obs("DAYLIGHT", "00010101T000000", "FREQ=YEARLY;INTERVAL=2;BYDAY=-1SU;BYMONTH=3;BYHOUR=2", "+0100", "+0200"))
	loc, err := NewResolver([]*ical.Component{z}).Location("Year One Time")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Time
		want int
	}{
		{time.Date(1991, 1, 15, 12, 0, 0, 0, time.UTC), 3600},
		{time.Date(1991, 7, 15, 12, 0, 0, 0, time.UTC), 7200}, // every other year, as from year 1
		{time.Date(1990, 7, 15, 12, 0, 0, 0, time.UTC), 3600},
		{time.Date(2091, 7, 15, 12, 0, 0, 0, time.UTC), 7200},
	} {
		if _, off := c.at.In(loc).Zone(); off != c.want {
			t.Errorf("%s: offset %d, want %d", c.at, off, c.want)
		}
	}
}

// An observance whose UNTIL is 0001-01-01T00:00:00Z ended at once: it is
// not a rule without end.
func TestObservanceUntilYearOne(t *testing.T) {
	z := vtimezone("Ended Time",
		obs("STANDARD", "19700101T000000", "", "+0100", "+0100"),
		obs("DAYLIGHT", "00010101T000000", "FREQ=YEARLY;BYMONTH=6;UNTIL=00010101T000000Z", "+0100", "+0200"))
	loc, err := NewResolver([]*ical.Component{z}).Location("Ended Time")
	if err != nil {
		t.Fatal(err)
	}
	if _, off := time.Date(1960, 6, 15, 12, 0, 0, 0, time.UTC).In(loc).Zone(); off != 3600 {
		t.Errorf("offset %d in June 1960, want 3600", off)
	}
}
