package ics

import (
	"fmt"
	"strings"
	"testing"
)

// A meeting about to be rewritten whose lines hold a control character or
// bytes that are not UTF-8 fails, naming the line: its update would carry
// them to every attendee (found by an audit: a NUL in SUMMARY went into
// the mail). A TAB is text; a past meeting with such bytes is left alone,
// as any past meeting is.
func TestBytesAnUpdateCannotCarry(t *testing.T) {
	cases := []struct {
		summary, want string
	}{
		{"A\x00B", "a control character (byte 0x00)"},
		{"Möte \xf6 Latin-1", "a byte that is not UTF-8 (0xF6)"},
		{"Weekly\x1b[31m sync", "a control character (byte 0x1B)"},
		{"Weekly\tsync", ""},
		// a fold inside a character is read unfolded (RFC 5545, 3.1; found by an audit: failed)
		{"M\xc3\r\n \xb6te \xe4\xbc\r\n\t\x9a", ""},
		{"M\xc3\r\n x", "a byte that is not UTF-8 (0xC3)"},
	}
	for _, c := range cases {
		e := future(event{body: teamsBody(oldJoin)})
		src := strings.Replace(calendar(e), "BEGIN:VEVENT\r\n", "BEGIN:VEVENT\r\nSUMMARY:"+c.summary+"\r\n", 1)
		line := strings.Count(src[:strings.Index(src, "SUMMARY:")], "\n") + 1
		cal, res := migrateOne(t, src, testRules, newTeams)
		if c.want == "" {
			if !res.Rewritten() {
				t.Errorf("%q: Skipped=%q Err=%v, want rewritten", c.summary, res.Skipped, res.Err)
			}
			continue
		}
		want := fmt.Sprintf("test.ics: line %d: UID uid-1: %s", line, c.want)
		if res.Err == nil || !strings.Contains(res.Err.Error(), want) || res.Changed != nil {
			t.Errorf("%q: Err=%v, want %q", c.summary, res.Err, want)
		}
		if string(cal.Bytes()) != src {
			t.Errorf("%q: the calendar changed", c.summary)
		}
		past := event{body: teamsBody(oldJoin), start: "20250120T100000"}
		src = strings.Replace(calendar(future(past)), "BEGIN:VEVENT\r\n", "BEGIN:VEVENT\r\nSUMMARY:"+c.summary+"\r\n", 1)
		if _, res := migrateOne(t, src, testRules, newTeams); res.Skipped != Past || res.Err != nil {
			t.Errorf("%q in a past meeting: Skipped=%q Err=%v, want past", c.summary, res.Skipped, res.Err)
		}
	}
}

