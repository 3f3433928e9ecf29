package radicale

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestStartHelper is run as a child by TestNoServer.
func TestStartHelper(t *testing.T) {
	if os.Getenv("MMS_RADICALE_HELPER") != "1" {
		t.Skip("run by TestNoServer")
	}
	Start(t)
}

// Without a server, Start skips the test, except under CI=true, where it
// fails it.
func TestNoServer(t *testing.T) {
	for _, ci := range []string{"", "true"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStartHelper$", "-test.v")
		cmd.Env = append(os.Environ(), "MMS_RADICALE_HELPER=1", "MMS_TEST_RADICALE=", "CI="+ci,
			"MMS_RADICALE_PORT=not-a-port", "MMS_RADICALE_DIR="+t.TempDir())
		out, err := cmd.CombinedOutput()
		switch {
		case ci == "true" && (err == nil || !strings.Contains(string(out), "--- FAIL")):
			t.Errorf("CI=true: want a failure, got %v:\n%s", err, out)
		case ci == "" && (err != nil || !strings.Contains(string(out), "--- SKIP")):
			t.Errorf("no CI: want a skip, got %v:\n%s", err, out)
		}
		if !strings.Contains(string(out), "scripts/radicale.sh start") {
			t.Errorf("the message should say how to start a server:\n%s", out)
		}
	}
}
