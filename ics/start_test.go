package ics

import (
	"testing"
	"time"
)

// The report's Start of a series is its next occurrence at or after now
// (a moved instance included), whoever organises it; a meeting with none
// left keeps its first DTSTART.
func TestResultStartIsNextOccurrence(t *testing.T) {
	utc := func(d, h int) time.Time { return time.Date(2026, 1, d, h, 0, 0, 0, time.UTC) }
	weekly := "RRULE:FREQ=WEEKLY;COUNT=6\r\n"
	cases := []struct {
		name   string
		events []event
		want   time.Time
		reason Reason
	}{
		{"single future meeting", []event{{start: "20260120T100000"}}, utc(20, 9), ""},
		{"series begun in the past", []event{{start: "20260105T100000", extra: weekly}}, utc(19, 9), ""},
		{"series whose next instance moved earlier", []event{{start: "20260105T100000", extra: weekly},
			{start: "20260116T110000", recurrenceID: "20260119T100000"}}, utc(16, 10), ""},
		{"series of another organiser", []event{{start: "20260105T100000", extra: weekly, organizer: "boss@contoso.com"}}, utc(19, 9), NotOrganizer},
		{"series all in the past", []event{{start: "20251201T100000", extra: "RRULE:FREQ=WEEKLY;COUNT=2\r\n"}},
			time.Date(2025, 12, 1, 9, 0, 0, 0, time.UTC), Past},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var evs []event
			for _, e := range tc.events {
				e.body = teamsBody(oldJoin)
				evs = append(evs, future(e))
			}
			_, res := migrateOne(t, calendar(evs...), testRules, newTeams)
			if res.Err != nil || res.Skipped != tc.reason {
				t.Fatalf("Skipped=%q Err=%v, want %q", res.Skipped, res.Err, tc.reason)
			}
			if !res.Start.Equal(tc.want) {
				t.Fatalf("Start = %v, want %v", res.Start.UTC(), tc.want)
			}
		})
	}
}
