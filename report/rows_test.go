package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

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
		"_x0041_", "_x005F_x0041_", "_x005F_", "a_x00e9_b_X0041_", "_x005F_x0041_x0042_", "_x12_",
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
// any other, where excelize drops it from the cell or, after "_x005F_",
// leaves it for Excel to read as a lone surrogate; escapes that overlap
// are each escaped, where excelize left the second for Excel to read as a
// character.
func TestRowsKeepAnEscapeOfNoCharacter(t *testing.T) {
	for in, want := range map[string]string{
		"a_xD800_b":       "a_x005F_xD800_b",
		"_x005F_xD800_":   "_x005F_x005F_x005F_xD800_",
		"_x005F_xdfff_ok": "_x005F_x005F_x005F_xdfff_ok",
		"_x0000_x0000_":   "_x005F_x0000_x005F_x0000_",
	} {
		if got := string(appendEscaped(nil, in)); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
		if got := excelReads(want); got != in {
			t.Errorf("%q: Excel reads %q back", in, got)
		}
	}
}

// escape is "_xHHHH_" as Excel reads it (not isBSTR: the oracle stands on
// its own).
var escape = regexp.MustCompile(`^_x[0-9A-Fa-f]{4}_`)

// excelReads is a cell's text as Excel reads it: each "_xHHHH_" is the
// UTF-16 unit HHHH (here only "_x005F_", "_", is expected; any other is
// kept as a marker a test sees).
func excelReads(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if escape.MatchString(s[i:min(len(s), i+7)]) {
			if strings.EqualFold(s[i+2:i+6], "005F") {
				b.WriteByte('_')
			} else {
				b.WriteString("<unit " + s[i+2:i+6] + ">")
			}
			i += 7
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// Any text, written into a cell, is well-formed XML that Excel reads back
// as the text (cleaned of what a cell cannot hold, cut at 32,767 units):
// no "_xHHHH_" in it is read as a character it did not hold.
func FuzzCellText(f *testing.F) {
	for _, s := range []string{"", "plain", " lead", "a&b<c>", "_x0041_", "_x005F_x0041_", "_x005F_xD800_", "é😀", "\x01\xff", "_x005F__x0041_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cell := appendCell(nil, 0, 2, cellStyle{value: s}, 0)
		var c struct {
			IS struct {
				T string `xml:"t"`
			} `xml:"is"`
		}
		if err := xml.Unmarshal(cell, &c); err != nil {
			t.Fatalf("%q: not XML: %v\n%s", s, err, cell)
		}
		want := strings.Map(func(r rune) rune {
			if r >= utf8.RuneSelf && !isXMLChar(r) {
				return utf8.RuneError
			}
			return r
		}, truncateUTF16(clean(s), maxCellChars))
		want = strings.ReplaceAll(want, "\r", "\n") // an XML reader reads a line break as \n, as Excel does
		if got := strings.ReplaceAll(excelReads(c.IS.T), "\r", "\n"); got != want {
			t.Fatalf("%q: Excel reads %q", s, got)
		}
	})
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
