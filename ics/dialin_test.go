package ics

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/ics/block"
	"github.com/mms-project/mms/internal/corpus"
)

var dropDialIn = Change{DropDialIn: true}

// dialin-disabled removes only the dial-in part of a Teams block, in
// place: the numbers, the conference ID, the dial-in link, "Reset PIN"
// (the PIN's page) and the heading above them; "Meeting options", "Learn
// More", the first lines and the spacing stay byte for byte. A rerun
// changes nothing.
func TestDropDialInKeepsTheRestOfTheBlock(t *testing.T) {
	cal, res := migrateOne(t, calendar(future(event{body: teamsBody(oldJoin), extra: altDesc("<p>Hello</p>" + teams2023HTML(oldJoin) + "<p>Bye</p>")})), testRules, dropDialIn)
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	out, _ := Parse("out.ics", cal.Bytes())
	desc, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
	want := strings.Replace(teamsBody(oldJoin), "Or call in (audio only)\n\n+46 8 505 248 89,,580849884#   Sweden, Stockholm\n\n"+
		"Phone Conference ID: 580 849 884#\n\n"+
		"Find a local number <https://dialin.teams.microsoft.com/abc?id=580849884> | Reset PIN <https://mysettings.lync.com/pstnconferencing>\n\n", "", 1)
	if desc.Text() != want {
		t.Errorf("DESCRIPTION\n got %q\nwant %q", desc.Text(), want)
	}
	p, _ := htmlBody(out.Meetings()[0].First())
	wantHTML := strings.Replace("<p>Hello</p>"+teams2023HTML(oldJoin)+"<p>Bye</p>",
		`<div><span>Dial in by phone</span></div><div><a href="tel:+46850524889,,580849884#">+46 8 505 248 89,,580849884#</a><span> Sweden, Stockholm</span></div>`+
			`<div><a href="https://dialin.teams.microsoft.com/abc?id=580849884">Find a local number</a></div>`+
			`<div><span>Phone conference ID: </span><span>580 849 884#</span></div>`, "", 1)
	if p.Text() != wantHTML {
		t.Errorf("X-ALT-DESC\n got %q\nwant %q", p.Text(), wantHTML)
	}
	if again := out.Migrate(out.Meetings()[0], testRules, dropDialIn); again.Skipped != AlreadyCurrent {
		t.Errorf("rerun: Skipped=%q Err=%v", again.Skipped, again.Err)
	}
}

// demoText and demoHTML are the demo fixtures' block: single-spaced
// text, Outlook's <p class=MsoNormal> HTML.
var demoText = "Hi\n\n" + strings.Repeat("_", 80) + "\nMicrosoft Teams meeting\nJoin on your computer or mobile app\n" +
	"Click here to join the meeting <" + oldJoin + ">\nOr call in (audio only)\n" +
	"+46 8 505 248 89,,100000000# <tel:+46850524889,,100000000#>   Sweden, Stockholm\nPhone Conference ID: 100 000 000#\n" +
	"Find a local number <https://dialin.teams.microsoft.com/contoso?id=100000000> | Reset PIN <https://mysettings.lync.com/pstnconferencing>\n" +
	"Learn More <https://aka.ms/JoinTeamsMeeting> | Meeting options <https://teams.microsoft.com/meetingOptions/?language=en-US>\n" +
	strings.Repeat("_", 80) + "\n\nTack!"
var demoHTML = `<p>Hi</p><div><p class="MsoNormal"><span style="color:#5F5F5F">` + strings.Repeat("_", 80) + `</span></p></div>` +
	`<div><p class="MsoNormal"><span style="font-size:18.0pt">Microsoft Teams meeting</span></p>` +
	`<p class="MsoNormal"><a href="` + oldJoin + `"><span>Click here to join the meeting</span></a></p>` +
	`<p class="MsoNormal"><a href="tel:+46850524889,,100000000#">+46 8 505 248 89,,100000000#</a> Sweden, Stockholm</p>` +
	`<p class="MsoNormal">Phone Conference ID: 100000000#</p>` +
	`<p class="MsoNormal"><a href="https://dialin.teams.microsoft.com/contoso?id=100000000">Find a local number</a> | <a href="https://aka.ms/JoinTeamsMeeting">Learn More</a></p></div>` +
	`<div><p class="MsoNormal"><span style="color:#5F5F5F">` + strings.Repeat("_", 80) + `</span></p></div><p>Tack!</p>`

