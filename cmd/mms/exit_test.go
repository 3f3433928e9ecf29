package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mms-project/mms/batch"
)

// run runs the command in this process, as main does, and returns what it
// printed and the exit code main would give.
func run(t *testing.T, ctx context.Context, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	err := newApp(&out, &errOut).Run(ctx, append([]string{"mms"}, args...))
	code := exitCode(ctx, err, &errOut)
	return result{out.String(), errOut.String(), code}
}

// runEnv is run with environment variables ("K=V") set for the rest of
// the test, as the binary would read them: give each its own subtest.
func runEnv(t *testing.T, env []string, args ...string) result {
	t.Helper()
	for _, kv := range append([]string{"MMS_DB=", "MMS_SMTP_USER=", "MMS_SMTP_PASSWORD=", "MMS_CALDAV_USER=", "MMS_CALDAV_PASSWORD="}, env...) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return run(t, context.Background(), args...)
}

// Each kind of error has its exit code, whatever wraps it.
func TestExitCodeOfEachKind(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name string
		ctx  context.Context
		err  error
		want int
	}{
		{"nil", context.Background(), nil, 0},
		{"bad input", context.Background(), fmt.Errorf("run: %w", fmt.Errorf("%w: --users is required", batch.ErrInput)), 1},
		{"a flag the parser refused", context.Background(), errors.New("flag provided but not defined: -frob"), 1},
		{"users failed", context.Background(), fmt.Errorf("run: %w", usersFailedError{failed: 1, total: 3}), 3},
		{"rows rejected", context.Background(), fmt.Errorf("run: %w", rowsRejectedError{rows: 1}), 3},
		{"could not run", context.Background(), fmt.Errorf("%w: dial tcp 127.0.0.1:1: connection refused", batch.ErrUnavailable), 4},
		{"interrupted", cancelled, fmt.Errorf("%w: context canceled", batch.ErrUnavailable), 130},
		{"the store read-only", context.Background(), fmt.Errorf("recording batch: %w", sqliteCode(8)), 4},
		{"the store locked by another process", context.Background(), fmt.Errorf("tenant: %w", sqliteCode(5)), 4},
		{"a run's store locked by another process", context.Background(), fmt.Errorf("%w: state store s.db: %w", batch.ErrUnavailable, sqliteCode(5)), 4},
		{"the store's disk full", context.Background(), fmt.Errorf("rollback: %w", sqliteCode(13|3<<8)), 4},
		{"a constraint the store refused", context.Background(), fmt.Errorf("tenant: %w", sqliteCode(19)), 1},
		{"a PostgreSQL store read-only", context.Background(), fmt.Errorf("recording batch: %w", &pgconn.PgError{Code: "25006"}), 4},
		{"a PostgreSQL store out of disk", context.Background(), fmt.Errorf("rollback: %w", &pgconn.PgError{Code: "53100"}), 4},
		{"a PostgreSQL constraint", context.Background(), fmt.Errorf("tenant: %w", &pgconn.PgError{Code: "23505"}), 1},
		{"a PostgreSQL transaction misused", context.Background(), fmt.Errorf("tenant: %w", &pgconn.PgError{Code: "25001"}), 1},
		{"a PostgreSQL server gone mid-command", context.Background(), fmt.Errorf("rollback: %w", io.ErrUnexpectedEOF), 4},
		{"a file not there", context.Background(), fmt.Errorf("tenant: %w", &fs.PathError{Op: "open", Path: "x.csv", Err: syscall.ENOENT}), 1},
		{"bad input wrapping a store's code", context.Background(), fmt.Errorf("%w: %w", batch.ErrInput, sqliteCode(8)), 1},
	} {
		var errOut bytes.Buffer
		if got := exitCode(c.ctx, c.err, &errOut); got != c.want {
			t.Errorf("%s: exit %d, want %d", c.name, got, c.want)
		}
		if (c.err != nil) != (errOut.Len() > 0) {
			t.Errorf("%s: said %q", c.name, errOut.String())
		}
		if locked := strings.Contains(errOut.String(), "another process holds the state store"); locked != strings.Contains(c.name, "locked") {
			t.Errorf("%s: said %q", c.name, errOut.String())
		}
	}
}

