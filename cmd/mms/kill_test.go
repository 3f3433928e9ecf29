package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mms-project/mms/fixtures/gen"
	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/internal/pgtest"
)

// TestKillAndResume kills `mms run` with SIGKILL at random points, starts
// the same command again (and again) until it finishes, and checks that the
// batch ends exactly as an uninterrupted run does: the same output
// calendars byte for byte, every rewritten component's SEQUENCE up by
// exactly one, one .eml per updated meeting and no other, no temporary
// file left, and a complete report. MMS_KILL_TRIALS sets the number of
// trials (default 20; make bench runs more).
func TestKillAndResume(t *testing.T) {
	trials := 20
	if v := os.Getenv("MMS_KILL_TRIALS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("MMS_KILL_TRIALS=%q: %v", v, err)
		}
		trials = n
	}
	in := t.TempDir()
	ref, _ := time.Parse(time.RFC3339, demoNow)
	if err := gen.Write(in, gen.Options{Users: 200, MeetingsPerUser: 2, Seed: 7, Ref: ref}); err != nil {
		t.Fatal(err)
	}
	refDir := t.TempDir()
	start := time.Now()
	if r := mms(t, append(killArgs(in, refDir), "--db", filepath.Join(refDir, "mms.db"))...); r.code != 0 {
		t.Fatalf("reference run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	took := time.Since(start)
	want := outputs(t, refDir)
	if len(want.eml) == 0 || len(want.calendars) != 200 {
		t.Fatalf("reference run wrote %d messages, %d calendars", len(want.eml), len(want.calendars))
	}
	for name := range want.calendars {
		checkRewrite(t, filepath.Join(in, "calendars", name), filepath.Join(refDir, "out", "calendars", name))
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	killTrials(t, "SQLite", rng, in, took, want, trials, func(dir string) string { return filepath.Join(dir, "mms.db") })
	if dsn := os.Getenv(pgtest.Env); dsn != "" {
		// PostgreSQL: fewer trials, each in a schema of its own, timed by
		// an uninterrupted run of its own.
		pgRef := t.TempDir()
		start := time.Now()
		if r := mms(t, append(killArgs(in, pgRef), "--db", pgtest.Schema(t, dsn))...); r.code != 0 {
			t.Fatalf("reference run on PostgreSQL: exit %d\n%s", r.code, r.stderr)
		}
		pgTook := time.Since(start)
		outputs(t, pgRef).same(t, "uninterrupted run on PostgreSQL", want)
		killTrials(t, "PostgreSQL", rng, in, pgTook, want, max(trials/5, 1), func(string) string { return pgtest.Schema(t, dsn) })
	}
}

// killTrials runs the trials against the store db(dir) gives.
func killTrials(t *testing.T, engine string, rng *rand.Rand, in string, took time.Duration, want batchOutputs, trials int, db func(dir string) string) {
	t.Helper()
	kills, resumes := 0, 0
	for trial := range trials {
		dir := t.TempDir()
		dsn := db(dir)
		args := append(killArgs(in, dir), "--db", dsn)
		for range 1 + rng.IntN(3) { // one to three kills (one in four a Ctrl-C), then a run to the end
			sig := os.Signal(syscall.SIGKILL)
			if rng.IntN(4) == 0 {
				sig = os.Interrupt
			}
			killAfter(t, args, time.Duration(rng.Int64N(int64(took*9/10))), sig)
			kills++
		}
		st := mms(t, "status", "--summary", "--format", "csv", "--db", dsn)
		hadBatch, left := st.code == 0, strings.Contains(st.stdout, "Pending,") && !strings.Contains(st.stdout, "Pending,0") ||
			strings.Contains(st.stdout, "InProgress,") && !strings.Contains(st.stdout, "InProgress,0")
		r := mms(t, args...)
		if r.code != 0 {
			t.Fatalf("trial %d: the run after the kills: exit %d\n%s\n%s", trial, r.code, r.stdout, r.stderr)
		}
		resumed := strings.Contains(r.stdout, "resumed batch")
		if resumed && !hadBatch || left && !resumed {
			t.Errorf("trial %d: batch before: %v, users left: %v; stdout says resumed: %v\n%s", trial, hadBatch, left, resumed, r.stdout)
		}
		if resumed {
			resumes++
		}
		got := outputs(t, dir)
		got.same(t, fmt.Sprintf("trial %d", trial), want)
		for name := range got.calendars {
			checkRewrite(t, filepath.Join(in, "calendars", name), filepath.Join(dir, "out", "calendars", name))
		}
		if t.Failed() {
			t.Fatalf("trial %d failed; its output is in %s (store %s)", trial, dir, dsn)
		}
	}
	t.Logf("%s: %d trials, %d kills, %d resumed batches; an uninterrupted run takes %s", engine, trials, kills, resumes, took.Round(time.Millisecond))
}

func killArgs(in, dir string) []string {
	return []string{"run", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"),
		"--out", filepath.Join(dir, "out"), "--report", filepath.Join(dir, "report.csv"), "--now", demoNow,
		"--workers", "3"}
}

// killAfter starts mms and sends it sig after d, unless it ended first.
// Interrupted (SIGINT), it must stop with status 130 and say how to go on.
func killAfter(t *testing.T, args []string, d time.Duration, sig os.Signal) {
	t.Helper()
	cmd := command(nil, args...)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("mms ended on its own with %v before the kill\n%s", err, errOut.String())
		}
	case <-time.After(d):
		_ = cmd.Process.Signal(sig)
		err := <-done
		var exit *exec.ExitError
		if sig == os.Interrupt && errors.As(err, &exit) && exit.ExitCode() >= 0 && (exit.ExitCode() != exitInterrupted ||
			!strings.Contains(errOut.String(), "run the same command again to finish the batch")) {
			t.Errorf("interrupted: exit %d\n%s", exit.ExitCode(), errOut.String())
		}
	}
}

