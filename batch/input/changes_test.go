package input

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var listed = []User{
	{Email: "anna@contoso.com", Aliases: []string{"a.berg@contoso.com"}},
	{Email: "bo@contoso.com"},
}

func TestReadChanges(t *testing.T) {
	dir := t.TempDir()
	path := write(t, dir, "changes.csv", "\uFEFFUser,Change,Target,Join URL,conference_id,Toll-Number,toll_free_number,dialin_url,AT,comment\n"+
		"A.Berg@contoso.com,Moved_To_Online,Teams,https://teams.microsoft.com/l/meetup-join/{meeting},580 849 884#,+46 8 505 248 89 Stockholm; +1 (425) 555-0100,1800555010 Toll free,https://dialin.teams.microsoft.com/x?id=580849884,2026-01-10T08:00:00+01:00,anything\n"+
		"\n"+
		"bo@contoso.com,dialin-disabled,,,,,,,,\n")
	changes, errs, err := ReadChanges(path, listed)
	if err != nil || len(errs) > 0 {
		t.Fatalf("err %v, row errors %v", err, errs)
	}
	if len(changes) != 2 {
		t.Fatalf("changes = %+v", changes)
	}
	c := changes[0]
	at := time.Date(2026, 1, 10, 7, 0, 0, 0, time.UTC)
	if c.Line != 2 || c.User != "anna@contoso.com" || c.Kind != MovedToOnline || c.Target != "teams" ||
		c.JoinURL != "https://teams.microsoft.com/l/meetup-join/{meeting}" || c.ConferenceID != "580849884" ||
		!slices.Equal(c.TollNumbers, []string{"+46 8 505 248 89 Stockholm", "+1 (425) 555-0100"}) || !slices.Equal(c.TollFreeNumbers, []string{"+1800555010 Toll free"}) ||
		c.DialInURL != "https://dialin.teams.microsoft.com/x?id=580849884" || !c.At.Equal(at) {
		t.Errorf("change = %+v", c)
	}
	if c := changes[1]; c.Line != 4 || c.User != "bo@contoso.com" || c.Kind != DialinDisabled || !c.At.IsZero() || c.Target != "" {
		t.Errorf("change = %+v", c)
	}
}

// "at" takes RFC 3339's other forms too: a space for the T, and a date
// alone (midnight UTC).
func TestChangeAtForms(t *testing.T) {
	dir := t.TempDir()
	path := write(t, dir, "changes.csv", "user,change,at\nanna@contoso.com,dialin-enabled,2026-01-10\nbo@contoso.com,dialin-enabled,2026-01-10 08:30:00+01:00\n")
	changes, errs, err := ReadChanges(path, listed)
	if err != nil || len(errs) > 0 || len(changes) != 2 {
		t.Fatalf("changes %+v, errors %q, err %v", changes, errorStrings(errs), err)
	}
	if want := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC); !changes[0].At.Equal(want) {
		t.Errorf("date alone: %v, want %v", changes[0].At, want)
	}
	if want := time.Date(2026, 1, 10, 7, 30, 0, 0, time.UTC); !changes[1].At.Equal(want) {
		t.Errorf("space for T: %v, want %v", changes[1].At, want)
	}
}

