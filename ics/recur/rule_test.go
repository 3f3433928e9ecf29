package recur

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/teambition/rrule-go"

	"github.com/mms-project/mms/ics/tz"
)

// Starting a rule shortly before now must not change a single occurrence:
// compare with rrule-go walking every occurrence from DTSTART, for rules
// of every frequency, DTSTARTs in a DST gap and at month ends, and many
// values of now.
func TestFastForwardKeepsOccurrences(t *testing.T) {
	la := mustLoad("America/Los_Angeles")
	starts := []time.Time{
		time.Date(2019, 3, 10, 2, 30, 0, 0, la), // in the spring-forward gap
		time.Date(2016, 2, 29, 9, 0, 0, 0, la),  // leap day
		time.Date(2018, 1, 31, 23, 45, 10, 0, la),
		time.Date(2017, 11, 5, 1, 30, 0, 0, la), // the repeated hour
	}
	rules := []string{
		"FREQ=DAILY", "FREQ=DAILY;INTERVAL=3", "FREQ=DAILY;BYDAY=MO,WE;BYHOUR=8,17",
		"FREQ=WEEKLY", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;WKST=SU", "FREQ=WEEKLY;INTERVAL=6;BYDAY=WE;WKST=MO",
		"FREQ=MONTHLY", "FREQ=MONTHLY;INTERVAL=5", "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=-1", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=2,-2",
		"FREQ=MONTHLY;BYMONTHDAY=31", "FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR",
		"FREQ=YEARLY", "FREQ=YEARLY;INTERVAL=2", "FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO", "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
		"FREQ=HOURLY;INTERVAL=7", "FREQ=HOURLY;INTERVAL=5;BYHOUR=9,10,11,12,13,14,15", "FREQ=MINUTELY;INTERVAL=13;BYHOUR=9",
		"FREQ=SECONDLY;INTERVAL=7919;BYDAY=SA",
		"FREQ=DAILY;UNTIL=20240101T000000Z", "FREQ=WEEKLY;UNTIL=20230615",
	}
	nows := []time.Time{}
	for at := time.Date(2019, 3, 1, 0, 0, 0, 0, time.UTC); at.Before(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); at = at.Add(797*time.Hour + 13*time.Minute) {
		nows = append(nows, at)
	}
	never := func(time.Time) bool { return false }
	for _, first := range starts {
		for _, value := range rules {
			opt, err := parseRule(value, la)
			if err != nil {
				t.Fatal(err)
			}
			opt.Dtstart = first
			slow, err := rrule.NewRRule(*opt)
			if err != nil {
				t.Fatal(err)
			}
			all := slow.Between(first, time.Date(2032, 1, 1, 0, 0, 0, 0, time.UTC), true)
			for _, now := range nows {
				i := sort.Search(len(all), func(i int) bool { return !all[i].Before(now) })
				var want time.Time
				if i < len(all) {
					want = all[i]
				}
				got, ok, err := ruleNext(value, first, wallClock{}, now, never, nil)
				if err != nil || ok != !want.IsZero() || ok && !got.Equal(want) {
					t.Errorf("%s from %s, now %s: got %s %v %v, want %s", value, first, now, got, ok, err, want)
				}
			}
		}
	}
}

func TestParseRule(t *testing.T) {
	ny := mustLoad("America/New_York")
	opt, err := parseRule(" freq=weekly ; X-NAME=1;UNTIL=20260116;byday=mo,-1fr;", ny)
	if err != nil {
		t.Fatal(err)
	}
	if opt.Freq != rrule.WEEKLY || len(opt.Byweekday) != 2 || !opt.Until.Equal(time.Date(2026, 1, 16, 23, 59, 59, 0, ny)) {
		t.Fatalf("opt = %+v", opt)
	}
	for value, want := range map[string]string{
		"FREQ=DAILY;UNTIL=soon":   `UNTIL "SOON"`,
		"INTERVAL=2":              "FREQ is required",
		"FREQ=DAILY;COUNT=-1":     "must not be negative",
		"FREQ=DAILY;BYWHATEVER=1": "BYWHATEVER",
		// said without Go's strconv wording (an audit)
		"FREQ=SECONDLY;INTERVAL=99999999999999999999": "INTERVAL=99999999999999999999 is not a whole number up to 2147483647",
		"FREQ=DAILY;COUNT=ten":                        "COUNT=TEN is not a whole number",
		// an empty UNTIL is not an endless series: it may have ended (left at stop 35)
		"FREQ=DAILY;UNTIL=":   "UNTIL= has no value",
		"FREQ=DAILY;UNTIL= ;": "UNTIL= has no value",
	} {
		if _, err := parseRule(value, ny); err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "strconv") {
			t.Errorf("%s: err = %v, want it to mention %s", value, err, want)
		}
	}
}

// A series too dense to walk fails clearly instead of hanging; without
// COUNT, even a per-second series from 1601 is quick.
func TestDenseSeries(t *testing.T) {
	now, r := at("2026-01-15T00:00:30Z"), tz.NewResolver(nil)
	s := Series{Master: event("DTSTART:20200101T000000Z", "RRULE:FREQ=SECONDLY;COUNT=100000000")}
	if _, _, err := s.NextAtOrAfter(now, r, time.UTC); err == nil || !strings.Contains(err.Error(), "refusing to expand a series this dense") {
		t.Fatalf("err = %v", err)
	}
	s = Series{Master: event("DTSTART:16010101T000000Z", "RRULE:FREQ=SECONDLY")}
	start := time.Now()
	got, ok, err := s.NextAtOrAfter(now, r, time.UTC)
	if err != nil || !ok || !got.Equal(now) {
		t.Fatalf("got %s %v %v", got, ok, err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("a per-second series from 1601 took %s", d)
	}
}

func BenchmarkDailyFromTenYearsAgo(b *testing.B) {
	s := Series{Master: event(`DTSTART;TZID="Pacific Standard Time":20160115T090000`, "RRULE:FREQ=DAILY", "EXDATE;TZID=Pacific Standard Time:20260115T090000")}
	r, now := tz.NewResolver(nil), at("2026-01-15T12:00:00Z")
	for b.Loop() {
		if got, ok, err := s.NextAtOrAfter(now, r, time.UTC); !ok || err != nil || !got.Equal(at("2026-01-16T17:00:00Z")) {
			b.Fatal(got, ok, err)
		}
	}
}
