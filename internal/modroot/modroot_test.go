package modroot

import (
	"os"
	"path/filepath"
	"testing"
)

// From a package's folder, Dir finds the folder of go.mod two levels up.
func TestDir(t *testing.T) {
	d, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if want := filepath.Dir(filepath.Dir(wd)); d != want {
		t.Errorf("Dir() = %s, want %s", d, want)
	}
	if _, err := os.Stat(filepath.Join(d, "go.mod")); err != nil {
		t.Error(err)
	}
}
