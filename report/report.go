// Package report writes the outcome of a batch: XLSX with the sheets
// Summary (with charts), Users and Meetings, two CSV files, or one
// self-contained HTML preview. No cell can run as a formula when the file
// is opened.
package report

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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
	Attendees                                         int // the people invited: distinct ATTENDEE addresses, not the organiser's
	Outcome, Reason, Provider, OldJoinURL, NewJoinURL string

	End        time.Time
	Recurrence string // the series' RRULE; empty for a single meeting
	Detail     string // evidence of a skip, or the full error of a failure
	Changes    string // what changed, old -> new values

	// Shown by the HTML preview only, not columns: the meeting's block
	// (its description text) before and after, and the text of the mail
	// its attendees get.
	OldBlock, NewBlock, MailText string
}

// Heading says what a report is: it opens the HTML preview and the
// workbook's Summary sheet.
type Heading struct {
	BatchID           string
	Kind              string    // "run", "start", "rollback", "dry run", "start (dry run)" or "rollback (dry run)"
	Now               time.Time // the batch's --now
	Started, Finished time.Time
	Inputs            []string // the input files
	Version           string   // mms version
	Notes             []string // e.g. "TLS certificates not verified for caldav.example.com"
}

// lines is the heading as label/value pairs, in the order shown.
func (h Heading) lines() [][2]string {
	out := [][2]string{{"Kind", h.Kind}, {"Batch", h.BatchID}, {"Now (--now)", rfc3339(h.Now, time.RFC3339Nano)},
		{"Started", rfc3339(h.Started, time.RFC3339)}, {"Finished", rfc3339(h.Finished, time.RFC3339)},
		{"Inputs", strings.Join(h.Inputs, ", ")}, {"mms version", h.Version}}
	for _, n := range h.Notes {
		out = append(out, [2]string{"Note", n})
	}
	return out
}

// rfc3339 writes a heading's time in UTC as --now takes it
// ("2026-01-15T09:00:00Z"; --now to the fraction of a second it was
// given, which the rules used).
func rfc3339(t time.Time, layout string) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(layout)
}

var (
	userColumns    = []string{"UserId", "State", "MigrationType", "TotalMeeting", "SucceededMeeting", "FailedMeeting", "SkippedMeeting", "InvitesUpdate", "RetryCount", "LastMessage", "CreateDate", "ModifiedDate", "CorrelationId"}
	meetingColumns = []string{"UserId", "UID", "Summary", "Start", "End", "Recurrence", "Attendees", "Outcome", "Reason", "Detail", "Changes", "Provider", "OldJoinUrl", "NewJoinUrl"}
)

func (u User) cells() []any {
	return []any{u.UserID, u.State, u.MigrationType, u.TotalMeeting, u.SucceededMeeting, u.FailedMeeting, u.SkippedMeeting, u.InvitesUpdate, u.RetryCount, u.LastMessage, u.CreateDate, u.ModifiedDate, u.CorrelationID}
}

func (m Meeting) cells() []any {
	return []any{m.UserID, m.UID, m.Summary, m.Start, m.End, m.Recurrence, m.Attendees, m.Outcome, m.Reason, m.Detail, m.Changes, m.Provider, m.OldJoinURL, m.NewJoinURL}
}

// Write writes the report; the extension (.xlsx, .csv or .html) chooses
// the form. Files are written whole or not at all.
func Write(path string, h Heading, users []User, meetings []Meeting) error {
	return WriteReport(path, h, slice(users), slice(meetings))
}

// Users hands every user row to yield, in order. The rows of a batch of
// any size are read from the state store as the sheet is written, never
// held all at once.
type Users func(yield func(User) error) error

// Meetings hands every meeting row to yield, in order; a batch's meetings
// can be many more than fit comfortably in memory.
type Meetings func(yield func(Meeting) error) error

// WriteStream is WriteReport without a heading, for callers that do not
// pass one yet.
func WriteStream(path string, users Users, meetings Meetings) error {
	return WriteReport(path, Heading{}, users, meetings)
}

// WriteReport is Write with the rows streamed. Each is called once, the
// meetings first.
func WriteReport(path string, h Heading, users Users, meetings Meetings) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx":
		return atomic(path, func(tmp string) error { return writeXLSX(tmp, h, users, meetings, maxSheetRows) })
	case ".html", ".htm":
		return atomic(path, func(tmp string) error { return writeHTML(tmp, h, users, meetings) })
	case ".csv":
		header, each := h.withBatch(meetingColumns, cellsOf(meetings))
		if err := atomic(MeetingsCSV(path), func(tmp string) error { return writeCSV(tmp, header, each) }); err != nil {
			return err
		}
		if !h.empty() { // the rows files stay rows only, for scripts
			if err := atomic(HeadingCSV(path), func(tmp string) error { return writeCSV(tmp, []string{"Field", "Value"}, h.rows()) }); err != nil {
				return err
			}
		}
		header, each = h.withBatch(userColumns, cellsOf(users))
		return atomic(path, func(tmp string) error { return writeCSV(tmp, header, each) })
	}
	return fmt.Errorf("report %s: use a name ending in .xlsx, .csv or .html (.htm)", path)
}

