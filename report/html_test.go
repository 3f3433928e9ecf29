package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var heading = Heading{BatchID: "b-7f3a9c21", Kind: "dry run", Now: when, Started: when.Add(time.Minute), Finished: when.Add(2 * time.Minute),
	Inputs: []string{"users.xlsx", "changes.xlsx"}, Version: "v1.4.0", Notes: []string{"TLS certificates not verified for caldav.example.com"}}

// previewMeetings is a batch of n meetings: one in three updated with its
// old and new block and mail, one failed, the rest skipped.
func previewMeetings(n int) []Meeting {
	var ms []Meeting
	for i := range n {
		m := Meeting{UserID: fmt.Sprintf("user%03d@contoso.com", i%7), UID: fmt.Sprintf("u%d", i), Summary: fmt.Sprintf("Veckomöte %d", i),
			Start: when.Add(time.Duration(i) * time.Hour), End: when.Add(time.Duration(i)*time.Hour + 30*time.Minute), Attendees: 3 + i%5, Provider: "teams"}
		switch i % 3 {
		case 0:
			m.Outcome, m.Changes = "would-update", "conference ID 111 222 333 -> 987 654 321; join link kept"
			m.OldJoinURL, m.NewJoinURL = "https://teams.microsoft.com/l/meetup-join/old", "https://teams.microsoft.com/l/meetup-join/new"
			m.OldBlock = "Join on your computer\nhttps://teams.microsoft.com/l/meetup-join/old\nConference ID: 111 222 333#"
			m.NewBlock = "Join on your computer\nhttps://teams.microsoft.com/l/meetup-join/new\nConference ID: 987 654 321#"
			m.MailText = "The meeting's join details changed.\n\n" + m.NewBlock
			m.Recurrence = "FREQ=WEEKLY;BYDAY=MO"
		case 1:
			m.Outcome, m.Reason, m.Detail = "skipped", "past", "last occurrence 2025-12-01 09:00 UTC"
			m.OldBlock = "Join on your computer\nhttps://teams.microsoft.com/l/meetup-join/past"
		default:
			m.Outcome, m.Reason, m.Detail = "failed", "caldav", "PUT https://cal.example/u/1.ics: 412 Precondition Failed"
		}
		ms = append(ms, m)
	}
	return ms
}

func previewUsers() []User {
	var us []User
	for i := range 7 {
		us = append(us, User{UserID: fmt.Sprintf("user%03d@contoso.com", i), State: "Succeeded", MigrationType: "ToTeams", TotalMeeting: 10, CreateDate: when, ModifiedDate: when})
	}
	us[6].State, us[6].LastMessage = "Failed", "PUT https://cal.example/u/1.ics: 412"
	return us
}

// scriptBlock returns the text of the <script> with the id.
func scriptBlock(t *testing.T, page, id string) string {
	t.Helper()
	open := `<script type="application/json" id="` + id + `">`
	i := strings.Index(page, open)
	if i < 0 {
		t.Fatalf("no script %s", id)
	}
	rest := page[i+len(open):]
	return rest[:strings.Index(rest, "</script>")]
}

// Text that looks like markup stays text: it cannot end the data's
// script block nor open an element of its own.
func TestHTMLEscapes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.html")
	hostile := "</script><script>alert(1)</script><!-- \u2028 & <b>"
	ms := previewMeetings(3)
	ms[0].Summary, ms[0].NewBlock = hostile, hostile+"\x1b\x00"
	h := heading
	h.BatchID = `<img src=x onerror=alert(2)>`
	us := previewUsers()
	us[0].LastMessage = hostile
	if err := Write(path, h, us, ms); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	page := string(b)
	if n := strings.Count(page, "</script>"); n != 3 {
		t.Errorf("%d </script> in the page, want 3 (two data blocks and the script)", n)
	}
	for _, bad := range []string{"<img", "<b>", "alert(1)</script>", "\x1b", "\x00"} {
		if strings.Contains(page, bad) {
			t.Errorf("page holds %q raw", bad)
		}
	}
	if !strings.Contains(page, "&lt;img src=x onerror=alert(2)&gt;") {
		t.Error("batch id not shown escaped")
	}
	var rows [][]any
	if err := json.Unmarshal([]byte(scriptBlock(t, page, "meetings-data")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][2] != hostile || rows[0][15] != hostile {
		t.Errorf("meeting 0 reads back as %q / %q", rows[0][2], rows[0][15])
	}
	var urows [][]any
	if err := json.Unmarshal([]byte(scriptBlock(t, page, "users-data")), &urows); err != nil || len(urows) != 7 || urows[0][9] != hostile {
		t.Errorf("users read back: %v %v", err, urows)
	}
	if !strings.Contains(page, "<title>mms dry run &lt;img") || !strings.Contains(page, "v1.4.0") || !strings.Contains(page, "users.xlsx, changes.xlsx") {
		t.Error("heading missing")
	}
}

// The file grows with the meetings, linearly: twice the meetings, twice
// the size (give or take the fixed page around them).
func TestHTMLSizeLinear(t *testing.T) {
	dir := t.TempDir()
	size := func(n int) float64 {
		path := filepath.Join(dir, fmt.Sprint(n, ".html"))
		if err := Write(path, Heading{}, previewUsers(), previewMeetings(n)); err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(path)
		return float64(st.Size())
	}
	small, big := size(10_000), size(20_000)
	if r := big / small; r < 1.9 || r > 2.05 {
		t.Errorf("10,000 meetings: %.0f bytes, 20,000: %.0f (x%.2f), want about x2", small, big, r)
	}
	if per := small / 10_000; per > 1000 {
		t.Errorf("%.0f bytes a meeting", per)
	}
}

// Rows reach the file while the stream still runs: nothing holds them
// all.
func TestHTMLStreams(t *testing.T) {
	dir := t.TempDir()
	ms := previewMeetings(3000)
	var midway int64
	each := func(yield func(Meeting) error) error {
		for i, m := range ms {
			if i == 2000 {
				entries, _ := os.ReadDir(dir)
				for _, e := range entries {
					if info, err := e.Info(); err == nil {
						midway += info.Size()
					}
				}
			}
			if err := yield(m); err != nil {
				return err
			}
		}
		return nil
	}
	path := filepath.Join(dir, "r.html")
	if err := WriteReport(path, heading, slice(previewUsers()), each); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if midway < st.Size()/2 {
		t.Errorf("%d bytes written after 2,000 of 3,000 meetings, of %d", midway, st.Size())
	}
}
