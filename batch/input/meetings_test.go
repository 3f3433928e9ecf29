package input

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const teamsLink = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjA1@thread.v2/0"

func TestReadMeetingsCSV(t *testing.T) {
	dir := t.TempDir()
	path := write(t, dir, "meetings.csv", "\uFEFFUser,UID,Join URL,Meeting-ID,passcode,conference_id,toll_number,Toll Free Number,dialin_url,note\n"+
		"A.Berg@contoso.com, 040000008200E00074C5B7101A82E008 ,"+teamsLink+",356 712 499 853,Xc7Rt9,580 849 884#,+46 8 505 248 89; +1 (425) 555-0100,+1 800 555 0100,https://dialin.teams.microsoft.com/x,anything\n"+
		"\n"+
		"bo@contoso.com,uid-2@contoso.com,https://zoom.us/j/123,,,,,,,\n")
	meetings, errs, err := ReadMeetings(path, listed)
	if err != nil || len(errs) > 0 {
		t.Fatalf("err %v, row errors %q", err, errorStrings(errs))
	}
	if len(meetings) != 2 {
		t.Fatalf("meetings = %+v", meetings)
	}
	m := meetings[0]
	if m.File != path || m.Line != 2 || m.User != "anna@contoso.com" || m.UID != "040000008200E00074C5B7101A82E008" ||
		m.JoinURL != teamsLink || m.MeetingID != "356 712 499 853" || m.Passcode != "Xc7Rt9" || m.ConferenceID != "580849884" ||
		!slices.Equal(m.TollNumbers, []string{"+46 8 505 248 89", "+1 (425) 555-0100"}) || !slices.Equal(m.TollFreeNumbers, []string{"+1 800 555 0100"}) ||
		m.DialInURL != "https://dialin.teams.microsoft.com/x" {
		t.Errorf("meeting = %+v", m)
	}
	if m := meetings[1]; m.Line != 4 || m.User != "bo@contoso.com" || m.UID != "uid-2@contoso.com" || m.MeetingID != "" || m.TollNumbers != nil {
		t.Errorf("meeting = %+v", m)
	}

	ix := IndexMeetings(meetings)
	if got, ok := ix.Lookup("anna@contoso.com", "040000008200E00074C5B7101A82E008"); !ok || got.Line != 2 {
		t.Errorf("Lookup anna = %+v, %v", got, ok)
	}
	if _, ok := ix.Lookup("a.berg@contoso.com", "040000008200E00074C5B7101A82E008"); ok {
		t.Error("Lookup by an alias found a row; rows are filed under the primary address")
	}
	if _, ok := ix.Lookup("anna@contoso.com", "uid-2@contoso.com"); ok {
		t.Error("Lookup found bo's meeting under anna")
	}

	e := meetings[1].NotInCalendar()
	want := path + `:4: column "uid": "uid-2@contoso.com" is not a meeting in bo@contoso.com's calendar; check the UID (the meetings report of a dry run lists them)`
	if e.Error() != want || e.User != "" {
		t.Errorf("NotInCalendar = %q (user %q)\nwant %q", e.Error(), e.User, want)
	}
}

