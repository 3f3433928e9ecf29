package ics

import (
	"slices"
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
// SCHEDULE-AGENT=NONE; each once, the organiser never.
func TestRecipients(t *testing.T) {
	src := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" +
		"BEGIN:VEVENT\r\nUID:s\r\nDTSTART:20260105T100000Z\r\nRRULE:FREQ=WEEKLY;COUNT=9\r\nORGANIZER:mailto:anna@contoso.com\r\n" +
		"ATTENDEE:mailto:Bo@Fabrikam.com\r\nATTENDEE:mailto:anna@contoso.com\r\nATTENDEE;SCHEDULE-AGENT=NONE:mailto:none@fabrikam.com\r\n" +
		"ATTENDEE;SCHEDULE-AGENT=CLIENT:mailto:client@fabrikam.com\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID:20260112T100000Z\r\nDTSTART:20260112T100000Z\r\nORGANIZER:mailto:anna@contoso.com\r\n" +
		"ATTENDEE:mailto:pastonly@fabrikam.com\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID:20260302T100000Z\r\nDTSTART:20260302T100000Z\r\nORGANIZER:mailto:anna@contoso.com\r\n" +
		"ATTENDEE:mailto:bo@fabrikam.com\r\nATTENDEE:mailto:later@fabrikam.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	cal, err := Parse("r.ics", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	comps := cal.Meetings()[0].Components()
	if len(comps) != 3 {
		t.Fatalf("%d components", len(comps))
	}
	got := Recipients([]*Component{comps[0], comps[2]})
	if want := []string{"bo@fabrikam.com", "client@fabrikam.com", "later@fabrikam.com"}; !slices.Equal(got, want) {
		t.Errorf("Recipients = %q, want %q", got, want)
	}
}
