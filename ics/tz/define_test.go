package tz

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"
)

// A VTIMEZONE Define writes, read back as a calendar's own definition,
// gives the zone's offsets at every hour of the year it was made from and
// of the next (and, for rules unchanged since, two years before): zones
// north and south of the equator, of half and three-quarter hours, without
// daylight time, and one that changes more than twice a year.
func TestDefineReadsBackAsTheZone(t *testing.T) {
	const year = 2026
	cases := []struct {
		iana  string
		years []int
		rules bool // two yearly rules
	}{
		{"America/Los_Angeles", []int{2024, 2026, 2027}, true},
		{"Europe/Berlin", []int{2024, 2026, 2027}, true},
		{"Australia/Sydney", []int{2024, 2026, 2027}, true},
		{"America/St_Johns", []int{2026, 2027}, true},
		{"Asia/Kolkata", []int{2024, 2026, 2027}, false},
		{"Asia/Kathmandu", []int{2026, 2027}, false},
		{"America/Sao_Paulo", []int{2026, 2027}, false},
		{"Africa/Casablanca", []int{2026, 2027}, false}, // Ramadan: not the same weekdays each year
	}
	for _, c := range cases {
		loc, err := time.LoadLocation(c.iana)
		if err != nil {
			t.Fatal(err)
		}
		const id = "Zone Made By mms"
		text, ok := Define(id, loc, year)
		if !ok {
			t.Fatalf("%s: not defined", c.iana)
		}
		if got := strings.Contains(text, "RRULE:"); got != c.rules {
			t.Errorf("%s: yearly rules %v, want %v:\n%s", c.iana, got, c.rules, text)
		}
		if n := bytes.Count([]byte(text), []byte("\n")); n != strings.Count(text, "\r\n") {
			t.Errorf("%s: a line does not end in CRLF", c.iana)
		}
		cal, err := ical.NewDecoder(strings.NewReader("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n" + text + "END:VCALENDAR\r\n")).Decode()
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.iana, err, text)
		}
		back, err := NewResolver(cal.Children).Location(id)
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.iana, err, text)
		}
		for _, y := range c.years {
			for at := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC); at.Year() == y; at = at.Add(time.Hour) {
				_, want := at.In(loc).Zone()
				if _, got := at.In(back).Zone(); got != want {
					t.Errorf("%s at %s: offset %d s, want %d s\n%s", c.iana, at.Format(time.RFC3339), got, want, text)
					break
				}
			}
		}
	}
	if _, ok := Define(`a"b`, time.UTC, year); ok {
		t.Error("a TZID no parameter can hold was defined")
	}
}

// A TZID with commas (a Windows display name, as some exporters write
// it) is written as the TEXT value it is, folded, and read back as the
// same zone by the name its parameters give (it was left undefined).
func TestDefineDisplayName(t *testing.T) {
	const id = "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna; Wien \\ Zürich"
	loc, _ := time.LoadLocation("Europe/Berlin")
	text, ok := Define(id, loc, 2026)
	if !ok || !strings.Contains(strings.ReplaceAll(text, "\r\n ", ""), `TZID:(UTC+01:00) Amsterdam\, Berlin\, Bern\, Rome\, Stockholm\, Vienna\; Wien \\ Zürich`+"\r\n") {
		t.Fatalf("defined %v:\n%s", ok, text)
	}
	for _, line := range strings.Split(text, "\r\n") {
		if len(line) > 75 || !utf8.ValidString(line) {
			t.Errorf("line of %d octets or split inside a character: %q", len(line), line)
		}
	}
	cal, err := ical.NewDecoder(strings.NewReader("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n" + text + "END:VCALENDAR\r\n")).Decode()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := windowsExact(id); ok {
		t.Fatal("the test's TZID must be one only the file defines")
	}
	back, err := NewResolver(cal.Children).Location(id)
	if err != nil {
		t.Fatal(err)
	}
	if _, off := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC).In(back).Zone(); off != 7200 {
		t.Errorf("read back with offset %d in July, want 7200", off)
	}
}

func TestNthWeekday(t *testing.T) {
	for _, c := range []struct {
		year  int
		month time.Month
		wd    time.Weekday
		n     int
		want  int
	}{
		{2026, time.March, time.Sunday, 2, 8},    // US daylight time
		{2026, time.March, time.Sunday, -1, 29},  // EU summer time
		{2026, time.November, time.Sunday, 1, 1}, // US standard time
		{1970, time.October, time.Sunday, -1, 25},
		{1970, time.April, time.Sunday, 1, 5},
	} {
		if got := nthWeekday(c.year, c.month, c.wd, c.n); got != c.want {
			t.Errorf("nthWeekday(%d, %s, %s, %d) = %d, want %d", c.year, c.month, c.wd, c.n, got, c.want)
		}
	}
}
