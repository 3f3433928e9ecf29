package ics

import (
	"strings"
	"testing"
)

// A CR-only calendar fails with what to do, not with itself upper-cased.
func TestCROnlyCalendarSaysSo(t *testing.T) {
	src := strings.ReplaceAll(calendar(future(event{body: teamsBody(oldJoin)})), "\r\n", "\r")
	_, err := Parse("mac.ics", []byte(src))
	if err == nil {
		t.Fatal("a CR-only calendar parsed")
	}
	msg := err.Error()
	if !strings.Contains(msg, "mac.ics") || !strings.Contains(msg, "line endings are CR only") || !strings.Contains(msg, "CRLF or LF") || len(msg) > 200 {
		t.Fatalf("message (%d bytes) = %.300q", len(msg), msg)
	}
}

// No message copies a large piece of hostile input: each names the file
// and line and quotes at most a short excerpt.
func TestMessagesNeverCopyTheInput(t *testing.T) {
	huge := strings.Repeat("X", 1<<20)
	head := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
	ev := func(extra string) string {
		return head + "BEGIN:VEVENT\r\nUID:u1\r\nORGANIZER:mailto:anna@contoso.com\r\nDTSTART:20260120T100000Z\r\n" + extra + "END:VEVENT\r\nEND:VCALENDAR\r\n"
	}
	cases := map[string]string{
		"BEGIN: and 20 MB":        "BEGIN:" + strings.Repeat("X", 20<<20),
		"BEGIN: and 20 MB, lines": "BEGIN:" + huge + "\r\nEND:VCALENDAR\r\n",
		"component name":          head + "BEGIN:" + huge + "\r\nEND:VCALENDAR\r\n",
		"END name":                ev("END:" + huge + "\r\n"),
		"bad line":                ev(huge + "\r\n"),
		"bad parameter":           ev("X-A;" + huge + ":v\r\n"),
		"SEQUENCE":                ev("SEQUENCE:" + huge + "\r\n"),
		"TZID":                    ev("DTEND;TZID=" + huge + ":20260120T110000\r\nRRULE:FREQ=DAILY\r\n"),
		"DTSTART value":           strings.Replace(ev(""), "DTSTART:20260120T100000Z", "DTSTART:"+huge, 1),
		"RRULE":                   ev("RRULE:FREQ=DAILY;" + huge + "\r\n"),
		"UNTIL":                   ev("RRULE:FREQ=DAILY;UNTIL=" + huge + "\r\n"),
		"EXDATE":                  ev("RRULE:FREQ=DAILY\r\nEXDATE:" + huge + "\r\n"),
		"CR only":                 strings.ReplaceAll(ev("X-A:"+huge+"\r\n"), "\r\n", "\r"),
	}
	for name, src := range cases {
		var msgs []string
		cal, err := Parse("hostile.ics", []byte(src))
		if err != nil {
			msgs = append(msgs, err.Error())
		}
		for _, m := range cal.Meetings() {
			r := cal.Migrate(m, Rules{Organizer: []string{"anna@contoso.com"}, Now: testNow, Stamp: testStamp}, newTeams)
			if r.Err != nil {
				msgs = append(msgs, r.Err.Error())
			}
		}
		for _, msg := range msgs {
			if len(msg) > maxMessage+20 || strings.Contains(msg, strings.Repeat("X", 41)) || !strings.Contains(msg, "hostile.ics") {
				t.Errorf("%s: message of %d bytes: %.200q", name, len(msg), msg)
			}
		}
	}
}
