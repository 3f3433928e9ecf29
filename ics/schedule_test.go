package ics

import (
	"strings"
	"testing"
)

// scheduleCalendar holds a meeting to rewrite whose attendee lines already
// carry SCHEDULE-AGENT in several spellings, a VALARM with an ATTENDEE,
// and a second meeting that is not rewritten.
func scheduleCalendar() string {
	src := calendar(
		future(event{uid: "one", body: teamsBody(oldJoin), extra: "BEGIN:VALARM\r\nACTION:EMAIL\r\nATTENDEE:mailto:alarm@contoso.com\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n"}),
		future(event{uid: "two", organizer: "someone@else.com"}),
	)
	src = strings.Replace(src, "ATTENDEE;CN=\"Person 1\";PARTSTAT=ACCEPTED;RSVP=TRUE:", "ATTENDEE;CN=\"Person 1\";schedule-agent=server;PARTSTAT=ACCEPTED;SCHEDULE-AGENT=\"NONE\":", 1)
	src = strings.Replace(src, "ATTENDEE;CN=\"Person 2\";PARTSTAT=ACCEPTED;RSVP=TRUE:", "ATTENDEE;CN=\"Person 2, Ltd.\";SCHEDULE-AGENT=CLIENT;PARTSTAT=ACCEPTED;RSVP=TRUE:", 1)
	return src
}

func TestSetScheduleAgentClient(t *testing.T) {
	cal, err := Parse("s.ics", []byte(scheduleCalendar()))
	if err != nil {
		t.Fatal(err)
	}
	ms := cal.Meetings()
	res := cal.Migrate(ms[0], testRules, newTeams)
	if !res.Rewritten() {
		t.Fatalf("Skipped=%q Err=%v", res.Skipped, res.Err)
	}
	request := string(cal.Request(res.Changed))
	if n := cal.SetScheduleAgentClient(res.Changed); n != 3 { // Person 0, Person 1, ORGANIZER; Person 2 already says CLIENT
		t.Fatalf("changed %d lines, want 3", n)
	}
	if n := lostLine(cal); n > 0 {
		t.Fatalf("line %d not kept byte for byte", n)
	}
	out := string(cal.Bytes())
	for _, want := range []string{
		"ATTENDEE;CN=\"Person 0\";PARTSTAT=ACCEPTED;RSVP=TRUE;SCHEDULE-AGENT=CLIENT:mailto:p0@fabrikam.com",
		"ATTENDEE;CN=\"Person 1\";SCHEDULE-AGENT=CLIENT;PARTSTAT=ACCEPTED:mailto:p1@fabrikam.com",
		"ATTENDEE;CN=\"Person 2, Ltd.\";SCHEDULE-AGENT=CLIENT;PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:p2@fabrikam.com\r\n",
		"ORGANIZER;CN=Anna;SCHEDULE-AGENT=CLIENT:mailto:anna@contoso.com",
		"\r\nATTENDEE:mailto:alarm@contoso.com\r\n",                                       // the alarm's attendee is not the meeting's
		"ATTENDEE;CN=\"Person 0\";PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:p0@fabrikam.com\r\n", // meeting two is not touched
		"ORGANIZER;CN=Anna:mailto:someone@else.com\r\n",
	} {
		if !strings.Contains(unfold(out), want) && !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if got := string(cal.Request(res.Changed)); got != request {
		t.Errorf("the mark reached the request:\n%s", got)
	}
	assertMarked(t, scheduleCalendar(), out)
	if n := cal.SetScheduleAgentClient(res.Changed); n != 0 || string(cal.Bytes()) != out {
		t.Errorf("a second mark changed %d lines", n)
	}
}

// assertMarked checks every ORGANIZER and ATTENDEE of meeting "one" (not its
// alarm) for exactly one SCHEDULE-AGENT=CLIENT, and that the lines marked
// are folded.
func assertMarked(t *testing.T, in, out string) {
	t.Helper()
	again, err := Parse("again.ics", []byte(out))
	if err != nil {
		t.Fatal(err)
	}
	one := again.Meetings()[0].First()
	for _, p := range one.Props {
		if p.Name != "ATTENDEE" && p.Name != "ORGANIZER" {
			continue
		}
		if got := p.Params()["SCHEDULE-AGENT"]; len(got) != 1 || got[0] != "CLIENT" {
			t.Errorf("%s: SCHEDULE-AGENT %q", p.head, got)
		}
		if strings.Count(strings.ToUpper(p.head), "SCHEDULE-AGENT") != 1 {
			t.Errorf("%s: SCHEDULE-AGENT more than once", p.head)
		}
	}
	for _, phys := range strings.Split(out, "\r\n") {
		if !strings.Contains(in, phys) && len(phys) > foldWidth {
			t.Errorf("marked line of %d octets: %q", len(phys), phys)
		}
	}
}

func TestScheduleAgentFoldsLongLines(t *testing.T) {
	long := "ATTENDEE;CN=\"" + strings.Repeat("Åsa Öberg ", 12) + "\";RSVP=TRUE:mailto:asa@fabrikam.com"
	src := strings.Replace(calendar(future(event{body: teamsBody(oldJoin), attendees: 1})), "ATTENDEE;CN=\"Person 0\";PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:p0@fabrikam.com", long, 1)
	cal, res := migrateOne(t, src, testRules, newTeams)
	if cal.SetScheduleAgentClient(res.Changed) != 2 {
		t.Fatal("want the attendee and the organiser marked")
	}
	out := string(cal.Bytes())
	want := strings.Replace(long, ";RSVP=TRUE:", ";RSVP=TRUE;SCHEDULE-AGENT=CLIENT:", 1)
	if !strings.Contains(out, fold(want)) {
		t.Fatalf("long attendee line not folded as edited lines are:\n%s", out)
	}
}

// An attendee marked SCHEDULE-AGENT=NONE keeps its mark: nobody schedules
// for it, and marking it CLIENT would have the next batch mail it.
func TestScheduleAgentNoneKept(t *testing.T) {
	for head, want := range map[string]bool{
		`ATTENDEE;SCHEDULE-AGENT=NONE`:          false,
		`ATTENDEE;schedule-agent="none";RSVP=1`: false,
		`ATTENDEE;SCHEDULE-AGENT=CLIENT`:        false,
		`ATTENDEE;SCHEDULE-AGENT=SERVER`:        true,
		`ATTENDEE;RSVP=TRUE`:                    true,
	} {
		if got, changed := withScheduleAgentClient(head); changed != want {
			t.Errorf("%s: changed %v (%s), want %v", head, changed, got, want)
		}
	}
}
