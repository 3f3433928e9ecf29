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
