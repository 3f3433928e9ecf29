package main

import (
	"fmt"

	"github.com/mms-project/mms/report"
)

// counted is n with its noun in the right number: "1 user", "2 users",
// "1 update", "0 meetings". Nouns whose plural is not noun+"s" give it
// after a slash: "batch/batches".
func counted(n int, noun string) string {
	one, many := noun, noun+"s"
	for i := range len(noun) {
		if noun[i] == '/' {
			one, many = noun[:i], noun[i+1:]
			break
		}
	}
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// formatUsage is the help of --format of status and batches.
const formatUsage = "table, csv or json; csv is for spreadsheets: a value one could run as a formula (=, +, -, @ first) starts with ', as in the reports; json is for scripts"

// csvRow makes each cell of a CSV row that a spreadsheet could run as a
// formula (a user or file named "=1+1") text, as the reports do.
func csvRow(cells []string) []string {
	for i, c := range cells {
		cells[i] = report.CSVText(c)
	}
	return cells
}
