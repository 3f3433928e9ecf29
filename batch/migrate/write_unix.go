//go:build unix

package migrate

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// writeAtomic is writeFileAtomic in a directory that exists, with the sync
// optional: an outbox message can be written again from the state store,
// so its rename is enough. The file is made 0666 less the umask: rewritten
// calendars and messages are meant to be shared as the user's other files
// are (only the state store is kept private).
//
// One message is one file, so this is the outbox's hot path: it makes the
// system calls itself (open, write, close, rename), without the poller
// registration of os.OpenFile or the look at the target of os.Rename.
func writeAtomic(path string, data []byte, sync bool) error {
	tmp, fd, err := createTemp(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	err = writeAll(tmp, fd, data)
	if err == nil && sync {
		err = ignoringEINTR(func() error { return syscall.Fsync(fd) })
		if err != nil {
			err = &fs.PathError{Op: "sync", Path: tmp, Err: err}
		}
	}
	if cerr := syscall.Close(fd); err == nil && cerr != nil {
		err = &fs.PathError{Op: "close", Path: tmp, Err: cerr}
	}
	if err == nil {
		err = rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// writeAll writes data to fd, named name, whole.
func writeAll(name string, fd int, data []byte) error {
	for len(data) > 0 {
		n, err := syscall.Write(fd, data)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return &fs.PathError{Op: "write", Path: name, Err: err}
		case n == 0:
			return &fs.PathError{Op: "write", Path: name, Err: io.ErrShortWrite}
		}
		data = data[n:]
	}
	return nil
}

// rename renames a file we made over path. Where the kernel refuses (a
// directory in the way), os.Rename says why as it always has.
func rename(from, to string) error {
	err := ignoringEINTR(func() error { return syscall.Rename(from, to) })
	if err == nil {
		return nil
	}
	if errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.EEXIST) || errors.Is(err, syscall.ENOTEMPTY) {
		return os.Rename(from, to)
	}
	return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
}

// createTemp makes a new file TempPrefix + random digits in dir, mode 0666
// less the umask (os.CreateTemp always makes 0600), and returns its name
// and descriptor.
func createTemp(dir string) (string, int, error) {
	var err error
	for range 100 {
		name := filepath.Join(dir, TempPrefix+strconv.FormatUint(rand.Uint64(), 36))
		var fd int
		err = ignoringEINTR(func() error {
			var err error
			fd, err = syscall.Open(name, syscall.O_RDWR|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, 0o666)
			return err
		})
		if err == nil {
			return name, fd, nil
		}
		err = &fs.PathError{Op: "open", Path: name, Err: err}
		if !errors.Is(err, fs.ErrExist) {
			return "", -1, err
		}
	}
	return "", -1, err
}

// ignoringEINTR calls fn again while a signal interrupts it.
func ignoringEINTR(fn func() error) error {
	for {
		if err := fn(); err != syscall.EINTR {
			return err
		}
	}
}
