package ics

import (
	"html"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/ics/block"
	"github.com/mms-project/mms/internal/corpus"
)

// keepCase is a change and how to blank, in an old and a new block, the
// values it may change; after blanking the two blocks must be equal.
type keepCase struct {
	name      string
	ch        Change
	teamsOnly bool // a Teams link in a Skype block is another service's
	blank     func(b string, f block.Block, isHTML bool) string
	row       *MeetingChange // each meeting's own row (--meetings), if any
	deletes   bool           // the change only removes (dialin-disabled): see checkDeletion
	inserts   bool           // the change only adds, to blocks without dial-in (dialin-enabled): checkDeletion from new to old
}

var keepCases = []keepCase{
	{name: "conference ID", ch: Change{ConferenceID: "111 222 333"}, blank: func(b string, f block.Block, isHTML bool) string {
		b = blankLinks(b, isHTML, func(l string) bool { return strings.Contains(l, "dialin") })
		return replaceDigits(b, f.ConferenceID, "0")
	}},
	{name: "dial-in link", ch: Change{DialInURL: "https://dialin.example.com/new"}, blank: func(b string, f block.Block, isHTML bool) string {
		return blankLinks(b, isHTML, func(l string) bool { return sameLink(l, f.DialInURL) || l == "https://dialin.example.com/new" })
	}},
	{name: "join link", ch: Change{JoinURL: "https://teams.microsoft.com/l/meetup-join/NEW-{meeting}"}, teamsOnly: true, blank: blankMeeting},
	{name: "dialin-disabled", ch: Change{DropDialIn: true}, deletes: true},
	{name: "numbers", ch: Change{TollNumbers: []string{"+1 555 0100 United States", "+44 20 3000 0000"}}, blank: blankNumbers},
	{name: "toll-free numbers", ch: Change{TollFreeNumbers: []string{"+1 800 555 0100"}}, blank: blankNumbers},
	{name: "dialin-enabled", ch: Change{ConferenceID: "111 222 333", TollNumbers: []string{"+46 8 505 248 89 Sweden, Stockholm"}, DialInURL: "https://dialin.teams.microsoft.com/x?id=111222333"},
		teamsOnly: true, inserts: true},
	{name: "row with Meeting ID and passcode", teamsOnly: true, blank: blankMeeting,
		row: &MeetingChange{JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_ROW%40thread.v2/0", MeetingID: "300000000001", Passcode: "Ab12Cd"}},
	{name: "row with a join link only", teamsOnly: true, blank: blankMeeting,
		row: &MeetingChange{JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_ROW%40thread.v2/0"}},
}

// blankMeeting blanks what a new meeting changes: the join links, "Meeting
// options", and the Meeting ID and passcode lines (dropped where the new
// link comes without them, added where a row gives them).
func blankMeeting(b string, f block.Block, isHTML bool) string {
	unesc := func(s string) string { return s }
	if isHTML {
		unesc = htmlUnescape
	}
	b = dropMeetingOptions(b, unesc, isHTML)
	if f.MeetingNumber != "" {
		drop := dropLineAndGap
		if isHTML {
			drop = dropElementWith
		}
		b = drop(b, replaceDigitsAs(b, digitsOnly(f.MeetingNumber), "\x00"))
		b = drop(b, replaceWord(b, f.Passcode, "\x00"))
	}
	return blankLinks(b, isHTML, func(l string) bool { return block.IsJoinLink(l) || sameMeeting(l, f.JoinURL) })
}

// blankNumbers removes the numbers of a block: in HTML their elements, in
// text their lines (a Skype block's entries), blank lines left collapsed.
func blankNumbers(b string, f block.Block, isHTML bool) string {
	numbers := append(slices.Clone(f.TollNumbers), f.TollFreeNumbers...)
	if isHTML {
		lower := strings.ToLower(b)
		var spans [][2]int
		for _, n := range numbers {
			if k := strings.Index(b, html.EscapeString(n)); k >= 0 {
				if s, e := numberElement(lower, k); s >= 0 {
					spans = append(spans, [2]int{s, e})
				}
			}
		}
		var out strings.Builder
		prev := 0
		for _, sp := range mergeSpans(spans) {
			out.WriteString(b[prev:sp[0]])
			prev = sp[1]
		}
		return out.String() + b[prev:]
	}
	lines := strings.SplitAfter(b, "\n")
	drop := make([]bool, len(lines))
	if f.Provider == block.ProviderSkype {
		entries, _ := skypeTextEntries(lines, f)
		for _, sp := range entries {
			for i := sp[0]; i < sp[1]; i++ {
				drop[i] = true
			}
		}
	} else {
		for i, l := range lines {
			drop[i] = slices.ContainsFunc(numbers, func(n string) bool { return strings.Contains(l, n) })
		}
	}
	var out strings.Builder
	wasBlank := false
	for i, l := range lines {
		blank := strings.TrimSpace(l) == ""
		if drop[i] || blank && wasBlank {
			continue
		}
		out.WriteString(l)
		wasBlank = blank
	}
	return out.String()
}

func blankLinks(b string, isHTML bool, match func(string) bool) string {
	unesc := func(s string) string { return s }
	if isHTML {
		unesc = htmlUnescape
	}
	return replaceLinks(b, unesc, match, "LINK")
}

// keepFiles are the real calendars of the shared corpus and the demo's.
func keepFiles(t *testing.T) []string {
	files := corpus.RealFiles(t)
	demo, _ := filepath.Glob(filepath.Join("..", "fixtures", "demo", "calendars", "*.ics"))
	if len(demo) == 0 {
		t.Fatal("no demo calendars in ../fixtures/demo/calendars")
	}
	return append(files, demo...)
}

// TestNewBlockKeepsWhatTheChangeDoesNotChange: for every meeting of every
// corpus and demo calendar, the old and the new block differ only in the
// values the change changes, in the text and in the HTML body: labels,
// language, order, "Reset PIN", "Learn more" and help links stay.
func TestNewBlockKeepsWhatTheChangeDoesNotChange(t *testing.T) {
	checked, perCase := 0, map[string]int{}
	for _, path := range keepFiles(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, kc := range keepCases {
			n := checkKeeps(t, filepath.Base(path), data, kc)
			perCase[kc.name] += n
			checked += n
		}
	}
	if checked < 20 {
		t.Fatalf("only %d blocks checked", checked)
	}
	for _, kc := range keepCases {
		if perCase[kc.name] < 10 {
			t.Errorf("%s: only %d blocks checked", kc.name, perCase[kc.name])
		}
	}
	t.Logf("blocks checked per change: %v", perCase)
}

func checkKeeps(t *testing.T, name string, data []byte, kc keepCase) int {
	if kc.inserts { // give dial-in to the blocks dialin-disabled left without
		data = droppedDialIn(name, data)
	}
	before, err := Parse(name, data)
	if err != nil {
		return 0
	}
	cal, _ := Parse(name, data)
	checked := 0
	for i, m := range cal.Meetings() {
		org := ""
		if p, ok := m.First().Prop("ORGANIZER"); ok {
			org = address(p.Value)
		}
		ch := kc.ch
		if kc.row != nil {
			ch.Meetings = map[string]MeetingChange{m.UID: *kc.row}
		}
		res := cal.Migrate(m, Rules{Organizer: []string{org}, Now: goldenNow, Stamp: goldenStamp}, ch)
		if !res.Rewritten() || kc.teamsOnly && res.Provider != block.ProviderTeams {
			continue
		}
		old := before.Meetings()[i]
		for k, comp := range res.Changed {
			oc := old.Components()[indexOf(m.Components(), comp)]
			_ = k
			checked += compareBlocks(t, name+" "+kc.name+" UID "+m.UID, oc, cal, comp, kc)
		}
	}
	return checked
}

func indexOf(list []*Component, c *Component) int {
	for i, x := range list {
		if x == c {
			return i
		}
	}
	return -1
}

// compareBlocks checks one component's two bodies; it returns how many
// blocks it compared.
func compareBlocks(t *testing.T, where string, oldComp *Component, cal *Calendar, comp *Component, kc keepCase) int {
	out, err := Parse("out.ics", cal.Bytes())
	if err != nil {
		t.Fatalf("%s: output does not parse: %v", where, err)
	}
	newComp := findSame(out, comp, cal)
	n := 0
	if p, ok := oldComp.Prop("DESCRIPTION"); ok {
		q, _ := newComp.Prop("DESCRIPTION")
		n += compareBodies(t, where+" text", p.Text(), q.Text(), kc, false)
	}
	if p, ok := htmlBody(oldComp); ok {
		q, _ := htmlBody(newComp)
		n += compareBodies(t, where+" HTML", p.Text(), q.Text(), kc, true)
	}
	return n
}

// compareBodies checks the blocks of one body before and after; it
// returns 1 where it compared two blocks.
func compareBodies(t *testing.T, where, before, after string, kc keepCase, isHTML bool) int {
	find := block.FindText
	if isHTML {
		find = block.FindHTML
	}
	ob, ok1 := find(before)
	nb, ok2 := find(after)
	if !ok1 || !ok2 {
		return 0
	}
	o, nw := before[ob.Start:ob.End], after[nb.Start:nb.End]
	switch {
	case kc.deletes:
		checkDeletion(t, where, o, nw, ob, nb, isHTML)
	case kc.inserts && hasDialIn(ob):
		return 0 // a replacement, checked by the other cases
	case kc.inserts:
		if !hasDialIn(nb) {
			t.Errorf("%s: no dial-in added: %+v", where, nb)
		}
		checkDeletion(t, where, nw, o, nb, ob, isHTML)
	default:
		if o, nw := kc.blank(o, ob, isHTML), kc.blank(nw, nb, isHTML); o != nw {
			t.Errorf("%s: block changed beyond the change's values:\nold %.900q\nnew %.900q", where, o, nw)
		}
	}
	return 1
}

// findSame returns the component of out that begins on the line comp
// begins on in cal (a rewrite adds lines only inside components, so the
// order of components is kept).
func findSame(out *Calendar, comp *Component, cal *Calendar) *Component {
	all, outAll := cal.Components(comp.Name), out.Components(comp.Name)
	return outAll[indexOf(all, comp)]
}

// The demo's case: a conference ID change keeps the number's label, "Reset
// PIN", "Meeting options" and the block's first lines; only the conference
// ID and the dial-in link that names it change.
func TestConferenceIDChangeKeepsLabels(t *testing.T) {
	cal, res := migrateOne(t, calendar(future(event{body: teamsBody(oldJoin)})), testRules, Change{ConferenceID: "111 222 333"})
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	out, err := Parse("out.ics", cal.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
	want := strings.NewReplacer("580849884", "111222333", "580 849 884", "111 222 333").Replace(teamsBody(oldJoin))
	if got := p.Text(); got != want {
		t.Errorf("DESCRIPTION\n got %q\nwant %q", got, want)
	}
}

// A Meeting ID that begins or ends with the conference ID's digits is
// another number: a conference ID change leaves it alone and keeps the
// block in place (found by an audit: the Meeting ID was rewritten with the
// new conference ID's digits, or the block written anew in English).
func TestConferenceIDInsideTheMeetingID(t *testing.T) {
	for _, id := range []string{"580 849 884 012", "999 580 849 884"} {
		body := strings.Replace(teamsBody(oldJoin), "Or call in", "Meeting ID: "+id+"\nPasscode: abc123\n\nOr call in", 1)
		cal, res := migrateOne(t, calendar(future(event{body: body})), testRules, Change{ConferenceID: "111 222 333"})
		if !res.Rewritten() {
			t.Fatalf("%s: %+v", id, res)
		}
		out, err := Parse("out.ics", cal.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		p, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
		want := strings.NewReplacer("580849884#", "111222333#", "id=580849884", "id=111222333", "ID: 580 849 884#", "ID: 111 222 333#").Replace(body)
		if got := p.Text(); got != want {
			t.Errorf("Meeting ID %s: DESCRIPTION\n got %q\nwant %q", id, got, want)
		}
	}
}

// A number the change keeps keeps its line and label; a new one gets the
// label the change gives, or "(Toll)"; a dropped one loses its line.
func TestNumbersKeepTheirLabels(t *testing.T) {
	cases := []struct {
		name    string
		numbers []string
		lines   []string // number lines the new block holds, in order
	}{
		{"added", []string{"+46 8 505 248 89", "+1 323-555-0100 United States, Seattle", "+44 20 3000 0000"}, []string{
			"+46 8 505 248 89,,580849884#   Sweden, Stockholm",
			"+1 323-555-0100,,580849884#   United States, Seattle",
			"+44 20 3000 0000,,580849884#   (Toll)",
		}},
		{"replaced", []string{"+1 323-555-0100"}, []string{"+1 323-555-0100,,580849884#   (Toll)"}},
	}
	for _, tc := range cases {
		cal, res := migrateOne(t, calendar(future(event{body: teamsBody(oldJoin)})), testRules, Change{TollNumbers: tc.numbers})
		if !res.Rewritten() {
			t.Fatalf("%s: %+v", tc.name, res)
		}
		out, _ := Parse("out.ics", cal.Bytes())
		p, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
		got := p.Text()
		want := strings.Replace(teamsBody(oldJoin), "+46 8 505 248 89,,580849884#   Sweden, Stockholm", strings.Join(tc.lines, "\n\n"), 1)
		if got != want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, want)
		}
		if again := out.Migrate(out.Meetings()[0], testRules, Change{TollNumbers: tc.numbers}); again.Skipped != AlreadyCurrent {
			t.Errorf("%s: rerun: Skipped=%q Err=%v", tc.name, again.Skipped, again.Err)
		}
	}
}

// A number whose tel: link Outlook's hard wrap moved to a line of its own
// is its two lines: a new number gets two lines made like them, the old
// tel: line goes with its number (found by an audit: it stayed, dialling
// the old number, and the new line had no tel: link).
func TestNumberChangeInAWrappedBlock(t *testing.T) {
	ch := Change{TollNumbers: []string{"+44 20 3000 0000"}}
	cal, res := migrateOne(t, calendar(future(event{body: wrappedText})), testRules, ch)
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	out, _ := Parse("out.ics", cal.Bytes())
	p, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
	want := strings.Replace(wrappedText, "+1 323-849-4874,,580849884#\n<tel:+13238494874,,580849884#>   United States, Los Angeles\n",
		"+44 20 3000 0000,,580849884#\n<tel:+442030000000,,580849884#>   (Toll)\n", 1)
	if got := p.Text(); got != want {
		t.Errorf("DESCRIPTION\n got %q\nwant %q", got, want)
	}
	if again := out.Migrate(out.Meetings()[0], testRules, ch); again.Skipped != AlreadyCurrent {
		t.Errorf("rerun: Skipped=%q Err=%v", again.Skipped, again.Err)
	}
}

// A tel: link that writes the number as shown, its blanks escaped (Outlook's
// 2018 Teams block: "<tel:+1%20323-849-4874,,50343176#>"), dials the new
// number after a change, in text and in HTML (found by an audit: the shown
// number changed, the link kept dialling the old one).
func TestNumberChangeReachesEscapedTelLinks(t *testing.T) {
	const oldLine = "+46 8 505 248 89,,580849884#   Sweden, Stockholm"
	text := strings.Replace(teamsBody(oldJoin), oldLine, "+46 8 505 248 89 <tel:+46%208%20505%20248%2089,,580849884#>   Sweden, Stockholm", 1)
	const oldEl = `<div><a href="tel:+46850524889,,580849884#">+46 8 505 248 89,,580849884#</a><span> Sweden, Stockholm</span></div>`
	markup := strings.Replace(teams2023HTML(oldJoin), oldEl, `<div><a href="tel:+46%208%20505%20248%2089,,580849884#">+46 8 505 248 89,,580849884#</a><span> Sweden, Stockholm</span></div>`, 1)
	if markup == teams2023HTML(oldJoin) {
		t.Fatal("the test's HTML block has no number element to change")
	}
	cal, res := migrateOne(t, calendar(future(event{body: text, extra: altDesc(markup)})), testRules, Change{TollNumbers: []string{"+44 20 3000 0000"}})
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	out, _ := Parse("out.ics", cal.Bytes())
	p, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
	if want := "+44 20 3000 0000 <tel:+442030000000,,580849884#>   (Toll)"; !strings.Contains(p.Text(), want) {
		t.Errorf("DESCRIPTION lacks %q:\n%s", want, p.Text())
	}
	h, _ := htmlBody(out.Meetings()[0].First())
	if want := `<a href="tel:+442030000000,,580849884#">+44 20 3000 0000,,580849884#</a>`; !strings.Contains(h.Text(), want) {
		t.Errorf("X-ALT-DESC lacks %q:\n%s", want, h.Text())
	}
	for _, body := range []string{p.Text(), h.Text()} {
		if strings.Contains(body, "%2089") {
			t.Errorf("a link still dials the old number:\n%s", body)
		}
	}
}

// A number the block shows, given by the change written another way
// ("+46850524889", as a workbook keeps a number typed without blanks), is
// the same number: its line keeps its label and its writing (found by an
// audit: it became "+46850524889 ... (Toll)"); given alone, it changes
// nothing.
func TestSameNumberWrittenAnotherWay(t *testing.T) {
	cal, res := migrateOne(t, calendar(future(event{body: teamsBody(oldJoin)})), testRules, Change{ConferenceID: "111 222 333", TollNumbers: []string{"+46850524889"}})
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	out, _ := Parse("out.ics", cal.Bytes())
	p, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
	if want := "+46 8 505 248 89,,111222333#   Sweden, Stockholm"; !strings.Contains(p.Text(), want) {
		t.Errorf("DESCRIPTION lacks %q:\n%s", want, p.Text())
	}
	if _, res := migrateOne(t, calendar(future(event{body: teamsBody(oldJoin)})), testRules, Change{TollNumbers: []string{"+46 (0)8 505 248 89"}}); res.Skipped != AlreadyCurrent {
		t.Errorf("the same number alone: Skipped=%q Err=%v, want already-current", res.Skipped, res.Err)
	}
}

// A plain-text join link that Outlook's hard wrap spreads over four lines
// (a Teams link is some 230 characters) is read whole: the block is
// edited in place in both bodies, the HTML's link left whole (found by an
// audit: only its first line was read, so the meeting was called pasted,
// or its HTML block written anew with the link cut short).
func TestJoinLinkWrappedOverFourLines(t *testing.T) {
	join := "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NzA4ZjE3YmYtZDlhZC00ZjJlLWI4YjQtMGFjYTdmNTJmOWE2%40thread.v2/0?context=%7b%22Tid%22%3a%2272f988bf-86f1-41af-91ab-2d7cd011db47%22%2c%22Oid%22%3a%22a1b2c3d4-e5f6-4789-abcd-ef0123456789%22%7d"
	var wrapped strings.Builder
	for rest := join; rest != ""; {
		n := min(len(rest), 76)
		wrapped.WriteString(rest[:n])
		if rest = rest[n:]; rest != "" {
			wrapped.WriteString("\n")
		}
	}
	if strings.Count(wrapped.String(), "\n") < 3 {
		t.Fatalf("the link spans %d lines, want 4 or more", strings.Count(wrapped.String(), "\n")+1)
	}
	text := strings.Replace(teamsBody(join), join, wrapped.String(), 1)
	markup := teams2023HTML(join)
	src := calendar(future(event{body: text, extra: altDesc(markup) + "X-MICROSOFT-SKYPETEAMSMEETINGURL:" + join + "\r\n"}))
	cal, res := migrateOne(t, src, testRules, Change{ConferenceID: "111 222 333"})
	if !res.Rewritten() {
		t.Fatalf("Skipped=%q Err=%v Evidence=%q", res.Skipped, res.Err, res.Evidence)
	}
	out, _ := Parse("out.ics", cal.Bytes())
	h, _ := htmlBody(out.Meetings()[0].First())
	want := strings.NewReplacer("580849884", "111222333", "580 849 884", "111 222 333").Replace(markup)
	if h.Text() != want {
		t.Errorf("X-ALT-DESC\n got %q\nwant %q", h.Text(), want)
	}
	p, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
	if !strings.Contains(p.Text(), wrapped.String()) || !strings.Contains(p.Text(), "Phone Conference ID: 111 222 333#") {
		t.Errorf("DESCRIPTION:\n%s", p.Text())
	}
}

// In HTML too, a kept number keeps its element and label, a new one gets
// an element like it with the change's label or "(Toll)".
func TestNumbersKeepTheirLabelsInHTML(t *testing.T) {
	ch := Change{TollNumbers: []string{"+46 8 505 248 89", "+1 323-555-0100 United States, Seattle", "+44 20 3000 0000"}}
	cal, res := migrateOne(t, calendar(future(event{body: teamsBody(oldJoin), extra: altDesc("<p>Hello</p>" + teams2023HTML(oldJoin) + "<p>Bye</p>")})), testRules, ch)
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	out, _ := Parse("out.ics", cal.Bytes())
	p, _ := htmlBody(out.Meetings()[0].First())
	old := `<div><a href="tel:+46850524889,,580849884#">+46 8 505 248 89,,580849884#</a><span> Sweden, Stockholm</span></div>`
	want := strings.Replace("<p>Hello</p>"+teams2023HTML(oldJoin)+"<p>Bye</p>", old, old+
		`<div><a href="tel:+13235550100,,580849884#">+1 323-555-0100,,580849884#</a><span> United States, Seattle</span></div>`+
		`<div><a href="tel:+442030000000,,580849884#">+44 20 3000 0000,,580849884#</a><span> (Toll)</span></div>`, 1)
	if got := p.Text(); got != want {
		t.Errorf("X-ALT-DESC\n got %q\nwant %q", got, want)
	}
}

// Keeping a block stays linear in the body: many elements around the
// values cost milliseconds, not minutes (found by fuzzing).
func TestKeepIsLinear(t *testing.T) {
	pad := strings.Repeat("<div><p>x</p>", 4000) + strings.Repeat("</div>", 4000)
	html := strings.Replace(teams2023HTML(oldJoin), `<div><span>Meeting ID: </span>`, pad+`<div><span>Meeting ID: </span>`, 1)
	began := time.Now()
	_, res := migrateOne(t, calendar(future(event{body: "Hi", extra: altDesc(html)})), testRules, newTeams)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("took %s", took)
	}
}

// checkDeletion checks a change that only removes the dial-in part: the new
// block is the old one with stretches deleted and nothing written; it has
// no dial-in part; it keeps every link of the old block but the dial-in
// link, and (text) every line that shows no dial-in value, whatever
// heading stood above the numbers aside.
func checkDeletion(t *testing.T, where, old, nw string, ob, nb block.Block, isHTML bool) {
	t.Helper()
	if !isSubsequence(nw, old) {
		t.Errorf("%s: the new block is not the old one with parts deleted:\nold %.900q\nnew %.900q", where, old, nw)
		return
	}
	if hasDialIn(nb) {
		t.Errorf("%s: dial-in left: %+v", where, nb)
	}
	unesc := func(s string) string { return s }
	if isHTML {
		unesc = htmlUnescape
	}
	kept := map[string]int{}
	for _, s := range linkSpans(nw) {
		kept[linkAt(nw, s, unesc)]++
	}
	dialInPage := func(l string) bool { // a Skype block's dial-in links: "Find a local number", "Forgot your dial-in PIN?"
		return ob.Provider == block.ProviderSkype && withoutQuery(l) == withoutQuery(ob.DialInURL)
	}
	for _, s := range linkSpans(old) {
		l := linkAt(old, s, unesc)
		if isPINLink(l) && kept[l] > 0 {
			t.Errorf("%s: the PIN's link %q kept without a dial-in", where, l)
		}
		if sameLink(l, ob.DialInURL) || dialInPage(l) || isPINLink(l) {
			continue
		}
		if kept[l] == 0 {
			t.Errorf("%s: link %q lost", where, l)
		}
		kept[l]--
	}
	if isHTML {
		return
	}
	lines := strings.SplitAfter(nw, "\n")
	oldLines := strings.SplitAfter(old, "\n")
	gone := make([]bool, len(oldLines)) // a Skype block's entries, dial-in links and their labels
	if ob.Provider == block.ProviderSkype {
		entries, _ := skypeTextEntries(oldLines, ob)
		for _, sp := range entries {
			for i := sp[0]; i < sp[1]; i++ {
				gone[i] = true
			}
		}
		for _, s := range linkSpans(old) {
			if dialInPage(linkAt(old, s, unesc)) {
				first, last := strings.Count(old[:s[0]], "\n"), strings.Count(old[:s[1]], "\n")
				for i := max(first-1, 0); i <= last; i++ {
					gone[i] = true
				}
			}
		}
	}
	for i, l := range oldLines {
		if gone[i] || showsDialIn(l, ob) || isHeading(l) || strings.TrimSpace(l) == "" || strings.Contains(l, "/pstnconferencing") {
			continue
		}
		if !slices.Contains(lines, l) {
			t.Errorf("%s: line %q lost", where, l)
		}
	}
}

// showsDialIn reports whether a line shows a dial-in value of b.
func showsDialIn(l string, b block.Block) bool {
	for _, n := range append(slices.Clone(b.TollNumbers), b.TollFreeNumbers...) {
		if strings.Contains(l, n) {
			return true
		}
	}
	if b.ConferenceID != "" && replaceDigitsAs(l, b.ConferenceID, "\x00") != l {
		return true
	}
	return b.DialInURL != "" && strings.Contains(l, b.DialInURL)
}

// isSubsequence reports whether a can be had from b by deleting bytes.
func isSubsequence(a, b string) bool {
	i := 0
	for j := 0; j < len(b) && i < len(a); j++ {
		if a[i] == b[j] {
			i++
		}
	}
	return i == len(a)
}

// dropLineAndGap is dropLineWith taking, in a double-spaced body, the
// blank line after the line too.
func dropLineAndGap(src, marked string) string {
	out := dropLineWith(src, marked)
	if out == src {
		return src
	}
	at := 0 // where the dropped line was
	for at < len(out) && out[at] == src[at] {
		at++
	}
	at = strings.LastIndexByte(out[:at], '\n') + 1
	prevBlank := at >= 2 && strings.TrimSpace(out[strings.LastIndexByte(out[:at-1], '\n')+1:at]) == ""
	if end := strings.IndexByte(out[at:], '\n'); prevBlank && end >= 0 && strings.TrimSpace(out[at:at+end]) == "" {
		return out[:at] + out[at+end+1:]
	}
	return out
}

// droppedDialIn is a calendar after dialin-disabled for every meeting.
func droppedDialIn(name string, data []byte) []byte {
	cal, err := Parse(name, data)
	if err != nil {
		return data
	}
	for _, m := range cal.Meetings() {
		org := ""
		if p, ok := m.First().Prop("ORGANIZER"); ok {
			org = address(p.Value)
		}
		cal.Migrate(m, Rules{Organizer: []string{org}, Now: goldenNow, Stamp: goldenStamp}, Change{DropDialIn: true})
	}
	return cal.Bytes()
}

// anchorAround finds the <a> element around a link after letters whose
// lower case is longer in UTF-8 (Turkish İ): the offsets are the body's
// (found by an audit: with strings.ToLower they were a byte off, and a
// Turkish block's dial-in removal wrote its whole HTML block anew).
func TestAnchorAroundAfterDottedI(t *testing.T) {
	for _, lead := range []string{"İstanbul İİ ", "Istanbul "} {
		src := "<p>" + lead + `<A HREF="https://dialin.teams.microsoft.com/x?id=1">Yerel numaralar</A> | PIN</p>`
		s := strings.Index(src, "https://")
		e := s + len("https://dialin.teams.microsoft.com/x?id=1")
		start, end := anchorAround(src, s, e)
		if start < 0 || src[start:end] != `<A HREF="https://dialin.teams.microsoft.com/x?id=1">Yerel numaralar</A>` {
			t.Errorf("%q: anchorAround = %d, %d", lead, start, end)
		}
	}
}

// "Meeting options", the first link of a line that a section label opens
// (Teams 2024: "For organizers: Meeting options | Reset dial-in PIN"),
// goes with the separator after it; the label stays (found by an audit:
// the text kept " | Reset dial-in PIN", the HTML "For organizers:  | ").
func TestMeetingOptionsFirstAfterALabel(t *testing.T) {
	const opts = "https://teams.microsoft.com/meetingOptions/?organizerId=1&threadId=19_meeting_X@thread.v2"
	text := "Need help?\nFor organizers: Meeting options <" + opts + "> | Reset dial-in PIN <https://dialin.teams.microsoft.com/usp/pstnconferencing>\nEnd"
	if got, want := dropMeetingOptions(text, noEscape, false), "Need help?\nFor organizers: Reset dial-in PIN <https://dialin.teams.microsoft.com/usp/pstnconferencing>\nEnd"; got != want {
		t.Errorf("text\n got %q\nwant %q", got, want)
	}
	markup := `<div><span style="color: #616161;">For organizers: </span><a href="` + opts + `">Meeting options</a><span style="color: #616161;"> | </span><a href="https://dialin.teams.microsoft.com/usp/pstnconferencing">Reset dial-in PIN</a></div>`
	want := `<div><span style="color: #616161;">For organizers: </span><a href="https://dialin.teams.microsoft.com/usp/pstnconferencing">Reset dial-in PIN</a></div>`
	if got := dropMeetingOptions(markup, htmlUnescape, true); got != want {
		t.Errorf("HTML\n got %q\nwant %q", got, want)
	}
	// Alone after its label, it goes with its line.
	if got, want := dropMeetingOptions("Need help?\nFor organizers: Meeting options <"+opts+">\nEnd", noEscape, false), "Need help?\nEnd"; got != want {
		t.Errorf("text, alone after its label\n got %q\nwant %q", got, want)
	}
	// Under the organisers' label on a line of its own (Teams 2025: "For
	// organisers" / "Meeting options: https://..."), the label goes too,
	// where it heads nothing else; an organiser's line above stays (a
	// review: "Please mute when not speaking" went).
	for in, want := range map[string]string{
		"Help: x\n____\nFor organisers\nMeeting options: " + opts + "\n":                         "Help: x\n____\n",
		"Help: x\nFor organisers\nMeeting options: " + opts + "\nReset dial-in PIN: https://x\n": "Help: x\nFor organisers\nReset dial-in PIN: https://x\n",
		"Passcode: x7Yz9a\nPlease mute when not speaking\nMeeting options: " + opts + "\n":       "Passcode: x7Yz9a\nPlease mute when not speaking\n",
	} {
		if got := dropMeetingOptions(in, noEscape, false); got != want {
			t.Errorf("text %q\n got %q\nwant %q", in, got, want)
		}
	}
	// Moved to a line of its own by Outlook's hard wrap: its label on the
	// line before goes too.
	wrapped := "Learn More <https://aka.ms/JoinTeamsMeeting>  | Meeting options\n<" + opts[:60] + "\n" + opts[60:] + ">  \n____"
	if got, want := dropMeetingOptions(wrapped, noEscape, false), "Learn More <https://aka.ms/JoinTeamsMeeting>  \n____"; got != want {
		t.Errorf("text, hard-wrapped\n got %q\nwant %q", got, want)
	}
	// In HTML too: an element left showing only its label goes.
	alone := `<div>Need help?</div><div><span style="color: #616161;">For organizers: </span><a href="` + opts + `">Meeting options</a></div><div>End</div>`
	if got, want := dropMeetingOptions(alone, htmlUnescape, true), `<div>Need help?</div><div>End</div>`; got != want {
		t.Errorf("HTML, alone after its label\n got %q\nwant %q", got, want)
	}
	// As before: after another link, the separator before it goes.
	if got, want := dropMeetingOptions("Learn More <https://aka.ms/JoinTeamsMeeting> | Meeting options <"+opts+">\n", noEscape, false), "Learn More <https://aka.ms/JoinTeamsMeeting>\n"; got != want {
		t.Errorf("text after another link\n got %q\nwant %q", got, want)
	}
}

// Teams' 2019 HTML writes a number's '+' as "&#43;", in its text and in
// its tel: link, which writes it as shown (found by an audit of Graph's
// bodies: the block was written anew, "Reset PIN" and its layout lost).
// Both are replaced; the rest of the element stays.
func TestNumbersWrittenWithCharacterReferences(t *testing.T) {
	el := `<div><a class="me-email-link" href="tel:&#43;1 323-886-7531,,291633251# " style="font-size:14px">&#43;1 323-886-7531</a>` + "\n" +
		`<span style="font-size:12px">&nbsp; United States, Los Angeles (Toll) </span></div>`
	from := block.Block{Provider: block.ProviderTeams, ConferenceID: "291633251", TollNumbers: []string{"+1 323-886-7531"}}
	to := block.Spec{Provider: block.ProviderTeams, ConferenceID: "291633251", TollNumbers: []string{"+1 555 0100 1234"}}
	got, ok := keepNumbersHTML("<div>"+el+"</div>", from, to)
	want := `<div><div><a class="me-email-link" href="tel:+1 555 0100 1234,,291633251# " style="font-size:14px">+1 555 0100 1234</a>` + "\n" +
		`<span style="font-size:12px">&nbsp; (Toll) </span></div></div>`
	if !ok || got != want {
		t.Errorf("keepNumbersHTML = %v\n got %q\nwant %q", ok, got, want)
	}
}