// sqliteCode is an error as modernc's SQLite driver gives them, with its
// result code.
type sqliteCode int

func (c sqliteCode) Error() string { return fmt.Sprintf("SQLite error (%d)", int(c)) }
func (c sqliteCode) Code() int     { return int(c) }

// The codes as the commands give them: bad input 1, a state store that
// cannot be reached 4 (not 1), some users failed 3, interrupted 130.
func TestExitCodes(t *testing.T) {
	t.Setenv("MMS_DB", "")
	ctx := context.Background()
	in := demo(t)
	work := t.TempDir()
	runArgs := func(db string) []string {
		return []string{"run", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"),
			"--out", filepath.Join(work, "out"), "--report", filepath.Join(work, "r.csv"), "--now", demoNow, "--db", db}
	}
	if r := run(t, ctx, "run", "--changes", "c.csv"); r.code != 1 || !strings.Contains(r.stderr, "--users is required") {
		t.Errorf("bad input: exit %d, %q", r.code, r.stderr)
	}
	if r := run(t, ctx, "run", "--frobnicate"); r.code != 1 {
		t.Errorf("unknown flag: exit %d, %q", r.code, r.stderr)
	}
	unreachable := "postgres://mms:mms@127.0.0.1:1/mms?connect_timeout=2"
	for _, args := range [][]string{runArgs(unreachable), {"work", "--db", unreachable}, {"status", "--db", unreachable}, {"tenant", "show", "--db", unreachable}} {
		if r := run(t, ctx, args...); r.code != 4 {
			t.Errorf("%s with the state store unreachable: exit %d, want 4\n%s", args[0], r.code, r.stderr)
		}
	}
	os.WriteFile(filepath.Join(in, "calendars", "user00003.ics"), []byte("BEGIN:VCALENDAR\r\nVERSION:1.0\r\nEND:VCALENDAR\r\n"), 0o644)
	if r := run(t, ctx, runArgs(filepath.Join(work, "mms.db"))...); r.code != 3 || !strings.Contains(r.stderr, "triggered users failed") {
		t.Errorf("a user failed: exit %d, want 3\n%s", r.code, r.stderr)
	}
	interrupted, cancel := context.WithCancel(ctx)
	cancel()
	if r := run(t, interrupted, runArgs(filepath.Join(work, "other.db"))...); r.code != 130 || !strings.Contains(r.stderr, "interrupted") {
		t.Errorf("interrupted: exit %d, want 130\n%s", r.code, r.stderr)
	}
}

// The root --help and rollback's document every exit code; rollback's
// speak of a rollback, which reads no input rows.
func TestHelpListsExitCodes(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"rollback", "--help"}} {
		r := run(t, context.Background(), args...)
		for _, code := range []int{exitOK, exitInput, exitUsersFailed, exitUnavailable, exitInterrupted} {
			if !strings.Contains(r.stdout, fmt.Sprintf("\n   %d ", code)) && !strings.Contains(r.stdout, fmt.Sprintf("   %d  ", code)) {
				t.Errorf("%v does not list exit code %d:\n%s", args, code, r.stdout)
			}
		}
	}
	if r := run(t, context.Background(), "rollback", "--help"); strings.Contains(r.stdout, "input rows") || !strings.Contains(r.stdout, "rolled back already") {
		t.Errorf("rollback --help:\n%s", r.stdout)
	}
}

// A batch that ran with a rejected input row exits 3 (some input was not
// applied), not 1 (nothing was started), and prints the row once.
func TestRejectedRowExitsThree(t *testing.T) {
	var out, errOut bytes.Buffer
	row := "changes.csv:9: column \"user\": nobody@contoso.com is not in the users file"
	err := summarize(&out, &errOut, batch.RunOptions{Send: "outbox"}, batch.Summary{BatchID: "b1", Users: 7, Triggered: 7, Updated: 28, RowErrors: []string{row}})
	if code := exitCode(context.Background(), err, &errOut); code != 3 || !strings.Contains(errOut.String(), "1 input row rejected") {
		t.Errorf("exit %d, want 3, saying one row was rejected:\n%s", code, errOut.String())
	}
	if n := strings.Count(errOut.String(), row); n != 1 {
		t.Errorf("the rejected row is printed %d times, want once:\n%s", n, errOut.String())
	}
	if help := run(t, context.Background(), "run", "--help").stdout; !strings.Contains(help, "rejected and not applied") {
		t.Error("the exit-code help does not say a rejected row exits 3")
	}
}

