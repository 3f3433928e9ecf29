package ics

import (
	"fmt"
	"strings"
	"testing"
)

func TestQuotedPrintable(t *testing.T) {
	for head, want := range map[string]bool{
		"DESCRIPTION;ENCODING=QUOTED-PRINTABLE":               true,
		"DESCRIPTION;CHARSET=UTF-8;encoding=Quoted-Printable": true,
		"X-ENCODING=QUOTED-PRINTABLE-ISH":                     true, // as strings.Contains(strings.ToUpper(head), ...) says
		"SUMMARY;CN=Åsa;ENCODıNG=QUOTED-PRINTABLE":            true, // dotless ı upper-cases to I
		"DESCRIPTION;ENCODING=BASE64":                         false,
		"DESCRIPTION;ENCODING=QUOTED":                         false,
		"DESCRIPTION":                                         false,
		"=QUOTED-PRINTABLE":                                   false,
	} {
		if got := quotedPrintable(head); got != want {
			t.Errorf("quotedPrintable(%q) = %v, want %v", head, got, want)
		}
	}
}

// A VEVENT with two DTSTARTs (or DTENDs, or RECURRENCE-IDs) fails that
// meeting with a clear reason; the calendar's other meetings go on.
func TestTwoDTSTARTsFailTheMeeting(t *testing.T) {
	for _, name := range []string{"DTSTART", "DTEND", "RECURRENCE-ID"} {
		twice := future(event{uid: "twice", body: teamsBody(oldJoin), extra: name + ";TZID=\"W. Europe Standard Time\":20260121T100000\r\n"})
		if name == "DTEND" {
			twice.extra += twice.extra
		}
		if name == "RECURRENCE-ID" {
			twice.recurrenceID = "20260120T100000"
		}
		cal, err := Parse("two.ics", []byte(calendar(twice, future(event{uid: "fine", body: teamsBody(oldJoin)}))))
		if err != nil {
			t.Fatal(err)
		}
		ms := cal.Meetings()
		bad, good := cal.Migrate(ms[0], testRules, newTeams), cal.Migrate(ms[1], testRules, newTeams)
		if bad.Err == nil || !strings.Contains(bad.Err.Error(), "holds "+name+" twice") || !strings.Contains(bad.Err.Error(), "two.ics: line ") {
			t.Errorf("%s twice: Err = %v, Skipped = %q", name, bad.Err, bad.Skipped)
		}
		if !good.Rewritten() {
			t.Errorf("%s twice: the other meeting: %+v", name, good)
		}
	}
}

// TestLineWithoutNameFailsItsMeeting: a line that is not an iCalendar
// line after ORGANIZER (or another property whose value cannot hold a
// line break) fails that meeting, naming the line, instead of reading it
// as part of the address; the other meeting goes on, and a raw line break
// in text (a COMMENT) is still read as text.
func TestLineWithoutNameFailsItsMeeting(t *testing.T) {
	broken := future(event{uid: "broken", body: teamsBody(oldJoin)})
	broken.organizer = "anna@contoso.com\r\nPRIORITY5 no colon here;;;;"
	cal, err := Parse("broken.ics", []byte(calendar(broken, future(event{uid: "fine", body: teamsBody(oldJoin), extra: "COMMENT:a comment\r\nbroken raw by its exporter\r\n"}))))
	if err != nil {
		t.Fatal(err)
	}
	ms := cal.Meetings()
	bad, good := cal.Migrate(ms[0], testRules, newTeams), cal.Migrate(ms[1], testRules, newTeams)
	org := strings.Count(calendar(broken)[:strings.Index(calendar(broken), "ORGANIZER")], "\n") + 1
	if bad.Err == nil || !strings.Contains(bad.Err.Error(), fmt.Sprintf("broken.ics: line %d: this line is not an iCalendar line", org+1)) ||
		!strings.Contains(bad.Err.Error(), fmt.Sprintf("ORGANIZER (line %d) runs on", org)) {
		t.Errorf("ORGANIZER run on: Err = %v, Skipped = %q", bad.Err, bad.Skipped)
	}
	if !good.Rewritten() {
		t.Errorf("the other meeting: %+v", good)
	}
}

