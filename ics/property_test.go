package ics

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mms-project/mms/internal/corpus"
)

// Every parameter is read, the last one too, quoted or not: most clients
// write DTSTART;TZID=Eastern Standard Time:... without quotes.
func TestPropertyParams(t *testing.T) {
	for _, c := range []struct {
		line, name string
		want       []string
	}{
		{`DTSTART;TZID=Eastern Standard Time:20260302T083000`, "TZID", []string{"Eastern Standard Time"}},
		{`DTSTART;TZID="Eastern Standard Time":20260302T083000`, "TZID", []string{"Eastern Standard Time"}},
		{`DTSTART;VALUE=DATE-TIME;TZID=America/New_York:20260302T083000`, "TZID", []string{"America/New_York"}},
		{`DTSTART;TZID=America/New_York;VALUE=DATE-TIME:20260302T083000`, "TZID", []string{"America/New_York"}},
		{`X-ALT-DESC;FMTTYPE=text/html:<html>`, "FMTTYPE", []string{"text/html"}},
		{`ATTENDEE;MEMBER="mailto:a@x","mailto:b@x";CN=A B:mailto:c@x`, "MEMBER", []string{"mailto:a@x", "mailto:b@x"}},
		{`ATTENDEE;MEMBER="mailto:a@x","mailto:b@x";CN=A B:mailto:c@x`, "CN", []string{"A B"}},
		{`EXDATE;TZID=W. Europe Standard Time:20260302T090000,20260309T090000`, "TZID", []string{"W. Europe Standard Time"}},
	} {
		p, err := parseProperty(c.line)
		if err != nil {
			t.Fatalf("%s: %v", c.line, err)
		}
		if got := p.Params()[c.name]; !slices.Equal(got, c.want) {
			t.Errorf("%s: %s = %q, want %q", c.line, c.name, got, c.want)
		}
	}
}

// The corpus Google invite writes DTSTART;TZID=Asia/Kolkata:20240615T210000
// without quotes: 21:00 in Kolkata is 15:30Z, past a quarter of an hour later.
func TestUnquotedTZIDCorpus(t *testing.T) {
	path := filepath.Join(corpus.Dir(t), "real", "google_calendar_meet_block_en_dialin_Shubhan-Saralaya_gmail_invite.ics")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		now  time.Time
		want Reason
	}{
		{time.Date(2024, 6, 15, 15, 15, 0, 0, time.UTC), OtherProvider},
		{time.Date(2024, 6, 15, 15, 45, 0, 0, time.UTC), Past},
	} {
		cal, err := Parse(path, data)
		if err != nil {
			t.Fatal(err)
		}
		m := cal.Meetings()[0]
		res := cal.Migrate(m, Rules{Organizer: []string{address(m.First().mustProp(t, "ORGANIZER"))}, Now: c.now, Stamp: c.now}, goldenChange)
		if res.Skipped != c.want || !res.Start.Equal(time.Date(2024, 6, 15, 15, 30, 0, 0, time.UTC)) {
			t.Errorf("now %s: skipped %q start %s, want %q at 15:30Z", c.now, res.Skipped, res.Start, c.want)
		}
	}
}

func (comp *Component) mustProp(t *testing.T, name string) string {
	t.Helper()
	p, ok := comp.Prop(name)
	if !ok {
		t.Fatalf("no %s", name)
	}
	return p.Value
}
