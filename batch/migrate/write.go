package migrate

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// writeFileAtomic writes data whole or not at all: a temporary file in the
// same directory, synced to disk, then renamed over the target.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return writeAtomic(path, data, true)
}

// writeAtomic is writeFileAtomic in a directory that exists, with the sync
// optional: an outbox message can be written again from the state store,
// so its rename is enough.
func writeAtomic(path string, data []byte, sync bool) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
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

func syncIf(f *os.File, sync bool) error {
	if !sync {
		return nil
	}
	return f.Sync()
}

// RemoveStaleTemps removes the temporary files a killed process left in
// dir (see writeAtomic) that are older than before.
func RemoveStaleTemps(dir string, before time.Time) error {
	names, err := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	if err != nil {
		return err
	}
	for _, name := range names {
		if info, err := os.Lstat(name); err == nil && info.Mode().IsRegular() && info.ModTime().Before(before) {
			if err := os.Remove(name); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}
	return nil
}
