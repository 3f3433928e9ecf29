package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
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
// the size (give or take the fixed page around them, and the bounded
// list for readers without JavaScript).
func TestHTMLSizeLinear(t *testing.T) {
	dir := t.TempDir()
	size := func(n int) float64 {
		path := filepath.Join(dir, fmt.Sprint(n, ".html"))
		if err := Write(path, Heading{}, previewUsers(), previewMeetings(n)); err != nil {
			t.Fatal(err)
		}
		return float64(streamedSize(t, path))
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
	if size := streamedSize(t, path); midway < size/2 {
		t.Errorf("%d bytes written after 2,000 of 3,000 meetings, of %d", midway, size)
	}
}

// Without JavaScript the page still shows the meetings whose block
// changes, old and new block side by side in one row, escaped; past
// staticMeetings it says how many it leaves to the script.
func TestHTMLWithoutScript(t *testing.T) {
	dir := t.TempDir()
	ms := previewMeetings(10)
	ms[3].Summary = "</noscript><b>not bold</b>"
	path := filepath.Join(dir, "r.html")
	if err := Write(path, heading, previewUsers(), ms); err != nil {
		t.Fatal(err)
	}
	page := string(mustReadFile(t, path))
	i, j := strings.Index(page, `<noscript><section id="static">`), strings.Index(page, `</section></noscript>`)
	if i < 0 || j < i {
		t.Fatalf("no section for readers without JavaScript:\n%s", page)
	}
	static := page[i:j]
	changed := static[:strings.Index(static, "<h2>Other meetings")]
	rows := strings.Split(changed, "<tr>")[2:] // after the head's
	if len(rows) != 4 {
		t.Fatalf("%d rows without JavaScript, want the 4 meetings whose block changes:\n%s", len(rows), static)
	}
	for k, row := range rows {
		m := ms[3*k]
		for _, want := range []string{">" + m.UID + "<", "<pre class=\"block\">Join on your computer\nhttps://teams.microsoft.com/l/meetup-join/old\nConference ID: 111 222 333#</pre>",
			"<pre class=\"block\">Join on your computer\nhttps://teams.microsoft.com/l/meetup-join/new\nConference ID: 987 654 321#</pre>", "conference ID 111 222 333 -&gt; 987 654 321"} {
			if !strings.Contains(row, want) {
				t.Errorf("row %d lacks %q:\n%s", k, want, row)
			}
		}
	}
	if !strings.Contains(static, "&lt;/noscript&gt;&lt;b&gt;not bold&lt;/b&gt;") || strings.Contains(static, "<b>not bold") {
		t.Errorf("a summary became markup:\n%s", static)
	}
	// As a browser without JavaScript reads it (HTML5 parsing, scripting
	// off): one table row a meeting, its old and new block side by side.
	doc, err := html.ParseWithOptions(strings.NewReader(page), html.ParseOptionEnableScripting(false))
	if err != nil {
		t.Fatal(err)
	}
	heads, rowsOf := map[string][]string{}, map[string][][]string{} // by table id: the column names, each row's cells as text
	var walk func(n *html.Node, table string)
	walk = func(n *html.Node, table string) {
		if n.Type == html.ElementNode && n.Data == "table" && strings.HasPrefix(attr(n, "id"), "static-") {
			table = attr(n, "id")
		}
		if table != "" && n.Type == html.ElementNode && n.Data == "th" {
			heads[table] = append(heads[table], text(n))
		}
		if table != "" && n.Type == html.ElementNode && n.Data == "tr" && n.Parent.Data == "tbody" {
			var cells []string
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && c.Data == "td" {
					cells = append(cells, text(c))
				}
			}
			rowsOf[table] = append(rowsOf[table], cells)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, table)
		}
	}
	walk(doc, "")
	seen, head := rowsOf["static-changed"], heads["static-changed"]
	// The other meetings and the users are there too, in the report's
	// columns (found by an audit: a reader of the HTML without a script
	// found no user, no skipped or failed meeting).
	if others := rowsOf["static-others"]; len(others) != 6 || !slices.Equal(heads["static-others"], meetingColumns) || others[0][1] != ms[1].UID || others[0][7] != ms[1].Outcome {
		t.Errorf("other meetings without JavaScript: %q %q", heads["static-others"], others)
	}
	if us := rowsOf["static-users"]; len(us) != len(previewUsers()) || !slices.Equal(heads["static-users"], userColumns) || us[0][0] != previewUsers()[0].UserID {
		t.Errorf("users without JavaScript: %q %q", heads["static-users"], us)
	}
	if len(seen) != 4 {
		t.Fatalf("a browser without JavaScript sees %d rows, want 4", len(seen))
	}
	// The report's columns, named and ordered as in the workbook and the
	// CSV, the blocks side by side after the meeting's start.
	if want := slices.Concat(meetingColumns[:4], []string{"Old block", "New block"}, meetingColumns[4:]); !slices.Equal(head, want) {
		t.Errorf("columns without JavaScript\n got %q\nwant %q", head, want)
	}
	for k, cells := range seen {
		m := ms[3*k]
		if len(cells) != 16 || cells[1] != m.UID || cells[2] != m.Summary || cells[4] != m.OldBlock || cells[5] != m.NewBlock ||
			cells[9] != m.Outcome || cells[12] != m.Changes || cells[14] != m.OldJoinURL || cells[15] != m.NewJoinURL {
			t.Errorf("row %d as a browser without JavaScript sees it: %q", k, cells)
		}
	}
	// The tables that need JavaScript are not shown without it.
	if !strings.Contains(page, "<noscript><style>#meetings, #users { display: none; }</style></noscript>") {
		t.Error("the empty tables show without JavaScript")
	}
	if strings.Contains(static, "the first") {
		t.Error("says meetings are left out when none are")
	}

	ms = previewMeetings(3100) // 1,034 change
	if err := Write(path, heading, previewUsers(), ms); err != nil {
		t.Fatal(err)
	}
	page = string(mustReadFile(t, path))
	if n := strings.Count(page, `<pre class="block">`); n != 2*staticMeetings || !strings.Contains(page, "the first 1000 of 1034 (JavaScript shows them all)") {
		t.Errorf("%d blocks shown without JavaScript, want %d, and a word on the other 34", n, 2*staticMeetings)
	}
}

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// streamedSize is the size of the page less its list for readers without
// JavaScript (at most staticMeetings, written after the stream).
func streamedSize(t *testing.T, path string) int64 {
	t.Helper()
	page := string(mustReadFile(t, path))
	i, j := strings.Index(page, `<noscript><section id="static">`), strings.Index(page, `</section></noscript>`)
	if i < 0 || j < i {
		t.Fatalf("%s: no list for readers without JavaScript", path)
	}
	return int64(len(page) - (j - i))
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// text is the text of n and all below it.
func text(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(text(c))
	}
	return b.String()
}

// A name ending in .htm, as Windows users write one, is the HTML preview
// too, with the blocks' texts (it was refused).
func TestHTMLAsHtm(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.HTM")
	if err := Write(path, heading, previewUsers(), previewMeetings(2)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.HasPrefix(string(b), "<!DOCTYPE html>") || !ShowsTexts(path) {
		t.Fatalf("r.HTM: %v, ShowsTexts %v, starts %q", err, ShowsTexts(path), b[:min(len(b), 40)])
	}
}