// Each case is the one data row of a changes file, on line 2.
func TestChangeRowErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "changes.csv")
	kinds := "moved-to-online, license-assigned, license-removed, dialin-enabled, dialin-disabled, conference-id-changed, conference-id-reset, bridge-changed, bridge-number-unassigned, sip-address-changed, tenant-meeting-url-changed, moved-to-onprem"
	cases := []struct {
		name, row string
		user      string
		want      []string
	}{
		{"display name of a user: the row fails that user", `"Anna Berg <Anna@contoso.com>",moved-to-online,,,,,`, "anna@contoso.com",
			[]string{`column "user": "Anna Berg <Anna@contoso.com>" is not an e-mail address like anna@contoso.com; give the address alone: anna@contoso.com`}},
		{"display name of an alias", `"Anna Berg <a.berg@contoso.com>",moved-to-online,,,,,`, "anna@contoso.com",
			[]string{`column "user": "Anna Berg <a.berg@contoso.com>" is not an e-mail address like anna@contoso.com; give the address alone: a.berg@contoso.com`}},
		{"display name of no user", `"Zed <zed@contoso.com>",moved-to-online,,,,,`, "",
			[]string{`column "user": "Zed <zed@contoso.com>" is not an e-mail address like anna@contoso.com; give the address alone: zed@contoso.com`}},
		{"unknown user", "zed@contoso.com,moved-to-online,,,,,", "",
			[]string{`column "user": zed@contoso.com is not in the users file; every change must name a listed user or one of its aliases`}},
		{"bad user", "zed,moved-to-online,,,,,", "",
			[]string{`column "user": "zed" is not an e-mail address like anna@contoso.com`}},
		{"empty user", ",moved-to-online,,,,,", "",
			[]string{`column "user": empty; give a user of the users file`}},
		{"unknown kind", "anna@contoso.com,moved,,,,,", "anna@contoso.com",
			[]string{`column "change": "moved" is not a change kind; use one of: ` + kinds}},
		{"typo in a kind", "anna@contoso.com,Moved-To-Onilne,,,,,", "anna@contoso.com",
			[]string{`column "change": "Moved-To-Onilne" is not a change kind (did you mean moved-to-online?); use one of: ` + kinds}},
		{"empty kind", "anna@contoso.com,,,,,,", "anna@contoso.com",
			[]string{`column "change": empty; use one of: ` + kinds}},
		{"target", "anna@contoso.com,license-assigned,zoom,,,,", "anna@contoso.com",
			[]string{`column "target": "zoom" is not a target; use teams, skype, or leave it empty to keep each meeting's kind`}},
		{"join URL without scheme", "anna@contoso.com,license-assigned,,teams.microsoft.com/x,,,", "anna@contoso.com",
			[]string{`column "join_url": "teams.microsoft.com/x" is not an http(s) URL like https://teams.microsoft.com/l/meetup-join/{meeting}`}},
		{"join URL without host", "anna@contoso.com,license-assigned,,https:///x,,,", "anna@contoso.com",
			[]string{`column "join_url": "https:///x" is not an http(s) URL like https://teams.microsoft.com/l/meetup-join/{meeting}`}},
		{"dial-in URL", "anna@contoso.com,license-assigned,,,,,mailto:x@y", "anna@contoso.com",
			[]string{`column "dialin_url": "mailto:x@y" is not an http(s) URL like https://dialin.teams.microsoft.com/contoso?id=580849884`}},
		{"conference id letters", "anna@contoso.com,conference-id-changed,,,12a,,", "anna@contoso.com",
			[]string{`column "conference_id": "12a" is not a conference ID; use 2 digits or more (spaces allowed)`}},
		{"conference id no digits", "anna@contoso.com,conference-id-changed,,,#,,", "anna@contoso.com",
			[]string{`column "conference_id": "#" is not a conference ID; use 2 digits or more (spaces allowed)`}},
		{"one-digit conference id", "anna@contoso.com,conference-id-changed,,,5,,,", "anna@contoso.com",
			[]string{`column "conference_id": "5" is not a conference ID; use 2 digits or more (spaces allowed)`}},
		{"toll number", "anna@contoso.com,dialin-enabled,,,,+1 555 0100;call me,", "anna@contoso.com",
			[]string{`column "toll_number": "call me" is not a phone number in international form like +46 8 505 248 89 (digits, spaces, '-', '.', '(' and ')' after the '+'), with or without a label after it (+44 20 3000 0000 London); separate numbers with ';'`}},
		{"toll number too short", "anna@contoso.com,dialin-enabled,,,,+12,", "anna@contoso.com",
			[]string{`column "toll_number": "+12" is not a phone number in international form like +46 8 505 248 89 (digits, spaces, '-', '.', '(' and ')' after the '+'), with or without a label after it (+44 20 3000 0000 London); separate numbers with ';'`}},
		{"toll number with a label holding markup", "anna@contoso.com,dialin-enabled,,,,+1 555 0100 <b>Seattle</b>,", "anna@contoso.com",
			[]string{`column "toll_number": "+1 555 0100 <b>Seattle</b>" is not a phone number in international form like +46 8 505 248 89 (digits, spaces, '-', '.', '(' and ')' after the '+'), with or without a label after it (+44 20 3000 0000 London); separate numbers with ';'`}},
		{"toll number in national form", "anna@contoso.com,dialin-enabled,,,,08-505 248 89,", "anna@contoso.com",
			[]string{`column "toll_number": "08-505 248 89" is not a phone number in international form like +46 8 505 248 89 (digits, spaces, '-', '.', '(' and ')' after the '+'), with or without a label after it (+44 20 3000 0000 London); separate numbers with ';'`}},
		// found by an audit: written +0850524889, and the second number as the first's label
		{"toll number of digits in national form", "anna@contoso.com,dialin-enabled,,,,0850524889,", "anna@contoso.com",
			[]string{`column "toll_number": "0850524889" is not a phone number in international form like +46 8 505 248 89 (digits, spaces, '-', '.', '(' and ')' after the '+'), with or without a label after it (+44 20 3000 0000 London); separate numbers with ';'`}},
		{"two numbers with a comma", `anna@contoso.com,dialin-enabled,,,,"+46 8 505 248 89, +44 20 3000 0000",`, "anna@contoso.com",
			[]string{`column "toll_number": "+46 8 505 248 89, +44 20 3000 0000" holds a second number after the first (", +44 20 3000 0000"); separate numbers with ';'`}},
		{"toll number with a slash", "anna@contoso.com,dialin-enabled,,,,+49 89/1234 5678 München,", "anna@contoso.com",
			[]string{`column "toll_number": "+49 89/1234 5678 München" is not a phone number in international form like +46 8 505 248 89 (digits, spaces, '-', '.', '(' and ')' after the '+'), with or without a label after it (+44 20 3000 0000 London); separate numbers with ';'`}},
		// found by an audit: written as the block's dial-in link, {meeting} and all
		{"dial-in URL that is a join link", "anna@contoso.com,license-assigned,,,,,https://teams.microsoft.com/l/meetup-join/{meeting}/0", "anna@contoso.com",
			[]string{`column "dialin_url": "https://teams.microsoft.com/l/meetup-join/{meeting}/0" is a meeting's join link, not a dial-in page ("find a local number") like https://dialin.teams.microsoft.com/contoso?id=580849884; is it in the wrong column?`}},
		{"join URL with a character URLs escape", "anna@contoso.com,license-assigned,,https://teams.microsoft.com/l/meetup-join/{meeting}?a=<x>,,,", "anna@contoso.com",
			[]string{`column "join_url": "https://teams.microsoft.com/l/meetup-join/{meeting}?a=<x>" holds "<", which a URL writes escaped (a block's text ends a link at it, or it shows as nothing); escape it, as %3C`}},
		{"date", "anna@contoso.com,bridge-changed,,,,,,yesterday", "anna@contoso.com",
			[]string{`column "at": "yesterday" is not an RFC 3339 time like 2026-01-15T09:00:00Z, 2026-01-15T10:00:00+01:00 or 2026-01-15 (midnight UTC)`}},
		{"date without zone", "anna@contoso.com,bridge-changed,,,,,,2026-01-15T09:00:00", "anna@contoso.com",
			[]string{`column "at": "2026-01-15T09:00:00" has no time zone: add Z (UTC) or an offset, like 2026-01-15T09:00:00Z or 2026-01-15T10:00:00+01:00`}},
		{"every problem of the row", "a.berg@contoso.com,moved,skype4b,,x,,,", "anna@contoso.com",
			[]string{`column "change": "moved" is not a change kind; use one of: ` + kinds,
				`column "target": "skype4b" is not a target; use teams, skype, or leave it empty to keep each meeting's kind`,
				`column "conference_id": "x" is not a conference ID; use 2 digits or more (spaces allowed)`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			write(t, dir, "changes.csv", "user,change,target,join_url,conference_id,toll_number,dialin_url,at\n"+tc.row+"\n")
			changes, errs, err := ReadChanges(path, listed)
			if err != nil {
				t.Fatal(err)
			}
			if len(changes) != 0 {
				t.Errorf("a rejected row gave changes %+v", changes)
			}
			var want []string
			for _, w := range tc.want {
				want = append(want, path+":2: "+w)
			}
			if got := errorStrings(errs); !slices.Equal(got, want) {
				t.Fatalf("errors:\n got %q\nwant %q", got, want)
			}
			for _, e := range errs {
				if e.User != tc.user {
					t.Errorf("RowError.User = %q, want %q", e.User, tc.user)
				}
			}
		})
	}
}

