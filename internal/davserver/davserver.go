// Package davserver gives tests a real CalDAV server of each kind people
// run (Radicale, Xandikos, DAViCal, SOGo), the ones scripts/radicale.sh,
// scripts/xandikos.sh, scripts/davical.sh and scripts/sogo.sh run, and
// puts calendars and objects on it the way another client would (plain
// HTTP, nothing from package caldav), so that one conformance suite runs
// against all of them.
//
// Start uses the server named by the kind's environment variable
// (MMS_TEST_RADICALE, MMS_TEST_XANDIKOS, MMS_TEST_DAVICAL, MMS_TEST_SOGO;
// scripts/test.sh exports them); otherwise it starts a private one with
// the script and stops it when the test ends. When no server can be had
// the test is skipped with a message, or fails under CI=true. Users are
// alice, bob, carol, dave, erin and mms, with password Password(user).
//
// Servers other than DAViCal re-serialise what they store: compare what
// they return before and after a change, never the bytes that were sent.
package davserver

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/internal/modroot"
)

// Kinds are the servers the conformance suite runs against.
var Kinds = []string{"radicale", "xandikos", "davical", "sogo"}

// Server is a running CalDAV server.
type Server struct {
	Kind string
	URL  string // the DAV root, no user, no trailing slash: http://127.0.0.1:PORT[/caldav.php|/SOGo/dav]
	// Auth: the server checks passwords and keeps users' calendars apart
	// (Xandikos has one principal and no authentication).
	Auth bool
	// HidesOthers: someone else's calendar is 404, not 403 (SOGo).
	HidesOthers bool
	// OthersRead: users may read each other's calendars (DAViCal as
	// scripts/davical.sh makes its users: DAViCal's default privileges).
	OthersRead bool
	// StoresNull: the server may acknowledge a write and store "(null)"
	// (SOGo 5.8, with characters outside the BMP at a fold).
	StoresNull bool
	// Reorders: the server re-serialises an object in a different
	// property order on each store (SOGo): compare lines as a set.
	Reorders bool
	// WellKnown: /.well-known/caldav on the server root leads to the
	// user's principal.
	WellKnown bool

	origin string // scheme://host:port
}

// Password is the password of a user of the test servers.
func Password(user string) string { return "pw-" + user }

