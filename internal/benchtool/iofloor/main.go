// Command iofloor measures the whole-run benchmark's I/O floor: copying
// every input calendar to an output directory, and writing as many small
// files as a run's outbox holds (each whole: a temporary name, then a
// rename, as mms writes a message). No run can write its outputs faster.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: iofloor INDIR OUTDIR MESSAGES BYTES")
		os.Exit(2)
	}
	n, err1 := strconv.Atoi(os.Args[3])
	size, err2 := strconv.Atoi(os.Args[4])
	if err1 != nil || err2 != nil || n < 0 || size < 0 {
		fmt.Fprintln(os.Stderr, "iofloor: MESSAGES and BYTES are counts")
		os.Exit(2)
	}
	start := time.Now()
	files, err := copyAll(os.Args[1], filepath.Join(os.Args[2], "calendars"))
	copied := time.Since(start)
	if err == nil {
		err = writeMany(filepath.Join(os.Args[2], "outbox"), n, size)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("I/O floor: %d calendars copied in %.2fs, %d files of %d bytes written in %.2fs\n",
		files, copied.Seconds(), n, size, (time.Since(start) - copied).Seconds())
}

// copyAll copies every .ics file under in to out.
func copyAll(in, out string) (int, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return 0, err
	}
	files := 0
	err := filepath.WalkDir(in, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".ics" {
			return err
		}
		files++
		return copyFile(p, filepath.Join(out, filepath.Base(p)))
	})
	return files, err
}

func copyFile(from, to string) error {
	r, err := os.Open(from)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// writeMany writes n files of size bytes, each to a temporary name first.
func writeMany(dir string, n, size int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	body := make([]byte, size)
	for i := range n {
		name := filepath.Join(dir, fmt.Sprintf("m%07d.eml", i))
		tmp := filepath.Join(dir, fmt.Sprintf(".mms-tmp-m%07d", i))
		if err := os.WriteFile(tmp, body, 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, name); err != nil {
			return err
		}
	}
	return nil
}
