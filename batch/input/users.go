package input

import (
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// User is one row of the users file.
type User struct {
	Line          int
	Email         string   // lower case
	Mailbox       string   // "online" or "onprem"
	Calendar      string   // absolute .ics path, or an http(s) URL
	AudioProvider string   // "microsoft" or a third-party provider's name
	Aliases       []string // lower case
}

// IsACP reports whether a third-party audio-conferencing provider serves
// the user.
func (u User) IsACP() bool { return u.AudioProvider != "microsoft" }

const usersColumns = "user, calendar[, mailbox, audio_provider, aliases]"

// ReadUsers reads the users file. Rows with a problem are left out and
// reported; a row whose user is known reports it, so that user can fail.
func ReadUsers(path string) ([]User, []RowError, error) {
	t, err := readTable(path)
	if err != nil {
		return nil, nil, err
	}
	if err := t.require(usersColumns, "user", "calendar"); err != nil {
		return nil, nil, err
	}
	var users []User
	var errs []RowError
	seen := map[string]int{}
	for _, r := range t.rows {
		u, rerr := parseUser(t.file, r)
		if rerr == nil {
			if first, dup := seen[u.Email]; dup {
				rerr = &RowError{File: t.file, Line: r.line, Column: "user", User: u.Email, Msg: fmt.Sprintf("%s is already listed at line %d; each user appears once", u.Email, first)}
			}
		}
		if rerr != nil {
			errs = append(errs, *rerr)
			continue
		}
		seen[u.Email] = r.line
		users = append(users, u)
	}
	return users, errs, nil
}

func parseUser(file string, r row) (User, *RowError) {
	bad := func(col, user, format string, args ...any) *RowError {
		return &RowError{File: file, Line: r.line, Column: col, User: user, Msg: fmt.Sprintf(format, args...)}
	}
	email, ok := address(r.get("user"))
	if !ok {
		return User{}, bad("user", "", "%q is not an e-mail address like anna@contoso.com", r.get("user"))
	}
	u := User{Line: r.line, Email: email, Mailbox: strings.ToLower(r.get("mailbox")), AudioProvider: strings.ToLower(r.get("audio_provider"))}
	if u.Mailbox == "" {
		u.Mailbox = "online"
	}
	if u.Mailbox != "online" && u.Mailbox != "onprem" {
		return u, bad("mailbox", email, "%q is not a mailbox kind; use online or onprem", r.get("mailbox"))
	}
	if u.AudioProvider == "" {
		u.AudioProvider = "microsoft"
	}
	for _, a := range splitList(r.get("aliases")) {
		alias, ok := address(a)
		if !ok {
			return u, bad("aliases", email, "%q is not an e-mail address; separate aliases with ';'", a)
		}
		u.Aliases = append(u.Aliases, alias)
	}
	cal, err := calendar(filepath.Dir(file), r.get("calendar"), u.Mailbox)
	if err != nil {
		return u, bad("calendar", email, "%v", err)
	}
	u.Calendar = cal
	return u, nil
}

// calendar resolves the calendar cell: a URL, or a file relative to the
// users file.
func calendar(dir, v, mailbox string) (string, error) {
	if v == "" {
		return "", fmt.Errorf("empty; give an .ics file (relative to the users file) or a CalDAV collection URL")
	}
	if strings.HasPrefix(strings.ToLower(v), "http://") || strings.HasPrefix(strings.ToLower(v), "https://") {
		u, err := url.Parse(v)
		if err != nil || u.Host == "" {
			return "", fmt.Errorf("%q is not a valid URL", v)
		}
		if mailbox == "onprem" {
			return "", fmt.Errorf("an onprem mailbox is migrated from an exported .ics file, not from a URL (%s)", v)
		}
		return v, nil
	}
	if strings.Contains(v, "://") {
		return "", fmt.Errorf("%q is neither an .ics file nor an http(s) URL", v)
	}
	path := v
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("file %s not found", path)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a file", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return abs, nil
}

func address(v string) (string, bool) {
	v = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(v, "mailto:"), "MAILTO:"))
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v {
		return "", false
	}
	return strings.ToLower(a.Address), true
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
