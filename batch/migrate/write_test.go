package migrate

import (
	"os"
	"path/filepath"
	"testing"
)

// A new file and a file written again both end whole, readable by their
// owner only, with no temporary file left beside them.
func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.eml")
	for _, content := range []string{"first", "second, longer than the first"} {
		for _, sync := range []bool{false, true} {
			if err := writeAtomic(path, []byte(content), sync); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(path); string(got) != content {
				t.Fatalf("file holds %q, want %q", got, content)
			}
			if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, %v", info.Mode(), err)
			}
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d entries, want only a.eml", len(entries))
	}
	if err := writeAtomic(filepath.Join(dir, "no such dir", "b.eml"), []byte("x"), false); err == nil {
		t.Error("a file written into a missing directory")
	}
}
