package migrate

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/store"
)

// A new file and a file written again both end whole, made 0666 less the
// umask (outputs are meant to be shared), with no temporary file left
// beside them.
func TestWriteAtomic(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0o027))
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
			if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o640 {
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

// Only the temporary files mms made (TempPrefix) are removed as stale; a
// user's own hidden .foo.tmp, a newer temporary file and a directory of
// that name stay.
func TestRemoveStaleTemps(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-time.Hour)
	make := func(name string, mtime time.Time) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return path
	}
	stale := make(TempPrefix+"abc", old)
	mine := []string{make(".notes.ics.tmp", old), make(".x.123.tmp", old), make("a.ics", old), make(TempPrefix+"new", time.Now().Add(time.Hour))}
	if err := os.Mkdir(filepath.Join(dir, TempPrefix+"dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := RemoveStaleTemps(dir, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(stale); !os.IsNotExist(err) {
		t.Errorf("%s left behind (%v)", stale, err)
	}
	for _, path := range append(mine, filepath.Join(dir, TempPrefix+"dir")) {
		if _, err := os.Lstat(path); err != nil {
			t.Errorf("%s removed: %v", path, err)
		}
	}
	if err := RemoveStaleTemps(filepath.Join(dir, "missing"), time.Now()); err != nil {
		t.Errorf("a missing folder: %v", err)
	}
}

// The temporary file beside an output is named with TempPrefix, so that
// RemoveStaleTemps knows it for mms's own.
func TestWriteAtomicTempName(t *testing.T) {
	dir := t.TempDir()
	name, fd, err := createTemp(dir)
	if err != nil {
		t.Fatal(err)
	}
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
	if errno != 0 || flags&syscall.FD_CLOEXEC == 0 {
		t.Errorf("descriptor flags %#x, %v: want close-on-exec", flags, errno)
	}
	syscall.Close(fd)
	if base := filepath.Base(name); !strings.HasPrefix(base, TempPrefix) {
		t.Errorf("temporary file %s, want the prefix %s", base, TempPrefix)
	}
}

// A directory where a file is to be written fails the write as os.Rename
// says it (the same error as before writeAtomic made its own system calls),
// leaves the directory and no temporary file; an error names the path.
func TestWriteAtomicOverDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.eml")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "b")
	if err := os.WriteFile(tmp, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	var want *os.LinkError
	if !errors.As(os.Rename(tmp, path), &want) {
		t.Fatal("os.Rename put a file over a directory")
	}
	err := writeAtomic(path, []byte("message"), false)
	if err == nil || !errors.Is(err, want.Err) || !strings.Contains(err.Error(), path) {
		t.Errorf("writing over a directory: %v; os.Rename says %v", err, want)
	}
	if info, err := os.Stat(path); err != nil || !info.IsDir() {
		t.Errorf("the directory is gone: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("%d entries, want the directory and b: a temporary file left", len(entries))
	}
}

// Write errors no retry can fix are Permanent at once; a full disk stops
// the run; anything else is left to the retries.
func TestLocalErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	long := filepath.Join(dir, strings.Repeat("a", 300)+".eml")
	for name, path := range map[string]string{"a file as folder": filepath.Join(file, "x.ics"), "a name too long": long} {
		err := writeFileAtomic(path, []byte("x"))
		if err == nil || !store.IsPermanent(err) || StopsRun(err) {
			t.Errorf("%s: %v, want a Permanent error", name, err)
		}
		if err != nil && !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v does not name %s", name, err, path)
		}
	}
	if os.Getuid() != 0 {
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		if err := writeFileAtomic(filepath.Join(ro, "x.ics"), []byte("x")); err == nil || !store.IsPermanent(err) {
			t.Errorf("a read-only folder: %v, want a Permanent error", err)
		}
	}
	// What the file system answers for a read-only --out (EROFS, or EACCES
	// for a folder without write permission, which root does not meet).
	for _, errno := range []syscall.Errno{syscall.EROFS, syscall.EACCES, syscall.EPERM, syscall.ENOTDIR, syscall.EISDIR, syscall.ENAMETOOLONG} {
		if err := localError(&os.PathError{Op: "open", Path: "x", Err: errno}); !store.IsPermanent(err) || StopsRun(err) {
			t.Errorf("%v: %v, want a Permanent error", errno, err)
		}
	}
	full := localError(&os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC})
	if !StopsRun(full) || !errors.Is(full, syscall.ENOSPC) {
		t.Errorf("a full disk: %v, want it to stop the run", full)
	}
	if other := localError(errors.New("flaky")); store.IsPermanent(other) || StopsRun(other) {
		t.Errorf("an unknown error: %v marked", other)
	}
}
