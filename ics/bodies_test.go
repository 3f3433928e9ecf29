package ics

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mms-project/mms/ics/block"
)

const otherJoin = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_OTHER%40thread.v2/0?context=%7b%7d"

// teamsHTML is an HTML body holding the Teams block of join, between text
// in other scripts.
func teamsHTML(join string) string {
	return "<html><body><p>Hej allihop – 漢字 🙂</p>" + block.RenderHTML(block.Spec{
		Provider: block.ProviderTeams, JoinURL: join, ConferenceID: "580849884",
		TollNumbers: []string{"+46 8 505 248 89"}, DialInURL: "https://dialin.teams.microsoft.com/abc?id=580849884", Lang: "en-US",
	}) + "<p>Cuộc họp kết thúc.</p></body></html>"
}

func altDesc(html string) string {
	return fold("X-ALT-DESC;FMTTYPE=text/html:" + escape(html))
}

// Which body holds the block decides which bodies are rewritten: a block
// only in X-ALT-DESC is found and rewritten there, the DESCRIPTION left
// byte for byte, unless the DESCRIPTION pastes another meeting's link (not
// this meeting's block) or names the block's own link outside a block
// (the bodies would disagree: the meeting fails).
func TestBlockInOneBody(t *testing.T) {
	cases := []struct {
		name    string
		ev      event
		want    Reason
		fails   string // part of the error, when the meeting fails
		changed []string
	}{
		{name: "html only, text without a block",
			ev:      event{body: "Hi all, see you", extra: altDesc(teamsHTML(oldJoin))},
			changed: []string{"X-ALT-DESC"}},
		{name: "html only, no text body",
			ev:      event{extra: altDesc(teamsHTML(oldJoin))},
			changed: []string{"X-ALT-DESC"}},
		{name: "text pastes another meeting's link beside the html block",
			ev:   event{body: "Join here: " + otherJoin, extra: altDesc(teamsHTML(oldJoin))},
			want: NoMeetingBlock},
		{name: "text names the html block's link outside a block",
			ev:    event{body: "Join here: " + oldJoin, extra: altDesc(teamsHTML(oldJoin))},
			fails: "no counterpart in DESCRIPTION"},
		{name: "html only block of another meeting than the properties name",
			ev:   event{body: "Hi", extra: altDesc(teamsHTML(oldJoin)) + "X-MICROSOFT-SKYPETEAMSMEETINGURL:" + otherJoin + "\r\n"},
			want: PastedBlock},
		{name: "both bodies",
			ev:      event{body: teamsBody(oldJoin), extra: altDesc(teamsHTML(oldJoin))},
			changed: []string{"DESCRIPTION", "X-ALT-DESC"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := calendar(future(tc.ev))
			cal, res := migrateOne(t, src, testRules, newTeams)
			switch {
			case tc.fails != "":
				if res.Err == nil || !strings.Contains(res.Err.Error(), tc.fails) || !strings.Contains(res.Err.Error(), "test.ics: line ") {
					t.Fatalf("Err = %v, want one naming the file and line and saying %q", res.Err, tc.fails)
				}
				if cal.Edited() {
					t.Fatal("a failed meeting was edited")
				}
				return
			case res.Err != nil:
				t.Fatalf("Err = %v", res.Err)
			case res.Skipped != tc.want:
				t.Fatalf("Skipped = %q, want %q", res.Skipped, tc.want)
			case tc.want != "":
				return
			}
			out := string(cal.Bytes())
			changed := map[string]bool{"SEQUENCE": true, "DTSTAMP": true}
			for _, name := range tc.changed {
				changed[name] = true
				if strings.Contains(propText(t, out, name), "meeting_OLD%40thread.v2/0?context") {
					t.Errorf("%s still holds the old block", name)
				}
			}
			assertOnlyChanged(t, src, out, changed)
			if html := propText(t, out, "X-ALT-DESC"); !strings.HasPrefix(html, "<html><body><p>Hej allihop – 漢字 🙂</p>") || !strings.HasSuffix(html, "<p>Cuộc họp kết thúc.</p></body></html>") {
				t.Errorf("text around the HTML block changed: %q", html)
			}
			_, again := migrateOne(t, out, testRules, newTeams)
			if again.Skipped != AlreadyCurrent {
				t.Errorf("second run: Skipped=%q Err=%v", again.Skipped, again.Err)
			}
		})
	}
}