func TestChangesWholeFile(t *testing.T) {
	dir := t.TempDir()
	path := write(t, dir, "changes.csv", "user,kind\n")
	_, _, err := ReadChanges(path, listed)
	want := path + `: no "change" column; columns found: user, kind. Expected: user, change[, target, join_url, conference_id, toll_number, toll_free_number, dialin_url, at]`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

// A column a typo or a shortening away from a known one is refused, not
// ignored: a newcomer's "conf_id" left the conference ID unchanged in a
// real run that exited 0. Other unknown columns are still ignored.
func TestNearMissColumnRefused(t *testing.T) {
	dir := t.TempDir()
	for header, want := range map[string]string{
		"user,change,conf_id":                                      `column "conf_id" (column 3) is not one mms reads, and without it no conference_id would be read from this file: did you mean "conference_id"?`,
		"user,change,Confernce ID":                                 `column "Confernce ID" (column 3) is not one mms reads`,
		"user,change,join_ulr":                                     `did you mean "join_url"?`,
		"user,change,toll_numbers":                                 `did you mean "toll_number"?`,
		"user,change,New Conference ID":                            `did you mean "conference_id"?`,
		"user,change,notes,Department,at_office,old_conference_id": "",
		"user,change,conference_id,conference_ids":                 "", // the right one is there: the other is something else
	} {
		path := write(t, dir, "changes.csv", header+"\nanna@contoso.com,conference-id-changed,500\n")
		_, _, err := ReadChanges(path, listed)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v, want the unknown columns ignored", header, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), path+":1: ")):
			t.Errorf("%s: %v, want %s", header, err, want)
		}
	}
}

