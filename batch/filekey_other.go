//go:build !unix

package batch

import "os"

// fileKey is unknown here: inputs are told apart by path only.
func fileKey(os.FileInfo) (any, bool) { return nil, false }
