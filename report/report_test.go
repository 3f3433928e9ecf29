package report

import (
	"archive/zip"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

var (
	when     = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	users    = []User{{UserID: "anna@contoso.com", State: "Succeeded", MigrationType: "ToTeams", TotalMeeting: 3, SucceededMeeting: 1, SkippedMeeting: 2, InvitesUpdate: 1, LastMessage: "=HYPERLINK(\"http://x\")", CreateDate: when, ModifiedDate: when, CorrelationID: "c-1"}, {UserID: "bo@contoso.com", State: "NotTriggered", LastMessage: "no change"}}
	meetings = []Meeting{
		{UserID: "anna@contoso.com", UID: "u1", Summary: "Veckomöte 漢字 🙂 Cuộc họp", Start: when, Attendees: 4, Outcome: "updated", Provider: "teams", OldJoinURL: "https://old", NewJoinURL: "https://new"},
		{UserID: "anna@contoso.com", UID: "u2", Summary: "+1+1", Outcome: "skipped", Reason: "past"},
		{UserID: "anna@contoso.com", UID: "u3", Summary: "@SUM(A1)", Outcome: "skipped", Reason: "-2"},
		{UserID: "anna@contoso.com", UID: "u4", Summary: "+46 8 505 248 89", Outcome: "skipped", Reason: "past"},
	}
)

func TestXLSX(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.xlsx")
	if err := Write(path, Heading{}, users, meetings); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "Summary,Users,Meetings" {
		t.Fatalf("sheets %s", got)
	}
	rows, _ := f.GetRows("Users")
	if strings.Join(rows[0], ",") != strings.Join(userColumns, ",") {
		t.Errorf("users header %v", rows[0])
	}
	mrows, _ := f.GetRows("Meetings")
	if strings.Join(mrows[0], ",") != strings.Join(meetingColumns, ",") || mrows[1][2] != meetings[0].Summary {
		t.Errorf("meetings rows %v", mrows[:2])
	}
	for _, c := range []struct{ sheet, cell, want string }{{"Users", "J2", users[0].LastMessage}, {"Meetings", "C3", "+1+1"}, {"Meetings", "C4", "@SUM(A1)"}, {"Meetings", "I4", "-2"}} {
		if formula, _ := f.GetCellFormula(c.sheet, c.cell); formula != "" {
			t.Errorf("%s!%s became a formula %q", c.sheet, c.cell, formula)
		}
		if v, _ := f.GetCellValue(c.sheet, c.cell); v != c.want {
			t.Errorf("%s!%s = %q, want %q", c.sheet, c.cell, v, c.want)
		}
	}
	if typ, _ := f.GetCellType("Users", "D2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Error("TotalMeeting is not a number")
	}
	if panes, _ := f.GetPanes("Meetings"); !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header not frozen: %+v", panes)
	}
	if v := summaryValue(t, f, "Succeeded"); v != "1" {
		t.Errorf("Summary succeeded users = %q", v)
	}
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var chart, filter bool
	for _, zf := range z.File {
		chart = chart || strings.HasPrefix(zf.Name, "xl/charts/chart")
		if strings.HasPrefix(zf.Name, "xl/tables/") {
			r, _ := zf.Open()
			b, _ := io.ReadAll(r)
			filter = filter || strings.Contains(string(b), "<autoFilter")
			r.Close()
		}
	}
	if !chart || !filter {
		t.Errorf("chart=%v autofilter=%v", chart, filter)
	}
}

func TestCSV(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.csv")
	if err := Write(path, Heading{}, users, meetings); err != nil {
		t.Fatal(err)
	}
	u, _ := os.ReadFile(path)
	m, _ := os.ReadFile(filepath.Join(dir, "r.meetings.csv"))
	// A byte order mark first, so Excel reads UTF-8 when the file is
	// double-clicked.
	for name, b := range map[string][]byte{"users": u, "meetings": m} {
		if !strings.HasPrefix(string(b), "\xef\xbb\xbfUserId,") {
			t.Errorf("%s csv starts %q", name, string(b[:min(len(b), 40)]))
		}
	}
	if !strings.HasPrefix(string(m), "\xef\xbb\xbfUserId,UID,Summary,Start,End,Recurrence,Attendees,Outcome,Reason,Detail,Changes,Provider,OldJoinUrl,NewJoinUrl\r\n") &&
		!strings.HasPrefix(string(m), "\xef\xbb\xbfUserId,UID,Summary,Start,End,Recurrence,Attendees,Outcome,Reason,Detail,Changes,Provider,OldJoinUrl,NewJoinUrl\n") {
		t.Errorf("meetings csv header %q", string(m[:120]))
	}
	for _, want := range []string{`"'=HYPERLINK(""http://x"")"`, "2026-01-15T09:00:00Z"} {
		if !strings.Contains(string(u), want) {
			t.Errorf("users csv lacks %s", want)
		}
	}
	for _, want := range []string{"Veckomöte 漢字 🙂 Cuộc họp", ",'+1+1,", ",'@SUM(A1),", ",'-2,", ",'+46 8 505 248 89,"} {
		if !strings.Contains(string(m), want) {
			t.Errorf("meetings csv lacks %s:\n%s", want, m)
		}
	}
}

