package input

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Limits of a workbook read. A workbook is read straight from its zip, one
// row at a time, keeping only the header's columns: excelize's own reader
// pads every row to its last cell (16,384 strings for one stray cell in
// column XFD) and loads the whole sheet to tell a cell's type and style.
const (
	maxXLSXFile = 16 << 20 // bytes of the .xlsx file itself (its zip directory is read whole)
	maxXLSXPart = 64 << 20 // bytes of one part (sheet, shared strings, styles) once unzipped
	maxColumn   = 16384    // Excel's last column, XFD
)

// xlsxError is a whole-file problem of a workbook.
func xlsxError(file string, err error) error {
	return fmt.Errorf("%s: not a readable .xlsx workbook (%w); save it again from Excel as .xlsx, or as CSV UTF-8", file, err)
}

// readXLSX reads the first sheet of a workbook, handing each row to add.
func readXLSX(file string, add func(record) error) error {
	if err := regularFile(file, maxXLSXFile); err != nil {
		return err
	}
	z, err := zip.OpenReader(file)
	if err != nil {
		return xlsxError(file, err)
	}
	defer z.Close()
	wb, err := openWorkbook(file, &z.Reader)
	if err != nil {
		return err
	}
	merged, err := wb.mergedCells()
	if err != nil {
		return err
	}
	sheet, err := wb.part(wb.sheet)
	if err != nil {
		return err
	}
	defer sheet.Close()
	return wb.rows(sheet, merged.fill(add))
}

// A cell merged down over rows shows its value in each of them, as the
// rows of a changes file with one user cell merged over them show that
// user: the rows below are read with the value of the merge's first cell,
// in its column only. A merge across columns (a long link widened to show
// whole) gives nothing to the columns beside it, and one that begins on
// the header row (a header two rows high) nothing to the rows below: as
// Excel stores them, empty. At most maxMergedCells cells are filled.
const maxMergedCells = 1 << 20

type mergedCell struct{ r1, c1, r2, c2 int }

// merges are a sheet's merged cells by each row they cover.
type merges map[int][]*mergedCell

// mergedCells reads the sheet's <mergeCell ref="A3:A4"/> elements, which
// follow its rows: a pass over the part of its own.
func (wb *book) mergedCells() (merges, error) {
	sheet, err := wb.part(wb.sheet)
	if err != nil {
		return nil, err
	}
	defer sheet.Close()
	out := merges{}
	cells := 0
	d := xml.NewDecoder(sheet)
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, xlsxError(wb.file, fmt.Errorf("%s: %w", wb.sheet, err))
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "mergeCell" {
			continue
		}
		from, to, ok := strings.Cut(attr(se, "ref"), ":")
		if !ok {
			continue
		}
		m := &mergedCell{r1: rowIndex(from), c1: columnIndex(from), r2: rowIndex(to), c2: columnIndex(to)}
		if m.r1 < 1 || m.c1 < 1 || m.r2 <= m.r1 || m.c2 < m.c1 || m.r2 > maxRows {
			continue
		}
		if cells += m.r2 - m.r1 + 1; cells > maxMergedCells {
			return out, nil
		}
		for r := m.r1; r <= m.r2; r++ {
			out[r] = append(out[r], m)
		}
	}
}

// fill hands add each record with the cells merges cover given their
// merge's value.
func (ms merges) fill(add func(record) error) func(record) error {
	if len(ms) == 0 {
		return add
	}
	first := map[*mergedCell]cell{}
	header := 0 // the line of the first row with a cell: the header's
	return func(rec record) error {
		if header == 0 && len(rec.cells) > 0 {
			header = rec.line
		}
		for _, m := range ms[rec.line] {
			if m.r1 <= header && header != 0 {
				continue
			}
			if rec.line == m.r1 {
				for _, c := range rec.cells {
					if c.col == m.c1-1 {
						first[m] = c
					}
				}
				continue
			}
			v, ok := first[m]
			if ok && !slices.ContainsFunc(rec.cells, func(c cell) bool { return c.col == v.col }) {
				rec.cells = append(rec.cells, v)
			}
		}
		slices.SortFunc(rec.cells, func(a, b cell) int { return a.col - b.col })
		return add(rec)
	}
}

