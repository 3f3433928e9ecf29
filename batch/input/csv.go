package input

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxCSVFile bounds the bytes of a CSV file.
const maxCSVFile = 256 << 20

func readCSV(path string, add func(record) error) error {
	if err := regularFile(path, maxCSVFile); err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return openError(path, err)
	}
	if le := bytes.HasPrefix(data, []byte{0xFF, 0xFE}); le || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		// Excel's "Unicode Text" (tab-separated), PowerShell's Export-Csv -Encoding Unicode
		if data, err = fromUTF16(data[2:], le); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return fmt.Errorf("%s: the file is a zip archive (an Excel workbook?), not CSV text; name a workbook .xlsx, or save it as CSV UTF-8", path)
	}
	if k := bytes.IndexByte(data[:min(len(data), 8192)], 0); k >= 0 {
		return fmt.Errorf("%s:%d: the file is binary (it holds NUL bytes, the first on this line), not CSV text; save it as CSV UTF-8", path, 1+bytes.Count(data[:k], []byte("\n")))
	}
	text := strings.TrimPrefix(string(data), "\uFEFF")
	if !utf8.ValidString(text) {
		bad := 0
		for i := 0; i < len(text); {
			r, n := utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError && n == 1 {
				bad = i
				break
			}
			i += n
		}
		return fmt.Errorf("%s:%d: the file is not UTF-8 text (Excel's \"CSV (Comma delimited)\" writes the system's code page, which turns \"ö\" into another byte); save it as \"CSV UTF-8\"", path, 1+strings.Count(text[:bad], "\n"))
	}
	if strings.IndexByte(text, '\r') >= 0 && strings.IndexByte(text, '\n') < 0 {
		return fmt.Errorf("%s: line endings are CR only (classic Mac OS), so the file reads as one line; save it as CSV UTF-8 with CRLF or LF line endings", path)
	}
	if first, rest, ok := strings.Cut(text, "\n"); ok && strings.HasPrefix(first, "#TYPE ") {
		// Windows PowerShell's Export-Csv without -NoTypeInformation
		// names the objects' type first: a blank line to the reader
		text = "\n" + rest
	}
	comma, text := delimiter(text)
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	r.Comma = comma
	lines := lineIndex{text: text}
	for {
		fields, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe):
			for _, rec := range unreadable(pe, &lines, r.Comma) {
				if err := add(rec); err != nil {
					return err
				}
			}
			continue
		case err != nil:
			return fmt.Errorf("%s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		rec := record{line: line, fields: len(fields)}
		for j, v := range fields {
			if v != "" {
				rec.cells = append(rec.cells, cell{col: j, value: v})
			}
		}
		if err := add(rec); err != nil {
			return err
		}
	}
}

// unreadable is what the reader could not split, a row a line: each is
// rejected as a whole (a stray quote costs only the rows it touches), its
// cells read leniently for the user it names. A quote never closed runs
// over several lines, the rest of the file at worst: each of those lines
// fails its own user, so that no row is lost without a word.
func unreadable(pe *csv.ParseError, lines *lineIndex, comma rune) []record {
	problem := fmt.Sprintf("%s (at byte %d of line %d); a field holding %q, a line break or a double quote must be quoted, and a double quote in it doubled",
		pe.Err, pe.Column, pe.Line, string(comma))
	switch {
	case pe.Line > pe.StartLine && errors.Is(pe.Err, csv.ErrQuote):
		problem = fmt.Sprintf("a double quote opened on line %d is not closed where a field ends (the reader looked for its end up to line %d: %s); lines %d to %d were read as one row, each of them rejected; a field holding %q, a line break or a double quote must be quoted, and a double quote in it doubled",
			pe.StartLine, pe.Line, pe.Err, pe.StartLine, pe.Line, string(comma))
	case pe.Line > pe.StartLine:
		problem = fmt.Sprintf("%s (at byte %d of line %d, in the row that begins on line %d); lines %d to %d were read as one row, each of them rejected; a field holding %q, a line break or a double quote must be quoted, and a double quote in it doubled",
			pe.Err, pe.Column, pe.Line, pe.StartLine, pe.StartLine, pe.Line, string(comma))
	}
	var out []record
	n := pe.StartLine
	for l := range strings.Lines(lines.span(pe.StartLine, pe.Line)) {
		rec := lenientRecord(l, comma)
		rec.line, rec.problem = n, problem
		if len(rec.cells) > 0 || len(rec.guesses[0]) > 0 || n == pe.StartLine {
			out = append(out, rec)
		}
		n++
	}
	return out
}