// A change to a user whose users-file row was rejected is not reported
// again when the caller passes the users file's errors.
func TestChangeToRejectedUser(t *testing.T) {
	dir := calendarDir(t)
	users, userErrs, err := ReadUsers(write(t, dir, "users.csv", "user,calendar\nanna@contoso.com,anna.ics\ncy@contoso.com,missing.ics\n"))
	if err != nil || len(users) != 1 || len(userErrs) != 1 {
		t.Fatalf("users %v %v %v", users, userErrs, err)
	}
	path := write(t, dir, "changes.csv", "user,change,conference_id\ncy@contoso.com,moved-to-online,\ncy@contoso.com,moved-to-online,x\nanna@contoso.com,moved-to-online,\n")

	changes, errs, err := ReadChanges(path, users, userErrs...)
	if err != nil || len(changes) != 1 || changes[0].User != "anna@contoso.com" {
		t.Fatalf("changes %+v, err %v", changes, err)
	}
	if got := errorStrings(errs); len(got) != 1 || got[0] != path+`:3: column "conference_id": "x" is not a conference ID; use 2 digits or more (spaces allowed)` || errs[0].User != "cy@contoso.com" {
		t.Fatalf("errors %q (user %q)", got, errs[0].User)
	}

	_, errs, _ = ReadChanges(path, users) // without them, cy is unknown
	if len(errs) != 3 || !strings.Contains(errs[0].Error(), "cy@contoso.com is not in the users file") || errs[0].User != "" {
		t.Fatalf("errors %q", errorStrings(errs))
	}
}