// rowIndex is the row of a cell reference like "XFD7", or 0.
func rowIndex(ref string) int {
	i := strings.IndexFunc(ref, func(r rune) bool { return r >= '0' && r <= '9' })
	if i < 0 {
		return 0
	}
	n, err := strconv.Atoi(ref[i:])
	if err != nil {
		return 0
	}
	return n
}

// book is what reading the first sheet needs of the rest of the file.
type book struct {
	file        string
	parts       map[string]*zip.File // by lower-case name
	sheet       string               // the first sheet's part
	names       []string             // the sheets' names, in order (the first maxFound)
	firstHidden bool                 // the first sheet is hidden: the one read, not shown
	strings     stringTable          // the shared strings
	formats     []numFmt             // by cell style index
	date1904    bool
}

// numFmt is a cell style's number format.
type numFmt struct {
	id   int
	code string // "" for a built-in format
}

func openWorkbook(file string, z *zip.Reader) (*book, error) {
	wb := &book{file: file, parts: map[string]*zip.File{}}
	for _, f := range z.File {
		wb.parts[strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))] = f
	}
	rels, err := wb.relationships()
	if err != nil {
		return nil, err
	}
	if err := wb.readWorkbook(rels); err != nil {
		return nil, err
	}
	if err := wb.readStrings(rels.target("sharedStrings", "xl/sharedStrings.xml")); err != nil {
		return nil, err
	}
	if err := wb.readStyles(rels.target("styles", "xl/styles.xml")); err != nil {
		return nil, err
	}
	return wb, nil
}

