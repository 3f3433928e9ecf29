package migrate

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
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

// writeAtomic is writeFileAtomic in a directory that exists, with the sync
// optional: an outbox message can be written again from the state store,
// so its rename is enough. The file is made 0666 less the umask: rewritten
// calendars and messages are meant to be shared as the user's other files
// are (only the state store is kept private).
func writeAtomic(path string, data []byte, sync bool) error {
	tmp, err := createTemp(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	renamed := false
	defer func() {
		if !renamed {
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := syncIf(tmp, sync); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	renamed = true
	return nil
}

// createTemp makes a new file TempPrefix + random digits in dir, mode 0666
// less the umask (os.CreateTemp always makes 0600).
func createTemp(dir string) (*os.File, error) {
	var err error
	for range 100 {
		var f *os.File
		f, err = os.OpenFile(filepath.Join(dir, TempPrefix+strconv.FormatUint(rand.Uint64(), 36)), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
	}
	return nil, err
}

func syncIf(f *os.File, sync bool) error {
	if !sync {
		return nil
	}
	return f.Sync()
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
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// cannotWrite reports a write error that trying again cannot fix.
func cannotWrite(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.ENOTDIR) ||
		errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.ENAMETOOLONG) || errors.Is(err, syscall.ELOOP)
}
