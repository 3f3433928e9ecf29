// Command mms migrates the online-meeting block of future meetings when an
// organiser's conferencing details change, and reports every outcome.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

// Exit codes.
const (
	exitOK          = 0
	exitInput       = 1 // bad invocation or input
	exitUsersFailed = 3 // the batch ran, some users failed
	exitInterrupted = 130
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	tuneGC()
	stopProfile := startProfile(os.Getenv("MMS_CPUPROFILE"))
	err := newApp(os.Stdout, os.Stderr).Run(ctx, os.Args)
	stopProfile()
	code := exitCode(ctx, err) // before stop: stop cancels ctx
	stop()
	os.Exit(code)
}

// exitCode maps an error to the process's exit status; only main exits.
func exitCode(ctx context.Context, err error) int {
	var failed usersFailedError
	switch {
	case err == nil:
		return exitOK
	case ctx.Err() != nil:
		fmt.Fprintln(os.Stderr, "mms: interrupted; run the same command again to finish the batch")
		return exitInterrupted
	case errors.As(err, &failed):
		fmt.Fprintln(os.Stderr, "mms:", err)
		return exitUsersFailed
	default:
		fmt.Fprintln(os.Stderr, "mms:", err)
		return exitInput
	}
}

// startProfile writes a CPU profile to path (MMS_CPUPROFILE), for
// diagnosing slow batches with go tool pprof.
func startProfile(path string) func() {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mms: MMS_CPUPROFILE:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "mms: MMS_CPUPROFILE:", err)
		return func() { f.Close() }
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// usersFailedError says the batch finished but some users failed.
type usersFailedError struct{ failed, total int }

func (e usersFailedError) Error() string {
	return fmt.Sprintf("%d of %d triggered users failed; see the report", e.failed, e.total)
}