// A block in DESCRIPTION whose HTML body holds no block: the HTML is
// searched by the block's links as well as by rules (Teams' 2023 HTML has
// no rule lines), DESCRIPTION alone is rewritten where the HTML does not
// hold the old join link at all, and the meeting fails only where it does
// but no block can be delimited.
func TestTextBlockWithoutHTMLCounterpart(t *testing.T) {
	cases := []struct {
		name    string
		html    string
		fails   bool
		changed []string
	}{
		{name: "2023 html without rule lines", html: "<html><body><div><p>Hello</p>" + teams2023HTML(oldJoin) + "<p>Bye</p></div></body></html>",
			changed: []string{"DESCRIPTION", "X-ALT-DESC"}},
		{name: "html with no block and no link", html: "<p>Hi</p><p>Bye</p>", changed: []string{"DESCRIPTION"}},
		{name: "html with another meeting's link", html: `<p>Hi <a href="` + otherJoin + `">old call</a></p>`, changed: []string{"DESCRIPTION"}},
		{name: "html with the join link but no block", html: `<p>Hi <a href="` + oldJoin + `">join</a></p>`, fails: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := calendar(future(event{body: teamsBody(oldJoin), extra: altDesc(tc.html)}))
			cal, res := migrateOne(t, src, testRules, newTeams)
			if tc.fails {
				if res.Err == nil || !strings.Contains(res.Err.Error(), "the block in DESCRIPTION has no counterpart in X-ALT-DESC; left alone so the two bodies do not disagree") || cal.Edited() {
					t.Fatalf("Err = %v, edited %v; want a failed meeting left alone", res.Err, cal.Edited())
				}
				return
			}
			if !res.Rewritten() {
				t.Fatalf("Skipped=%q Err=%v", res.Skipped, res.Err)
			}
			out := string(cal.Bytes())
			changed := map[string]bool{"SEQUENCE": true, "DTSTAMP": true}
			for _, name := range tc.changed {
				changed[name] = true
				if strings.Contains(propText(t, out, name), "meeting_OLD%40thread.v2/0?context") {
					t.Errorf("%s still holds the old block", name)
				}
			}
			assertOnlyChanged(t, src, out, changed)
			if html := propText(t, out, "X-ALT-DESC"); strings.Contains(tc.html, "Hello") && (!strings.HasPrefix(html, "<html><body><div><p>Hello</p>") || !strings.HasSuffix(html, "<p>Bye</p></div></body></html>")) {
				t.Errorf("text around the HTML block changed: %q", html)
			}
			_, again := migrateOne(t, out, testRules, newTeams)
			if again.Skipped != AlreadyCurrent {
				t.Errorf("second run: Skipped=%q Err=%v", again.Skipped, again.Err)
			}
		})
	}
}

// teams2023HTML is the HTML block Teams has written since 2023, without
// rule lines.
func teams2023HTML(join string) string {
	return `<div class="me-email-text" lang="en-US" style="color:#252424;"><div style="max-width: 520px" class="me-email-container">` +
		`<div style="margin-top: 24px; margin-bottom: 20px;"><span style="font-size: 24px">Microsoft Teams</span> <a href="https://aka.ms/JoinTeamsMeeting?omkt=en-US">Need help?</a></div>` +
		`<div style="margin-bottom: 6px"><a href="` + join + `" class="me-email-headline">Join the meeting now</a></div>` +
		`<div><span>Meeting ID: </span><span>244 929 170 838</span></div><div><span>Passcode: </span><span>7ZkQ2u</span></div>` +
		`<div><span>Dial in by phone</span></div><div><a href="tel:+46850524889,,580849884#">+46 8 505 248 89,,580849884#</a><span> Sweden, Stockholm</span></div>` +
		`<div><a href="https://dialin.teams.microsoft.com/abc?id=580849884">Find a local number</a></div>` +
		`<div><span>Phone conference ID: </span><span>580 849 884#</span></div></div></div>`
}