// tenant show of a SQLite store that is not there shows the defaults,
// says on stderr that there is no store (a mistyped --db?) and creates
// nothing; tenant set creates it, and show then reads it.
func TestTenantShowMissingStore(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "typo.db")
	r := run(t, ctx, "tenant", "show", "--db", db)
	defaults := "meeting_migration_enabled: true\nautomatically_migrate_user_meetings: true\nautomatically_replace_acp_provider: false\n"
	if r.code != 0 || r.stdout != defaults || !strings.Contains(r.stderr, "no state store at "+db+" yet: these are the defaults") {
		t.Errorf("tenant show of a missing store: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("tenant show created the store")
	}
	// status, batches, work and rollback say there is no store, not the
	// system's stat error, and make none (work would "migrate" nobody in
	// an empty one).
	for _, cmd := range [][]string{{"status"}, {"batches"}, {"work"}, {"rollback", "--batch", "last", "--yes"}, {"start", "--user", "ann@contoso.com"}} {
		if r := run(t, ctx, append(cmd, "--db", db)...); r.code != 1 || !strings.Contains(r.stderr, "no state store at "+db+"; mms run (or mms start) creates it") || strings.Contains(r.stderr, "stat ") {
			t.Errorf("%s of a missing store: exit %d %q", cmd, r.code, r.stderr)
		}
		if _, err := os.Stat(db); err == nil {
			t.Fatalf("%s created the store", cmd)
		}
	}
	// A bad setting is refused before the store is made.
	for _, args := range [][]string{{"meeting_migration_enabled", "maybe"}, {"bogus", "true"}} {
		if r := run(t, ctx, append([]string{"tenant", "set"}, append(args, "--db", db)...)...); r.code != 1 || !strings.Contains(r.stderr, args[0]) {
			t.Errorf("tenant set %s: exit %d %q", args, r.code, r.stderr)
		}
		if _, err := os.Stat(db); err == nil {
			t.Fatalf("tenant set %s created the store", args)
		}
	}
	// A store that cannot be looked at (here: under a file, not a folder)
	// is an error, not the defaults.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := run(t, ctx, "tenant", "show", "--db", filepath.Join(file, "mms.db")); r.code == 0 || r.stdout != "" {
		t.Errorf("tenant show of a store that cannot be looked at: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := run(t, ctx, "tenant", "set", "meeting_migration_enabled", "false", "--db", db); r.code != 0 {
		t.Fatalf("tenant set: exit %d %s", r.code, r.stderr)
	}
	if r := run(t, ctx, "tenant", "show", "--db", db); r.code != 0 || !strings.Contains(r.stdout, "meeting_migration_enabled: false") {
		t.Errorf("tenant show after set: exit %d %s%s", r.code, r.stdout, r.stderr)
	}
	// A run with migration switched off says why nothing was migrated.
	in, work := demo(t), t.TempDir()
	r = run(t, ctx, "run", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"), "--out", filepath.Join(work, "out"),
		"--report", filepath.Join(work, "r.csv"), "--now", demoNow, "--db", db, "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "0 triggered") ||
		!strings.Contains(r.stderr, "mms: warning: the tenant setting meeting_migration_enabled is false: no user is migrated (mms tenant set meeting_migration_enabled true turns it on)") {
		t.Errorf("a run with migration off: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// A --db that names a folder or a file that is not a SQLite database is
// bad input (exit 1, saying what --db should be), not an unreachable
// store to try again (exit 4); the file is left as it was.
func TestDBThatIsNoStore(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "users.csv")
	os.WriteFile(notDB, []byte("user,calendar\r\n"), 0o644)
	for db, want := range map[string]string{dir: "not an mms state store: it is a folder", notDB: "not an mms state store: the file is not a SQLite database"} {
		for _, args := range [][]string{{"status"}, {"batches"}, {"tenant", "show"}} {
			r := run(t, context.Background(), append(args, "--db", db)...)
			if r.code != exitInput || !strings.Contains(r.stderr, want) {
				t.Errorf("mms %v --db %s: exit %d, %q; want 1 and %q", args, db, r.code, r.stderr, want)
			}
		}
	}
	if got, _ := os.ReadFile(notDB); string(got) != "user,calendar\r\n" {
		t.Errorf("the file given as --db was changed: %q", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files left beside it: %v", entries)
	}
}

// A run whose updates all went out before (already-sent) still writes
// its calendars, and says where.
func TestAlreadySentRunPointsAtItsCalendars(t *testing.T) {
	ctx := context.Background()
	in, work := demo(t), t.TempDir()
	db := filepath.Join(work, "mms.db")
	for _, out := range []string{"out1", "out2"} {
		r := run(t, ctx, "run", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"), "--out", filepath.Join(work, out),
			"--report", filepath.Join(work, out+".csv"), "--now", demoNow, "--db", db)
		if r.code != 0 || !strings.Contains(r.stdout, "calendars: "+filepath.Join(work, out, "calendars")) {
			t.Errorf("run into %s: exit %d\n%s\n%s", out, r.code, r.stdout, r.stderr)
		}
		if out == "out2" && !strings.Contains(r.stdout, "0 meetings updated") {
			t.Errorf("the second run updated meetings the first sent:\n%s", r.stdout)
		}
	}
}

// A pilot's summary says it is one.
func TestPilotSaysSo(t *testing.T) {
	ctx := context.Background()
	in, work := demo(t), t.TempDir()
	r := run(t, ctx, "run", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"), "--out", filepath.Join(work, "out"),
		"--report", filepath.Join(work, "r.csv"), "--now", demoNow, "--db", filepath.Join(work, "mms.db"), "--dry-run", "--user", "user00001@contoso.com")
	if r.code != 0 || !strings.Contains(r.stdout, "(a pilot: only the users --user named): 1 user, 1 triggered") {
		t.Errorf("pilot: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestStoreOfAnotherDatabase: every command given the URL of another
// database as --db says what it takes, as mms run does, not that no store
// is there.
func TestStoreOfAnotherDatabase(t *testing.T) {
	ctx := context.Background()
	for _, cmd := range [][]string{{"status"}, {"batches"}, {"work"}, {"rollback", "--batch", "last", "--yes"}, {"start", "--user", "ann@contoso.com"}} {
		r := run(t, ctx, append(cmd, "--db", "mysql://db.example.com/mms")...)
		if r.code != 1 || !strings.Contains(r.stderr, "use a SQLite file path or a postgres:// URL") || strings.Contains(r.stderr, "no state store") {
			t.Errorf("%s --db mysql://…: exit %d %q", cmd, r.code, r.stderr)
		}
	}
}

// A CalDAV server that cannot be reached stops the run (exit 4), naming
// the user whose calendar it is, so that the right row of the users file
// is checked (a newcomer's walkthrough: only the URL was named).
func TestUnreachableCalDAVNamesTheUser(t *testing.T) {
	t.Setenv("MMS_DB", "")
	in := demo(t)
	work := t.TempDir()
	users := filepath.Join(in, "users.csv")
	data, err := os.ReadFile(users)
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), "calendars/user00001.ics", "http://127.0.0.1:9/cal/", 1))
	if err := os.WriteFile(users, data, 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, context.Background(), "run", "--users", users, "--changes", filepath.Join(in, "changes.csv"),
		"--out", filepath.Join(work, "out"), "--report", filepath.Join(work, "r.csv"), "--now", demoNow, "--db", filepath.Join(work, "mms.db"))
	if r.code != 4 || !strings.Contains(r.stderr, "user user00001@contoso.com: the CalDAV server cannot be reached") {
		t.Errorf("exit %d, want 4 naming the user\n%s", r.code, r.stderr)
	}
}
