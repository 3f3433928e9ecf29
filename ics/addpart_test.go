package ics

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mms-project/mms/ics/block"
	"github.com/mms-project/mms/internal/corpus"
)

// teamsNoConference is teamsBody with no conference ID anywhere: numbers
// without one in their dial string, a dial-in link that names none.
func teamsNoConference(join string) string {
	return strings.NewReplacer(
		"+46 8 505 248 89,,580849884#", "+46 8 505 248 89",
		"Phone Conference ID: 580 849 884#\n\n", "",
		"?id=580849884", "",
	).Replace(teamsBody(join))
}

// A change that gives a part of the dial-in the block lacks adds that
// one line where Teams writes it, in the block's language; every other
// line stays, and a rerun finds the meeting current.
func TestAddsOneDialInPart(t *testing.T) {
	const newDialIn = "https://dialin.teams.microsoft.com/new?id=111222333"
	cases := []struct {
		name       string
		body, want string
		ch         Change
	}{
		{"conference ID", teamsNoConference(oldJoin),
			strings.Replace(teamsNoConference(oldJoin), "Sweden, Stockholm\n\n", "Sweden, Stockholm\n\nPhone Conference ID: 111 222 333#\n\n", 1),
			Change{ConferenceID: "111222333"}},
		{"dial-in link", strings.Replace(teamsBody(oldJoin), "Find a local number <https://dialin.teams.microsoft.com/abc?id=580849884> | ", "", 1),
			strings.Replace(teamsBody(oldJoin), "Find a local number <https://dialin.teams.microsoft.com/abc?id=580849884> | ", "Find a local number <"+newDialIn+">\n\n", 1),
			Change{DialInURL: newDialIn}},
	}
	for _, tc := range cases {
		cal, res := migrateOne(t, calendar(future(event{body: tc.body})), testRules, tc.ch)
		if !res.Rewritten() {
			t.Fatalf("%s: %+v", tc.name, res)
		}
		out, err := Parse("out.ics", cal.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		p, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
		if got := p.Text(); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
		if again := out.Migrate(out.Meetings()[0], testRules, tc.ch); again.Skipped != AlreadyCurrent {
			t.Errorf("%s: rerun: Skipped=%q Err=%v", tc.name, again.Skipped, again.Err)
		}
	}
}

// In HTML the added part is an element made like the one it follows.
func TestAddsOneDialInPartInHTML(t *testing.T) {
	const newDialIn = "https://dialin.teams.microsoft.com/new?id=580849884"
	link := `<div><a href="https://dialin.teams.microsoft.com/abc?id=580849884">Find a local number</a></div>`
	conf := `<div><span>Phone conference ID: </span><span>580 849 884#</span></div>`
	html := strings.Replace(teams2023HTML(oldJoin), link, "", 1)
	ch := Change{DialInURL: newDialIn}
	cal, res := migrateOne(t, calendar(future(event{body: "Hi", extra: altDesc("<p>Hello</p>" + html)})), testRules, ch)
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	out, _ := Parse("out.ics", cal.Bytes())
	p, _ := htmlBody(out.Meetings()[0].First())
	want := "<p>Hello</p>" + strings.Replace(html, conf, conf+`<div><a href="`+newDialIn+`">Find a local number</a></div>`, 1)
	if got := p.Text(); got != want {
		t.Errorf("X-ALT-DESC\n got %q\nwant %q", got, want)
	}
	if again := out.Migrate(out.Meetings()[0], testRules, ch); again.Skipped != AlreadyCurrent {
		t.Errorf("rerun: Skipped=%q Err=%v", again.Skipped, again.Err)
	}
}

// Every Teams and Skype block of the corpus and the demo, in its text and
// its HTML body, is edited in place for each kind of change that keeps
// its service: none falls back to a whole new block. (Skype's wrapped
// links, its number entries over several lines and its "Forgot your
// dial-in PIN?" link once did.)
func TestBlocksAreEditedInPlace(t *testing.T) {
	changes := []struct {
		name string
		ch   Change
	}{
		{"conference ID", Change{ConferenceID: "111 222 333"}},
		{"dial-in link", Change{DialInURL: "https://dialin.teams.microsoft.com/new"}},
		{"a toll number replaced", Change{TollNumbers: []string{"+1 555 0100 United States"}}},
		{"toll numbers added", Change{TollNumbers: []string{"+1 555 0100", "+44 20 3000 0000 London"}, TollFreeNumbers: []string{"+1 800 555 0100"}}},
		{"numbers and conference ID", Change{ConferenceID: "111222333", TollNumbers: []string{"+1 555 0100"}}},
		{"dialin-disabled", Change{DropDialIn: true}},
	}
	f := &block.Finder{}
	edited := map[block.Provider]int{}
	for _, path := range keepFiles(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cal, err := Parse(filepath.Base(path), data)
		if err != nil {
			continue
		}
		for _, m := range cal.Meetings() {
			for _, comp := range m.Components() {
				text, hasText := comp.Prop("DESCRIPTION")
				markup, hasHTML := htmlBody(comp)
				var decision block.Block
				found := false
				if hasText {
					decision, found = f.FindText(text.Text())
				}
				if !found && hasHTML {
					decision, found = f.FindHTML(markup.Text())
				}
				if !found || decision.Provider != block.ProviderTeams && decision.Provider != block.ProviderSkype {
					continue
				}
				for _, c := range changes {
					spec, err := newSpec(decision, c.ch, m.UID)
					if err != nil || spec.Provider != decision.Provider {
						continue
					}
					r := &rendered{spec: spec, ch: c.ch, uid: m.UID, old: decision, finder: f}
					check := func(kind, body string, find func(string) (block.Block, bool), keep func(*block.Finder, string, block.Block, block.Spec) (string, bool)) {
						from, ok := find(body)
						if !ok {
							return
						}
						s, err := r.specFor(from)
						if err != nil {
							return
						}
						if _, ok := keep(f, body, from, s); !ok {
							t.Errorf("%s UID %s, %s body, %s: a whole new block, not an edit", filepath.Base(path), m.UID, kind, c.name)
							return
						}
						edited[from.Provider]++
					}
					if hasText {
						check("text", text.Text(), f.FindText, keepText)
					}
					if hasHTML {
						check("HTML", markup.Text(), f.FindHTML, keepHTML)
					}
				}
			}
		}
	}
	if edited[block.ProviderTeams] < 50 || edited[block.ProviderSkype] < 20 {
		t.Errorf("too few blocks edited: %v", edited)
	}
	t.Logf("bodies edited in place: %v", edited)
}

// On a real Outlook 2016 Skype block: a new toll number gets an entry made
// like the old toll number's (kind, tel: link, languages), its region the
// label the change gives; the toll-free entry before it stays as it was;
// the wrapped dial-in link and the conference ID change in place.
func TestSkypeEntriesEditedInPlace(t *testing.T) {
	path := filepath.Join(corpus.Dir(t), "real", "outlook16_skype_online_meeting_recurring_PowerShell-RFC_RecurringCommunityCall.ics")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// the organiser's address names the Skype user, as it would in a batch of his
	data = bytes.ReplaceAll(data, []byte("mailto:Joey.Aiello@microsoft.com"), []byte("mailto:jaiello@microsoft.com"))
	ch := Change{ConferenceID: "5551234", TollNumbers: []string{"+1 (213) 458-7614", "+44 20 1234 5678 London"}}
	cal, err := Parse(filepath.Base(path), data)
	if err != nil {
		t.Fatal(err)
	}
	m := cal.Meetings()[0]
	org, _ := m.First().Prop("ORGANIZER")
	res := cal.Migrate(m, Rules{Organizer: []string{address(org.Value)}, Now: goldenNow, Stamp: goldenStamp}, ch)
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	out, _ := Parse("out.ics", cal.Bytes())
	p, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
	for _, want := range []string{
		"Toll-free number: +1 (866) 641-7188\n<tel:+1%20(866)%20641-7188,5551234%23>  (Dial-in Number)\nEnglish (United States)  \n" +
			"Toll number:         +1 (213) 458-7614\n<tel:+1%20(213)%20458-7614,5551234%23>  (Dial-in Number)\nEnglish (United States)  \n" +
			"Toll number:         +44 20 1234 5678\n<tel:+44%2020%201234%205678,5551234%23>  (London)\nEnglish (United States)  \n \n",
		// Outlook's hard wrap before the link's '>' stays (an audit found
		// it dropped)
		"Find a local number\n<https://dialin.lync.com/48b4c613-cc67-4825-8175-29628d9715e5?id=5551234\n>  \n \nConference ID: 5551234\nForgot your dial-in PIN?\n",
	} {
		if !strings.Contains(p.Text(), want) {
			t.Errorf("DESCRIPTION lacks %q:\n%s", want, p.Text())
		}
	}
	if again := out.Migrate(out.Meetings()[0], Rules{Organizer: []string{address(org.Value)}, Now: goldenNow, Stamp: goldenStamp}, ch); again.Skipped != AlreadyCurrent {
		t.Errorf("rerun: Skipped=%q Err=%v", again.Skipped, again.Err)
	}
}

// A line between two number entries is not lost when the entries are
// replaced: it follows the new ones. The block is still edited, not
// written anew.
func TestSkypeEntriesKeepWhatLiesBetween(t *testing.T) {
	rule := strings.Repeat(".", 71) + "\n"
	body := "Hi\n\n" + rule +
		"--> Join Skype Meeting <https://meet.lync.com/contoso/anna/K000001>\n" +
		"Join by phone\n" +
		"+46 8 123 456 78 (Stockholm)  English (United States)\n" +
		"Find a local number <https://dialin.lync.com/contoso?id=100000001>\n" +
		"Or from Sweden:\n" +
		"+46 8 999 000 11 (Göteborg)  English (United States)\n" +
		"Conference ID: 100000001\n" +
		"[!OC([1033])!]\n" + rule
	cal, res := migrateOne(t, calendar(future(event{body: body})), testRules, Change{TollNumbers: []string{"+1 555 0100 Seattle"}})
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	out, _ := Parse("out.ics", cal.Bytes())
	p, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
	got := p.Text()
	for _, want := range []string{"Or from Sweden:", "https://dialin.lync.com/contoso?id=100000001", "+1 555 0100", "Conference ID: 100000001"} {
		if !strings.Contains(got, want) {
			t.Errorf("lost %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Stockholm") || strings.Contains(got, "Göteborg") {
		t.Errorf("old numbers left:\n%s", got)
	}
	if want := "+1 555 0100 (Seattle)  English (United States)\nFind a local number <https://dialin.lync.com/contoso?id=100000001>\nOr from Sweden:\n"; !strings.Contains(got, want) {
		t.Errorf("want the new entry made like the old ones, the line after it:\n%s", got)
	}
}

// The same in a Teams block: a line between two number lines stays.
func TestTeamsNumbersKeepWhatLiesBetween(t *testing.T) {
	body := strings.Replace(teamsBody(oldJoin), "+46 8 505 248 89,,580849884#   Sweden, Stockholm\n\n",
		"+46 8 505 248 89,,580849884#   Sweden, Stockholm\n\nSwedish speakers only\n\n+1 323-555-0100,,580849884#   United States, Seattle\n\n", 1)
	cal, res := migrateOne(t, calendar(future(event{body: body})), testRules, Change{TollNumbers: []string{"+44 20 3000 0000 London"}})
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	out, _ := Parse("out.ics", cal.Bytes())
	p, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
	want := strings.Replace(body, "+46 8 505 248 89,,580849884#   Sweden, Stockholm\n\nSwedish speakers only\n\n+1 323-555-0100,,580849884#   United States, Seattle\n\n",
		"+44 20 3000 0000,,580849884#   London\n\nSwedish speakers only\n\n", 1)
	if got := p.Text(); got != want {
		t.Errorf("DESCRIPTION\n got %q\nwant %q", got, want)
	}
}
