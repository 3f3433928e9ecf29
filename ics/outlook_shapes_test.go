package ics

import (
	"strings"
	"testing"

	"github.com/mms-project/mms/ics/block"
)

// The shapes Outlook and Teams write that the audits of this file found
// mishandled: no-break spaces, hard-wrapped text, HTML source wrapped at
// blanks, the 2025 block.

// A conference ID grouped with no-break spaces (Outlook's HTML writes
// &nbsp;; some write U+00A0) is replaced, grouped the same way, and
// removed with the dial-in; the run again finds the meeting current. Found
// by an audit: the HTML kept the old ID, and a rerun found it current.
func TestConferenceIDGroupedWithNoBreakSpaces(t *testing.T) {
	for _, sep := range []string{"&nbsp;", "\u00a0", "&#160;", "\u202f"} {
		markup := strings.ReplaceAll(teamsHTML(oldJoin), "580 849 884#", "580"+sep+"849"+sep+"884#")
		if !strings.Contains(markup, "580"+sep+"849"+sep+"884#") {
			t.Fatalf("no conference ID grouped by spaces in:\n%s", teamsHTML(oldJoin))
		}
		src := calendar(future(event{body: teamsBody(oldJoin), extra: altDesc(markup)}))
		ch := Change{ConferenceID: "111222333"}
		cal, res := migrateOne(t, src, testRules, ch)
		if !res.Rewritten() {
			t.Fatalf("%q: %+v", sep, res)
		}
		html, _ := cal.Current(cal.Components("VEVENT")[0], "X-ALT-DESC")
		if strings.Contains(html.Text(), "580"+sep+"849") || !strings.Contains(html.Text(), "111"+sep+"222"+sep+"333") {
			t.Errorf("%q: the HTML's conference ID:\n%s", sep, html.Text())
		}
		if _, again := migrateOne(t, string(cal.Bytes()), testRules, ch); again.Skipped != AlreadyCurrent {
			t.Errorf("%q: the run again: Skipped=%q Err=%v", sep, again.Skipped, again.Err)
		}
		cal, res = migrateOne(t, src, testRules, Change{DropDialIn: true})
		html, _ = cal.Current(cal.Components("VEVENT")[0], "X-ALT-DESC")
		if !res.Rewritten() || strings.Contains(html.Text(), "580"+sep+"849") || strings.Contains(html.Text(), "Conference ID") {
			t.Errorf("%q: dial-in dropped, the HTML keeps the conference ID (%v):\n%s", sep, res.Err, html.Text())
		}
	}
}

// A link a hard wrap breaks within its scheme ("<ht\ntps://...>", Outlook
// wrapping a text body at its width) is a link: the old meeting's
// "Meeting options" goes when the join link changes. Found by an audit:
// a German block kept the old meeting's options link.
func TestLinkBrokenInItsScheme(t *testing.T) {
	body := teamsBody(oldJoin)
	const options = "<https://teams.microsoft.com/meetingOptions/"
	if !strings.Contains(body, options) {
		t.Fatalf("no options link in:\n%s", body)
	}
	if got := linkSpans("a <ht\ntps://x.example/y> b <https://z.example/>"); len(got) != 2 || got[0] != [2]int{3, 23} {
		t.Errorf("linkSpans = %v", got)
	}
	if got := linkSpans("a <\nhttps://x.example/\ny> b"); len(got) != 1 || got[0] != [2]int{3, 24} {
		t.Errorf("linkSpans of a link wrapped after its '<' = %v", got)
	}
	// broken in its scheme, and right after its '<' (then twice more)
	for _, wrapped := range []string{"<ht\ntps://teams.microsoft.com/meetingOptions/", "<\nhttps://teams.microsoft.com/meeting\nOptions/"} {
		body := strings.Replace(body, options, wrapped, 1)
		cal, res := migrateOne(t, calendar(future(event{body: body})), testRules, newTeams)
		if !res.Rewritten() {
			t.Fatalf("%+v", res)
		}
		desc, _ := cal.Current(cal.Components("VEVENT")[0], "DESCRIPTION")
		if strings.Contains(strings.ReplaceAll(desc.Text(), "\n", ""), "meetingOptions") {
			t.Errorf("%q: the old meeting's options link is left:\n%s", wrapped, desc.Text())
		}
	}
}

