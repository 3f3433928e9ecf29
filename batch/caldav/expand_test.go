package caldav

import (
	"strings"
	"testing"
	"time"
)

// calendar wraps VEVENT lines (LF-separated) into an object with CRLF.
func calendar(events ...string) []byte {
	s := "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//mms//test//EN\n"
	for _, e := range events {
		s += "BEGIN:VEVENT\nDTSTAMP:20200101T000000Z\n" + e + "\nEND:VEVENT\n"
	}
	return []byte(strings.ReplaceAll(s+"END:VCALENDAR\n", "\n", "\r\n"))
}

// The probe's occurrence is one that only expanding the rule yields: not
// the first instance, not one an override replaces or overlaps; a series
// without a definite start (floating, all-day), or that has ended, gives
// none.
func TestExpandedOccurrence(t *testing.T) {
	from := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	weekly := "UID:w\nDTSTART:20200106T100000Z\nDTEND:20200106T103000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO"
	cases := []struct {
		name string
		data []byte
		want string // "" for none
	}{
		{"weekly", calendar(weekly), "2026-12-07T10:00:00Z"},
		{"that occurrence replaced", calendar(weekly, "UID:w\nRECURRENCE-ID:20261207T100000Z\nDTSTART:20261207T120000Z\nDTEND:20261207T123000Z"), "2026-12-14T10:00:00Z"},
		{"another moved onto it", calendar(weekly, "UID:w\nRECURRENCE-ID:20261130T100000Z\nDTSTART:20261207T100000Z\nDTEND:20261207T103000Z"), "2026-12-14T10:00:00Z"},
		{"overlapped by a long override", calendar(weekly, "UID:w\nRECURRENCE-ID:20261130T100000Z\nDTSTART:20261207T090000Z\nDTEND:20261207T110000Z"), "2026-12-14T10:00:00Z"},
		{"in a zone", calendar("UID:z\nDTSTART;TZID=Europe/Berlin:20200106T100000\nDTEND;TZID=Europe/Berlin:20200106T103000\nRRULE:FREQ=WEEKLY;BYDAY=MO"), "2026-12-07T09:00:00Z"},
		{"first instance after from", calendar("UID:f\nDTSTART:20270104T100000Z\nRRULE:FREQ=WEEKLY"), "2027-01-11T10:00:00Z"},
		{"floating", calendar("UID:f\nDTSTART:20200106T100000\nRRULE:FREQ=WEEKLY"), ""},
		{"all day", calendar("UID:d\nDTSTART;VALUE=DATE:20200106\nRRULE:FREQ=WEEKLY"), ""},
		{"ended", calendar("UID:e\nDTSTART:20200106T100000Z\nRRULE:FREQ=WEEKLY;COUNT=3"), ""},
		{"single", calendar("UID:s\nDTSTART:20270106T100000Z"), ""},
		{"two series", calendar(weekly, strings.Replace(weekly, "UID:w", "UID:v", 1)), ""},
		{"not iCalendar", []byte("hello"), ""},
	}
	for _, c := range cases {
		at, ok := expandedOccurrence(c.data, from)
		got := ""
		if ok {
			got = at.UTC().Format(time.RFC3339)
		}
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// A server's object that makes go-ical's decoder panic (a parameter list
// ending in a comma, with no value) is an error for it, not a crash of the
// run: recursFrom counts it as recurring, the probe passes over it.
func TestUndecodableObjectIsAnError(t *testing.T) {
	data := []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=DAILY\r\nX;A=b,\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	if _, err := decodeObject(data); err == nil {
		t.Fatal("no error")
	}
	if !recursFrom(data, time.Now()) {
		t.Error("an object that cannot be judged should count as recurring")
	}
	if _, ok := expandedOccurrence(data, time.Now()); ok {
		t.Error("an undecodable object served as a probe")
	}
}