// A CR without a LF inside a meeting's lines (a file mixing line endings)
// fails that meeting, naming the line, whatever the rules would have
// said: an ORGANIZER running on into the next property read as another
// organiser (not-organizer), a CR in the text rewritten away. The other
// meetings go on; a message quotes a stray CR as \r. Found by an audit.
func TestBareCRFailsTheMeeting(t *testing.T) {
	good := future(event{uid: "good", body: teamsBody(oldJoin)})
	for name, edit := range map[string]func(string) string{
		"organizer runs on": func(s string) string {
			return strings.Replace(s, "ORGANIZER;CN=Anna:mailto:anna@contoso.com\r\n", "ORGANIZER;CN=Anna:mailto:anna@contoso.com\rPRIORITY:5\r\n", 1)
		},
		"in the text": func(s string) string { return strings.Replace(s, "DESCRIPTION:", "DESCRIPTION:Hej\ralla ", 1) },
	} {
		bad := edit(future(event{uid: "bad", body: teamsBody(oldJoin)}).String())
		src := strings.Replace(calendar(good), "END:VCALENDAR", bad+"END:VCALENDAR", 1)
		cal, err := Parse("mixed.ics", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range cal.Meetings() {
			res := cal.Migrate(m, testRules, newTeams)
			switch m.UID {
			case "good":
				if !res.Rewritten() {
					t.Errorf("%s: the other meeting: %+v", name, res)
				}
			case "bad":
				if res.Err == nil || !strings.Contains(res.Err.Error(), "mixed.ics: line ") || !strings.Contains(res.Err.Error(), "carriage return (CR) without a line feed") {
					t.Errorf("%s: Skipped=%q Err=%v, want a failure naming the line and the CR", name, res.Skipped, res.Err)
				}
			}
		}
	}
	// a past meeting is left as it is
	past := strings.Replace(event{uid: "old", start: "20200120T100000", organizer: "anna@contoso.com", attendees: 3, body: teamsBody(oldJoin)}.String(), "DESCRIPTION:", "DESCRIPTION:Hej\ralla ", 1)
	cal, err := Parse("past.ics", []byte(strings.Replace(calendar(), "END:VCALENDAR", past+"END:VCALENDAR", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if res := cal.Migrate(cal.Meetings()[0], testRules, newTeams); res.Skipped != Past || res.Err != nil {
		t.Errorf("a past meeting with a bare CR: Skipped=%q Err=%v, want past", res.Skipped, res.Err)
	}
	// A meeting skipped for a reason its lines leave no doubt about keeps
	// it: a bare CR inside text hides no line. One that may hide a line
	// (an ORGANIZER run on into the SUMMARY) still fails.
	for name, tc := range map[string]struct {
		ev   event
		edit func(string) string
		want Reason
	}{
		"another's meeting": {event{uid: "x", organizer: "bob@contoso.com", attendees: 3, body: teamsBody(oldJoin)},
			func(s string) string { return strings.Replace(s, "DESCRIPTION:", "DESCRIPTION:Hello\rWorld ", 1) }, NotOrganizer},
		// a second review: text that merely reads "Word:" hides no line
		"another's, a note after the CR": {event{uid: "x", organizer: "bob@contoso.com", attendees: 3, body: teamsBody(oldJoin)},
			func(s string) string {
				return strings.Replace(s, "DESCRIPTION:", "DESCRIPTION:Hello\rNote: bring laptops ", 1)
			}, NotOrganizer},
		"no block": {event{uid: "x", body: "Agenda: budget"},
			func(s string) string {
				return strings.Replace(s, "DESCRIPTION:", "DESCRIPTION:Hello\rWorld\\, room 4 ", 1)
			}, NoMeetingBlock},
		// found by a review: names are case-insensitive, and a fold may
		// split one
		"a line hidden, lower case": {event{uid: "x", organizer: "bob@contoso.com", attendees: 3, body: teamsBody(oldJoin)},
			func(s string) string {
				return strings.Replace(s, "DESCRIPTION:", "DESCRIPTION:Hello\rorganizer:mailto:anna@contoso.com ", 1)
			}, ""},
		"a line hidden, folded": {event{uid: "x", organizer: "bob@contoso.com", attendees: 3, body: teamsBody(oldJoin)},
			func(s string) string {
				return strings.Replace(s, "DESCRIPTION:", "DESCRIPTION:Hello\rORGA\r\n NIZER:mailto:anna@contoso.com ", 1)
			}, ""},
		"a line hidden": {event{uid: "x", organizer: "bob@contoso.com", attendees: 3, body: teamsBody(oldJoin)},
			func(s string) string {
				return strings.Replace(s, "DESCRIPTION:", "DESCRIPTION:Hello\rORGANIZER:mailto:anna@contoso.com\rX-A:", 1)
			}, ""},
	} {
		src := tc.edit(future(tc.ev).String())
		cal, err := Parse("mixed.ics", []byte(strings.Replace(calendar(), "END:VCALENDAR", src+"END:VCALENDAR", 1)))
		if err != nil {
			t.Fatal(err)
		}
		res := cal.Migrate(cal.Meetings()[0], testRules, newTeams)
		if tc.want == "" {
			if res.Err == nil || !strings.Contains(res.Err.Error(), "carriage return (CR) without a line feed") {
				t.Errorf("%s: Skipped=%q Err=%v, want the CR named", name, res.Skipped, res.Err)
			}
		} else if res.Skipped != tc.want || res.Err != nil {
			t.Errorf("%s: Skipped=%q Err=%v, want %s", name, res.Skipped, res.Err, tc.want)
		}
	}
	if got := excerpt("END:VEVENT\rBEGIN:VEVENT\x00"); got != `END:VEVENT\rBEGIN:VEVENT\x00` {
		t.Errorf("excerpt = %q", got)
	}
}