// part opens a part, unzipping at most maxXLSXPart bytes of it.
func (wb *book) part(name string) (io.ReadCloser, error) {
	f := wb.parts[strings.ToLower(name)]
	if f == nil {
		return nil, xlsxError(wb.file, fmt.Errorf("no part %s", name))
	}
	if f.UncompressedSize64 > maxXLSXPart {
		return nil, fmt.Errorf("%s: %s unzips to %d MB; a workbook part is read up to %d MB: keep only the columns and rows this batch needs, or save it as CSV UTF-8",
			wb.file, name, f.UncompressedSize64>>20, maxXLSXPart>>20)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, xlsxError(wb.file, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(rc, maxXLSXPart), rc}, nil
}

// decode unmarshals a small part; a missing optional part leaves v as is.
func (wb *book) decode(name string, optional bool, v any) error {
	if optional && wb.parts[strings.ToLower(name)] == nil {
		return nil
	}
	rc, err := wb.part(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := xml.NewDecoder(rc).Decode(v); err != nil {
		return xlsxError(wb.file, fmt.Errorf("%s: %w", name, err))
	}
	return nil
}

// rels are the workbook's relationships.
type rels struct {
	Rel []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

func (wb *book) relationships() (rels, error) {
	var r rels
	return r, wb.decode("xl/_rels/workbook.xml.rels", false, &r)
}

// target is the part of the first relationship of a type ending in
// "/"+kind, or def.
func (r rels) target(kind, def string) string {
	for _, rel := range r.Rel {
		if strings.HasSuffix(rel.Type, "/"+kind) {
			return partName(rel.Target)
		}
	}
	return def
}

// partName resolves a target relative to xl/, or absolute.
func partName(target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return path.Join("xl", target)
}

func (wb *book) readWorkbook(r rels) error {
	var doc struct {
		Pr struct {
			Date1904 string `xml:"date1904,attr"`
		} `xml:"workbookPr"`
		Sheets []struct {
			ID    string `xml:"id,attr"` // r:id, matched by its local name
			Name  string `xml:"name,attr"`
			State string `xml:"state,attr"` // hidden, veryHidden
		} `xml:"sheets>sheet"`
	}
	if err := wb.decode("xl/workbook.xml", false, &doc); err != nil {
		return err
	}
	wb.date1904 = doc.Pr.Date1904 == "1" || doc.Pr.Date1904 == "true"
	if len(doc.Sheets) == 0 {
		return fmt.Errorf("%s: the workbook has no sheet; the rows go on the first sheet", wb.file)
	}
	for _, sh := range doc.Sheets[:min(len(doc.Sheets), maxFound)] {
		wb.names = append(wb.names, sh.Name)
	}
	wb.firstHidden = doc.Sheets[0].State != "" && doc.Sheets[0].State != "visible"
	for _, rel := range r.Rel {
		if rel.ID == doc.Sheets[0].ID {
			wb.sheet = partName(rel.Target)
			return nil
		}
	}
	return xlsxError(wb.file, fmt.Errorf("the first sheet's relationship %q is missing", doc.Sheets[0].ID))
}

// readStrings streams the shared strings: each <si>'s text, without its
// phonetic runs.
func (wb *book) readStrings(name string) error {
	if wb.parts[strings.ToLower(name)] == nil {
		return nil
	}
	rc, err := wb.part(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return xlsxError(wb.file, fmt.Errorf("%s: %w", name, err))
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "si" {
			s, err := richText(d, "si")
			if err != nil {
				return xlsxError(wb.file, fmt.Errorf("%s: %w", name, err))
			}
			wb.strings.add(s)
		}
	}
}

// stringTable holds a workbook's shared strings end to end, 4 bytes a
// string besides its text: a part of millions of empty <si/> (a few MB
// zipped) took a string header of 16 bytes each, twice over as the slice
// grew, 445 MB for 13 million.
type stringTable struct {
	text []byte
	ends []uint32 // where each string ends in text, which is at most maxXLSXPart bytes
}

func (t *stringTable) add(s string) {
	t.text = append(t.text, s...)
	t.ends = append(t.ends, uint32(len(t.text)))
}

func (t *stringTable) len() int { return len(t.ends) }

func (t *stringTable) get(i int) string {
	start := uint32(0)
	if i > 0 {
		start = t.ends[i-1]
	}
	return string(t.text[start:t.ends[i]])
}

// richText reads up to the end of element end: the text of its <t>
// elements outside phonetic runs (<rPh>).
func richText(d *xml.Decoder, end string) (string, error) {
	var b strings.Builder
	inT, phonetic := false, 0
	for {
		tok, err := d.RawToken()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inT = true
			case "rPh":
				phonetic++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case end:
				return unescapeOOXML(b.String()), nil
			case "t":
				inT = false
			case "rPh":
				phonetic--
			}
		case xml.CharData:
			if inT && phonetic == 0 {
				b.Write(t)
			}
		}
	}
}

func (wb *book) readStyles(name string) error {
	var doc struct {
		NumFmts []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		Xfs []struct {
			NumFmt int `xml:"numFmtId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if err := wb.decode(name, true, &doc); err != nil {
		return err
	}
	codes := map[int]string{}
	for _, f := range doc.NumFmts {
		codes[f.ID] = f.Code
	}
	for _, xf := range doc.Xfs {
		wb.formats = append(wb.formats, numFmt{id: xf.NumFmt, code: codes[xf.NumFmt]})
	}
	return nil
}

// rows streams the sheet's rows to add. Line numbers are the sheet's row
// numbers.
func (wb *book) rows(sheet io.Reader, add func(record) error) error {
	d := xml.NewDecoder(sheet)
	line := 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return xlsxError(wb.file, fmt.Errorf("%s: %w", wb.sheet, err))
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "row" {
			continue
		}
		line++
		if n, err := strconv.Atoi(attr(se, "r")); err == nil {
			line = n
		}
		if line < 1 || line > maxRows {
			return fmt.Errorf("%s: row %d is outside the sheet (rows 1 to %d); save the workbook again from Excel", wb.file, line, maxRows)
		}
		rec, err := wb.row(d, line)
		if err != nil {
			return err
		}
		if err := add(rec); err != nil {
			return err
		}
	}
}

// row reads one <row> element's cells.
func (wb *book) row(d *xml.Decoder, line int) (record, error) {
	rec := record{line: line}
	col := 0
	for {
		tok, err := d.RawToken()
		if err != nil {
			return rec, xlsxError(wb.file, fmt.Errorf("%s row %d: %w", wb.sheet, line, err))
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if t.Name.Local == "row" {
				return rec, nil
			}
		case xml.StartElement:
			if t.Name.Local != "c" {
				continue
			}
			col++
			if ref := attr(t, "r"); ref != "" {
				col = columnIndex(ref)
			}
			if col < 1 || col > maxColumn {
				return rec, fmt.Errorf("%s:%d: cell %q is outside the sheet (columns A to XFD); save the workbook again from Excel", wb.file, line, attr(t, "r"))
			}
			c, err := wb.cell(d, t, col)
			if err != nil {
				return rec, xlsxError(wb.file, fmt.Errorf("%s row %d: %w", wb.sheet, line, err))
			}
			if c.value != "" || c.problem != "" {
				rec.cells = append(rec.cells, c)
			}
		}
	}
}

// cell reads a <c> element: its type t, style s, value <v>, formula <f>
// and inline string <is>.
func (wb *book) cell(d *xml.Decoder, start xml.StartElement, col int) (cell, error) {
	var v string
	var hasV, hasF, hasIS bool
	for {
		tok, err := d.RawToken()
		if err != nil {
			return cell{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "v":
				hasV = true
				if v, err = text(d, "v"); err != nil {
					return cell{}, err
				}
			case "is":
				hasIS = true
				if v, err = richText(d, "is"); err != nil {
					return cell{}, err
				}
			case "f":
				hasF = true
			}
		case xml.EndElement:
			if t.Name.Local == "c" {
				c := cell{col: col - 1}
				if hasF && !hasV && !hasIS {
					c.problem = "a formula with no saved value; open the file in Excel and save it again (Excel saves each formula's value), or paste the values in place of the formulas"
					return c, nil
				}
				c.value, c.problem = wb.value(attr(start, "t"), attr(start, "s"), v)
				return c, nil
			}
		}
	}
}

// text reads an element's text up to its end.
func text(d *xml.Decoder, end string) (string, error) {
	var b strings.Builder
	for {
		tok, err := d.RawToken()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.EndElement:
			if t.Name.Local == end {
				return b.String(), nil
			}
		}
	}
}

// value is a cell's text by its type; problem says why there is none.
func (wb *book) value(typ, style, v string) (value, problem string) {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= wb.strings.len() {
			return "", fmt.Sprintf("refers to shared text %q, which the workbook does not hold; save it again from Excel", v)
		}
		return wb.strings.get(i), ""
	case "b":
		if strings.TrimSpace(v) == "1" {
			return "TRUE", ""
		}
		return "FALSE", ""
	case "", "n":
		return wb.number(style, v), ""
	case "e": // a formula that failed: its value is no value
		return "", fmt.Sprintf("holds Excel's error %s (a formula that found nothing?), not a value", strings.TrimSpace(v))
	case "str":
		return unescapeOOXML(v), ""
	}
	return v, "" // inlineStr (read with its escapes decoded), d (an ISO date)
}

// number gives a number cell as its digits when it is whole (a format like
// 0000000000 keeps its leading zeros), so that a conference ID or phone
// number typed as a number never reads as 5.80849884E+08 or 580,849,884;
// a cell shown as a date or time reads as RFC 3339.
func (wb *book) number(style, v string) string {
	n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
		return v
	}
	var f numFmt
	if i, err := strconv.Atoi(style); err == nil && i >= 0 && i < len(wb.formats) {
		f = wb.formats[i]
	}
	if isDateFormat(f) {
		if t, err := excelize.ExcelDateToTime(n, wb.date1904); err == nil {
			return t.Round(time.Second).UTC().Format(time.RFC3339)
		}
	}
	if n != math.Trunc(n) || math.Abs(n) >= 1e15 {
		return strconv.FormatFloat(n, 'G', 15, 64)
	}
	digits := strconv.FormatFloat(n, 'f', -1, 64)
	if f.code != "" && strings.Trim(f.code, "0") == "" && n >= 0 && len(digits) < len(f.code) {
		digits = strings.Repeat("0", len(f.code)-len(digits)) + digits
	}
	return digits
}

// isDateFormat tells the built-in date and time formats (14-22, 45-47)
// and custom formats with a day, month, year or hour in them (text in
// quotes aside).
func isDateFormat(f numFmt) bool {
	if f.code != "" {
		code := strings.ToLower(f.code)
		// [Red], [Color10], [>=100], [$-409] say nothing of dates;
		// elapsed time ([h], [mm], [ss]) does
		for i := strings.IndexByte(code, '['); i >= 0; {
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				break
			}
			if inner := code[i+1 : i+j]; strings.Trim(inner, "hms") != "" {
				code = code[:i] + code[i+j+1:]
			} else {
				i += j + 1
			}
			k := strings.IndexByte(code[i:], '[')
			if k < 0 {
				break
			}
			i += k
		}
		for i := strings.Index(code, `"`); i >= 0; i = strings.Index(code, `"`) {
			j := strings.Index(code[i+1:], `"`)
			if j < 0 {
				break
			}
			code = code[:i] + code[i+j+2:]
		}
		return strings.ContainsAny(code, "dyh") || strings.Contains(code, "mm")
	}
	return (f.id >= 14 && f.id <= 22) || (f.id >= 45 && f.id <= 47)
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// columnIndex is the 1-based column of a cell reference like "XFD7", or
// 0 when it names none (or one beyond maxColumn).
func columnIndex(ref string) int {
	col := 0
	for _, r := range ref {
		switch {
		case r >= 'A' && r <= 'Z':
			col = col*26 + int(r-'A') + 1
		case r >= 'a' && r <= 'z':
			col = col*26 + int(r-'a') + 1
		default:
			return col
		}
		if col > maxColumn {
			return 0
		}
	}
	return col
}

// unescapeOOXML decodes the _xHHHH_ escapes Excel writes in a cell's text
// for characters XML cannot hold or it chose to escape (a carriage return
// is _x000D_, an underscore before such a sequence _x005F_).
func unescapeOOXML(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if i+7 <= len(s) && s[i] == '_' && s[i+1] == 'x' && s[i+6] == '_' {
			if n, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				b.WriteRune(rune(n))
				i += 7
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// otherSheets says which sheet was read and which others the workbook
// has, where it has others: a header without a required column, or an
// empty first sheet, may be a workbook whose rows are on another sheet
// ("the first sheet, "Readme", was read; the workbook's others: "Users";
// put the rows on the first sheet"). "" for a workbook of one sheet.
func otherSheets(file string) string {
	z, err := zip.OpenReader(file)
	if err != nil {
		return ""
	}
	defer z.Close()
	wb, err := openWorkbook(file, &z.Reader)
	if err != nil || len(wb.names) < 2 {
		return ""
	}
	quoted := make([]string, len(wb.names)-1)
	for i, n := range wb.names[1:] {
		quoted[i] = strconv.Quote(n)
	}
	hidden := ""
	if wb.firstHidden {
		hidden = ", which is hidden (Excel shows it again with Unhide on a tab's menu)"
	}
	return fmt.Sprintf("mms reads the first sheet, %q%s; the workbook's others: %s; put the rows on the first sheet (drag its tab first) or save that sheet as .csv", wb.names[0], hidden, strings.Join(quoted, ", "))
}
