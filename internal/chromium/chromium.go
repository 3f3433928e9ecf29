// Package chromium opens pages in a real headless Chromium for tests:
// the one scripts/chromium.sh installs, named by MMS_TEST_CHROMIUM.
// Without it a test is skipped with a message, or fails under CI=true.
//
// Each run gets its own profile directory and no network: the pages
// tested are local files that must show without any.
package chromium

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Browser is a Chromium binary.
type Browser struct {
	Path string
}

// Find returns the browser named by MMS_TEST_CHROMIUM; see the package
// comment.
func Find(t testing.TB) *Browser {
	t.Helper()
	p := os.Getenv("MMS_TEST_CHROMIUM")
	if p == "" {
		msg := `no Chromium: MMS_TEST_CHROMIUM is empty; run: eval "$(scripts/chromium.sh)"`
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("MMS_TEST_CHROMIUM=%s: %v", p, err)
	}
	return &Browser{Path: p}
}

// Options of one run.
type Options struct {
	Width, Height int           // window size; 1280x900 when zero
	Budget        time.Duration // virtual time the page's scripts get; 5s when zero
}

// DumpDOM loads url and returns the DOM as the page's scripts left it.
func (b *Browser) DumpDOM(t testing.TB, url string, o Options) string {
	t.Helper()
	out, err := b.run(t, o, "--dump-dom", url)
	if err != nil {
		t.Fatalf("chromium --dump-dom %s: %v", url, err)
	}
	return string(out)
}

// Screenshot loads url and writes a PNG of the window to file.
func (b *Browser) Screenshot(t testing.TB, url, file string, o Options) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.run(t, o, "--screenshot="+abs, "--hide-scrollbars", url); err != nil {
		t.Fatalf("chromium --screenshot %s: %v", url, err)
	}
	if st, err := os.Stat(abs); err != nil || st.Size() == 0 {
		t.Fatalf("chromium wrote no screenshot %s: %v", abs, err)
	}
}

func (b *Browser) run(t testing.TB, o Options, args ...string) ([]byte, error) {
	if o.Width == 0 {
		o.Width, o.Height = 1280, 900
	}
	if o.Budget == 0 {
		o.Budget = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--disable-dev-shm-usage", "--no-proxy-server",
		"--user-data-dir=" + t.TempDir(),
		fmt.Sprintf("--window-size=%d,%d", o.Width, o.Height),
		fmt.Sprintf("--virtual-time-budget=%d", o.Budget.Milliseconds()),
	}
	cmd := exec.CommandContext(ctx, b.Path, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%w\n%s", err, tail(stderr.Bytes(), 2000))
	}
	return stdout.Bytes(), nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
