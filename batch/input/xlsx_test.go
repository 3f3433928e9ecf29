package input

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// workbook writes rows (row number -> cells from column A) to the first
// sheet of a new workbook; style, when set, applies to a cell.
func workbook(t *testing.T, path string, rows map[int][]any, styles map[string]*excelize.Style) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for n, cells := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, n)
		if err := f.SetSheetRow("Sheet1", cell, &cells); err != nil {
			t.Fatal(err)
		}
	}
	for cell, s := range styles {
		id, err := f.NewStyle(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellStyle("Sheet1", cell, cell, id); err != nil {
			t.Fatal(err)
		}
	}
	// A second sheet, made active, is not read.
	other, _ := f.NewSheet("Other")
	f.SetSheetRow("Other", "A1", &[]any{"user", "calendar"})
	f.SetSheetRow("Other", "A2", &[]any{"other@contoso.com", "anna.ics"})
	f.SetActiveSheet(other)
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestXLSXUsers(t *testing.T) {
	dir := calendarDir(t)
	path := workbook(t, filepath.Join(dir, "users.xlsx"), map[int][]any{
		1: {" USER ", "Calendar", "Extra", "Mailbox"},
		2: {"anna@contoso.com", "anna.ics", 12.5, "Online"},
		// row 3 blank
		4: {"bo@contoso.com", "anna.ics", nil, "hybrid"},
	}, nil)
	users, errs, err := ReadUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].Email != "anna@contoso.com" || users[0].Line != 2 || users[0].Mailbox != "online" {
		t.Errorf("users = %+v", users)
	}
	want := []string{path + `:4: column "mailbox": "hybrid" is not a mailbox kind; use online or onprem`}
	if got := errorStrings(errs); !slices.Equal(got, want) || errs[0].User != "bo@contoso.com" {
		t.Errorf("errors:\n got %q\nwant %q", got, want)
	}
}

// Numbers typed into cells come through as their digits, whatever their
// style (a phone number typed +46850524889 is a number of the cell: its
// '+' comes back); text keeps its leading zeros.
func TestXLSXNumbers(t *testing.T) {
	dir := t.TempDir()
	bold := &excelize.Style{Font: &excelize.Font{Bold: true}}
	thousands := &excelize.Style{NumFmt: 3} // #,##0
	zeros := "0000000000"
	padded := &excelize.Style{CustomNumFmt: &zeros}
	path := workbook(t, filepath.Join(dir, "changes.xlsx"), map[int][]any{
		1: {"user", "change", "conference_id", "toll_number", "toll_free_number"},
		2: {"anna@contoso.com", "conference-id-changed", 580849884, 4685052489, "+44 800 123 456"},
		3: {"anna@contoso.com", "conference-id-changed", float64(123456789012), 468505248890, nil},
		4: {"anna@contoso.com", "conference-id-changed", 580849884, nil, nil},
		5: {"anna@contoso.com", "conference-id-changed", 580849884, nil, nil},
		6: {"anna@contoso.com", "conference-id-changed", "0058 084", nil, nil},
	}, map[string]*excelize.Style{"C3": bold, "D3": bold, "C4": thousands, "C5": padded})
	changes, errs, err := ReadChanges(path, listed)
	if err != nil || len(errs) > 0 {
		t.Fatalf("err %v, row errors %q", err, errorStrings(errs))
	}
	var got []string
	for _, c := range changes {
		got = append(got, c.ConferenceID+" "+strings.Join(c.TollNumbers, "|")+" "+strings.Join(c.TollFreeNumbers, "|"))
	}
	want := []string{
		"580849884 +4685052489 +44 800 123 456",
		"123456789012 +468505248890 ",
		"580849884  ",
		"0580849884  ",
		"0058084  ",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("values:\n got %q\nwant %q", got, want)
	}
	for i, c := range changes {
		if c.Line != i+2 {
			t.Errorf("change %d on line %d", i, c.Line)
		}
	}
}

