// Package input reads the users, changes and meetings files of a batch,
// CSV or XLSX, and checks every row.
//
// A whole-file problem (unreadable file, no header, a required column
// missing) is an error. A bad row is a RowError naming the file, line,
// column and what would be accepted, and carrying the user it belongs to
// when that is known, so that it costs only that user.
//
// Every file: the first non-blank row is the header; column names are
// case-insensitive, trimmed, and spaces or hyphens in them read as
// underscores ("Toll Number" is toll_number); unknown columns are ignored,
// a known column named twice is an error. Blank rows are skipped. Line
// numbers are the CSV line a row starts on, or the sheet's row number.
//
// CSV: UTF-8, with or without a byte-order mark. The delimiter is a comma;
// a header line that holds a semicolon and no comma switches the whole file
// to semicolons (a spreadsheet saved with a comma decimal locale). XLSX: the
// first sheet; a number typed into a cell comes through as its digits, a
// date as RFC 3339; a formula must carry its saved value.
//
// Limits, each an error naming the file: a regular file only; a CSV of at
// most 256 MB; an XLSX of at most 16 MB whose sheet, shared strings and
// styles each unzip to at most 64 MB (checked before unzipping, and again
// while unzipping); at most 1,048,576 rows (Excel's own limit) and, in a
// workbook, cells in columns A to XFD. A workbook is streamed row by row
// and only the header's known columns are kept, so a stray cell far to
// the right costs nothing. A row blank in every known column is skipped.
package input

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
)

// missingColumn is a header without a required column.
type missingColumn struct{ error }

func (e missingColumn) Unwrap() error { return e.error }

// schema names a file's columns.
type schema struct {
	required, optional []string
}

// expected reads like "user, calendar[, mailbox, aliases]".
func (s schema) expected() string {
	return strings.Join(s.required, ", ") + "[, " + strings.Join(s.optional, ", ") + "]"
}

// columns lists the required columns, then the optional ones.
func (s schema) columns() []string { return append(slices.Clone(s.required), s.optional...) }

func (s schema) known(col string) bool {
	return slices.Contains(s.required, col) || slices.Contains(s.optional, col)
}

// maxRows bounds the rows of a file (Excel's own limit): a CSV line or a
// sheet row beyond it is an error.
const maxRows = 1 << 20

// maxCell bounds a cell of a known column: a join link, a list of
// numbers or aliases is far shorter; a cell of megabytes would be carried
// into every meeting of its user.
const maxCell = 16 << 10

// maxFound bounds the header names an error lists.
const maxFound = 30

// row is one data row: its line, its cells by column name, and the
// columns whose cell could not be read, with why.
type row struct {
	line   int
	cells  map[string]string
	bad    map[string]string
	broken string // why the row could not be read as a whole: it is rejected, its cells read only to say whose it is
	// shape says that a CSV row has more fields than the header: the
	// likely cause of whatever is wrong with it.
	shape string
}

func (r row) get(col string) string { return trimInvisible(r.cells[col]) }

// trimInvisible trims what a cell shows as nothing at its ends: white
// space of any script (a no-break space) and format characters (a
// zero-width space, a soft hyphen, a byte order mark), which a copy from a
// web page or a document brings along.
func trimInvisible(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) })
}

// table is a file's rows, keyed by the known columns.
type table struct {
	file string
	rows []row
}

// record is one row as read: the line it starts on and its non-empty
// cells.
type record struct {
	line    int
	fields  int // the fields of a CSV line, empty ones included; 0 for a sheet row
	cells   []cell
	problem string   // why the row as a whole could not be read; its cells are a guess
	guesses [][]cell // other readings of a row that could not be read (see lenientRecord)
}

// cell is one non-empty cell: its column (from 0) and value, or why it
// has none.
type cell struct {
	col     int
	value   string
	problem string
}

