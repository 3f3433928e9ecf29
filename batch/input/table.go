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
// first sheet; a number typed into a cell comes through as its digits.
package input

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// schema names a file's columns.
type schema struct {
	required, optional []string
}

// expected reads like "user, calendar[, mailbox, aliases]".
func (s schema) expected() string {
	return strings.Join(s.required, ", ") + "[, " + strings.Join(s.optional, ", ") + "]"
}

func (s schema) known(col string) bool {
	return slices.Contains(s.required, col) || slices.Contains(s.optional, col)
}

// row is one data row: its line and its cells by column name.
type row struct {
	line  int
	cells map[string]string
}

func (r row) get(col string) string { return strings.TrimSpace(r.cells[col]) }

// table is a file's rows, keyed by the known columns.
type table struct {
	file string
	rows []row
}

// record is one row of cells as read, and the line it starts on.
type record struct {
	line  int
	cells []string
}

// readTable reads a CSV or the first sheet of an XLSX file and checks its
// header against s.
func readTable(path string, s schema) (*table, error) {
	var records []record
	var err error
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".csv":
		records, err = readCSV(path)
	case ".xlsx":
		records, err = readXLSX(path)
	case ".xls", ".xlsm", ".ods":
		return nil, fmt.Errorf("%s: %s files are not read; save it as .xlsx (Excel workbook) or .csv (CSV UTF-8)", path, ext)
	default:
		return nil, fmt.Errorf("%s: unknown file type %q; use a .csv or .xlsx file", path, filepath.Ext(path))
	}
	if err != nil {
		return nil, err
	}
	return toTable(path, records, s)
}

// toTable takes the first non-blank record as the header.
func toTable(path string, records []record, s schema) (*table, error) {
	at := slices.IndexFunc(records, func(r record) bool { return !blank(r.cells) })
	if at < 0 {
		return nil, fmt.Errorf("%s: the file is empty; the first row must name the columns: %s", path, s.expected())
	}
	columns, err := header(path, records[at], s)
	if err != nil {
		return nil, err
	}
	t := &table{file: path}
	for _, rec := range records[at+1:] {
		if blank(rec.cells) {
			continue
		}
		r := row{line: rec.line, cells: map[string]string{}}
		for j, v := range rec.cells {
			if j < len(columns) && columns[j] != "" {
				r.cells[columns[j]] = v
			}
		}
		t.rows = append(t.rows, r)
	}
	return t, nil
}

// header returns the known column at each position ("" for the others),
// or an error naming what is missing or doubled.
func header(path string, rec record, s schema) ([]string, error) {
	var found []string
	columns := make([]string, len(rec.cells))
	first := map[string]int{}
	for j, c := range rec.cells {
		c = columnName(c)
		if c == "" {
			continue
		}
		found = append(found, c)
		if !s.known(c) {
			continue
		}
		if k, dup := first[c]; dup {
			return nil, fmt.Errorf("%s:%d: column %q is named twice (columns %d and %d); keep one", path, rec.line, c, k+1, j+1)
		}
		first[c] = j
		columns[j] = c
	}
	for _, c := range s.required {
		if _, ok := first[c]; !ok {
			return nil, fmt.Errorf("%s: no %q column; columns found: %s. Expected: %s", path, c, strings.Join(found, ", "), s.expected())
		}
	}
	return columns, nil
}

// columnName folds a header cell: "  Toll-Number " is "toll_number".
func columnName(c string) string {
	c = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(c, "\uFEFF")))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(c)
}

func blank(cells []string) bool {
	return !slices.ContainsFunc(cells, func(v string) bool { return strings.TrimSpace(v) != "" })
}
