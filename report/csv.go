package report

import (
	"bufio"
	"encoding/csv"
	"os"
	"strconv"
	"time"
)

// writeCSV writes UTF-8 without a byte order mark: the CSV form is for
// scripts, which would read a mark as part of the first column's name
// (the XLSX form is the one for Excel).
func writeCSV(path string, header []string, each rows) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	w := csv.NewWriter(bw)
	w.Write(header)
	rec := make([]string, len(header))
	err = each(func(r []any) error {
		for i, c := range r {
			rec[i] = csvCell(c)
		}
		return w.Write(rec)
	})
	if err != nil {
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
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
		return safeText(v)
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