// Start returns a server of kind for the test; see the package comment.
func Start(t testing.TB, kind string) *Server {
	t.Helper()
	env := "MMS_TEST_" + strings.ToUpper(kind)
	if u := os.Getenv(env); u != "" {
		return newServer(kind, u)
	}
	u, err := startScript(t, kind, env)
	if err != nil {
		msg := fmt.Sprintf("no %s: %s is empty and scripts/%s.sh start failed: %v\n"+
			`start one with: eval "$(scripts/%s.sh start)"`, kind, env, kind, err, kind)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return newServer(kind, u)
}

func newServer(kind, u string) *Server {
	s := &Server{Kind: kind, URL: strings.TrimSuffix(u, "/"), Auth: true}
	p, _ := url.Parse(s.URL)
	s.origin = p.Scheme + "://" + p.Host
	switch kind {
	case "radicale":
		s.WellKnown = true
	case "xandikos":
		s.Auth = false
	case "davical":
		s.OthersRead = true
	case "sogo":
		s.HidesOthers, s.Reorders, s.StoresNull = true, true, true
	}
	return s
}

// startScript runs scripts/<kind>.sh start in a private directory and
// registers its stop. The directory is outside the test's own temporary
// one: the servers' users (postgres, www-data, sogo) must reach it.
func startScript(t testing.TB, kind, env string) (string, error) {
	root, err := modroot.Dir()
	if err != nil {
		return "", err
	}
	script := filepath.Join(root, "scripts", kind+".sh")
	dir, err := os.MkdirTemp("", "mms-"+kind+"-")
	if err != nil {
		return "", err
	}
	os.Chmod(dir, 0o755)
	envs := append(os.Environ(), "MMS_"+strings.ToUpper(kind)+"_DIR="+filepath.Join(dir, "server"))
	cmd := exec.Command(script, "start")
	cmd.Env = envs
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	stop := func() {
		s := exec.Command(script, "stop")
		s.Env = envs
		s.Run()
		os.RemoveAll(dir)
	}
	if err != nil {
		stop()
		return "", fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	t.Cleanup(stop)
	line := strings.TrimSpace(string(out))
	u, ok := strings.CutPrefix(line, "export "+env+"=")
	if !ok {
		return "", fmt.Errorf("unexpected output %q", line)
	}
	return u, nil
}

// UserURL is the DAV root with the user name in it
// (http://alice@127.0.0.1:PORT/SOGo/dav/), as a users file would give it.
func (s *Server) UserURL(user string) string {
	u, _ := url.Parse(s.URL + "/")
	u.User = url.User(user)
	return u.String()
}

// home is the path under which user's calendars are made.
func (s *Server) home(user string) string {
	root, _ := url.Parse(s.URL)
	switch s.Kind {
	case "xandikos":
		return "/user/calendars/" // one principal for everyone
	case "sogo":
		return root.Path + "/" + user + "/Calendar/"
	default:
		return root.Path + "/" + user + "/"
	}
}

// MakeCalendar creates a new, empty event calendar for user, its name
// made unique so that reruns against one server never collide, and
// returns its URL (with the user name). It is deleted when the test ends.
func (s *Server) MakeCalendar(t testing.TB, user, name string) string {
	t.Helper()
	var b [4]byte
	rand.Read(b[:])
	name += "-" + hex.EncodeToString(b[:])
	if s.Kind == "radicale" {
		s.Do(t, user, "PROPFIND", s.home(user), "0", "", nil) // creates the principal collection
	}
	body := `<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">` +
		`<D:set><D:prop><D:displayname>` + name + `</D:displayname><C:supported-calendar-component-set>` +
		`<C:comp name="VEVENT"/></C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>`
	path := s.home(user) + name + "/"
	s.Do(t, user, "MKCALENDAR", path, "", "application/xml", []byte(body))
	t.Cleanup(func() { s.Do(t, user, http.MethodDelete, path, "", "", nil) })
	u, _ := url.Parse(s.origin + path)
	u.User = url.User(user)
	return u.String()
}

// Put stores data as object name in collection without any condition,
// as someone else's client would, and returns the object's URL.
func (s *Server) Put(t testing.TB, user, collection, name string, data []byte) string {
	t.Helper()
	u, err := url.Parse(collection)
	if err != nil {
		t.Fatal(err)
	}
	path := strings.TrimSuffix(u.Path, "/") + "/" + name
	s.Do(t, user, http.MethodPut, path, "", "text/calendar; charset=utf-8", data)
	return strings.TrimSuffix(collection, "/") + "/" + name
}

// Load puts each fixture file into collection under its base name.
func (s *Server) Load(t testing.TB, user, collection string, files ...string) {
	t.Helper()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s.Put(t, user, collection, filepath.Base(f), data)
	}
}

// Do sends one request as user to path (absolute on the server) and
// fails the test on an answer of 400 or more; it returns the body.
// A request the connection dropped (sogod resets some) or the server
// failed (DAViCal answers an odd seeding PUT with 500 "DAViCal Fatal
// Error") is sent again, up to three times: the test's requests are
// unconditional, so repeating one is harmless.
func (s *Server) Do(t testing.TB, user, method, path, depth, contentType string, body []byte) []byte {
	t.Helper()
	var resp *http.Response
	var err error
	for try := 1; try <= 3; try++ {
		req, rerr := http.NewRequest(method, s.origin+path, bytes.NewReader(body))
		if rerr != nil {
			t.Fatal(rerr)
		}
		req.SetBasicAuth(user, Password(user))
		req.Close = true // sogod closes connections without saying so
		if depth != "" {
			req.Header.Set("Depth", depth)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if resp, err = http.DefaultClient.Do(req); err == nil && (resp.StatusCode < 500 || try == 3) {
			break
		}
		if err == nil {
			resp.Body.Close()
		}
		time.Sleep(time.Duration(try) * 100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("%s: %s %s: %v", s.Kind, method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 400 {
		t.Fatalf("%s: %s %s as %s: %s: %s", s.Kind, method, path, user, resp.Status, data)
	}
	return data
}
