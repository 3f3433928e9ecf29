package report

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// The rows are written as excelize's stream writer writes them, byte for
// byte, for every kind of value a report holds: text that needs escaping,
// blanks at either end, control characters, bytes that are not UTF-8,
// "_xHHHH_" that Excel would read as a character, text past Excel's
// 32,767 units (cut before a character that would cross it), numbers and
// times on both sides of Excel's 1900 oddities.
func TestRowsAsTheStreamWriterWritesThem(t *testing.T) {
	long := strings.Repeat("a", maxCellChars-1) + "😀b" // the emoji's two units would cross the limit
	texts := []string{"", "plain", " lead", "trail\n", "a\tb", `x&y<z>"'`, "line1\nline2", "\r\n", "é 中 😀",
		"_x0041_", "_x005F_x0041_", "_x005F_", "a_x00e9_b_X0041_", "_x005F_xD800_", "_x12_",
		"ctl\x01\x7f\u0085end", "bad\xffutf8", "\uFFFE\uFFFD", long, strings.Repeat("é", 40000)}
	times := []time.Time{{}, time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC), time.Date(1900, 2, 28, 12, 0, 0, 0, time.UTC),
		time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(1850, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2300, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(2026, 7, 1, 9, 0, 0, 0, time.FixedZone("x", 7200))}
	var rows [][]cellStyle
	for _, s := range texts {
		rows = append(rows, []cellStyle{{value: s}, {value: s, style: 3}})
	}
	for _, tm := range times {
		rows = append(rows, []cellStyle{{value: tm}, {value: len(rows) - 40}, {value: nil}, {value: 0}})
	}
	const date = 2

	dir := t.TempDir()
	rf, err := newRowFile(filepath.Join(dir, "w.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer rf.remove()
	for i, r := range rows {
		if err := rf.row(i+2, r, date); err != nil {
			t.Fatal(err)
		}
	}
	got, err := rf.rows()
	if err != nil {
		t.Fatal(err)
	}
	mine, _ := io.ReadAll(got)

	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		cells := make([]any, len(r))
		for k, c := range r {
			switch v := c.value.(type) {
			case string:
				cells[k] = excelize.Cell{StyleID: c.style, Value: clean(v)}
			case time.Time:
				if !v.IsZero() {
					cells[k] = excelize.Cell{StyleID: date, Value: v.UTC()}
				}
			default:
				cells[k] = c.value
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, cells); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var sheet []byte
	for _, zf := range z.File {
		if zf.Name == "xl/worksheets/sheet1.xml" {
			r, _ := zf.Open()
			sheet, _ = io.ReadAll(r)
			r.Close()
		}
	}
	start, end := bytes.Index(sheet, []byte(`<row r="2"`)), bytes.Index(sheet, endOfRows)
	if start < 0 || end < start {
		t.Fatalf("no rows in excelize's sheet:\n%.2000s", sheet)
	}
	theirs := sheet[start:end]
	if !bytes.Equal(mine, theirs) {
		for i := range min(len(mine), len(theirs)) {
			if mine[i] != theirs[i] {
				lo := max(0, i-200)
				t.Fatalf("rows differ at byte %d:\nmine:   %q\ntheirs: %q", i, mine[lo:min(len(mine), i+200)], theirs[lo:min(len(theirs), i+200)])
			}
		}
		t.Fatalf("rows differ in length: mine %d, theirs %d", len(mine), len(theirs))
	}
}

// "_xHHHH_" naming no character (a lone surrogate) is kept, escaped like
// any other, where excelize drops it from the cell.
func TestRowsKeepAnEscapeOfNoCharacter(t *testing.T) {
	b := appendEscaped(nil, "a_xD800_b")
	if string(b) != "a_x005F_xD800_b" {
		t.Errorf("got %q", b)
	}
}

// A workbook's rows wait in a file beside it, which is gone once the
// workbook is written, also when writing it failed.
func TestRowFilesRemoved(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.xlsx")
	if err := writeXLSX(path, Heading{}, slice(previewUsers()), slice(previewMeetings(3)), maxSheetRows); err != nil {
		t.Fatal(err)
	}
	bad := func(yield func(Meeting) error) error {
		yield(previewMeetings(1)[0])
		return io.ErrUnexpectedEOF
	}
	if err := writeXLSX(filepath.Join(dir, "s.xlsx"), Heading{}, slice(previewUsers()), bad, maxSheetRows); err == nil {
		t.Fatal("a failing source gave no error")
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != "r.xlsx" {
		t.Errorf("files left: %v", names)
	}
}