// A phone number spaced with no-break spaces in the HTML body (&nbsp; or
// U+00A0) is read as a number: a bridge change replaces it, dial-in
// removal removes it, and the run again finds the meeting current. Found
// by an audit: with U+00A0 the number was not read, and the old bridge
// stayed in the HTML.
func TestNumberSpacedWithNoBreakSpaces(t *testing.T) {
	for _, sep := range []string{"&nbsp;", "\u00a0"} {
		markup := strings.ReplaceAll(teamsHTML(oldJoin), "+46 8 505 248 89", strings.ReplaceAll("+46 8 505 248 89", " ", sep))
		src := calendar(future(event{body: teamsBody(oldJoin), extra: altDesc(markup)}))
		for _, ch := range []Change{{TollNumbers: []string{"+44 20 3000 0000"}}, {DropDialIn: true}} {
			cal, res := migrateOne(t, src, testRules, ch)
			if !res.Rewritten() {
				t.Fatalf("%q %+v: %+v", sep, ch, res)
			}
			html, _ := cal.Current(cal.Components("VEVENT")[0], "X-ALT-DESC")
			if strings.Contains(html.Text(), "505"+sep+"248") || len(ch.TollNumbers) > 0 && !strings.Contains(html.Text(), "+44 20 3000 0000") {
				t.Errorf("%q %+v: the HTML's numbers:\n%s", sep, ch.TollNumbers, html.Text())
			}
			if _, again := migrateOne(t, string(cal.Bytes()), testRules, ch); again.Skipped != AlreadyCurrent {
				t.Errorf("%q %+v: the run again: Skipped=%q Err=%v", sep, ch.TollNumbers, again.Skipped, again.Err)
			}
		}
	}
}

// teams2024Wrapped is a Teams 2024 block as Outlook hard-wraps a text body
// at 76 columns: a number's region ("Los" / " Angeles") and the Reset PIN
// link broken over lines.
const teams2024Wrapped = "Hej alla\n\n____________________________________________________________________________\n____\n" +
	"Microsoft Teams Need help?<https://aka.ms/JoinTeamsMeeting?omkt=en-US>\n" +
	"Join the meeting now<https://teams.microsoft.com/l/meetup-join/19%3ameeting_\nHBND0000000000000476%40thread.v2/0?context=%7b%22Tid%22%3a%22contoso%22%2c%2\n2Oid%22%3a%22oid1%22%7d>\n" +
	"Meeting ID: 276 123 456 789 1\nPasscode: Ab76Cd\n________________________________\nDial in by phone\n" +
	"+46 8 505 248 89,,600000476#<tel:+46850524889,,600000476#> Sweden, Stockholm\n" +
	"+1 323-849-4874,,600000476#<tel:+13238494874,,600000476#> United States, Los\n Angeles\n" +
	"Find a local number<https://dialin.teams.microsoft.com/contoso?id=600000476>\nPhone conference ID: 600 000 476#\n" +
	"For organizers: Meeting options<https://teams.microsoft.com/meetingOptions/?\norganizerId=oid1&tenantId=contoso&threadId=19_meeting_HBND0000000000000476@t\n" +
	"hread.v2&messageId=0&language=en-US> | Reset dial-in PIN<https://dialin.team\ns.microsoft.com/usp/pstnconferencing>\n" +
	"____________________________________________________________________________\n____\n\nTack!"

// Dial-in dropped from a hard-wrapped 2024 block takes the wrapped end of
// a number's region and the wrapped Reset PIN link with it, and leaves
// the rest. Found by an audit: "Angeles" and the PIN link stayed.
func TestDropDialInHardWrapped(t *testing.T) {
	ev := event{body: teams2024Wrapped, extra: "X-MICROSOFT-SKYPETEAMSMEETINGURL:https://teams.microsoft.com/l/meetup-join/19%3ameeting_HBND0000000000000476%40thread.v2/0?context=%7b%22Tid%22%3a%22contoso%22%2c%22Oid%22%3a%22oid1%22%7d\r\n"}
	cal, res := migrateOne(t, calendar(future(ev)), testRules, Change{DropDialIn: true})
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	desc, _ := cal.Current(cal.Components("VEVENT")[0], "DESCRIPTION")
	text := desc.Text()
	for _, gone := range []string{"Angeles", "pstnconferencing", "Reset dial-in PIN", "600000476", "600 000 476", "Dial in by phone"} {
		if strings.Contains(strings.ReplaceAll(text, "\n", ""), gone) {
			t.Errorf("%q is left:\n%s", gone, text)
		}
	}
	for _, kept := range []string{"For organizers: Meeting options<https://teams.microsoft.com/meetingOptions/?\norganizerId=", "Passcode: Ab76Cd\n", "Tack!"} {
		if !strings.Contains(text, kept) {
			t.Errorf("%q is gone:\n%s", kept, text)
		}
	}
}