// Letters whose lower case is longer or shorter in UTF-8 (Turkish İ, the
// Kelvin sign), before and inside an HTML block, leave every byte outside
// the block as it was: offsets found in a lower-cased copy are offsets in
// the body (strings.ToLower moves them). Bytes that are not UTF-8 fail the
// meeting, naming their line: its update would carry them to attendees.
func TestHTMLBlockAfterLettersThatChangeLength(t *testing.T) {
	for _, c := range []struct {
		lead string
		ch   Change
	}{
		{"İstanbul İZMİR ", Change{ConferenceID: "999888777"}},
		{"İstanbul İZMİR İİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİ ", Change{DropDialIn: true}},
		{"İİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİ ", Change{TollNumbers: []string{"+46 8 505 248 89", "+44 20 3000 0000"}}},
		{"200 \u212a\u212a\u212a\u212a\u212a\u212a\u212a\u212a\u212a\u212a\u212a\u212a\u212a\u212a\u212a\u212a\u212a ", Change{DropDialIn: true}},
		{"bad \xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff bytes ", Change{DropDialIn: true}},
	} {
		lead := c.lead
		html := strings.Replace(teamsHTML(oldJoin), "<html>", "<html><p>"+lead+"</p>", 1)
		html = strings.Replace(html, "Microsoft Teams", "Microsoft Teams "+lead, 1) // inside the block too
		src := calendar(future(event{body: "Agenda only", extra: altDesc(html), attendees: 2}))
		cal, res := migrateOne(t, src, testRules, c.ch)
		if !utf8.ValidString(lead) {
			if res.Err == nil || !strings.Contains(res.Err.Error(), "a byte that is not UTF-8 (0xFF)") || res.Changed != nil {
				t.Errorf("%q: Skipped=%q Err=%v, want the meeting failed for its bytes", lead, res.Skipped, res.Err)
			}
			continue
		}
		if !res.Rewritten() {
			t.Fatalf("%q: Skipped=%q Err=%v", lead, res.Skipped, res.Err)
		}
		out, err := Parse("out.ics", cal.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		p, _ := htmlBody(out.Meetings()[0].First())
		got := p.Text()
		if !strings.Contains(got, "<p>"+strings.ToValidUTF8(lead, "\ufffd")+"</p>") && !strings.Contains(got, "<p>"+lead+"</p>") {
			t.Errorf("%q: the text before the block changed:\n%s", lead, got)
		}
		if b, ok := block.FindHTML(got); !ok || !strings.HasSuffix(got, "<p>Cuộc họp kết thúc.</p></body></html>") ||
			c.ch.ConferenceID != "" && b.ConferenceID != c.ch.ConferenceID || c.ch.DropDialIn && len(b.TollNumbers) > 0 || len(c.ch.TollNumbers) > 0 && len(b.TollNumbers) != 2 {
			t.Errorf("%q: block %+v %v after the rewrite:\n%s", lead, b, ok, got)
		}
	}
}

// Google Calendar exports a description written with formatting as HTML
// in DESCRIPTION, with no X-ALT-DESC: its block is found and rewritten as
// HTML, the text around it kept; a second run finds it current. A plain
// text block is still read as text, even beside some markup.
func TestHTMLDescription(t *testing.T) {
	src := calendar(future(event{body: teamsHTML(oldJoin)}))
	cal, res := migrateOne(t, src, testRules, newTeams)
	if !res.Rewritten() {
		t.Fatalf("Skipped %q, Err %v", res.Skipped, res.Err)
	}
	out := string(cal.Bytes())
	desc := propText(t, out, "DESCRIPTION")
	if strings.Contains(desc, "thread.v2/0?context") || !strings.Contains(desc, `thread.v2/new" target=`) {
		t.Errorf("DESCRIPTION not rewritten as HTML: %q", desc)
	}
	if !strings.HasPrefix(desc, "<html><body><p>Hej allihop – 漢字 🙂</p>") || !strings.HasSuffix(desc, "<p>Cuộc họp kết thúc.</p></body></html>") {
		t.Errorf("text around the HTML block changed: %q", desc)
	}
	assertOnlyChanged(t, src, out, map[string]bool{"SEQUENCE": true, "DTSTAMP": true, "DESCRIPTION": true})
	if _, again := migrateOne(t, out, testRules, newTeams); again.Skipped != AlreadyCurrent {
		t.Errorf("second run: Skipped=%q Err=%v", again.Skipped, again.Err)
	}

	// A plain-text block with a <b> in the text before it stays text.
	src = calendar(future(event{body: "Bring <b>slides</b>\n\n" + teamsBody(oldJoin)}))
	cal, res = migrateOne(t, src, testRules, newTeams)
	if !res.Rewritten() || !res.OldInText {
		t.Fatalf("text block beside markup: Skipped %q, Err %v, in text %v", res.Skipped, res.Err, res.OldInText)
	}
	if desc := propText(t, string(cal.Bytes()), "DESCRIPTION"); !strings.HasPrefix(desc, "Bring <b>slides</b>\n\n") || strings.Contains(desc, "<a ") {
		t.Errorf("text block beside markup rewritten as HTML: %q", desc)
	}
}

// Thunderbird keeps a meeting's HTML body in the DESCRIPTION's ALTREP, as
// a percent-encoded data: URI: its block is rewritten with the text's,
// only the new block encoded anew, every other byte of the parameter as
// written; the update carries it.
func TestAltrepHTMLBody(t *testing.T) {
	html := teamsHTML(oldJoin)
	head := `DESCRIPTION;LANGUAGE=fr;ALTREP="data:text/html,` + percentEncode(html) + `"`
	ev := future(event{extra: fold(head + ":" + escape(teamsBody(oldJoin)))})
	src := calendar(ev)
	cal, res := migrateOne(t, src, testRules, newTeams)
	if !res.Rewritten() {
		t.Fatalf("Skipped %q, Err %v", res.Skipped, res.Err)
	}
	out, err := Parse("out.ics", cal.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	desc, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
	got, ok := AltrepHTML(desc)
	if !ok {
		t.Fatalf("no ALTREP HTML left: %q", desc.head)
	}
	if strings.Contains(got, "thread.v2/0?context") || !strings.Contains(got, `thread.v2/new"`) || !strings.Contains(got, "111 222 333") {
		t.Errorf("ALTREP HTML not rewritten: %q", got)
	}
	if strings.Contains(desc.Text(), "thread.v2/0?context") {
		t.Errorf("text not rewritten: %q", desc.Text())
	}
	// Outside the block the encoded HTML is as written.
	oldBlock, _ := block.FindHTML(html)
	newBlock, _ := block.FindHTML(got)
	if got[:newBlock.Start] != html[:oldBlock.Start] || got[newBlock.End:] != html[oldBlock.End:] ||
		!strings.HasPrefix(desc.head, `DESCRIPTION;LANGUAGE=fr;ALTREP="data:text/html,`+percentEncode(html[:oldBlock.Start])) {
		t.Error("the HTML around the block changed")
	}
	if _, again := migrateOne(t, string(cal.Bytes()), testRules, newTeams); again.Skipped != AlreadyCurrent {
		t.Errorf("second run: Skipped=%q Err=%v", again.Skipped, again.Err)
	}
}

func TestPercentDecode(t *testing.T) {
	for in, want := range map[string]string{"%3Cp%3E%C3%A5": "<p>å", "a%2": "", "%zz": "", "plain": "plain"} {
		got, ok := percentDecode(in)
		if got != want || ok != (want != "") || ok && encodedOffset(in, len(got)) != len(in) {
			t.Errorf("percentDecode(%q) = %q %v", in, got, ok)
		}
	}
	if k := encodedOffset("%3Cp%3Ex", 2); k != 4 {
		t.Errorf("encodedOffset = %d, want 4", k)
	}
	if s := "<a href=\"x\">å – 'ok' (1)!</a>"; percentEncode(s) != "%3Ca%20href%3D%22x%22%3E%C3%A5%20%E2%80%93%20'ok'%20(1)!%3C%2Fa%3E" {
		t.Errorf("percentEncode(%q) = %q", s, percentEncode(s))
	}
}

// A rich editor keeps Outlook's plain-text invitation as HTML text, its
// links between &lt; and &gt;: the new join link keeps its &gt;.
func TestEscapedAngleLinksInHTML(t *testing.T) {
	esc := strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(teamsBody(oldJoin))
	html := "<b>Agenda</b><br>" + strings.ReplaceAll(esc, "\n", "<br>")
	cal, res := migrateOne(t, calendar(future(event{body: "Agenda only", extra: altDesc(html)})), testRules, newTeams)
	if !res.Rewritten() {
		t.Fatalf("Skipped %q, Err %v", res.Skipped, res.Err)
	}
	out := propText(t, string(cal.Bytes()), "X-ALT-DESC")
	if !strings.Contains(out, "Click here to join the meeting &lt;https://teams.microsoft.com/l/meetup-join/19%3ameeting_OLD%40thread.v2/new&gt;<br>") {
		t.Errorf("the join link lost its &gt;: %q", out)
	}
}

// An ALTREP's HTML holding another meeting's block is left alone, and so is
// an ALTREP of several URIs; an HTML body that is the block alone, from
// its first byte to its last, is rewritten whole.
func TestAltrepEdges(t *testing.T) {
	migrate := func(html, quoted string) (string, Result) {
		t.Helper()
		head := `DESCRIPTION;ALTREP="data:text/html,` + percentEncode(html) + `"` + quoted
		cal, res := migrateOne(t, calendar(future(event{extra: fold(head + ":" + escape(teamsBody(oldJoin)))})), testRules, newTeams)
		if !res.Rewritten() {
			t.Fatalf("Skipped %q, Err %v", res.Skipped, res.Err)
		}
		out, err := Parse("out.ics", cal.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		desc, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
		return desc.head, res
	}
	other := teamsHTML(otherJoin)
	if head, _ := migrate(other, ""); head != `DESCRIPTION;ALTREP="data:text/html,`+percentEncode(other)+`"` {
		t.Errorf("another meeting's HTML block rewritten: %q", head)
	}
	if head, _ := migrate(teamsHTML(oldJoin), `,"cid:part1@x"`); !strings.Contains(head, percentEncode(teamsHTML(oldJoin))) {
		t.Errorf("an ALTREP of two URIs changed: %.200q", head)
	}
	whole, _ := block.FindHTML(teamsHTML(oldJoin))
	only := teamsHTML(oldJoin)[whole.Start:whole.End]
	head, _ := migrate(only, "")
	got, ok := AltrepHTML(Property{Name: "DESCRIPTION", head: head})
	if !ok || strings.Contains(got, "thread.v2/0?context") || !strings.Contains(got, "thread.v2/new") {
		t.Errorf("the block alone not rewritten: %v %.300q", ok, got)
	}
}

// A meeting whose one body already shows the new block and whose other
// body keeps the old one is not current: the stale body is rewritten (the
// current one left byte for byte) and the update sent; the run again finds
// it current. Found by an audit: a stale X-ALT-DESC beside a current
// DESCRIPTION was already-current, the HTML attendees see kept the old
// conference ID.
func TestOneBodyStale(t *testing.T) {
	ch := Change{ConferenceID: "111222333"}
	done, res := migrateOne(t, calendar(future(event{body: teamsBody(oldJoin), extra: altDesc(teamsHTML(oldJoin))})), testRules, ch)
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	comp := done.Components("VEVENT")[0]
	text, _ := done.Current(comp, "DESCRIPTION")
	html, _ := done.Current(comp, "X-ALT-DESC")
	for _, tc := range []struct {
		name, stale string
		ev          event
	}{
		{"html stale", "X-ALT-DESC", event{body: text.Text(), extra: altDesc(teamsHTML(oldJoin))}},
		{"text stale", "DESCRIPTION", event{body: teamsBody(oldJoin), extra: altDesc(html.Text())}},
	} {
		// folded with tabs, as Outlook folds: a line written anew would
		// be folded with spaces
		src := strings.ReplaceAll(calendar(future(tc.ev)), "\r\n ", "\r\n\t")
		cal, res := migrateOne(t, src, testRules, ch)
		if !res.Rewritten() {
			t.Fatalf("%s: Skipped=%q (%s) Err=%v, want rewritten", tc.name, res.Skipped, res.Evidence, res.Err)
		}
		out := string(cal.Bytes())
		if strings.Contains(out, "580849884") || strings.Contains(out, "580 849 884") {
			t.Errorf("%s: the old conference ID is left:\n%s", tc.name, out)
		}
		for _, name := range []string{"DESCRIPTION", "X-ALT-DESC"} {
			if name == tc.stale {
				continue
			}
			in, err := Parse("in.ics", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			before, _ := in.Current(in.Components("VEVENT")[0], name)
			after, _ := cal.Current(cal.Components("VEVENT")[0], name)
			if before.Text() != after.Text() {
				t.Errorf("%s: the current %s was changed", tc.name, name)
			}
			raw := src[strings.Index(src, "\r\n"+name)+2:]
			raw = raw[:strings.Index(raw, "\r\n"+map[string]string{"DESCRIPTION": "DTSTART", "X-ALT-DESC": "END:VEVENT"}[name])+2]
			if !strings.Contains(out, raw) {
				t.Errorf("%s: the current %s is not byte for byte as it was:\n%q", tc.name, name, raw)
			}
		}
		if _, again := migrateOne(t, out, testRules, ch); again.Skipped != AlreadyCurrent {
			t.Errorf("%s: the run again: Skipped=%q Err=%v", tc.name, again.Skipped, again.Err)
		}
	}
}

// A body that leaves out part of the meeting's block (Skype's HTML
// without numbers beside a text with them) is current once the rewrite
// wrote it as it writes it: a bridge change, then the run again, finds the
// meeting current. Found by an audit of the stale-body check: every run
// rewrote and sent it again.
func TestBodyWithoutNumbersIsCurrent(t *testing.T) {
	const join = "https://meet.lync.com/contoso/anna/AB12CD34"
	dots := strings.Repeat(".", 137)
	text := "Agenda\n" + dots + "\n--> Join Skype Meeting <" + join + ">\n\nJoin by phone\n\n+46 8 123 456 78 (Stockholm)  English (United States)\n\n" +
		"Find a local number <https://dialin.lync.com/abc?id=123456>\n\nConference ID: 123456\n\n[!OC([1033])!]\n" + dots + "\n"
	markup := `<p>Agenda</p><p>` + dots + `</p><p><a href="` + join + `">Join Skype Meeting</a></p><p>Conference ID: 123456</p><p>[!OC([1033])!]</p><p>` + dots + `</p>`
	for _, ch := range []Change{
		{TollNumbers: []string{"+44 20 3000 0000"}},
		{ConferenceID: "654321"},
	} {
		cal, res := migrateOne(t, calendar(future(event{body: text, extra: altDesc(markup)})), testRules, ch)
		if !res.Rewritten() {
			t.Fatalf("%+v: %+v", ch, res)
		}
		if _, again := migrateOne(t, string(cal.Bytes()), testRules, ch); again.Skipped != AlreadyCurrent {
			t.Errorf("%+v: the run again: Skipped=%q Err=%v Changed=%d", ch, again.Skipped, again.Err, len(again.Changed))
		}
	}
}

// A body that repeats its block byte for byte has every repeat replaced,
// in the text and in Thunderbird's ALTREP HTML alike, however many there
// are; what stands between them stays as written.
func TestRepeatedBlocksInAltrep(t *testing.T) {
	inner := strings.TrimSuffix(strings.TrimPrefix(teamsHTML(oldJoin), "<html><body>"), "</body></html>")
	html := "<html><body>" + strings.Repeat(inner+"<p>again – 漢字</p>", 30) + "</body></html>"
	text := strings.Repeat(teamsBody(oldJoin)+"\n\n", 30)
	head := `DESCRIPTION;ALTREP="data:text/html,` + percentEncode(html) + `"`
	src := calendar(future(event{extra: fold(head + ":" + escape(text))}))
	cal, res := migrateOne(t, src, testRules, newTeams)
	if !res.Rewritten() {
		t.Fatalf("Skipped %q, Err %v", res.Skipped, res.Err)
	}
	out, err := Parse("out.ics", cal.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	desc, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
	got, _ := AltrepHTML(desc)
	for name, body := range map[string]string{"text": desc.Text(), "ALTREP HTML": got} {
		if n := strings.Count(body, "thread.v2/0?context"); n != 0 {
			t.Errorf("%s: the old link left %d times", name, n)
		}
		if n := strings.Count(body, "thread.v2/new"); n != 30 {
			t.Errorf("%s: the new link %d times, want 30", name, n)
		}
	}
	if n := strings.Count(got, "<p>again – 漢字</p>"); n != 30 {
		t.Errorf("the HTML between the blocks: %d of 30 left", n)
	}
	if _, again := migrateOne(t, string(cal.Bytes()), testRules, newTeams); again.Skipped != AlreadyCurrent {
		t.Errorf("second run: Skipped=%q Err=%v", again.Skipped, again.Err)
	}
}
