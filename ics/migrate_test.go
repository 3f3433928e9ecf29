package ics

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/ics/block"
)

var (
	testNow   = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	testStamp = time.Date(2026, 1, 15, 9, 30, 0, 0, time.UTC)
	testRules = Rules{Organizer: []string{"anna@contoso.com", "a.berg@contoso.com"}, Now: testNow, Stamp: testStamp}
)

const oldJoin = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_OLD%40thread.v2/0?context=%7b%22Tid%22%3a%22t%22%7d"

// teamsBody is the plain-text body Outlook writes for a Teams meeting, with
// Swedish and Vietnamese text around the block.
func teamsBody(join string) string {
	return "Hej allihop – agenda följer 漢字 🙂\n\n" +
		"________________________________________________________________________________\n" +
		"Microsoft Teams meeting\n\nJoin on your computer or mobile app\n\n" +
		"Click here to join the meeting <" + join + ">\n\n" +
		"Or call in (audio only)\n\n+46 8 505 248 89,,580849884#   Sweden, Stockholm\n\n" +
		"Phone Conference ID: 580 849 884#\n\n" +
		"Find a local number <https://dialin.teams.microsoft.com/abc?id=580849884> | Reset PIN <https://mysettings.lync.com/pstnconferencing>\n\n" +
		"Learn More <https://aka.ms/JoinTeamsMeeting> | Meeting options <https://teams.microsoft.com/meetingOptions/>\n\n" +
		"________________________________________________________________________________\n\nCuộc họp kết thúc lúc 10 giờ."
}

// teams2025Body is the 2025 block: a short meet/ link to join, the
// meetup-join link only as its "System reference".
const teams2025Body = "Hello\n\n________________________________________________________________________________\n" +
	"Microsoft Teams meeting\nJoin: https://teams.microsoft.com/meet/24492917083867?p=7ZkQ2u4XyZaB1cDe\n" +
	"Meeting ID: 244 929 170 838 67\nPasscode: 7ZkQ2u\n________________________________\n" +
	"Need help?<https://aka.ms/JoinTeamsMeeting?omkt=en-US> | System reference<" + oldJoin + ">\n" +
	"________________________________________________________________________________\n"

type event struct {
	uid, start, organizer, extra, body string
	attendees                          int
	recurrenceID                       string
}

func (e event) String() string {
	var b strings.Builder
	b.WriteString("BEGIN:VEVENT\r\n")
	for i := 0; i < e.attendees; i++ {
		fmt.Fprintf(&b, "ATTENDEE;CN=\"Person %d\";PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:p%d@fabrikam.com\r\n", i, i)
	}
	if e.body != "" {
		b.WriteString(fold("DESCRIPTION:" + escape(e.body)))
	}
	fmt.Fprintf(&b, "DTSTART;TZID=\"W. Europe Standard Time\":%s\r\nDTSTAMP:20250101T000000Z\r\n", e.start)
	if e.recurrenceID != "" {
		fmt.Fprintf(&b, "RECURRENCE-ID;TZID=\"W. Europe Standard Time\":%s\r\n", e.recurrenceID)
	}
	b.WriteString("LOCATION:Microsoft Teams Meeting\r\n")
	fmt.Fprintf(&b, "ORGANIZER;CN=Anna:mailto:%s\r\nSUMMARY;LANGUAGE=sv-se:Veckomöte\r\nUID:%s\r\n%sEND:VEVENT\r\n", e.organizer, e.uid, e.extra)
	return b.String()
}

const wEurope = "BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\nBEGIN:STANDARD\r\nDTSTART:16011028T030000\r\n" +
	"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n" +
	"BEGIN:DAYLIGHT\r\nDTSTART:16010325T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nTZOFFSETFROM:+0100\r\n" +
	"TZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"

func calendar(events ...event) string {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\nVERSION:2.0\r\n" + wEurope)
	for _, e := range events {
		b.WriteString(e.String())
	}
	b.WriteString("END:VCALENDAR\r\n")
	return b.String()
}

var newTeams = Change{JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/new", ConferenceID: "111 222 333"}

func migrateOne(t *testing.T, src string, r Rules, ch Change) (*Calendar, Result) {
	t.Helper()
	cal, err := Parse("test.ics", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	ms := cal.Meetings()
	if len(ms) != 1 {
		t.Fatalf("%d meetings, want 1", len(ms))
	}
	return cal, cal.Migrate(ms[0], r, ch)
}

func future(e event) event {
	if e.start == "" {
		e.start = "20260120T100000"
	}
	if e.organizer == "" {
		e.organizer = "anna@contoso.com"
	}
	if e.uid == "" {
		e.uid = "uid-1"
	}
	if e.attendees == 0 {
		e.attendees = 3
	}
	return e
}

func TestSkipReasons(t *testing.T) {
	cases := []struct {
		name string
		ev   event
		ch   Change
		want Reason
	}{
		{"someone else organises", event{organizer: "boss@contoso.com", body: teamsBody(oldJoin)}, newTeams, NotOrganizer},
		{"an alias organises", event{organizer: "A.Berg@CONTOSO.com", body: teamsBody(oldJoin)}, newTeams, ""},
		{"not organiser beats past", event{organizer: "boss@contoso.com", start: "20200101T100000"}, newTeams, NotOrganizer},
		{"past", event{start: "20250101T100000", body: teamsBody(oldJoin)}, newTeams, Past},
		{"250 people", event{attendees: 249, body: teamsBody(oldJoin)}, newTeams, ""},
		{"251 people", event{attendees: 250, body: teamsBody(oldJoin)}, newTeams, TooManyAttendees},
		{"250 people, the organiser's alias attending", event{attendees: 249, body: teamsBody(oldJoin), extra: "ATTENDEE;PARTSTAT=ACCEPTED:mailto:A.Berg@contoso.com\r\n"}, newTeams, ""},
		{"250 people, the alias organising, the address attending", event{organizer: "a.berg@contoso.com", attendees: 249, body: teamsBody(oldJoin), extra: "ATTENDEE:mailto:anna@contoso.com\r\n"}, newTeams, ""},
		{"250 people, a room and a resource beside them", event{attendees: 249, body: teamsBody(oldJoin),
			extra: "ATTENDEE;CUTYPE=ROOM:mailto:room.1@contoso.com\r\nATTENDEE;CUTYPE=resource:mailto:projector@contoso.com\r\n"}, newTeams, ""},
		{"251 people, a room beside them", event{attendees: 250, body: teamsBody(oldJoin), extra: "ATTENDEE;CUTYPE=ROOM:mailto:room.1@contoso.com\r\n"}, newTeams, TooManyAttendees},
		{"251 people, an alias among them", event{attendees: 250, body: teamsBody(oldJoin), extra: "ATTENDEE:mailto:a.berg@contoso.com\r\n"}, newTeams, TooManyAttendees},
		{"no body", event{}, newTeams, NoMeetingBlock},
		{"pasted link only", event{body: "Join here: " + oldJoin}, newTeams, NoMeetingBlock},
		{"zoom", event{body: "Join Zoom Meeting\nhttps://us02web.zoom.us/j/85512345678?pwd=abc\n\nMeeting ID: 855 1234 5678\nPasscode: 123456\n"}, newTeams, OtherProvider},
		{"pasted block", event{body: teamsBody(oldJoin), extra: "X-MICROSOFT-SKYPETEAMSMEETINGURL:https://teams.microsoft.com/l/meetup-join/19%3ameeting_OTHER%40thread.v2/0\r\n"}, newTeams, PastedBlock},
		{"own block with properties", event{body: teamsBody(oldJoin), extra: "X-MICROSOFT-SKYPETEAMSMEETINGURL:" + oldJoin + "\r\n"}, newTeams, ""},
		{"already current", event{body: teamsBody(oldJoin)}, Change{}, AlreadyCurrent},
		{"own block, property without context", event{body: teamsBody(oldJoin), extra: "X-MICROSOFT-SKYPETEAMSMEETINGURL:https://teams.microsoft.com/l/meetup-join/19%3ameeting_OLD%40thread.v2/0\r\n"}, newTeams, ""},
		{"2025 block, property names its system reference", event{body: teams2025Body, extra: "X-MICROSOFT-SKYPETEAMSMEETINGURL:" + oldJoin + "\r\n"}, newTeams, ""},
		{"2025 block, property names another meeting", event{body: teams2025Body, extra: "X-MICROSOFT-SKYPETEAMSMEETINGURL:https://teams.microsoft.com/l/meetup-join/19%3ameeting_OTHER%40thread.v2/0\r\n"}, newTeams, PastedBlock},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, res := migrateOne(t, calendar(future(tc.ev)), testRules, tc.ch)
			if res.Err != nil {
				t.Fatalf("Err = %v", res.Err)
			}
			if res.Skipped != tc.want {
				t.Fatalf("Skipped = %q, want %q", res.Skipped, tc.want)
			}
		})
	}
}

