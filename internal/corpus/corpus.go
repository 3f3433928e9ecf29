// Package corpus finds the shared corpus of real calendar files for tests.
//
// The corpus lives in ../shared/corpus beside the checkout and is read in
// place, never copied. Where it is absent, tests that need it are skipped
// with a message, except under CI=true, where they fail.
package corpus

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// Dir returns the corpus directory holding README.md and real/.
func Dir(t testing.TB) string {
	t.Helper()
	dir, err := find()
	if err != nil || dir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared corpus not found beside the checkout (../shared/corpus): %v", err)
		}
		t.Skip("shared corpus not found beside the checkout (../shared/corpus); skipping")
	}
	return dir
}

// RealFiles returns the paths of every file in the corpus's real/ folder, sorted.
func RealFiles(t testing.TB) []string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(Dir(t), "real", "*.ics"))
	if err != nil || len(matches) == 0 {
		t.Fatalf("no .ics files in %s/real: %v", Dir(t), err)
	}
	sort.Strings(matches)
	return matches
}

// find walks up from the working directory to the module root (go.mod) and
// looks for ../shared/corpus beside it.
func find() (string, error) {
	if d := os.Getenv("MMS_CORPUS"); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			c := filepath.Join(filepath.Dir(d), "shared", "corpus")
			if _, err := os.Stat(filepath.Join(c, "real")); err != nil {
				return "", err
			}
			return c, nil
		}
		if filepath.Dir(d) == d {
			return "", os.ErrNotExist
		}
	}
}
