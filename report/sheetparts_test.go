package report

import (
	"archive/zip"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Every sheet of the workbook says the range its cells fill, not one
// cell: a reader that trusts the dimension (openpyxl's read-only mode)
// sees the rows. Sheets cut in parts say each part's own range.
func TestSheetDimensions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.xlsx")
	ms := previewMeetings(7)
	if err := writeXLSX(path, Heading{BatchID: "b"}, slice(previewUsers()), slice(ms), 5); err != nil { // 4 meetings a sheet
		t.Fatal(err)
	}
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	dim := regexp.MustCompile(`<dimension ref="([^"]*)"`)
	got := map[string]string{}
	for _, f := range z.File {
		if m, _ := filepath.Match("xl/worksheets/sheet*.xml", f.Name); !m {
			continue
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(r)
		r.Close()
		if d := dim.FindSubmatch(data); d != nil {
			got[f.Name] = string(d[1])
		}
	}
	want := map[string]string{
		"xl/worksheets/sheet2.xml": "A1:M5", // Users: 7 users, cut at 4 a sheet
		"xl/worksheets/sheet3.xml": "A1:N5", // Meetings: 4 of 7
		"xl/worksheets/sheet4.xml": "A1:N4", // Meetings2: 3 of 7
		"xl/worksheets/sheet5.xml": "A1:M4", // Users2
	}
	for name, ref := range want {
		if got[name] != ref {
			t.Errorf("%s: dimension %q, want %q (all: %q)", name, got[name], ref, got)
		}
	}
	if s := got["xl/worksheets/sheet1.xml"]; s == "" || s == "A1" {
		t.Errorf("Summary: dimension %q", s)
	}
}

// The links written with the zip read back as excelize reads any
// workbook's: each OldJoinUrl and NewJoinUrl cell is a hyperlink to its
// own text, the table and its relationship kept.
func TestLinksReadBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.xlsx")
	ms := previewMeetings(30)
	if err := Write(path, Heading{BatchID: "b"}, previewUsers(), ms); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	links := 0
	for row := 2; row <= len(ms)+1; row++ {
		for _, col := range []string{"M", "N"} {
			cell := fmt.Sprintf("%s%d", col, row)
			text, _ := f.GetCellValue("Meetings", cell)
			ok, target, err := f.GetCellHyperLink("Meetings", cell)
			if err != nil {
				t.Fatal(err)
			}
			if ok != isWebLink(text) || ok && target != text {
				t.Errorf("%s %q: link %v to %q", cell, text, ok, target)
			}
			if ok {
				links++
			}
		}
	}
	if links == 0 {
		t.Fatal("no cell is a link")
	}
	if tables, err := f.GetTables("Meetings"); err != nil || len(tables) != 1 {
		t.Errorf("tables %v, %v", tables, err)
	}
}

// The workbook's properties name mms and the batch, not excelize's
// defaults.
func TestWorkbookProperties(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.xlsx")
	if err := Write(path, Heading{BatchID: "b-1", Kind: "dry run", Version: "v9"}, previewUsers(), previewMeetings(3)); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	if p.Creator != "mms v9" || p.Title != "mms report of batch b-1" || p.Description != "dry run" || strings.HasPrefix(p.Created, "2006") {
		t.Errorf("properties %+v", p)
	}
}

// A sheet whose part never comes (a workbook laid out otherwise than
// expected) fails the workbook rather than losing its rows.
func TestSheetPartNotWrittenIsAnError(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	z := newSheetZip(zip.NewWriter(io.Discard), f, map[string]*sheetExtras{"Meetings": {}})
	if err := z.Close(); err == nil || !strings.Contains(err.Error(), "sheet Meetings") {
		t.Fatalf("closed with %v", err)
	}
}
