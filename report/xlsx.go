package report

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/klauspost/compress/flate"
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
	// The Users sheet is made first, so that it shows before the
	// Meetings sheet; the meetings are read first, as the Summary's
	// counts of them are.
	if _, err := f.NewSheet("Users"); err != nil {
		return err
	}
	extras := map[string]*sheetExtras{} // each streamed sheet's rows, dimension and links (see sheetZip)
	defer func() {
		for _, e := range extras {
			e.rows.remove()
		}
	}()
	ms := &sheets{f: f, workbook: path, name: "Meetings", header: meetingColumns, limit: limit, styles: st, links: meetingLinks, extras: extras,
		widths: []float64{32, 40, 40, 22, 22, 30, 11, 13, 20, 50, 50, 10, 60, 60}}
	if err := meetings(func(m Meeting) error { counts.add(m); return ms.add(m.cells()) }); err != nil {
		return err
	}
	if err := ms.close(); err != nil {
		return err
	}
	us := &sheets{f: f, workbook: path, name: "Users", header: userColumns, limit: limit, styles: st, extras: extras,
		widths: []float64{32, 14, 16, 14, 19, 16, 17, 15, 12, 60, 22, 22, 38}}
	if err := users(func(u User) error { counts.addUser(u); return us.add(u.cells()) }); err != nil {
		return err
	}
	if err := us.close(); err != nil {
		return err
	}
	if err := summary(f, h, counts, st); err != nil {
		return err
	}
	if err := setDimension(f, "Summary"); err != nil {
		return err
	}
	if err := docProps(f, h); err != nil {
		return err
	}
	return save(f, path, extras)
}

// docProps says who wrote the workbook and when, in its properties
// (excelize's own say "xuri", 2006).
func docProps(f *excelize.File, h Heading) error {
	at := h.Finished
	if at.IsZero() {
		at = time.Now()
	}
	stamp := at.UTC().Format(time.RFC3339)
	title := "mms report"
	if h.BatchID != "" {
		title += " of batch " + h.BatchID
	}
	return f.SetDocProps(&excelize.DocProperties{Creator: "mms " + h.Version, LastModifiedBy: "mms", Created: stamp, Modified: stamp,
		Title: title, Description: h.Kind})
}

// setDimension sets a sheet written cell by cell to the range its rows
// hold (excelize leaves it one cell).
func setDimension(f *excelize.File, sheet string) error {
	rows, err := f.GetRows(sheet)
	if err != nil {
		return err
	}
	cols := 1
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	last, err := excelize.CoordinatesToCellName(cols, max(len(rows), 1))
	if err != nil {
		return err
	}
	return f.SetSheetDimension(sheet, "A1:"+last)
}

// save writes the workbook's zip straight into the file: excelize's own
// SaveAs builds the whole file in memory first, which for a batch of a
// million meetings is a hundred megabytes and more.
func save(f *excelize.File, path string, extras map[string]*sheetExtras) error {
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	var zw *zip.Writer
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw = zip.NewWriter(out)
		// The sheets are XML of a few repeated tags: the fastest level
		// packs them nearly as small (a tenth of their size) in a third
		// of the time; klauspost/compress's in two thirds of the
		// standard library's (0.5 s against 0.8 s for the 200 MB sheet
		// of 2,000 organisers), a little smaller.
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(w, flate.BestSpeed)
		})
		return newSheetZip(zw, f, extras)
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

// meetingLinks are the columns of the Meetings sheet that hold join links
// (0-based): OldJoinUrl and NewJoinUrl.
var meetingLinks = []int{12, 13}

type styles struct{ bold, date, link, title int }

func newStyles(f *excelize.File) (styles, error) {
	var st styles
	var err error
	for _, s := range []struct {
		id    *int
		style *excelize.Style
	}{
		{&st.date, &excelize.Style{CustomNumFmt: ptr(`yyyy-mm-dd hh:mm "UTC"`)}},
		{&st.bold, &excelize.Style{Font: &excelize.Font{Bold: true}}},
		{&st.link, &excelize.Style{Font: &excelize.Font{Color: "0563C1", Underline: "single"}}},
		{&st.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
	} {
		if *s.id, err = f.NewStyle(s.style); err != nil {
			return st, err
		}
	}
	return st, nil
}

// printSetup prints a sheet landscape, fit to the page's width, and with
// a header row repeated on every page. Its sheet properties must be set
// before a stream writer starts the sheet.
func printSetup(f *excelize.File, sheet string, header bool) error {
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: ptr(true)}); err != nil {
		return err
	}
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: ptr("landscape"), FitToWidth: ptr(1), FitToHeight: ptr(0)}); err != nil {
		return err
	}
	if !header {
		return nil
	}
	return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + sheet + "'!$1:$1", Scope: sheet})
}

// sheets streams rows into a sheet with a frozen, filtered header, and into
// numbered continuation sheets when one is full.
type sheets struct {
	f      *excelize.File
	name   string
	header []string
	widths []float64
	limit  int   // rows per sheet, header included
	links  []int // columns whose http(s) text is made a clickable link
	styles styles
	extras map[string]*sheetExtras // by sheet name: its range and links, for sheetZip

	workbook string // the path being written, beside which the rows wait (see rowFile)

	sw    *excelize.StreamWriter // the header, the layout and the table; the rows go to extra.rows
	cur   string                 // the current sheet's name
	part  int                    // sheets begun
	n     int                    // data rows in the current sheet
	extra *sheetExtras           // the current sheet's
	cells []cellStyle
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
		s.cells[i] = cellStyle{value: c}
	}
	s.n++
	for _, col := range s.links {
		s.link(col, row[col])
	}
	return s.extra.rows.row(s.n+1, s.cells, s.styles.date)
}

// link makes a cell of web address text a hyperlink (a relationship of
// the sheet, not a HYPERLINK formula): the cell's value stays text.
func (s *sheets) link(col int, v any) {
	u, _ := v.(string)
	if len(s.extra.links) >= maxLinks || !isWebLink(u) {
		return
	}
	cell, _ := excelize.CoordinatesToCellName(col+1, s.n+1)
	s.extra.links = append(s.extra.links, sheetLink{cell, strings.Clone(u)}) // not the row's memory
	s.cells[col].style = s.styles.link
}

// isWebLink accepts http and https addresses of printable characters.
func isWebLink(u string) bool {
	lower := strings.ToLower(u)
	if !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "http://") || len(u) > 2000 {
		return false
	}
	return strings.IndexFunc(u, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '"' }) < 0
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
	if err := printSetup(s.f, name, true); err != nil {
		return fmt.Errorf("sheet %s: %w", name, err)
	}
	sw, err := s.f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("sheet %s: %w", name, err)
	}
	rows, err := newRowFile(s.workbook)
	if err != nil {
		return fmt.Errorf("sheet %s: %w", name, err)
	}
	s.sw, s.cur, s.n, s.cells = sw, name, 0, make([]cellStyle, len(s.header))
	s.extra = &sheetExtras{rows: rows}
	s.extras[name] = s.extra
	for i, w := range s.widths {
		// wide enough for the header, its bold and its filter button
		if err := sw.SetColWidth(i+1, i+1, max(w, float64(len(s.header[i]))+4)); err != nil {
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
	end, _ := excelize.CoordinatesToCellName(len(s.header), s.n+1)
	s.extra.ref = "A1:" + end
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

func ptr[T any](v T) *T { return &v }
