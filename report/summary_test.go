package report

import (
	"archive/zip"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// summaryValue is the cell right of the Summary sheet's cell holding label.
func summaryValue(t *testing.T, f *excelize.File, label string) string {
	t.Helper()
	rows, err := f.GetRows("Summary")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		for i, c := range r {
			if c == label && i+1 < len(r) {
				return r[i+1]
			}
		}
	}
	t.Fatalf("Summary has no %q", label)
	return ""
}

// xlsxParts reads the workbook's XML parts by name.
func xlsxParts(t *testing.T, path string) map[string]string {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	parts := map[string]string{}
	for _, zf := range z.File {
		r, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		parts[zf.Name] = string(b)
	}
	return parts
}

// The Summary sheet says what the report is, counts a rollback's restored
// meetings, and draws its charts side by side with their values shown.
func TestXLSXSummary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.xlsx")
	ms := previewMeetings(9)
	ms[0].Outcome, ms[3].Outcome = "restored", "restored"
	if err := Write(path, heading, previewUsers(), ms); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue("Summary", "A1"); v != "mms dry run" {
		t.Errorf("Summary A1 = %q", v)
	}
	for label, want := range map[string]string{"Batch": "b-7f3a9c21", "Now (--now)": "2026-01-15T09:00:00Z", "Inputs": "users.xlsx, changes.xlsx",
		"mms version": "v1.4.0", "Note": heading.Notes[0], "restored": "2", "would-update": "1", "Total meetings": "9", "Failed": "1", "past": "3"} {
		if v := summaryValue(t, f, label); v != want {
			t.Errorf("Summary %s = %q, want %q", label, v, want)
		}
	}
	parts := xlsxParts(t, path)
	var charts int
	for name, x := range parts {
		if strings.HasPrefix(name, "xl/charts/chart") {
			charts++
			if !strings.Contains(x, `<showVal val="1">`) {
				t.Errorf("%s shows no values", name)
			}
			if strings.Count(x, "<title>") < 2 {
				t.Errorf("%s: no axis title", name)
			}
		}
	}
	if charts != 3 {
		t.Errorf("%d charts, want 3", charts)
	}
	// side by side: the three start on one row, at three columns
	from := regexp.MustCompile(`<xdr:from><xdr:col>(\d+)</xdr:col><xdr:colOff>\d+</xdr:colOff><xdr:row>(\d+)</xdr:row>`).FindAllStringSubmatch(parts["xl/drawings/drawing1.xml"], -1)
	if len(from) != 3 || from[0][2] != from[1][2] || from[1][2] != from[2][2] || from[0][1] == from[1][1] || from[1][1] == from[2][1] {
		t.Errorf("chart anchors %v", from)
	}
}

// Join links are clickable: a hyperlink relationship, not a formula; the
// cell stays text. Times say UTC; every sheet prints landscape, fit to
// width, with its header row repeated; columns are wide enough for their
// headers.
func TestXLSXLinksPrintWidths(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.xlsx")
	ms := previewMeetings(3)
	ms[1].OldJoinURL = `javascript:alert(1)`
	ms[2].NewJoinURL = `=HYPERLINK("https://evil")`
	if err := Write(path, heading, previewUsers(), ms); err != nil {
		t.Fatal(err)
	}
	parts := xlsxParts(t, path)
	sheet := parts["xl/worksheets/sheet3.xml"]
	rels := parts["xl/worksheets/_rels/sheet3.xml.rels"]
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for cell, want := range map[string]string{"M2": ms[0].OldJoinURL, "N2": ms[0].NewJoinURL} {
		if ok, target, _ := f.GetCellHyperLink("Meetings", cell); !ok || target != want {
			t.Errorf("Meetings!%s links to %q (%v), want %q", cell, target, ok, want)
		}
		if v, _ := f.GetCellValue("Meetings", cell); v != want {
			t.Errorf("Meetings!%s shows %q", cell, v)
		}
	}
	if n := strings.Count(sheet, "<hyperlink "); n != 2 {
		t.Errorf("%d hyperlinks, want 2 (javascript: and a formula are no links)", n)
	}
	for _, want := range []string{`Target="https://teams.microsoft.com/l/meetup-join/old" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" TargetMode="External"`,
		`Target="https://teams.microsoft.com/l/meetup-join/new" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" TargetMode="External"`} {
		if !strings.Contains(rels, want) {
			t.Errorf("rels lack %s:\n%s", want, rels)
		}
	}
	if strings.Contains(sheet, "<f>") {
		t.Error("a cell holds a formula")
	}
	if !strings.Contains(parts["xl/styles.xml"], `formatCode="yyyy-mm-dd hh:mm &#34;UTC&#34;"`) {
		t.Error("times not labelled UTC")
	}
	for _, n := range []string{"1", "2", "3"} {
		x := parts["xl/worksheets/sheet"+n+".xml"]
		if !regexp.MustCompile(`<pageSetUpPr fitToPage="(1|true)"`).MatchString(x) || !regexp.MustCompile(`<pageSetup [^>]*orientation="landscape"`).MatchString(x) ||
			!regexp.MustCompile(`<pageSetup [^>]*fitToWidth="1"`).MatchString(x) {
			t.Errorf("sheet%s print setup: %s", n, regexp.MustCompile(`<pageSetup[^>]*>|<sheetPr.*?</sheetPr>`).FindAllString(x, -1))
		}
	}
	wb := parts["xl/workbook.xml"]
	for _, want := range []string{`<definedName localSheetId="1" name="_xlnm.Print_Titles">&#39;Users&#39;!$1:$1</definedName>`,
		`<definedName localSheetId="2" name="_xlnm.Print_Titles">&#39;Meetings&#39;!$1:$1</definedName>`} {
		if !strings.Contains(wb, want) {
			t.Errorf("workbook lacks %s:\n%s", want, wb)
		}
	}
	for n, header := range map[string][]string{"2": userColumns, "3": meetingColumns} {
		cols := regexp.MustCompile(`<col min="(\d+)" max="\d+" width="([\d.]+)"`).FindAllStringSubmatch(parts["xl/worksheets/sheet"+n+".xml"], -1)
		if len(cols) != len(header) {
			t.Fatalf("sheet%s: %d column widths for %d columns", n, len(cols), len(header))
		}
		for _, c := range cols {
			i, _ := strconv.Atoi(c[1])
			w, _ := strconv.ParseFloat(c[2], 64)
			if w < float64(len(header[i-1]))+3 {
				t.Errorf("sheet%s: column %s width %.0f hides its header", n, header[i-1], w)
			}
		}
	}
}

// A sheet's clickable links stop at maxLinks; the addresses beyond stay
// there as text.
func TestXLSXLinksBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.xlsx")
	ms := previewMeetings(maxLinks/2 + 3)
	for i := range ms {
		ms[i].OldJoinURL, ms[i].NewJoinURL = "https://a.example/old", "https://b.example/new"
	}
	if err := Write(path, Heading{}, nil, ms); err != nil {
		t.Fatal(err)
	}
	sheet := xlsxParts(t, path)["xl/worksheets/sheet3.xml"]
	if n := strings.Count(sheet, "<hyperlink "); n != maxLinks {
		t.Errorf("%d links, want %d", n, maxLinks)
	}
	last := fmt.Sprintf(`<c r="N%d"`, len(ms)+1)
	if i := strings.Index(sheet, last); i < 0 || !strings.Contains(sheet[i:i+200], "https://b.example/new") {
		t.Errorf("the last meeting's link is not kept as text")
	}
}
