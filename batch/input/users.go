package input

import (
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/mms-project/mms/batch/caldav"
)

// User is one accepted row of the users file.
type User struct {
	Line          int      // line (CSV) or row (XLSX) in the users file
	Email         string   // lower case
	Given         string   // the address as the row writes it (no "mailto:"), where that is not Email
	Mailbox       string   // "online" or "onprem"
	Calendar      string   // absolute .ics path, or an http(s) URL
	AudioProvider string   // "microsoft" or a third-party provider's name, lower case
	Aliases       []string // lower case, without the primary address
	// CalendarErrs are the problems of the calendar cell when it is the
	// row's only problem (a file not found, a folder), read by
	// ReadUsersCalendarLater: Calendar is then "" and the user fails only
	// if a change triggers it.
	CalendarErrs []RowError
}

// Mailbox kinds.
const (
	Online = "online"
	Onprem = "onprem"
)

// Microsoft is the AudioProvider of users without a third-party provider.
const Microsoft = "microsoft"

// noACP reports whether an audio_provider cell (lower case) names no
// third-party provider: empty, Microsoft's own ("microsoft", "Microsoft
// Teams", "teams") or a placeholder for none ("none", "n/a", "-"). A typo
// there must not quietly stop a user's migration (only license-assigned
// triggers for a third-party provider's user).
func noACP(v string) bool {
	v = strings.Join(strings.Fields(v), " ")
	switch v {
	case "", "-", "--", "none", "no", "n/a", "na", "null", "nil", "teams", "ms", "msft":
		return true
	}
	switch v {
	case "ms teams", "microsoft's", "skype", "skype for business", "sfb", "lync":
		return true
	}
	// "Microsoft Teams", "Microsoft Audio Conferencing"; a provider's
	// own name with Microsoft in it ("BT MeetMe for Microsoft Teams") is
	// that provider's
	return v == Microsoft || strings.HasPrefix(v, Microsoft+" ")
}

// acpProblem says why an audio_provider cell (lower case) that is not
// Microsoft's names no provider either, or "": an Excel error value
// (#N/A from a lookup that found nothing), a number, or a near miss of
// "microsoft" (a typo), any of which would quietly stop the user's
// migration if taken for a third-party provider.
func acpProblem(v string) string {
	switch {
	case strings.HasPrefix(v, "#"):
		return "is an Excel error value, not a provider's name (a lookup that found nothing?)"
	case !strings.ContainsFunc(v, unicode.IsLetter):
		return "is not a provider's name"
	case editDistance(strings.ReplaceAll(v, " ", ""), Microsoft) <= 2:
		return "is not a provider's name (did you mean microsoft?)"
	}
	return ""
}

// IsACP reports whether a third-party audio-conferencing provider serves
// the user.
func (u User) IsACP() bool { return u.AudioProvider != Microsoft }

var usersSchema = schema{
	required: []string{"user", "calendar"},
	optional: []string{"mailbox", "audio_provider", "aliases"},
}

// ReadUsers reads the users file. A row with a problem is left out of the
// users and reported, with every problem it has; when its user column holds
// a valid address the RowError names that user, so the caller can fail just
// that user. A user listed twice fails: both rows name it, and the second
// row's error names the first row's line.
func ReadUsers(path string) ([]User, []RowError, error) {
	return readUsers(path, false)
}

// ReadUsersCalendarLater is ReadUsers, except that a row whose only
// problems are in its calendar cell (a file not found, a folder) keeps its
// user, with Calendar "" and the problems in CalendarErrs: the calendar
// matters only if a change triggers the user.
func ReadUsersCalendarLater(path string) ([]User, []RowError, error) {
	return readUsers(path, true)
}

func readUsers(path string, calendarLater bool) ([]User, []RowError, error) {
	t, err := readTable(path, usersSchema)
	if err != nil {
		return nil, nil, err
	}
	var users []User
	var errs []RowError
	owners := map[string]owner{} // every address (primary or alias) seen so far
	for _, r := range t.rows {
		u, rowErrs := parseUser(t.file, r)
		if u.Email == "" {
			errs = append(errs, rowErrs...)
			continue
		}
		rowErrs = append(rowErrs, claim(owners, t.file, r.line, u)...)
		if calendarLater && len(rowErrs) > 0 && !slices.ContainsFunc(rowErrs, func(e RowError) bool { return e.Column != "calendar" }) {
			u.Calendar, u.CalendarErrs = "", rowErrs // the user's calendar matters only if it is triggered
			rowErrs = nil
		}
		if len(rowErrs) > 0 {
			errs = append(errs, rowErrs...)
			continue
		}
		users = append(users, u)
	}
	return users, errs, nil
}

