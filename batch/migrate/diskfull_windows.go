package migrate

import (
	"errors"
	"syscall"
)

// osDiskFull: Windows says a full disk as ERROR_DISK_FULL (112) or
// ERROR_HANDLE_DISK_FULL (39), which syscall.ENOSPC (a number of Go's
// own there) never matches.
func osDiskFull(err error) bool {
	return errors.Is(err, syscall.Errno(112)) || errors.Is(err, syscall.Errno(39))
}
