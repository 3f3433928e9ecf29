// Package report writes the outcome of a batch as a spreadsheet: XLSX with
// the sheets Summary (with charts), Users and Meetings, or two CSV files.
// No cell can run as a formula when the file is opened.
package report

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// User is one row of the Users sheet.
type User struct {
	UserID, State, MigrationType                                                             string
	TotalMeeting, SucceededMeeting, FailedMeeting, SkippedMeeting, InvitesUpdate, RetryCount int
	LastMessage                                                                              string
	CreateDate, ModifiedDate                                                                 time.Time
	CorrelationID                                                                            string
}

// Meeting is one row of the Meetings sheet.
type Meeting struct {
	UserID, UID, Summary                              string
	Start                                             time.Time
	Attendees                                         int
	Outcome, Reason, Provider, OldJoinURL, NewJoinURL string
}

var (
	userColumns    = []string{"UserId", "State", "MigrationType", "TotalMeeting", "SucceededMeeting", "FailedMeeting", "SkippedMeeting", "InvitesUpdate", "RetryCount", "LastMessage", "CreateDate", "ModifiedDate", "CorrelationId"}
	meetingColumns = []string{"UserId", "UID", "Summary", "Start", "Attendees", "Outcome", "Reason", "Provider", "OldJoinUrl", "NewJoinUrl"}
)

func (u User) cells() []any {
	return []any{u.UserID, u.State, u.MigrationType, u.TotalMeeting, u.SucceededMeeting, u.FailedMeeting, u.SkippedMeeting, u.InvitesUpdate, u.RetryCount, u.LastMessage, u.CreateDate, u.ModifiedDate, u.CorrelationID}
}

func (m Meeting) cells() []any {
	return []any{m.UserID, m.UID, m.Summary, m.Start, m.Attendees, m.Outcome, m.Reason, m.Provider, m.OldJoinURL, m.NewJoinURL}
}

// Write writes the report; the extension (.xlsx or .csv) chooses the form.
// Files are written whole or not at all.
func Write(path string, users []User, meetings []Meeting) error {
	return WriteStream(path, slice(users), slice(meetings))
}

// Users hands every user row to yield, in order. The rows of a batch of
// any size are read from the state store as the sheet is written, never
// held all at once.
type Users func(yield func(User) error) error

// Meetings hands every meeting row to yield, in order; a batch's meetings
// can be many more than fit comfortably in memory.
type Meetings func(yield func(Meeting) error) error

// WriteStream is Write with the rows streamed. Each is called once, the
// meetings first.
func WriteStream(path string, users Users, meetings Meetings) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx":
		return atomic(path, func(tmp string) error { return writeXLSX(tmp, users, meetings, maxSheetRows) })
	case ".csv":
		if err := atomic(MeetingsCSV(path), func(tmp string) error { return writeCSV(tmp, meetingColumns, cellsOf(meetings)) }); err != nil {
			return err
		}
		return atomic(path, func(tmp string) error { return writeCSV(tmp, userColumns, cellsOf(users)) })
	}
	return fmt.Errorf("report %s: use a name ending in .xlsx or .csv", path)
}

// MeetingsCSV is where the meetings of a CSV report go: FILE.meetings.csv.
func MeetingsCSV(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".meetings.csv"
}

type row interface{ cells() []any }

// rows hands each row's cells to yield.
type rows func(yield func([]any) error) error

func cellsOf[T row](each func(yield func(T) error) error) rows {
	return func(yield func([]any) error) error {
		return each(func(r T) error { return yield(r.cells()) })
	}
}

func slice[T any](items []T) func(yield func(T) error) error {
	return func(yield func(T) error) error {
		for _, it := range items {
			if err := yield(it); err != nil {
				return err
			}
		}
		return nil
	}
}

// atomic writes through a temporary file in the same directory, renamed
// into place only when the writer succeeded.
func atomic(path string, write func(tmp string) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*"+filepath.Ext(path))
	if err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	tmp := f.Name()
	f.Close()
	defer os.Remove(tmp)
	if err := write(tmp); err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	return nil
}

// formulaStart are the characters a spreadsheet may read as the start of a
// formula.
const formulaStart = "=+-@\t\r"

// safeText defuses a text cell for CSV: a value that a spreadsheet could run
// as a formula gets a leading apostrophe, which Excel shows as nothing. A
// phone number such as "+46 8 505 248 89" stays as it is: it cannot run.
func safeText(s string) string {
	if s == "" || !strings.ContainsRune(formulaStart, rune(s[0])) || isPhone(s) {
		return s
	}
	return "'" + s
}

func isPhone(s string) bool {
	if s[0] != '+' || len(s) < 4 {
		return false
	}
	return strings.Trim(s[1:], "0123456789 ()-.;,") == ""
}
