package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/mms-project/mms/batch"
	"github.com/mms-project/mms/batch/store"
)

// run --user (repeatable), --yes and rollback --dry-run land in their
// options.
func TestPilotYesDryRunFlags(t *testing.T) {
	c := parse(t, nil, "run", "--users", "u.csv", "--user", "a@contoso.com", "--user", "B@contoso.com", "--yes", "--send", "smtp://relay:25")
	if o := c.run; o == nil || len(o.Only) != 2 || o.Only[0] != "a@contoso.com" || o.Only[1] != "B@contoso.com" {
		t.Fatalf("run --user: %+v", c.run)
	}
	if c := parse(t, nil, "run", "--users", "u.csv"); len(c.run.Only) != 0 {
		t.Errorf("run without --user: %v", c.run.Only)
	}
	c = parse(t, nil, "rollback", "--batch", "last", "--dry-run", "--report", "would.html")
	if r := c.rollback; r == nil || !r.DryRun || r.BatchID != "last" || r.Report != "would.html" {
		t.Fatalf("rollback --dry-run: %+v", c.rollback)
	}
}

// A real run or rollback that will send mail asks first when stdin is a
// terminal: no answer, no batch; y goes on; --yes, a dry run, the outbox
// or a stdin that is no terminal never ask.
func TestConfirmBeforeSending(t *testing.T) {
	cases := []struct {
		name     string
		terminal bool
		answer   string
		args     []string
		asked    bool
		called   bool
	}{
		{"no", true, "n\n", []string{"run", "--send", "smtp://relay:25"}, true, false},
		{"nothing", true, "", []string{"run", "--send", "server"}, true, false},
		{"yes", true, "y\n", []string{"run", "--send", "smtp://relay:25"}, true, true},
		{"YES", true, "YES\n", []string{"rollback", "--batch", "abcdef"}, true, true},
		{"--yes", true, "", []string{"run", "--send", "smtp://relay:25", "--yes"}, false, true},
		{"dry run", true, "", []string{"run", "--send", "smtp://relay:25", "--dry-run"}, false, true},
		{"outbox", true, "", []string{"run", "--send", "outbox"}, false, true},
		{"rollback none", true, "", []string{"rollback", "--batch", "abcdef", "--send", "none"}, false, true},
		{"rollback dry run", true, "", []string{"rollback", "--batch", "abcdef", "--dry-run"}, false, true},
		{"no terminal", false, "", []string{"run", "--send", "smtp://relay:25"}, false, true},
		{"rollback no", true, "no\n", []string{"rollback", "--batch", "abcdef"}, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			called := false
			calls := batchCalls{
				run: func(context.Context, batch.RunOptions) (batch.Summary, error) {
					called = true
					return batch.Summary{}, errParsed
				},
				rollback: func(context.Context, batch.RollbackOptions) (batch.RolledBack, error) {
					called = true
					return batch.RolledBack{}, errParsed
				},
				stdin: terminalIn{r: strings.NewReader(tc.answer), terminal: func() bool { return tc.terminal }},
			}
			var errOut bytes.Buffer
			err := newAppWith(&bytes.Buffer{}, &errOut, calls).Run(context.Background(), append([]string{"mms"}, tc.args...))
			if asked := strings.Contains(errOut.String(), "Go on? [y/N]"); asked != tc.asked {
				t.Errorf("asked %v, want %v: %q", asked, tc.asked, errOut.String())
			}
			if called != tc.called {
				t.Errorf("batch called %v, want %v (err %v)", called, tc.called, err)
			}
			if !tc.called && (!errors.Is(err, batch.ErrInput) || !strings.Contains(err.Error(), "not confirmed; nothing was written or sent")) {
				t.Errorf("declined: %v", err)
			}
		})
	}
}

// mms --version prints the module version and VCS revision.
func TestVersion(t *testing.T) {
	r := run(t, context.Background(), "--version")
	if r.code != 0 || r.stdout != "mms version "+batch.Version()+"\n" || batch.Version() == "" {
		t.Errorf("--version: exit %d %q", r.code, r.stdout)
	}
}

