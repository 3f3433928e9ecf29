package ics

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/emersion/go-ical"

	"github.com/mms-project/mms/fixtures/gen"
)

// benchCalendar is one generated Outlook-style calendar of 10,000 meetings
// (about 11,000 VEVENTs with series overrides).
func benchCalendar(b *testing.B) []byte {
	b.Helper()
	dir := b.TempDir()
	if err := gen.Write(dir, gen.Options{Users: 1, MeetingsPerUser: 10000, Seed: 1, Ref: testNow}); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "calendars", "user00000.ics"))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkReadDecideRewrite is what mms does to one calendar.
func BenchmarkReadDecideRewrite(b *testing.B) {
	data := benchCalendar(b)
	ch := Change{JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/0", ConferenceID: "555666777"}
	r := Rules{Organizer: []string{"user00000@contoso.com"}, Now: testNow, Stamp: testStamp}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		cal, err := Parse("bench.ics", data)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, m := range cal.Meetings() {
			if cal.Migrate(m, r, ch).Rewritten() {
				n++
			}
		}
		if n == 0 || len(cal.Bytes()) < len(data) {
			b.Fatal("nothing rewritten")
		}
	}
}

// BenchmarkGoICalDecode is go-ical's own Decode of the same bytes, for
// comparison.
func BenchmarkGoICalDecode(b *testing.B) {
	data := benchCalendar(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ical.NewDecoder(bytes.NewReader(data)).Decode(); err != nil {
			b.Fatal(err)
		}
	}
}