// The demo's layout: single-spaced text, Outlook's <p class=MsoNormal>
// HTML where the dial-in link shares its paragraph with "Learn More".
func TestDropDialInDemoLayout(t *testing.T) {
	text, markup := demoText, demoHTML
	cal, res := migrateOne(t, calendar(future(event{body: text, extra: altDesc(markup)})), testRules, dropDialIn)
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	out, _ := Parse("out.ics", cal.Bytes())
	desc, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
	want := strings.Replace(text, "Or call in (audio only)\n+46 8 505 248 89,,100000000# <tel:+46850524889,,100000000#>   Sweden, Stockholm\nPhone Conference ID: 100 000 000#\n"+
		"Find a local number <https://dialin.teams.microsoft.com/contoso?id=100000000> | Reset PIN <https://mysettings.lync.com/pstnconferencing>\n", "", 1)
	if desc.Text() != want {
		t.Errorf("DESCRIPTION\n got %q\nwant %q", desc.Text(), want)
	}
	p, _ := htmlBody(out.Meetings()[0].First())
	wantHTML := strings.Replace(markup, `<p class="MsoNormal"><a href="tel:+46850524889,,100000000#">+46 8 505 248 89,,100000000#</a> Sweden, Stockholm</p>`+
		`<p class="MsoNormal">Phone Conference ID: 100000000#</p>`+
		`<p class="MsoNormal"><a href="https://dialin.teams.microsoft.com/contoso?id=100000000">Find a local number</a> | `, `<p class="MsoNormal">`, 1)
	if p.Text() != wantHTML {
		t.Errorf("X-ALT-DESC\n got %q\nwant %q", p.Text(), wantHTML)
	}
}

