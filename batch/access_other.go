//go:build !unix

package batch

// canWriteIn is not checked here: the write itself says.
func canWriteIn(string) error { return nil }
