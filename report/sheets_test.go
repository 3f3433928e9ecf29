package report

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A sheet holds at most a fixed number of rows; the meetings that do not
// fit continue on numbered sheets, each with its own header, none lost.
func TestXLSXContinuationSheets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.xlsx")
	var many []Meeting
	for i := range 7 {
		many = append(many, Meeting{UserID: "anna@contoso.com", UID: fmt.Sprintf("u%d", i), Outcome: "updated"})
	}
	if err := writeXLSX(path, Heading{}, slice([]User(nil)), cellsSlice(many), 4); err != nil { // 3 data rows a sheet
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := []string{"Summary", "Users", "Meetings", "Meetings (2)", "Meetings (3)"}
	if got := f.GetSheetList(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("sheets %v, want %v", got, want)
	}
	var uids []string
	for _, s := range want[2:] {
		rows, _ := f.GetRows(s)
		if rows[0][1] != "UID" {
			t.Errorf("%s: header %v", s, rows[0])
		}
		for _, r := range rows[1:] {
			uids = append(uids, r[1])
		}
	}
	if fmt.Sprint(uids) != "[u0 u1 u2 u3 u4 u5 u6]" {
		t.Errorf("meetings across sheets: %v", uids)
	}
	if rows, _ := f.GetRows("Users"); len(rows) != 1 || rows[0][0] != "UserId" {
		t.Errorf("empty Users sheet: %v", rows)
	}
	if v := summaryValue(t, f, "Total meetings"); v != "7" {
		t.Errorf("Summary counts %s meetings, want 7", v)
	}
}

func cellsSlice(ms []Meeting) Meetings { return slice(ms) }
