//go:build !windows

package migrate

// osDiskFull: elsewhere ENOSPC and EDQUOT say it (see diskFull).
func osDiskFull(error) bool { return false }
