package block

import (
	"reflect"
	"strings"
	"testing"
)

// The text around every synthetic block, in several scripts: splicing must
// keep it byte for byte.
const (
	textBefore = "Hej alla – 漢字 🙂 Cuộc họp hằng tuần\n\n"
	textAfter  = "\nTạm biệt ✓ 終わり 👋\n"
	htmlBefore = `<html><body><div class="x_WordSection1"><p>Hej alla – 漢字 🙂 Cuộc họp</p>`
	htmlAfter  = `<p>Tạm biệt ✓ 終わり 👋</p></div></body></html>`
)

type findCase struct {
	name  string
	html  bool
	block string // exactly the span that must be found
	want  Block  // Start and End are checked against the span
}

var findCases = []findCase{
	// without outer rules (found in a university's Exchange feed): from the
	// join link down to "Meeting options"; its heading, "Microsoft Teams
	// meeting", stays outside as the organiser's text would
	{name: "teams 2025 text, no outer rules", block: `Join: https://teams.microsoft.com/meet/367303551350901?p=L3BRp5lNJX38hqTIJa
Meeting ID: 367 303 551 350 901
Passcode: i7mG96rz
Help: https://aka.ms/JoinTeamsMeeting?omkt=en-GB
System reference: https://teams.microsoft.com/l/meetup-join/19%3ameeting_NGRi%40thread.v2/0
________________________________

________________________________
________________________________
For organisers
Meeting options: https://teams.microsoft.com/meetingOptions/?organizerId=5df&threadId=19_meeting_NGRi@thread.v2&language=en-GB
`, want: Block{Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/meet/367303551350901?p=L3BRp5lNJX38hqTIJa",
		MeetingID: "367303551350901", MeetingNumber: "367 303 551 350 901", Passcode: "i7mG96rz", Lang: "en-GB"}},
	{name: "teams 2018 conference id", block: `________________________________________________________________________________
Join Microsoft Teams Meeting <https://teams.microsoft.com/l/meetup-join/19%3ameeting_AAA%40thread.v2/0?context=%7b%7d>
+1 323-849-4874 <tel:+1%20323-849-4874,,50343176#>    United States, Los Angeles (Toll)
+1 833-255-2803 <tel:+1%20833-255-2803,,50343176#>    (Toll-free)
Conference ID: 503 431 76#
Local numbers <https://dialin.teams.microsoft.com/abc?id=50343176> | Reset PIN <https://mysettings.lync.com/pstnconferencing> | Learn more about Teams <https://go.microsoft.com/fwlink/?linkid=857250>
________________________________________________________________________________
`, want: Block{Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_AAA%40thread.v2/0?context=%7b%7d",
		MeetingID: "19:meeting_AAA@thread.v2", ConferenceID: "50343176", TollNumbers: []string{"+1 323-849-4874"}, TollFreeNumbers: []string{"+1 833-255-2803"},
		DialInURL: "https://dialin.teams.microsoft.com/abc?id=50343176", Lang: "en-US"}},

	{name: "teams 2020 click here", block: `________________________________________________________________________________ 
Microsoft Teams meeting 
Join on your computer or mobile app 
Click here to join the meeting <https://teams.microsoft.com/l/meetup-join/19%3ameeting_BBB%40thread.v2/0?context=%7b%7d> 
Or call in (audio only) 
+1 978-746-6057,,580849884# <tel:+19787466057,,580849884#>    United States, Lowell 
Phone Conference ID: 580 849 884# 
Find a local number <https://dialin.teams.microsoft.com/e83?id=580849884> | Reset PIN <https://mysettings.lync.com/pstnconferencing> 
Learn More <https://aka.ms/JoinTeamsMeeting> | Meeting options <https://teams.microsoft.com/meetingOptions/?organizerId=1&language=en-GB> 
________________________________________________________________________________ 
`, want: Block{Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_BBB%40thread.v2/0?context=%7b%7d",
		MeetingID: "19:meeting_BBB@thread.v2", ConferenceID: "580849884", TollNumbers: []string{"+1 978-746-6057"},
		DialInURL: "https://dialin.teams.microsoft.com/e83?id=580849884", Lang: "en-GB"}},

	{name: "teams 2022 meeting id and passcode, safe links", block: `________________________________________________________________________________
Microsoft Teams meeting
Join on your computer, mobile app or room device
Click here to join the meeting <https://teams.microsoft.com/l/meetup-join/19%3aCCC%40thread.tacv2/1663?context=%7b%7d>
Meeting ID: 229 505 202 791
Passcode: e27acC
Download Teams <https://nam06.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.microsoft.com%2Fen-us%2Fmicrosoft-teams%2Fdownload-app&data=05%7C01&reserved=0> | Join on the web <https://nam06.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.microsoft.com%2Fmicrosoft-teams%2Fjoin-a-meeting&reserved=0>
Or call in (audio only)
+46 8 505 248 89,,285387578# <tel:+46850524889,,285387578#>   Sweden, Stockholm
Phone Conference ID: 285 387 578#
Find a local number <https://nam06.safelinks.protection.outlook.com/?url=https%3A%2F%2Fdialin.teams.microsoft.com%2F8551%3Fid%3D285387578&data=05&reserved=0> | Reset PIN <https://nam06.safelinks.protection.outlook.com/?url=https%3A%2F%2Fdialin.teams.microsoft.com%2Fusp%2Fpstnconferencing&reserved=0>
Learn More <https://nam06.safelinks.protection.outlook.com/?url=https%3A%2F%2Faka.ms%2FJoinTeamsMeeting&reserved=0>
________________________________________________________________________________
`, want: Block{Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3aCCC%40thread.tacv2/1663?context=%7b%7d",
		MeetingID: "19:CCC@thread.tacv2", MeetingNumber: "229 505 202 791", Passcode: "e27acC", ConferenceID: "285387578", TollNumbers: []string{"+46 8 505 248 89"},
		DialInURL: "https://dialin.teams.microsoft.com/8551?id=285387578", Lang: "en-US"}},

	{name: "teams 2023 join the meeting now, inner rule", block: `________________________________________________________________________________
Microsoft Teams Need help?<https://aka.ms/JoinTeamsMeeting?omkt=de-DE>
Besprechung jetzt beitreten<https://teams.microsoft.com/l/meetup-join/19%3ameeting_DDD%40thread.v2/0?context=%7b%7d>
Besprechungs-ID: 231 244 578 937
Kennung: 8fvBiD
________________________________
Einwahl per Telefon
+49 69 365 051 22,,123456789#<tel:+496936505122,,123456789#> Deutschland, Frankfurt
+49 800 000 1234,,123456789#<tel:+498000001234,,123456789#> Deutschland (gebührenfrei)
Ortsgebundene Nummer suchen<https://dialin.teams.microsoft.com/x?id=123456789>
Telefonkonferenz-ID: 123 456 789#
Für Organisatoren: Besprechungsoptionen<https://teams.microsoft.com/meetingOptions/?language=de-DE> | PIN zurücksetzen<https://dialin.teams.microsoft.com/usp/pstnconferencing>
________________________________________________________________________________
`, want: Block{Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_DDD%40thread.v2/0?context=%7b%7d",
		MeetingID: "19:meeting_DDD@thread.v2", MeetingNumber: "231 244 578 937", Passcode: "8fvBiD", ConferenceID: "123456789", TollNumbers: []string{"+49 69 365 051 22"}, TollFreeNumbers: []string{"+49 800 000 1234"},
		DialInURL: "https://dialin.teams.microsoft.com/x?id=123456789", Lang: "de-DE"}},

	{name: "teams 2025 join bare link", block: `________________________________________________________________________________
Microsoft Teams-møde
Deltag: https://teams.microsoft.com/meet/23456789012345?p=AbCdEf
Møde-id: 234 567 890 123 45
Adgangskode: Ab1Cd2
________________________________
Ring ind (kun lyd)
+45 32 72 66 05,,987654321# Danmark, København
Telefonkonference-id: 987 654 321#
________________________________________________________________________________
`, want: Block{Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/meet/23456789012345?p=AbCdEf",
		MeetingID: "23456789012345", MeetingNumber: "234 567 890 123 45", Passcode: "Ab1Cd2", ConferenceID: "987654321", TollNumbers: []string{"+45 32 72 66 05"}, Lang: "da-DK"}},

	{name: "teams custom join link, numeric meeting id", block: `________________________________________________________________________________
Microsoft Teams meeting
Join the meeting now <https://join.contoso.example/m/42>
Meeting ID: 231 244 578 937
Passcode: 8fvBiD
Learn More <https://aka.ms/JoinTeamsMeeting>
________________________________________________________________________________
`, want: Block{Provider: ProviderTeams, JoinURL: "https://join.contoso.example/m/42", MeetingID: "231244578937", MeetingNumber: "231 244 578 937", Passcode: "8fvBiD", Lang: "en-US"}},

	{name: "teams consumer between dots, Vietnamese", block: `.........................................................................................................................................
Tham gia cuộc họp trực tuyến<https://teams.live.com/meet/9392947982999?p=qcrv>
.........................................................................................................................................
`, want: Block{Provider: ProviderTeams, JoinURL: "https://teams.live.com/meet/9392947982999?p=qcrv", MeetingID: "9392947982999", Lang: "vi-VN"}},

	{name: "skype online, Swedish, decimal LCID, 71+66 dots", block: `.......................................................................
..................................................................

--> Anslut till Skype-mötet
<https://meet.lync.com/contoso/anna.svensson/AB12CD34>

Anslut per telefon
Avgiftsfritt nummer: +46 20 12 34 56
<tel:+46%2020%2012%2034%2056,4334578%23>  (Inringningsnummer)
Avgiftsbelagt nummer: +46 8 123 456 78
<tel:+46%208%20123%20456%2078,4334578%23>  (Inringningsnummer)

Hitta ett lokalt nummer
<https://dialin.lync.com/48b4c613?id=433457
8>
Konferens-ID: 4334578
[!OC([1053])!]
.......................................................................
..................................................................
`, want: Block{Provider: ProviderSkype, JoinURL: "https://meet.lync.com/contoso/anna.svensson/AB12CD34", MeetingID: "AB12CD34", SkypeUser: "anna.svensson",
		ConferenceID: "4334578", TollNumbers: []string{"+46 8 123 456 78"}, TollFreeNumbers: []string{"+46 20 12 34 56"},
		DialInURL: "https://dialin.lync.com/48b4c613?id=4334578", LCID: "1053", Lang: "sv-SE"}},

	{name: "skype on-premises, hex LCID, 100+37 dots", block: `....................................................................................................
.....................................
Anslut till Skype-mötet <https://meet.contoso.se/anna/XY99ZZ>
Konferens-ID: 771122
[!OC([041d])!]
....................................................................................................
.....................................
`, want: Block{Provider: ProviderSkype, JoinURL: "https://meet.contoso.se/anna/XY99ZZ", MeetingID: "XY99ZZ", SkypeUser: "anna",
		ConferenceID: "771122", LCID: "041d", Lang: "sv-SE"}},

	{name: "skype english, dial-in wrapped", block: `.........................................................................................................................................
--> Join Skype Meeting <https://meet.lync.com/fabrikam/bob/QQ11>
Join by phone
Toll number: +1 (323) 849-4874
<tel:+1%20(323)%20849-4874,29448176%23>  (Dial-in Number)
Find a local number <https://dialin.lync.com/8551f4c1?id=2944817
6>
Conference ID: 29448176
[!OC([1033])!]
.........................................................................................................................................
`, want: Block{Provider: ProviderSkype, JoinURL: "https://meet.lync.com/fabrikam/bob/QQ11", MeetingID: "QQ11", SkypeUser: "bob",
		ConferenceID: "29448176", TollNumbers: []string{"+1 (323) 849-4874"}, DialInURL: "https://dialin.lync.com/8551f4c1?id=29448176", LCID: "1033", Lang: "en-US"}},

	{name: "teams join link wrapped by safe links", block: `________________________________________________________________________________
Microsoft Teams meeting
Click here to join the meeting <https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fteams.microsoft.com%2Fl%2Fmeetup-join%2F19%253ameeting_EEE%2540thread.v2%2F0&data=05%7C01&reserved=0>
________________________________________________________________________________
`, want: Block{Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_EEE%40thread.v2/0",
		MeetingID: "19:meeting_EEE@thread.v2", Lang: "en-US"}},

	{name: "teams html, received copy with x_ prefixes and originalsrc", html: true,
		block: `<div class="x_rule" style="width:100%;height: 20px;"><span style="white-space:nowrap;color:#5F5F5F;opacity:.36;">________________________________________________________________________________</span></div>
<div class="x_me-email-text" lang="sv-SE">
<div><span>Microsoft Teams-möte</span></div>
<div><a id="x_join" class="x_me-email-headline" href="https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fteams.microsoft.com%2Fl%2Fmeetup-join%2F19%253ameeting_FFF%2540thread.v2%2F0%3Fcontext%3D%257b%257d&amp;data=05&amp;reserved=0" originalsrc="https://teams.microsoft.com/l/meetup-join/19%3ameeting_FFF%40thread.v2/0?context=%7b%7d&amp;x=1">Klicka här för att ansluta till mötet</a></div>
<div><a class="x_me-email-link" href="tel:+46850524889,,580849884#">+46 8 505 248 89,,580849884#</a><span> &nbsp; Sverige, Stockholm</span></div>
<div><span>Telefonkonferens-ID: </span><span>580 849 884# </span></div>
<div><a class="x_me-email-link" href="https://dialin.teams.microsoft.com/e83?id=580849884">Hitta ett lokalt nummer</a></div>
</div>
<div class="x_rule" style="width:100%;height: 20px;"><span style="white-space:nowrap;color:#5F5F5F;opacity:.36;">________________________________________________________________________________</span></div>`,
		want: Block{Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_FFF%40thread.v2/0?context=%7b%7d&x=1",
			MeetingID: "19:meeting_FFF@thread.v2", ConferenceID: "580849884", TollNumbers: []string{"+46 8 505 248 89"},
			DialInURL: "https://dialin.teams.microsoft.com/e83?id=580849884", Lang: "sv-SE"}},

	{name: "skype html, Word paragraphs", html: true,
		block: `<p class=MsoNormal><span style='font-size:8.0pt;color:#404040'>.........................................................................................................................................</span></p><p class=MsoNormal><a name=OutJoinLink><span style='font-family:Wingdings'>&agrave;</span></a> <a href="https://meet.lync.com/contoso/anna/AB12"><span style='font-size:16.0pt'>Join Skype Meeting</span></a></p><p class=MsoNormal>Toll-free number: <a href="tel:+1%20(866)%20641-7188,4334578%23">+1 (866) 641-7188</a> (Dial-in Number)</p><p class=MsoNormal><a href="https://dialin.lync.com/48b4?id=4334578">Find a local number</a></p><p class=MsoNormal>Conference ID: 4334578</p><p class=MsoNormal><sub><span style='font-size:1.0pt;color:white'>[!OC([1033])!]</span></sub></p><p class=MsoNormal><span style='font-size:8.0pt;color:#404040'>.........................................................................................................................................</span><span><o:p></o:p></span></p>`,
		want: Block{Provider: ProviderSkype, JoinURL: "https://meet.lync.com/contoso/anna/AB12", MeetingID: "AB12", SkypeUser: "anna",
			ConferenceID: "4334578", TollFreeNumbers: []string{"+1 (866) 641-7188"}, DialInURL: "https://dialin.lync.com/48b4?id=4334578", LCID: "1033", Lang: "en-US"}},

	{name: "teams 2023 html without rules, me-email-text", html: true, block: teams2023HTML("", "me-email-text", "me-email-container"),
		want: Block{Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_GGG%40thread.v2/0?context=%7b%7d",
			MeetingID: "19:meeting_GGG@thread.v2", MeetingNumber: "244 929 170 838", Passcode: "7ZkQ2u", ConferenceID: "123456789", TollNumbers: []string{"+1 323-555-0166"},
			DialInURL: "https://dialin.teams.microsoft.com/8551f4c1?id=123456789", Lang: "en-US"}},

	{name: "teams 2023 html without rules, received copy", html: true, block: teams2023HTML("x_", "x_me-email-text", "x_me-email-container"),
		want: Block{Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_GGG%40thread.v2/0?context=%7b%7d",
			MeetingID: "19:meeting_GGG@thread.v2", MeetingNumber: "244 929 170 838", Passcode: "7ZkQ2u", ConferenceID: "123456789", TollNumbers: []string{"+1 323-555-0166"},
			DialInURL: "https://dialin.teams.microsoft.com/8551f4c1?id=123456789", Lang: "en-US"}},

	{name: "teams 2023 html without rules or classes: the element holding every helper link", html: true, block: teams2023HTML("", "", ""),
		want: Block{Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_GGG%40thread.v2/0?context=%7b%7d",
			MeetingID: "19:meeting_GGG@thread.v2", MeetingNumber: "244 929 170 838", Passcode: "7ZkQ2u", ConferenceID: "123456789", TollNumbers: []string{"+1 323-555-0166"},
			DialInURL: "https://dialin.teams.microsoft.com/8551f4c1?id=123456789", Lang: "en-US"}},

	{name: "zoom without rules: from the first link's line to the last's", block: `https://us02web.zoom.us/j/85212345678?pwd=abcDEF

Meeting ID: 852 1234 5678
Passcode: 123456
One tap mobile
+13126266799,,85212345678# US (Chicago)
Find your local number: https://us02web.zoom.us/u/kdTrD
`, want: Block{Provider: ProviderZoom, JoinURL: "https://us02web.zoom.us/j/85212345678?pwd=abcDEF", MeetingID: "85212345678"}},

	{name: "zoom between box rules", block: `──────────
Anna is inviting you to a scheduled Zoom meeting.
Join Zoom Meeting
https://zoom.us/j/91234567890
──────────
`, want: Block{Provider: ProviderZoom, JoinURL: "https://zoom.us/j/91234567890", MeetingID: "91234567890"}},

	{name: "webex", block: `Join Webex meeting <https://contoso.webex.com/contoso/j.php?MTID=m123>
Meeting number (access code): 745 491 256
Host key: https://contoso.webex.com/contoso/j.php?MTID=m456
`, want: Block{Provider: ProviderWebex, JoinURL: "https://contoso.webex.com/contoso/j.php?MTID=m123"}},

	{name: "google meet", block: `-::~:~::~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~::~:~::-
Join with Google Meet: https://meet.google.com/abc-defg-hij
Or dial: (SE) +46 8 123 456 78 PIN: 997942461#
Please do not edit this section.
-::~:~::~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~::~:~::-
`, want: Block{Provider: ProviderGoogleMeet, JoinURL: "https://meet.google.com/abc-defg-hij", MeetingID: "abc-defg-hij"}},
}

