package davserver

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestStartHelper is run as a child by TestNoServer.
func TestStartHelper(t *testing.T) {
	if os.Getenv("MMS_DAVSERVER_HELPER") != "1" {
		t.Skip("run by TestNoServer")
	}
	Start(t, "xandikos")
}

// Without a server, Start skips the test, except under CI=true, where it
// fails it; either way the message says how to start one.
func TestNoServer(t *testing.T) {
	if _, err := os.Stat("/usr/bin/xandikos"); err != nil {
		t.Skip("xandikos is not installed: the script would install it")
	}
	for _, ci := range []string{"", "true"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStartHelper$", "-test.v")
		cmd.Env = append(os.Environ(), "MMS_DAVSERVER_HELPER=1", "MMS_TEST_XANDIKOS=", "CI="+ci,
			"MMS_XANDIKOS_PORT=not-a-port")
		out, err := cmd.CombinedOutput()
		switch {
		case ci == "true" && (err == nil || !strings.Contains(string(out), "--- FAIL")):
			t.Errorf("CI=true: want a failure, got %v:\n%s", err, out)
		case ci == "" && (err != nil || !strings.Contains(string(out), "--- SKIP")):
			t.Errorf("no CI: want a skip, got %v:\n%s", err, out)
		}
		if !strings.Contains(string(out), "scripts/xandikos.sh start") {
			t.Errorf("the message should say how to start a server:\n%s", out)
		}
	}
}

// Each kind knows where its users' calendars live.
func TestHome(t *testing.T) {
	for kind, want := range map[string]string{
		"radicale": "/alice/",
		"xandikos": "/user/calendars/",
		"davical":  "/caldav.php/alice/",
		"sogo":     "/SOGo/dav/alice/Calendar/",
	} {
		root := map[string]string{"davical": "/caldav.php", "sogo": "/SOGo/dav/"}[kind]
		s := newServer(kind, "http://127.0.0.1:1"+root)
		if got := s.home("alice"); got != want {
			t.Errorf("%s: home = %s, want %s", kind, got, want)
		}
		if got := s.UserURL("alice"); got != "http://alice@127.0.0.1:1"+strings.TrimSuffix(root, "/")+"/" {
			t.Errorf("%s: UserURL = %s", kind, got)
		}
	}
}
