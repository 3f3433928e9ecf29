package input

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

func readXLSX(path string) ([]record, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, openError(path, err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable .xlsx workbook (%w); save it again from Excel as .xlsx, or as CSV UTF-8", path, err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("%s: the workbook has no sheet; the users or changes go on the first sheet", path)
	}
	shown, err := f.GetRows(sheets[0])
	if err != nil {
		return nil, fmt.Errorf("%s: sheet %q: %w", path, sheets[0], err)
	}
	raw, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fmt.Errorf("%s: sheet %q: %w", path, sheets[0], err)
	}
	records := make([]record, len(shown))
	for i, cells := range shown {
		for j, v := range cells {
			if i < len(raw) && j < len(raw[i]) && raw[i][j] != v {
				cells[j] = numberCell(f, sheets[0], i+1, j+1, v, raw[i][j])
			}
		}
		records[i] = record{line: i + 1, cells: cells}
	}
	return records, nil
}

// numberCell chooses between a cell's shown and stored value when they
// differ. For a number, the shown value wins when it is digits (a format
// like 000000000 keeps leading zeros); otherwise a whole number is given as
// its digits, so that a conference ID or phone number typed as a number
// never reads as 5.80849884E+08 or 580,849,884.
func numberCell(f *excelize.File, sheet string, row, col int, shown, raw string) string {
	cell, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		return shown
	}
	if typ, err := f.GetCellType(sheet, cell); err != nil || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) {
		return shown
	}
	if shown != "" && strings.Trim(shown, "0123456789 ") == "" {
		return shown
	}
	if t, ok := dateCell(f, sheet, cell, raw); ok {
		return t
	}
	n, err := strconv.ParseFloat(raw, 64)
	if err != nil || n != math.Trunc(n) || math.Abs(n) >= 1e15 {
		return shown
	}
	return strconv.FormatFloat(n, 'f', -1, 64)
}

// dateCell reads a cell that Excel shows as a date or time (a serial number
// with a date format) as RFC 3339. Excel dates carry no zone: they are
// taken as UTC, as the `at` column's help says.
func dateCell(f *excelize.File, sheet, cell, raw string) (string, bool) {
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		return "", false
	}
	style, err := f.GetStyle(id)
	if err != nil || style == nil || !isDateFormat(style) {
		return "", false
	}
	serial, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return "", false
	}
	t, err := excelize.ExcelDateToTime(serial, false)
	if err != nil {
		return "", false
	}
	return t.Round(time.Second).UTC().Format(time.RFC3339), true
}

// isDateFormat tells the built-in date and time formats (14-22, 45-47)
// and custom formats with a day, month, year or hour in them.
func isDateFormat(s *excelize.Style) bool {
	if s.CustomNumFmt != nil {
		f := strings.ToLower(*s.CustomNumFmt)
		return strings.ContainsAny(f, "dyh") || strings.Contains(f, "mm")
	}
	return (s.NumFmt >= 14 && s.NumFmt <= 22) || (s.NumFmt >= 45 && s.NumFmt <= 47)
}
