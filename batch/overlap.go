package batch

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mms-project/mms/batch/input"
	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/report"
)

// checkOutputs refuses a run whose outputs would land on one of its
// inputs: inputs are never modified. The report (and, for CSV, its
// meetings file) must not be the users file, the changes file or a
// calendar; a rewritten calendar must not land on its own input.
func checkOutputs(o RunOptions, users []input.User) error {
	inputs := inputFiles{byPath: map[string]string{}, byFile: map[any]string{}}
	add := func(path, what string) {
		abs, err := filepath.Abs(path)
		if err != nil {
			return
		}
		inputs.byPath[abs] = what
		if fi, err := os.Stat(abs); err == nil {
			if key, ok := fileKey(fi); ok {
				inputs.byFile[key] = what
			}
		}
	}
	add(o.Users, "the users file")
	add(o.Changes, "the changes file")
	for _, u := range users {
		if !migrate.IsCalDAV(u.Calendar) {
			add(u.Calendar, "the calendar of "+u.Email)
		}
	}
	reports := []string{o.Report}
	if !strings.EqualFold(filepath.Ext(o.Report), ".xlsx") {
		reports = append(reports, report.MeetingsCSV(o.Report))
	}
	for _, r := range reports {
		if what := sameAsInput(r, inputs); what != "" {
			return fmt.Errorf("--report %s: %s is %s; mms never writes over its inputs, so choose another report name", o.Report, r, what)
		}
	}
	if o.DryRun || o.Out == "" {
		return nil
	}
	names := outputNames(users, filepath.Dir(abs(o.Users)))
	for _, u := range users {
		if migrate.IsCalDAV(u.Calendar) || names[u.Email] == "" {
			continue
		}
		out := migrate.FileCalendars{Dir: filepath.Join(o.Out, "calendars")}.Output(u.Calendar, names[u.Email])
		if what := sameAsInput(out, inputs); what != "" {
			return fmt.Errorf("--out %s: the rewritten calendar %s would replace %s; mms never writes over its inputs, so choose another --out", o.Out, out, what)
		}
	}
	return nil
}

// inputFiles are the run's input files by absolute path and, where the
// system tells, by file identity (device and inode), so that a link to an
// input is known as that input.
type inputFiles struct {
	byPath map[string]string
	byFile map[any]string
}

// sameAsInput names the input that path is, or "" when it is none.
func sameAsInput(path string, inputs inputFiles) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	if what, ok := inputs.byPath[abs]; ok {
		return what
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return ""
	}
	if key, ok := fileKey(fi); ok {
		return inputs.byFile[key]
	}
	return ""
}
