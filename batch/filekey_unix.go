//go:build unix

package batch

import (
	"os"
	"syscall"
)

// fileKey identifies a file by device and inode.
func fileKey(fi os.FileInfo) (any, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil, false
	}
	return [2]uint64{uint64(st.Dev), st.Ino}, true
}