// Spacing: the blank lines before a removed run stay, else those after
// it, so double-spaced stays double-spaced and a section gap stays.
func TestJoinKeptSpacing(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a\n\nX\n\nX\n\nb\n", "a\n\nb\n"},
		{"a\nX\nX\n\nb\n", "a\n\nb\n"},
		{"a\n\nX\nX\nb\n", "a\n\nb\n"},
		{"a\nX\nb\n", "a\nb\n"},
	}
	for _, tc := range cases {
		lines := strings.SplitAfter(tc.in, "\n")
		drop := make([]bool, len(lines))
		for i, l := range lines {
			drop[i] = l == "X\n"
		}
		if got := joinKept(lines, drop); got != tc.want {
			t.Errorf("joinKept(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// A row's Meeting ID and passcode go into the demo's block in place: after
// the join link, in a paragraph like the join link's; the number's label,
// "Reset PIN" and the layout stay; "Meeting options" goes with the old
// meeting.
func TestRowInDemoLayout(t *testing.T) {
	const link = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_ROW%40thread.v2/0"
	ch := Change{Meetings: map[string]MeetingChange{"uid-1": {JoinURL: link, MeetingID: "300000000001", Passcode: "Ab12Cd"}}}
	cal, res := migrateOne(t, calendar(future(event{body: demoText, extra: altDesc(demoHTML)})), testRules, ch)
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	out, _ := Parse("out.ics", cal.Bytes())
	desc, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
	want := strings.NewReplacer("<"+oldJoin+">\n", "<"+link+">\nMeeting ID: 300 000 000 001\nPasscode: Ab12Cd\n",
		" | Meeting options <https://teams.microsoft.com/meetingOptions/?language=en-US>", "").Replace(demoText)
	if desc.Text() != want {
		t.Errorf("DESCRIPTION\n got %q\nwant %q", desc.Text(), want)
	}
	p, _ := htmlBody(out.Meetings()[0].First())
	wantHTML := strings.Replace(demoHTML, `<a href="`+oldJoin+`"><span>Click here to join the meeting</span></a></p>`,
		`<a href="`+link+`"><span>Click here to join the meeting</span></a></p><p class="MsoNormal">Meeting ID: 300 000 000 001</p><p class="MsoNormal">Passcode: Ab12Cd</p>`, 1)
	if p.Text() != wantHTML {
		t.Errorf("X-ALT-DESC\n got %q\nwant %q", p.Text(), wantHTML)
	}
}

// A Skype block loses its dial-in part in place too: "Join by phone", the
// numbers, "Find a local number" and the conference ID go; the join lines
// and the [!OC] marker stay, in text and HTML.
func TestDropDialInSkype(t *testing.T) {
	text := "Agenda\n" + strings.Repeat(".", 137) + "\n--> Join Skype Meeting <https://meet.lync.com/contoso/anna/AB12CD34>\n" +
		"Trouble Joining? Try Skype Web App <https://meet.lync.com/contoso/anna/AB12CD34?sl=1>\n\nJoin by phone\n\n" +
		"+46 8 123 456 78 (Stockholm)  English (United States)\n\nFind a local number <https://dialin.lync.com/abc?id=123456>\n\n" +
		"Conference ID: 123456\n\n[!OC([1033])!]\n" + strings.Repeat(".", 137) + "\n"
	markup := `<p>Agenda</p><p>` + strings.Repeat(".", 137) + `</p><p><a href="https://meet.lync.com/contoso/anna/AB12CD34">Join Skype Meeting</a></p>` +
		`<p>Conference ID: 123456</p><p>[!OC([1033])!]</p><p>` + strings.Repeat(".", 137) + `</p>`
	cal, res := migrateOne(t, calendar(future(event{body: text, extra: altDesc(markup)})), testRules, dropDialIn)
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	out, _ := Parse("out.ics", cal.Bytes())
	desc, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
	want := strings.Replace(text, "Join by phone\n\n+46 8 123 456 78 (Stockholm)  English (United States)\n\nFind a local number <https://dialin.lync.com/abc?id=123456>\n\n"+
		"Conference ID: 123456\n\n", "", 1)
	if desc.Text() != want {
		t.Errorf("DESCRIPTION\n got %q\nwant %q", desc.Text(), want)
	}
	p, _ := htmlBody(out.Meetings()[0].First())
	if wantHTML := strings.Replace(markup, `<p>Conference ID: 123456</p>`, "", 1); p.Text() != wantHTML {
		t.Errorf("X-ALT-DESC\n got %q\nwant %q", p.Text(), wantHTML)
	}
}

var enableDialIn = Change{ConferenceID: "111 222 333", TollNumbers: []string{"+46 8 505 248 89 Sweden, Stockholm"}, DialInURL: "https://dialin.teams.microsoft.com/abc?id=111222333"}

// dialin-enabled on a Teams block without dial-in adds Teams' dial-in
// lines after the join link, spaced as the block is, in text; in HTML in
// paragraphs like the join link's (Outlook's layout) or in Teams'
// elements; the rest stays, and a rerun is already current.
func TestAddDialInInPlace(t *testing.T) {
	noDialText := strings.Replace(demoText, "Or call in (audio only)\n+46 8 505 248 89,,100000000# <tel:+46850524889,,100000000#>   Sweden, Stockholm\nPhone Conference ID: 100 000 000#\n"+
		"Find a local number <https://dialin.teams.microsoft.com/contoso?id=100000000> | Reset PIN <https://mysettings.lync.com/pstnconferencing>\n", "", 1)
	noDialHTML := strings.Replace(demoHTML, `<p class="MsoNormal"><a href="tel:+46850524889,,100000000#">+46 8 505 248 89,,100000000#</a> Sweden, Stockholm</p>`+
		`<p class="MsoNormal">Phone Conference ID: 100000000#</p>`+
		`<p class="MsoNormal"><a href="https://dialin.teams.microsoft.com/contoso?id=100000000">Find a local number</a> | `, `<p class="MsoNormal">`, 1)
	cal, res := migrateOne(t, calendar(future(event{body: noDialText, extra: altDesc(noDialHTML)})), testRules, enableDialIn)
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	out, _ := Parse("out.ics", cal.Bytes())
	desc, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
	want := strings.Replace(noDialText, "<"+oldJoin+">\n", "<"+oldJoin+">\nOr call in (audio only)\n"+
		"+46 8 505 248 89,,111222333# <tel:+46850524889,,111222333#>   Sweden, Stockholm\nPhone Conference ID: 111 222 333#\n"+
		"Find a local number <https://dialin.teams.microsoft.com/abc?id=111222333>\n", 1)
	if desc.Text() != want {
		t.Errorf("DESCRIPTION\n got %q\nwant %q", desc.Text(), want)
	}
	p, _ := htmlBody(out.Meetings()[0].First())
	wantHTML := strings.Replace(noDialHTML, `<span>Click here to join the meeting</span></a></p>`, `<span>Click here to join the meeting</span></a></p>`+
		"<p class=\"MsoNormal\">Or call in (audio only)</p>\n"+
		"<p class=\"MsoNormal\"><a href=\"tel:+46850524889,,111222333#\">+46 8 505 248 89,,111222333#</a> Sweden, Stockholm</p>\n"+
		"<p class=\"MsoNormal\">Phone Conference ID: 111 222 333#</p>\n"+
		"<p class=\"MsoNormal\"><a href=\"https://dialin.teams.microsoft.com/abc?id=111222333\">Find a local number</a></p>\n", 1)
	if p.Text() != wantHTML {
		t.Errorf("X-ALT-DESC\n got %q\nwant %q", p.Text(), wantHTML)
	}
	if again := out.Migrate(out.Meetings()[0], testRules, enableDialIn); again.Skipped != AlreadyCurrent {
		t.Errorf("rerun: Skipped=%q Err=%v", again.Skipped, again.Err)
	}
}

// In a double-spaced block with a Meeting ID, the dial-in lines go after
// the passcode, each followed by a blank line.
func TestAddDialInAfterMeetingID(t *testing.T) {
	body := "Hi\n\n" + strings.Repeat("_", 80) + "\n\nMicrosoft Teams meeting\n\nJoin on your computer, mobile app or room device\n\n" +
		"Click here to join the meeting <" + oldJoin + ">\n\nMeeting ID: 244 929 170 838\n\nPasscode: 7ZkQ2u\n\n" +
		"Learn More <https://aka.ms/JoinTeamsMeeting> | Meeting options <https://teams.microsoft.com/meetingOptions/>\n\n" + strings.Repeat("_", 80) + "\n"
	cal, res := migrateOne(t, calendar(future(event{body: body})), testRules, enableDialIn)
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	out, _ := Parse("out.ics", cal.Bytes())
	desc, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
	want := strings.Replace(body, "Passcode: 7ZkQ2u\n\n", "Passcode: 7ZkQ2u\n\nOr call in (audio only)\n\n"+
		"+46 8 505 248 89,,111222333# <tel:+46850524889,,111222333#>   Sweden, Stockholm\n\nPhone Conference ID: 111 222 333#\n\n"+
		"Find a local number <https://dialin.teams.microsoft.com/abc?id=111222333>\n\n", 1)
	if desc.Text() != want {
		t.Errorf("DESCRIPTION\n got %q\nwant %q", desc.Text(), want)
	}
}

// A block that ends the body, its passcode the last line with no line
// break, gets the dial-in lines on lines of their own: they were glued to
// the passcode (found by an audit, a Polish 2025 block).
func TestAddDialInAtTheBodysEnd(t *testing.T) {
	src := "Dołącz: " + oldJoin + "\nIdentyfikator spotkania: 244 929 170 838\nKod dostępu: 7ZkQ2u"
	from := block.Block{Provider: block.ProviderTeams, JoinURL: oldJoin, MeetingNumber: "244 929 170 838", Passcode: "7ZkQ2u"}
	to := block.Spec{Provider: block.ProviderTeams, JoinURL: oldJoin, ConferenceID: "111222333", TollNumbers: []string{"+46 8 505 248 89"}}
	got, ok := addDialInText(src, from, to)
	if !ok || !strings.HasPrefix(got, src+"\n") || strings.Contains(got, "7ZkQ2u"+"Or") {
		t.Errorf("addDialInText = %v\n%q", ok, got)
	}
}

// A conference ID alone is not added to a block without dial-in: it would
// say "call in" with nothing to call (found by an audit); the meeting is
// current, and with numbers the conference ID comes with them.
func TestConferenceIDAloneAddsNoDialIn(t *testing.T) {
	body := "Hi\n\n" + strings.Repeat("_", 80) + "\n\nMicrosoft Teams meeting\n\nJoin on your computer, mobile app or room device\n\n" +
		"Click here to join the meeting <" + oldJoin + ">\n\n" +
		"Learn More <https://aka.ms/JoinTeamsMeeting> | Meeting options <https://teams.microsoft.com/meetingOptions/>\n\n" + strings.Repeat("_", 80) + "\n"
	src := calendar(future(event{body: body}))
	cal, res := migrateOne(t, src, testRules, Change{ConferenceID: "444444444"})
	if res.Skipped != AlreadyCurrent || string(cal.Bytes()) != src {
		t.Errorf("a conference ID alone: Skipped=%q Err=%v, changed %v", res.Skipped, res.Err, string(cal.Bytes()) != src)
	}
	cal, res = migrateOne(t, src, testRules, Change{ConferenceID: "444444444", TollNumbers: []string{"+46 8 505 248 89"}})
	desc, _ := cal.Current(cal.Meetings()[0].First(), "DESCRIPTION")
	if !res.Rewritten() || !strings.Contains(desc.Text(), "Phone Conference ID: 444 444 444#") {
		t.Errorf("with a number: rewritten %v, %v:\n%s", res.Rewritten(), res.Err, desc.Text())
	}
	// The dial-in removed, a conference ID given all the same (a meetings
	// file's row): none is written (found by a review: the rule looked at
	// the old block).
	cal, res = migrateOne(t, calendar(future(event{body: demoText})), testRules, Change{DropDialIn: true, ConferenceID: "777777777"})
	desc, _ = cal.Current(cal.Meetings()[0].First(), "DESCRIPTION")
	if !res.Rewritten() || strings.Contains(desc.Text(), "Conference ID") || strings.Contains(desc.Text(), "call in") {
		t.Errorf("dial-in removed: rewritten %v, %v:\n%s", res.Rewritten(), res.Err, desc.Text())
	}
}

// Dial-in removed from the corpus's Outlook 2016 Skype block, whose HTML
// is Word's: the "Join by phone" heading goes with the spacer paragraphs
// between the dial-in lines, and the "|" that joined "Forgot your dial-in
// PIN?" to "Help", in an element of its own, goes with the PIN's link
// (found by an audit: the heading stayed with nothing under it, and
// " |Help" showed); the text body says the same, and the rest is kept.
func TestSkypeWordDialInRemoved(t *testing.T) {
	path := filepath.Join(corpus.Dir(t), "real", "outlook16_skype_online_meeting_dialin_DscResources_CommunityCall030117.ics")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := testRules
	r.Now = time.Date(2017, 2, 1, 0, 0, 0, 0, time.UTC)
	r.Organizer = []string{"katie.keim@microsoft.com", "kakeim@microsoft.com"} // the link names the SIP address
	cal, err := Parse("skype.ics", data)
	if err != nil {
		t.Fatal(err)
	}
	m := cal.Meetings()[0]
	if res := cal.Migrate(m, r, Change{DropDialIn: true}); !res.Rewritten() {
		t.Fatalf("not rewritten: %q %v", res.Skipped, res.Err)
	}
	out, _ := Parse("out.ics", cal.Bytes())
	p, _ := htmlBody(out.Meetings()[0].First())
	shown := visibleText(p.Text())
	for _, gone := range []string{"Join by phone", "Conference ID", "Forgot your dial-in PIN", "|"} {
		if strings.Contains(shown, gone) {
			t.Errorf("the HTML still shows %q", gone)
		}
	}
	for _, kept := range []string{"Join Skype Meeting", "Trouble Joining?", "Help", "Welcome to Skype for Business"} {
		if !strings.Contains(shown, kept) {
			t.Errorf("the HTML lost %q", kept)
		}
	}
	before, _ := htmlBody(cal.Meetings()[0].First())
	if opened(p.Text()) != opened(before.Text()) {
		t.Errorf("%d elements left open, %d before", opened(p.Text()), opened(before.Text()))
	}
	desc, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
	if strings.Contains(desc.Text(), "Join by phone") || !strings.Contains(desc.Text(), "Help") {
		t.Errorf("the text body:\n%s", desc.Text())
	}
}

// opened counts the elements an HTML text opens less those it closes.
func opened(html string) int {
	return strings.Count(html, "<") - 2*strings.Count(html, "</") - strings.Count(html, "/>")
}

// wrappedText is a Teams block as Outlook's hard wrap writes it: each
// number's tel: link and each link on a line of its own, under its label.
var wrappedText = "Hi all\n\n" + strings.Repeat("_", 80) + "\nMicrosoft Teams meeting\nJoin on your computer or mobile app\n" +
	"Click here to join the meeting\n<" + oldJoin + ">\nOr call in (audio only)\n" +
	"+1 323-849-4874,,580849884#\n<tel:+13238494874,,580849884#>   United States, Los Angeles\nPhone Conference ID: 580 849 884#\n" +
	"Find a local number\n<https://dialin.teams.microsoft.com/abc?id=580849884> | Reset PIN\n<https://mysettings.lync.com/pstnconferencing>\n" +
	"Learn More <https://aka.ms/JoinTeamsMeeting> | Meeting options\n<https://teams.microsoft.com/meetingOptions/?language=en-US>\n" +
	strings.Repeat("_", 80) + "\n\nThanks"

// Dial-in removed from a wrapped block takes each link's label from the
// line above with it: "Find a local number" and "Reset PIN" go with their
// links, the number with its tel: line (found by an audit: both labels
// were left with nothing to link).
func TestDropDialInWrappedLinks(t *testing.T) {
	cal, res := migrateOne(t, calendar(future(event{body: wrappedText})), testRules, dropDialIn)
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	out, _ := Parse("out.ics", cal.Bytes())
	desc, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
	want := strings.Replace(wrappedText, "Or call in (audio only)\n+1 323-849-4874,,580849884#\n<tel:+13238494874,,580849884#>   United States, Los Angeles\n"+
		"Phone Conference ID: 580 849 884#\nFind a local number\n<https://dialin.teams.microsoft.com/abc?id=580849884> | Reset PIN\n<https://mysettings.lync.com/pstnconferencing>\n", "", 1)
	if desc.Text() != want {
		t.Errorf("DESCRIPTION\n got %q\nwant %q", desc.Text(), want)
	}
	if again := out.Migrate(out.Meetings()[0], testRules, dropDialIn); again.Skipped != AlreadyCurrent {
		t.Errorf("rerun: Skipped=%q Err=%v", again.Skipped, again.Err)
	}
}

// brHTML is a Teams block whose lines are ended by <br> in one <div>, as
// some clients write X-ALT-DESC (and Google Calendar an HTML DESCRIPTION);
// brText is its plain text.
var brHTML = `<html><body><div>Hi team<br><br>` + strings.Repeat("_", 80) + `<br><b>Microsoft Teams meeting</b><br>` +
	`<b>Join on your computer, mobile app or room device</b><br><a href="` + oldJoin + `">Click here to join the meeting</a><br>` +
	`Meeting ID: 212 345 678 901<br>Passcode: aB3xYz<br>` +
	`<a href="https://www.microsoft.com/en-us/microsoft-teams/download-app">Download Teams</a> | <a href="https://www.microsoft.com/microsoft-teams/join-a-meeting">Join on the web</a><br>` +
	brDialIn + `<a href="https://aka.ms/JoinTeamsMeeting">Learn More</a>` + brOptions + `<br>` + strings.Repeat("_", 80) + `<br><br>Bye</div></body></html>`

const (
	brDialIn = `<b>Or call in (audio only)</b><br><a href="tel:+13238494874,,580849884#">+1 323-849-4874,,580849884#</a>   United States, Los Angeles<br>` +
		`Phone Conference ID: 580 849 884#<br><a href="https://dialin.teams.microsoft.com/abc?id=580849884">Find a local number</a> | ` +
		`<a href="https://dialin.teams.microsoft.com/usp/pstnconferencing">Reset PIN</a><br>`
	brOptions = ` | <a href="https://teams.microsoft.com/meetingOptions/?language=en-US">Meeting options</a>`
)

var brText = "Hi team\n\n" + strings.Repeat("_", 80) + "\nMicrosoft Teams meeting\nJoin on your computer, mobile app or room device\n" +
	"Click here to join the meeting <" + oldJoin + ">\nMeeting ID: 212 345 678 901\nPasscode: aB3xYz\n" +
	"Download Teams <https://www.microsoft.com/en-us/microsoft-teams/download-app> | Join on the web <https://www.microsoft.com/microsoft-teams/join-a-meeting>\n" +
	brTextDialIn + "Learn More <https://aka.ms/JoinTeamsMeeting> | Meeting options <https://teams.microsoft.com/meetingOptions/?language=en-US>\n" +
	strings.Repeat("_", 80) + "\n\nBye"

const brTextDialIn = "Or call in (audio only)\n+1 323-849-4874,,580849884# <tel:+13238494874,,580849884#>   United States, Los Angeles\n" +
	"Phone Conference ID: 580 849 884#\nFind a local number <https://dialin.teams.microsoft.com/abc?id=580849884> | Reset PIN <https://dialin.teams.microsoft.com/usp/pstnconferencing>\n"

// A block laid out with <br> is edited line by line, as its text is: the
// dial-in lines go, or the Meeting ID, passcode and "Meeting options" of a
// meeting moved to a link of its own; "Download Teams | Join on the web"
// and the rest stay, in X-ALT-DESC and in an HTML DESCRIPTION (found by an
// audit: the whole block was written anew in Teams' markup, losing them,
// so the text and the HTML disagreed).
func TestBrLayoutEditedInPlace(t *testing.T) {
	const link = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NEW%40thread.v2/0?context=%7b%22Tid%22%3a%22t%22%7d"
	moved := Change{Provider: block.ProviderTeams, JoinURL: link}
	cases := []struct {
		name       string
		ch         Change
		html, text string // the new bodies
		descIsHTML bool
	}{
		{"dial-in off", dropDialIn, strings.Replace(brHTML, brDialIn, "", 1), strings.Replace(brText, brTextDialIn, "", 1), false},
		{"moved", moved, strings.NewReplacer(oldJoin, link, "Meeting ID: 212 345 678 901<br>Passcode: aB3xYz<br>", "", brOptions, "").Replace(brHTML),
			strings.NewReplacer(oldJoin, link, "Meeting ID: 212 345 678 901\nPasscode: aB3xYz\n", "", " | Meeting options <https://teams.microsoft.com/meetingOptions/?language=en-US>", "").Replace(brText), false},
		{"dial-in off, HTML DESCRIPTION", dropDialIn, strings.Replace(brHTML, brDialIn, "", 1), "", true},
	}
	for _, tc := range cases {
		e := event{body: brText, extra: altDesc(brHTML)}
		if tc.descIsHTML {
			e = event{body: brHTML}
		}
		cal, res := migrateOne(t, calendar(future(e)), testRules, tc.ch)
		if !res.Rewritten() {
			t.Fatalf("%s: %+v", tc.name, res)
		}
		out, _ := Parse("out.ics", cal.Bytes())
		p, _ := htmlBody(out.Meetings()[0].First())
		if p.Text() != tc.html {
			t.Errorf("%s: HTML\n got %q\nwant %q", tc.name, p.Text(), tc.html)
		}
		if desc, _ := out.Meetings()[0].First().Prop("DESCRIPTION"); !tc.descIsHTML && desc.Text() != tc.text {
			t.Errorf("%s: DESCRIPTION\n got %q\nwant %q", tc.name, desc.Text(), tc.text)
		}
		if again := out.Migrate(out.Meetings()[0], testRules, tc.ch); again.Skipped != AlreadyCurrent {
			t.Errorf("%s: rerun: Skipped=%q Err=%v", tc.name, again.Skipped, again.Err)
		}
	}
}

// dialOn is dial-in given to a block without it.
var dialOn = Change{ConferenceID: "123456789", TollNumbers: []string{"+46 8 505 248 89"}, DialInURL: "https://dialin.teams.microsoft.com/contoso?id=123456789"}

// Dial-in added goes where Teams writes it, in text and HTML alike: in
// the 2022 block after "Download Teams | Join on the web" (found by an
// audit: the text had it before that line, the HTML after it); in the
// 2024 block ("Join the meeting now") after the short rule under the
// passcode, single-spaced and in that block's words, "Dial in by phone"
// and "Phone conference ID:" after "Find a local number" (the audit found
// 2022's words, a blank line after each).
func TestAddDialInWhereTeamsWritesIt(t *testing.T) {
	const apps = `<a href="https://www.microsoft.com/en-us/microsoft-teams/download-app">Download Teams</a> | <a href="https://www.microsoft.com/microsoft-teams/join-a-meeting">Join on the web</a>`
	text22 := "Hi\n\n" + strings.Repeat("_", 80) + "\nMicrosoft Teams meeting\nJoin on your computer, mobile app or room device\n" +
		"Click here to join the meeting <" + oldJoin + ">\nMeeting ID: 212 345 678 901\nPasscode: aB3xYz\n" +
		"Download Teams <https://www.microsoft.com/en-us/microsoft-teams/download-app> | Join on the web <https://www.microsoft.com/microsoft-teams/join-a-meeting>\n" +
		"Learn More <https://aka.ms/JoinTeamsMeeting> | Meeting options <https://teams.microsoft.com/meetingOptions/>\n" + strings.Repeat("_", 80) + "\n\nBye"
	html22 := `<p>Hi</p><div class="me-email-text" lang="en-US"><div><span>Microsoft Teams meeting</span></div>` +
		`<div><div><span>Join on your computer, mobile app or room device</span></div><a class="me-email-headline" href="` + oldJoin + `">Click here to join the meeting</a></div>` +
		`<div><a href="https://aka.ms/JoinTeamsMeeting">Learn More</a> | <a href="https://teams.microsoft.com/meetingOptions/">Meeting options</a></div></div>`
	html22 = strings.Replace(html22, `<div><a href="https://aka.ms`, `<div><span>Meeting ID: 212 345 678 901</span></div><div><span>Passcode: aB3xYz</span></div><div>`+apps+`</div><div><a href="https://aka.ms`, 1)
	text24 := "Hi\n\n" + strings.Repeat("_", 80) + "\nMicrosoft Teams Need help? <https://aka.ms/JoinTeamsMeeting?omkt=en-US>\n\n" +
		"Join the meeting now <" + oldJoin + ">\nMeeting ID: 212 345 678 901\nPasscode: aB3xYz\n\n" + strings.Repeat("_", 32) + "\n" +
		"For organizers: Meeting options <https://teams.microsoft.com/meetingOptions/>\n" + strings.Repeat("_", 80) + "\n\nBye"
	const rule24 = `<div style="margin-bottom: 24px; max-width: 532px; width: 36%; height: 1px; background-color: #e0e0e0;"></div>`
	html24 := `<p>Hi</p><div class="me-email-container"><div><span>Microsoft Teams</span> <a href="https://aka.ms/JoinTeamsMeeting?omkt=en-US">Need help?</a></div>` +
		`<div><a class="me-email-headline" href="` + oldJoin + `">Join the meeting now</a></div>` +
		`<div><span>Meeting ID: </span><span>212 345 678 901</span></div><div><span>Passcode: </span><span>aB3xYz</span></div>` + rule24 +
		`<div><span>For organizers: </span><a href="https://teams.microsoft.com/meetingOptions/">Meeting options</a></div></div>`
	const link24 = `<a class="me-email-link" style="font-size: 14px; font-family: 'Segoe UI Semibold','Segoe UI',sans-serif; text-decoration: underline; color: #5b5fc7;" target="_blank" rel="noreferrer noopener" href="`
	cases := []struct {
		name, text, html, textAfter, textAdded, htmlAfter, htmlAdded string
	}{
		{"2022", text22, html22, "Join on the web <https://www.microsoft.com/microsoft-teams/join-a-meeting>\n",
			"Or call in (audio only)\n+46 8 505 248 89,,123456789# <tel:+46850524889,,123456789#>   (Toll)\nPhone Conference ID: 123 456 789#\n" +
				"Find a local number <https://dialin.teams.microsoft.com/contoso?id=123456789>\n",
			apps + `</div>`, `<div style="margin-bottom: 4px; margin-top: 20px;"><span style="font-size: 14px; color:#252424; font-weight: bold;">Or call in (audio only)</span></div>` + "\n" +
				`<div style="margin-bottom: 4px;"><a class="me-email-link" style="font-size: 14px;text-decoration: underline;color: #6264a7;font-family:'Segoe UI','Helvetica Neue',Helvetica,Arial,sans-serif;" href="tel:+46850524889,,123456789#" target="_blank" rel="noreferrer noopener">+46 8 505 248 89,,123456789#</a><span style="font-size: 12px;"> &nbsp; (Toll)</span></div>` + "\n" +
				`<div style="margin-bottom: 4px;"><span style="font-size: 12px; color:#252424">Phone Conference ID: </span><span style="font-size: 14px; color:#252424">123 456 789# </span></div>` + "\n" +
				`<div style="margin-bottom: 4px;"><a class="me-email-link" style="font-size: 14px;text-decoration: underline;color: #6264a7;font-family:'Segoe UI','Helvetica Neue',Helvetica,Arial,sans-serif;" href="https://dialin.teams.microsoft.com/contoso?id=123456789" target="_blank" rel="noreferrer noopener">Find a local number</a></div>` + "\n"},
		{"2024", text24, html24, "\n\n" + strings.Repeat("_", 32) + "\n",
			"Dial in by phone\n+46 8 505 248 89,,123456789# <tel:+46850524889,,123456789#> (Toll)\n" +
				"Find a local number <https://dialin.teams.microsoft.com/contoso?id=123456789>\nPhone conference ID: 123 456 789#\n",
			rule24, `<div style="font-size: 14px; margin-bottom: 4px; font-weight: 600;">Dial in by phone</div>` + "\n" +
				`<div style="margin-bottom: 4px;">` + link24 + `tel:+46850524889,,123456789#">+46 8 505 248 89,,123456789#</a><span style="font-size: 14px; color: #242424;"> (Toll)</span></div>` + "\n" +
				`<div style="margin-bottom: 4px;">` + link24 + `https://dialin.teams.microsoft.com/contoso?id=123456789">Find a local number</a></div>` + "\n" +
				`<div style="margin-bottom: 24px;"><span class="me-email-text-secondary" style="font-size: 14px; color: #242424;">Phone conference ID: </span><span class="me-email-text" style="font-size: 14px; color: #242424;">123 456 789#</span></div>` + "\n"},
	}
	for _, tc := range cases {
		cal, res := migrateOne(t, calendar(future(event{body: tc.text, extra: altDesc(tc.html)})), testRules, dialOn)
		if !res.Rewritten() {
			t.Fatalf("%s: %+v", tc.name, res)
		}
		out, _ := Parse("out.ics", cal.Bytes())
		desc, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
		if want := strings.Replace(tc.text, tc.textAfter, tc.textAfter+tc.textAdded, 1); desc.Text() != want {
			t.Errorf("%s: DESCRIPTION\n got %q\nwant %q", tc.name, desc.Text(), want)
		}
		p, _ := htmlBody(out.Meetings()[0].First())
		if want := strings.Replace(tc.html, tc.htmlAfter, tc.htmlAfter+tc.htmlAdded, 1); p.Text() != want {
			t.Errorf("%s: X-ALT-DESC\n got %q\nwant %q", tc.name, p.Text(), want)
		}
		if again := out.Migrate(out.Meetings()[0], testRules, dialOn); again.Skipped != AlreadyCurrent {
			t.Errorf("%s: rerun: Skipped=%q Err=%v", tc.name, again.Skipped, again.Err)
		}
	}
}

// A toll-free number of a wrapped block is known by the label on its tel:
// line: kept by a bridge change giving toll numbers only, and one added
// beside a kept number is edited in, the block not written anew (found
// by a review).
func TestWrappedTollFree(t *testing.T) {
	w := strings.Replace(wrappedText, "United States, Los Angeles\n", "United States, Los Angeles\n+1 800-555-0100,,580849884#\n<tel:+18005550100,,580849884#>   United States (Toll-free)\n", 1)
	cal, res := migrateOne(t, calendar(future(event{body: w})), testRules, Change{TollNumbers: []string{"+46 8 505 248 89"}})
	if desc := propText(t, string(cal.Bytes()), "DESCRIPTION"); !res.Rewritten() || !strings.Contains(desc, "+1 800-555-0100,,580849884#\n<tel:+18005550100,,580849884#>   United States (Toll-free)\n") {
		t.Errorf("a bridge change dropped the wrapped toll-free number:\n%s", desc)
	}
	ch := Change{TollNumbers: []string{"+1 323-849-4874"}, TollFreeNumbers: []string{"+1 800-555-0100"}}
	cal, res = migrateOne(t, calendar(future(event{body: wrappedText})), testRules, ch)
	desc := propText(t, string(cal.Bytes()), "DESCRIPTION")
	for _, want := range []string{"Join on your computer or mobile app\n", "United States, Los Angeles\n", "Reset PIN\n", "Meeting options\n", "800-555-0100"} {
		if !res.Rewritten() || !strings.Contains(desc, want) {
			t.Errorf("a toll-free number added to a wrapped block: no %q:\n%s", want, desc)
		}
	}
	if _, again := migrateOne(t, string(cal.Bytes()), testRules, ch); again.Skipped != AlreadyCurrent {
		t.Errorf("the run again: Skipped=%q Err=%v", again.Skipped, again.Err)
	}
}