// A bridge change replaces a hard-wrapped number's entry whole (its
// region's wrapped end with it) and keeps a kept one whole.
func TestBridgeChangeHardWrapped(t *testing.T) {
	ev := event{body: teams2024Wrapped, extra: "X-MICROSOFT-SKYPETEAMSMEETINGURL:https://teams.microsoft.com/l/meetup-join/19%3ameeting_HBND0000000000000476%40thread.v2/0?context=%7b%22Tid%22%3a%22contoso%22%2c%22Oid%22%3a%22oid1%22%7d\r\n"}
	for _, tc := range []struct {
		numbers []string
		angeles bool
	}{{[]string{"+44 20 3000 0000"}, false}, {[]string{"+1 323-849-4874", "+44 20 3000 0000"}, true}} {
		// Sweden's region wrapped at its comma, a word wrapped whole
		ev := ev
		ev.body = strings.Replace(ev.body, "Sweden, Stockholm\n", "Sweden,\nStockholm\n", 1)
		cal, res := migrateOne(t, calendar(future(ev)), testRules, Change{TollNumbers: tc.numbers})
		if !res.Rewritten() {
			t.Fatalf("%+v", res)
		}
		desc, _ := cal.Current(cal.Components("VEVENT")[0], "DESCRIPTION")
		if got := strings.Contains(desc.Text(), "United States, Los\n Angeles\n"); got != tc.angeles || strings.Count(desc.Text(), "Angeles") != strings.Count(desc.Text(), "Los\n Angeles") {
			t.Errorf("%v: the wrapped region kept %v, want %v:\n%s", tc.numbers, got, tc.angeles, desc.Text())
		}
		if strings.Contains(desc.Text(), "Stockholm") {
			t.Errorf("%v: Sweden's wrapped region is left:\n%s", tc.numbers, desc.Text())
		}
	}
}

// An HTML body that shows its numbers as text, not tel: links, keeps its
// block when the numbers change: the new number's element is made like
// the old one's, labelled as the change says. Found by an audit: the
// HTML was written anew, its Reset PIN and Meeting options lost.
func TestPlainNumbersInHTML(t *testing.T) {
	markup := `<p>Agenda</p><p>________________________________________________________________________________</p><p>Microsoft Teams meeting</p>` +
		`<p><a href="` + oldJoin + `">Click here to join the meeting</a></p><p>Or call in (audio only)</p>` +
		`<p>+46 8 505 248 89,,580849884#   Sweden, Stockholm</p><p>Phone Conference ID: 580 849 884#</p>` +
		`<p><a href="https://dialin.teams.microsoft.com/abc?id=580849884">Find a local number</a> | <a href="https://mysettings.lync.com/pstnconferencing">Reset PIN</a></p>` +
		`<p><a href="https://aka.ms/JoinTeamsMeeting">Learn More</a> | <a href="https://teams.microsoft.com/meetingOptions/">Meeting options</a></p>` +
		`<p>________________________________________________________________________________</p>`
	cal, res := migrateOne(t, calendar(future(event{body: teamsBody(oldJoin), extra: altDesc(markup)})), testRules,
		Change{TollNumbers: []string{"+44 20 3000 0000"}})
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	html, _ := cal.Current(cal.Components("VEVENT")[0], "X-ALT-DESC")
	if want := "<p>+44 20 3000 0000,,580849884#   (Toll)</p>"; !strings.Contains(html.Text(), want) || strings.Contains(html.Text(), "505 248") ||
		!strings.Contains(html.Text(), "Reset PIN") || !strings.Contains(html.Text(), "Meeting options") {
		t.Errorf("want %q, the rest kept:\n%s", want, html.Text())
	}
}

