package recur

import (
	"testing"
	"time"

	"github.com/mms-project/mms/ics/tz"
)

// DTSTART 0001-01-01T00:00:00Z is the zero time.Time; it is a value, not
// "unset" (rrule-go would read it as the machine's clock), and so is an
// UNTIL at that instant.
func TestYearOneIsAValue(t *testing.T) {
	now, r := at("2026-01-15T09:00:00Z"), tz.NewResolver(nil)
	cases := []struct {
		name   string
		lines  []string
		want   time.Time
		wantOK bool
	}{
		{"years 1-2, daily", []string{"DTSTART:00010101T000000Z", "RRULE:FREQ=DAILY;UNTIL=00021231T000000Z"}, time.Time{}, false},
		{"year 1, twice", []string{"DTSTART:00010101T000000Z", "RRULE:FREQ=YEARLY;COUNT=2"}, time.Time{}, false},
		{"until the zero instant", []string{"DTSTART:00010101T000000Z", "RRULE:FREQ=HOURLY;UNTIL=00010101T000000Z"}, time.Time{}, false},
		{"floating year 1", []string{"DTSTART:00010101T000000", "RRULE:FREQ=MONTHLY;COUNT=3"}, time.Time{}, false},
		{"yearly from year 1", []string{"DTSTART:00010101T000000Z", "RRULE:FREQ=YEARLY"}, at("2027-01-01T00:00:00Z"), true},
		{"weekly from year 1 keeps its weekday", []string{"DTSTART:00010101T000000Z", "RRULE:FREQ=WEEKLY"}, at("2026-01-19T00:00:00Z"), true},
	}
	for _, tc := range cases {
		got, ok, err := Series{Master: event(tc.lines...)}.NextAtOrAfter(now, r, time.UTC)
		if err != nil || ok != tc.wantOK || !got.Equal(tc.want) {
			t.Errorf("%s: got %s ok=%v err=%v, want %s ok=%v", tc.name, got, ok, err, tc.want, tc.wantOK)
		}
	}
}