// mms completion prints urfave/cli's completion script for each shell.
func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{"bash": "complete -", "zsh": "compdef _mms mms", "fish": "complete -c mms"} {
		r := run(t, context.Background(), "completion", shell)
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("completion %s: exit %d, no %q in\n%.300s", shell, r.code, want, r.stdout)
		}
	}
}

// The help of run and rollback lists every exit code too.
func TestCommandHelpListsExitCodes(t *testing.T) {
	for _, cmd := range []string{"run", "rollback"} {
		r := run(t, context.Background(), cmd, "--help")
		for _, code := range []string{"   0 ", "   1 ", "   3 ", "   4 ", "   130 "} {
			if !strings.Contains(r.stdout, code) {
				t.Errorf("mms %s --help lacks exit code %q", cmd, code)
			}
		}
	}
}

// batchStore makes a state store holding a finished run, then a dry run
// and a rollback made after it.
func batchStore(t *testing.T) (db string, runID, dryID, rbID string) {
	t.Helper()
	ctx := context.Background()
	db = filepath.Join(t.TempDir(), "mms.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	mk := func(b store.Batch, opts string, users ...store.User) string {
		b.Now, b.Stamp, b.Options = now, now, json.RawMessage(opts)
		b, err := st.NewBatch(ctx, b)
		if err == nil {
			err = st.Enqueue(ctx, b.ID, users)
		}
		if err != nil {
			t.Fatal(err)
		}
		return b.ID
	}
	long := "calendar https://caldav.example.com/dav/a/calendar/ answered 503 Service Unavailable five times; the user is tried again by the next mms run, which resumes the batch"
	runID = mk(store.Batch{Kind: store.BatchRun, Finished: true}, `{"users": "/in/users.csv", "changes": "/in/changes.csv"}`,
		store.User{UserID: "a@contoso.com", State: store.InProgress, Payload: json.RawMessage(`{}`)},
		store.User{UserID: "b@contoso.com", State: store.InProgress, Payload: json.RawMessage(`{}`)},
		store.User{UserID: "c@contoso.com", State: store.NotTriggered, LastMessage: "no change row"})
	if err := st.Record(ctx, runID, "a@contoso.com", store.Result{State: store.Succeeded, TotalMeeting: 3, SucceededMeeting: 3, InvitesUpdate: 3}); err != nil {
		t.Fatal(err)
	}
	if err := st.Record(ctx, runID, "b@contoso.com", store.Result{State: store.Failed, LastMessage: long}); err != nil {
		t.Fatal(err)
	}
	dryID = mk(store.Batch{Kind: store.BatchRun, DryRun: true, Finished: true}, `{"users": "/in/users.csv"}`,
		store.User{UserID: "a@contoso.com", State: store.InProgress, Payload: json.RawMessage(`{}`)}, store.User{UserID: "d@contoso.com", State: store.Succeeded})
	if err := st.Record(ctx, dryID, "a@contoso.com", store.Result{State: store.Succeeded, TotalMeeting: 2, SucceededMeeting: 2, InvitesUpdate: 2}); err != nil {
		t.Fatal(err)
	}
	rbID = mk(store.Batch{Kind: store.BatchRollback}, `{"rollback_of": "`+runID+`"}`, store.User{UserID: "a@contoso.com", State: store.InProgress})
	return db, runID, dryID, rbID
}

