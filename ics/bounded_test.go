package ics

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/ics/recur"
)

// denseZone is a VTIMEZONE whose observances recur every second, minute or
// hour since 1601.
func denseZone(freq string) string {
	return "BEGIN:VTIMEZONE\r\nTZID:Dense Time\r\nBEGIN:STANDARD\r\nDTSTART:16010101T000000\r\nRRULE:FREQ=" + freq + "\r\n" +
		"TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:16010101T000001\r\n" +
		"RRULE:FREQ=" + freq + ";INTERVAL=2\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
}

// A meeting in a zone whose rule is finer than daily fails fast, naming the
// TZID; the other meetings of the calendar are migrated.
func TestDenseZoneFailsOnlyItsMeetings(t *testing.T) {
	for _, freq := range []string{"SECONDLY", "MINUTELY", "HOURLY"} {
		dense := future(event{uid: "dense", body: teamsBody(oldJoin)}).String()
		dense = strings.ReplaceAll(dense, `TZID="W. Europe Standard Time"`, `TZID=Dense Time`)
		src := calendar(future(event{uid: "fine", body: teamsBody(oldJoin)}))
		src = strings.Replace(src, "BEGIN:VEVENT", denseZone(freq)+dense+"BEGIN:VEVENT", 1)
		cal, err := Parse("dense.ics", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		byUID := map[string]Result{}
		for _, m := range cal.Meetings() {
			byUID[m.UID] = cal.Migrate(m, testRules, newTeams)
		}
		if took := time.Since(began); took > 2*time.Second {
			t.Errorf("%s: took %s", freq, took)
		}
		if err := byUID["dense"].Err; err == nil || !strings.Contains(err.Error(), `"Dense Time"`) || !strings.Contains(err.Error(), "FREQ="+freq) {
			t.Errorf("%s: dense meeting: Err = %v, Skipped = %q", freq, err, byUID["dense"].Skipped)
		}
		if !byUID["fine"].Rewritten() {
			t.Errorf("%s: the other meeting: %+v", freq, byUID["fine"])
		}
	}
}

// A series in years 1-2 (DTSTART 0001-01-01T00:00:00Z, the zero time) is
// past, and its Start is that DTSTART, never the machine's clock.
func TestYearOneSeriesIsPast(t *testing.T) {
	ev := future(event{body: teamsBody(oldJoin), extra: "RRULE:FREQ=DAILY;COUNT=730\r\n"})
	src := strings.Replace(calendar(ev), `DTSTART;TZID="W. Europe Standard Time":20260120T100000`, "DTSTART:00010101T000000Z", 1)
	_, res := migrateOne(t, src, testRules, newTeams)
	if res.Err != nil || res.Skipped != Past {
		t.Fatalf("Skipped=%q Err=%v, want past", res.Skipped, res.Err)
	}
	if !res.HasStart || !res.Start.Equal(time.Time{}) {
		t.Errorf("Start = %s (HasStart %v), want 0001-01-01T00:00:00Z", res.Start, res.HasStart)
	}
}

// Rules.Cancel stops a long expansion: the meeting fails as cancelled,
// fast.
func TestCancelStopsExpansion(t *testing.T) {
	ev := future(event{start: "20200101T000000", body: teamsBody(oldJoin), extra: "RRULE:FREQ=SECONDLY;COUNT=900000\r\n"})
	done := make(chan struct{})
	close(done)
	r := testRules
	r.Cancel = done
	began := time.Now()
	_, res := migrateOne(t, calendar(ev), r, newTeams)
	if !errors.Is(res.Err, recur.ErrCancelled) || time.Since(began) > time.Second {
		t.Fatalf("Err = %v after %s", res.Err, time.Since(began))
	}
}
