package migrate

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/ics/block"
	"github.com/mms-project/mms/report"
)

// changes says old -> new per field that differs, the join link last.
func TestChanges(t *testing.T) {
	for _, tc := range []struct {
		old, neu block.Block
		want     string
	}{
		{block.Block{Provider: "teams", JoinURL: "https://j", ConferenceID: "111222333"}, block.Block{Provider: "teams", JoinURL: "https://j", ConferenceID: "987654321"},
			"conference ID 111 222 333 -> 987 654 321; join link kept"},
		{block.Block{Provider: "skype", JoinURL: "https://old", TollNumbers: []string{"+46 8 1"}}, block.Block{Provider: "teams", JoinURL: "https://new", ConferenceID: "42", TollNumbers: []string{"+46 8 2", "+46 8 3"}},
			"provider skype -> teams; conference ID (none) -> 42; toll numbers +46 8 1 -> +46 8 2, +46 8 3; join link https://old -> https://new"},
		{block.Block{Provider: "teams", JoinURL: "https://j"}, block.Block{Provider: "teams", JoinURL: "https://j"}, "block rewritten; join link kept"},
		{block.Block{MeetingNumber: "1 2", Passcode: "a"}, block.Block{MeetingNumber: "3 4", Passcode: "b", DialInURL: "https://d"},
			"meeting ID 1 2 -> 3 4; passcode a -> b; dial-in link (none) -> https://d; join link kept"},
	} {
		if got := changes(tc.old, tc.neu); got != tc.want {
			t.Errorf("changes:\n got %s\nwant %s", got, tc.want)
		}
	}
	if spaced("1234567") != "1 234 567" || spaced("") != "" || spaced("123") != "123" {
		t.Error("spaced")
	}
}

// The Detail of a skip says what the rule saw; of a failure, the error.
func TestEvidence(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		res  ics.Result
		want string
	}{
		{ics.Result{Err: errors.New("cal.ics: line 7: bad DTSTART")}, "cal.ics: line 7: bad DTSTART"},
		{ics.Result{Skipped: ics.Past}, "no occurrence at or after --now 2026-12-06T09:00:00Z"},
		{ics.Result{Skipped: ics.TooManyAttendees, People: 301}, "301 people with the organiser; at most 250 are migrated"},
		{ics.Result{Skipped: ics.OtherProvider, Provider: "zoom"}, "the meeting's block is zoom's"},
		{ics.Result{Skipped: ics.NotOrganizer}, ""},
		{ics.Result{Skipped: ics.NotOrganizer, Evidence: "ORGANIZER mailto:boss@contoso.com"}, "ORGANIZER mailto:boss@contoso.com"},
		{ics.Result{Skipped: ics.Past, Evidence: "last occurrence 2025-01-20 09:00 UTC"}, "last occurrence 2025-01-20 09:00 UTC"},
	} {
		if got := evidence(tc.res, now); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.res, got, tc.want)
		}
	}
}

// A user's message says "1 meeting", not "1 meetings".
func TestLastMessageWording(t *testing.T) {
	rows := func(outcomes ...string) UserOutcome {
		var out UserOutcome
		for i, o := range outcomes {
			out.Meetings = append(out.Meetings, report.Meeting{UID: string(rune('a' + i)), Outcome: o})
		}
		return out
	}
	r := Result(Assignment{MigrationType: "ToTeams"}, rows(Updated), false)
	if !strings.HasPrefix(r.LastMessage, "1 meeting ") {
		t.Errorf("one meeting: %q", r.LastMessage)
	}
	r = Result(Assignment{MigrationType: "ToTeams"}, rows(Updated, Failed), false)
	if !strings.HasPrefix(r.LastMessage, "1 of 2 meetings failed") {
		t.Errorf("one of two failed: %q", r.LastMessage)
	}
}