// A quote never closed in one user's change runs over the next rows: each
// of them is rejected naming its own user, so no user's change is lost
// without a word (bo would otherwise be migrated without its conference
// ID change).
func TestUnclosedQuoteRejectsEveryRowItTakes(t *testing.T) {
	dir := t.TempDir()
	path := write(t, dir, "changes.csv", "user,change,join_url,conference_id\n"+
		"bo@contoso.com,dialin-enabled,,\n"+
		"anna@contoso.com,moved-to-online,\"https://x/{meeting},\n"+
		"bo@contoso.com,conference-id-changed,,555000111\n"+
		"anna@contoso.com,dialin-enabled,\"https://y\"x,\n")
	changes, errs, err := ReadChanges(path, listed)
	if err != nil || len(changes) != 1 || changes[0].Line != 2 {
		t.Fatalf("changes %+v, err %v", changes, err)
	}
	owners := map[string]bool{}
	for _, e := range errs {
		owners[e.User] = true
	}
	if !owners["bo@contoso.com"] || !owners["anna@contoso.com"] {
		t.Fatalf("errors %q: want rows of anna and of bo rejected", errorStrings(errs))
	}
}

// A row with a stray quote whose other fields are quoted as they should be
// ("Berg, Anna") is still its user's: it fails that user, whose other
// changes are not applied without it.
func TestStrayQuoteBesideAQuotedField(t *testing.T) {
	dir := t.TempDir()
	path := write(t, dir, "changes.csv", "note,user,change,toll_number\n"+
		"\"Berg, Anna\",anna@contoso.com,bridge-changed,+46 8 505 248 89 \"Stockholm\"\n"+
		"x,anna@contoso.com,dialin-enabled,\n")
	_, errs, err := ReadChanges(path, listed)
	if err != nil || len(errs) != 1 || errs[0].User != "anna@contoso.com" || errs[0].Line != 2 {
		t.Fatalf("errors %q (users %v), err %v", errorStrings(errs), errs, err)
	}
}

// An address listed as a user after another user gave it as an alias: its
// row is rejected (an address belongs to one user), and a change naming it
// may be meant for either: it fails the alias's owner, saying why, rather
// than silently changing the owner's meetings (or being dropped).
func TestChangeOfAContestedAlias(t *testing.T) {
	dir := calendarDir(t)
	users, userErrs, err := ReadUsers(write(t, dir, "users.csv", "user,calendar,aliases\nanna@contoso.com,anna.ics,bo@contoso.com\nbo@contoso.com,anna.ics,\n"))
	if err != nil || len(users) != 1 || len(userErrs) != 1 || userErrs[0].User != "bo@contoso.com" {
		t.Fatalf("users %v, errors %q, err %v", users, errorStrings(userErrs), err)
	}
	path := write(t, dir, "changes.csv", "user,change,conference_id\nanna@contoso.com,conference-id-changed,555000111\nbo@contoso.com,conference-id-changed,555000112\n")
	changes, errs, err := ReadChanges(path, users, userErrs...)
	if err != nil || len(changes) != 1 || changes[0].ConferenceID != "555000111" {
		t.Fatalf("changes %+v, err %v", changes, err)
	}
	if len(errs) != 1 || errs[0].User != "anna@contoso.com" || !strings.Contains(errs[0].Error(), "bo@contoso.com is an alias of anna@contoso.com and also listed as a user of its own") {
		t.Fatalf("errors %q (user %q)", errorStrings(errs), errs[0].User)
	}
	meetings, errs, err := ReadMeetings(write(t, dir, "meetings.csv", "user,uid,join_url\nbo@contoso.com,u1,https://teams.microsoft.com/l/meetup-join/x\n"), users, userErrs...)
	if err != nil || len(meetings) != 0 || len(errs) != 1 || errs[0].User != "anna@contoso.com" {
		t.Fatalf("meetings %+v, errors %q, err %v", meetings, errorStrings(errs), err)
	}
}