// teams2023HTML is the HTML block Teams has written since 2023: no rule
// lines, "Join the meeting now", Meeting ID, Passcode, dial-in, in a <div
// class="me-email-text"> around a <div class="me-email-container">
// (classes "" leave the attribute empty).
func teams2023HTML(prefix, outer, inner string) string {
	return `<div class="` + outer + `" lang="en-US" style="color:#252424;font-family:'Segoe UI',sans-serif;">` +
		`<div style="max-width: 520px; color: #242424" class="` + inner + `">` +
		`<div style="margin-top: 24px; margin-bottom: 20px;"><span style="font-size: 24px; color: #252424">Microsoft Teams</span> <a id="` + prefix + `help" href="https://aka.ms/JoinTeamsMeeting?omkt=en-US" target="_blank">Need help?</a></div>` +
		`<div style="margin-bottom: 6px"><a href="https://teams.microsoft.com/l/meetup-join/19%3ameeting_GGG%40thread.v2/0?context=%7b%7d" class="` + prefix + `me-email-headline" target="_blank">Join the meeting now</a></div>` +
		`<div style="margin-bottom: 6px"><span style="color: #616161">Meeting ID: </span><span>244 929 170 838</span></div>` +
		`<div style="margin-bottom: 32px"><span style="color: #616161">Passcode: </span><span>7ZkQ2u</span></div>` +
		`<div style="margin-bottom: 24px; max-height: 1px; overflow: hidden; border-top: 1px solid #C4C4C4"></div>` +
		`<div><span style="font-weight: 600">Dial in by phone</span></div>` +
		`<div style="margin-bottom: 6px"><a href="tel:+13235550166,,123456789#">+1 323-555-0166,,123456789#</a><span style="color: #616161"> United States, Los Angeles</span></div>` +
		`<div style="margin-bottom: 6px"><a href="https://dialin.teams.microsoft.com/8551f4c1?id=123456789">Find a local number</a></div>` +
		`<div style="margin-bottom: 32px"><span style="color: #616161">Phone conference ID: </span><span>123 456 789#</span></div>` +
		`<div><span style="color: #616161">For organizers: </span><a href="https://teams.microsoft.com/meetingOptions/?organizerId=2fd8&amp;language=en-US">Meeting options</a>` +
		`<span> | </span><a href="https://dialin.teams.microsoft.com/usp/pstnconferencing">Reset dial-in PIN</a></div>` +
		`</div></div>`
}

