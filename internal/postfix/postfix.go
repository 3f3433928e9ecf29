// Package postfix gives tests a real Postfix relay, the one
// scripts/postfix.sh runs, and reads what it delivered.
//
// Start uses the relay named by MMS_TEST_POSTFIX and its companions
// (scripts/test.sh exports them); otherwise it starts a private one with
// the script and stops it when the test ends. When no relay can be had
// the test is skipped with a message, or fails under CI=true.
//
// The relay offers STARTTLS with a certificate for 127.0.0.1, localhost
// and TLSName signed by the CA in CAFile, AUTH PLAIN over TLS for User,
// SMTPUTF8 and 8BITMIME, and delivers every recipient of every domain
// into one Maildir, except reject@ANY (refused with 550) and tempfail@ANY
// (deferred with 450). The Maildir is shared by every test using the
// relay: give each test its own recipients (Tag makes a unique domain)
// and count by recipient.
package postfix

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/internal/modroot"
)

// Server is a running Postfix relay.
type Server struct {
	URL      string // smtp://127.0.0.1:PORT
	Addr     string // 127.0.0.1:PORT
	CAFile   string // PEM of the CA that signed the relay's certificate
	TLSName  string // a DNS name on the certificate other than localhost
	Maildir  string // where every recipient's copy lands
	User     string // the SASL account
	Password string
}

// envNames maps the script's variables to the Server's fields.
var envNames = []string{"MMS_TEST_POSTFIX", "MMS_TEST_POSTFIX_CA", "MMS_TEST_POSTFIX_TLS_NAME",
	"MMS_TEST_POSTFIX_MAILDIR", "MMS_TEST_POSTFIX_USER", "MMS_TEST_POSTFIX_PASSWORD"}

// Start returns a relay for the test; see the package comment.
func Start(t testing.TB) *Server {
	t.Helper()
	if os.Getenv("MMS_TEST_POSTFIX") != "" {
		s, err := fromEnv(os.Getenv)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s, err := startScript(t)
	if err != nil {
		msg := fmt.Sprintf("no Postfix: MMS_TEST_POSTFIX is empty and scripts/postfix.sh start failed: %v\n"+
			`start one with (as root): eval "$(scripts/postfix.sh start)"`, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return s
}

func fromEnv(getenv func(string) string) (*Server, error) {
	v := make([]string, len(envNames))
	for i, n := range envNames {
		if v[i] = getenv(n); v[i] == "" {
			return nil, fmt.Errorf("MMS_TEST_POSTFIX is set but %s is empty; set all of %s as scripts/postfix.sh start prints them",
				n, strings.Join(envNames, " "))
		}
	}
	addr, ok := strings.CutPrefix(v[0], "smtp://")
	if !ok {
		return nil, fmt.Errorf("MMS_TEST_POSTFIX=%q: want smtp://127.0.0.1:PORT", v[0])
	}
	return &Server{URL: v[0], Addr: strings.TrimSuffix(addr, "/"), CAFile: v[1], TLSName: v[2], Maildir: v[3], User: v[4], Password: v[5]}, nil
}

// startScript runs scripts/postfix.sh start in a private directory and
// registers its stop.
func startScript(t testing.TB) (*Server, error) {
	root, err := modroot.Dir()
	if err != nil {
		return nil, err
	}
	script := filepath.Join(root, "scripts", "postfix.sh")
	// Not t.TempDir: Postfix's daemons (user postfix) must reach the
	// directory, and a test's temporary directory is private to root.
	dir, err := os.MkdirTemp("", "mms-postfix-")
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	env := append(os.Environ(), "MMS_POSTFIX_DIR="+filepath.Join(dir, "postfix"))
	cmd := exec.Command(script, "start")
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	t.Cleanup(func() {
		stop := exec.Command(script, "stop")
		stop.Env = env
		stop.Run()
		os.RemoveAll(dir)
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	vars, err := parseExports(out)
	if err != nil {
		return nil, err
	}
	return fromEnv(func(k string) string { return vars[k] })
}

// parseExports reads the script's export NAME='VALUE' lines.
func parseExports(out []byte) (map[string]string, error) {
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "export ")
		k, v, ok2 := strings.Cut(line, "=")
		if !ok || !ok2 {
			return nil, fmt.Errorf("scripts/postfix.sh start: unexpected line %q", sc.Text())
		}
		vars[k] = strings.Trim(v, "'")
	}
	return vars, sc.Err()
}

// Tag is a fresh domain for one test's recipients, so that tests sharing
// the relay's Maildir, and reruns, never count each other's mail.
func Tag(t testing.TB) string {
	var b [6]byte
	rand.Read(b[:])
	return "t" + hex.EncodeToString(b[:]) + ".example"
}

// Mail is one delivered copy: one recipient's file in the Maildir.
type Mail struct {
	File   string
	To     string // its Delivered-To, the envelope recipient
	Header mail.Header
}

// Delivered reads every copy in the Maildir addressed to a recipient in
// domain (compared without regard to case).
func (s *Server) Delivered(t testing.TB, domain string) []Mail {
	t.Helper()
	var out []Mail
	for _, sub := range []string{"new", "cur"} {
		files, err := os.ReadDir(filepath.Join(s.Maildir, sub))
		if err != nil && !os.IsNotExist(err) {
			t.Fatalf("postfix Maildir: %v", err)
		}
		for _, f := range files {
			m, err := readMail(filepath.Join(s.Maildir, sub, f.Name()))
			if err != nil {
				t.Fatalf("postfix Maildir: %v", err)
			}
			if strings.HasSuffix(strings.ToLower(m.To), "@"+strings.ToLower(domain)) {
				out = append(out, m)
			}
		}
	}
	return out
}

func readMail(file string) (Mail, error) {
	f, err := os.Open(file)
	if err != nil {
		return Mail{}, err
	}
	defer f.Close()
	msg, err := mail.ReadMessage(bufio.NewReader(f))
	if err != nil {
		return Mail{}, fmt.Errorf("%s: %w", file, err)
	}
	return Mail{File: file, To: msg.Header.Get("Delivered-To"), Header: msg.Header}, nil
}

// Wait polls the Maildir until n copies for domain have arrived, then
// waits settle longer so that a copy too many would show, and returns
// what is there. It fails the test when fewer than n arrive within
// timeout.
func (s *Server) Wait(t testing.TB, domain string, n int, timeout, settle time.Duration) []Mail {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := s.Delivered(t, domain)
		if len(got) >= n {
			time.Sleep(settle)
			return s.Delivered(t, domain)
		}
		if time.Now().After(deadline) {
			t.Fatalf("postfix: %d of %d copies for @%s arrived in %v", len(got), n, domain, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
