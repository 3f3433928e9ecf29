// Package input reads the users and changes files of a batch, CSV or XLSX,
// and checks every row. A whole-file problem is an error; a bad row is a
// RowError that names the file, line and column, and what would be
// accepted, so that it costs only the user it belongs to.
package input

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"
)

// row is one data row: its 1-based line (CSV) or row number (XLSX) and its
// cells by lower-case column name.
type row struct {
	line  int
	cells map[string]string
}

func (r row) get(col string) string { return strings.TrimSpace(r.cells[col]) }

// table is a file's header and rows.
type table struct {
	file    string
	columns []string
	rows    []row
}

// readTable reads a CSV or the first sheet of an XLSX file.
func readTable(path string) (*table, error) {
	var records []record
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		records, err = readCSV(path)
	case ".xlsx":
		records, err = readXLSX(path)
	default:
		return nil, fmt.Errorf("%s: unknown file type %q; use a .csv or .xlsx file", path, filepath.Ext(path))
	}
	if err != nil {
		return nil, err
	}
	return toTable(path, records)
}

// record is one row of cells and the line it starts on.
type record struct {
	line  int
	cells []string
}

func readCSV(path string) ([]record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	text := strings.TrimPrefix(string(data), "\uFEFF")
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	if first, _, _ := strings.Cut(text, "\n"); !strings.Contains(first, ",") && strings.Contains(first, ";") {
		r.Comma = ';' // a spreadsheet saved with semicolons
	}
	var records []record
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return records, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		records = append(records, record{line: line, cells: rec})
	}
}

func readXLSX(path string) ([]record, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("%s: the workbook has no sheet", path)
	}
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: false})
	if err != nil {
		return nil, fmt.Errorf("%s: sheet %q: %w", path, sheets[0], err)
	}
	records := make([]record, len(rows))
	for i, r := range rows {
		records[i] = record{line: i + 1, cells: r}
	}
	return records, nil
}

// toTable takes the first non-empty record as the header.
func toTable(path string, records []record) (*table, error) {
	t := &table{file: path}
	headerAt := -1
	for i, rec := range records {
		if !blank(rec.cells) {
			headerAt = i
			break
		}
	}
	if headerAt < 0 {
		return nil, fmt.Errorf("%s: the file is empty; the first row must name the columns", path)
	}
	for _, c := range records[headerAt].cells {
		t.columns = append(t.columns, strings.ToLower(strings.TrimSpace(c)))
	}
	for i := headerAt + 1; i < len(records); i++ {
		if blank(records[i].cells) {
			continue
		}
		r := row{line: records[i].line, cells: map[string]string{}}
		for j, v := range records[i].cells {
			if j < len(t.columns) && t.columns[j] != "" {
				r.cells[t.columns[j]] = v
			}
		}
		t.rows = append(t.rows, r)
	}
	return t, nil
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// require checks that the header names every required column.
func (t *table) require(expected string, cols ...string) error {
	for _, c := range cols {
		found := false
		for _, have := range t.columns {
			found = found || have == c
		}
		if !found {
			return fmt.Errorf("%s: no %q column; columns found: %s. Expected: %s", t.file, c, strings.Join(t.columns, ", "), expected)
		}
	}
	return nil
}

// RowError is a rejected row.
type RowError struct {
	File   string
	Line   int
	Column string
	User   string // the user the row belongs to, when known
	Msg    string
}

func (e RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: column %q: %s", e.File, e.Line, e.Column, e.Msg)
}
