// Package modroot finds the module's root directory from a test's working
// directory, where the scripts that start the test servers live.
package modroot

import (
	"fmt"
	"os"
	"path/filepath"
)

// Dir returns the nearest directory at or above the working directory
// that holds go.mod.
func Dir() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		d = filepath.Dir(d)
	}
}
