package ics

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Each skip says its evidence: the ORGANIZER, the last occurrence, the
// count, the bodies searched, the provider, the property and links that
// disagree, or the Skype user; short, whatever the input's length.
func TestSkipEvidence(t *testing.T) {
	long := "https://teams.microsoft.com/l/meetup-join/19%3ameeting_OTHER" + strings.Repeat("x", 5000) + "%40thread.v2/0"
	skype := strings.ReplaceAll(skypeBody, "/anna/", "/bob/")
	cases := []struct {
		name string
		ev   event
		want Reason
		says []string
		ch   *Change // newTeams when nil
	}{
		{"not organiser", event{organizer: "boss@contoso.com", body: teamsBody(oldJoin)}, NotOrganizer, []string{"ORGANIZER ", "mailto:boss@contoso.com"}, nil},
		{"past single", event{start: "20250301T100000", body: teamsBody(oldJoin)}, Past, []string{"last occurrence 2025-03-01 09:00 UTC"}, nil},
		{"past series", event{start: "20250106T100000", body: teamsBody(oldJoin), extra: "RRULE:FREQ=WEEKLY;COUNT=3\r\n"}, Past, []string{"last occurrence 2025-01-20 09:00 UTC"}, nil},
		{"past series, last excluded", event{start: "20250106T100000", body: teamsBody(oldJoin), extra: "RRULE:FREQ=WEEKLY;COUNT=3\r\nEXDATE;TZID=\"W. Europe Standard Time\":20250120T100000\r\n"}, Past, []string{"last occurrence 2025-01-13 09:00 UTC"}, nil},
		{"too many", event{attendees: 260, body: teamsBody(oldJoin)}, TooManyAttendees, []string{"261 people", "250"}, nil},
		{"no body", event{}, NoMeetingBlock, []string{"no body"}, nil},
		{"text without block", event{body: "Agenda only"}, NoMeetingBlock, []string{"no block in DESCRIPTION"}, nil},
		{"text and html without block", event{body: "Agenda only", extra: altDesc("<p>Agenda</p>")}, NoMeetingBlock, []string{"DESCRIPTION or X-ALT-DESC"}, nil},
		{"zoom", event{body: "Join Zoom Meeting\nhttps://us02web.zoom.us/j/85512345678?pwd=abc\n\nMeeting ID: 855 1234 5678\nPasscode: 123456\n"}, OtherProvider, []string{"provider zoom", "https://us02web.zoom.us/j/855"}, nil},
		{"pasted by property", event{body: teamsBody(oldJoin), extra: fold("X-MICROSOFT-SKYPETEAMSMEETINGURL:" + long)}, PastedBlock, []string{"X-MICROSOFT-SKYPETEAMSMEETINGURL names https://teams.microsoft.com/...", "meeting_OTHER", "the block's link is https://teams.microsoft.com/...", "meeting_OLD%40"}, nil},
		{"pasted skype", event{body: skype}, PastedBlock, []string{"user bob", "organiser anna@contoso.com"}, nil},
		{"already current", event{body: teamsBody(oldJoin)}, AlreadyCurrent, []string{"already shows join link https://teams.microsoft.com/l/meetup-join/19%3ameeting_OLD"},
			&Change{ConferenceID: "580849884"}},
		{"change gives nothing", event{body: teamsBody(oldJoin)}, AlreadyCurrent, []string{"the change gives no new value", "nothing is written"}, &Change{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ch := newTeams
			if tc.ch != nil {
				ch = *tc.ch
			}
			_, res := migrateOne(t, calendar(future(tc.ev)), testRules, ch)
			if res.Skipped != tc.want {
				t.Fatalf("Skipped = %q (Err %v), want %q", res.Skipped, res.Err, tc.want)
			}
			for _, s := range tc.says {
				if !strings.Contains(res.Evidence, s) {
					t.Errorf("Evidence = %q, want it to say %q", res.Evidence, s)
				}
			}
			if len(res.Evidence) > maxEvidence {
				t.Errorf("Evidence is %d bytes", len(res.Evidence))
			}
		})
	}
}

// A meeting that is rewritten has no evidence to give.
func TestRewrittenHasNoEvidence(t *testing.T) {
	_, res := migrateOne(t, calendar(future(event{body: teamsBody(oldJoin)})), testRules, newTeams)
	if !res.Rewritten() || res.Evidence != "" {
		t.Errorf("Rewritten %v, Evidence %q", res.Rewritten(), res.Evidence)
	}
}

// A meeting left out by --source-type names the kind of block it has.
func TestNotSourceTypeEvidence(t *testing.T) {
	r := testRules
	r.Source = SourceSfB
	_, res := migrateOne(t, calendar(future(event{body: teamsBody(oldJoin)})), r, newTeams)
	if res.Skipped != NotSourceMeetingType || !strings.Contains(res.Evidence, "block of teams") {
		t.Errorf("Skipped %q, Evidence %q", res.Skipped, res.Evidence)
	}
}

// Two links alike past a long host (Skype on-premises) are quoted apart
// without a panic, and a conference link with non-ASCII text before its
// marker is read (found by a review: both sliced past their end).
func TestEvidenceOfLongAndNonASCIILinks(t *testing.T) {
	host := "meet." + strings.Repeat("communications-", 4) + "contoso.com"
	a, b := clipApart("https://"+host+"/bob/AB12CD34", "https://"+host+"/anna/ZZ99YY88", evidenceLink)
	if a == b || !utf8.ValidString(a) || !utf8.ValidString(b) {
		t.Errorf("clipApart: %q, %q", a, b)
	}
	a, b = clipApart("https://x/"+strings.Repeat("é", 40)+"1", "https://x/"+strings.Repeat("é", 40)+"2", evidenceLink)
	if a == b || !utf8.ValidString(a) || !utf8.ValidString(b) {
		t.Errorf("clipApart, two-byte characters: %q, %q", a, b)
	}
	for _, v := range []string{
		"conf:sip:" + strings.Repeat("Ⱥ", 40) + "@contoso.com;gruu;opaque=app:conf:focus:id:teams:2:0!19:meeting_X-thread.v2!t!o",
		"\xc8OPAQUE=APP:CONF:FOCUS:ID:TEAMS:2:0!19:meeting_X-thread.v2!t!o",
	} {
		if got := teamsConferenceThread(v); got != "19:meeting_X@thread.v2" {
			t.Errorf("teamsConferenceThread(%q) = %q", v, got)
		}
	}
	// and a Skype one (a second review: ":AB12CD34", or a panic)
	for _, v := range []string{"conf:sip:İlker@contoso.com;gruu;opaque=app:conf:focus:id:AB12CD34", "conf:sip:" + strings.Repeat("Ⱥ", 20) + "@contoso.com;gruu;opaque=app:conf:focus:id:AB12CD34"} {
		if got := conferenceKey(v); got != "AB12CD34" {
			t.Errorf("conferenceKey(%q) = %q", v, got)
		}
	}
}
