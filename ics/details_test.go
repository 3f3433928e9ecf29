package ics

import (
	"strings"
	"testing"

	"github.com/mms-project/mms/ics/block"
)

const skypeBody = "Agenda\n.........................................................................................................................................\n" +
	"--> Join Skype Meeting <https://meet.lync.com/contoso/anna/AB12CD34>\n\nConference ID: 123456\n\n[!OC([1033])!]\n" +
	".........................................................................................................................................\n"

var toTeams = Change{Provider: block.ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/0"}

// A LOCATION that only names the old service, in any case and in the
// languages Outlook writes, is renamed to the new service in the same
// language; anything more is left alone, as is a meeting that keeps its
// service.
func TestLocationNamingOnlyTheOldService(t *testing.T) {
	cases := []struct {
		body, location string
		ch             Change
		want           string // "" when the line stays as it was
	}{
		{skypeBody, "Skype Meeting", toTeams, "Microsoft Teams Meeting"},
		{skypeBody, "skype meeting", toTeams, "Microsoft Teams Meeting"},
		{skypeBody, "Lync Meeting", toTeams, "Microsoft Teams Meeting"},
		{skypeBody, "Skype-möte", toTeams, "Microsoft Teams-möte"},
		{skypeBody, "Skype-Besprechung", toTeams, "Microsoft Teams-Besprechung"},
		{skypeBody, "Réunion Skype", toTeams, "Réunion Microsoft Teams"},
		{skypeBody, "Skype Meeting\\; Room 4", toTeams, ""},
		{skypeBody, "Room 4", toTeams, ""},
		{skypeBody, "Microsoft Teams Meeting", toTeams, ""},
		{teamsBody(oldJoin), "Microsoft Teams Meeting", newTeams, ""},
		{teamsBody(oldJoin), "Microsoft Teams-möte", Change{Provider: block.ProviderSkype, JoinURL: "https://meet.lync.com/contoso/anna/NEW"}, "Skype-möte"},
	}
	for _, tc := range cases {
		t.Run(tc.location, func(t *testing.T) {
			line := "LOCATION:" + tc.location + "\r\n"
			src := strings.Replace(calendar(future(event{body: tc.body})), "LOCATION:Microsoft Teams Meeting\r\n", line, 1)
			cal, res := migrateOne(t, src, testRules, tc.ch)
			if !res.Rewritten() {
				t.Fatalf("Skipped=%q Err=%v", res.Skipped, res.Err)
			}
			out := string(cal.Bytes())
			want := line
			if tc.want != "" {
				want = "LOCATION:" + tc.want + "\r\n"
			}
			if !strings.Contains(out, "\r\n"+want) {
				t.Fatalf("LOCATION = %q, want %q", propText(t, out, "LOCATION"), want)
			}
		})
	}
}

// SEQUENCE goes up by one; one that cannot (at the largest iCalendar
// INTEGER, or not a number) fails the meeting, whose components are then
// left exactly as they were, even those checked before the bad one.
func TestSequenceThatCannotGoUp(t *testing.T) {
	cases := []struct {
		seq, want, fails string
	}{
		{"SEQUENCE:2147483646", "SEQUENCE:2147483647", ""},
		{"SEQUENCE:2147483647", "", "SEQUENCE 2147483647 is at or beyond the largest"},
		{"SEQUENCE:99999999999999999999", "", "is at or beyond the largest"},
		{"SEQUENCE:two", "", `SEQUENCE "two" is not a number`},
		{"SEQUENCE: 4 ", "SEQUENCE:5", ""},
	}
	for _, tc := range cases {
		t.Run(tc.seq, func(t *testing.T) {
			master := future(event{start: "20260105T100000", body: teamsBody(oldJoin), extra: "RRULE:FREQ=WEEKLY;COUNT=6\r\nSEQUENCE:0\r\n"})
			next := future(event{start: "20260126T110000", recurrenceID: "20260126T100000", body: teamsBody(oldJoin), extra: tc.seq + "\r\n"})
			cal, res := migrateOne(t, calendar(master, next), testRules, newTeams)
			if tc.fails != "" {
				if res.Err == nil || !strings.Contains(res.Err.Error(), tc.fails) || !strings.Contains(res.Err.Error(), "UID uid-1") {
					t.Fatalf("Err = %v, want it to say %q", res.Err, tc.fails)
				}
				if cal.Edited() {
					t.Fatal("a failed meeting left edits behind")
				}
				return
			}
			if !res.Rewritten() || !strings.Contains(string(cal.Bytes()), "\r\n"+tc.want+"\r\n") {
				t.Fatalf("rewritten=%v Err=%v, output lacks %s", res.Rewritten(), res.Err, tc.want)
			}
		})
	}
}

// A cancelled meeting has no occurrence left to attend: it is skipped as
// past (the contract's reason for "no occurrence at or after now"), whether
// the whole meeting or the only instance still to come is cancelled, and
// nothing is rewritten or sent.
func TestCancelledMeetingIsPast(t *testing.T) {
	single := future(event{body: teamsBody(oldJoin), extra: "STATUS:CANCELLED\r\n"})
	master := future(event{start: "20260105T100000", body: teamsBody(oldJoin), extra: "RRULE:FREQ=WEEKLY;COUNT=3\r\n"})
	last := future(event{start: "20260119T100000", recurrenceID: "20260119T100000", body: teamsBody(oldJoin), extra: "STATUS:CANCELLED\r\n"})
	for name, src := range map[string]string{"cancelled meeting": calendar(single), "only future instance cancelled": calendar(master, last)} {
		cal, res := migrateOne(t, src, testRules, newTeams)
		if res.Skipped != Past || res.Err != nil || cal.Edited() {
			t.Errorf("%s: Skipped=%q Err=%v edited=%v, want past", name, res.Skipped, res.Err, cal.Edited())
		}
	}
}

// teams2022Body is the 2022 block: its Meeting ID and passcode join the
// meeting by number, on the web or from a room device.
func teams2022Body(join string) string {
	return "Hej\n\n________________________________________________________________________________\n" +
		"Microsoft Teams meeting\nJoin on your computer, mobile app or room device\n" +
		"Click here to join the meeting <" + join + ">\nMeeting ID: 229 505 202 791\nPasscode: e27acC\n" +
		"Or call in (audio only)\n+46 8 505 248 89,,285387578# <tel:+46850524889,,285387578#>   Sweden, Stockholm\n" +
		"Phone Conference ID: 285 387 578#\nLearn More <https://aka.ms/JoinTeamsMeeting>\n" +
		"________________________________________________________________________________\n\nHejdå"
}

// A change that keeps the meeting's join link keeps the Meeting ID and
// passcode in the new block, in the block's language; a new join link
// drops them, since they belong to the old one. Either way a second run
// finds the block current.
func TestMeetingIDAndPasscodeFollowTheJoinLink(t *testing.T) {
	swedish := strings.NewReplacer("Microsoft Teams meeting", "Microsoft Teams-möte", "Click here to join the meeting", "Klicka här för att ansluta till mötet",
		"Meeting ID:", "Mötes-ID:", "Passcode:", "Lösenord:")
	cases := []struct {
		name, body string
		ch         Change
		kept       bool
		label      string
	}{
		{"conference id changed", teams2022Body(oldJoin), Change{ConferenceID: "111 222 333"}, true, "Meeting ID: 229 505 202 791\nPasscode: e27acC\n"},
		{"dial-in changed, Swedish", swedish.Replace(teams2022Body(oldJoin)), Change{TollNumbers: []string{"+46 8 123 456 78"}}, true, "Mötes-ID: 229 505 202 791\nLösenord: e27acC\n"},
		{"same link given again", teams2022Body(oldJoin), Change{JoinURL: oldJoin, ConferenceID: "111 222 333"}, true, "Meeting ID: 229 505 202 791\nPasscode: e27acC\n"},
		{"new join link", teams2022Body(oldJoin), newTeams, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cal, res := migrateOne(t, calendar(future(event{body: tc.body})), testRules, tc.ch)
			if !res.Rewritten() {
				t.Fatalf("Skipped=%q Err=%v", res.Skipped, res.Err)
			}
			out := string(cal.Bytes())
			desc := propText(t, out, "DESCRIPTION")
			b, ok := block.FindText(desc)
			switch {
			case !ok:
				t.Fatalf("no block in %q", desc)
			case tc.kept && (b.MeetingNumber != "229 505 202 791" || b.Passcode != "e27acC" || !strings.Contains(desc, tc.label)):
				t.Fatalf("Meeting ID %q passcode %q, want them kept as %q in:\n%s", b.MeetingNumber, b.Passcode, tc.label, desc)
			case !tc.kept && (b.MeetingNumber != "" || b.Passcode != "" || strings.Contains(desc, "229 505 202 791")):
				t.Fatalf("the old link's Meeting ID %q and passcode %q were kept:\n%s", b.MeetingNumber, b.Passcode, desc)
			}
			if _, again := migrateOne(t, out, testRules, tc.ch); again.Skipped != AlreadyCurrent {
				t.Errorf("second run: Skipped=%q Err=%v", again.Skipped, again.Err)
			}
		})
	}
}