// A date cell in the at column (a serial number with a date format, as
// Excel stores a typed date) reads as that time in UTC.
func TestXLSXDateCell(t *testing.T) {
	dir := t.TempDir()
	path := workbook(t, filepath.Join(dir, "changes.xlsx"), map[int][]any{
		1: {"user", "change", "at"},
		2: {"anna@contoso.com", "moved-to-online", 46032},
		3: {"anna@contoso.com", "moved-to-online", "2026-01-10T08:00:00Z"},
		4: {"anna@contoso.com", "moved-to-online", 46037.3333333333},
		5: {"anna@contoso.com", "moved-to-online", 46037.5},
	}, map[string]*excelize.Style{"C2": {NumFmt: 14}, "C4": {NumFmt: 22}, "C5": {CustomNumFmt: ptr("yyyy-mm-dd hh:mm")}})
	changes, errs, err := ReadChanges(path, listed)
	if err != nil || len(errs) != 0 || len(changes) != 4 {
		t.Fatalf("changes %+v, errors %q, err %v", changes, errorStrings(errs), err)
	}
	want := []string{"2026-01-10T00:00:00Z", "2026-01-10T08:00:00Z", "2026-01-15T08:00:00Z", "2026-01-15T12:00:00Z"}
	for i, c := range changes {
		if got := c.At.UTC().Format(time.RFC3339); got != want[i] {
			t.Errorf("row %d: at %s, want %s", c.Line, got, want[i])
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestXLSXNoHeader(t *testing.T) {
	dir := t.TempDir()
	path := workbook(t, filepath.Join(dir, "users.xlsx"), map[int][]any{}, nil)
	_, _, err := ReadUsers(path)
	if err == nil || err.Error() != path+`: the first sheet is empty; the first row must name the columns: user, calendar[, mailbox, audio_provider, aliases] (mms reads the first sheet, "Sheet1"; the workbook's others: "Other"; put the rows on the first sheet (drag its tab first) or save that sheet as .csv)` {
		t.Fatalf("err = %v", err)
	}
}

// A workbook whose rows are on its second sheet, behind a first that
// explains it, says which sheet was read and which others there are, and
// the header's cells as typed (a newcomer read "columns found:
// fill_in_the_users_sheet").
func TestXLSXRowsOnAnotherSheet(t *testing.T) {
	dir := t.TempDir()
	path := workbook(t, filepath.Join(dir, "users.xlsx"), map[int][]any{1: {"Fill in the Users sheet"}}, nil)
	_, _, err := ReadUsers(path)
	want := path + `: no "user" column; columns found: Fill in the Users sheet. Expected: user, calendar[, mailbox, audio_provider, aliases] (mms reads the first sheet, "Sheet1"; the workbook's others: "Other"`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

// A hidden first sheet is the one read: the message says it is hidden,
// or the admin looks for a tab Excel does not show.
func TestXLSXHiddenFirstSheet(t *testing.T) {
	dir := t.TempDir()
	path := workbook(t, filepath.Join(dir, "users.xlsx"), map[int][]any{1: {"lookup"}}, nil)
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetVisible("Sheet1", false); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, _, err = ReadUsers(path)
	want := `(mms reads the first sheet, "Sheet1", which is hidden (Excel shows it again with Unhide on a tab's menu); the workbook's others: "Other"`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v\nwant it to say %s", err, want)
	}
}

// Workbooks as admins make them (found by an audit): headers written with
// a no-break space, wrapped, or run together as PowerShell exports them;
// cells with invisible characters at their ends; Excel's _xHHHH_ escapes;
// a colour number format, which is no date; a formula's error is no value.
func TestXLSXAsAdminsWriteThem(t *testing.T) {
	dir := t.TempDir()
	red := &excelize.Style{CustomNumFmt: ptr("0;[Red]-0")}
	path := workbook(t, filepath.Join(dir, "changes.xlsx"), map[int][]any{
		1: {"User", "Change", "Conference\u00a0ID", "TollNumber", "Join\nURL"},
		2: {"anna@contoso.com\u200b", "conference-id-changed", 580849884, "+46 8 505 248 89\u00a0", nil},
		3: {"anna@contoso.com", "moved-to-online", nil, nil, "https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0_x000D_"},
		4: {"anna@contoso.com", "conference-id-changed", 500000001, nil, nil},
		5: {"anna@contoso.com", "moved-to-online", nil, nil, "https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40\u200bthread.v2/0"},
	}, map[string]*excelize.Style{"C4": red})
	changes, errs, err := ReadChanges(path, listed)
	if err != nil {
		t.Fatal(err)
	}
	// The join link ends in a carriage return once decoded: trimmed as
	// white space, never written with "_x000D_" in it.
	if len(errs) != 1 || errs[0].Line != 5 || !strings.Contains(errs[0].Error(), `"\u200b"`) {
		t.Errorf("errors %q, want row 5's zero-width space in its link refused", errorStrings(errs))
	}
	if len(changes) != 3 || changes[0].ConferenceID != "580849884" || !slices.Equal(changes[0].TollNumbers, []string{"+46 8 505 248 89"}) ||
		changes[1].JoinURL != "https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0" || changes[2].ConferenceID != "500000001" {
		t.Errorf("changes %+v, errors %q", changes, errorStrings(errs))
	}
	if got := unescapeOOXML("T_x0065_ams_x000D_ a_x005F_x000D_"); got != "Teams\r a_x000D_" {
		t.Errorf("unescapeOOXML: %q", got)
	}
}

// A user cell merged over two rows gives both rows that user, as the
// sheet shows it (found by an audit: the second row was nobody's, and the
// user went on with the first row's conference ID only).
func TestXLSXMergedCells(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "changes.xlsx")
	f := excelize.NewFile()
	for i, row := range [][]any{
		{"user", "change", "conference_id", "at"},
		{"anna@contoso.com", "conference-id-changed", "500000001", "2026-01-10T08:00:00Z"},
		{nil, "conference-id-changed", "599999999", "2026-01-11T08:00:00Z"},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Sheet1", cell, &row)
	}
	if err := f.MergeCell("Sheet1", "A2", "A3"); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	f.Close()
	changes, errs, err := ReadChanges(path, listed)
	if err != nil || len(errs) != 0 || len(changes) != 2 || changes[1].User != "anna@contoso.com" || changes[1].ConferenceID != "599999999" {
		t.Errorf("changes %+v, errors %q, %v", changes, errorStrings(errs), err)
	}
}

// A merge across columns (a long link widened to show whole) gives nothing
// to the column beside it, and a header two rows high gives nothing to the
// row below it (found by an audit: the join link became the dial-in link,
// and the header's second row a row of data).
func TestXLSXMergesNotFilledAcross(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "changes.xlsx")
	f := excelize.NewFile()
	join := "https://teams.microsoft.com/l/meetup-join/{meeting}/0"
	for i, row := range [][]any{
		{"user", "change", "join_url", "dialin_url"},
		{nil, nil, nil, nil},
		{"anna@contoso.com", "moved-to-online", join, nil},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Sheet1", cell, &row)
	}
	for _, m := range [][2]string{{"A1", "A2"}, {"B1", "B2"}, {"C1", "C2"}, {"D1", "D2"}, {"C3", "D3"}} {
		if err := f.MergeCell("Sheet1", m[0], m[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	f.Close()
	changes, errs, err := ReadChanges(path, listed)
	if err != nil || len(errs) != 0 || len(changes) != 1 || changes[0].JoinURL != join || changes[0].DialInURL != "" {
		t.Errorf("changes %+v, errors %q, %v", changes, errorStrings(errs), err)
	}
}
