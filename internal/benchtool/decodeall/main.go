// Command decodeall decodes every .ics file under a directory with
// go-ical, the baseline the whole-run benchmark compares mms with.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/emersion/go-ical"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: decodeall DIR")
		os.Exit(2)
	}
	start := time.Now()
	files, events := 0, 0
	err := filepath.WalkDir(os.Args[1], func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".ics" {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		cal, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		files++
		events += len(cal.Events())
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("go-ical decode: %d files, %d events in %.2fs\n", files, events, time.Since(start).Seconds())
}
