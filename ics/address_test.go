package ics

import (
	"slices"
	"strings"
	"testing"
)

func TestFirstOfEach(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"b", "a", "c"}, []string{"b", "a", "c"}},
		{[]string{"b", "a", "b", "c", "a"}, []string{"b", "a", "c"}},
		{[]string{"a", "a"}, []string{"a"}},
		{nil, nil},
	} {
		if got := firstOfEach(slices.Clone(tc.in)); !slices.Equal(got, tc.want) {
			t.Errorf("firstOfEach(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// An update goes to the attendees of the components it carries: not to
// one only on an instance it leaves out, nor to one marked
// SCHEDULE-AGENT=NONE; each once (in any case, as first written: a
// mailbox's local part is its own, RFC 5321 2.4), the organiser never; a
// percent-escape of a mailto: is decoded (RFC 6068) (found by an audit:
// lower-cased, and mailed escaped).
func TestRecipients(t *testing.T) {
	src := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" +
		"BEGIN:VEVENT\r\nUID:s\r\nDTSTART:20260105T100000Z\r\nRRULE:FREQ=WEEKLY;COUNT=9\r\nORGANIZER:mailto:anna@contoso.com\r\n" +
		"ATTENDEE:mailto:Bo@Fabrikam.com\r\nATTENDEE:mailto:anna@contoso.com\r\nATTENDEE;SCHEDULE-AGENT=NONE:mailto:none@fabrikam.com\r\n" +
		"ATTENDEE;SCHEDULE-AGENT=CLIENT:mailto:client@fabrikam.com\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID:20260112T100000Z\r\nDTSTART:20260112T100000Z\r\nORGANIZER:mailto:anna@contoso.com\r\n" +
		"ATTENDEE:mailto:pastonly@fabrikam.com\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID:20260302T100000Z\r\nDTSTART:20260302T100000Z\r\nORGANIZER:mailto:anna@contoso.com\r\n" +
		"ATTENDEE:mailto:bo@fabrikam.com\r\nATTENDEE:mailto:later@fabrikam.com\r\nATTENDEE:MAILTO:bob%2Btag@fabrikam.com\r\nATTENDEE:mailto:Anna@Contoso.com\r\nATTENDEE:mailto:cr%0D%0Alf@fabrikam.com\r\nATTENDEE;EMAIL=pct%41@fabrikam.com:urn:uuid:1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	cal, err := Parse("r.ics", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	comps := cal.Meetings()[0].Components()
	if len(comps) != 3 {
		t.Fatalf("%d components", len(comps))
	}
	got := Recipients([]*Component{comps[0], comps[2]})
	if want := []string{"Bo@Fabrikam.com", "client@fabrikam.com", "later@fabrikam.com", "bob+tag@fabrikam.com", "cr%0D%0Alf@fabrikam.com", "pct%41@fabrikam.com"}; !slices.Equal(got, want) {
		t.Errorf("Recipients = %q, want %q", got, want)
	}
}

// Apple's exports name some calendar users by a urn:uuid: or a principal
// path, and the organiser by an opaque iMIP address, each with its mail
// address in an EMAIL parameter (RFC 7986): the organiser is the user, and
// the update goes to those addresses.
func TestEmailParameter(t *testing.T) {
	ev := future(event{body: teamsBody(oldJoin), extra: "X-MICROSOFT-SKYPETEAMSMEETINGURL:" + oldJoin + "\r\n" +
		"ATTENDEE;CN=Carl;EMAIL=\"Carl@Contoso.com\";PARTSTAT=NEEDS-ACTION:urn:uuid:7a1c4a3e-1f4e-4b7e-9a39-2b1f5b0c6d11\r\n" +
		"ATTENDEE;CN=Dora;EMAIL=dora@fabrikam.com:/1234567890/principal/\r\n" +
		"ATTENDEE;CN=Bob:mailto:bob@fabrikam.com\r\n" +
		"ATTENDEE;CN=Anna;EMAIL=anna@contoso.com:mailto:2_gezdgnbvgy3tqojq@imip.me.com\r\n" +
		"ATTENDEE;CN=Eve;EMAIL=other@fabrikam.com:mailto:eve@fabrikam.com\r\n"})
	src := strings.Replace(calendar(ev), "ORGANIZER;CN=Anna:mailto:anna@contoso.com",
		"ORGANIZER;CN=Anna;EMAIL=anna@contoso.com:mailto:2_gezdgnbvgy3tqojq@imip.me.com", 1)
	cal, res := migrateOne(t, src, testRules, newTeams)
	if !res.Rewritten() {
		t.Fatalf("the user's meeting, organised under Apple's iMIP address, was not rewritten: %+v", res)
	}
	got := Recipients(res.Changed)
	if want := []string{"p0@fabrikam.com", "p1@fabrikam.com", "p2@fabrikam.com", "Carl@Contoso.com", "dora@fabrikam.com", "bob@fabrikam.com", "other@fabrikam.com"}; !slices.Equal(got, want) {
		t.Errorf("Recipients = %q, want %q", got, want)
	}
	if res.Organizer != "anna@contoso.com" {
		t.Errorf("Organizer = %q, want the user's address, not Apple's iMIP relay's (the update's From)", res.Organizer)
	}
	if !strings.Contains(string(cal.Bytes()), "urn:uuid:7a1c4a3e-1f4e-4b7e-9a39-2b1f5b0c6d11\r\n") {
		t.Error("an attendee's value changed")
	}
}
