package input

import (
	"strings"
	"testing"
)

// Extra columns an admin keeps are ignored (SPEC: "unknown columns
// ignored"), not refused (a review of the first near-miss rule).
func TestRealExtraColumnsIgnored(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct{ header, row string }{
		"users: Get-Mailbox Alias (an Exchange alias, not an address)": {"user,calendar,Alias", "anna@contoso.com,a.ics,anna.berg"},
		"users: MailboxDB":                {"user,calendar,MailboxDB", "anna@contoso.com,a.ics,EURPR01DB042"},
		"changes: Conference":             {"user,change,join_url,Conference", "anna@contoso.com,moved-to-online,https://teams.microsoft.com/l/meetup-join/{meeting}/0,Teams"},
		"changes: Target OS":              {"user,change,Target OS", "anna@contoso.com,license-assigned,Windows"},
		"meetings: Meeting (the subject)": {"user,uid,Meeting,join_url", "anna@contoso.com,uid-1,Weekly planning,https://teams.microsoft.com/meet/123?p=abc"},
		"changes: Targets":                {"user,change,Targets", "anna@contoso.com,license-assigned,all"},
		"users: Mailboxes":                {"user,calendar,Mailboxes", "anna@contoso.com,a.ics,2"},
	} {
		path := write(t, dir, "f.csv", c.header+"\n"+c.row+"\n")
		var err error
		switch {
		case strings.HasPrefix(name, "users"):
			_, _, err = ReadUsers(path)
		case strings.HasPrefix(name, "changes"):
			_, _, err = ReadChanges(path, listed)
		default:
			_, _, err = ReadMeetings(path, listed)
		}
		if err != nil {
			t.Errorf("%s: refused: %v", name, err)
		}
	}
}

// Other spellings of a value column, which would leave its values as they
// were in a real run that exits 0, are refused, as conf_id is (a review
// found them ignored).
func TestNearMissesRefused(t *testing.T) {
	for _, c := range []struct{ col, want string }{
		{"NewConferenceId", "conference_id"}, // PowerShell spelling of "New Conference ID", which IS refused
		{"conference_id_new", "conference_id"},
		{"Conference ID (new)", "conference_id"},
		{"ConfID", "conference_id"}, // "Conf ID" IS refused
		{"Toll Free", "toll_free_number"},
		{"TollFree", "toll_free_number"},
		{"Toll No", "toll_number"},
		{"Toll Number(s)", "toll_number"},
		{"Dial-in Link", "dialin_url"},
		{"Join Link", "join_url"},
		{"conf_id", "conference_id"},
		{"confernce_id", "conference_id"},
		{"join_ulr", "join_url"},
		{"toll_numbers", "toll_number"},
		{"Old Conference ID", ""},
		{"conference_id_old", ""},
		{"Conference", ""},
		{"notes", ""},
	} {
		if got := changesSchema.nearMiss(columnName(c.col)); got != c.want {
			t.Errorf("changes column %q: nearMiss %q, want %q (silently ignored)", c.col, got, c.want)
		}
	}
	if got := meetingsSchema.nearMiss(columnName("Password")); got != "passcode" {
		t.Errorf("meetings column \"Password\": nearMiss %q, want passcode (silently ignored)", got)
	}
}
