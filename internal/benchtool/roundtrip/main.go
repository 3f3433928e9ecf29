// Command roundtrip is the whole-run benchmark's baseline: it decodes every
// .ics file under a directory with go-ical, encodes it again and writes it
// to an output directory, on all cores. It does less than mms (no rules,
// no state, no mail, no report), so mms's time over it is the cost of the
// rest of the job.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-ical"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: roundtrip INDIR OUTDIR")
		os.Exit(2)
	}
	start := time.Now()
	files, err := list(os.Args[1])
	if err == nil {
		err = os.MkdirAll(os.Args[2], 0o755)
	}
	var events atomic.Int64
	if err == nil {
		err = run(files, os.Args[2], &events)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("go-ical round trip on %d cores: %d files, %d events in %.2fs\n",
		runtime.GOMAXPROCS(0), len(files), events.Load(), time.Since(start).Seconds())
}

// list returns every .ics file under dir.
func list(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".ics" {
			files = append(files, p)
		}
		return err
	})
	return files, err
}

// run round-trips the files on GOMAXPROCS goroutines; the first error wins.
func run(files []string, out string, events *atomic.Int64) error {
	next := make(chan string)
	errs := make(chan error, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				n, err := roundTrip(p, filepath.Join(out, filepath.Base(p)))
				if err != nil {
					errs <- err
					return
				}
				events.Add(int64(n))
			}
		}()
	}
	go func() {
		defer close(next)
		for _, p := range files {
			next <- p
		}
	}()
	wg.Wait()
	close(errs)
	return <-errs
}

// roundTrip decodes, encodes and writes one calendar.
func roundTrip(in, out string) (int, error) {
	data, err := os.ReadFile(in)
	if err != nil {
		return 0, err
	}
	cal, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", in, err)
	}
	var buf bytes.Buffer
	buf.Grow(len(data))
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return 0, fmt.Errorf("%s: %w", in, err)
	}
	return len(cal.Events()), os.WriteFile(out, buf.Bytes(), 0o644)
}
