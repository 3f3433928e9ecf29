package input

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// handmade writes a workbook by hand, as a hostile one would be made: the
// first sheet's rows are what sheet writes; sst, when not nil, writes the
// shared strings' <si> elements.
func handmade(t *testing.T, path string, sheet, sst func(w io.Writer)) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	z := zip.NewWriter(f)
	z.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	part := func(name, head string, body func(w io.Writer), tail string) {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, head)
		if body != nil {
			body(w)
		}
		io.WriteString(w, tail)
	}
	const main = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	part("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`, nil, "")
	part("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook `+main+` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`, nil, "")
	rels := `<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>`
	if sst != nil {
		rels += `<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`
		part("xl/sharedStrings.xml", `<?xml version="1.0" encoding="UTF-8"?><sst `+main+`>`, sst, `</sst>`)
	}
	part("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+rels+`</Relationships>`, nil, "")
	part("xl/worksheets/sheet1.xml", `<?xml version="1.0" encoding="UTF-8"?><worksheet `+main+`><sheetData>`, sheet, `</sheetData></worksheet>`)
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// inline is a row of inline-string cells from column A.
func inline(line int, cells ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<row r="%d">`, line)
	for i, c := range cells {
		fmt.Fprintf(&b, `<c r="%c%d" t="inlineStr"><is><t>%s</t></is></c>`, 'A'+i, line, c)
	}
	return b.String() + "</row>"
}

// measure runs read and returns the bytes it allocated. It also checks
// that read leaves no temporary file behind (excelize's folder included).
func measure(t *testing.T, read func()) uint64 {
	t.Helper()
	tmp := filepath.Join(t.TempDir(), "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmp)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	read()
	runtime.ReadMemStats(&after)
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in the temporary folder: %v", left)
	}
	return after.TotalAlloc - before.TotalAlloc
}

// One stray cell in column XFD on 5,000 rows: each row is read as blank,
// in little memory (each such row cost 16,384 cells before: 3.1 GB).
func TestXLSXStrayCells(t *testing.T) {
	dir := calendarDir(t)
	path := handmade(t, filepath.Join(dir, "users.xlsx"), func(w io.Writer) {
		io.WriteString(w, inline(1, "user", "calendar"))
		for n := 2; n <= 5001; n++ {
			fmt.Fprintf(w, `<row r="%d"><c r="XFD%d" t="inlineStr"><is><t>x</t></is></c></row>`, n, n)
		}
		io.WriteString(w, inline(5002, "anna@contoso.com", "anna.ics"))
	}, nil)
	var users []User
	var errs []RowError
	var err error
	alloc := measure(t, func() { users, errs, err = ReadUsers(path) })
	if err != nil || len(errs) != 0 || len(users) != 1 || users[0].Line != 5002 {
		t.Fatalf("users %+v, errors %q, err %v", users, errorStrings(errs), err)
	}
	t.Logf("5,000 rows: %d KB allocated", alloc>>10)
	if alloc > 32<<20 {
		t.Errorf("reading 5,000 rows allocated %d MB", alloc>>20)
	}
}

// A million rows of one stray cell each (killed at 24 GB before).
func TestXLSXMillionStrayRows(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a million rows")
	}
	dir := calendarDir(t)
	path := handmade(t, filepath.Join(dir, "users.xlsx"), func(w io.Writer) {
		io.WriteString(w, inline(1, "user", "calendar"))
		for n := 2; n <= 1_000_000; n++ {
			fmt.Fprintf(w, `<row r="%d"><c r="XFD%d"><v>1</v></c></row>`, n, n)
		}
	}, nil)
	var users []User
	var err error
	alloc := measure(t, func() { users, _, err = ReadUsers(path) })
	if err != nil || len(users) != 0 {
		t.Fatalf("users %+v, err %v", users, err)
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	t.Logf("a million rows: %d MB allocated, %d MB in use after", alloc>>20, m.HeapInuse>>20)
	if alloc > 1<<30 || m.HeapInuse > 64<<20 {
		t.Errorf("a million rows allocated %d MB, %d MB in use after", alloc>>20, m.HeapInuse>>20)
	}
}

// spaces writes n MB of blanks.
func spaces(n int) func(w io.Writer) {
	return func(w io.Writer) {
		mb := bytes.Repeat([]byte(" "), 1<<20)
		for range n {
			w.Write(mb)
		}
	}
}

// A zip bomb, 200 MB of whitespace in a 200 KB file, in the sheet or in the
// shared strings, is refused before it is unzipped.
func TestXLSXZipBomb(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name       string
		sheet, sst func(w io.Writer)
		part       string
	}{
		{"sheet", spaces(200), nil, "xl/worksheets/sheet1.xml"},
		{"shared strings", nil, spaces(200), "xl/sharedStrings.xml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := handmade(t, filepath.Join(dir, "users.xlsx"), func(w io.Writer) {
				io.WriteString(w, inline(1, "user", "calendar"))
				if tc.sheet != nil {
					tc.sheet(w)
				}
			}, tc.sst)
			if st, _ := os.Stat(path); st.Size() > 1<<20 {
				t.Fatalf("the bomb is %d bytes", st.Size())
			}
			var err error
			alloc := measure(t, func() { _, _, err = ReadUsers(path) })
			want := path + ": " + tc.part + " unzips to 200 MB; a workbook part is read up to 64 MB: keep only the columns and rows this batch needs, or save it as CSV UTF-8"
			if err == nil || err.Error() != want {
				t.Fatalf("err = %v\nwant %s", err, want)
			}
			if alloc > 8<<20 {
				t.Errorf("refusing the bomb allocated %d MB", alloc>>20)
			}
		})
	}
}

// A part that unzips to more than its header says is refused too.
func TestXLSXLyingSize(t *testing.T) {
	dir := t.TempDir()
	path := handmade(t, filepath.Join(dir, "users.xlsx"), func(w io.Writer) { io.WriteString(w, inline(1, "user", "calendar")) }, nil)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Shrink the sheet's uncompressed size in its central directory entry.
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var sheet *zip.File
	for _, f := range z.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			sheet = f
		}
	}
	at := bytes.LastIndex(data, []byte("PK\x01\x02"))
	for at >= 0 && !bytes.HasPrefix(data[at+46:], []byte(sheet.Name)) {
		at = bytes.LastIndex(data[:at], []byte("PK\x01\x02"))
	}
	if at < 0 {
		t.Fatal("no central directory entry for the sheet")
	}
	data[at+24], data[at+25], data[at+26], data[at+27] = 10, 0, 0, 0
	write(t, dir, "users.xlsx", string(data))
	_, _, err = ReadUsers(path)
	if err == nil || !strings.HasPrefix(err.Error(), path+": not a readable .xlsx workbook") {
		t.Fatalf("err = %v", err)
	}
}

// Rows beyond Excel's 1,048,576 are an error naming the file.
func TestTooManyRows(t *testing.T) {
	dir := t.TempDir()
	t.Run("xlsx row number", func(t *testing.T) {
		path := handmade(t, filepath.Join(dir, "users.xlsx"), func(w io.Writer) {
			io.WriteString(w, inline(1, "user", "calendar")+`<row r="1048577"><c r="A1048577"><v>1</v></c></row>`)
		}, nil)
		_, _, err := ReadUsers(path)
		if want := path + ": row 1048577 is outside the sheet (rows 1 to 1048576); save the workbook again from Excel"; err == nil || err.Error() != want {
			t.Fatalf("err = %v\nwant %s", err, want)
		}
	})
	t.Run("xlsx cell beyond XFD", func(t *testing.T) {
		path := handmade(t, filepath.Join(dir, "users.xlsx"), func(w io.Writer) {
			io.WriteString(w, inline(1, "user", "calendar")+`<row r="2"><c r="XFE2"><v>1</v></c></row>`)
		}, nil)
		_, _, err := ReadUsers(path)
		if want := path + `:2: cell "XFE2" is outside the sheet (columns A to XFD); save the workbook again from Excel`; err == nil || err.Error() != want {
			t.Fatalf("err = %v\nwant %s", err, want)
		}
	})
	t.Run("csv", func(t *testing.T) {
		path := write(t, dir, "users.csv", "user,calendar\n"+strings.Repeat(",\n", maxRows))
		_, _, err := ReadUsers(path)
		if want := path + ":1048577: more than 1048576 rows; split the file"; err == nil || err.Error() != want {
			t.Fatalf("err = %v\nwant %s", err, want)
		}
	})
}

// A formula Excel never computed (no saved value) is named as such, in a
// known column only; one with a saved value reads as that value.
func TestXLSXFormulaWithoutValue(t *testing.T) {
	dir := calendarDir(t)
	path := filepath.Join(dir, "users.xlsx")
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"user", "calendar", "note"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"anna@contoso.com"})
	f.SetSheetRow("Sheet1", "A3", &[]any{"bo@contoso.com", "anna.ics"})
	if err := f.SetCellFormula("Sheet1", "B2", `"anna"&".ics"`); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellFormula("Sheet1", "C3", `A3&"!"`); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	f.Close()
	users, errs, err := ReadUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	want := path + `:2: column "calendar": a formula with no saved value; open the file in Excel and save it again (Excel saves each formula's value), or paste the values in place of the formulas`
	if len(errs) != 1 || errs[0].Error() != want || errs[0].User != "anna@contoso.com" {
		t.Errorf("errors %q\nwant %q", errorStrings(errs), want)
	}
	if len(users) != 1 || users[0].Email != "bo@contoso.com" {
		t.Errorf("users %+v", users)
	}

	// Saved by Excel, a formula carries its value.
	path = handmade(t, filepath.Join(dir, "users2.xlsx"), func(w io.Writer) {
		io.WriteString(w, inline(1, "user", "calendar"))
		io.WriteString(w, `<row r="2"><c r="A2" t="str"><f>LOWER("ANNA@contoso.com")</f><v>anna@contoso.com</v></c><c r="B2" t="s"><v>0</v></c></row>`)
	}, func(w io.Writer) {
		io.WriteString(w, `<si><r><t>anna</t></r><r><t>.ics</t></r><rPh><t>ignored</t></rPh></si>`)
	})
	users, errs, err = ReadUsers(path)
	if err != nil || len(errs) != 0 || len(users) != 1 || users[0].Email != "anna@contoso.com" || filepath.Base(users[0].Calendar) != "anna.ics" {
		t.Fatalf("users %+v, errors %q, err %v", users, errorStrings(errs), err)
	}
}

// A folder (or pipe) in place of a file is refused before it is read.
func TestNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"users.csv", "users.xlsx"} {
		path := filepath.Join(dir, name)
		if err := os.Mkdir(path, 0o755); err != nil {
			t.Fatal(err)
		}
		_, _, err := ReadUsers(path)
		if want := path + ": not a regular file (d---------); give the file itself"; err == nil || err.Error() != want {
			t.Errorf("err = %v\nwant %s", err, want)
		}
	}
}

// A header of thousands of names is not copied whole into the error.
func TestLongHeader(t *testing.T) {
	dir := t.TempDir()
	path := handmade(t, filepath.Join(dir, "users.xlsx"), func(w io.Writer) {
		io.WriteString(w, `<row r="1">`)
		for col := 1; col <= maxColumn; col++ {
			fmt.Fprintf(w, `<c t="inlineStr"><is><t>c%d</t></is></c>`, col)
		}
		io.WriteString(w, `</row>`)
	}, nil)
	_, _, err := ReadUsers(path)
	if err == nil || !strings.Contains(err.Error(), `no "user" column; columns found: c1, c2,`) || !strings.Contains(err.Error(), "c30, .... Expected") || len(err.Error()) > 500 {
		t.Fatalf("err = %v", err)
	}
}

// Any sheet XML is read without a panic, and every row and cell it yields
// lies inside the sheet.
func FuzzSheetRows(f *testing.F) {
	f.Add(inline(1, "user", "calendar") + `<row r="2"><c r="XFD2" t="s" s="1"><v>0</v></c><c><f>A1</f></c><c t="b"><v>1</v></c></row>`)
	f.Add(`<row><c r="B7" s="0"><v>46032.5</v></c><c t="inlineStr"><is><r><t>a</t></r><rPh><t>b</t></rPh></is></c></row><row r="1048576"/>`)
	f.Add(`<row r="0"><c r="ZZZZ1"/></row>`)
	wb := &book{file: "fuzz.xlsx", sheet: "sheet1.xml", strings: stringTable{text: []byte("x"), ends: []uint32{1}},
		formats: []numFmt{{id: 0}, {id: 14}, {id: 164, code: "000000"}}}
	f.Fuzz(func(t *testing.T, sheet string) {
		err := wb.rows(strings.NewReader("<worksheet><sheetData>"+sheet+"</sheetData></worksheet>"), func(rec record) error {
			if rec.line < 1 || rec.line > maxRows {
				t.Fatalf("row %d outside the sheet", rec.line)
			}
			for _, c := range rec.cells {
				if c.col < 0 || c.col >= maxColumn {
					t.Fatalf("row %d: cell in column %d", rec.line, c.col+1)
				}
				if c.value == "" && c.problem == "" {
					t.Fatalf("row %d: an empty cell was kept", rec.line)
				}
			}
			return nil
		})
		if err != nil && !strings.HasPrefix(err.Error(), "fuzz.xlsx") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

// A header cell that names shared text the workbook does not hold (its
// shared strings missing, or an index past them) is said to be so, not
// read as a missing column. Found by an audit: `no "user" column;
// columns found: .`
func TestXLSXHeaderSharedTextMissing(t *testing.T) {
	sheet := func(w io.Writer) {
		io.WriteString(w, `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>`+inline(2, "anna@contoso.com", "anna.ics"))
	}
	for name, sst := range map[string]func(w io.Writer){
		"no shared strings": nil,
		"one of two":        func(w io.Writer) { io.WriteString(w, `<si><t>user</t></si>`) },
	} {
		path := handmade(t, filepath.Join(t.TempDir(), "users.xlsx"), sheet, sst)
		_, _, err := ReadUsers(path)
		if err == nil || !strings.Contains(err.Error(), "users.xlsx:1: the header row, column ") || !strings.Contains(err.Error(), "which the workbook does not hold") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Millions of empty shared strings (a part of a few MB zipped) are held
// in 4 bytes each besides their text, and the strings after them are
// read: a slice of Go strings held 16 bytes each, grown twice over (a
// 100 KB workbook of 13 million took 445 MB).
func TestXLSXManyEmptySharedStrings(t *testing.T) {
	const empty = 4_000_000
	dir := calendarDir(t)
	path := handmade(t, filepath.Join(dir, "users.xlsx"), func(w io.Writer) {
		fmt.Fprintf(w, `<row r="1"><c r="A1" t="s"><v>%d</v></c><c r="B1" t="s"><v>%d</v></c></row>`, empty, empty+1)
		fmt.Fprintf(w, `<row r="2"><c r="A2" t="s"><v>%d</v></c><c r="B2" t="s"><v>%d</v></c></row>`, empty+2, empty+3)
	}, func(w io.Writer) {
		io.WriteString(w, strings.Repeat("<si/>", empty))
		io.WriteString(w, "<si><t>user</t></si><si><t>calendar</t></si><si><t>anna@contoso.com</t></si><si><t>anna.ics</t></si>")
	})
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	wb, err := openWorkbook(path, &z.Reader)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d shared strings: %d MB held", wb.strings.len(), held>>20)
	if wb.strings.len() != empty+4 || wb.strings.get(empty-1) != "" || wb.strings.get(empty+2) != "anna@contoso.com" {
		t.Fatalf("%d strings, %q, %q", wb.strings.len(), wb.strings.get(empty-1), wb.strings.get(empty+2))
	}
	if held > 40<<20 {
		t.Errorf("%d shared strings held %d MB", empty+4, held>>20)
	}
	runtime.KeepAlive(wb)
	users, errs, err := ReadUsers(path)
	if err != nil || len(errs) != 0 || len(users) != 1 || users[0].Email != "anna@contoso.com" {
		t.Fatalf("users %+v, errors %q, err %v", users, errorStrings(errs), err)
	}
}
