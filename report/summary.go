package report

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

var (
	states   = []string{"Succeeded", "Failed", "Pending", "InProgress", "NotTriggered"}
	outcomes = []string{"updated", "would-update", "restored", "skipped", "failed"}
)

// tally counts users per state, meetings per outcome and skipped meetings
// per reason, as the rows stream by.
type tally struct {
	users, meetings              int
	byState, byOutcome, byReason map[string]int
	reasons                      []string
}

func newTally() *tally {
	return &tally{byState: map[string]int{}, byOutcome: map[string]int{}, byReason: map[string]int{}}
}

func (t *tally) addUser(u User) {
	t.users++
	t.byState[u.State]++
}

func (t *tally) add(m Meeting) {
	t.meetings++
	t.byOutcome[m.Outcome]++
	if m.Outcome == "skipped" {
		if t.byReason[m.Reason] == 0 {
			t.reasons = append(t.reasons, m.Reason)
		}
		t.byReason[m.Reason]++
	}
}

// summary writes the heading, the counts in three tables side by side and
// a chart of each below them, also side by side.
func summary(f *excelize.File, h Heading, t *tally, st styles) error {
	const s = "Summary"
	put := func(col string, row int, v any) {
		_ = f.SetCellValue(s, fmt.Sprintf("%s%d", col, row), v) // SetCellValue keeps a string a string
	}
	bold := func(col string, row int) {
		c := fmt.Sprintf("%s%d", col, row)
		_ = f.SetCellStyle(s, c, c, st.bold)
	}
	title := "mms report"
	if h.Kind != "" {
		title = "mms " + h.Kind
	}
	put("A", 1, title)
	_ = f.SetCellStyle(s, "A1", "A1", st.title)
	lines := h.lines()
	for i, l := range lines {
		put("A", i+2, l[0])
		put("B", i+2, clean(l[1]))
		bold("A", i+2)
	}
	top := len(lines) + 3 // the tables' header row
	table := func(col, valCol, name, unit string, labels []string, counts map[string]int, total string, sum int) {
		put(col, top, name)
		put(valCol, top, unit)
		bold(col, top)
		bold(valCol, top)
		for i, l := range labels {
			put(col, top+1+i, l)
			put(valCol, top+1+i, counts[l])
		}
		if total != "" {
			put(col, top+1+len(labels), total)
			put(valCol, top+1+len(labels), sum)
			bold(col, top+1+len(labels))
		}
	}
	table("A", "B", "Users by state", "Users", states, t.byState, "Total users", t.users)
	table("D", "E", "Meetings by outcome", "Meetings", outcomes, t.byOutcome, "Total meetings", t.meetings)
	table("G", "H", "Skipped by reason", "Meetings", t.reasons, t.byReason, "", 0)
	_ = f.SetColWidth(s, "A", "A", 20)
	_ = f.SetColWidth(s, "B", "B", 12)
	_ = f.SetColWidth(s, "D", "D", 22)
	_ = f.SetColWidth(s, "E", "E", 12)
	_ = f.SetColWidth(s, "G", "G", 24)
	_ = f.SetColWidth(s, "H", "H", 12)
	if err := printSetup(f, s, false); err != nil {
		return err
	}
	// The charts start on one row, at columns A, E and J: with the
	// widths above each begins right of where the one before ends.
	row := top + len(outcomes) + 3
	rng := func(col string, n int) string { return fmt.Sprintf("$%s$%d:$%s$%d", col, top+1, col, top+n) }
	name := func(col string) string { return fmt.Sprintf("$%s$%d", col, top) }
	if err := chart(f, fmt.Sprintf("A%d", row), "Users by state", "Users", name("B"), rng("A", len(states)), rng("B", len(states))); err != nil {
		return err
	}
	if err := chart(f, fmt.Sprintf("E%d", row), "Meetings by outcome", "Meetings", name("E"), rng("D", len(outcomes)), rng("E", len(outcomes))); err != nil {
		return err
	}
	if len(t.reasons) == 0 {
		return nil
	}
	return chart(f, fmt.Sprintf("J%d", row), "Skipped by reason", "Meetings", name("H"), rng("G", len(t.reasons)), rng("H", len(t.reasons)))
}

// chart draws a column chart at the cell with each column's value on it
// and named axes. Its series is named by a cell (a name is a reference).
func chart(f *excelize.File, at, title, unit, name, cats, vals string) error {
	axisFont := excelize.Font{Size: 10, Color: "404040"}
	return f.AddChart("Summary", at, &excelize.Chart{
		Type:      excelize.Col,
		Dimension: excelize.ChartDimension{Width: 420, Height: 300},
		Series:    []excelize.ChartSeries{{Name: "Summary!" + name, Categories: "Summary!" + cats, Values: "Summary!" + vals}},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: title}}},
		Legend:    excelize.ChartLegend{Position: "none"},
		PlotArea:  excelize.ChartPlotArea{ShowVal: true},
		XAxis:     excelize.ChartAxis{Font: axisFont},
		YAxis: excelize.ChartAxis{Font: axisFont, MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0"},
			Title: excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: unit, Font: &excelize.Font{Size: 10}}}}},
	})
}