// A conference ID a line break splits where a space stood (Outlook wraps
// a text body, and the source of its HTML, at spaces) is replaced, and
// written on one line. Found by an audit: the old ID stayed beside tel:
// links with the new one.
func TestConferenceIDSplitByALineBreak(t *testing.T) {
	markup := strings.Replace(teamsHTML(oldJoin), "580 849 884#", "580 849\n884#", 1)
	text := strings.Replace(teamsBody(oldJoin), "580 849 884#", "580 849\n884#", 1)
	if !strings.Contains(markup, "849\n884") || !strings.Contains(text, "849\n884") {
		t.Fatal("no conference ID to split in the test's bodies")
	}
	cal, res := migrateOne(t, calendar(future(event{body: text, extra: altDesc(markup)})), testRules, Change{ConferenceID: "111222333"})
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	for _, name := range []string{"DESCRIPTION", "X-ALT-DESC"} {
		p, _ := cal.Current(cal.Components("VEVENT")[0], name)
		if strings.Contains(p.Text(), "849\n884") || !strings.Contains(p.Text(), "111 222 333#") {
			t.Errorf("%s:\n%s", name, p.Text())
		}
	}
	// broken only by the wrap, inside a tel: link: written whole, no
	// blank in the link (a later audit: "tel:...,,111 222 333#")
	tel := strings.Replace(teamsBody(oldJoin), ",,580849884#", ",,580849\n884#", 1)
	if tel == teamsBody(oldJoin) {
		t.Fatal("no tel: link to wrap")
	}
	cal, _ = migrateOne(t, calendar(future(event{body: tel})), testRules, Change{ConferenceID: "111222333"})
	p, _ := cal.Current(cal.Components("VEVENT")[0], "DESCRIPTION")
	if strings.Contains(p.Text(), ",,580") || !strings.Contains(p.Text(), ",,111222333#") {
		t.Errorf("the tel: link:\n%s", p.Text())
	}
}