// A line that is not an iCalendar line right after BEGIN:VEVENT, or after
// a property whose value is not text (CLASS, TRANSP), fails that meeting
// naming the line; it is not read as part of that line, which after
// BEGIN:VEVENT hid the whole meeting from the run and its report (found by
// an audit).
func TestLineWithoutNameAfterBeginFailsItsMeeting(t *testing.T) {
	for _, after := range []string{"BEGIN:VEVENT", "CLASS:PUBLIC", "TRANSP:OPAQUE"} {
		e := future(event{uid: "broken", body: teamsBody(oldJoin)})
		src := calendar(e, future(event{uid: "fine", body: teamsBody(oldJoin)}))
		if after != "BEGIN:VEVENT" {
			src = strings.Replace(src, "BEGIN:VEVENT\r\n", "BEGIN:VEVENT\r\n"+after+"\r\n", 1)
		}
		src = strings.Replace(src, after+"\r\n", after+"\r\nTHIS LINE HAS NO COLON\r\n", 1)
		garbage := strings.Count(src[:strings.Index(src, "THIS LINE")], "\n") + 1
		cal, err := Parse("broken.ics", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		ms := cal.Meetings()
		if len(ms) != 2 {
			t.Fatalf("after %s: %d meetings, want 2", after, len(ms))
		}
		bad, good := cal.Migrate(ms[0], testRules, newTeams), cal.Migrate(ms[1], testRules, newTeams)
		if want := fmt.Sprintf("broken.ics: line %d: this line is not an iCalendar line (NAME:value): \"THIS LINE HAS NO COLON\"", garbage); bad.Err == nil || !strings.Contains(bad.Err.Error(), want) {
			t.Errorf("after %s: Err = %v, want %q", after, bad.Err, want)
		}
		if !good.Rewritten() {
			t.Errorf("after %s: the other meeting: %+v", after, good)
		}
	}
}

// A DESCRIPTION broken raw by its exporter, holding a line that looks like
// a property ("Agenda:") and lines after it, is read as before: the lines
// run on, the meeting is rewritten (found by a review: the line after
// "Agenda:" failed the meeting).
func TestRawBrokenTextWithANameLikeLine(t *testing.T) {
	e := future(event{body: teamsBody(oldJoin)})
	src := strings.Replace(calendar(e), "BEGIN:VEVENT\r\n", "BEGIN:VEVENT\r\nCOMMENT:Notes\r\nAgenda:\r\n- item one\r\n- item two\r\n", 1)
	if _, res := migrateOne(t, src, testRules, newTeams); !res.Rewritten() {
		t.Errorf("Skipped=%q Err=%v, want rewritten", res.Skipped, res.Err)
	}
}

// TestUnderscoreNamesAreLines: a property whose name holds '_' (Exchange
// and Outlook for Mac write X-ENTOURAGE_UUID right after UID) is a line of
// its own, not a raw break in the UID: the meeting is rewritten, its UID
// is the UID, and the X- line stays byte for byte.
func TestUnderscoreNamesAreLines(t *testing.T) {
	entourage := "X-ENTOURAGE_UUID:C9375D3E-8A1B-4D50-9C55-1C0A2B3D4E5F\r\n"
	src := calendar(future(event{uid: "ent-1", body: teamsBody(oldJoin)}))
	src = strings.Replace(src, "UID:ent-1\r\n", "UID:ent-1\r\n"+entourage, 1)
	cal, res := migrateOne(t, src, testRules, newTeams)
	if res.Err != nil || !res.Rewritten() || res.UID != "ent-1" {
		t.Fatalf("meeting with X-ENTOURAGE_UUID: %+v", res)
	}
	if out := string(cal.Bytes()); strings.Count(out, "UID:ent-1\r\n"+entourage) != 1 {
		t.Errorf("the UID and X-ENTOURAGE_UUID lines changed:\n%s", out)
	}
}

// TestValueErrorNamesItsLine: a meeting failed for one property's value (a
// DTSTART that is no date, an RRULE of no frequency, an unknown TZID, an
// EXDATE of an override that is no date) names that property's line, not
// the line its VEVENT begins at.
func TestValueErrorNamesItsLine(t *testing.T) {
	for _, c := range []struct{ name, extra, want string }{
		{"RRULE", "RRULE:FREQ=SOMETIMES\r\n", `RRULE "FREQ=SOMETIMES"`},
		{"EXDATE", "RRULE:FREQ=WEEKLY\r\nEXDATE:2026-02-01\r\n", `EXDATE "2026-02-01"`},
		{"TZID", "RDATE;TZID=Nowhere/Atlantis:20260301T100000\r\n", `unknown time zone "Nowhere/Atlantis"`},
		// what the update would carry to attendees (found by an audit: sent as it was)
		{"DTEND", "DTEND:garbage\r\n", `DTEND "garbage"`},
		{"DURATION", "DURATION:an hour\r\n", `DURATION "an hour" is not a duration`},
		{"SEQUENCE twice", "SEQUENCE:3\r\nSEQUENCE:5\r\n", "the VEVENT holds SEQUENCE 2 times"},
		{"DTSTAMP twice", "DTSTAMP:20250102T000000Z\r\n", "the VEVENT holds DTSTAMP 2 times"},
	} {
		e := future(event{uid: "bad", body: teamsBody(oldJoin), extra: c.extra})
		text := calendar(future(event{uid: "fine", body: teamsBody(oldJoin)}), e)
		cal, err := Parse("bad.ics", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		line := 0
		for i, l := range strings.Split(text, "\r\n") {
			if strings.HasPrefix(l, strings.TrimSuffix(strings.SplitAfter(c.extra, "\r\n")[strings.Count(c.extra, "\r\n")-1], "\r\n")) {
				line = i + 1
			}
		}
		bad := cal.Migrate(cal.Meetings()[1], testRules, newTeams)
		if want := fmt.Sprintf("bad.ics: line %d: ", line); bad.Err == nil || !strings.Contains(bad.Err.Error(), want) || !strings.Contains(bad.Err.Error(), c.want) {
			t.Errorf("%s: Err = %v, want %q and %q", c.name, bad.Err, want, c.want)
		}
		if len(bad.Changed) != 0 || string(cal.Bytes()) != text {
			t.Errorf("%s: the failed meeting was changed", c.name)
		}
		// A meeting mms leaves alone is skipped for its reason, whatever else it holds.
		e.organizer = "someone@fabrikam.com"
		cal, err = Parse("bad.ics", []byte(calendar(e)))
		if err != nil {
			t.Fatal(err)
		}
		if res := cal.Migrate(cal.Meetings()[0], testRules, newTeams); res.Err != nil || res.Skipped != NotOrganizer {
			t.Errorf("%s: another's meeting: %q %v, want skipped %s", c.name, res.Skipped, res.Err, NotOrganizer)
		}
	}
}

// TestOverrideValueErrorNamesItsLine: an override whose DTSTART reads as
// its master's does, but in an unknown time zone, is named by its own
// line, not the master's.
func TestOverrideValueErrorNamesItsLine(t *testing.T) {
	body := "DESCRIPTION:" + escape(teamsBody(oldJoin)) + "\r\n"
	text := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n" +
		"BEGIN:VEVENT\r\nUID:series\r\nDTSTAMP:20250101T000000Z\r\nDTSTART;TZID=Europe/Berlin:20260105T090000\r\nRRULE:FREQ=WEEKLY\r\nORGANIZER:mailto:anna@contoso.com\r\n" + body + "END:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:series\r\nDTSTAMP:20250101T000000Z\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260112T090000\r\nDTSTART;TZID=Bogus/Zone:20260105T090000\r\nORGANIZER:mailto:anna@contoso.com\r\n" + body + "END:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	cal, err := Parse("series.ics", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	line := 0
	for i, l := range strings.Split(text, "\r\n") {
		if strings.HasPrefix(l, "DTSTART;TZID=Bogus") {
			line = i + 1
		}
	}
	res := cal.Migrate(cal.Meetings()[0], testRules, newTeams)
	if want := fmt.Sprintf("series.ics: line %d: ", line); res.Err == nil || !strings.Contains(res.Err.Error(), want) {
		t.Errorf("Err = %v, want %q", res.Err, want)
	}
}

// A meeting whose fault leaves its organiser and times readable (a second
// copy of it, as exports joined together hold; a QUOTED-PRINTABLE
// property) is skipped for what every copy of it says, not failed: it is
// another's, or past. The user's own meeting to come still fails, and a
// fault that hides who organises it (an ORGANIZER broken over lines)
// fails it whoever that is (found by an audit: such meetings failed the
// user).
func TestReadableFaultsStillSkip(t *testing.T) {
	twice := func(e event) string { return e.String() + e.String() }
	bobs := future(event{uid: "x", organizer: "bob@contoso.com", attendees: 2, body: teamsBody(oldJoin)}).String()
	for _, c := range []struct {
		name, src string
		want      Reason
		fails     string
	}{
		{"another's, twice", twice(future(event{uid: "x", organizer: "bob@contoso.com", attendees: 2, body: teamsBody(oldJoin)})), NotOrganizer, ""},
		{"past, twice", twice(event{uid: "x", start: "20200120T100000", organizer: "anna@contoso.com", attendees: 2, body: teamsBody(oldJoin)}), Past, ""},
		{"another's, quoted-printable", future(event{uid: "x", organizer: "bob@contoso.com", attendees: 2, body: teamsBody(oldJoin), extra: "X-NOTE;ENCODING=QUOTED-PRINTABLE:caf=C3=A9\r\n"}).String(), NotOrganizer, ""},
		{"own, twice", twice(future(event{uid: "x", body: teamsBody(oldJoin)})), "", "a second VEVENT without RECURRENCE-ID"},
		{"own series to come, twice", twice(event{uid: "x", start: "20200120T100000", organizer: "anna@contoso.com", attendees: 2, body: teamsBody(oldJoin), extra: "RRULE:FREQ=YEARLY\r\n"}), "", "a second VEVENT without RECURRENCE-ID"},
		// found by a review: a readable fault first hid a later one
		{"another's twice, the second copy's organiser broken", bobs + strings.Replace(bobs, "ORGANIZER;CN=Anna:mailto:bob@contoso.com\r\n", "ORGANIZER;CN=Anna:mailto:bob@contoso.com\r\nand anna\r\n", 1), "", "a second VEVENT"},
		{"another's, quoted-printable before a broken organiser", strings.Replace(future(event{uid: "x", organizer: "bob@contoso.com", attendees: 2, body: teamsBody(oldJoin)}).String(), "ORGANIZER;CN=Anna:mailto:bob@contoso.com\r\n", "X-NOTE;ENCODING=QUOTED-PRINTABLE:caf=C3=A9\r\nORGANIZER;CN=Anna:mailto:bob@contoso.com\r\nand anna\r\n", 1), "", "QUOTED-PRINTABLE"},
		{"another's twice, a line hidden by a bare CR", strings.Replace(twice(future(event{uid: "x", organizer: "bob@contoso.com", attendees: 2, body: teamsBody(oldJoin)})), "DESCRIPTION:", "DESCRIPTION:Hello\rORGANIZER:mailto:anna@contoso.com ", 1), "", "a second VEVENT"},
		{"another's, organiser broken", strings.Replace(twice(future(event{uid: "x", organizer: "bob@contoso.com", attendees: 2, body: teamsBody(oldJoin)})), "ORGANIZER;CN=Anna:mailto:bob@contoso.com\r\n", "ORGANIZER;CN=Anna:mailto:bob@contoso.com\r\nand anna\r\n", 1), "", "runs on into it"},
	} {
		cal, err := Parse("joined.ics", []byte(strings.Replace(calendar(), "END:VCALENDAR", c.src+"END:VCALENDAR", 1)))
		if err != nil {
			t.Fatal(err)
		}
		res := cal.Migrate(cal.Meetings()[0], testRules, newTeams)
		switch {
		case c.want != "" && (res.Skipped != c.want || res.Err != nil):
			t.Errorf("%s: Skipped=%q Err=%v, want %s", c.name, res.Skipped, res.Err, c.want)
		case c.want == "" && (res.Err == nil || !strings.Contains(res.Err.Error(), c.fails)):
			t.Errorf("%s: Skipped=%q Err=%v, want it failed: %s", c.name, res.Skipped, res.Err, c.fails)
		}
	}
}