func TestFind(t *testing.T) {
	for _, c := range findCases {
		t.Run(c.name, func(t *testing.T) {
			before, after, find := textBefore, textAfter, FindText
			if c.html {
				before, after, find = htmlBefore, htmlAfter, FindHTML
			}
			body := before + c.block + after
			got, ok := find(body)
			if !ok {
				t.Fatalf("no block found in:\n%s", body)
			}
			if got.Start != len(before) || got.End != len(before)+len(c.block) {
				t.Errorf("span [%d,%d) = %q,\nwant [%d,%d)", got.Start, got.End, body[got.Start:got.End], len(before), len(before)+len(c.block))
			}
			if body[:got.Start]+body[got.End:] != before+after {
				t.Errorf("text outside the span changed")
			}
			got.Start, got.End = 0, 0
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("found %+v\nwant  %+v", got, c.want)
			}
		})
	}
}

func TestFindNone(t *testing.T) {
	for name, body := range map[string]string{
		"empty":             "",
		"pasted teams link": "Click here to join the meeting in Teams: https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0\n",
		"live event link":   "Join our Teams live event at https://aka.ms/JoinPSCall\n",
		"pasted link under a sentence naming Teams": "We meet on Microsoft Teams, as always.\nhttps://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0\n",
		"pasted link, help far below": "Join: https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0\n" +
			"The agenda is in the shared folder; bring the figures for the third quarter, please.\nHelp: https://aka.ms/JoinTeamsMeeting\n",
		"live event in rules":   "__________________________________________________\nJoin the live event <https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0?IsBroadcastMeeting=true>\n__________________________________________________\n",
		"rules without a link":  "________________________________________________\nAgenda\n________________________________________________\n",
		"only an opening rule":  "________________________________________________\nClick here <https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0>\n",
		"skype link, no marker": ".........................................\n<https://meet.example.org/room/123>\n.........................................\n",
		"html pasted link":      `<p>Join: <a href="https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0">here</a></p>`,
		"html pasted link, helper link outside its element": `<div><p>Join: <a href="https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0">here</a></p></div>` +
			`<p>Help: <a href="https://aka.ms/JoinTeamsMeeting">help</a></p>`,
		"html live event in a teams div": `<div class="me-email-text"><a href="https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0?IsBroadcastMeeting=true">Join</a></div>`,
	} {
		t.Run(name, func(t *testing.T) {
			if b, ok := FindText(body); ok {
				t.Errorf("FindText found %+v", b)
			}
			if b, ok := FindHTML(body); ok {
				t.Errorf("FindHTML found %+v", b)
			}
		})
	}
}