// A 2025 block whose "System reference" link Outlook's hard wrap broke
// over lines is read whole: the meeting's property naming that link owns
// the block (not pasted-block), and a meetup-join template gets the whole
// thread. Found by an audit: the thread was cut at the break, and the
// link made of it opened nothing.
func TestWrappedSystemReference(t *testing.T) {
	wrapped := strings.Replace(teams2025Body, "System reference<"+oldJoin[:50], "System\nreference<"+oldJoin[:50]+"\n", 1)
	if wrapped == teams2025Body {
		t.Fatal("nothing wrapped")
	}
	ev := event{body: wrapped, extra: "X-MICROSOFT-SKYPETEAMSMEETINGURL:" + oldJoin + "\r\n"}
	if _, res := migrateOne(t, calendar(future(ev)), testRules, Change{ConferenceID: "111222333", TollNumbers: []string{"+46 8 505 248 89"}}); !res.Rewritten() {
		t.Errorf("a change of its dial-in: Skipped=%q (%s) Err=%v, want rewritten", res.Skipped, res.Evidence, res.Err)
	}
	ch := Change{JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/0?context=%7b%7d"}
	want := "https://teams.microsoft.com/l/meetup-join/" + teamsEscaper.Replace(teamsThreadID(oldJoin)) + "/0?context=%7b%7d"
	if _, res := migrateOne(t, calendar(future(event{body: wrapped})), testRules, ch); res.NewJoinURL != want {
		t.Errorf("NewJoinURL %q (%v %q), want %q", res.NewJoinURL, res.Err, res.Skipped, want)
	}
}

// wrappedHTML is a Teams block in HTML whose source Outlook wrapped at
// blanks: "<a\nhref", a number and a region broken over lines.
func wrappedHTML(join string) string {
	line := "________________________________________________________________________________"
	return `<p>Agenda</p><p>` + line + `</p><p>Microsoft Teams meeting</p><p><a` + "\n" + `href="` + join + `">Click here to join the meeting</a></p>` +
		`<p>Or call in (audio only)</p><p><a` + "\n" + `href="tel:+46850524889,,580849884#">+46` + "\n" + `8 505 248 89,,580849884#</a>&nbsp;Sweden,` + "\n" + `Stockholm</p>` +
		`<p>Phone Conference ID: 580 849` + "\n" + `884#</p>` +
		`<p><a` + "\n" + `href="https://dialin.teams.microsoft.com/abc?id=580849884">Find a local number</a> | <a` + "\n" + `href="https://mysettings.lync.com/pstnconferencing">Reset PIN</a></p>` +
		`<p><a` + "\n" + `href="https://aka.ms/JoinTeamsMeeting">Learn More</a> | <a` + "\n" + `href="https://teams.microsoft.com/meetingOptions/?threadId=19_meeting_OLD@thread.v2">Meeting options</a></p>` +
		`<p>` + line + `</p>`
}

// An HTML body whose source Outlook wrapped is edited in place: a move
// drops the old meeting's options link, a dial-in removal removes the
// dial-in and keeps the rest. Found by an audit: the options link stayed,
// and the dial-in removal wrote the HTML anew, its options lost.
func TestWrappedHTMLSource(t *testing.T) {
	src := calendar(future(event{body: teamsBody(oldJoin), extra: altDesc(wrappedHTML(oldJoin))}))
	html := func(cal *Calendar) string {
		p, _ := cal.Current(cal.Components("VEVENT")[0], "X-ALT-DESC")
		return strings.ReplaceAll(p.Text(), "\n", " ")
	}
	cal, res := migrateOne(t, src, testRules, newTeams)
	if !res.Rewritten() || strings.Contains(html(cal), "meetingOptions") || !strings.Contains(html(cal), "Learn More") {
		t.Errorf("moved: %v\n%s", res.Err, html(cal))
	}
	cal, res = migrateOne(t, src, testRules, Change{DropDialIn: true})
	got := html(cal)
	if !res.Rewritten() || strings.Contains(got, "580") || strings.Contains(got, "505 248") || strings.Contains(got, "Reset PIN") ||
		!strings.Contains(got, "Meeting options") || !strings.Contains(got, "Learn More") {
		t.Errorf("dial-in dropped: %v\n%s", res.Err, got)
	}
}

// An HTML block spacing its numbers with &nbsp; gets number changes and
// dial-in removal in place: the kept number's element and region stay,
// and so do Reset PIN and Meeting options. Found by an audit: the HTML
// was written anew in another layout.
func TestNumbersSpacedWithNbspEditedInPlace(t *testing.T) {
	markup := strings.ReplaceAll(wrappedHTML(oldJoin), "\n", " ")
	markup = strings.Replace(markup, "+46 8 505 248 89", "+46&nbsp;8&nbsp;505&nbsp;248&nbsp;89", 1)
	src := calendar(future(event{body: teamsBody(oldJoin), extra: altDesc(markup)}))
	html := func(cal *Calendar) string {
		p, _ := cal.Current(cal.Components("VEVENT")[0], "X-ALT-DESC")
		return p.Text()
	}
	cal, res := migrateOne(t, src, testRules, Change{TollNumbers: []string{"+46 8 505 248 89", "+44 20 3000 0000"}})
	got := html(cal)
	if !res.Rewritten() || !strings.Contains(got, "+46&nbsp;8&nbsp;505&nbsp;248&nbsp;89,,580849884#</a>&nbsp;Sweden, Stockholm") ||
		!strings.Contains(got, "+44 20 3000 0000") || !strings.Contains(got, "Meeting options") || !strings.Contains(got, "Reset PIN") {
		t.Errorf("a number added: %v\n%s", res.Err, got)
	}
	cal, res = migrateOne(t, src, testRules, Change{DropDialIn: true})
	got = html(cal)
	if !res.Rewritten() || strings.Contains(got, "505") || strings.Contains(got, "Reset PIN") || !strings.Contains(got, "Meeting options") {
		t.Errorf("dial-in dropped: %v\n%s", res.Err, got)
	}
	// a region spaced with &nbsp; too (a later audit: the label's text
	// was looked up without its &nbsp;, and the slice panicked)
	spaced := calendar(future(event{body: teamsBody(oldJoin), extra: altDesc(strings.Replace(markup, "Sweden, Stockholm", "Sweden,&nbsp;Stockholm", 1))}))
	cal, res = migrateOne(t, spaced, testRules, Change{TollNumbers: []string{"+44 20 3000 0000"}})
	if got := html(cal); !res.Rewritten() || !strings.Contains(got, "+44 20 3000 0000,,580849884#</a>&nbsp;(Toll)") {
		t.Errorf("a number of a region spaced with &nbsp; replaced: %v\n%s", res.Err, got)
	}
}

// An HTML body that is the text invitation inside <pre> (its line breaks
// are lines) keeps the organiser's text around the block when the block
// changes. Found by an audit: the block was read as one line from the
// first word to the last, and the whole body written anew.
func TestPreBodyKeepsTextAroundTheBlock(t *testing.T) {
	markup := "<html><body><pre>" + strings.ReplaceAll(teamsBody(oldJoin), "<", "&lt;") + "\nTack, vi ses!</pre></body></html>"
	cal, res := migrateOne(t, calendar(future(event{body: teamsBody(oldJoin), extra: altDesc(markup)})), testRules, Change{TollNumbers: []string{"+44 20 3000 0000"}})
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	p, _ := cal.Current(cal.Components("VEVENT")[0], "X-ALT-DESC")
	intro := teamsBody(oldJoin)[:strings.Index(teamsBody(oldJoin), "\n")]
	if got := p.Text(); !strings.HasPrefix(got, "<html><body><pre>"+intro) || !strings.Contains(got, "Tack, vi ses!</pre>") || strings.Contains(got, "505 248") {
		t.Errorf("the text around the block:\n%s", got)
	}
	// a change edited in place keeps the block's own lines (a review: the
	// edit's check read the block outside its <pre>, failed, and the
	// block was written anew as HTML)
	cal, _ = migrateOne(t, calendar(future(event{body: teamsBody(oldJoin), extra: altDesc(markup)})), testRules, Change{ConferenceID: "111222333"})
	p, _ = cal.Current(cal.Components("VEVENT")[0], "X-ALT-DESC")
	if got := p.Text(); !strings.Contains(got, "Reset PIN") || !strings.Contains(got, "111 222 333") || strings.Contains(got, "<div") {
		t.Errorf("a conference ID changed in a <pre>:\n%s", got)
	}
}

// A rule Outlook's hard wrap broke over two lines (80 underscores at 76
// columns) ends the block where its last piece ends: a block written anew
// leaves no stray "____" behind. Found by an audit.
func TestWrappedRuleEndsTheBlock(t *testing.T) {
	rule := strings.Repeat("_", 80)
	body := strings.ReplaceAll(teamsBody(oldJoin), rule, rule[:76]+"\n"+rule[76:])
	if body == teamsBody(oldJoin) {
		t.Fatal("no rule to wrap")
	}
	cal, res := migrateOne(t, calendar(future(event{body: body})), testRules, Change{Provider: block.ProviderSkype, JoinURL: "https://meet.lync.com/contoso/anna/{meeting}"})
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	p, _ := cal.Current(cal.Components("VEVENT")[0], "DESCRIPTION")
	for _, line := range strings.Split(p.Text(), "\n") {
		if line == "____" {
			t.Errorf("a stray end of the old rule:\n%s", p.Text())
		}
	}
	// a whole rule, then the organiser's own short line of underscores:
	// not one rule (a later audit: the organiser's line went with the block)
	signed := strings.Replace(teamsBody(oldJoin), rule+"\n\nCuộc", rule+"\n____\nCuộc", 1)
	if signed == teamsBody(oldJoin) {
		t.Fatal("no closing rule to sign under")
	}
	cal, _ = migrateOne(t, calendar(future(event{body: signed})), testRules, Change{Provider: block.ProviderSkype, JoinURL: "https://meet.lync.com/contoso/anna/{meeting}"})
	p, _ = cal.Current(cal.Components("VEVENT")[0], "DESCRIPTION")
	if !strings.Contains(p.Text(), "\n____\nCuộc") {
		t.Errorf("the organiser's line of underscores is gone:\n%s", p.Text())
	}
}

// A line after a number that is not its region stays when the number
// goes: a line longer than a wrap leaves, ending in a comma, was not
// wrapped (a later audit: "Join" went with it); an ideographic comma
// ends a wrapped region as a comma does.
func TestWrappedTailBounds(t *testing.T) {
	long := []string{"+1 323-849-4874,,580849884# <tel:+13238494874,,580849884#>   United States, Los Angeles, California,", "Join"}
	if wrappedTail(append(long[:1:1], long[1]), 0, 1) {
		t.Errorf("a line of %d characters took the next as its tail", len(long[0]))
	}
	label := []string{"+1 323-849-4874,,580849884# <tel:+13238494874,,580849884#> United States\n", "Find a local number\n", "<https://dialin.teams.microsoft.com/x?id=580849884>\n"}
	if wrappedTail(label, 0, 1) {
		t.Error("the label of the link on the line after it was taken for a number's tail (a review)")
	}
	ja := []string{"+46 8 505 248 89,,580849884# <tel:+46850524889,,580849884#>   スウェーデン、\n", "ストックホルム\n"}
	if !wrappedTail(ja, 0, 1) {
		t.Error("a region wrapped at an ideographic comma is not its number's tail")
	}
}
