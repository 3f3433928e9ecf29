package migrate

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/store"
)

// A FIFO put in place of a calendar after the run was started is refused
// when the worker opens it, at once and for good, instead of blocking for
// a writer that never comes; so is a folder.
func TestFileCalendarsSpecialFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "a.ics")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	for _, path := range []string{fifo, dir} {
		done := make(chan error, 1)
		go func() {
			_, err := FileCalendars{Dir: t.TempDir()}.Read(context.Background(), path)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !store.IsPermanent(err) || !strings.Contains(err.Error(), "not a regular file") || !strings.Contains(err.Error(), path) {
				t.Errorf("%s: %v, want a Permanent error saying it is not a regular file", path, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("reading %s blocks", path)
		}
	}
}

// A calendar over MaxCalendarFile is refused before it is read.
func TestFileCalendarsTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.ics")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxCalendarFile + 1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	_, err = FileCalendars{Dir: t.TempDir()}.Read(context.Background(), path)
	if err == nil || !store.IsPermanent(err) || !strings.Contains(err.Error(), "over the limit") {
		t.Errorf("%v, want the size limit named", err)
	}
}