// owner is the user an address belongs to and the line that says so.
type owner struct {
	user string
	line int
}

// claim records u's addresses, and reports those already taken.
func claim(owners map[string]owner, file string, line int, u User) []RowError {
	re := rowErrors{file: file, line: line}
	if o, taken := owners[u.Email]; taken && o.user == u.Email {
		re.add("user", "%s is already listed at line %d; list each user once", u.Email, o.line)
	} else if taken {
		re.add("user", "%s is already an alias of %s (line %d); an address belongs to one user", u.Email, o.user, o.line)
	}
	for _, a := range u.Aliases {
		if o, taken := owners[a]; taken {
			re.add("aliases", "%s is already an address of %s (line %d); an address belongs to one user", a, o.user, o.line)
		}
	}
	if _, taken := owners[u.Email]; !taken {
		owners[u.Email] = owner{u.Email, line}
	}
	for _, a := range u.Aliases {
		if _, taken := owners[a]; !taken {
			owners[a] = owner{u.Email, line}
		}
	}
	return re.owned(u.Email)
}

// parseUser checks every cell of a row. The returned User has its Email
// set whenever the user column is valid, even if other cells are not.
func parseUser(file string, r row) (User, []RowError) {
	re := newRowErrors(file, r, usersSchema.columns())
	u := User{Line: r.line, Mailbox: strings.ToLower(r.get("mailbox")), AudioProvider: strings.ToLower(r.get("audio_provider"))}
	email, ok := address(r.get("user"))
	switch {
	case r.get("user") == "":
		re.add("user", "empty; give the organiser's e-mail address, like anna@contoso.com")
	case !ok:
		re.add("user", "%q is not an e-mail address like anna@contoso.com%s", r.get("user"), aloneHint(r.get("user")))
		u.Email, _ = displayed(r.get("user")) // the row fails that user, not no one
	default:
		u.Email = email
		if given := withoutMailto(r.get("user")); given != email {
			u.Given = given
		}
	}
	if u.Mailbox == "" {
		u.Mailbox = Online
	}
	if u.Mailbox != Online && u.Mailbox != Onprem {
		re.add("mailbox", "%q is not a mailbox kind; use online or onprem", r.get("mailbox"))
	}
	if noACP(u.AudioProvider) {
		u.AudioProvider = Microsoft
	} else if why := acpProblem(u.AudioProvider); why != "" {
		re.add("audio_provider", "%q %s; leave it empty or write microsoft for Microsoft's own audio conferencing, or the third-party provider's name", r.get("audio_provider"), why)
	}
	for _, a := range splitList(r.get("aliases")) {
		if len(a) > 4 && strings.EqualFold(a[:4], "sip:") { // a SIP address, as Skype's admin pages write it
			a = a[4:]
		}
		alias, ok := address(a)
		switch {
		case !ok:
			re.add("aliases", "%q is not an e-mail address; separate aliases with ';'", a)
		case alias != u.Email && !slices.Contains(u.Aliases, alias):
			u.Aliases = append(u.Aliases, alias)
		}
	}
	cal, msg := calendar(filepath.Dir(file), r.get("calendar"), u.Mailbox)
	if msg != "" {
		re.add("calendar", "%s", msg)
	}
	u.Calendar = cal
	return u, re.owned(u.Email)
}

