// Package cyrus describes the private Cyrus IMAP instance that
// scripts/cyrus.sh starts for the tests of `--send server`: a CalDAV server
// that schedules on the organiser's PUT (RFC 6638), delivering to local
// attendees' Inboxes and calendars and mailing outside attendees (iMIP) to
// an SMTP address the test listens on.
//
// Where MMS_TEST_CYRUS is unset, tests that need the server are skipped
// with a message, except under CI=true, where they fail.
package cyrus

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
)

// Server is the running instance, as scripts/cyrus.sh printed it.
type Server struct {
	URL      string   // http://127.0.0.1:PORT, the CalDAV root
	SMTPAddr string   // host:port Cyrus submits iMIP to (no TLS, no AUTH)
	Domain   string   // the calendar users' mail domain
	Users    []string // calendar users, each with a mailbox and calendars
	Password string   // every user's password
}

// FromEnv reads MMS_TEST_CYRUS and its companions through getenv; ok is
// false when MMS_TEST_CYRUS is unset.
func FromEnv(getenv func(string) string) (s Server, ok bool, err error) {
	s = Server{
		URL:      getenv("MMS_TEST_CYRUS"),
		SMTPAddr: getenv("MMS_TEST_CYRUS_SMTP"),
		Domain:   getenv("MMS_TEST_CYRUS_DOMAIN"),
		Users:    strings.Fields(getenv("MMS_TEST_CYRUS_USERS")),
		Password: getenv("MMS_TEST_CYRUS_PASSWORD"),
	}
	if s.URL == "" {
		return s, false, nil
	}
	if u, err := url.Parse(s.URL); err != nil || u.Scheme != "http" || u.Host == "" {
		return s, true, fmt.Errorf("MMS_TEST_CYRUS %q: want http://127.0.0.1:PORT", s.URL)
	}
	if s.SMTPAddr == "" || s.Domain == "" || len(s.Users) < 2 || s.Password == "" {
		return s, true, fmt.Errorf("MMS_TEST_CYRUS is set but MMS_TEST_CYRUS_SMTP, _DOMAIN, _USERS (2 or more) or _PASSWORD is not; print them again with scripts/cyrus.sh env")
	}
	return s, true, nil
}

// Require returns the server for t, or skips t (fails it under CI=true)
// when none was started.
func Require(t testing.TB) Server {
	t.Helper()
	s, ok, err := FromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		msg := `MMS_TEST_CYRUS is empty; start Cyrus with: eval "$(scripts/cyrus.sh start)"`
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: the scheduling server is required)")
		}
		t.Skip(msg)
	}
	return s
}

// Address is the calendar user address of user.
func (s Server) Address(user string) string { return user + "@" + s.Domain }

// Home is the URL of user's calendar home.
func (s Server) Home(user string) string {
	return strings.TrimSuffix(s.URL, "/") + "/dav/calendars/user/" + url.PathEscape(user) + "/"
}

// Calendar is the URL of user's default calendar collection.
func (s Server) Calendar(user string) string { return s.Home(user) + "Default/" }

// Inbox is the URL of user's scheduling Inbox (RFC 6638).
func (s Server) Inbox(user string) string { return s.Home(user) + "Inbox/" }
