package batch

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/mms-project/mms/batch/input"
	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/ics"
)

// demoUID is the n-th meeting of a demo user's calendar.
func demoUID(n int) string {
	return fmt.Sprintf("040000008200E00074C5B7101A82E0080000000000000001%08d0000000000000000100000001", n)
}

// writeTable writes rows as CSV or, by the name's extension, XLSX.
func writeTable(t *testing.T, path string, rows [][]string) string {
	t.Helper()
	if strings.HasSuffix(path, ".xlsx") {
		f := excelize.NewFile()
		for i, r := range rows {
			cells := make([]any, len(r))
			for j, v := range r {
				cells[j] = v
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow("Sheet1", cell, &cells); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.SaveAs(path); err != nil {
			t.Fatal(err)
		}
		return path
	}
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(fh)
	w.WriteAll(rows)
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// meetingsRun is a run of two demo users moved to Teams with no join_url
// in the change: only the meetings the meetings file lists can move (one
// of the first user's).
func meetingsRun(t *testing.T, ext string) (RunOptions, Summary) {
	t.Helper()
	o := demoOptions(t)
	dir := filepath.Dir(o.Report)
	o.Users = writeTable(t, filepath.Join(dir, "users.csv"), [][]string{
		{"user", "mailbox", "calendar", "audio_provider", "aliases"},
		{"user00001@contoso.com", "online", abs("../fixtures/demo/calendars/user00001.ics"), "microsoft", "bo@contoso.com"},
		{"user00002@contoso.com", "online", abs("../fixtures/demo/calendars/user00002.ics"), "microsoft", ""},
	})
	o.Changes = writeTable(t, filepath.Join(dir, "changes.csv"), [][]string{
		{"user", "change", "target", "join_url", "conference_id"},
		{"user00001@contoso.com", "moved-to-online", "teams", "", ""},
		{"user00002@contoso.com", "moved-to-online", "teams", "", ""},
	})
	o.Meetings = writeTable(t, filepath.Join(dir, "meetings"+ext), [][]string{
		{"user", "uid", "join_url", "meeting_id", "passcode"},
		{"bo@contoso.com", demoUID(1), "https://teams.microsoft.com/l/meetup-join/19%3ameeting_OWN0%40thread.v2/0", "312 645 978 021", "Zq7Hp2"},
		{"user00001@contoso.com", "NOT-IN-THE-CALENDAR", "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NONE%40thread.v2/0", "", ""},
		{"nobody@contoso.com", demoUID(2), "https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0", "", ""},
	})
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return o, sum
}

// TestMeetingsFile: a meetings row gives its meeting its own link, Meeting
// ID and passcode; a meeting moved to Teams with no row and no join_url
// fails with ics.ErrNoJoinLink's text and gets no made-up link; a row for
// a meeting the calendar lacks is reported in the user's message, and a
// row for an unknown user is a rejected row. CSV and XLSX alike.
func TestMeetingsFile(t *testing.T) {
	for _, ext := range []string{".csv", ".xlsx"} {
		t.Run(ext, func(t *testing.T) {
			o, sum := meetingsRun(t, ext)
			if len(sum.RowErrors) != 1 || !strings.Contains(sum.RowErrors[0], "nobody@contoso.com") {
				t.Errorf("rejected rows: %q, want the unknown user's", sum.RowErrors)
			}
			updated, noLink := 0, 0
			for _, m := range batchMeetings(t, o.DB, sum.BatchID) {
				switch {
				case m.UID == demoUID(1) && m.UserID == "user00001@contoso.com":
					if m.Outcome != migrate.Updated || !strings.Contains(m.NewJoinURL, "meeting_OWN0") {
						t.Errorf("the listed meeting: %s %q, new link %q", m.Outcome, m.Reason, m.NewJoinURL)
					}
					updated++
				case m.Outcome == migrate.Failed:
					if m.Reason != migrate.KindNoJoinLink || !strings.Contains(m.Detail, ics.ErrNoJoinLink.Error()) {
						t.Errorf("%s: reason %q detail %q, want %q with %q", m.UID, m.Reason, m.Detail, migrate.KindNoJoinLink, ics.ErrNoJoinLink)
					}
					noLink++
				case m.Outcome == migrate.Updated:
					t.Errorf("%s updated without a row or a join_url: %q", m.UID, m.NewJoinURL)
				}
			}
			if updated != 1 || noLink == 0 {
				t.Errorf("%d updated, %d failed for want of a link", updated, noLink)
			}
			out, err := os.ReadFile(filepath.Join(o.Out, "calendars", "user00001.ics"))
			if err != nil {
				t.Fatal(err)
			}
			unfolded := strings.ReplaceAll(string(out), "\r\n ", "")
			for _, want := range []string{"meeting_OWN0", "312 645 978 021", "Zq7Hp2"} {
				if !strings.Contains(unfolded, want) {
					t.Errorf("the rewritten calendar lacks %q", want)
				}
			}
			if strings.Contains(unfolded, "meeting_NONE") || strings.Contains(unfolded, "meeting_X") {
				t.Error("a row for another meeting or user was written")
			}
			st, err := store.Open(context.Background(), o.DB)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			users, err := st.Users(context.Background(), store.Filter{BatchID: sum.BatchID})
			if err != nil || len(users) != 2 {
				t.Fatalf("users: %v %v", users, err)
			}
			if msg := users[0].LastMessage; !strings.Contains(msg, `"NOT-IN-THE-CALENDAR" is not a meeting in user00001@contoso.com's calendar`) ||
				!strings.Contains(msg, "; row not applied: ") || strings.Contains(msg, "rejected row") || !strings.Contains(msg, filepath.Base(o.Meetings)) {
				t.Errorf("the user's message does not report the row for a meeting not in the calendar: %q", msg)
			}
		})
	}
}

// TestMeetingsFileInFingerprint: the same command with the meetings file
// changed is a new batch, not the finished one again.
func TestMeetingsFileInFingerprint(t *testing.T) {
	o, first := meetingsRun(t, ".csv")
	same, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !same.Reopened || same.BatchID != first.BatchID {
		t.Fatalf("the same command: batch %s reopened %v, want %s reopened", same.BatchID, same.Reopened, first.BatchID)
	}
	f, err := os.OpenFile(o.Meetings, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "user00001@contoso.com,%s,https://teams.microsoft.com/l/meetup-join/19%%3ameeting_OWN2%%40thread.v2/0,,\n", demoUID(2))
	f.Close()
	next, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if next.BatchID == first.BatchID || next.Reopened {
		t.Fatalf("a changed meetings file ran batch %s again", first.BatchID)
	}
}

// TestStartWithMeetings: mms start --meetings carries the user's rows into
// the queued assignment; a bad row of the user's refuses the start.
func TestStartWithMeetings(t *testing.T) {
	ctx := context.Background()
	o, _ := meetingsRun(t, ".csv")
	s, err := Start(ctx, StartOptions{User: "user00001@contoso.com", Users: o.Users, Changes: o.Changes, Meetings: o.Meetings,
		Out: o.Out, Now: demoNow, DB: o.DB})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, o.DB)
	if err != nil {
		t.Fatal(err)
	}
	users, err := st.Users(ctx, store.Filter{BatchID: s.BatchID})
	st.Close()
	if err != nil || len(users) != 1 {
		t.Fatalf("queued: %v %v", users, err)
	}
	var a migrate.Assignment
	if err := json.Unmarshal(users[0].Payload, &a); err != nil {
		t.Fatal(err)
	}
	if got := a.Change.Meetings[demoUID(1)]; got.MeetingID != "312 645 978 021" || got.Passcode != "Zq7Hp2" || !strings.Contains(got.JoinURL, "meeting_OWN0") {
		t.Errorf("queued meeting values: %+v", a.Change.Meetings)
	}
	if _, ok := a.Change.Meetings[demoUID(2)]; ok {
		t.Error("another user's row was queued with this user")
	}
	bad := writeTable(t, filepath.Join(t.TempDir(), "bad.csv"), [][]string{
		{"user", "uid", "join_url"},
		{"user00001@contoso.com", demoUID(1), "not a link"},
	})
	_, err = Start(ctx, StartOptions{User: "user00001@contoso.com", Users: o.Users, Changes: o.Changes, Meetings: bad, Out: o.Out, Now: demoNow, DB: o.DB})
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "join_url") {
		t.Errorf("a bad row of the user's: %v; want an input error naming join_url", err)
	}
}

// TestTenantInFingerprint: the same command after a tenant setting changed
// is a new batch that decides again, not the finished one reopened.
func TestTenantInFingerprint(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	setTenant := func(v string) {
		st, err := store.Open(ctx, o.DB)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.SetTenant(ctx, "meeting_migration_enabled", v); err != nil {
			t.Fatal(err)
		}
	}
	setTenant("false")
	off, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if off.Triggered != 0 {
		t.Fatalf("migration disabled: %d triggered, want 0", off.Triggered)
	}
	setTenant("true")
	on, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if on.BatchID == off.BatchID || on.Reopened {
		t.Fatalf("migration enabled: batch %s reopened (%v), want a new batch", on.BatchID, on.Reopened)
	}
	if on.Triggered == 0 || on.Updated == 0 {
		t.Errorf("migration enabled: %d triggered, %d updated; want some", on.Triggered, on.Updated)
	}
}

// A meetings row of a user who is not migrated is not used, and its user's
// message says so, naming the row.
func TestMeetingsRowOfUserNotMigrated(t *testing.T) {
	records := []store.User{{UserID: "bo@contoso.com", State: store.NotTriggered, LastMessage: "no change in this batch"}}
	rows := []input.Meeting{{File: "meetings.csv", Line: 3, User: "bo@contoso.com", UID: "uid-1", JoinURL: "https://teams.microsoft.com/l/meetup-join/x"}}
	if err := withMeetings(records, rows); err != nil {
		t.Fatal(err)
	}
	if msg := records[0].LastMessage; !strings.HasPrefix(msg, "no change in this batch; ") || !strings.Contains(msg, "meetings.csv:3") {
		t.Errorf("LastMessage %q", msg)
	}
}

// TestMeetingsRowsRerunSendsNothing: rows with the shortest and longest
// values the meetings file accepts (a Meeting ID of 6 characters, a
// passcode of 4 and of 16, a toll number of 7 digits) are written so that
// they are read back: a run over the output finds every meeting
// already-current and sends nothing, where a value the block could not
// show as given was written again by every run.
func TestMeetingsRowsRerunSendsNothing(t *testing.T) {
	o := demoOptions(t)
	dir := filepath.Dir(o.Report)
	users := func(name, calendar string) string {
		return writeTable(t, filepath.Join(dir, name), [][]string{{"user", "calendar"}, {"user00001@contoso.com", calendar}})
	}
	o.Users = users("users.csv", abs("../fixtures/demo/calendars/user00001.ics"))
	o.Changes = writeTable(t, filepath.Join(dir, "changes.csv"), [][]string{
		{"user", "change", "target", "join_url"},
		{"user00001@contoso.com", "moved-to-online", "teams", "https://teams.microsoft.com/l/meetup-join/{meeting}"},
	})
	o.Meetings = writeTable(t, filepath.Join(dir, "meetings.csv"), [][]string{
		{"user", "uid", "join_url", "meeting_id", "passcode", "conference_id", "toll_number"},
		{"user00001@contoso.com", demoUID(1), "https://teams.microsoft.com/l/meetup-join/19%3ameeting_SHORT%40thread.v2/0", "123456", "abcd", "12", "+46 8 505 2"},
		{"user00001@contoso.com", demoUID(2), "https://teams.microsoft.com/l/meetup-join/19%3ameeting_LONG%40thread.v2/0", "1 2 3 4 5 6", "PassWord1234567X", "", ""},
	})
	o.Out = filepath.Join(dir, "out1")
	first, err := Run(context.Background(), o)
	if err != nil || first.Failed != 0 || len(first.RowErrors) != 0 {
		t.Fatalf("first run: %+v, %v", first, err)
	}
	rows := 0
	for _, m := range batchMeetings(t, o.DB, first.BatchID) {
		if (m.UID == demoUID(1) || m.UID == demoUID(2)) && m.Outcome == migrate.Updated {
			rows++
		}
	}
	if rows != 2 {
		t.Fatalf("%d of the 2 listed meetings updated", rows)
	}
	o.Users = users("users-rerun.csv", filepath.Join(dir, "out1", "calendars", "user00001.ics"))
	o.Out, o.Again = filepath.Join(dir, "out2"), true
	rerun, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	checkQuietRerun(t, o, first, rerun)
}