// Each case is the one data row of a meetings file, on line 2.
func TestMeetingRowErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "meetings.csv")
	cases := []struct {
		name, row string
		user      string
		want      []string
	}{
		{"unknown user", "zed@contoso.com,u1," + teamsLink + ",,,", "",
			[]string{`column "user": zed@contoso.com is not in the users file; every meeting must name a listed user or one of its aliases`}},
		{"bad user", "zed,u1," + teamsLink + ",,,", "",
			[]string{`column "user": "zed" is not an e-mail address like anna@contoso.com`}},
		{"empty uid", "anna@contoso.com,," + teamsLink + ",,,", "anna@contoso.com",
			[]string{`column "uid": empty; give the meeting's UID, as the meetings report of a dry run lists it`}},
		{"long uid", "anna@contoso.com," + strings.Repeat("x", 1025) + "," + teamsLink + ",,,", "anna@contoso.com",
			[]string{`column "uid": 1025 characters; a UID has at most 1024`}},
		{"uid with a line break", "anna@contoso.com,\"u\n1\"," + teamsLink + ",,,", "anna@contoso.com",
			[]string{`column "uid": holds a control character or line break; give the UID on one line, as the meetings report lists it`}},
		{"empty join URL", "anna@contoso.com,u1,,,,", "anna@contoso.com",
			[]string{`column "join_url": empty; give the new meeting's own join link, like https://teams.microsoft.com/l/meetup-join/19%3ameeting_...`}},
		{"join URL not http", "anna@contoso.com,u1,ftp://x/y,,,", "anna@contoso.com",
			[]string{`column "join_url": "ftp://x/y" is not an http(s) URL like https://teams.microsoft.com/l/meetup-join/{meeting}`}},
		{"join URL template", "anna@contoso.com,u1,https://teams.microsoft.com/l/meetup-join/{meeting},,,", "anna@contoso.com",
			[]string{`column "join_url": "https://teams.microsoft.com/l/meetup-join/{meeting}" holds {meeting}; a meetings row gives the meeting's own link (a template goes in the changes file)`}},
		{"short meeting id", "anna@contoso.com,u1," + teamsLink + ",1 2,,", "anna@contoso.com",
			[]string{`column "meeting_id": "1 2" is not a Meeting ID mms can write and read back; use digits (spaces allowed, 6 characters or more), like 356 712 499 853`}},
		{"meeting id", "anna@contoso.com,u1," + teamsLink + ",356-712,,", "anna@contoso.com",
			[]string{`column "meeting_id": "356-712" is not a Meeting ID mms can write and read back; use digits (spaces allowed, 6 characters or more), like 356 712 499 853`}},
		{"passcode with a space", "anna@contoso.com,u1," + teamsLink + ",356 712,Xc 7Rt,", "anna@contoso.com",
			[]string{`column "passcode": "Xc 7Rt" is not a passcode mms can write and read back; give 4 to 16 letters and digits, as the meeting shows it, like Xc7Rt9`}},
		{"passcode of signs", "anna@contoso.com,u1," + teamsLink + ",356 712,P@ss-1,", "anna@contoso.com",
			[]string{`column "passcode": "P@ss-1" is not a passcode mms can write and read back; give 4 to 16 letters and digits, as the meeting shows it, like Xc7Rt9`}},
		{"short passcode", "anna@contoso.com,u1," + teamsLink + ",356 712,zz9,", "anna@contoso.com",
			[]string{`column "passcode": "zz9" is not a passcode mms can write and read back; give 4 to 16 letters and digits, as the meeting shows it, like Xc7Rt9`}},
		{"long passcode", "anna@contoso.com,u1," + teamsLink + ",356 712," + strings.Repeat("p", 17) + ",", "anna@contoso.com",
			[]string{`column "passcode": "ppppppppppppppppp" is not a passcode mms can write and read back; give 4 to 16 letters and digits, as the meeting shows it, like Xc7Rt9`}},
		{"passcode without a meeting id", "anna@contoso.com,u1," + teamsLink + ",,Xc7Rt9,", "anna@contoso.com",
			[]string{`column "passcode": given without a meeting_id; a block shows the passcode under the Meeting ID: give both, or neither`}},
		{"dial-in URL", "anna@contoso.com,u1," + teamsLink + ",,,mailto:x@y", "anna@contoso.com",
			[]string{`column "dialin_url": "mailto:x@y" is not an http(s) URL like https://dialin.teams.microsoft.com/contoso?id=580849884`}},
		{"every problem of the row", "a.berg@contoso.com,,,12a,,", "anna@contoso.com",
			[]string{`column "uid": empty; give the meeting's UID, as the meetings report of a dry run lists it`,
				`column "join_url": empty; give the new meeting's own join link, like https://teams.microsoft.com/l/meetup-join/19%3ameeting_...`,
				`column "meeting_id": "12a" is not a Meeting ID mms can write and read back; use digits (spaces allowed, 6 characters or more), like 356 712 499 853`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			write(t, dir, "meetings.csv", "user,uid,join_url,meeting_id,passcode,dialin_url\n"+tc.row+"\n")
			meetings, errs, err := ReadMeetings(path, listed)
			if err != nil {
				t.Fatal(err)
			}
			if len(meetings) != 0 {
				t.Errorf("a rejected row gave meetings %+v", meetings)
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

// (user, uid) is listed once; an alias and its primary address are the
// same user. The same UID for two users is two meetings.
func TestDuplicateMeetings(t *testing.T) {
	dir := t.TempDir()
	path := write(t, dir, "meetings.csv", "user,uid,join_url\n"+
		"anna@contoso.com,u1,https://zoom.us/j/1\n"+
		"bo@contoso.com,u1,https://zoom.us/j/2\n"+
		"a.berg@contoso.com,u1,https://zoom.us/j/3\n"+
		"anna@contoso.com,U1,https://zoom.us/j/4\n")
	meetings, errs, err := ReadMeetings(path, listed)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{path + `:4: column "uid": "u1" of anna@contoso.com is already listed at line 2; list each meeting once`}
	if got := errorStrings(errs); !slices.Equal(got, want) || errs[0].User != "anna@contoso.com" {
		t.Fatalf("errors:\n got %q\nwant %q", got, want)
	}
	var lines []int
	for _, m := range meetings {
		lines = append(lines, m.Line)
	}
	if !slices.Equal(lines, []int{2, 3, 5}) {
		t.Errorf("accepted lines %v, want [2 3 5]", lines)
	}
}

// A row for a user whose users-file row was rejected is left out, not
// reported as naming an unknown user.
func TestMeetingOfRejectedUser(t *testing.T) {
	dir := calendarDir(t)
	users, userErrs, err := ReadUsers(write(t, dir, "users.csv", "user,calendar\nanna@contoso.com,anna.ics\ncy@contoso.com,missing.ics\n"))
	if err != nil || len(users) != 1 || len(userErrs) != 1 {
		t.Fatalf("users %v %v %v", users, userErrs, err)
	}
	path := write(t, dir, "meetings.csv", "user,uid,join_url\ncy@contoso.com,u1,https://zoom.us/j/1\nanna@contoso.com,u1,https://zoom.us/j/1\n")
	meetings, errs, err := ReadMeetings(path, users, userErrs...)
	if err != nil || len(errs) != 0 || len(meetings) != 1 || meetings[0].User != "anna@contoso.com" {
		t.Fatalf("meetings %+v, errors %q, err %v", meetings, errorStrings(errs), err)
	}
	_, errs, _ = ReadMeetings(path, users) // without them, cy is unknown
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "cy@contoso.com is not in the users file") || errs[0].User != "" {
		t.Fatalf("errors %q", errorStrings(errs))
	}
}

func TestMeetingsWholeFile(t *testing.T) {
	dir := t.TempDir()
	path := write(t, dir, "meetings.csv", "user,uid\n")
	_, _, err := ReadMeetings(path, listed)
	want := path + `: no "join_url" column; columns found: user, uid. Expected: user, uid, join_url[, meeting_id, passcode, conference_id, toll_number, toll_free_number, dialin_url]`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

// A workbook reads as the CSV does; a Meeting ID typed as a number keeps
// its digits.
func TestReadMeetingsXLSX(t *testing.T) {
	dir := t.TempDir()
	path := workbook(t, filepath.Join(dir, "meetings.xlsx"), map[int][]any{
		1: {"User", "UID", "Join_URL", "Meeting ID", "Passcode", "Toll Number"},
		2: {"anna@contoso.com", "u1", teamsLink, 356712499853, "Xc7Rt9", 4685052489},
		4: {"bo@contoso.com", "u2", "teams.microsoft.com/x", nil, nil, nil},
	}, nil)
	meetings, errs, err := ReadMeetings(path, listed)
	if err != nil {
		t.Fatal(err)
	}
	if len(meetings) != 1 || meetings[0].Line != 2 || meetings[0].MeetingID != "356712499853" || meetings[0].Passcode != "Xc7Rt9" ||
		meetings[0].JoinURL != teamsLink || !slices.Equal(meetings[0].TollNumbers, []string{"+4685052489"}) {
		t.Errorf("meetings = %+v", meetings)
	}
	want := []string{path + `:4: column "join_url": "teams.microsoft.com/x" is not an http(s) URL like https://teams.microsoft.com/l/meetup-join/{meeting}`}
	if got := errorStrings(errs); !slices.Equal(got, want) || errs[0].User != "bo@contoso.com" {
		t.Errorf("errors:\n got %q\nwant %q", got, want)
	}
}

// A user's rows past MaxMeetingRowsPerUser (more than a calendar holds
// meetings) are left out with one error naming the first and counting
// them; another user's rows go on. Found by an audit: a million rows for
// one user took minutes and gigabytes.
func TestMeetingRowsPerUserBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("user,uid,join_url\n")
	for i := range MaxMeetingRowsPerUser + 3 {
		fmt.Fprintf(&b, "anna@contoso.com,uid-%d,%s\n", i, teamsLink)
		if i == 5 {
			fmt.Fprintf(&b, "bo@contoso.com,uid-b,%s\n", teamsLink)
		}
	}
	path := write(t, t.TempDir(), "meetings.csv", b.String())
	meetings, errs, err := ReadMeetings(path, listed)
	if err != nil {
		t.Fatal(err)
	}
	if len(meetings) != MaxMeetingRowsPerUser+1 || meetings[6].User != "bo@contoso.com" {
		t.Errorf("%d meetings, want %d", len(meetings), MaxMeetingRowsPerUser+1)
	}
	want := fmt.Sprintf("meetings.csv:%d: column \"user\": more than %d rows for anna@contoso.com (3 from this one on, left out)", MaxMeetingRowsPerUser+3, MaxMeetingRowsPerUser)
	if len(errs) != 1 || errs[0].User != "anna@contoso.com" || !strings.Contains(errs[0].Error(), want) {
		t.Errorf("row errors %q, want one saying %q", errorStrings(errs), want)
	}
}
