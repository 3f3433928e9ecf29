package report

import (
	"archive/zip"
	"compress/flate"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/xuri/excelize/v2"
)

// maxSheetRows is Excel's limit of rows in one sheet, the header included.
const maxSheetRows = 1_048_576

// writeXLSX writes the workbook with stream writers, so memory stays flat
// for large batches. Text goes in as string cells, never as formulas.
// Meetings beyond one sheet's rows (limit, header included) continue on
// sheets named "Meetings (2)", "Meetings (3)", ...
func writeXLSX(path string, h Heading, users Users, meetings Meetings, limit int) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Summary"); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	counts := newTally()
	// The meetings are written before the users, into the sheets made in
	// the order they show: excelize keeps up to 16 MB of each sheet in
	// memory, and the Meetings buffer grows to that size best while the
	// Users one is still empty.
	if _, err := f.NewSheet("Users"); err != nil {
		return err
	}
	ms := &sheets{f: f, name: "Meetings", header: meetingColumns, limit: limit, styles: st,
		widths: []float64{32, 40, 40, 22, 22, 30, 11, 13, 20, 50, 50, 10, 60, 60}}
	if err := meetings(func(m Meeting) error { counts.add(m); return ms.add(m.cells()) }); err != nil {
		return err
	}
	if err := ms.close(); err != nil {
		return err
	}
	us := &sheets{f: f, name: "Users", header: userColumns, limit: limit, styles: st,
		widths: []float64{32, 14, 16, 14, 19, 16, 17, 15, 12, 60, 22, 22, 38}}
	if err := users(func(u User) error { counts.addUser(u); return us.add(u.cells()) }); err != nil {
		return err
	}
	if err := us.close(); err != nil {
		return err
	}
	if err := summary(f, h, counts, st.bold); err != nil {
		return err
	}
	return save(f, path)
}

// save writes the workbook's zip straight into the file: excelize's own
// SaveAs builds the whole file in memory first, which for a batch of a
// million meetings is a hundred megabytes and more.
func save(f *excelize.File, path string) error {
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	var zw *zip.Writer
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw = zip.NewWriter(out)
		// The sheets are XML of a few repeated tags: the fastest level
		// packs them nearly as small (a tenth of their size) in a third
		// of the time.
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(w, flate.BestSpeed)
		})
		return zw
	})
	if err := f.Write(io.Discard); err != nil {
		out.Close()
		return err
	}
	if zw == nil {
		out.Close()
		return fmt.Errorf("the workbook was not written")
	}
	return out.Close()
}

type styles struct{ bold, date int }

func newStyles(f *excelize.File) (styles, error) {
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr(`yyyy-mm-dd hh:mm "UTC"`)})
	if err != nil {
		return styles{}, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	return styles{bold: bold, date: date}, err
}

// sheets streams rows into a sheet with a frozen, filtered header, and into
// numbered continuation sheets when one is full.
type sheets struct {
	f      *excelize.File
	name   string
	header []string
	widths []float64
	limit  int // rows per sheet, header included
	styles styles

	sw    *excelize.StreamWriter
	part  int // sheets begun
	n     int // data rows in the current sheet
	cells []any
}

func (s *sheets) add(row []any) error {
	if s.sw != nil && s.n+1 >= s.limit {
		if err := s.close(); err != nil {
			return err
		}
	}
	if s.sw == nil {
		if err := s.open(); err != nil {
			return err
		}
	}
	for i, c := range row {
		s.cells[i] = xlsxCell(c, s.styles.date)
	}
	s.n++
	cell, _ := excelize.CoordinatesToCellName(1, s.n+1)
	return s.sw.SetRow(cell, s.cells)
}

func (s *sheets) open() error {
	s.part++
	name := s.name
	if s.part > 1 {
		name = fmt.Sprintf("%s (%d)", s.name, s.part)
	}
	if _, err := s.f.NewSheet(name); err != nil {
		return err
	}
	sw, err := s.f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("sheet %s: %w", name, err)
	}
	s.sw, s.n, s.cells = sw, 0, make([]any, len(s.header))
	for i, w := range s.widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]any, len(s.header))
	for i, h := range s.header {
		head[i] = excelize.Cell{StyleID: s.styles.bold, Value: h}
	}
	return sw.SetRow("A1", head)
}

// close ends the current sheet with a table, which gives the header its
// filter buttons; a sheet that got no rows at all is still written, with
// its header.
func (s *sheets) close() error {
	if s.sw == nil {
		if s.part > 0 {
			return nil
		}
		if err := s.open(); err != nil {
			return err
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(s.header), max(s.n+1, 2))
	name := s.name
	if s.part > 1 {
		name = fmt.Sprintf("%s%d", s.name, s.part) // table names cannot hold spaces
	}
	if err := s.sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: name, StyleName: "TableStyleLight1"}); err != nil {
		return err
	}
	err := s.sw.Flush()
	s.sw = nil
	return err
}

// xlsxCell keeps text as text: a string cell is never read as a formula.
func xlsxCell(c any, dateStyle int) any {
	switch v := c.(type) {
	case time.Time:
		if v.IsZero() {
			return nil
		}
		return excelize.Cell{StyleID: dateStyle, Value: v.UTC()}
	case string:
		return excelize.Cell{Value: clean(v)}
	}
	return c
}

func ptr[T any](v T) *T { return &v }