// A start a few minutes either side of now, in a Windows zone, on the day
// daylight saving time ends (W. Europe: UTC+2 until 01:00 UTC, then UTC+1).
// A local time of the hour that happens twice (02:00 to 03:00) is its
// first occurrence, in summer time (RFC 5545, section 3.3.5).
func TestPastBoundaryAcrossDST(t *testing.T) {
	cases := []struct {
		now   time.Time
		start string
		want  Reason
	}{
		{time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), "20261025T022500", Past}, // 00:25 UTC
		{time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), "20261025T023000", ""},   // 00:30 UTC: at now counts as future
		{time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), "20261025T023500", ""},
		{time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), "20261025T015500", Past}, // 23:55 UTC the day before
		{time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), "20261025T023000", Past}, // not 01:30 UTC, the second 02:30
		{time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), "20261025T030000", ""},   // 02:00 UTC
	}
	for _, tc := range cases {
		r := testRules
		r.Now = tc.now
		_, res := migrateOne(t, calendar(future(event{start: tc.start, body: teamsBody(oldJoin)})), r, newTeams)
		if res.Err != nil || res.Skipped != tc.want {
			t.Errorf("now %s, start %s: Skipped=%q Err=%v, want %q", tc.now.Format(time.RFC3339), tc.start, res.Skipped, res.Err, tc.want)
		}
	}
}

// A weekly series at 02:30 in a zone whose clocks go back at 03:00: the
// occurrence on that day is the first 02:30 too, as its DTSTART would be,
// and an EXDATE written for it removes it.
func TestSeriesInTheRepeatedHour(t *testing.T) {
	r := testRules
	r.Now = time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC) // after the first 02:30 (00:30 UTC), before the second
	series := future(event{start: "20261018T023000", body: teamsBody(oldJoin), extra: "RRULE:FREQ=WEEKLY;COUNT=2\r\n"})
	if _, res := migrateOne(t, calendar(series), r, newTeams); res.Skipped != Past {
		t.Errorf("series ending on the repeated 02:30: Skipped=%q Err=%v, want past", res.Skipped, res.Err)
	}
	r.Now = time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC)
	series.extra += "EXDATE;TZID=\"W. Europe Standard Time\":20261025T023000\r\n"
	if _, res := migrateOne(t, calendar(series), r, newTeams); res.Skipped != Past {
		t.Errorf("its last occurrence excluded: Skipped=%q Err=%v, want past", res.Skipped, res.Err)
	}
}