// calendar resolves the calendar cell: an http(s) URL, or an .ics file
// relative to the users file's folder. A non-empty msg says what is wrong.
func calendar(dir, v, mailbox string) (cal, msg string) {
	path := windowsPath(dir, v)
	switch {
	case v == "":
		return "", "empty; give an .ics file (relative to the users file's folder) or a CalDAV collection URL (http:// or https://)"
	case len(v) > 7 && strings.EqualFold(v[:7], "file://"):
		u, err := url.Parse(v)
		if err != nil || u.Host != "" && u.Host != "localhost" {
			return "", fmt.Sprintf("%q is a file URL of another machine, or unreadable; give the file's path", caldav.RedactURL(v))
		}
		path = u.Path
	case strings.Contains(v, "://"):
		return calendarURL(v, mailbox)
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	st, err := os.Stat(path)
	switch {
	case os.IsNotExist(err):
		return "", fmt.Sprintf("%q not found (looked for %s; a relative path starts at the users file's folder)", v, path)
	case err != nil:
		return "", fmt.Sprintf("cannot read %q: %v", v, err)
	case st.IsDir():
		return "", fmt.Sprintf("%q is a folder; give the calendar's .ics file", v)
	case !st.Mode().IsRegular():
		return "", fmt.Sprintf("%q is not a regular file; give the calendar's .ics file", v)
	case !strings.EqualFold(filepath.Ext(path), ".ics"):
		return "", fmt.Sprintf("%q is not an .ics file; export the calendar as iCalendar (.ics)", v)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Sprintf("cannot resolve %q: %v", v, err)
	}
	return abs, ""
}

// windowsPath reads a calendar path as Windows writes it: without the
// quotes Explorer's "Copy as path" puts around it, and with '/' for '\'
// (calendars\anna.ics) where '\' is not this system's separator and no
// file is named so as written (relative to dir).
func windowsPath(dir, v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	if filepath.Separator != '\\' && strings.Contains(v, `\`) {
		asWritten := v
		if !filepath.IsAbs(asWritten) {
			asWritten = filepath.Join(dir, asWritten)
		}
		if _, err := os.Stat(asWritten); err != nil { // a file named with a '\' is taken as it is
			v = strings.ReplaceAll(v, `\`, "/")
		}
	}
	return v
}

func calendarURL(v, mailbox string) (cal, msg string) {
	u, err := url.Parse(v)
	shown := caldav.RedactURL(v) // no password in a message
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https"):
		return "", fmt.Sprintf("%q is neither an .ics file nor an http(s) URL", shown)
	case u.Host == "":
		return "", fmt.Sprintf("%q has no host; give a CalDAV collection URL like https://dav.contoso.com/calendars/anna/", shown)
	case mailbox == Onprem:
		return "", fmt.Sprintf("an onprem mailbox is migrated from an exported .ics file, not from a URL (%s); give the export's path, or set mailbox to online", shown)
	case dotSegments(u.EscapedPath()):
		return "", fmt.Sprintf("%q has . or .. in its path, which a server reads as another collection; give the collection's own path", shown)
	}
	return v, ""
}

// dotSegments reports whether a URL path holds a "." or ".." segment, as
// written or percent-escaped.
func dotSegments(path string) bool {
	for _, seg := range strings.Split(path, "/") {
		if seg, err := url.PathUnescape(seg); err == nil && (seg == "." || seg == "..") {
			return true
		}
	}
	return false
}

// address checks a bare e-mail address ("mailto:" allowed) and lower-cases it.
func address(v string) (string, bool) {
	v = withoutMailto(v)
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v {
		return "", false
	}
	return strings.ToLower(a.Address), true
}

// displayed reads the address of "Anna Berg <anna@contoso.com>", as an
// address is copied from a mail client, lower-cased.
func displayed(v string) (string, bool) {
	a, err := mail.ParseAddress(withoutMailto(v))
	if err != nil || a.Address == v {
		return "", false
	}
	return strings.ToLower(a.Address), true
}

// aloneHint is "; give the address alone: anna@contoso.com" for a cell
// that names one with a display name, "" otherwise.
func aloneHint(v string) string {
	if a, ok := displayed(v); ok {
		return "; give the address alone: " + a
	}
	return ""
}

func splitList(v string) []string {
	var out []string
	// ';', or a line break in the cell (Alt+Enter in Excel)
	for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '\n' || r == '\r' }) {
		if s = trimInvisible(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// withoutMailto is a cell's address trimmed, without a "mailto:".
func withoutMailto(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 7 && strings.EqualFold(v[:7], "mailto:") {
		v = v[7:]
	}
	return v
}