// The listing's short ids tell every batch listed apart: ids sharing their
// first 8 characters are shown as far as they differ, so --batch takes
// what is shown (found by an audit: both showed "3f2a9c1b", ambiguous).
func TestShortIDsOfASharedPrefix(t *testing.T) {
	ids := []string{
		"3f2a9c1b-77aa-4c1e-9d0e-000000000001",
		"0a1b2c3d-0000-4000-8000-000000000000",
		"3f2a9c1b-7700-4c1e-9d0e-000000000002",
		"3f2a9c1c-0000-4000-8000-000000000000",
		"short",
	}
	want := []string{"3f2a9c1b-77a", "0a1b2c3d", "3f2a9c1b-770", "3f2a9c1c", "short"}
	if got := shortIDs(ids); !slices.Equal(got, want) {
		t.Errorf("shortIDs(%q) = %q, want %q", ids, got, want)
	}
	var out strings.Builder
	list := []store.BatchInfo{{Batch: store.Batch{ID: ids[0], Kind: store.BatchRun}}, {Batch: store.Batch{ID: ids[2], Kind: store.BatchRun}}}
	if err := printBatches(&out, list, "table"); err != nil || !strings.Contains(out.String(), "\n"+want[0]+" ") || !strings.Contains(out.String(), "\n"+want[2]+" ") {
		t.Errorf("the table of two batches sharing 8 characters (%v):\n%s", err, out.String())
	}
}