// lenientRecord splits a row the strict reader refused, for what its
// cells say (its user), two ways: quotes taken where they stand, and
// quotes dropped (one never closed takes the rest of the line into its
// field; a field quoted for its delimiter is split by dropping them). The
// builder takes the user from the first that gives one.
func lenientRecord(raw string, comma rune) record {
	split := func(text string) []cell {
		r := csv.NewReader(strings.NewReader(text))
		r.FieldsPerRecord, r.LazyQuotes, r.Comma = -1, true, comma
		var cells []cell
		fields, _ := r.Read()
		for j, v := range fields {
			if v != "" {
				cells = append(cells, cell{col: j, value: v})
			}
		}
		return cells
	}
	return record{cells: split(raw), guesses: [][]cell{split(strings.ReplaceAll(raw, `"`, ""))}}
}

// lineIndex finds the text of numbered lines (from 1), for rows asked
// for in increasing order: each step starts where the last ended, so a
// file of many bad rows is still read once.
type lineIndex struct {
	text string
	line int // the line at offset at; 0 before the first call
	at   int
}

// span returns lines from to to, inclusive.
func (x *lineIndex) span(from, to int) string {
	if x.line == 0 || from < x.line {
		x.line, x.at = 1, 0
	}
	for x.line < from && x.at < len(x.text) {
		i := strings.IndexByte(x.text[x.at:], '\n')
		if i < 0 {
			x.at = len(x.text)
			break
		}
		x.at += i + 1
		x.line++
	}
	end := x.at
	for n := from; n <= to && end < len(x.text); n++ {
		i := strings.IndexByte(x.text[end:], '\n')
		if i < 0 {
			end = len(x.text)
			break
		}
		end += i + 1
	}
	return x.text[x.at:end]
}

// delimiter is the file's delimiter, and its text to read: Excel's
// "sep=X" first line names it (the line reads as blank, so that line
// numbers hold); otherwise ';' or a tab when the first non-blank line
// holds one and no comma (a spreadsheet saved with a comma decimal locale,
// or as tab-separated text), else ','.
func delimiter(text string) (rune, string) {
	first, rest, _ := strings.Cut(text, "\n")
	if sep := strings.TrimSuffix(first, "\r"); len(sep) == 5 && strings.EqualFold(sep[:4], "sep=") && strings.IndexByte(",;\t|", sep[4]) >= 0 {
		return rune(sep[4]), "\n" + rest
	}
	for line := range strings.Lines(text) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		switch {
		case strings.Contains(line, ","):
		case strings.Contains(line, ";"):
			return ';', text
		case strings.Contains(line, "\t"):
			return '\t', text
		}
		break
	}
	return ',', text
}

// fromUTF16 is UTF-16 text (its byte-order mark gone) as UTF-8; an
// unpaired surrogate reads as U+FFFD.
func fromUTF16(data []byte, littleEndian bool) ([]byte, error) {
	if len(data)%2 != 0 {
		return nil, errors.New("the file is UTF-16 text cut short (an odd number of bytes); save it again, as CSV UTF-8")
	}
	unit := func(i int) rune {
		if littleEndian {
			return rune(data[i]) | rune(data[i+1])<<8
		}
		return rune(data[i])<<8 | rune(data[i+1])
	}
	out := make([]byte, 0, len(data)/2+len(data)/8)
	for i := 0; i < len(data); i += 2 {
		r := unit(i)
		if utf16.IsSurrogate(r) && i+2 < len(data) {
			if pair := utf16.DecodeRune(r, unit(i+2)); pair != utf8.RuneError {
				r = pair
				i += 2
			}
		}
		if utf16.IsSurrogate(r) {
			r = utf8.RuneError
		}
		out = utf8.AppendRune(out, r)
	}
	return out, nil
}

// regularFile checks that path is a regular file of at most max bytes
// (a pipe or device would block or never end).
func regularFile(path string, max int64) error {
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return openError(path, err)
	case !st.Mode().IsRegular():
		return fmt.Errorf("%s: not a regular file (%s); give the file itself", path, st.Mode().Type())
	case st.Size() > max:
		return fmt.Errorf("%s: %d MB; a file is read up to %d MB: keep only the columns and rows this batch needs", path, st.Size()>>20, max>>20)
	}
	return nil
}

// openError says what went wrong without repeating the path.
func openError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w; check the path (a relative one starts at the current folder)", path, err)
	}
	return fmt.Errorf("%s: cannot read: %w", path, err)
}
