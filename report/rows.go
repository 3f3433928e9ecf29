package report

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// rowFile holds a streamed sheet's data rows, encoded as SpreadsheetML
// the way excelize's stream writer encodes them, until sheetZip copies
// them into the sheet's part. Encoding them here costs a tenth of the
// stream writer's SetRow, which builds a cell structure, an escaped copy
// and a cell reference per value, and grows a 16 MB buffer per sheet.
type rowFile struct {
	f   *os.File
	w   *bufio.Writer
	buf []byte // one row, reused
}

// newRowFile makes the rows' temporary file beside the workbook's own
// temporary file (named after it, so that a killed run's are removed
// with it: see RemoveStaleTemps).
func newRowFile(workbook string) (*rowFile, error) {
	f, err := os.CreateTemp(filepath.Dir(workbook), filepath.Base(workbook)+".rows-")
	if err != nil {
		return nil, err
	}
	return &rowFile{f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

// rows hands back the rows written, from the start, for one reading.
func (r *rowFile) rows() (*os.File, error) {
	if err := r.w.Flush(); err != nil {
		return nil, err
	}
	if _, err := r.f.Seek(0, 0); err != nil {
		return nil, err
	}
	return r.f, nil
}

func (r *rowFile) remove() {
	r.f.Close()
	os.Remove(r.f.Name())
}

// cellStyle is a cell's value with the style it is shown in.
type cellStyle struct {
	value any
	style int
}

// row writes row number n of values: strings, ints, times (in style
// date; a zero time is an empty cell) or nil (an empty cell).
func (r *rowFile) row(n int, values []cellStyle, date int) error {
	b := append(r.buf[:0], `<row r="`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `">`...)
	for i, c := range values {
		b = appendCell(b, i, n, c, date)
	}
	b = append(b, `</row>`...)
	r.buf = b
	_, err := r.w.Write(b)
	return err
}

// appendCell appends the cell in column col (0-based) of row n as the
// stream writer writes it (writeCell), or nothing for an empty one.
func appendCell(b []byte, col, n int, c cellStyle, date int) []byte {
	style := c.style
	var num string // a number's text; otherwise the value is text
	text, isText := "", false
	switch v := c.value.(type) {
	case nil:
		return b
	case int:
		num = strconv.Itoa(v)
	case string:
		text, isText = clean(v), true
	case time.Time:
		if v.IsZero() {
			return b
		}
		if style == 0 {
			style = date
		}
		serial, ok := excelTime(v.UTC())
		if !ok {
			text, isText = v.UTC().Format(time.RFC3339Nano), true
			break
		}
		num = serial
	default: // not one of a report's: written as its text, as excelize writes one
		text, isText = clean(fmt.Sprint(v)), true
	}
	b = append(b, `<c r="`...)
	b = appendColumn(b, col)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, '"')
	if style != 0 {
		b = append(b, ` s="`...)
		b = strconv.AppendInt(b, int64(style), 10)
		b = append(b, '"')
	}
	if !isText {
		b = append(b, `><v>`...)
		b = append(b, num...)
		return append(b, `</v></c>`...)
	}
	b = append(b, ` t="inlineStr"><is><t`...)
	text = truncateUTF16(text, maxCellChars)
	if text != "" && (isBlankByte(text[0]) || isBlankByte(text[len(text)-1])) {
		b = append(b, ` xml:space="preserve"`...)
	}
	b = append(b, '>')
	b = appendEscaped(b, text)
	return append(b, `</t></is></c>`...)
}

// maxCellChars is Excel's limit of UTF-16 units in one cell.
const maxCellChars = 32767

// truncateUTF16 cuts s to at most limit UTF-16 units, never inside a
// character.
func truncateUTF16(s string, limit int) string {
	if len(s) <= limit { // each byte is at most one unit
		return s
	}
	units := 0
	for i, r := range s {
		if units += utf16.RuneLen(r); units > limit {
			return s[:i]
		}
	}
	return s
}

func isBlankByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// appendColumn appends a 0-based column's letters: A, ..., Z, AA, ...
func appendColumn(b []byte, col int) []byte {
	if col >= 26 {
		b = appendColumn(b, col/26-1)
	}
	return append(b, byte('A'+col%26))
}

// appendEscaped appends text as the stream writer writes it: escaped as
// encoding/xml escapes text, except that a line feed stays one, and with
// every "_xHHHH_" that Excel would read as an escaped character escaped
// itself (as "_x005F_xHHHH_"), so the cell shows what it holds.
func appendEscaped(b []byte, s string) []byte {
	if strings.Contains(s, "_x") {
		s = escapeBSTR(s)
	}
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			var esc string
			switch c {
			case '"':
				esc = "&#34;"
			case '\'':
				esc = "&#39;"
			case '&':
				esc = "&amp;"
			case '<':
				esc = "&lt;"
			case '>':
				esc = "&gt;"
			case '\t':
				esc = "&#x9;"
			case '\r':
				esc = "&#xD;"
			default:
				if c < 0x20 && c != '\n' {
					esc = "\uFFFD"
				}
			}
			if esc != "" {
				b = append(b, s[last:i]...)
				b = append(b, esc...)
				last = i + 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || !isXMLChar(r) {
			b = append(b, s[last:i]...)
			b = append(b, "\uFFFD"...)
			last = i + size
		}
		i += size
	}
	return append(b, s[last:]...)
}

// isXMLChar is encoding/xml's test of a character XML allows (the range
// of runes at and above utf8.RuneSelf).
func isXMLChar(r rune) bool {
	return r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// escapeBSTR escapes, as Excel reads cells, each "_" that begins an
// "_xHHHH_" (four hex digits) as "_x005F_", so that the cell shows what it
// holds. Where such escapes overlap ("_x0000_x0000_": the first one's last
// "_" begins the second) each is escaped: excelize escaped only the first,
// and Excel then read the second as a character; where they do not,
// this writes what excelize wrote.
func escapeBSTR(s string) string {
	var out strings.Builder
	last := 0
	for i := 0; i+7 <= len(s); i++ {
		if isBSTR(s[i : i+7]) {
			out.WriteString(s[last:i])
			out.WriteString("_x005F_")
			last = i + 1
		}
	}
	out.WriteString(s[last:])
	return out.String()
}

// isBSTR says whether s (7 bytes) is "_x", four hex digits, "_".
func isBSTR(s string) bool {
	if s[0] != '_' || s[1] != 'x' || s[6] != '_' {
		return false
	}
	for _, c := range []byte(s[2:6]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// excelTime is t as Excel's serial date (days since 1899-12-30, the
// fraction the time of day), written as excelize writes it; false before
// 1900, which Excel cannot show as a date.
func excelTime(t time.Time) (string, bool) {
	start := time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	if t.Before(start) {
		return "", false
	}
	const day = 24 * time.Hour
	const maxDuration = 290 * 364 * day
	tt, diff, result := t, t.Sub(start), 0.0
	for diff >= maxDuration {
		result += float64(maxDuration / day)
		tt = tt.Add(-maxDuration)
		diff = tt.Sub(start)
	}
	rem := diff % day
	result += float64(diff-rem)/float64(day) + float64(rem)/float64(day)
	if !t.Before(time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)) { // Excel's 29 February 1900
		result++
	}
	if result <= 0 {
		return "", false
	}
	return strconv.FormatFloat(result, 'f', -1, 64), true
}
