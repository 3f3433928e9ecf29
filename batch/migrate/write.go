package migrate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// TempPrefix starts the name of every temporary file mms writes beside an
// output (a rewritten calendar, an outbox message): a pattern unmistakably
// its own, so that RemoveStaleTemps never touches a file of the user's.
const TempPrefix = ".mms-tmp-"

// writeFileAtomic writes data whole or not at all: a temporary file in the
// same directory, synced to disk, then renamed over the target.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return localError(fmt.Errorf("write %s: %w", path, err))
	}
	return localError(writeAtomic(path, data, true))
}

// RemoveStaleTemps removes the temporary files a killed process left in
// dir (see writeAtomic) that are older than before: regular files named
// TempPrefix..., and nothing else.
func RemoveStaleTemps(dir string, before time.Time) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil // no folder: nothing of ours in it
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), TempPrefix) {
			continue
		}
		name := filepath.Join(dir, e.Name())
		if info, err := os.Lstat(name); err == nil && info.Mode().IsRegular() && info.ModTime().Before(before) {
			if err := os.Remove(name); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}
	return nil
}

// localError marks a local write error that no retry can fix: a read-only
// file system or folder, a path through a file, a name too long. The
// meetings it touches fail at once, rather than the user being tried again
// for minutes. A full disk stops the run instead (every user would meet
// it): the same command resumes once space is freed.
func localError(err error) error {
	switch {
	case diskFull(err):
		return runStop{fmt.Errorf("%w; free some space and run the same command again to resume", err)}
	case cannotWrite(err):
		return Permanent(err)
	}
	return err
}

func diskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || osDiskFull(err)
}

// cannotWrite reports a write error that trying again cannot fix.
func cannotWrite(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.ENOTDIR) ||
		errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.ENAMETOOLONG) || errors.Is(err, syscall.ELOOP)
}
