package input

import "fmt"

// RowError is a rejected row, or one rejected cell of it.
type RowError struct {
	File   string // the path as given
	Line   int    // CSV line or sheet row
	Column string // "" when the problem is the whole row
	User   string // the user the row belongs to (lower case), "" when unknown
	Msg    string // what is wrong and what would be accepted
	// Rows, when not 0, says this error stands for that many rows of no
	// user past the first maxUnowned, which were counted, not kept.
	Rows int
}

// maxUnowned bounds the row errors of no user a file keeps; the rest are
// counted in one RowError (Rows): a file of a million rows for unknown
// users costs their count, not a million messages.
const maxUnowned = 1000

// unownedCap keeps the first maxUnowned errors of no user as they come and
// counts the others, for one RowError at the end.
type unownedCap struct {
	kept, dropped int
}

// add appends e to errs unless it is one too many of no user.
func (u *unownedCap) add(errs []RowError, e RowError) []RowError {
	if e.User == "" {
		if u.kept == maxUnowned {
			u.dropped++
			return errs
		}
		u.kept++
	}
	return append(errs, e)
}

// end appends the count of the errors add dropped, if any.
func (u *unownedCap) end(file string, errs []RowError) []RowError {
	if u.dropped == 0 {
		return errs
	}
	return append(errs, RowError{File: file, Msg: fmt.Sprintf("%d more rows naming no user of the users file, not listed", u.dropped), Rows: u.dropped})
}

// Error reads like
// users.csv:7: column "mailbox": "hybrid" is not a mailbox kind; use online or onprem.
func (e RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: column %q: %s", e.File, e.Line, e.Column, e.Msg)
}

// rowErrors collects the problems of one row.
type rowErrors struct {
	file string
	line int
	errs []RowError
	// unread are the columns reported unreadable: a check of their
	// (empty) value adds nothing.
	unread map[string]string
	shape  string // see row.shape: said with the row's first problem
}

// newRowErrors starts a row's problems with its unreadable cells, in the
// order of cols.
func newRowErrors(file string, r row, cols []string) rowErrors {
	re := rowErrors{file: file, line: r.line, shape: r.shape}
	if r.broken != "" { // its cells are a guess, read only for whose row it is: not checked
		re.errs = append(re.errs, RowError{File: file, Line: r.line, Msg: r.broken})
		re.unread = map[string]string{}
		for _, c := range cols {
			re.unread[c] = ""
		}
		return re
	}
	for _, c := range cols {
		if msg, ok := r.bad[c]; ok {
			re.add(c, "%s", msg)
		}
	}
	re.unread = r.bad
	return re
}

func (r *rowErrors) add(col, format string, args ...any) {
	if _, ok := r.unread[col]; ok {
		return
	}
	r.errs = append(r.errs, RowError{File: r.file, Line: r.line, Column: col, Msg: fmt.Sprintf(format, args...)})
}

// owned returns the problems, each naming user.
func (r *rowErrors) owned(user string) []RowError {
	for i := range r.errs {
		r.errs[i].User = user
		if i == 0 && r.shape != "" { // once: the likely cause of them all
			r.errs[i].Msg += " (" + r.shape + ")"
		}
	}
	return r.errs
}
