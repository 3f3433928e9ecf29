// Package radicale gives tests a real Radicale CalDAV server, the one
// scripts/radicale.sh runs, and puts calendars and objects on it the way
// another client would (plain HTTP, nothing from package caldav).
//
// Start uses the server named by MMS_TEST_RADICALE (scripts/test.sh
// exports it); otherwise it starts a private one with the script and
// stops it when the test ends. When no server can be had the test is
// skipped with a message, or fails under CI=true. Users are those of the
// script: alice, bob, carol, dave, erin (own calendars) and mms (all
// calendars), with password Password(user).
//
// Radicale re-serializes what it stores: compare what it returns before
// and after a change, never the bytes that were sent.
package radicale

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

	"github.com/mms-project/mms/internal/modroot"
)

// Server is a running Radicale.
type Server struct {
	URL string // http://127.0.0.1:PORT, no user
}

// Password is the password of a user of the test server.
func Password(user string) string { return "pw-" + user }

// Start returns a server for the test; see the package comment.
func Start(t testing.TB) *Server {
	t.Helper()
	if u := os.Getenv("MMS_TEST_RADICALE"); u != "" {
		return &Server{URL: strings.TrimSuffix(u, "/")}
	}
	u, err := startScript(t)
	if err != nil {
		msg := fmt.Sprintf("no Radicale: MMS_TEST_RADICALE is empty and scripts/radicale.sh start failed: %v\n"+
			`start one with: eval "$(scripts/radicale.sh start)"`, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return &Server{URL: u}
}

// startScript runs scripts/radicale.sh start in a private directory and
// registers its stop.
func startScript(t testing.TB) (string, error) {
	root, err := modroot.Dir()
	if err != nil {
		return "", err
	}
	script := filepath.Join(root, "scripts", "radicale.sh")
	dir := t.TempDir()
	env := append(os.Environ(), "MMS_RADICALE_DIR="+filepath.Join(dir, "radicale"))
	cmd := exec.Command(script, "start")
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	t.Cleanup(func() {
		stop := exec.Command(script, "stop")
		stop.Env = env
		stop.Run()
	})
	line := strings.TrimSpace(string(out))
	u, ok := strings.CutPrefix(line, "export MMS_TEST_RADICALE=")
	if !ok {
		return "", fmt.Errorf("unexpected output %q", line)
	}
	return u, nil
}

// UserURL is the server root with the user name in it
// (http://alice@127.0.0.1:PORT/), as a users file would give it.
func (s *Server) UserURL(user string) string {
	u, _ := url.Parse(s.URL + "/")
	u.User = url.User(user)
	return u.String()
}

// MakeCalendar creates a new, empty event calendar for user, its name
// made unique so that reruns against one server never collide, and
// returns its URL (with the user name). It is deleted when the test ends.
func (s *Server) MakeCalendar(t testing.TB, user, name string) string {
	t.Helper()
	var b [4]byte
	rand.Read(b[:])
	name += "-" + hex.EncodeToString(b[:])
	s.Do(t, user, "PROPFIND", "/"+user+"/", "0", "", nil) // creates the principal collection
	body := `<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">` +
		`<D:set><D:prop><D:displayname>` + name + `</D:displayname><C:supported-calendar-component-set>` +
		`<C:comp name="VEVENT"/></C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>`
	path := "/" + user + "/" + name + "/"
	s.Do(t, user, "MKCALENDAR", path, "", "application/xml", []byte(body))
	t.Cleanup(func() { s.Do(t, user, http.MethodDelete, path, "", "", nil) })
	return strings.TrimSuffix(s.UserURL(user), "/") + path
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

// Do sends one request as user and fails the test on an answer of 400 or
// more; it returns the body.
func (s *Server) Do(t testing.TB, user, method, path, depth, contentType string, body []byte) []byte {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, Password(user))
	if depth != "" {
		req.Header.Set("Depth", depth)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("radicale: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 {
		t.Fatalf("radicale: %s %s as %s: %s: %s", method, path, user, resp.Status, data)
	}
	return data
}
