package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"os"
	"strconv"
	"time"
)

// bom is UTF-8's byte order mark. Excel needs it to read a double-clicked
// CSV as UTF-8 (else "Veckomöte" shows as "VeckomÃ¶te"); Python's
// utf-8-sig, pandas and Go's csv after a trim read it as scripts should.
const bom = "\uFEFF"

// writeCSV writes UTF-8 with a byte order mark and CRLF record endings,
// text cleaned of control characters and invalid UTF-8, and defused
// against formulas. A line break inside a cell is written as it is (Go's
// csv writer with UseCRLF would turn each "\n" in a cell into "\r\n",
// so a summary read back would not be the calendar's).
func writeCSV(path string, header []string, each rows) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	bw.WriteString(bom)
	var line bytes.Buffer
	w := csv.NewWriter(&line)
	write := func(rec []string) error {
		line.Reset()
		if err := w.Write(rec); err != nil {
			return err
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
		b := bytes.TrimSuffix(line.Bytes(), []byte("\n"))
		bw.Write(b)
		_, err := bw.WriteString("\r\n") // RFC 4180, as Excel writes CSV
		return err
	}
	if err := write(header); err != nil {
		return err
	}
	rec := make([]string, len(header))
	err = each(func(r []any) error {
		for i, c := range r {
			rec[i] = csvCell(c)
		}
		return write(rec)
	})
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Sync()
}

func csvCell(c any) string {
	switch v := c.(type) {
	case string:
		return CSVText(v)
	case int:
		return strconv.Itoa(v)
	case time.Time:
		if v.IsZero() {
			return ""
		}
		return v.UTC().Format(time.RFC3339)
	}
	return ""
}