// batchOutputs is what a run leaves: calendars and messages by name, the
// report's rows without times and retry counts.
type batchOutputs struct {
	calendars map[string]string
	eml       map[string]bool
	temps     []string
	users     []string
	meetings  []string
}

func outputs(t *testing.T, dir string) batchOutputs {
	t.Helper()
	o := batchOutputs{calendars: map[string]string{}, eml: map[string]bool{}}
	for _, sub := range []string{"calendars", "outbox"} {
		entries, _ := os.ReadDir(filepath.Join(dir, "out", sub))
		for _, e := range entries {
			name := e.Name()
			switch {
			case strings.HasPrefix(name, "."):
				o.temps = append(o.temps, sub+"/"+name)
			case sub == "outbox":
				o.eml[name] = true
			default:
				data, _ := os.ReadFile(filepath.Join(dir, "out", sub, name))
				if _, err := ics.Parse(name, data); err != nil {
					t.Errorf("%s: %v", name, err)
				}
				o.calendars[name] = string(data)
			}
		}
	}
	for _, u := range readCSV(t, filepath.Join(dir, "report.csv")) {
		o.users = append(o.users, strings.Join([]string{u["UserId"], u["State"], u["TotalMeeting"], u["SucceededMeeting"],
			u["FailedMeeting"], u["SkippedMeeting"], u["InvitesUpdate"]}, " "))
	}
	for _, m := range readCSV(t, filepath.Join(dir, "report.meetings.csv")) {
		o.meetings = append(o.meetings, strings.Join([]string{m["UserId"], m["UID"], m["Outcome"], m["Reason"], m["NewJoinUrl"]}, " "))
	}
	sort.Strings(o.users)
	sort.Strings(o.meetings)
	return o
}

func (o batchOutputs) same(t *testing.T, what string, want batchOutputs) {
	t.Helper()
	if len(o.temps) > 0 {
		t.Errorf("%s: temporary files left: %v", what, o.temps)
	}
	if len(o.calendars) != len(want.calendars) {
		t.Errorf("%s: %d calendars, want %d", what, len(o.calendars), len(want.calendars))
	}
	for name, data := range want.calendars {
		if o.calendars[name] != data {
			t.Errorf("%s: calendars/%s differs from the uninterrupted run's", what, name)
		}
	}
	for name := range o.eml {
		if !want.eml[name] {
			t.Errorf("%s: outbox/%s was not written by the uninterrupted run (a second update?)", what, name)
		}
	}
	for name := range want.eml {
		if !o.eml[name] {
			t.Errorf("%s: outbox/%s missing", what, name)
		}
	}
	if strings.Join(o.users, "\n") != strings.Join(want.users, "\n") {
		t.Errorf("%s: report users differ:\n%s\nwant\n%s", what, clipLines(o.users), clipLines(want.users))
	}
	if strings.Join(o.meetings, "\n") != strings.Join(want.meetings, "\n") {
		t.Errorf("%s: report meetings differ (%d rows, want %d)", what, len(o.meetings), len(want.meetings))
	}
}

func clipLines(lines []string) string {
	if len(lines) > 5 {
		lines = lines[:5]
	}
	return strings.Join(lines, "\n")
}
