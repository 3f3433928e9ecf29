// Package davtest helps tests put calendars on a Radicale server and read
// them back, and act on the requests mms makes.
package davtest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/mms-project/mms/batch/caldav"
	"github.com/mms-project/mms/internal/davserver"
)

// SplitObjects cuts an exported calendar into one calendar per UID, the
// way a CalDAV server stores it: the header (time zones included, METHOD
// left out: RFC 4791 4.1), the events of that UID, END:VCALENDAR. Keys
// are the object names, m00.ics, m01.ics, ... in file order.
func SplitObjects(t testing.TB, data []byte) map[string][]byte {
	t.Helper()
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	var header []string
	var order []string
	events := map[string][]string{}
	var cur []string
	inEvent := false
	for i, l := range lines {
		switch {
		case l == "BEGIN:VEVENT":
			inEvent, cur = true, []string{l}
		case l == "END:VEVENT":
			cur = append(cur, l)
			uid := unfoldedValue(cur, "UID")
			if _, ok := events[uid]; !ok {
				order = append(order, uid)
			}
			events[uid] = append(events[uid], cur...)
			inEvent = false
		case inEvent:
			cur = append(cur, l)
		case l == "END:VCALENDAR":
		case strings.HasPrefix(l, "METHOD:"):
		case len(events) == 0 && i < len(lines):
			header = append(header, l)
		}
	}
	out := map[string][]byte{}
	for i, uid := range order {
		obj := append(append(append([]string{}, header...), events[uid]...), "END:VCALENDAR", "")
		out[fmt.Sprintf("m%02d.ics", i)] = []byte(strings.Join(obj, "\r\n"))
	}
	return out
}

func unfoldedValue(lines []string, name string) string {
	for i, l := range lines {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			for _, c := range lines[i+1:] {
				if !strings.HasPrefix(c, " ") && !strings.HasPrefix(c, "\t") {
					break
				}
				v += c[1:]
			}
			return v
		}
	}
	return ""
}

// Server is a CalDAV server a test puts calendars on as another client
// would: a *davserver.Server of any kind.
type Server interface {
	MakeCalendar(t testing.TB, user, name string) string
	Put(t testing.TB, user, collection, name string, data []byte) string
	Do(t testing.TB, user, method, path, depth, contentType string, body []byte) []byte
	UserURL(user string) string
}

// Calendar makes a calendar for user holding the file's meetings, one
// object each, and returns its URL.
func Calendar(t testing.TB, srv Server, user, name, file string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return CalendarOf(t, srv, user, name, SplitObjects(t, data))
}

// CalendarOf makes a calendar for user holding objs (name -> bytes) and
// returns its URL.
func CalendarOf(t testing.TB, srv Server, user, name string, objs map[string][]byte) string {
	t.Helper()
	coll := srv.MakeCalendar(t, user, name)
	names := make([]string, 0, len(objs))
	for n := range objs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		srv.Put(t, user, coll, n, objs[n])
	}
	return coll
}

// Objects GETs every object of a collection as a plain client
// would: object name -> the server's bytes.
func Objects(t testing.TB, srv Server, user, coll string) map[string]string {
	t.Helper()
	u, err := url.Parse(coll)
	if err != nil {
		t.Fatal(err)
	}
	body := srv.Do(t, user, "PROPFIND", u.Path, "1", "application/xml", []byte(`<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>`))
	out := map[string]string{}
	for _, m := range hrefRE.FindAllStringSubmatch(string(body), -1) {
		href := m[1]
		if !strings.HasSuffix(href, ".ics") {
			continue
		}
		if h, err := url.Parse(href); err == nil {
			href = h.EscapedPath()
		}
		name, _ := url.PathUnescape(href[strings.LastIndexByte(href, '/')+1:])
		out[name] = string(srv.Do(t, user, http.MethodGet, href, "", "", nil))
	}
	return out
}

// hrefRE finds the hrefs of a multistatus answer, whatever its prefix.
var hrefRE = regexp.MustCompile(`<(?:[A-Za-z][A-Za-z0-9]*:)?href(?:\s[^>]*)?>([^<]*)<`)

// Creds are netrc entries for the test server's users.
func Creds(users ...string) caldav.Credentials {
	var creds caldav.Credentials
	for _, u := range users {
		creds.Netrc = append(creds.Netrc, caldav.Machine{Name: "127.0.0.1", Login: u, Password: davserver.Password(u)})
	}
	return creds
}

// NetrcEnv writes a netrc file for the users and returns a Getenv that
// names it, as the command's environment would.
func NetrcEnv(t testing.TB, extra map[string]string, users ...string) func(string) string {
	t.Helper()
	var b bytes.Buffer
	for _, u := range users {
		fmt.Fprintf(&b, "machine 127.0.0.1 login %s password %s\n", u, davserver.Password(u))
	}
	path := t.TempDir() + "/netrc"
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return func(k string) string {
		if k == "NETRC" {
			return path
		}
		return extra[k]
	}
}

// Hook is an http.RoundTripper that runs before(req) ahead of each
// request: the test's way to act on the server between mms's read and
// write, as another client would.
type Hook struct {
	Base   http.RoundTripper
	mu     sync.Mutex
	Before func(req *http.Request)
	// Answer, when it returns an answer, stands in for the server's.
	Answer func(req *http.Request) *http.Response
}

// Set replaces the Hook's Before and Answer while requests may be running.
func (h *Hook) Set(before func(*http.Request), answer func(*http.Request) *http.Response) {
	h.mu.Lock()
	h.Before, h.Answer = before, answer
	h.mu.Unlock()
}

func (h *Hook) RoundTrip(req *http.Request) (*http.Response, error) {
	h.mu.Lock()
	f, a := h.Before, h.Answer
	h.mu.Unlock()
	if f != nil {
		f(req)
	}
	if a != nil {
		if resp := a(req); resp != nil {
			return resp, nil
		}
	}
	return h.Base.RoundTrip(req)
}

// Busy is a 503 answer asking to come back at once.
func Busy(req *http.Request) *http.Response {
	return &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Retry-After": {"0"}}, Body: io.NopCloser(strings.NewReader("Busy")), Request: req}
}