// readTable reads a CSV or the first sheet of an XLSX file, row by row,
// and checks its header against s. Only the header's known columns are
// kept.
func readTable(path string, s schema) (*table, error) {
	t := &table{file: path}
	err := eachRow(path, s, func(r row) error {
		t.rows = append(t.rows, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// eachRow is readTable one row at a time: fn gets each non-blank data row
// as it is read, and no row is kept.
func eachRow(path string, s schema, fn func(row) error) error {
	b := &builder{s: s, file: path, fn: fn}
	var err error
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".csv":
		err = readCSV(path, b.add)
	case ".xlsx":
		err = readXLSX(path, b.add)
		if errors.As(err, new(missingColumn)) || err == nil && b.columns == nil {
			if note := otherSheets(path); note != "" && err != nil {
				return fmt.Errorf("%w (%s)", err, note)
			} else if note != "" {
				return fmt.Errorf("%s: the first sheet is empty; the first row must name the columns: %s (%s)", path, s.expected(), note)
			}
		}
	case ".xls", ".xlsm", ".ods":
		return fmt.Errorf("%s: %s files are not read; save it as .xlsx (Excel workbook) or .csv (CSV UTF-8)", path, ext)
	default:
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			return fmt.Errorf("%s: a folder; give the file itself, a .csv or .xlsx file", path)
		}
		return fmt.Errorf("%s: unknown file type %q; use a .csv or .xlsx file", path, filepath.Ext(path))
	}
	if err != nil {
		return err
	}
	if b.columns == nil {
		return fmt.Errorf("%s: the file is empty; the first row must name the columns: %s", path, s.expected())
	}
	return nil
}

// builder takes the first non-blank record as the header, and the known
// columns of every later non-blank one as a row.
type builder struct {
	s       schema
	file    string
	columns map[int]string  // nil until the header is read
	width   int             // the header's fields (CSV)
	fn      func(row) error // each data row
	n       int             // records read
}

func (b *builder) add(rec record) error {
	if b.n++; b.n > maxRows {
		return fmt.Errorf("%s:%d: more than %d rows; split the file", b.file, rec.line, maxRows)
	}
	if b.columns == nil {
		if rec.problem != "" { // even if nothing of it could be read
			return fmt.Errorf("%s:%d: the header row: %s", b.file, rec.line, rec.problem)
		}
		for _, c := range rec.cells {
			if c.problem != "" { // a header cell that could not be read: not "no such column"
				return fmt.Errorf("%s:%d: the header row, column %d: %s", b.file, rec.line, c.col+1, c.problem)
			}
		}
		if blank(rec.cells) {
			return nil
		}
		var err error
		b.columns, err = header(b.file, rec, b.s)
		b.width = rec.fields
		return err
	}
	if rec.problem != "" { // rejected as a whole; only whose row it is is taken from it
		return b.fn(row{line: rec.line, cells: map[string]string{"user": b.userOf(rec)}, broken: rec.problem})
	}
	r := row{line: rec.line, cells: map[string]string{}}
	if b.width != 0 && rec.fields > b.width { // fewer is common: trailing empty fields left out
		r.shape = fmt.Sprintf("the row has %d fields, the header %d: is a value holding a comma not quoted?", rec.fields, b.width)
	}
	for _, c := range rec.cells {
		name := b.columns[c.col]
		if name != "" && c.problem == "" && len(c.value) > maxCell {
			c.problem = fmt.Sprintf("%d bytes, more than any value of it can be (at most %d)", len(c.value), maxCell)
		}
		switch {
		case name == "":
		case c.problem != "":
			if r.bad == nil {
				r.bad = map[string]string{}
			}
			r.bad[name] = c.problem
		default:
			r.cells[name] = c.value
		}
	}
	if !blankRow(r) {
		return b.fn(r)
	}
	return nil
}

// userOf is the user cell of a row that could not be read: from the
// first of its readings whose cell is an address, else the first's.
func (b *builder) userOf(rec record) string {
	first := ""
	for k, cells := range append([][]cell{rec.cells}, rec.guesses...) {
		for _, c := range cells {
			if b.columns[c.col] != "user" || len(c.value) > maxCell {
				continue
			}
			if _, ok := address(strings.TrimSpace(c.value)); ok {
				return c.value
			}
			if k == 0 {
				first = c.value
			}
		}
	}
	return first
}

// header returns the known column at each position, or an error naming
// what is missing or doubled.
func header(path string, rec record, s schema) (map[int]string, error) {
	var found []string
	columns := map[int]string{}
	first := map[string]int{}
	for _, cell := range rec.cells {
		c := columnName(cell.value)
		if c == "" {
			continue
		}
		if len(found) < maxFound {
			found = append(found, strings.Join(strings.Fields(trimInvisible(cell.value)), " ")) // as typed
		} else if len(found) == maxFound {
			found = append(found, "...")
		}
		if !s.known(c) {
			continue
		}
		if k, dup := first[c]; dup {
			return nil, fmt.Errorf("%s:%d: column %q is named twice (columns %d and %d); keep one", path, rec.line, c, k+1, cell.col+1)
		}
		first[c] = cell.col
		columns[cell.col] = c
	}
	for _, cell := range rec.cells {
		if c := columnName(cell.value); c == "" || s.known(c) {
			continue
		}
		if k := s.nearMiss(cell.value); k != "" {
			if _, ok := first[k]; !ok {
				return nil, fmt.Errorf("%s:%d: column %q (column %d) is not one mms reads, and without it no %s would be read from this file: did you mean %q? Rename it; or, if it holds something else, give it a name further from %q",
					path, rec.line, strings.TrimSpace(cell.value), cell.col+1, k, k, k)
			}
		}
	}
	for _, c := range s.required {
		if _, ok := first[c]; !ok {
			return nil, missingColumn{fmt.Errorf("%s: no %q column; columns found: %s. Expected: %s", path, c, strings.Join(found, ", "), s.expected())}
		}
	}
	return columns, nil
}

// valueColumns are the optional columns whose values go into the new
// block: one misspelt leaves them all as they were, and a run would go on
// (a newcomer's "conf_id" kept every old conference ID).
var valueColumns = []string{"join_url", "conference_id", "toll_number", "toll_free_number", "dialin_url", "meeting_id", "passcode"}

// nearMiss returns the value column an unknown header cell is most likely
// meant to be, else "": the same name once "new" and plurals are dropped
// and the usual other words read as mms's ("Conference ID (new)",
// "NewConferenceId", "ConfID", "Toll No", "Toll Free", "Dial-in Link",
// "Password"), or one typo away ("confernce_id", "join_ulr"). Any other
// unknown column is ignored, as it should be: a column the admin's own
// sheet keeps ("Alias", "Meeting", "Conference", "Old Conference ID").
func (s schema) nearMiss(cell string) string {
	n := normalizedColumn(cell)
	if n == "" {
		return ""
	}
	for _, k := range s.optional {
		if !slices.Contains(valueColumns, k) {
			continue
		}
		kb := strings.ReplaceAll(k, "_", "")
		if n == kb || n+"number" == kb || len(kb) >= 7 && editDistance(n, kb) <= 1 {
			return k
		}
	}
	return ""
}

// columnWords are the other words headers use for mms's.
var columnWords = map[string]string{"link": "url", "links": "url", "urls": "url", "password": "passcode", "pwd": "passcode",
	"no": "number", "nr": "number", "num": "number", "nbr": "number", "numbers": "number", "conf": "conference", "ids": "id"}

// normalizedColumn is a header cell in lower-case letters and digits,
// "new" and plurals dropped and columnWords read: "Conference ID (new)"
// is "conferenceid", "Dial-in Link" "dialinurl".
func normalizedColumn(cell string) string {
	words := strings.FieldsFunc(strings.ToLower(cell), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var kept []string
	for _, w := range words {
		if w == "new" || w == "s" {
			continue
		}
		if o, ok := columnWords[w]; ok {
			w = o
		}
		kept = append(kept, w)
	}
	n := strings.Join(kept, "")
	if rest, ok := strings.CutPrefix(n, "new"); ok && len(rest) >= 6 { // "NewConferenceId"
		n = rest
	}
	if rest, ok := strings.CutSuffix(n, "new"); ok && len(rest) >= 6 {
		n = rest
	}
	if rest, ok := strings.CutPrefix(n, "confid"); ok { // "ConfID"
		n = "conferenceid" + rest
	}
	for from, to := range map[string]string{"link": "url", "password": "passcode"} { // run together: "JoinLink"
		if rest, ok := strings.CutSuffix(n, from); ok {
			n = rest + to
		}
	}
	if strings.HasSuffix(n, "s") && !strings.HasSuffix(n, "ss") {
		n = n[:len(n)-1]
	}
	return n
}

// editDistance is the edit distance of a and b counting a swap of two
// neighbours as one edit (optimal string alignment: "join_ulr" is one
// from "join_url"), in bytes; of words short enough only (a cell holds up
// to 16 KB): a longer one is as far as its length.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// columnName folds a header cell: "  Toll-Number " is "toll_number", and
// so are "Toll Number" with a no-break space, "Toll\nNumber" (a wrapped
// header) and "TollNumber" (PowerShell's export): a name of a known column
// however its words are run together or apart.
func columnName(c string) string {
	c = strings.ToLower(trimInvisible(c))
	// words apart by blanks of any kind, line breaks, '-' or '_'
	words := strings.FieldsFunc(c, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || r == '-' || r == '_' })
	name := strings.Join(words, "_")
	if !strings.ContainsFunc(name, func(r rune) bool { return r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if known, ok := knownColumns[strings.Join(words, "")]; ok { // words alone: "ConferenceId"
			return known
		}
	}
	return name // another sign ("Change #", "Join URL (old)"): another column
}

// knownColumns are the columns of every input file, by their letters and
// digits alone.
var knownColumns = func() map[string]string {
	out := map[string]string{}
	for _, s := range []schema{usersSchema, changesSchema, meetingsSchema} {
		for _, c := range s.columns() {
			out[strings.ReplaceAll(c, "_", "")] = c
		}
	}
	return out
}()

// blank tells a record of blank cells (or of none).
func blank(cells []cell) bool {
	return !slices.ContainsFunc(cells, func(c cell) bool { return c.problem != "" || strings.TrimSpace(c.value) != "" })
}

// blankRow tells a row whose known cells are all blank.
func blankRow(r row) bool {
	for _, v := range r.cells {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return len(r.bad) == 0
}