// Control characters and invalid UTF-8 never reach a CSV: NUL, ESC and
// DEL are dropped, a broken byte becomes U+FFFD, tab and line ends stay.
func TestCSVCleansText(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.csv")
	dirty := []Meeting{{UserID: "anna@contoso.com", UID: "u1", Summary: "a\x00b\x1b[31mc\x7fd\xffe\tf\ng\u0085h", Detail: "=\x00cmd"}}
	if err := Write(path, Heading{}, nil, dirty); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(MeetingsCSV(path))
	for _, bad := range []string{"\x00", "\x1b", "\x7f", "\xff", "\u0085"} {
		if strings.Contains(string(b), bad) {
			t.Errorf("meetings csv holds %q", bad)
		}
	}
	if !utf8.Valid(b) {
		t.Error("meetings csv is not valid UTF-8")
	}
	for _, want := range []string{"\"ab[31mcd\ufffde\tf\ngh\"", ",'=cmd,"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("meetings csv lacks %q:\n%q", want, b)
		}
	}
}

func TestFailureLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	if err := Write(filepath.Join(dir, "r.txt"), Heading{}, users, meetings); err == nil {
		t.Fatal("no error for .txt")
	}
	blocked := filepath.Join(dir, "file")
	os.WriteFile(blocked, nil, 0o644)
	if err := Write(filepath.Join(blocked, "r.xlsx"), Heading{}, users, meetings); err == nil {
		t.Fatal("no error for a path under a file")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

// WriteStream reads each stream once, the meetings first: in a workbook
// their sheet's buffer grows while the Users one is still empty.
func TestWriteStreamOrder(t *testing.T) {
	for _, name := range []string{"r.xlsx", "r.csv"} {
		var calls []string
		us := func(yield func(User) error) error {
			calls = append(calls, "users")
			return slice(users)(yield)
		}
		ms := func(yield func(Meeting) error) error {
			calls = append(calls, "meetings")
			return slice(meetings)(yield)
		}
		if err := WriteStream(filepath.Join(t.TempDir(), name), us, ms); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(calls, ","); got != "meetings,users" {
			t.Errorf("%s: streams read as %s, want meetings,users", name, got)
		}
	}
}

// A CSV report says what it is in FILE.heading.csv, one Field,Value row
// each, notes included and formula-safe; the rows files stay rows only.
func TestCSVHeading(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.csv")
	h := Heading{BatchID: "b1", Kind: "run", Now: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC), Inputs: []string{"/in/users.csv"}, Version: "v1",
		Started: time.Date(2026, 1, 15, 9, 0, 1, 0, time.UTC), Finished: time.Date(2026, 1, 15, 9, 5, 0, 0, time.UTC),
		Notes: []string{"rejected row: changes.csv:9: column \"user\": x is not in the users file", "=cmd"}}
	if err := Write(path, h, users, meetings); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(HeadingCSV(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\xef\xbb\xbfField,Value", "Kind,run", "Batch,b1", "Inputs,/in/users.csv", `Note,"rejected row: changes.csv:9: column ""user""`, "Note,'=cmd"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("heading csv lacks %q:\n%s", want, b)
		}
	}
	if u, _ := os.ReadFile(path); !strings.HasPrefix(string(u), "\xef\xbb\xbfUserId,") {
		t.Errorf("users csv starts %q", string(u[:min(len(u), 40)]))
	}
	// Each rows file says which batch it is of and its kind, in every row.
	for _, file := range []string{path, MeetingsCSV(path)} {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil || len(recs) < 2 {
			t.Fatalf("%s: %d records, %v", file, len(recs), err)
		}
		// and its times and inputs (found by an audit: those were in
		// FILE.heading.csv alone, which SPEC does not name)
		head := recs[0]
		want := []string{"BatchId", "BatchKind", "BatchNow", "BatchStarted", "BatchFinished", "BatchInputs", "MmsVersion"}
		if len(head) < len(want) || !slices.Equal(head[len(head)-len(want):], want) {
			t.Errorf("%s: header %q lacks %q at its end", file, head, want)
		}
		for _, r := range recs[1:] {
			if !slices.Equal(r[len(r)-len(want):], []string{"b1", "run", "2026-01-15T09:00:00Z", "2026-01-15T09:00:01Z", "2026-01-15T09:05:00Z", "/in/users.csv", "v1"}) {
				t.Errorf("%s: row %q does not say batch b1, run, its --now, times, inputs and version", file, r)
			}
		}
	}
	empty := filepath.Join(dir, "e.csv") // no heading given: no heading file
	if err := Write(empty, Heading{}, users, meetings); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(HeadingCSV(empty)); err == nil {
		t.Error("a heading file for an empty heading")
	}
}

func TestShowsTexts(t *testing.T) {
	for path, want := range map[string]bool{"r.html": true, "R.HTML": true, "r.xlsx": false, "r.csv": false, "html": false} {
		if got := ShowsTexts(path); got != want {
			t.Errorf("ShowsTexts(%q) = %v", path, got)
		}
	}
}

// TestSafeText: what a spreadsheet could run as a formula, at the start or
// after blanks and line breaks, is defused, a phone number written with
// its "+" too (Excel evaluates it, and shows an error); plain text stays
// as it is.
func TestSafeText(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+1+1": "'+1+1", "-2+3": "'-2+3", "@SUM(A1)": "'@SUM(A1)", "\t=1": "'\t=1", "\r=1": "'\r=1",
		"\n=cmd": "'\n=cmd", " =cmd": "' =cmd", " \n\t+cmd": "' \n\t+cmd", "  @x": "'  @x",
		"+46 8 505 248 89": "'+46 8 505 248 89", " +46 8 505 248 89": "' +46 8 505 248 89",
		"Weekly sync": "Weekly sync", " Weekly": " Weekly", "": "", "a=b": "a=b", "   ": "   ",
	} {
		if got := safeText(in); got != want {
			t.Errorf("safeText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRemoveStaleTemps: the temporary files a killed process left beside
// a report (and its CSV companions) are removed when older than the run;
// a fresh one, another report's and a file of the user's stay.
func TestRemoveStaleTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.csv")
	old := time.Now().Add(-time.Hour)
	names := map[string]bool{ // name: removed
		".r.csv.mms-tmp-abc.csv": true, ".r.meetings.csv.mms-tmp-d.csv": true, ".r.heading.csv.mms-tmp-e.csv": true,
		".other.csv.mms-tmp-f.csv": false, ".notes.tmp": false, "r.csv": false,
	}
	for name := range names {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte("x"), 0o644)
		os.Chtimes(p, old, old)
	}
	fresh := filepath.Join(dir, ".r.csv.mms-tmp-now.csv")
	os.WriteFile(fresh, []byte("x"), 0o644)
	if err := RemoveStaleTemps(path, time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	for name, removed := range names {
		if _, err := os.Stat(filepath.Join(dir, name)); (err != nil) != removed {
			t.Errorf("%s: removed %v, want %v", name, err != nil, removed)
		}
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("a temporary file of this run was removed")
	}
}

// The CSV files end their lines with CRLF (RFC 4180).
func TestCSVLinesEndInCRLF(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv")
	if err := Write(path, Heading{BatchID: "b"}, []User{{UserID: "anna@contoso.com"}}, []Meeting{{UserID: "anna@contoso.com", UID: "u1"}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, MeetingsCSV(path)} {
		b, _ := os.ReadFile(p)
		if n := strings.Count(string(b), "\n"); n < 2 || n != strings.Count(string(b), "\r\n") {
			t.Errorf("%s: %d lines, %d end in CRLF", p, n, strings.Count(string(b), "\r\n"))
		}
	}
}

// A line break inside a cell is read back as it was written in the
// calendar: "\n", not "\r\n" (found by an audit: Go's csv writer with CRLF
// endings turned one into the other).
func TestCSVKeepsLineBreaksInCells(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv")
	summary := "a, \"b\" 'c'\nline2"
	if err := Write(path, Heading{BatchID: "b"}, []User{{UserID: "anna@contoso.com"}}, []Meeting{{UserID: "anna@contoso.com", UID: "u1", Summary: summary}}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(MeetingsCSV(path))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	rows, err := r.ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	col := slices.Index(rows[0], "Summary")
	if col < 0 || rows[1][col] != summary {
		t.Errorf("summary read back as %q, want %q", rows[1][max(col, 0)], summary)
	}
	// Go's reader drops a CR before LF in a cell; Python's keeps it.
	if b, _ := os.ReadFile(MeetingsCSV(path)); !strings.Contains(string(b), "'c'\nline2\"") {
		t.Errorf("the cell's line break is not \\n:\n%q", b)
	}
}
