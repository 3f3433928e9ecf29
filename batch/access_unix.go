//go:build unix

package batch

import "golang.org/x/sys/unix"

// canWriteIn reports whether this process may make files in dir.
func canWriteIn(dir string) error { return unix.Access(dir, unix.W_OK|unix.X_OK) }
