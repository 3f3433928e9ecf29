package report

import (
	"fmt"
	"time"

	"github.com/xuri/excelize/v2"
)

// writeXLSX writes the workbook with stream writers, so memory stays flat
// for large batches. Text goes in as string cells, never as formulas.
func writeXLSX(path string, users []User, meetings Meetings) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Summary"); err != nil {
		return err
	}
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd hh:mm")})
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	counts := newTally(users)
	counted := func(yield func(Meeting) error) error {
		return meetings(func(m Meeting) error { counts.add(m); return yield(m) })
	}
	for _, s := range []struct {
		name   string
		header []string
		rows   rows
		widths []float64
	}{
		{"Users", userColumns, cellsOf(slice(users)), []float64{32, 14, 14, 12, 16, 14, 14, 14, 11, 60, 18, 18, 38}},
		{"Meetings", meetingColumns, cellsOf(counted), []float64{32, 40, 40, 18, 10, 13, 30, 12, 60, 60}},
	} {
		if err := sheet(f, s.name, s.header, s.rows, s.widths, bold, dateStyle); err != nil {
			return fmt.Errorf("sheet %s: %w", s.name, err)
		}
	}
	if err := summary(f, counts, bold); err != nil {
		return err
	}
	return f.SaveAs(path)
}

func sheet(f *excelize.File, name string, header []string, each rows, widths []float64, bold, dateStyle int) error {
	if _, err := f.NewSheet(name); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]any, len(header))
	for i, h := range header {
		head[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	cells := make([]any, len(header))
	n := 0
	err = each(func(row []any) error {
		for i, c := range row {
			cells[i] = xlsxCell(c, dateStyle)
		}
		n++
		cell, _ := excelize.CoordinatesToCellName(1, n+1)
		return sw.SetRow(cell, cells)
	})
	if err != nil {
		return err
	}
	// A table gives the header its filter buttons.
	last, _ := excelize.CoordinatesToCellName(len(header), max(n+1, 2))
	if err := sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: name, StyleName: "TableStyleLight1"}); err != nil {
		return err
	}
	return sw.Flush()
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
		return excelize.Cell{Value: v}
	}
	return c
}

func ptr[T any](v T) *T { return &v }