// ShowsTexts reports whether the report at path shows each meeting's block
// before and after and its mail's text (OldBlock, NewBlock, MailText): the
// HTML preview does, the workbook and the CSV files do not.
func ShowsTexts(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".html" || ext == ".htm"
}

// HeadingCSV is where the heading of a CSV report goes (what the report
// is: batch, kind, --now, times, inputs, version, notes), one Field,Value
// row each: FILE.heading.csv.
func HeadingCSV(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".heading.csv"
}

func (h Heading) empty() bool { return h.BatchID == "" && h.Kind == "" && len(h.Notes) == 0 }

// withBatch adds BatchId, BatchKind, BatchNow (--now), BatchStarted,
// BatchFinished, BatchInputs and MmsVersion to every row of a CSV file, so
// that each of a report's CSV files says what it is (SPEC: batch id, kind,
// --now, times, inputs, version), also read apart from FILE.heading.csv
// (which says it once, with the notes). A report without a heading keeps
// its columns.
func (h Heading) withBatch(header []string, each rows) ([]string, rows) {
	if h.BatchID == "" && h.Kind == "" {
		return header, each
	}
	batch := []any{h.BatchID, h.Kind, rfc3339(h.Now, time.RFC3339Nano), rfc3339(h.Started, time.RFC3339), rfc3339(h.Finished, time.RFC3339),
		strings.Join(h.Inputs, ", "), h.Version}
	return append(slices.Clip(header), batchColumns...), func(yield func([]any) error) error {
		return each(func(r []any) error { return yield(append(r, batch...)) })
	}
}

// batchColumns are the columns withBatch adds.
var batchColumns = []string{"BatchId", "BatchKind", "BatchNow", "BatchStarted", "BatchFinished", "BatchInputs", "MmsVersion"}

// rows is the heading for writeCSV.
func (h Heading) rows() rows {
	return func(yield func([]any) error) error {
		for _, l := range h.lines() {
			if err := yield([]any{l[0], l[1]}); err != nil {
				return err
			}
		}
		return nil
	}
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
	tmp, err := createTemp(dir, "."+filepath.Base(path)+".mms-tmp-", filepath.Ext(path))
	if err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	defer os.Remove(tmp)
	if err := write(tmp); err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	return nil
}

// RemoveStaleTemps removes the temporary files a killed process left
// beside the report at path (and, for CSV, its other files) that are older
// than before: regular files named ".<report name>.mms-tmp-...", nothing
// else.
func RemoveStaleTemps(path string, before time.Time) error {
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return nil // no folder yet: nothing of ours in it
	}
	var prefixes []string
	for _, p := range []string{path, MeetingsCSV(path), HeadingCSV(path)} {
		prefixes = append(prefixes, "."+filepath.Base(p)+".mms-tmp-")
	}
	for _, e := range entries {
		if !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(e.Name(), p) }) {
			continue
		}
		name := filepath.Join(filepath.Dir(path), e.Name())
		if info, err := os.Lstat(name); err == nil && info.Mode().IsRegular() && info.ModTime().Before(before) {
			if err := os.Remove(name); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}
	return nil
}

// createTemp makes an empty file named prefix, random digits, suffix in
// dir. Unlike os.CreateTemp (always 0600) it is made 0666 less the umask:
// a report is meant to be shared as the user's other files are.
func createTemp(dir, prefix, suffix string) (string, error) {
	var err error
	for range 100 {
		name := filepath.Join(dir, prefix+strconv.FormatUint(rand.Uint64(), 36)+suffix)
		var f *os.File
		f, err = os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if err == nil {
			return name, f.Close()
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", err
}

// formulaStart are the characters a spreadsheet may read as the start of a
// formula.
const formulaStart = "=+-@\t\r"

// CSVText is text as a CSV cell of a report holds it: cleaned (see
// clean) and defused (see safeText), for other CSV mms writes (mms status,
// mms batches).
func CSVText(s string) string { return safeText(clean(s)) }

// safeText defuses a text cell for CSV: a value that a spreadsheet could run
// as a formula, at its start or after leading blanks and line breaks, gets
// a leading apostrophe, which Excel shows as nothing. A phone number such
// as "+46 8 505 248 89" is one too: Excel reads it as a sum whose blanks
// are its intersection operator, and shows an error instead.
func safeText(s string) string {
	t := strings.TrimLeft(s, " \t\r\n")
	switch {
	case s == "":
		return s
	case strings.ContainsRune(formulaStart, rune(s[0])),
		t != "" && t != s && strings.ContainsRune(formulaStart, rune(t[0])):
		return "'" + s
	}
	return s
}

// clean makes text safe for any file a report writes: invalid UTF-8
// becomes U+FFFD and control characters other than tab, line feed and
// carriage return (NUL, ESC, DEL, ...) are dropped.
func clean(s string) string {
	dirty := false
	for _, r := range s {
		if r == utf8.RuneError || isControl(r) {
			dirty = true
			break
		}
	}
	if !dirty {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return -1
		}
		return r
	}, s)
}

func isControl(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f || (r >= 0x80 && r < 0xa0)
}