// Two Skype blocks one after the other: the first is found, and the
// closing rule of one and the opening rule of the next stay apart.
func TestFindFirstOfTwo(t *testing.T) {
	one := RenderText(Spec{Provider: ProviderSkype, JoinURL: "https://meet.lync.com/a/b/ONE"})
	two := RenderText(Spec{Provider: ProviderSkype, JoinURL: "https://meet.lync.com/a/b/TWO"})
	b, ok := FindText(one + two)
	if !ok || b.JoinURL != "https://meet.lync.com/a/b/ONE" || b.Start != 0 || b.End != len(one) {
		t.Fatalf("found %v %q [%d,%d), want ONE [0,%d)", ok, b.JoinURL, b.Start, b.End, len(one))
	}
}

// HTML spans widen to whole elements but never over text outside the
// block.
func TestFindHTMLKeepsNeighbouringText(t *testing.T) {
	block := RenderHTML(Spec{Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/meet/1?p=2"})
	body := "<div><p>Agenda: 漢字</p>" + block + "<p>Notes</p></div>"
	b, ok := FindHTML(body)
	if !ok || body[b.Start:b.End] != block {
		t.Fatalf("found %v span %q", ok, body[b.Start:b.End])
	}
	nested := "<div>Agenda " + block + " notes</div>"
	if b, ok := FindHTML(nested); !ok || nested[b.Start:b.End] != block {
		t.Fatalf("nested: found %v span %q", ok, nested[b.Start:b.End])
	}
}

func TestUnwrapSafeLink(t *testing.T) {
	for in, want := range map[string]string{
		"https://nam06.safelinks.protection.outlook.com/?url=https%3A%2F%2Faka.ms%2FJoinTeamsMeeting&data=05%7C01&reserved=0": "https://aka.ms/JoinTeamsMeeting",
		"https://teams.microsoft.com/l/meetup-join/x":                                            "https://teams.microsoft.com/l/meetup-join/x",
		"https://gcc02.safelinks.protection.office365.us/?url=https%3A%2F%2Fzoom.us%2Fj%2F1&x=1": "https://zoom.us/j/1",
		"https://evil.example/?url=https%3A%2F%2Fzoom.us%2Fj%2F1":                                "https://evil.example/?url=https%3A%2F%2Fzoom.us%2Fj%2F1",
	} {
		if got := UnwrapSafeLink(in); got != want {
			t.Errorf("UnwrapSafeLink(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLangOfLCID(t *testing.T) {
	for in, want := range map[string]string{"1033": "en-US", "1053": "sv-SE", "041d": "sv-SE", "041D": "sv-SE", "0x0409": "en-US", "3082": "es-ES", "9999": "", "zz": ""} {
		if got := LangOfLCID(in); got != want {
			t.Errorf("LangOfLCID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRulesJoinOnlyWrappedDots(t *testing.T) {
	text := strings.Repeat(".", 71) + "\n\n" + strings.Repeat(".", 66) + "\nx\n" + strings.Repeat("_", 80) + "\n" + strings.Repeat("_", 80) + "\n"
	rules := findRules(text)
	if len(rules) != 3 || rules[0].length != 137 || rules[1].length != 80 {
		t.Fatalf("rules %+v", rules)
	}
}

// A toll-free number is known by its label in the languages Teams writes
// (found by an audit: Russian, Polish, Korean, Arabic, Hebrew and
// Japanese ones were read as toll numbers, and a bridge change dropped
// them).
func TestTollFreeLabels(t *testing.T) {
	for _, label := range []string{"(Toll-free)", "(бесплатный)", "Бесплатный номер:", "(bezpłatny)", "Numer bezpłatny:", "(수신자 부담)", "(مجاني)", "(ללא תשלום)", "(通話料無料)", "(免費)", "(ücretsiz)", "(zdarma, bezplatné)"} {
		if !isTollFree("+1 833-827-1234,,580849884#   " + label) {
			t.Errorf("%s not read as toll-free", label)
		}
	}
	for _, label := range []string{"(Toll)", "(платный)", "(płatny)", "(유료)", "(通話料有料)", "United States, Los Angeles"} {
		if isTollFree("+1 323-849-4874,,580849884#   " + label) {
			t.Errorf("%s read as toll-free", label)
		}
	}
}

// Other services' invitations are known by their join links' hosts
// (found by an audit: GoTo, BlueJeans, Chime and RingCentral ones were
// reported as no-meeting-block, their provider unnamed).
func TestFindOtherServices(t *testing.T) {
	for _, c := range []struct {
		body string
		want Provider
		join string
	}{
		{"Please join my meeting from your computer, tablet or smartphone.\nhttps://meet.goto.com/123456789\n\nAccess Code: 123-456-789\n", ProviderGoTo, "https://meet.goto.com/123456789"},
		{"Join: https://global.gotomeeting.com/join/123456789\n", ProviderGoTo, "https://global.gotomeeting.com/join/123456789"},
		{"To join the Meeting:\nhttps://bluejeans.com/123456789/4321\n", ProviderBlueJeans, "https://bluejeans.com/123456789/4321"},
		{"Click to join the meeting: https://chime.aws/1234567890\nMeeting ID: 1234 56 7890\n", ProviderChime, "https://chime.aws/1234567890"},
		{"Join the meeting: https://v.ringcentral.com/join/123456789\n", ProviderRingCentral, "https://v.ringcentral.com/join/123456789"},
		{"Room: https://meet.jit.si/WeeklySync\n", ProviderJitsi, "https://meet.jit.si/WeeklySync"},
	} {
		got, ok := FindText("Agenda\n\n" + c.body + "\nThanks\n")
		if !ok || got.Provider != c.want || got.JoinURL != c.join {
			t.Errorf("%q: found=%v %q %q, want %q %q", c.body, ok, got.Provider, got.JoinURL, c.want, c.join)
		}
	}
	for _, body := range []string{"See https://bluejeans.com/ for more\n", "https://www.gotomeeting.com\n"} {
		if got, ok := FindText(body); ok {
			t.Errorf("%q: found %+v, want none", body, got)
		}
	}
}

// A Zoom invitation boxed in rules above the meeting's Teams block does
// not hide it (found by an audit: the meeting was skipped as
// other-provider); alone, it is found.
func TestFindTeamsBelowZoomBox(t *testing.T) {
	zoom := "──────────\nAnna is inviting you to a scheduled Zoom meeting.\nJoin Zoom Meeting\nhttps://zoom.us/j/91234567890\n──────────\n\n"
	teams := "________________________________________________________________________________\nMicrosoft Teams meeting\n" +
		"Join on your computer, mobile app or room device\nClick here to join the meeting <https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0>\n" +
		"Meeting ID: 212 345 678 901\nPasscode: aB3xYz\n________________________________________________________________________________\n"
	b, ok := FindText("Agenda\n\n" + zoom + teams)
	if !ok || b.Provider != ProviderTeams || b.Start != len("Agenda\n\n"+zoom) {
		t.Errorf("found %v %+v, want the Teams block", ok, b)
	}
	if b, ok := FindText("Agenda\n\n" + zoom); !ok || b.Provider != ProviderZoom {
		t.Errorf("Zoom alone: found %v %+v", ok, b)
	}
}
