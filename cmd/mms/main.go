// Command mms migrates the online-meeting block of future meetings when an
// organiser's conferencing details change, and reports every outcome.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"syscall"

	"github.com/mms-project/mms/batch"
	"github.com/mms-project/mms/batch/store"
)

// Exit codes, from the kind of error (see exitCode); the root --help
// lists them (exitCodesHelp).
const (
	exitOK          = 0
	exitInput       = 1 // bad invocation or input (batch.ErrInput), or any other error
	exitUsersFailed = 3 // the batch ran, some users failed or some input rows were not applied
	exitUnavailable = 4 // could not run: state store, server or relay unreachable (batch.ErrUnavailable)
	exitInterrupted = 130
)

// exitCodesHelp documents the exit codes in the root --help.
const exitCodesHelp = "EXIT STATUS:\n" +
	"   0    every triggered user succeeded\n" +
	"   1    bad invocation or input: nothing was started\n" +
	"   3    the batch ran, and some users failed or some input rows were rejected and not applied\n" +
	"        (see the report, whose heading lists the rejected rows, or mms status)\n" +
	"   4    mms could not run: the state store, a CalDAV server or the mail relay was unreachable or refused us;\n" +
	"        run the same command again once it is fixed: the batch resumes\n" +
	"   130  interrupted; run the same command again to finish the batch"

// rollbackExitHelp is exitCodesHelp for mms rollback, which reads no
// input rows.
const rollbackExitHelp = "EXIT STATUS:\n" +
	"   0    every user was restored (or the batch was rolled back already)\n" +
	"   1    bad invocation: no such batch, a dry run, a batch not finished, or nothing it rewrote\n" +
	"   3    the rollback ran, and some users failed (see its report, or mms status --batch ID)\n" +
	"   4    mms could not run: the state store, the outbox or the mail relay was unreachable or refused us;\n" +
	"        run the same command again once it is fixed: the rollback resumes, no update recorded as sent is sent again\n" +
	"   130  interrupted; run the same command again to finish the rollback"

func main() {
	ctx, stop := interruptible(os.Stderr)
	tuneGC()
	stopProfile := record("MMS_CPUPROFILE", pprof.StartCPUProfile, pprof.StopCPUProfile)
	stopTrace := record("MMS_TRACE", trace.Start, trace.Stop)
	err := newApp(os.Stdout, os.Stderr).Run(ctx, os.Args)
	stopTrace()
	stopProfile()
	code := exitCode(ctx, err, os.Stderr) // before stop: stop cancels ctx
	stop()
	os.Exit(code)
}

// interruptible is a context that the first SIGINT or SIGTERM cancels:
// mms then stops taking work and finishes what is in flight (a message
// the relay is taking, a user's outcome). The signal after that ends the
// process at once (exit 130), as a kill would; the batch resumes either
// way.
func interruptible(errOut io.Writer) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-sigs:
			fmt.Fprintln(errOut, "mms: stopping: finishing what is in flight; press Ctrl-C again to stop at once")
			cancel()
		case <-ctx.Done():
			signal.Stop(sigs)
			return
		}
		<-sigs
		fmt.Fprintln(errOut, "mms: stopped at once; run the same command again to finish the batch")
		os.Exit(exitInterrupted)
	}()
	return ctx, cancel
}

// exitCode maps an error to the process's exit status and says why on
// errOut; only main exits.
func exitCode(ctx context.Context, err error, errOut io.Writer) int {
	var failed usersFailedError
	switch {
	case err == nil:
		return exitOK
	case ctx.Err() != nil:
		fmt.Fprintln(errOut, "mms: interrupted; run the same command again to finish the batch")
		return exitInterrupted
	case errors.As(err, &failed), errors.As(err, new(rowsRejectedError)):
		fmt.Fprintln(errOut, "mms:", err)
		return exitUsersFailed
	case errors.Is(err, batch.ErrUnavailable):
		fmt.Fprintln(errOut, "mms:", err)
		sayLocked(errOut, err)
		return exitUnavailable
	case errors.Is(err, batch.ErrInput):
		fmt.Fprintln(errOut, "mms:", err)
		return exitInput
	case store.Unavailable(err): // a command's own write to the store (start, rollback, tenant set)
		fmt.Fprintf(errOut, "mms: the state store refused it: %v; check --db names a store this user can write, that no other process holds it, and that its disk has room, then run the same command again\n", err)
		sayLocked(errOut, err)
		return exitUnavailable
	default: // flags the command line parser refused, and the rest
		fmt.Fprintln(errOut, "mms:", envValueError(err.Error()))
		return exitInput
	}
}

// envParseError is the parser's wording of an MMS_* variable whose value
// its flag cannot take.
var envParseError = regexp.MustCompile(`(?s)^could not parse "(.*)" as ([\w.]+) value from environment variable "(\w+)" for flag ([\w-]+): .*$`)

// envValueError says an MMS_* variable's bad value as a flag's is said
// ("not a whole number"), not in strconv's words.
func envValueError(msg string) string {
	m := envParseError.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	want := "not a value of " + m[2]
	switch m[2] {
	case "int", "int64", "uint", "uint64":
		want = "not a whole number"
	case "bool":
		want = "not true or false (also 1 or 0)"
	case "duration", "time.Duration":
		want = "not a duration like 90s or 10m"
	}
	value := m[1] // as the parser quoted it
	if v, err := strconv.Unquote(`"` + value + `"`); err == nil {
		value = v
	}
	return fmt.Sprintf("%s=%q (the variable of --%s): %s; unset it or see mms --help", m[3], value, m[4], want)
}

// sayLocked explains a SQLite store another process held for longer than
// mms waits.
func sayLocked(errOut io.Writer, err error) {
	if store.Locked(err) {
		fmt.Fprintln(errOut, "mms: another process holds the state store (another mms on the same --db, or a program that opened it, such as sqlite3): run the same command again once it is done; nothing recorded is lost")
	}
}

// record starts a diagnostic that writes to the file the environment
// variable env names (MMS_CPUPROFILE: a CPU profile for go tool pprof;
// MMS_TRACE: an execution trace for go tool trace, to see where workers
// wait) and returns what stops it; nothing when env is unset.
func record(env string, start func(io.Writer) error, stop func()) func() {
	path := os.Getenv(env)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mms: "+env+":", err)
		return func() {}
	}
	if err := start(f); err != nil {
		fmt.Fprintln(os.Stderr, "mms: "+env+":", err)
		return func() { f.Close() }
	}
	return func() { stop(); f.Close() }
}

// usersFailedError says the batch finished but some users failed.
type usersFailedError struct{ failed, total int }

func (e usersFailedError) Error() string {
	return fmt.Sprintf("%d of %d triggered users failed; see the report", e.failed, e.total)
}

// rowsRejectedError says the batch finished but some input rows were
// rejected: what they asked for was not done.
type rowsRejectedError struct{ rows int }

func (e rowsRejectedError) Error() string {
	return fmt.Sprintf("%s rejected (listed above and in the report's heading) and not applied; every other user was processed", counted(e.rows, "input row"))
}
