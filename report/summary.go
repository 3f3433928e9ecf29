package report

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

var (
	states   = []string{"Succeeded", "Failed", "Pending", "InProgress", "NotTriggered"}
	outcomes = []string{"updated", "would-update", "skipped", "failed"}
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

// summary writes the counts, with a chart of users per state and one of
// meetings per outcome.
func summary(f *excelize.File, h Heading, t *tally, bold int) error {
	byState, byOutcome, byReason, reasons := t.byState, t.byOutcome, t.byReason, t.reasons
	const s = "Summary"
	put := func(cell string, v any) { _ = f.SetCellValue(s, cell, v) }
	put("A1", "Users by state")
	put("B1", "Users")
	for i, st := range states {
		put(fmt.Sprintf("A%d", i+2), st)
		put(fmt.Sprintf("B%d", i+2), byState[st])
	}
	put("A8", "Total users")
	put("B8", t.users)
	put("D1", "Meetings by outcome")
	put("E1", "Meetings")
	for i, o := range outcomes {
		put(fmt.Sprintf("D%d", i+2), o)
		put(fmt.Sprintf("E%d", i+2), byOutcome[o])
	}
	put("D7", "Total meetings")
	put("E7", t.meetings)
	put("G1", "Skipped by reason")
	put("H1", "Meetings")
	for i, r := range reasons {
		put(fmt.Sprintf("G%d", i+2), r) // SetCellValue keeps a string a string
		put(fmt.Sprintf("H%d", i+2), byReason[r])
	}
	for _, c := range []string{"A1", "B1", "D1", "E1", "G1", "H1", "A8", "D7"} {
		_ = f.SetCellStyle(s, c, c, bold)
	}
	_ = f.SetColWidth(s, "A", "A", 18)
	_ = f.SetColWidth(s, "D", "D", 20)
	_ = f.SetColWidth(s, "G", "G", 22)
	if err := chart(f, "A10", "Users by state", "$A$2:$A$6", "$B$2:$B$6"); err != nil {
		return err
	}
	return chart(f, "J10", "Meetings by outcome", "$D$2:$D$5", "$E$2:$E$5")
}

func chart(f *excelize.File, at, title, cats, vals string) error {
	return f.AddChart("Summary", at, &excelize.Chart{
		Type:   excelize.Col,
		Series: []excelize.ChartSeries{{Name: title, Categories: "Summary!" + cats, Values: "Summary!" + vals}},
		Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: title}}},
		Legend: excelize.ChartLegend{Position: "none"},
	})
}
