package batch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/mms-project/mms/batch/input"
	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/report"
)

// checkOutputs refuses a run whose outputs would land on one of its
// inputs or on its state store: inputs are never modified, and the store
// holds the batch history and the rollback journal. The report (and, for
// CSV, its meetings file) must not be the users file, the changes file, a
// calendar, or the SQLite store or its -wal, -shm or -journal file; a
// rewritten calendar must not land on any of them either; the store must
// not be an input. All this before anything is written.
func checkOutputs(o RunOptions, users []input.User) error {
	inputs := newInputFiles()
	inputs.add(o.Users, "the users file")
	inputs.add(o.Changes, "the changes file")
	inputs.add(o.Meetings, "the meetings file")
	for _, u := range users {
		if !migrate.IsCalDAV(u.Calendar) {
			inputs.add(u.Calendar, "the calendar of "+u.Email)
		}
	}
	if err := inputs.addStore(o.DB); err != nil {
		return err
	}
	if err := checkReport(o.Report, inputs); err != nil {
		return err
	}
	if o.Out == "" { // a dry run's --out is checked as the real run's would be, writing nothing
		return nil
	}
	if err := outDir(o.Out); err != nil {
		return err
	}
	names := outputNames(users, filepath.Dir(abs(o.Users)))
	for _, u := range users {
		if migrate.IsCalDAV(u.Calendar) || names[u.Email] == "" {
			continue
		}
		out := migrate.FileCalendars{Dir: filepath.Join(o.Out, "calendars")}.Output(u.Calendar, names[u.Email])
		if what := sameAsInput(out, inputs); what != "" {
			return fmt.Errorf("--out %s: the rewritten calendar %s would replace %s; mms never writes over its inputs or its state store, so choose another --out", o.Out, out, what)
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

func newInputFiles() inputFiles {
	return inputFiles{byPath: map[string]string{}, byFile: map[any]string{}}
}

// add records path as the input what.
func (inputs inputFiles) add(path, what string) {
	if path == "" {
		return
	}
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

// addStore refuses a SQLite state store that is one of the inputs, then
// records its files (the database, its -wal, -shm and -journal) as ones
// no output may replace. A PostgreSQL store has no file here.
func (inputs inputFiles) addStore(db string) error {
	if db == "" || store.IsPostgres(db) {
		return nil
	}
	if what := sameAsInput(db, inputs); what != "" {
		return fmt.Errorf("--db %s is %s; the state store must be a file of its own", db, what)
	}
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		inputs.add(db+suffix, "the state store "+db+" (its file "+filepath.Base(db+suffix)+")")
	}
	return nil
}

// checkReport refuses a report (or, for CSV, its meetings file) that is
// one of inputs.
func checkReport(reportPath string, inputs inputFiles) error {
	if reportPath == "" {
		return nil
	}
	reports := []string{reportPath}
	if !strings.EqualFold(filepath.Ext(reportPath), ".xlsx") {
		reports = append(reports, report.MeetingsCSV(reportPath))
	}
	if strings.EqualFold(filepath.Ext(reportPath), ".csv") {
		reports = append(reports, report.HeadingCSV(reportPath))
	}
	for _, r := range reports {
		if what := sameAsInput(r, inputs); what != "" {
			return fmt.Errorf("--report %s: %s is %s; mms never writes over its inputs or its state store, so choose another report name", reportPath, r, what)
		}
		if err := writable(r); err != nil {
			return fmt.Errorf("--report %s: %w", reportPath, err)
		}
	}
	return nil
}

// writable refuses, before anything runs, a report file that could not be
// written at the end: a directory of that name, or a file where one of its
// directories should be. Missing directories are made when it is written.
func writable(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory; name a file in it, such as %s", path, filepath.Join(path, "report"+filepath.Ext(path)))
	}
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("%s is not a directory, so %s cannot be written; choose another path", dir, path)
			}
			if err := canWriteIn(dir); err != nil {
				return fmt.Errorf("%s cannot be written: %s: %w", path, dir, err)
			}
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s cannot be written: %w", path, err)
		}
		if next := filepath.Dir(dir); next == dir {
			return nil
		}
	}
}

// outDir refuses an --out that is a file, or where no directory can be
// made: every user would fail at its first write.
func outDir(out string) error {
	fi, err := os.Stat(out)
	switch {
	case err == nil && !fi.IsDir():
		return fmt.Errorf("--out %s is a file, not a directory; name a directory for the rewritten calendars and the outbox", out)
	case err == nil:
		err = canWriteIn(out)
	default:
		err = writable(out) // its nearest directory, where it will be made
	}
	if err != nil {
		return fmt.Errorf("--out %s: %w", out, err)
	}
	return nil
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

// checkReportPath refuses a report (of mms start or rollback) that would
// replace the SQLite state store or one of the input files named (path:
// what it is; "" paths are skipped).
func checkReportPath(reportPath, db string, named map[string]string) error {
	if reportPath == "" {
		return nil
	}
	inputs := newInputFiles()
	for path, what := range named {
		inputs.add(path, what)
	}
	if err := inputs.addStore(db); err != nil {
		return err
	}
	return checkReport(reportPath, inputs)
}

// sameFileKey names the file at path: its device and inode where the
// system has them (a symbolic or hard link to a file, another path to it,
// names the same file), else its cleaned path.
func sameFileKey(path string) string {
	if fi, err := os.Stat(path); err == nil {
		if key, ok := fileKey(fi); ok {
			return fmt.Sprint(key)
		}
	}
	return filepath.Clean(path)
}