// Where two batches share their first 8 characters, mms status names
// them as mms batches does, in its hints and with --all, so that --batch
// takes what it shows (found by an audit: the hints gave 8 characters,
// which --batch refused as ambiguous).
func TestStatusHintsTellBatchesApart(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "mms.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	// mk makes a batch of one user, its state Succeeded, under the id given.
	mk := func(b store.Batch, id, user string) {
		b.Now, b.Stamp = now, now
		b, err := st.NewBatch(ctx, b)
		if err == nil {
			err = st.Enqueue(ctx, b.ID, []store.User{{UserID: user, State: store.InProgress, Payload: json.RawMessage(`{}`)}})
		}
		if err == nil {
			err = st.Record(ctx, b.ID, user, store.Result{State: store.Succeeded})
		}
		if err == nil {
			err = renameBatch(db, b.ID, id)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	older, runID, rb := "3f2a9c1b-0000-4000-8000-000000000000", "3f2a9c1b-77aa-4c1e-9d0e-000000000001", "3f2a9c1b-7700-4c1e-9d0e-000000000002"
	mk(store.Batch{Kind: store.BatchRun, Finished: true}, older, "b@contoso.com")
	mk(store.Batch{Kind: store.BatchRun, Finished: true}, runID, "a@contoso.com")
	mk(store.Batch{Kind: store.BatchRollback, Finished: true, Fingerprint: store.RollbackFingerprint(runID, "a@contoso.com")}, rb, "a@contoso.com")
	shown := map[string]string{older: "3f2a9c1b-0", runID: "3f2a9c1b-77a", rb: "3f2a9c1b-770"}

	r := run(t, ctx, "status", "--user", "b@contoso.com", "--db", db)
	for _, want := range []string{"by rollback " + rb + " (mms status --batch " + shown[rb] + " shows it)",
		"batch " + older + " holds it: mms status --batch " + shown[older] + " --user b@contoso.com"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("status: stderr %q\nwant %q", r.stderr, want)
		}
	}
	for _, args := range [][]string{{"--all"}, {"--all", "--summary"}} {
		r := run(t, ctx, append([]string{"status", "--db", db}, args...)...)
		for id, short := range shown {
			if !regexp.MustCompile(`(?m)^` + short + `\s`).MatchString(r.stdout) {
				t.Errorf("status %v: no row of batch %s shown as %s:\n%s", args, id, short, r.stdout)
			}
		}
	}
	for id, short := range shown {
		if r := run(t, ctx, "status", "--batch", short, "--db", db); r.code != 0 || !strings.Contains(r.stderr, "batch "+id+" (") {
			t.Errorf("status --batch %s: exit %d, %s", short, r.code, r.stderr)
		}
	}

	// a store of dry runs alone points at the latest as mms batches shows it
	dry := filepath.Join(t.TempDir(), "mms.db")
	st2, err := store.Open(ctx, dry)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	for _, id := range []string{runID, rb} {
		b, err := st2.NewBatch(ctx, store.Batch{Kind: store.BatchRun, DryRun: true, Finished: true, Now: now, Stamp: now})
		if err == nil {
			err = renameBatch(dry, b.ID, id)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if r := run(t, ctx, "status", "--db", dry); !strings.Contains(r.stderr, "mms status --batch "+shown[rb]+" shows it") {
		t.Errorf("status of dry runs alone: stderr %q; want --batch %s", r.stderr, shown[rb])
	}
}

// renameBatch gives a batch of the SQLite store db another id, for a test
// of ids alike (a store makes them at random).
func renameBatch(db, from, to string) error {
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, q := range []string{`UPDATE mms_batch SET id = ? WHERE id = ?`, `UPDATE mms_user SET batch_id = ? WHERE batch_id = ?`, `UPDATE mms_meeting SET batch_id = ? WHERE batch_id = ?`} {
		if _, err := conn.Exec(q, to, from); err != nil {
			return err
		}
	}
	return nil
}

// mms batches lists every batch with its kind, inputs, --now, users per
// state and meetings updated, as a table, CSV or JSON.
func TestBatchesCommand(t *testing.T) {
	db, runID, dryID, rbID := batchStore(t)
	r := run(t, context.Background(), "batches", "--db", db)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 4 {
		t.Fatalf("batches: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for i, want := range []*regexp.Regexp{
		regexp.MustCompile(`^` + runID[:8] + `\s+run\s+20\d\d-\d\d-\d\dT[0-9:]+Z\s+2026-12-06T09:00:00Z\s+Failed 1, Succeeded 1, NotTriggered 1\s+3\s+3\s+users.csv changes.csv$`),
		regexp.MustCompile(`^` + dryID[:8] + `\s+dry run\s+.*Succeeded 2\s+2 \(would\)\s+2 \(would\)\s+users.csv$`),
		regexp.MustCompile(`^` + rbID[:8] + `\s+rollback \(unfinished\)\s+.*InProgress 1\s+0\s+0\s+batch ` + runID + `$`),
	} {
		if !want.MatchString(lines[i+1]) {
			t.Errorf("batches line %d:\n%s\nwant %s", i+1, lines[i+1], want)
		}
	}
	r = run(t, context.Background(), "batches", "--db", db, "--format", "json")
	var rows []batchRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 3 || rows[0].ID != runID || rows[0].Users[store.Failed] != 1 ||
		rows[0].Updated != 3 || rows[0].Sent != 3 || rows[1].Kind != "dry run" || rows[1].Sent != 0 || rows[1].WouldSend != 2 || rows[1].WouldUpdate != 2 || rows[2].Kind != "rollback" || rows[0].Now != "2026-12-06T09:00:00Z" {
		t.Errorf("batches --format json: %v\n%s", err, r.stdout)
	}
	r = run(t, context.Background(), "batches", "--db", db, "--format", "csv")
	if csv := readCSVText(t, r.stdout); len(csv) != 3 || csv[1]["BatchId"] != dryID || csv[1]["Kind"] != "dry run" || csv[0]["MeetingsUpdated"] != "3" ||
		csv[1]["UpdatesSent"] != "0" || csv[1]["WouldSend"] != "2" {
		t.Errorf("batches --format csv:\n%s", r.stdout)
	}
	// a start by hand's inputs are its flags: the table names --calendar's file
	inputs := []string{"/in/users.csv", "batch " + runID, "calendar /in/cal/u.ics", "calendar https://dav.contoso.com/cal/u/", "join_url https://j/{meeting}/0", "conference_id 123"}
	want := []string{"users.csv", "batch " + runID, "calendar u.ics", "calendar https://dav.contoso.com/cal/u/", "join_url https://j/{meeting}/0", "conference_id 123"}
	if got := baseNames(inputs); !slices.Equal(got, want) {
		t.Errorf("baseNames(%q) = %q, want %q", inputs, got, want)
	}
	pilot := store.Batch{Kind: store.BatchRun, Options: json.RawMessage(`{"only": ["a@contoso.com"]}`)}
	if k := batchKind(pilot); k != "run (pilot)" {
		t.Errorf("a pilot's kind: %q", k)
	}
	if r := run(t, context.Background(), "batches", "--db", db, "--format", "xml"); r.code != exitInput {
		t.Errorf("--format xml: exit %d", r.code)
	}
}

// mms status shows the latest real batch, not a later dry run or
// rollback, also as --batch last; --batch takes a prefix; --all says each row's batch
// and counts per batch; LastMessage is shown whole, wrapped.
func TestStatusOfRealBatches(t *testing.T) {
	db, runID, dryID, rbID := batchStore(t)
	r := run(t, context.Background(), "status", "--db", db)
	if r.code != 0 || !strings.Contains(r.stdout, "b@contoso.com") || strings.Contains(r.stdout, "d@contoso.com") {
		t.Fatalf("status shows the run, not the later dry run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, part := range []string{"calendar https://caldav.example.com/dav/a/calendar/ answered", "five times;", "which resumes the batch\n"} {
		if !strings.Contains(r.stdout, part) {
			t.Errorf("LastMessage not whole, no %q:\n%s", part, r.stdout)
		}
	}
	for _, line := range strings.Split(r.stdout, "\n") {
		if i := strings.Index(line, "calendar https"); i > 0 && len(line)-i > messageWidth {
			t.Errorf("LastMessage not wrapped: %q", line)
		}
	}
	r = run(t, context.Background(), "status", "--db", db, "--summary", "--format", "csv")
	if r.stdout != "State,Count\nPending,0\nInProgress,0\nFailed,1\nSucceeded,1\nNotTriggered,1\n" {
		t.Errorf("status --summary of the run:\n%s", r.stdout)
	}
	r = run(t, context.Background(), "status", "--db", db, "--batch", dryID[:6], "--summary", "--format", "json")
	if !strings.Contains(r.stdout, `"Succeeded":2`) {
		t.Errorf("status of the dry run by prefix: %s%s", r.stdout, r.stderr)
	}
	// last is the latest real batch, as without --batch and as rollback
	// reads it (found by an audit: it was the later rollback)
	if last := run(t, context.Background(), "status", "--db", db, "--batch", "last"); last.code != 0 || last.stdout != run(t, context.Background(), "status", "--db", db).stdout {
		t.Errorf("status --batch last is not the latest real batch:\n%s", last.stdout)
	}
	if r := run(t, context.Background(), "status", "--db", db, "--batch", "abc"); r.code != exitInput || !strings.Contains(r.stderr, "at least 6") {
		t.Errorf("status --batch abc: exit %d %s", r.code, r.stderr)
	}
	r = run(t, context.Background(), "status", "--db", db, "--all", "--summary")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 || !regexp.MustCompile(`^Batch\s+Kind\s+Pending\s+InProgress\s+Failed\s+Succeeded\s+NotTriggered$`).MatchString(lines[0]) ||
		!regexp.MustCompile(`^`+runID[:8]+`\s+run\s+0\s+0\s+1\s+1\s+1$`).MatchString(lines[1]) ||
		!regexp.MustCompile(`^`+dryID[:8]+`\s+dry run\s+0\s+0\s+0\s+2\s+0$`).MatchString(lines[2]) ||
		!regexp.MustCompile(`^`+rbID[:8]+`\s+rollback\s+0\s+1\s+0\s+0\s+0$`).MatchString(lines[3]) {
		t.Errorf("status --all --summary, one row per batch:\n%s", r.stdout)
	}
	r = run(t, context.Background(), "status", "--db", db, "--all")
	if !strings.HasPrefix(r.stdout, "Batch ") || !strings.Contains(r.stdout, dryID[:8]+"  d@contoso.com") {
		t.Errorf("status --all, a batch column:\n%s", r.stdout)
	}
}

// With only a dry run, status lists nothing and exits 0 (nothing is wrong:
// nothing was migrated), saying on stderr how to see the dry run.
func TestStatusWithoutRealBatch(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "mms.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.NewBatch(ctx, store.Batch{DryRun: true})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, ctx, "status", "--db", db)
	if r.code != exitOK || r.stdout != "" || !strings.Contains(r.stderr, "no batch has migrated meetings yet: the latest batch, "+b.ID+", is a dry run; mms status --batch "+b.ID[:8]) {
		t.Errorf("status with only a dry run: exit %d %s", r.code, r.stderr)
	}
	// --batch last is the latest real batch too: none here (an audit
	// found it fell back to the dry run's users and counts).
	if last := run(t, ctx, "status", "--batch", "last", "--summary", "--db", db); last.code != exitOK || last.stdout != run(t, ctx, "status", "--summary", "--db", db).stdout ||
		!strings.Contains(last.stderr, "no batch has migrated meetings yet") {
		t.Errorf("status --batch last with only a dry run: exit %d\n%s%s", last.code, last.stdout, last.stderr)
	}
	if r := run(t, ctx, "status", "--format", "json", "--db", db); r.code != exitOK || r.stdout != "[]\n" {
		t.Errorf("status --format json with only a dry run: exit %d, %q", r.code, r.stdout)
	}
	// A summary is the same shape as ever, zero in every state (found by
	// an audit: --summary --format json printed [], a list, not counts).
	if r := run(t, ctx, "status", "--summary", "--format", "json", "--db", db); r.code != exitOK ||
		r.stdout != `{"Failed":0,"InProgress":0,"NotTriggered":0,"Pending":0,"Succeeded":0}`+"\n" {
		t.Errorf("status --summary --format json with only a dry run: exit %d, %q", r.code, r.stdout)
	}
	if r := run(t, ctx, "status", "--format", "csv", "--db", db); r.code != exitOK || !strings.HasPrefix(r.stdout, "UserId,State,") || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("status --format csv with only a dry run: exit %d, %q", r.code, r.stdout)
	}
}

// The summary of a run says "1 user", and warns of a run whose meetings
// all start before --now, naming it.
func TestSummaryWording(t *testing.T) {
	var out, errOut bytes.Buffer
	o := batch.RunOptions{Now: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC), Send: "outbox"}
	err := summarize(&out, &errOut, o, batch.Summary{BatchID: "b1", Users: 1, Triggered: 1, Meetings: 50, Past: 50, Invites: 1, Report: "r.xlsx"})
	if err != nil || !strings.Contains(out.String(), "batch b1: 1 user, 1 triggered, 0 failed; 0 meetings updated, 1 update written to the outbox") {
		t.Errorf("summary: %v\n%s", err, out.String())
	}
	if !strings.Contains(errOut.String(), "all 50 meetings start before --now 2026-12-06T09:00:00Z (past: none has an occurrence at or after it); did you mean an earlier --now?") {
		t.Errorf("no warning:\n%s", errOut.String())
	}
	errOut.Reset()
	summarize(&out, &errOut, o, batch.Summary{Users: 2, Meetings: 50, Past: 49, Updated: 1})
	if errOut.Len() > 0 {
		t.Errorf("a run that updated a meeting warns: %s", errOut.String())
	}
	out.Reset() // the CalDAV note only when there are CalDAV users
	summarize(&out, &errOut, batch.RunOptions{Out: "o", Send: "outbox"}, batch.Summary{Users: 1, Triggered: 1, Updated: 1})
	if strings.Contains(out.String(), "CalDAV") || !strings.Contains(out.String(), "calendars: o/calendars") {
		t.Errorf("a run without CalDAV users:\n%s", out.String())
	}
	out.Reset()
	summarize(&out, &errOut, batch.RunOptions{Out: "o", Send: "outbox"}, batch.Summary{Users: 1, Triggered: 1, Updated: 1, CalDAV: 1})
	if !strings.Contains(out.String(), "(CalDAV calendars: in place)") {
		t.Errorf("a run with CalDAV users:\n%s", out.String())
	}
	out.Reset() // --send none counts no update sent: the line says none went out, not "0 updates"
	summarize(&out, &errOut, batch.RunOptions{Send: "none"}, batch.Summary{BatchID: "b1", Users: 1, Triggered: 1, Updated: 4})
	if !strings.Contains(out.String(), "4 meetings updated, updates not sent (--send none)\n") {
		t.Errorf("a run with --send none:\n%s", out.String())
	}
	out.Reset() // a batch run to the end before: its failed users are tried again
	summarize(&out, &errOut, batch.RunOptions{}, batch.Summary{BatchID: "b1", Users: 1, Triggered: 1, Reopened: true, Retried: 1})
	if !strings.Contains(out.String(), ": 1 failed user tried again, nothing else") {
		t.Errorf("a batch reopened for one failed user:\n%s", out.String())
	}
	out.Reset()
	summarize(&out, &errOut, batch.RunOptions{Send: "none", DryRun: true}, batch.Summary{BatchID: "b1", Users: 1, Triggered: 1, Updated: 4, DryRun: true})
	if !strings.Contains(out.String(), "(dry run: nothing written or sent), no update would be sent (--send none)\n") {
		t.Errorf("a dry run with --send none:\n%s", out.String())
	}
	errOut.Reset() // nothing updated, but only some meetings are past: no warning
	summarize(&out, &errOut, o, batch.Summary{Users: 7, Triggered: 7, Meetings: 36, Past: 4})
	if errOut.Len() > 0 {
		t.Errorf("a run with 4 of 36 meetings past warns: %s", errOut.String())
	}
	if counted(1, "batch/batches") != "1 batch" || counted(2, "batch/batches") != "2 batches" || counted(0, "user") != "0 users" {
		t.Error("counted")
	}
}

// Progress: a resumed batch says so and counts the users done before;
// plain lines carry the time and an ETA; reading the inputs and writing
// the report each say a line.
func TestProgressLines(t *testing.T) {
	var w bytes.Buffer
	p := newProgress(&w, false)
	clock := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return clock }
	p.Event(batch.Event{Kind: batch.ReadingInputs, Files: []string{"users.csv", "changes.csv"}})
	p.Event(batch.Event{Kind: batch.BatchStarted, BatchID: "b1", Total: 1500, Done: 220, Resumed: true})
	for i := range 20 {
		if i == 19 { // 20 users in 10 s: 2 users/s, 1260 left: 630 s
			clock = clock.Add(10 * time.Second)
		}
		p.Event(batch.Event{Kind: batch.UserDone, Updated: 1})
	}
	p.Event(batch.Event{Kind: batch.WritingReport, Files: []string{"r.xlsx"}})
	got := w.String()
	for _, want := range []string{
		"09:00:00Z reading users.csv and changes.csv\n",
		"09:00:00Z resumed batch b1: 220/1500 users already done\n",
		"09:00:00Z migrating 1280 users\n",
		"09:00:10Z 240/1500 users done, meetings updated: 20, users failed: 0, 2.0 users/s, ETA 09:10:40Z (10m30s)\n",
		"09:00:10Z writing the report r.xlsx\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("progress lacks %q:\n%s", want, got)
		}
	}
}

// A finished batch run again says it is finished, not resumed, and draws
// no "migrating 0 users" (a newcomer read both beside stdout's "already
// ran to the end").
func TestProgressFinishedBatch(t *testing.T) {
	var w bytes.Buffer
	p := newProgress(&w, false)
	p.now = func() time.Time { return time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC) }
	p.Event(batch.Event{Kind: batch.BatchStarted, BatchID: "b1", Total: 5, Done: 5, Resumed: true, Reopened: true})
	p.finish()
	if got := w.String(); got != "09:00:00Z batch b1 already finished: 5/5 users done\n" {
		t.Errorf("progress %q", got)
	}
	// killed after its last user, before its report: resumed, not finished
	// (a review found the two said together)
	w.Reset()
	p = newProgress(&w, false)
	p.now = func() time.Time { return time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC) }
	p.Event(batch.Event{Kind: batch.BatchStarted, BatchID: "b1", Total: 5, Done: 5, Resumed: true})
	p.finish()
	if got := w.String(); !strings.Contains(got, "resumed batch b1: 5/5 users already done") || strings.Contains(got, "already finished") {
		t.Errorf("progress %q", got)
	}
}