// A meeting's length is DTEND - DTSTART as wall-clock times, 0 when it
// cannot be read.
func TestLength(t *testing.T) {
	cal, err := ics.Parse("t.ics", []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=\"W. Europe Standard Time\":20260116T190000\r\n"+
		"DTEND;TZID=\"W. Europe Standard Time\":20260116T203000\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTART;VALUE=DATE:20260116\r\nDTEND;VALUE=DATE:20260117\r\n"+
		"END:VEVENT\r\nBEGIN:VEVENT\r\nUID:c\r\nDTSTART:20260116T190000Z\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:d\r\nDTSTART:20260116T190000Z\r\nDTEND:garbage\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Duration{"a": 90 * time.Minute, "b": 24 * time.Hour, "c": 0, "d": 0}
	for _, m := range cal.Meetings() {
		if got := length(m.First()); got != want[m.UID] {
			t.Errorf("%s: %s, want %s", m.UID, got, want[m.UID])
		}
	}
}

// describe takes the old block from the Result when the decision read it
// in the body the report shows, and looks for it in that body otherwise.
func TestDescribeTakesTheOldBlockOnlyFromTheBodyShown(t *testing.T) {
	cal := parseFile(t, suiteFixture)
	var was string
	for _, m := range cal.Meetings() {
		if p, ok := m.First().Prop("DESCRIPTION"); ok && strings.Contains(p.Text(), "meetup-join") {
			was = p.Text()
			break
		}
	}
	join := block.TextLinks(was)[0]
	body := strings.ReplaceAll(was, join, join+"x")
	var f block.Finder
	found, ok := f.FindText(was)
	if !ok {
		t.Fatal("the test's old body holds no block")
	}
	marked := found
	marked.ConferenceID = "999888777" // only a carried block says this
	up := &prepared{update: requestUpdate{text: body}}
	for _, tc := range []struct {
		name      string
		res       ics.Result
		wantMarks bool
	}{
		{"same body", ics.Result{OldBlock: marked, OldBody: was, OldInText: true}, true},
		{"another body", ics.Result{OldBlock: marked, OldBody: "Other\n" + was, OldInText: true}, false},
		{"read in HTML", ics.Result{OldBlock: marked, OldBody: was}, false},
	} {
		var o report.Meeting
		describe(&o, &f, before{text: was}, tc.res, up, time.Time{})
		if marks := strings.Contains(o.Changes, "999 888 777"); marks != tc.wantMarks {
			t.Errorf("%s: Changes %q; carried block used: %v, want %v", tc.name, o.Changes, marks, tc.wantMarks)
		}
		if o.OldBlock == "" || !strings.Contains(o.OldBlock, join) {
			t.Errorf("%s: OldBlock %q", tc.name, o.OldBlock)
		}
	}
}

// When the master's plain text holds no block, Changes compares the block
// the decision read (in an HTML body, or in an instance's text) with the
// same body of the update: it is never left empty for a rewritten meeting.
// Notes on instances left alone go to Detail.
func TestChangesWhenTheMasterTextHasNoBlock(t *testing.T) {
	cal := parseFile(t, suiteFixture)
	var text, markup string
	for _, m := range cal.Meetings() {
		p, ok1 := m.First().Prop("DESCRIPTION")
		h, ok2 := m.First().Prop("X-ALT-DESC")
		if ok1 && ok2 && strings.Contains(p.Text(), "meetup-join") {
			text, markup = p.Text(), h.Text()
			break
		}
	}
	var f block.Finder
	oldText, ok1 := f.FindText(text)
	oldHTML, ok2 := f.FindHTML(markup)
	if !ok1 || !ok2 || oldText.ConferenceID == "" {
		t.Fatal("the fixture's meeting has no block with a conference ID in both bodies")
	}
	id := oldText.ConferenceID
	newID := "999888777"
	for _, tc := range []struct {
		name string
		res  ics.Result
		up   requestUpdate
	}{
		{"block only in HTML", ics.Result{OldBlock: oldHTML, OldBody: markup},
			requestUpdate{text: "Agenda only", html: strings.ReplaceAll(markup, id, newID)}},
		{"block only in an instance", ics.Result{OldBlock: oldText, OldBody: text, OldInText: true},
			requestUpdate{text: strings.ReplaceAll(text, id, newID)}},
	} {
		var o report.Meeting
		tc.res.Notes = []string{"the instance of 20260202T100000 (line 40) left as it is: it holds a block of zoom"}
		describe(&o, &f, before{text: "Agenda only"}, tc.res, &prepared{update: tc.up}, time.Time{})
		if o.Detail != tc.res.Notes[0] {
			t.Errorf("%s: Detail %q, want the note", tc.name, o.Detail)
		}
		if !strings.Contains(o.Changes, "conference ID") || !strings.Contains(o.Changes, "999 888 777") {
			t.Errorf("%s: Changes %q, want the conference ID's change", tc.name, o.Changes)
		}
		if o.OldBlock == "" || o.NewBlock == "" {
			t.Errorf("%s: OldBlock %q, NewBlock %q", tc.name, o.OldBlock, o.NewBlock)
		}
	}
}

// parseFile parses a calendar file of the test data.
func parseFile(t *testing.T, path string) *ics.Calendar {
	t.Helper()
	cal, err := ics.Parse(path, mustRead(t, path))
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

// What a rollback's report says it changed is the batch's change the
// other way round: reversed(changes(a, b)) is changes(b, a).
func TestReversedChanges(t *testing.T) {
	teams := block.Block{Provider: block.ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_A%40thread.v2/0",
		ConferenceID: "111222333", TollNumbers: []string{"+46 8 505 248 89", "+1 555 0100"}, DialInURL: "https://dialin.teams.microsoft.com/x?id=111222333"}
	newID := teams
	newID.ConferenceID, newID.TollFreeNumbers, newID.DialInURL = "987654", []string{"+1 800 555 0100"}, ""
	skype := block.Block{Provider: block.ProviderSkype, JoinURL: "https://meet.lync.com/contoso/anna/AB12", ConferenceID: "4455"}
	for _, pair := range [][2]block.Block{{teams, newID}, {skype, teams}, {teams, teams}} {
		got, want := reversed(changes(pair[0], pair[1])), changes(pair[1], pair[0])
		if got != want {
			t.Errorf("reversed(%q)\n got %q\nwant %q", changes(pair[0], pair[1]), got, want)
		}
	}
	if got := reversed("something else"); got != "" {
		t.Errorf("reversed of an unknown text = %q", got)
	}
}

// A meeting whose text already showed the new block and whose HTML body
// did not says in Changes what changed in the HTML, not "block
// rewritten" (found by an audit).
func TestChangesOfAStaleHTMLBody(t *testing.T) {
	cal := parseFile(t, suiteFixture)
	var text string
	var html ics.Property
	for _, m := range cal.Meetings() {
		p, ok1 := m.First().Prop("DESCRIPTION")
		h, ok2 := m.First().Prop("X-ALT-DESC")
		if ok1 && ok2 && strings.Contains(p.Text(), "meetup-join") {
			text, html = p.Text(), h
			break
		}
	}
	var f block.Finder
	oldText, ok := f.FindText(text)
	if !ok || oldText.ConferenceID == "" {
		t.Fatal("the fixture's meeting has no block with a conference ID")
	}
	id, newID := oldText.ConferenceID, "999888777"
	current := strings.ReplaceAll(text, id, newID) // the text said it already
	up := &prepared{update: requestUpdate{text: current, html: strings.ReplaceAll(html.Text(), id, newID)}}
	done, _ := f.FindText(current)
	var o report.Meeting
	describe(&o, &f, before{text: current, html: html}, ics.Result{OldBlock: done, OldBody: current, OldInText: true}, up, time.Time{})
	if !strings.Contains(o.Changes, "conference ID") || !strings.Contains(o.Changes, "999 888 777") {
		t.Errorf("Changes %q, want the HTML's conference ID change", o.Changes)
	}
}
