package migrate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/internal/corpus"
)

// readChanged, which reads an update from the calendar as the rewrite left
// it, reads what readUpdate reads from the meeting's iTIP request, for
// every meeting of the corpus and the demo that is rewritten: with and
// without a SEQUENCE, with folded bodies, LF files, overrides.
func TestReadChangedReadsWhatTheRequestSays(t *testing.T) {
	files := corpus.RealFiles(t)
	demo, _ := filepath.Glob(filepath.Join("..", "..", "fixtures", "demo", "calendars", "*.ics"))
	if len(demo) == 0 {
		t.Fatal("no demo calendars")
	}
	changes := []ics.Change{
		{JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3anew%40thread.v2/0", ConferenceID: "111222333"},
		{DropDialIn: true},
	}
	now := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	stamp := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	compared, inserted := 0, 0
	for _, path := range append(files, demo...) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// Also without SEQUENCE and DTSTAMP, which the rewrite then adds.
		var stripped []string
		for _, line := range strings.SplitAfter(string(data), "\n") {
			if !strings.HasPrefix(line, "SEQUENCE:") && !strings.HasPrefix(line, "DTSTAMP:") {
				stripped = append(stripped, line)
			}
		}
		for _, variant := range [][]byte{data, []byte(strings.Join(stripped, ""))} {
			for _, ch := range changes {
				compared, inserted = compareUpdates(t, path, variant, ch, now, stamp, compared, inserted)
			}
		}
	}
	if compared < 50 || inserted == 0 {
		t.Errorf("only %d rewritten meetings compared, %d without a SEQUENCE", compared, inserted)
	}
	t.Logf("%d rewritten meetings compared, %d without a SEQUENCE", compared, inserted)
}

// compareUpdates migrates every meeting of one calendar with ch and
// compares the two readings of each rewritten one; it returns the counts
// grown by what it compared.
func compareUpdates(t *testing.T, path string, data []byte, ch ics.Change, now, stamp time.Time, compared, inserted int) (int, int) {
	cal, err := ics.Parse(filepath.Base(path), data)
	if err != nil {
		return compared, inserted
	}
	for _, m := range cal.Meetings() {
		org := ""
		if p, ok := m.First().Prop("ORGANIZER"); ok {
			org = strings.TrimPrefix(strings.ToLower(p.Value), "mailto:")
		}
		res := cal.Migrate(m, ics.Rules{Organizer: []string{org}, Now: now, Stamp: stamp}, ch)
		if !res.Rewritten() || len(res.Changed) == 0 {
			continue
		}
		compared++
		if _, ok := m.First().Prop("SEQUENCE"); !ok {
			inserted++
		}
		if got, want := readChanged(cal, res.Changed), readUpdate(cal.Request(res.Changed)); got != want {
			t.Errorf("%s: UID %s:\n from the calendar %+v\n from the request  %+v", path, m.UID, got, want)
		}
	}
	return compared, inserted
}

// An update's HTML part is the meeting's HTML body wherever the calendar
// keeps it: X-ALT-DESC, an HTML DESCRIPTION (Google), or the DESCRIPTION's
// ALTREP data: URI (Thunderbird).
func TestUpdateHTMLFromEachBody(t *testing.T) {
	const html = "<p>Hej <a href=\"https://teams.microsoft.com/l/meetup-join/x\">join</a></p>"
	for name, desc := range map[string]string{
		"X-ALT-DESC":  "DESCRIPTION:Hej join\r\nX-ALT-DESC;FMTTYPE=text/html:" + strings.ReplaceAll(html, ";", `\;`) + "\r\n",
		"DESCRIPTION": "DESCRIPTION:" + html + "\r\n",
		"ALTREP":      `DESCRIPTION;ALTREP="data:text/html,%3Cp%3EHej%20%3Ca%20href%3D%22https%3A%2F%2Fteams.microsoft.com%2Fl%2Fmeetup-join%2Fx%22%3Ejoin%3C%2Fa%3E%3C%2Fp%3E":Hej join` + "\r\n",
	} {
		req := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:u\r\nSEQUENCE:1\r\n" + desc + "END:VEVENT\r\nEND:VCALENDAR\r\n"
		u := readUpdate([]byte(req))
		if u.html != html {
			t.Errorf("%s: html %q, want %q", name, u.html, html)
		}
		if strings.Contains(u.text, "<p>") || !strings.Contains(u.text, "join") {
			t.Errorf("%s: text %q", name, u.text)
		}
	}
}

// A plain-text DESCRIPTION holding something like a tag (<b>slides</b>, an
// address in <...>) beside its block is mailed as text, as the rewrite
// reads it: no HTML part, nothing of it lost.
func TestPlainTextWithTagsMailedAsText(t *testing.T) {
	_, text := demoTeamsBody(t, "DESCRIPTION")
	text = "Bring <b>slides</b>. Host: Peter Jones <p.jones@contoso.com>\n\n" + text
	req := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:u\r\nSEQUENCE:1\r\nDESCRIPTION:" +
		strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`).Replace(text) + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	u := readUpdate([]byte(req))
	if u.html != "" || u.text != text {
		t.Errorf("html %.80q, text %.80q; want no HTML part and the DESCRIPTION as it is", u.html, u.text)
	}
}
