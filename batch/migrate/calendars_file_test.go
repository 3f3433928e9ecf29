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

// readUpTo reads a whole input whatever size it guessed, and no more than
// its limit.
func TestReadUpTo(t *testing.T) {
	src := strings.Repeat("BEGIN:VEVENT\r\n", 1000)
	for _, tc := range []struct{ size, limit, want int }{
		{len(src), len(src) + 1, len(src)},       // the size the file had
		{10, len(src) + 1, len(src)},             // it grew since
		{len(src) + 512, len(src) + 1, len(src)}, // it shrank
		{len(src), 100, 100},                     // over the limit: limit bytes, the caller refuses it
		{0, 5000, 5000},
	} {
		got, err := readUpTo(strings.NewReader(src), tc.size, tc.limit)
		if err != nil || len(got) != tc.want || string(got) != src[:tc.want] {
			t.Errorf("size %d limit %d: %d bytes, %v; want %d", tc.size, tc.limit, len(got), err, tc.want)
		}
	}
}