// make demo (scripts/demo.sh) ends by printing the preview's path next to
// the workbook's, and writes both.
func TestDemoScriptPrintsBoth(t *testing.T) {
	out := filepath.Join(t.TempDir(), "demo-out")
	cmd := exec.Command("bash", "../../scripts/demo.sh", bin, out)
	cmd.Env = append(os.Environ(), "MMS_DB=")
	data, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo.sh: %v\n%s", err, data)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	want := "Preview: " + filepath.Join(out, "preview.html") + "   Workbook: " + filepath.Join(out, "report.xlsx")
	if last := lines[len(lines)-1]; last != want {
		t.Errorf("last line %q, want %q", last, want)
	}
	for _, f := range []string{"preview.html", "report.xlsx"} {
		if fi, err := os.Stat(filepath.Join(out, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
}

// Every command listed, subcommands and help itself included, answers
// --help and -h with its own help and exit 0; "mms help COMMAND" and
// "mms COMMAND help" show that command's help; an unknown one is named.
func TestHelpOnEveryCommand(t *testing.T) {
	var walk func(prefix []string, cmds []*cli.Command)
	walk = func(prefix []string, cmds []*cli.Command) {
		for _, c := range cmds {
			if c.Hidden {
				continue
			}
			args := append(slices.Clone(prefix), c.Name)
			for _, flag := range []string{"--help", "-h"} {
				r := run(t, context.Background(), append(slices.Clone(args), flag)...)
				if r.code != 0 || !strings.Contains(r.stdout, "mms "+strings.Join(args, " ")+" - ") {
					t.Errorf("mms %s %s: exit %d\n%.300s%s", strings.Join(args, " "), flag, r.code, r.stdout, r.stderr)
				}
			}
			if c.Name != "help" && c.Name != "set" && c.Name != "completion" {
				for _, form := range [][]string{append([]string{"help"}, args...), append(slices.Clone(args), "help")} {
					r := run(t, context.Background(), form...)
					if r.code != 0 || !strings.Contains(r.stdout, "mms "+strings.Join(args, " ")+" - ") {
						t.Errorf("mms %s: exit %d\n%.300s%s", strings.Join(form, " "), r.code, r.stdout, r.stderr)
					}
				}
			}
			walk(args, c.Commands)
		}
	}
	walk(nil, newApp(io.Discard, io.Discard).Commands)
	if r := run(t, context.Background(), "help", "nope"); r.code != 1 || !strings.Contains(r.stderr, `no command "nope"`) {
		t.Errorf("mms help nope: exit %d, %s", r.code, r.stderr)
	}
}

// mms status and mms batches write CSV a spreadsheet opens without running
// anything: a user, a message or an input named like a formula is text.
func TestStatusCSVRunsNoFormula(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "mms.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	b, err := st.NewBatch(ctx, store.Batch{Kind: store.BatchRun, Finished: true, Now: now, Stamp: now, Options: json.RawMessage(`{"users": "=1+1.csv"}`)})
	if err == nil {
		err = st.Enqueue(ctx, b.ID, []store.User{{UserID: "=evil@contoso.com", State: store.NotTriggered, LastMessage: "@SUM(A1) no change row"}})
	}
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	status := run(t, ctx, "status", "--db", db, "--format", "csv")
	batches := run(t, ctx, "batches", "--db", db, "--format", "csv")
	for _, out := range []string{status.stdout, batches.stdout} {
		for _, bad := range []string{"\n=evil", ",@SUM", ",=1+1.csv"} {
			if strings.Contains(out, bad) {
				t.Errorf("%q runs as a formula in:\n%s", bad, out)
			}
		}
	}
	if !strings.Contains(status.stdout, "'=evil@contoso.com") || !strings.Contains(batches.stdout, "'=1+1.csv") {
		t.Errorf("defused values missing:\n%s\n%s", status.stdout, batches.stdout)
	}
}

// --now takes a date alone (midnight UTC), as a changes file's at does.
func TestNowTakesADate(t *testing.T) {
	c := parse(t, nil, "run", "--users", "u.csv", "--changes", "c.csv", "--out", "o", "--report", "r.csv", "--now", "2026-01-15")
	if o := c.run; o == nil || !o.Now.Equal(time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("run --now 2026-01-15: %+v", c.run)
	}
}