func TestRewriteChangesOnlyWhatItMust(t *testing.T) {
	src := calendar(future(event{body: teamsBody(oldJoin), extra: "SEQUENCE:3\r\nLAST-MODIFIED:20250101T000000Z\r\nX-MICROSOFT-SKYPETEAMSMEETINGURL:" + oldJoin + "\r\nX-MICROSOFT-CDO-APPT-SEQUENCE:3\r\n"}))
	cal, res := migrateOne(t, src, testRules, newTeams)
	if !res.Rewritten() {
		t.Fatalf("not rewritten: %+v", res)
	}
	out := string(cal.Bytes())
	wantJoin := "https://teams.microsoft.com/l/meetup-join/19%3ameeting_OLD%40thread.v2/new"
	if res.NewJoinURL != wantJoin {
		t.Errorf("NewJoinURL = %q, want %q", res.NewJoinURL, wantJoin)
	}
	if got := propText(t, out, "X-MICROSOFT-SKYPETEAMSMEETINGURL"); got != wantJoin {
		t.Errorf("X-MICROSOFT-SKYPETEAMSMEETINGURL = %q", got)
	}
	for _, want := range []string{"\nSEQUENCE:4\r\n", "DTSTAMP:20260115T093000Z\r\n", "LAST-MODIFIED:20260115T093000Z\r\n", "X-MICROSOFT-CDO-APPT-SEQUENCE:4\r\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	changed := map[string]bool{"DESCRIPTION": true, "SEQUENCE": true, "DTSTAMP": true, "LAST-MODIFIED": true, "X-MICROSOFT-SKYPETEAMSMEETINGURL": true, "X-MICROSOFT-CDO-APPT-SEQUENCE": true}
	assertOnlyChanged(t, src, out, changed)
	desc := propText(t, out, "DESCRIPTION")
	if !strings.HasPrefix(desc, "Hej allihop – agenda följer 漢字 🙂\n\n") || !strings.HasSuffix(desc, "\n\nCuộc họp kết thúc lúc 10 giờ.") {
		t.Errorf("text around the block changed: %q", desc)
	}
	if strings.Contains(desc, "meeting_OLD%40thread.v2/0?context") || !strings.Contains(desc, wantJoin) {
		t.Errorf("block not replaced: %q", desc)
	}
	b, ok := block.FindText(desc)
	if !ok || b.ConferenceID != "111222333" || b.DialInURL != "https://dialin.teams.microsoft.com/abc?id=111222333" {
		t.Errorf("new block = %+v, %v", b, ok)
	}
}

func TestSecondRunIsAlreadyCurrent(t *testing.T) {
	cal, res := migrateOne(t, calendar(future(event{body: teamsBody(oldJoin)})), testRules, newTeams)
	if !res.Rewritten() {
		t.Fatalf("first run: %+v", res)
	}
	_, again := migrateOne(t, string(cal.Bytes()), testRules, newTeams)
	if again.Skipped != AlreadyCurrent {
		t.Fatalf("second run: Skipped=%q Err=%v", again.Skipped, again.Err)
	}
}

func TestSequenceAddedWhereMissing(t *testing.T) {
	cal, res := migrateOne(t, calendar(future(event{body: teamsBody(oldJoin)})), testRules, newTeams)
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	if !strings.Contains(string(cal.Bytes()), "SEQUENCE:1\r\nEND:VEVENT") {
		t.Fatal("SEQUENCE:1 not added")
	}
}

// A series: the master and the future instance change; the past instance
// keeps every byte.
func TestSeriesLeavesPastInstancesAlone(t *testing.T) {
	master := future(event{start: "20260105T100000", body: teamsBody(oldJoin), extra: "RRULE:FREQ=WEEKLY;COUNT=6\r\nSEQUENCE:0\r\n"})
	past := future(event{start: "20260112T110000", recurrenceID: "20260112T100000", body: teamsBody(oldJoin), extra: "SEQUENCE:0\r\n"})
	next := future(event{start: "20260126T110000", recurrenceID: "20260126T100000", body: teamsBody(oldJoin), extra: "SEQUENCE:0\r\n"})
	src := calendar(master, past, next)
	cal, res := migrateOne(t, src, testRules, newTeams)
	if !res.Rewritten() || len(res.Changed) != 2 {
		t.Fatalf("rewritten=%v changed=%d err=%v", res.Rewritten(), len(res.Changed), res.Err)
	}
	if !strings.Contains(string(cal.Bytes()), past.String()) {
		t.Fatal("the past instance changed")
	}
	req := string(cal.Request(res.Changed))
	for _, want := range []string{"METHOD:REQUEST\r\n", "BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time", "RECURRENCE-ID;TZID=\"W. Europe Standard Time\":20260126T100000", "PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:p0@fabrikam.com"} {
		if !strings.Contains(req, want) {
			t.Errorf("request lacks %q", want)
		}
	}
	if strings.Contains(req, "RECURRENCE-ID;TZID=\"W. Europe Standard Time\":20260112T100000") {
		t.Error("request carries the past instance")
	}
	if n := strings.Count(req, "BEGIN:VEVENT"); n != 2 {
		t.Errorf("request has %d VEVENTs, want 2", n)
	}
}

// TestSeriesCarriesItsMovedInstances: a future instance without a block
// of its own (Outlook exports a moved occurrence without its body) goes
// with the series' update, its SEQUENCE and DTSTAMP set and its lines
// otherwise as they were: left out, attendees' clients would set it back
// to the series' time (found by an audit). A past one stays as it was.
func TestSeriesCarriesItsMovedInstances(t *testing.T) {
	master := future(event{start: "20260105T100000", body: teamsBody(oldJoin), extra: "RRULE:FREQ=WEEKLY;COUNT=6\r\nSEQUENCE:2\r\n"})
	past := future(event{start: "20260112T110000", recurrenceID: "20260112T100000", extra: "SEQUENCE:2\r\n"})
	moved := future(event{start: "20260126T120000", recurrenceID: "20260126T100000", extra: "SEQUENCE:2\r\n"})
	src := calendar(master, past, moved)
	cal, res := migrateOne(t, src, testRules, newTeams)
	if !res.Rewritten() || len(res.Changed) != 2 {
		t.Fatalf("rewritten=%v changed=%d err=%v", res.Rewritten(), len(res.Changed), res.Err)
	}
	out := string(cal.Bytes())
	if !strings.Contains(out, past.String()) {
		t.Fatal("the past instance changed")
	}
	want := strings.Replace(strings.Replace(moved.String(), "SEQUENCE:2", "SEQUENCE:3", 1), "DTSTAMP:20250101T000000Z", "DTSTAMP:"+testRules.Stamp.UTC().Format("20060102T150405Z"), 1)
	if !strings.Contains(out, want) {
		t.Fatalf("the moved instance is not as it was with its SEQUENCE and DTSTAMP set:\n%s", out)
	}
	req := string(cal.Request(res.Changed))
	if !strings.Contains(req, "RECURRENCE-ID;TZID=\"W. Europe Standard Time\":20260126T100000") || strings.Count(req, "BEGIN:VEVENT") != 2 ||
		strings.Contains(req, "20260112T100000") {
		t.Errorf("the request does not carry the series and its future moved instance alone:\n%s", req)
	}
}

func TestSkypeToTeamsRenamesLocation(t *testing.T) {
	skype := "\n..............................................................................................................................................\n" +
		"--> Join Skype Meeting <https://meet.lync.com/contoso/anna/AB12CD34>\n\nJoin by phone\n\n+46 8 123 456 (Sweden)\n\n" +
		"Find a local number <https://dialin.lync.com/abc?id=123456>\n\nConference ID: 123456\n\n[!OC([1033])!]\n" +
		"..............................................................................................................................................\n"
	ev := future(event{body: "Agenda" + skype})
	locations := `X-MICROSOFT-LOCATIONS:[ { "DisplayName" : "Skype Meeting"\, "LocationAnnotation" : ""\, "LocationUri" : "" }\, { "DisplayName" : "Room 4; Skype Meeting" } ]`
	src := strings.Replace(calendar(ev), "LOCATION:Microsoft Teams Meeting\r\n", "LOCATION:Skype Meeting\r\n"+fold(locations), 1)
	cal, res := migrateOne(t, src, testRules, Change{Provider: block.ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}"})
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	out := string(cal.Bytes())
	if !strings.Contains(out, "LOCATION:Microsoft Teams Meeting\r\n") {
		t.Error("LOCATION not renamed")
	}
	// Outlook's list of locations names the meeting's location too: renamed
	// with it, every other byte as written.
	if want := `X-MICROSOFT-LOCATIONS:[ { "DisplayName" : "Microsoft Teams Meeting"\, "LocationAnnotation" : ""\, "LocationUri" : "" }\, { "DisplayName" : "Room 4; Skype Meeting" } ]`; !strings.Contains(unfold(out), want) {
		t.Errorf("X-MICROSOFT-LOCATIONS not renamed:\n%s", out)
	}
	if res.NewJoinURL != "https://teams.microsoft.com/l/meetup-join/AB12CD34" {
		t.Errorf("NewJoinURL = %q", res.NewJoinURL)
	}
	// The number keeps its region, as Teams writes one: "   Sweden".
	if u := unfold(out); !strings.Contains(u, "123456#>   Sweden\\n") || strings.Contains(u, "(Toll)") {
		t.Errorf("the number's region is not its label in the Teams block:\n%s", u)
	}
	// Skype's "find a local number" page does not know the Teams meeting:
	// the block shows the change's, or none.
	if strings.Contains(out, "dialin.lync.com") {
		t.Errorf("the Teams block links Skype's dial-in page:\n%s", out)
	}
	withPage := Change{Provider: block.ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}", DialInURL: "https://dialin.teams.microsoft.com/contoso?id=123456"}
	if cal, _ := migrateOne(t, src, testRules, withPage); !strings.Contains(unfold(string(cal.Bytes())), "https://dialin.teams.microsoft.com/contoso?id=123456") {
		t.Error("the change's dial-in page is not in the block")
	}
	// A Skype link whose user is not the organiser is a pasted block.
	other := strings.Replace(src, "contoso/anna/", "contoso/bertil/", -1)
	if _, res := migrateOne(t, other, testRules, Change{Provider: block.ProviderTeams, JoinURL: "https://x/{meeting}"}); res.Skipped != PastedBlock ||
		!strings.Contains(res.Evidence, "bertil is not the organiser") || !strings.Contains(res.Evidence, "SIP address, give that in the users file's aliases") {
		t.Errorf("Skipped = %q (%s), want pasted-block saying how to claim the link", res.Skipped, res.Evidence)
	}
}

// With no target a meeting keeps its kind (SPEC, target): a change whose
// join link is another service's fails the meeting, saying how to move
// it; target, or the meeting's own row, moves it.
func TestNoTargetKeepsTheKind(t *testing.T) {
	skype := "\n..............................................................................................................................................\n" +
		"--> Join Skype Meeting <https://meet.lync.com/contoso/anna/AB12CD34>\n\nConference ID: 123456\n\n[!OC([1033])!]\n" +
		"..............................................................................................................................................\n"
	src := calendar(future(event{body: "Agenda" + skype}))
	teams := "https://teams.microsoft.com/l/meetup-join/{meeting}"
	cal, res := migrateOne(t, src, testRules, Change{JoinURL: teams, ConferenceID: "987654"})
	if !errors.Is(res.Err, ErrOtherServiceLink) || !strings.Contains(res.Err.Error(), "target") {
		t.Errorf("no target, a Teams link for a Skype meeting: Err = %v, want ErrOtherServiceLink", res.Err)
	}
	if string(cal.Bytes()) != src {
		t.Error("the failed meeting was changed")
	}
	if _, res := migrateOne(t, src, testRules, Change{JoinURL: "https://meet.lync.com/contoso/anna/{meeting}", ConferenceID: "987654"}); !res.Rewritten() || res.Provider != block.ProviderSkype {
		t.Errorf("no target, a Skype link: %+v", res)
	}
	if _, res := migrateOne(t, src, testRules, Change{Provider: block.ProviderTeams, JoinURL: teams}); !res.Rewritten() ||
		res.NewJoinURL != "https://teams.microsoft.com/l/meetup-join/AB12CD34" {
		t.Errorf("target teams: %+v", res)
	}
	row := Change{ConferenceID: "987654", Meetings: map[string]MeetingChange{"uid-1": {JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NEW%40thread.v2/0"}}}
	if _, res := migrateOne(t, src, testRules, row); !res.Rewritten() || !strings.Contains(res.NewJoinURL, "meeting_NEW") {
		t.Errorf("no target, the meeting's own row with a Teams link: %+v", res)
	}
}

func TestSameInputsSameBytes(t *testing.T) {
	src := calendar(future(event{body: teamsBody(oldJoin)}))
	a, _ := migrateOne(t, src, testRules, newTeams)
	b, _ := migrateOne(t, src, testRules, newTeams)
	if string(a.Bytes()) != string(b.Bytes()) {
		t.Fatal("two runs gave different bytes")
	}
}

// assertOnlyChanged checks that every content line of out that is not a
// property named in changed appears, byte for byte, in src in the same order.
func assertOnlyChanged(t *testing.T, src, out string, changed map[string]bool) {
	t.Helper()
	a, _ := Parse("src", []byte(src))
	b, _ := Parse("out", []byte(out))
	var keepA, keepB []string
	for _, c := range []struct {
		cal  *Calendar
		keep *[]string
	}{{a, &keepA}, {b, &keepB}} {
		for _, l := range c.cal.lines {
			raw := c.cal.data[l.start:l.end]
			name := strings.ToUpper(raw[:max(0, strings.IndexAny(raw, ";:"))])
			if !changed[name] {
				*c.keep = append(*c.keep, raw)
			}
		}
	}
	if strings.Join(keepA, "") != strings.Join(keepB, "") {
		t.Fatalf("lines outside the change differ:\n%s\n---\n%s", strings.Join(keepA, ""), strings.Join(keepB, ""))
	}
}

func propText(t *testing.T, cal, name string) string {
	t.Helper()
	c, err := Parse("x", []byte(cal))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := c.Components("VEVENT")[0].Prop(name)
	if !ok {
		t.Fatalf("no %s", name)
	}
	return p.Text()
}

// Exchange writes TZID without quotes; as the last parameter of its line it
// still names the zone (09:30 in Stockholm is 08:30 UTC, before now), and
// the request carries that zone.
func TestUnquotedTZIDIsRead(t *testing.T) {
	src := strings.Replace(calendar(future(event{start: "20260115T093000", body: teamsBody(oldJoin)})),
		`DTSTART;TZID="W. Europe Standard Time"`, `DTSTART;TZID=W. Europe Standard Time`, 1)
	_, res := migrateOne(t, src, testRules, newTeams)
	if res.Skipped != Past || !res.Start.Equal(time.Date(2026, 1, 15, 8, 30, 0, 0, time.UTC)) {
		t.Fatalf("Skipped=%q Start=%v Err=%v, want past at 08:30 UTC", res.Skipped, res.Start, res.Err)
	}
	src = strings.Replace(src, "20260115T093000", "20260115T110000", 1)
	cal, res := migrateOne(t, src, testRules, newTeams)
	if !res.Rewritten() {
		t.Fatalf("Skipped=%q Err=%v, want rewritten", res.Skipped, res.Err)
	}
	if req := string(cal.Request(res.Changed)); !strings.Contains(req, "BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\n") {
		t.Fatalf("request without the event's time zone:\n%s", req)
	}
}

// A Skype block whose conference key is not the one the meeting's
// conference link names was pasted from another meeting; the same key in
// another case, or a Teams conference link, is no such evidence.
func TestConferenceLinkNamesAnotherMeeting(t *testing.T) {
	skype := "\n.........................................................................................................................................\n" +
		"--> Join Skype Meeting <https://meet.lync.com/contoso/anna/AB12CD34>\n\nConference ID: 123456\n\n[!OC([1033])!]\n" +
		".........................................................................................................................................\n"
	conf := func(id string) string {
		return "X-MICROSOFT-ONLINEMEETINGCONFLINK:conf:sip:anna@contoso.com\\;gruu\\;opaque=app:conf:focus:id:" + id + "\r\n"
	}
	for _, c := range []struct {
		id   string
		want Reason
	}{{"OTHERKEY", PastedBlock}, {"ab12cd34", ""}, {"teams:2:0!19:meeting_X-thread.v2!1!2", ""},
		// Exchange writes the conversation after the key.
		{"AB12CD34?conversation-id=E2KM0wvqb7", ""}, {"OTHERKEY?conversation-id=E2KM0wvqb7", PastedBlock}} {
		src := calendar(future(event{body: "Agenda" + skype, extra: conf(c.id)}))
		_, res := migrateOne(t, src, testRules, Change{ConferenceID: "987654"})
		if res.Skipped != c.want || res.Err != nil {
			t.Errorf("conference %s: Skipped=%q Err=%v, want %q", c.id, res.Skipped, res.Err, c.want)
		}
		if c.want == PastedBlock && !strings.Contains(res.Evidence, "OTHERKEY") {
			t.Errorf("evidence %q does not name the conference", res.Evidence)
		}
	}
	// A link written with a slash after its key names the same conference.
	slashed := strings.Replace(skype, "anna/AB12CD34>", "anna/AB12CD34/>", 1)
	if _, res := migrateOne(t, calendar(future(event{body: "Agenda" + slashed, extra: conf("AB12CD34")})), testRules, Change{ConferenceID: "987654"}); res.Skipped != "" || res.Err != nil {
		t.Errorf("a link ending in a slash: Skipped=%q Err=%v", res.Skipped, res.Err)
	}
	// Given a new conference, the meeting loses the link to its old one,
	// and the next run finds it current, not pasted.
	src := calendar(future(event{body: "Agenda" + skype, extra: conf("AB12CD34")}))
	for _, link := range []string{"https://meet.lync.com/contoso/anna/NEWKEY1", "https://lync.contoso.com/anna/NEWKEY2"} {
		newKey := Change{JoinURL: link}
		cal, res := migrateOne(t, src, testRules, newKey)
		if !res.Rewritten() || strings.Contains(string(cal.Bytes()), "ONLINEMEETINGCONFLINK") {
			t.Fatalf("a new conference at %s: %+v, the old conference link kept: %v", link, res, strings.Contains(string(cal.Bytes()), "ONLINEMEETINGCONFLINK"))
		}
		if _, again := migrateOne(t, string(cal.Bytes()), testRules, newKey); again.Skipped != AlreadyCurrent {
			t.Errorf("%s, the run again: Skipped=%q Err=%v, want already-current", link, again.Skipped, again.Err)
		}
	}
}

// The 250 people a meeting may have are those its update goes to: one
// invited only to a past instance, which the update leaves out, is not
// counted; one invited to an instance to come is (found by an audit: a
// past instance's 60 guests made a series of 201 too large).
func TestPeopleOfInstancesPastAreNotCounted(t *testing.T) {
	series := future(event{attendees: 200, body: teamsBody(oldJoin), start: "20250105T100000", extra: "RRULE:FREQ=WEEKLY;COUNT=100\r\n"})
	guests := ""
	for i := range 60 {
		guests += fmt.Sprintf("ATTENDEE:mailto:guest%d@fabrikam.com\r\n", i)
	}
	for _, c := range []struct {
		when string
		want Reason
	}{{"20250112T100000", ""}, {"20260412T100000", TooManyAttendees}} {
		inst := future(event{attendees: 200, body: teamsBody(oldJoin), recurrenceID: c.when, start: c.when, extra: guests})
		_, res := migrateOne(t, calendar(series, inst), testRules, newTeams)
		if res.Skipped != c.want || res.Err != nil {
			t.Errorf("guests on the instance of %s: Skipped=%q (%s) Err=%v, want %q", c.when, res.Skipped, res.Evidence, res.Err, c.want)
		}
	}
}

// A Teams block whose meeting is not the one the conference link names
// (Exchange's "teams:2:0!19:meeting_...-thread.v2!tenant!organiser") was
// pasted from another meeting, as one the join-link properties name is
// (found by an audit: a Teams conference link was never compared). A
// block whose thread cannot be read (a 2025 short link alone) is taken.
func TestTeamsConferenceLinkNamesAnotherMeeting(t *testing.T) {
	conf := func(thread string) string {
		return "X-MICROSOFT-ONLINEMEETINGCONFLINK:conf:sip:anna@contoso.com\\;gruu\\;opaque=app:conf:focus:id:teams:2:0!19:" + thread + "-thread.v2!56474ffc!dcf23acb\r\n"
	}
	for _, c := range []struct {
		name, body, thread string
		want               Reason
	}{
		{"another meeting", teamsBody(oldJoin), "meeting_OTHER", PastedBlock},
		{"the same meeting", teamsBody(oldJoin), "meeting_OLD", ""},
		{"a 2025 block naming another", teams2025Body, "meeting_OTHER", PastedBlock},
		{"a 2025 block naming its own", teams2025Body, "meeting_OLD", ""},
	} {
		_, res := migrateOne(t, calendar(future(event{body: c.body, extra: conf(c.thread)})), testRules, newTeams)
		if res.Skipped != c.want || res.Err != nil {
			t.Errorf("%s: Skipped=%q Err=%v, want %q", c.name, res.Skipped, res.Err, c.want)
		}
		if c.want == PastedBlock && !strings.Contains(res.Evidence, "19:meeting_OTHER@thread.v2") {
			t.Errorf("%s: evidence %q does not name the conference's meeting", c.name, res.Evidence)
		}
	}
	// Links alike for longer than the evidence quotes of each are quoted
	// where they differ (they were quoted as the same 60 bytes).
	link := func(n string) string {
		return "https://teams.microsoft.com/l/meetup-join/19%3ameeting_000000000000000" + n + "%40thread.v2/0?context=%7b%22Tid%22%3a%22t%22%7d"
	}
	_, res := migrateOne(t, calendar(future(event{body: teamsBody(link("1")), extra: "X-MICROSOFT-SKYPETEAMSMEETINGURL:" + link("2") + "\r\n"})), testRules, newTeams)
	if res.Skipped != PastedBlock || !strings.Contains(res.Evidence, "0002%40thread") || !strings.Contains(res.Evidence, "0001%40thread") {
		t.Errorf("links alike: Skipped=%q, evidence %q does not tell them apart", res.Skipped, res.Evidence)
	}
}

// Moving a Skype meeting to Teams removes the Skype conference link the
// properties name (there is no Teams one to write), keeps every other line
// byte for byte, and leaves it out of the request; a Teams meeting that
// stays on Teams keeps its conference link.
func TestSkypeToTeamsDropsConferenceLink(t *testing.T) {
	skype := "\n.........................................................................................................................................\n" +
		"--> Join Skype Meeting <https://meet.lync.com/contoso/anna/AB12CD34>\n\nConference ID: 123456\n\n[!OC([1033])!]\n" +
		".........................................................................................................................................\n"
	confLink := "X-MICROSOFT-ONLINEMEETINGCONFLINK:conf:sip:anna@contoso.com\\;gruu\\;o\r\n paque=app:conf:focus:id:AB12CD34\r\n" +
		"X-MICROSOFT-ONLINEMEETINGINFORMATION:{\"OnlineMeetingChannelId\":null\\,\"OnlineMeetingProvider\":1}\r\n"
	src := calendar(future(event{body: "Agenda" + skype, extra: confLink +
		"X-MICROSOFT-ONLINEMEETINGEXTERNALLINK:https://meet.lync.com/contoso/anna/AB12CD34\r\nX-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\n"}))
	cal, res := migrateOne(t, src, testRules, Change{Provider: block.ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/0"})
	if !res.Rewritten() {
		t.Fatalf("Skipped=%q Err=%v", res.Skipped, res.Err)
	}
	out := string(cal.Bytes())
	if strings.Contains(out, "ONLINEMEETINGCONFLINK") || strings.Contains(string(cal.Request(res.Changed)), "ONLINEMEETINGCONFLINK") {
		t.Fatal("the Skype conference link is still there")
	}
	if strings.Contains(out, "ONLINEMEETINGINFORMATION") {
		t.Fatal("the Skype meeting's information (its provider) is still there")
	}
	if got := propText(t, out, "X-MICROSOFT-ONLINEMEETINGEXTERNALLINK"); got != "https://teams.microsoft.com/l/meetup-join/AB12CD34/0" {
		t.Errorf("external link = %q", got)
	}
	// Without the removed line, the rest is the input but for what a
	// rewrite changes.
	assertOnlyChanged(t, strings.Replace(src, confLink, "", 1), out, map[string]bool{"DESCRIPTION": true, "SEQUENCE": true, "DTSTAMP": true,
		"X-MICROSOFT-ONLINEMEETINGEXTERNALLINK": true, "LOCATION": true})

	teamsConf := "X-MICROSOFT-ONLINEMEETINGCONFLINK:conf:sip:anna@contoso.com\\;gruu\\;opaque=app:conf:focus:id:teams:2:0!19-meeting_OLD-thread.v2!1!2\r\n"
	cal, res = migrateOne(t, calendar(future(event{body: teamsBody(oldJoin), extra: teamsConf})), testRules, newTeams)
	if !res.Rewritten() || !strings.Contains(string(cal.Bytes()), teamsConf) {
		t.Fatalf("Teams to Teams: rewritten=%v, conference link kept=%v", res.Rewritten(), strings.Contains(string(cal.Bytes()), teamsConf))
	}
}

// A Skype meeting whose only online-meeting property was its conference
// link names its new Teams meeting once moved (SPEC: the properties are
// updated to match; found by an audit: none was left), and a run over the
// output finds it current.
func TestSkypeToTeamsNamesTheTeamsMeeting(t *testing.T) {
	skype := "\n.........................................................................................................................................\n" +
		"--> Join Skype Meeting <https://meet.lync.com/contoso/anna/AB12CD34>\n\nConference ID: 123456\n\n[!OC([1033])!]\n" +
		".........................................................................................................................................\n"
	src := calendar(future(event{body: "Agenda" + skype, extra: "X-MICROSOFT-ONLINEMEETINGCONFLINK:conf:sip:anna@contoso.com\\;gruu\\;opaque=app:conf:focus:id:AB12CD34\r\n"}))
	ch := Change{Provider: block.ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/0"}
	cal, res := migrateOne(t, src, testRules, ch)
	if !res.Rewritten() {
		t.Fatalf("Skipped=%q Err=%v", res.Skipped, res.Err)
	}
	out := string(cal.Bytes())
	if got := propText(t, out, "X-MICROSOFT-SKYPETEAMSMEETINGURL"); got != "https://teams.microsoft.com/l/meetup-join/AB12CD34/0" {
		t.Errorf("X-MICROSOFT-SKYPETEAMSMEETINGURL = %q", got)
	}
	if !strings.Contains(string(cal.Request(res.Changed)), "X-MICROSOFT-SKYPETEAMSMEETINGURL:") {
		t.Error("the update does not name the Teams meeting")
	}
	if _, again := migrateOne(t, out, testRules, ch); again.Skipped != AlreadyCurrent {
		t.Errorf("the run again: Skipped=%q Err=%v", again.Skipped, again.Err)
	}
}

// A third-party provider's dial-in replaced by Microsoft's (an ACP user's
// licence, automatically_replace_acp_provider): the provider's line goes
// whole and Teams' dial-in lines are added where Teams writes them; the
// rest of the block stays as written, "Meeting options" with it (found by
// an audit: the whole block was written anew).
func TestThirdPartyDialInReplacedInPlace(t *testing.T) {
	body := "Agenda\n\n________________________________________________________________________________\n" +
		"Microsoft Teams meeting\nJoin on your computer or mobile app\n" +
		"Click here to join the meeting <" + oldJoin + ">\n" +
		"Or call in (audio only)\nInterCall: +1 866-555-0101 Participant code: 7654321\n" +
		"Learn More <https://aka.ms/JoinTeamsMeeting> | Meeting options <https://teams.microsoft.com/meetingOptions/?language=en-US>\n" +
		"________________________________________________________________________________\n\nThanks"
	ch := Change{DropDialIn: true, ConferenceID: "246813579", TollNumbers: []string{"+1 206-555-0900"}, TollFreeNumbers: []string{"+1 800-555-0900"},
		DialInURL: "https://dialin.teams.microsoft.com/c?id=246813579"}
	cal, res := migrateOne(t, calendar(future(event{body: body})), testRules, ch)
	if !res.Rewritten() {
		t.Fatalf("Skipped=%q Err=%v", res.Skipped, res.Err)
	}
	text := propText(t, string(cal.Bytes()), "DESCRIPTION")
	for _, want := range []string{"Join on your computer or mobile app\n", "| Meeting options <https://teams.microsoft.com/meetingOptions/?language=en-US>",
		"+1 206-555-0900,,246813579#", "+1 800-555-0900,,246813579#", "Phone Conference ID: 246 813 579#"} {
		if !strings.Contains(text, want) {
			t.Errorf("the block lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "InterCall") || strings.Contains(text, "7654321") || strings.Contains(text, "866-555-0101") {
		t.Errorf("the provider's dial-in is still there:\n%s", text)
	}
	if _, again := migrateOne(t, string(cal.Bytes()), testRules, ch); again.Skipped != AlreadyCurrent {
		t.Errorf("the run again: Skipped=%q Err=%v", again.Skipped, again.Err)
	}
}

// A meeting that becomes another Teams meeting (a meetings file's row)
// loses the conference link that named the old one, and its Teams
// properties name the new meeting's thread; a join link that keeps the
// thread (a template's {meeting}) keeps both (found by an audit: both
// still named the old meeting).
func TestNewTeamsMeetingUpdatesItsProperties(t *testing.T) {
	conf := "X-MICROSOFT-ONLINEMEETINGCONFLINK:conf:sip:anna@contoso.com\\;gruu\\;opaque=app:conf:focus:id:teams:2:0!19:meeting_OLD-thread.v2!1!2\r\n"
	props := "X-MICROSOFT-SKYPETEAMSPROPERTIES:{\"cid\":\"19:meeting_OLD@thread.v2\"\\,\"private\":true\\,\"type\":0}\r\n" +
		"X-MICROSOFT-SCHEDULINGSERVICEUPDATEURL:https://api.scheduler.teams.microsoft.com/teams/t/o/19_meeting_OLD@thread.v2/0\r\n"
	src := calendar(future(event{body: teamsBody(oldJoin), extra: conf + props}))
	row := Change{Meetings: map[string]MeetingChange{"uid-1": {JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NEW%40thread.v2/0?context=%7b%7d"}}}
	cal, res := migrateOne(t, src, testRules, row)
	if !res.Rewritten() {
		t.Fatalf("Skipped=%q Err=%v", res.Skipped, res.Err)
	}
	out := string(cal.Bytes())
	if strings.Contains(out, "ONLINEMEETINGCONFLINK") || strings.Contains(out, "SCHEDULINGSERVICEUPDATEURL") {
		t.Error("the old meeting's conference link or scheduling URL is still there")
	}
	if got, want := propText(t, out, "X-MICROSOFT-SKYPETEAMSPROPERTIES"), `{"cid":"19:meeting_NEW@thread.v2","private":true,"type":0}`; got != want {
		t.Errorf("Teams properties %q, want %q", got, want)
	}
	// The same thread under another tenant's context: the same meeting.
	cal, res = migrateOne(t, src, testRules, Change{JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/0?context=%7b%22Tid%22%3a%22new%22%7d"})
	if out := string(cal.Bytes()); !res.Rewritten() || !strings.Contains(out, conf) || !strings.Contains(out, props) {
		t.Errorf("a join link keeping the thread: rewritten=%v, conference link or Teams properties changed:\n%s", res.Rewritten(), out)
	}
}

// A 2025 block (a short meet/ link to join, the meetup-join link as its
// "System reference", which the properties name) given a meeting of its
// own: the properties follow the new meeting, and a run over the output
// finds it current, not pasted (found by a review).
func TestNewTeamsMeetingUpdates2025Properties(t *testing.T) {
	props := "X-MICROSOFT-SKYPETEAMSMEETINGURL:" + oldJoin + "\r\n" +
		"X-MICROSOFT-SKYPETEAMSPROPERTIES:{\"cid\":\"19:meeting_OLD@thread.v2\"\\,\"private\":true}\r\n" +
		"X-MICROSOFT-ONLINEMEETINGCONFLINK:conf:sip:anna@contoso.com\\;gruu\\;opaque=app:conf:focus:id:teams:2:0!19:meeting_OLD-thread.v2!1!2\r\n"
	src := calendar(future(event{body: teams2025Body, extra: props}))
	newLink := "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NEW%40thread.v2/0?context=%7b%7d"
	row := Change{Meetings: map[string]MeetingChange{"uid-1": {JoinURL: newLink, MeetingID: "311 222 333 444", Passcode: "Xy12Ab"}}}
	cal, res := migrateOne(t, src, testRules, row)
	if !res.Rewritten() {
		t.Fatalf("Skipped=%q Err=%v", res.Skipped, res.Err)
	}
	out := string(cal.Bytes())
	if got := propText(t, out, "X-MICROSOFT-SKYPETEAMSMEETINGURL"); got != newLink {
		t.Errorf("X-MICROSOFT-SKYPETEAMSMEETINGURL %q, want %q", got, newLink)
	}
	if got, want := propText(t, out, "X-MICROSOFT-SKYPETEAMSPROPERTIES"), `{"cid":"19:meeting_NEW@thread.v2","private":true}`; got != want {
		t.Errorf("Teams properties %q, want %q", got, want)
	}
	if strings.Contains(out, "ONLINEMEETINGCONFLINK") {
		t.Error("the old meeting's conference link is still there")
	}
	if _, again := migrateOne(t, out, testRules, row); again.Skipped != AlreadyCurrent {
		t.Errorf("a run over the output: Skipped=%q Err=%v, want already-current", again.Skipped, again.Err)
	}
	// A change that keeps the join link leaves the properties as they are.
	cal, res = migrateOne(t, src, testRules, Change{ConferenceID: "111 222 333", TollNumbers: []string{"+46 8 505 248 89"}})
	if out := string(cal.Bytes()); !res.Rewritten() || !strings.Contains(out, props) {
		t.Errorf("a change keeping the join link: rewritten=%v (%v), properties changed:\n%s", res.Rewritten(), res.Err, out)
	}
}

// A Skype block moved to Teams is written anew in the Skype block's
// language: German, French, Spanish, Portuguese ... as English and
// Swedish are (found by an audit: every other language's came out in
// English).
func TestMovedBlockKeepsItsLanguage(t *testing.T) {
	for lang, words := range map[string][]string{
		"de-DE": {"Microsoft Teams-Besprechung", "Klicken Sie hier, um an der Besprechung teilzunehmen", "Telefonkonferenz-ID: 123 456#", "omkt=de-DE"},
		"fr-FR": {"Réunion Microsoft Teams", "Cliquez ici pour participer à la réunion", "ID de conférence téléphonique : 123 456#", "omkt=fr-FR"},
		"es-ES": {"Reunión de Microsoft Teams", "Haga clic aquí para unirse a la reunión", "Id. de conferencia telefónica: 123 456#", "omkt=es-ES"},
		"pt-BR": {"Reunião do Microsoft Teams", "Clique aqui para ingressar na reunião", "ID de Conferência por Telefone: 123 456#", "omkt=pt-BR"},
	} {
		skype := block.RenderText(block.Spec{Provider: block.ProviderSkype, JoinURL: "https://meet.lync.com/contoso/anna/AB12CD34", ConferenceID: "123456",
			TollNumbers: []string{"+49 69 1234567"}, Lang: lang})
		cal, res := migrateOne(t, calendar(future(event{body: "Agenda\n" + skype})), testRules,
			Change{Provider: block.ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/0"})
		if !res.Rewritten() {
			t.Fatalf("%s: Skipped=%q Err=%v", lang, res.Skipped, res.Err)
		}
		out, _ := Parse("out.ics", cal.Bytes())
		p, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
		for _, w := range words {
			if !strings.Contains(p.Text(), w) {
				t.Errorf("%s: the new block lacks %q:\n%s", lang, w, p.Text())
			}
		}
	}
}

// A French block given a conference ID reads back as current: the line it
// gains ("ID de conférence téléphonique : 111 222 333#") is read (found by
// a review: every run rewrote it again).
func TestFrenchConferenceIDReadsBack(t *testing.T) {
	src := calendar(future(event{body: "Ordre du jour\n" + block.RenderText(block.Spec{Provider: block.ProviderTeams, JoinURL: oldJoin, Lang: "fr-FR"})}))
	ch := Change{ConferenceID: "111 222 333", TollNumbers: []string{"+33 1 70 37 42 42"}}
	cal, res := migrateOne(t, src, testRules, ch)
	if !res.Rewritten() {
		t.Fatalf("Skipped=%q Err=%v", res.Skipped, res.Err)
	}
	if _, again := migrateOne(t, string(cal.Bytes()), testRules, ch); again.Skipped != AlreadyCurrent {
		t.Errorf("a run over the output: Skipped=%q Err=%v, want already-current", again.Skipped, again.Err)
	}
	if _, again := migrateOne(t, string(cal.Bytes()), testRules, Change{ConferenceID: "111 222 333"}); again.Skipped != AlreadyCurrent {
		t.Errorf("the conference ID alone over the output: Skipped=%q Err=%v, want already-current", again.Skipped, again.Err)
	}
}

// TestKeptLinkPropertyKeepsItsFolding: an online-meeting property naming
// a join link the change keeps is not written again: its line, folded
// with a TAB as Outlook folds, stays byte for byte.
func TestKeptLinkPropertyKeepsItsFolding(t *testing.T) {
	folded := "X-MICROSOFT-SKYPETEAMSMEETINGURL:" + oldJoin[:40] + "\r\n\t" + oldJoin[40:] + "\r\n"
	src := calendar(future(event{body: teamsBody(oldJoin), extra: folded}))
	cal, res := migrateOne(t, src, testRules, Change{ConferenceID: "999888777"})
	if !res.Rewritten() {
		t.Fatalf("not rewritten: %+v", res)
	}
	if out := string(cal.Bytes()); !strings.Contains(out, folded) {
		t.Errorf("the kept link's property was written again:\n%s", out)
	}
}

// A meeting another batch sent a newer update for (a rollback's, of a
// higher SEQUENCE than the rewrite's) fails as stale, nothing rewritten:
// attendees would ignore the update. One sent the same or a lower
// SEQUENCE is rewritten as ever, one above the calendar's.
func TestStaleCalendarFails(t *testing.T) {
	src := calendar(future(event{body: teamsBody(oldJoin), extra: "SEQUENCE:0\r\n"}))
	probe, _ := Parse("test.ics", []byte(src))
	uid := probe.Meetings()[0].UID
	for _, sent := range []int{5, 1, 0} {
		r := testRules
		r.Sent = map[string]Sent{uid: {Sequence: sent, By: "rollback 1a2b3c4d"}}
		cal, res := migrateOne(t, src, r, newTeams)
		if sent > 1 {
			if !errors.Is(res.Err, ErrStale) || res.Rewritten() || string(cal.Bytes()) != src ||
				!strings.Contains(res.Err.Error(), "the rollback 1a2b3c4d sent its attendees an update of SEQUENCE 5, newer than this rewrite's 1") {
				t.Errorf("sent %d: %+v", sent, res)
			}
			continue
		}
		if !res.Rewritten() || !strings.Contains(string(cal.Bytes()), "\r\nSEQUENCE:1\r\n") {
			t.Errorf("sent %d: %+v", sent, res)
		}
	}
}

// TestFloatingTimesInTheCalendarsZone: a floating start (no TZID, no Z) is
// read in the zone the calendar's X-WR-TIMEZONE names, where Google and
// Apple export their calendars' zone; without one, in UTC. 08:00 in New
// York is 13:00 UTC, after --now; 08:00 UTC is before it.
func TestFloatingTimesInTheCalendarsZone(t *testing.T) {
	r := testRules
	r.Now = time.Date(2026, 1, 20, 10, 0, 0, 0, time.UTC)
	e := future(event{body: teamsBody(oldJoin)})
	src := strings.Replace(calendar(e), `DTSTART;TZID="W. Europe Standard Time":20260120T100000`, "DTSTART:20260120T080000", 1)
	for zone, want := range map[string]string{"": "2026-01-20T08:00:00Z", "X-WR-TIMEZONE:America/New_York\r\n": "2026-01-20T13:00:00Z"} {
		text := strings.Replace(src, "VERSION:2.0\r\n", "VERSION:2.0\r\n"+zone, 1)
		_, res := migrateOne(t, text, r, newTeams)
		if got := res.Start.UTC().Format(time.RFC3339); got != want || res.Rewritten() != (zone != "") || (zone == "") != (res.Skipped == Past) {
			t.Errorf("X-WR-TIMEZONE %q: start %s, rewritten %v, skipped %q; want start %s", zone, got, res.Rewritten(), res.Skipped, want)
		}
	}
	// A file of two calendars: each meeting is read in its own calendar's
	// zone, none in the other's (found by an audit).
	second := strings.Replace(src, "UID:uid-1", "UID:uid-2", 1)
	joined := strings.Replace(src, "VERSION:2.0\r\n", "VERSION:2.0\r\nX-WR-TIMEZONE:America/New_York\r\n", 1) + second
	cal, err := Parse("two.ics", []byte(joined))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range cal.Meetings() {
		want := map[string]string{"uid-1": "2026-01-20T13:00:00Z", "uid-2": "2026-01-20T08:00:00Z"}[m.UID]
		if res := cal.Migrate(m, r, newTeams); res.Start.UTC().Format(time.RFC3339) != want {
			t.Errorf("%s: start %s, want %s", m.UID, res.Start.UTC().Format(time.RFC3339), want)
		}
	}
}

// TestCarriedInstancesAreTheUsers: a future instance without a block that
// another organiser holds stays as it is and out of the update (found by a
// review: carried and mailed by this user).
func TestCarriedInstancesAreTheUsers(t *testing.T) {
	master := future(event{start: "20260105T100000", body: teamsBody(oldJoin), extra: "RRULE:FREQ=WEEKLY;COUNT=6\r\nSEQUENCE:2\r\n"})
	other := future(event{start: "20260126T120000", recurrenceID: "20260126T100000", organizer: "boss@contoso.com", extra: "SEQUENCE:7\r\n"})
	cal, res := migrateOne(t, calendar(master, other), testRules, newTeams)
	if !res.Rewritten() || len(res.Changed) != 1 {
		t.Fatalf("rewritten %v, %d changed, err %v; want the master alone", res.Rewritten(), len(res.Changed), res.Err)
	}
	if !strings.Contains(string(cal.Bytes()), other.String()) || strings.Contains(string(cal.Request(res.Changed)), "boss@contoso.com") {
		t.Error("the instance another organiser holds was changed or sent")
	}
}

// TestCarriedInstancesFollowTheBlocks: where the update rewrites instances
// and not the master (an ended series with instances moved into the
// future), an instance without a block is not carried, and the update's
// first component, whose text and SEQUENCE the mail and the record of
// updates sent take, is one with the new block; a later change over that
// output is not refused as stale (found by a review: the block-less
// instance came first).
func TestCarriedInstancesFollowTheBlocks(t *testing.T) {
	r := testRules
	r.Now = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	master := future(event{start: "20260105T100000", body: teamsBody(oldJoin), extra: "RRULE:FREQ=WEEKLY;COUNT=3\r\nSEQUENCE:0\r\n"})
	bare := future(event{start: "20260301T100000", recurrenceID: "20260105T100000", body: "Agenda: budget", extra: "SEQUENCE:9\r\n"})
	withBlock := future(event{start: "20260401T100000", recurrenceID: "20260112T100000", body: teamsBody(oldJoin), extra: "SEQUENCE:0\r\n"})
	cal, res := migrateOne(t, calendar(master, bare, withBlock), r, Change{ConferenceID: "999888777"})
	if !res.Rewritten() || len(res.Changed) != 1 {
		t.Fatalf("rewritten %v, %d changed, err %v; want the instance with the block alone", res.Rewritten(), len(res.Changed), res.Err)
	}
	desc, _ := cal.Current(res.Changed[0], "DESCRIPTION")
	seq, _ := cal.Current(res.Changed[0], "SEQUENCE")
	if !strings.Contains(desc.Text(), "999 888 777") || seq.Value != "1" {
		t.Fatalf("the first changed component: SEQUENCE %s, text %q", seq.Value, desc.Text())
	}
	r.Sent = map[string]Sent{"uid-1": {Sequence: 1, By: "batch 1"}}
	if _, again := migrateOne(t, string(cal.Bytes()), r, Change{ConferenceID: "555444333"}); again.Err != nil || !again.Rewritten() {
		t.Errorf("a second change over the output: %v", again.Err)
	}
}

// TestUpdatableLooksAtWhatIsSent: what a meeting keeps as it was and does
// not send (a past instance with DTSTAMP twice) does not fail it, and every
// end form RFC 5545 allows is read (found by a review).
func TestUpdatableLooksAtWhatIsSent(t *testing.T) {
	master := future(event{start: "20260105T100000", body: teamsBody(oldJoin), extra: "RRULE:FREQ=WEEKLY;COUNT=6\r\n"})
	past := future(event{start: "20260112T110000", recurrenceID: "20260112T100000", extra: "DTSTAMP:20250101T000000Z\r\nDTEND:garbage\r\n"})
	if _, res := migrateOne(t, calendar(master, past), testRules, newTeams); res.Err != nil || !res.Rewritten() {
		t.Errorf("a past instance not sent failed the meeting: %v", res.Err)
	}
	for _, extra := range []string{"DTEND;VALUE=DATE:20260121\r\n", "DURATION:P1D\r\n", "DURATION:-PT0S\r\n", "DURATION:P1W\r\n", "DURATION:+PT1H\r\n",
		"DTEND;TZID=\"W. Europe Standard Time\":20260120T110000\r\n", "DURATION:P1DT2H\r\n"} {
		if _, res := migrateOne(t, calendar(future(event{body: teamsBody(oldJoin), extra: extra})), testRules, newTeams); res.Err != nil {
			t.Errorf("%q: %v", extra, res.Err)
		}
	}
}

// Two overrides of one instance (the same RECURRENCE-ID, here written once
// in the series' zone and once in UTC) fail the meeting, naming both
// lines: an update carries one component per instance (found by an
// audit: both were bumped and sent).
func TestInstanceOverriddenTwice(t *testing.T) {
	master := future(event{start: "20260105T100000", body: teamsBody(oldJoin), extra: "RRULE:FREQ=WEEKLY;COUNT=6\r\n"})
	one := future(event{start: "20260126T110000", recurrenceID: "20260126T100000", body: teamsBody(oldJoin), extra: "SEQUENCE:0\r\n"})
	other := future(event{start: "20260126T120000", body: teamsBody(oldJoin), extra: "RECURRENCE-ID:20260126T090000Z\r\nSEQUENCE:3\r\n"})
	src := calendar(master, one, other)
	cal, res := migrateOne(t, src, testRules, newTeams)
	if res.Err == nil || !strings.Contains(res.Err.Error(), "is overridden twice") || res.Changed != nil || string(cal.Bytes()) != src {
		t.Fatalf("Err = %v, %d changed; want the meeting failed, left as it was", res.Err, len(res.Changed))
	}
}

// Outlook's X-MICROSOFT-CONFERENCETELURI (the number and conference ID a
// phone dials) follows the block: kept while the block keeps its number
// and ID, pointed at the new ones where they change, removed with the
// dial-in.
func TestConferenceTelFollowsTheBlock(t *testing.T) {
	const prop = "X-MICROSOFT-CONFERENCETELURI:tel:+46850524889\\,\\,580849884\r\n"
	src := calendar(future(event{body: teamsBody(oldJoin), extra: prop}))
	for _, c := range []struct {
		name string
		ch   Change
		want string // the property's line after, "" for none
	}{
		{"new link, same dial-in", Change{JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NEW%40thread.v2/0"}, prop},
		{"new conference ID", Change{ConferenceID: "111222333"}, "X-MICROSOFT-CONFERENCETELURI:tel:+46850524889\\,\\,111222333\r\n"},
		{"new bridge", Change{TollNumbers: []string{"+1 323-849-4874"}}, "X-MICROSOFT-CONFERENCETELURI:tel:+13238494874\\,\\,580849884\r\n"},
		{"dial-in dropped", Change{DropDialIn: true}, ""},
	} {
		cal, res := migrateOne(t, src, testRules, c.ch)
		if !res.Rewritten() {
			t.Fatalf("%s: %+v", c.name, res)
		}
		out := string(cal.Bytes())
		got := ""
		if i := strings.Index(out, "X-MICROSOFT-CONFERENCETELURI"); i >= 0 {
			got = out[i : i+strings.Index(out[i:], "\r\n")+2]
		}
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// A series whose master already shows the new block but whose future
// instance keeps the old one (Outlook leaves an instance's body alone when
// the series' is edited) is not current: the instance is rewritten and
// sent with the series. A past instance with the old block is no reason
// (found by an audit: it was already-current for good), nor a cancelled
// one (an audit: the series was sent again for it).
func TestStaleInstanceUnderCurrentSeries(t *testing.T) {
	ch := Change{ConferenceID: "111222333"}
	done, res := migrateOne(t, calendar(future(event{body: teamsBody(oldJoin)})), testRules, ch)
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	current, _ := done.Current(done.Components("VEVENT")[0], "DESCRIPTION")
	series := future(event{body: current.Text(), extra: "RRULE:FREQ=DAILY;COUNT=10\r\n"})
	for _, c := range []struct {
		name, when string
		want       Reason
	}{{"future instance", "20260122T100000", ""}, {"past instance", "20250122T100000", AlreadyCurrent}, {"cancelled instance", "20260122T100000", AlreadyCurrent}} {
		inst := future(event{body: teamsBody(oldJoin), recurrenceID: c.when, start: c.when})
		if c.name == "cancelled instance" { // no occurrence: nothing to tell its attendees
			inst.extra = "STATUS:CANCELLED\r\n"
		} else if c.want == AlreadyCurrent {
			series.extra = "RRULE:FREQ=DAILY;COUNT=1000\r\n"
			series.start = "20250120T100000"
		}
		cal, res := migrateOne(t, calendar(series, inst), testRules, ch)
		if res.Skipped != c.want || res.Err != nil {
			t.Fatalf("%s: Skipped=%q Err=%v, want %q", c.name, res.Skipped, res.Err, c.want)
		}
		if c.want != "" {
			continue
		}
		out := string(cal.Bytes())
		if strings.Contains(out, "580 849 884") || len(res.Changed) != 2 {
			t.Errorf("%s: %d components changed, the old conference ID left:\n%s", c.name, len(res.Changed), out)
		}
		if _, again := migrateOne(t, out, testRules, ch); again.Skipped != AlreadyCurrent {
			t.Errorf("%s: the run again: Skipped=%q Err=%v", c.name, again.Skipped, again.Err)
		}
	}
}

// TestThisAndFutureOverride: an instance with RANGE=THISANDFUTURE moves
// its occurrence and every later one (RFC 5545 3.2.13): a series moved
// from 10:00 to 16:00 still meets after --now on its last day, and its
// update carries that instance, its start past, with the new block (it
// stands for the later occurrences too); moved to 04:00, the series is
// past (found by an audit: both were read at 10:00).
func TestThisAndFutureOverride(t *testing.T) {
	master := future(event{start: "20260105T100000", body: teamsBody(oldJoin), extra: "RRULE:FREQ=WEEKLY;COUNT=6\r\nSEQUENCE:0\r\n"})
	for _, tc := range []struct {
		moved, now string
		past       bool
		evidence   string
	}{
		{"20260119T160000", "2026-02-09T12:00:00Z", false, ""},
		{"20260119T040000", "2026-02-09T06:00:00Z", true, "last occurrence 2026-02-09 03:00 UTC"},
	} {
		range_ := future(event{start: tc.moved, recurrenceID: "20260119T100000", body: teamsBody(oldJoin), extra: "SEQUENCE:0\r\n"})
		src := strings.Replace(calendar(master, range_), "RECURRENCE-ID;", "RECURRENCE-ID;RANGE=THISANDFUTURE;", 1)
		r := testRules
		r.Now, _ = time.Parse(time.RFC3339, tc.now)
		cal, res := migrateOne(t, src, r, newTeams)
		if tc.past {
			if res.Skipped != Past || res.Evidence != tc.evidence {
				t.Errorf("moved to %s: skipped %q (%s), err %v; want past (%s)", tc.moved, res.Skipped, res.Evidence, res.Err, tc.evidence)
			}
			continue
		}
		if !res.Rewritten() || len(res.Changed) != 2 || res.Start.UTC().Format(time.RFC3339) != "2026-02-09T15:00:00Z" {
			t.Fatalf("moved to %s: rewritten %v, %d changed, start %s, skipped %q, err %v; want both rewritten from 2026-02-09T15:00:00Z",
				tc.moved, res.Rewritten(), len(res.Changed), res.Start.UTC(), res.Skipped, res.Err)
		}
		if req := string(cal.Request(res.Changed)); !strings.Contains(req, "RECURRENCE-ID;RANGE=THISANDFUTURE;") || strings.Contains(req, "580 849 884") {
			t.Errorf("the update does not carry the instance with the new block:\n%s", req)
		}
	}
}

// TestZonesOfEachCalendar: a file of two VCALENDARs (exports joined
// together) defining one TZID differently: each meeting is read in its
// own VCALENDAR's definition, and its update carries that one (found by
// an audit: the second meeting was read in the first's zone, 10:00 at
// UTC+10 for 10:00 at UTC-5, and skipped as past).
func TestZonesOfEachCalendar(t *testing.T) {
	zone := func(offset string) string {
		return "BEGIN:VTIMEZONE\r\nTZID:Customized Time Zone\r\nBEGIN:STANDARD\r\nDTSTART:16010101T000000\r\n" +
			"TZOFFSETFROM:" + offset + "\r\nTZOFFSETTO:" + offset + "\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
	}
	one := func(uid, offset string) string {
		src := calendar(future(event{uid: uid, body: teamsBody(oldJoin)}))
		return strings.NewReplacer(wEurope, zone(offset), `TZID="W. Europe Standard Time"`, "TZID=Customized Time Zone").Replace(src)
	}
	cal, err := Parse("joined.ics", []byte(one("east", "+1000")+one("west", "-0500")))
	if err != nil {
		t.Fatal(err)
	}
	r := testRules
	r.Now = time.Date(2026, 1, 20, 12, 0, 0, 0, time.UTC)
	for _, m := range cal.Meetings() {
		res := cal.Migrate(m, r, newTeams)
		switch m.UID {
		case "east":
			if res.Skipped != Past {
				t.Errorf("east: skipped %q, start %s; want past (00:00 UTC)", res.Skipped, res.Start.UTC())
			}
		case "west":
			if !res.Rewritten() || !res.Start.Equal(time.Date(2026, 1, 20, 15, 0, 0, 0, time.UTC)) {
				t.Fatalf("west: skipped %q, start %s, err %v; want rewritten from 15:00 UTC", res.Skipped, res.Start.UTC(), res.Err)
			}
			if req := string(cal.Request(res.Changed)); !strings.Contains(req, "TZOFFSETTO:-0500") || strings.Contains(req, "+1000") {
				t.Errorf("the update does not carry its own VCALENDAR's zone:\n%s", req)
			}
		}
	}
}

// TestSeriesCarriesInstancesMovedIntoThePast: an instance of a future
// occurrence moved into the past goes with the series' update as it is,
// its stored lines left byte for byte (it is past): left out, attendees'
// clients would have the master's rule give them the occurrence back at
// its old time (found by an audit). Marking the stored copy for a
// CalDAV server leaves it alone too.
func TestSeriesCarriesInstancesMovedIntoThePast(t *testing.T) {
	master := future(event{start: "20260105T100000", body: teamsBody(oldJoin), extra: "RRULE:FREQ=WEEKLY;COUNT=6\r\nSEQUENCE:2\r\n"})
	moved := future(event{start: "20260112T140000", recurrenceID: "20260126T100000", body: teamsBody(oldJoin), extra: "SEQUENCE:2\r\n"})
	past := future(event{start: "20260112T110000", recurrenceID: "20260112T100000", body: teamsBody(oldJoin), extra: "SEQUENCE:2\r\n"})
	cal, res := migrateOne(t, calendar(master, moved, past), testRules, newTeams)
	if !res.Rewritten() || len(res.Changed) != 2 {
		t.Fatalf("rewritten %v, %d changed, err %v; want the series and the moved instance", res.Rewritten(), len(res.Changed), res.Err)
	}
	req := string(cal.Request(res.Changed))
	if !strings.Contains(req, "RECURRENCE-ID;TZID=\"W. Europe Standard Time\":20260126T100000") || strings.Contains(req, "20260112T100000") {
		t.Errorf("the update does not carry the series and the moved instance alone:\n%s", req)
	}
	cal.SetScheduleAgentClient(res.Changed)
	if out := string(cal.Bytes()); !strings.Contains(out, moved.String()) || !strings.Contains(out, past.String()) {
		t.Errorf("a past instance changed:\n%s", out)
	}
}

// Exchange's copy of the sequence ahead of SEQUENCE goes up from itself,
// never down to the new SEQUENCE (found by a review).
func TestCDOSequenceNeverGoesDown(t *testing.T) {
	for cdo, want := range map[string]string{"3": "4", "2147483647": "2147483647"} {
		src := calendar(future(event{body: teamsBody(oldJoin), extra: "SEQUENCE:0\r\nX-MICROSOFT-CDO-APPT-SEQUENCE:" + cdo + "\r\n"}))
		cal, res := migrateOne(t, src, testRules, newTeams)
		if out := string(cal.Bytes()); !res.Rewritten() || !strings.Contains(out, "\nSEQUENCE:1\r\n") || !strings.Contains(out, "X-MICROSOFT-CDO-APPT-SEQUENCE:"+want+"\r\n") {
			t.Errorf("SEQUENCE 0 and CDO %s became:\n%s", cdo, out)
		}
	}
}

// A Skype block's "Try Skype Web App" link (the join link with ?sl=1)
// becomes the new meeting's, ?sl=1 kept, in the text and in the HTML; the
// run again finds the meeting current. Found by an audit: it became the
// plain join link.
func TestSkypeWebAppLinkKept(t *testing.T) {
	const old, join = "https://meet.lync.com/contoso/anna/AB12CD34", "https://meet.lync.com/fabrikam/anna/AB12CD34"
	dots := strings.Repeat(".", 137)
	text := "Agenda\n" + dots + "\n--> Join Skype Meeting <" + old + ">\nTrouble Joining? Try Skype Web App <" + old + "?sl=1>\n\nConference ID: 123456\n\n[!OC([1033])!]\n" + dots + "\n"
	html := `<p>Agenda</p><p>` + dots + `</p><p><a href="` + old + `">Join Skype Meeting</a></p><p>Trouble Joining? <a href="` + old +
		`?sl=1">Try Skype Web App</a></p><p>Conference ID: 123456</p><p>[!OC([1033])!]</p><p>` + dots + `</p>`
	src := calendar(future(event{body: text, extra: altDesc(html)}))
	ch := Change{JoinURL: "https://meet.lync.com/fabrikam/anna/{meeting}", ConferenceID: "987654"}
	cal, res := migrateOne(t, src, testRules, ch)
	if !res.Rewritten() || res.NewJoinURL != join {
		t.Fatalf("%+v", res)
	}
	out := unfold(string(cal.Bytes()))
	for _, want := range []string{"Try Skype Web App <" + join + "?sl=1>", `<a href="` + join + `?sl=1">Try Skype Web App`, "Join Skype Meeting <" + join + ">"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if _, again := migrateOne(t, string(cal.Bytes()), testRules, ch); again.Skipped != AlreadyCurrent {
		t.Errorf("the run again: Skipped=%q Err=%v", again.Skipped, again.Err)
	}
}

// A join_url template of meetup-join links fills {meeting} of a 2025
// block (a short meet/ link) with the thread its "System reference" names,
// not the short link's number, which is no thread (found by an audit: the
// link made opened nothing); a short block naming no thread fails with
// no-join-link, as no link is made up.
func TestTemplateThreadOfAShortLink(t *testing.T) {
	ch := Change{JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/0?context=%7b%22Tid%22%3a%22new%22%7d"}
	cal, res := migrateOne(t, calendar(future(event{body: teams2025Body})), testRules, ch)
	want := "https://teams.microsoft.com/l/meetup-join/" + teamsEscaper.Replace(teamsThreadID(oldJoin)) + "/0?context=%7b%22Tid%22%3a%22new%22%7d"
	if !res.Rewritten() || res.NewJoinURL != want {
		t.Fatalf("NewJoinURL %q (%v %q), want %q", res.NewJoinURL, res.Err, res.Skipped, want)
	}
	if _, again := migrateOne(t, string(cal.Bytes()), testRules, ch); again.Skipped != AlreadyCurrent {
		t.Errorf("the run again: Skipped=%q Err=%v", again.Skipped, again.Err)
	}
	noRef := strings.Replace(teams2025Body, " | System reference<"+oldJoin+">", "", 1)
	if _, res := migrateOne(t, calendar(future(event{body: noRef})), testRules, ch); !errors.Is(res.Err, ErrNoJoinLink) {
		t.Errorf("a short block naming no thread: %+v, want ErrNoJoinLink", res)
	}
}

// An invitation that repeats its join details (a reminder below, a
// forwarded copy quoted) has every copy of the meeting's block replaced,
// in both bodies: a copy left alone would keep the old conference ID in
// front of the attendees. Another meeting's block after them stays.
func TestRepeatedBlockReplacedEverywhere(t *testing.T) {
	text := teamsBody(oldJoin) + "\n\nThe same details again:\n\n" + teamsBody(oldJoin) + "\n\nLast week's:\n\n" + teamsBody(otherJoin)
	html := strings.Replace(teamsHTML(oldJoin), "</body>", "<p>Again:</p>"+strings.TrimSuffix(strings.TrimPrefix(teamsHTML(oldJoin), "<html><body>"), "</body></html>")+
		"<p>Last week's:</p>"+strings.TrimSuffix(strings.TrimPrefix(teamsHTML(otherJoin), "<html><body>"), "</body></html>")+"</body>", 1)
	src := calendar(future(event{body: text, extra: altDesc(html)}))
	cal, res := migrateOne(t, src, testRules, newTeams)
	if !res.Rewritten() {
		t.Fatalf("not rewritten: %+v", res)
	}
	out := string(cal.Bytes())
	for _, name := range []string{"DESCRIPTION", "X-ALT-DESC"} {
		body := propText(t, out, name)
		if n := strings.Count(body, "meeting_OLD"); n != 2 {
			t.Errorf("%s: the meeting's link %d times, want 2 (both copies, the new link keeps the thread)", name, n)
		}
		if n := strings.Count(body, "111222333") + strings.Count(body, "111 222 333"); n < 4 {
			t.Errorf("%s: the new conference ID %d times, want it in both copies:\n%s", name, n, body)
		}
		if !strings.Contains(body, otherJoin) || !strings.Contains(body, "580849884") && !strings.Contains(body, "580 849 884") {
			t.Errorf("%s: the other meeting's block changed:\n%s", name, body)
		}
		if strings.Count(body, "580849884")+strings.Count(body, "580 849 884") > strings.Count(teamsBody(otherJoin), "580849884")+strings.Count(teamsBody(otherJoin), "580 849 884")+
			strings.Count(teamsHTML(otherJoin), "580849884") {
			t.Errorf("%s: the old conference ID left in a copy of the meeting's block:\n%s", name, body)
		}
	}
	_, again := migrateOne(t, out, testRules, newTeams)
	if again.Skipped != AlreadyCurrent {
		t.Fatalf("second run: Skipped=%q Err=%v", again.Skipped, again.Err)
	}
}
