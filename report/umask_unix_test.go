//go:build unix

package report

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Reports are made as the user's umask says (they are meant to be
// shared), not 0600.
func TestReportHonoursUmask(t *testing.T) {
	for _, c := range []struct{ umask, want os.FileMode }{{0o022, 0o644}, {0o002, 0o664}, {0o077, 0o600}} {
		old := syscall.Umask(int(c.umask))
		dir := t.TempDir()
		for _, name := range []string{"r.xlsx", "r.csv", "r.html"} { // r.csv makes r.meetings.csv and r.heading.csv too
			if err := Write(filepath.Join(dir, name), heading, users, meetings); err != nil {
				t.Fatal(err)
			}
		}
		syscall.Umask(old)
		entries, _ := os.ReadDir(dir)
		if len(entries) != 5 {
			t.Errorf("files %v", entries)
		}
		for _, e := range entries {
			info, _ := e.Info()
			if info.Mode().Perm() != c.want {
				t.Errorf("umask %o: %s is %o, want %o", c.umask, e.Name(), info.Mode().Perm(), c.want)
			}
		}
	}
}