// TestHugeCellFailsItsRow: a cell of a known column longer than maxCell
// fails its row, naming the file, line and column and the size, and does
// not reach the change; the other rows are read; an unknown column's long
// cell is ignored.
func TestHugeCellFailsItsRow(t *testing.T) {
	huge := "https://teams.microsoft.com/l/meetup-join/" + strings.Repeat("x", maxCell)
	path := write(t, t.TempDir(), "changes.csv", "user,change,join_url,note\n"+
		"anna@contoso.com,moved-to-online,"+huge+",\n"+
		"bo@contoso.com,dialin-disabled,,"+strings.Repeat("n", 2*maxCell)+"\n")
	changes, errs, err := ReadChanges(path, listed)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 1 || errs[0].Line != 2 || errs[0].Column != "join_url" || errs[0].User != "anna@contoso.com" || !strings.Contains(errs[0].Msg, "more than any value") {
		t.Errorf("row errors %v; want line 2's join_url named", errs)
	}
	for _, c := range changes {
		if c.User == "anna@contoso.com" {
			t.Errorf("the huge cell reached a change: %d bytes", len(c.JoinURL))
		}
	}
	if len(changes) != 1 || changes[0].User != "bo@contoso.com" {
		t.Errorf("changes %+v; want bo's", changes)
	}
}

// TestManyUnknownUsersCounted: past maxUnowned rows naming no user, the
// errors are counted in one, not kept; rows of known users are all read.
func TestManyUnknownUsersCounted(t *testing.T) {
	var b strings.Builder
	b.WriteString("user,change\n")
	for i := range maxUnowned + 250 {
		fmt.Fprintf(&b, "nobody%d@contoso.com,moved-to-online\n", i)
	}
	b.WriteString("bo@contoso.com,dialin-disabled\n")
	changes, errs, err := ReadChanges(write(t, t.TempDir(), "changes.csv", b.String()), listed)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || len(errs) != maxUnowned+1 {
		t.Fatalf("%d changes, %d errors; want bo's change and %d errors", len(changes), len(errs), maxUnowned+1)
	}
	if last := errs[maxUnowned]; last.Rows != 250 || last.User != "" || !strings.Contains(last.Msg, "250 more rows") {
		t.Errorf("last error %+v; want the 250 rows past the first %d counted", last, maxUnowned)
	}
}

// The times a consultant types: RFC 3339, a space for the T, minutes
// without seconds (once told to add a zone), a date alone; without a zone
// they are refused with the way to add one, and what that says is taken.
func TestParseTimeAsTyped(t *testing.T) {
	want := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	for _, v := range []string{"2026-01-15T09:00:00Z", "2026-01-15 09:00:00Z", "2026-01-15T09:00Z", "2026-01-15 09:00Z", "2026-01-15T10:00+01:00"} {
		if got, err := ParseTime(v); err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", v, got, err, want)
		}
	}
	for _, v := range []string{"2026-01-15T09:00", "2026-01-15 09:00", "2026-01-15T09:00:00"} {
		_, err := ParseTime(v)
		if err == nil || !strings.Contains(err.Error(), "add Z (UTC) or an offset") {
			t.Errorf("ParseTime(%q): %v; want told to add a zone", v, err)
		}
		if _, err := ParseTime(v + "Z"); err != nil {
			t.Errorf("ParseTime(%q), as the hint says: %v", v+"Z", err)
		}
	}
}

// A line break in a cell (Alt+Enter) separates numbers as ';' does.
func TestNumbersOnLinesOfACell(t *testing.T) {
	dir := t.TempDir()
	path := write(t, dir, "changes.csv", "user,change,toll_number\nanna@contoso.com,bridge-changed,\"+46 8 505 248 89 Stockholm\r\n+44 20 3000 0000, London 2\"\n")
	changes, errs, err := ReadChanges(path, listed)
	if err != nil || len(errs) != 0 || len(changes) != 1 || !slices.Equal(changes[0].TollNumbers, []string{"+46 8 505 248 89 Stockholm", "+44 20 3000 0000 London 2"}) {
		t.Errorf("changes %+v, errors %q, %v", changes, errorStrings(errs), err)
	}
}
