package batch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Defaults are applied first, then the options are checked, once: an
// unset option gets its default, and --send is refused with one message
// by every command that takes it.
func TestOptionsDefaultsThenValidate(t *testing.T) {
	o := RunOptions{Users: "u.csv", Changes: "c.csv", Report: "r.xlsx", Out: "out"}
	d := o.WithDefaults()
	if d.Send != "outbox" || d.Workers != runtime.NumCPU()+1 || d.DB != "mms.db" || d.Clock == nil || d.Events == nil {
		t.Errorf("defaults: %+v", d)
	}
	if o.Send != "" || o.Workers != 0 || o.DB != "" {
		t.Errorf("WithDefaults changed its receiver: %+v", o)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, send := range []string{"carrier-pigeon", "smtp://relay.example.com", "smtp://:25"} {
		o.Send = send
		run := o.WithDefaults().Validate()
		start := StartOptions{User: "a@contoso.com", Send: send}.WithDefaults().Validate()
		if run == nil || start == nil || !strings.Contains(run.Error(), start.Error()) || !strings.Contains(start.Error(), send) {
			t.Errorf("--send %s: run %v; start %v", send, run, start)
		}
	}
	if err := (RunOptions{Tuning: Tuning{Workers: -1}}).WithDefaults().Validate(); err == nil || !strings.Contains(err.Error(), "--workers -1") {
		t.Errorf("--workers -1: %v", err)
	}
	s := StartOptions{User: " Anna@Contoso.com "}.WithDefaults()
	if s.User != "anna@contoso.com" || s.Clock == nil || s.Validate() != nil {
		t.Errorf("start defaults: %+v", s)
	}
}

// Tuning numbers out of range are refused with the flag and its range, by
// run and by work, before River or a server sees them.
func TestTuningRanges(t *testing.T) {
	for _, c := range []struct {
		tuning Tuning
		want   string
	}{
		{Tuning{Workers: 1000000}, "--workers 1000000: use 1 to 256"},
		{Tuning{Workers: MaxWorkers + 1}, "--workers 257: use 1 to 256"},
		{Tuning{CalDAVRequests: 1000}, "--caldav-requests 1000: use 1 or more requests in flight per CalDAV server (0 or nothing: the default, 4), at most 64"},
		{Tuning{SMTPSessions: -1}, "--smtp-sessions -1: use 1 or more sessions with the mail relay (0 or nothing: the default, 4), at most 64"},
		{Tuning{SMTPSessions: 65}, "--smtp-sessions 65: use 1 or more sessions with the mail relay (0 or nothing: the default, 4), at most 64"},
	} {
		o := RunOptions{Users: "u.csv", Changes: "c.csv", Report: "r.csv", Out: "out", Tuning: c.tuning}
		if err := o.WithDefaults().Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("run with %+v: %v, want %q", c.tuning, err, c.want)
		}
		_, err := Work(context.Background(), WorkOptions{DB: filepath.Join(t.TempDir(), "mms.db"), Tuning: c.tuning})
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("work with %+v: %v, want bad input saying %q", c.tuning, err, c.want)
		}
	}
	ok := RunOptions{Users: "u.csv", Changes: "c.csv", Report: "r.csv", Out: "out", Tuning: Tuning{Workers: MaxWorkers, CalDAVRequests: MaxCalDAVRequests, SMTPSessions: MaxSMTPSessions}}
	if err := ok.WithDefaults().Validate(); err != nil {
		t.Errorf("the largest values: %v", err)
	}
	// 0 is the default, as the README and --help say: one more than the
	// CPUs for --workers, 4 for the others.
	zero := RunOptions{Users: "u.csv", Changes: "c.csv", Report: "r.csv", Out: "out"}.WithDefaults()
	if err := zero.Validate(); err != nil || zero.Workers != runtime.NumCPU()+1 {
		t.Errorf("--workers 0: %d workers, %v; want one more than the CPUs", zero.Workers, err)
	}
	neg := RunOptions{Users: "u.csv", Changes: "c.csv", Report: "r.csv", Out: "out", Tuning: Tuning{Workers: -1}}
	if err := neg.WithDefaults().Validate(); err == nil || !strings.Contains(err.Error(), "--workers -1") || !strings.Contains(err.Error(), "0 or nothing") {
		t.Errorf("--workers -1: %v", err)
	}
}

// TestUserForUsersHinted: --user given where --users is missing gets a
// hint on its own line.
func TestUserForUsersHinted(t *testing.T) {
	err := RunOptions{Only: []string{"users.csv"}, Changes: "c.csv", Report: "r.csv", DryRun: true}.WithDefaults().Validate()
	if err == nil || !strings.Contains(err.Error(), "--users is required") || !strings.Contains(err.Error(), "\n  (--user names pilot users") {
		t.Errorf("--user without --users: %v", err)
	}
}

// TestRefusedBeforeAnything: an --out that is a file, an --out that is the
// users file, a relay port out of range and a --db of another database
// are bad input (exit 1) before any user is migrated or any store made.
func TestRefusedBeforeAnything(t *testing.T) {
	for name, tc := range map[string]struct {
		set  func(o *RunOptions)
		want string
	}{
		"out is a file": {func(o *RunOptions) {
			f := filepath.Join(t.TempDir(), "out.txt")
			os.WriteFile(f, []byte("x"), 0o644)
			o.Out = f
		}, "is a file, not a directory"},
		"out is the users file": {func(o *RunOptions) { o.Out = o.Users }, "is a file, not a directory"},
		// found by a newcomer trial: the dry run took it, the real run refused it
		"dry run, out is a file": {func(o *RunOptions) { o.Out, o.DryRun = o.Users, true }, "is a file, not a directory"},
		"relay port":             {func(o *RunOptions) { o.Send = "smtp://127.0.0.1:99999" }, "port 99999 is not a port number"},
		"another database":       {func(o *RunOptions) { o.DB = "mysql://mms:secret@db/mms" }, "use a SQLite file path or a postgres:// URL"},
	} {
		t.Run(name, func(t *testing.T) {
			o := demoOptions(t)
			tc.set(&o)
			_, err := Run(context.Background(), o)
			if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "secret") {
				t.Fatalf("Run: %v; want bad input saying %q", err, tc.want)
			}
			if _, err := os.Stat(o.DB); err == nil && !strings.Contains(o.DB, "://") {
				t.Errorf("a state store was made at %s", o.DB)
			}
			if _, err := os.Stat("mysql:"); err == nil {
				t.Error("a SQLite file was made for a mysql:// --db")
			}
		})
	}
}

// TestFilesWithoutRows: a users or changes file with a header and no rows
// is bad input naming the file, not a run that does nothing.
func TestFilesWithoutRows(t *testing.T) {
	o := demoOptions(t)
	o.Users = filepath.Join(t.TempDir(), "users.csv")
	os.WriteFile(o.Users, []byte("user,calendar\n\n"), 0o644)
	_, err := Run(context.Background(), o)
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), o.Users+": no user rows") {
		t.Errorf("Run: %v; want bad input naming the users file", err)
	}
	o = demoOptions(t)
	o.Changes = filepath.Join(t.TempDir(), "changes.csv")
	os.WriteFile(o.Changes, []byte("user,change\n"), 0o644)
	_, err = Run(context.Background(), o)
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), o.Changes+": no change rows") {
		t.Errorf("Run: %v; want bad input naming the changes file", err)
	}
}

// A changes file whose rows all belong to users rejected in the users
// file is not an empty one: the run fails those users, naming why, rather
// than refusing to start.
func TestChangesOfRejectedUsersOnly(t *testing.T) {
	o := demoOptions(t)
	dir := t.TempDir()
	o.Users, o.Changes = filepath.Join(dir, "users.csv"), filepath.Join(dir, "changes.csv")
	os.WriteFile(o.Users, []byte("user,calendar\nanna@contoso.com,missing\"x.ics\n"), 0o644)
	os.WriteFile(o.Changes, []byte("user,change\nanna@contoso.com,dialin-enabled\n"), 0o644)
	sum, err := Run(context.Background(), o)
	if err != nil || sum.Failed != 1 || len(sum.FailedUsers) != 1 || !strings.Contains(sum.FailedUsers[0], "users.csv:2: bare") {
		t.Fatalf("Run: %+v, %v; want anna failed for its row", sum, err)
	}
}

// TestOutWithFoldersOfItsOwn: an --out that exists and holds folders of
// its own (one named x, say) is taken as it is.
func TestOutWithFoldersOfItsOwn(t *testing.T) {
	o := demoOptions(t)
	if err := os.MkdirAll(filepath.Join(o.Out, "x", "calendars"), 0o755); err != nil {
		t.Fatal(err)
	}
	if sum, err := Run(context.Background(), o); err != nil || sum.Updated == 0 {
		t.Errorf("Run into an --out with a folder x: %+v %v", sum, err)
	}
}

// mms start's --join-url and --conference-id are checked as the changes
// file's cells are, before anything is opened.
func TestStartFlagValues(t *testing.T) {
	err := StartOptions{User: "a@contoso.com", JoinURL: "ftp://x", ConferenceID: "abc"}.WithDefaults().Validate()
	if err == nil || !strings.Contains(err.Error(), `--join-url "ftp://x" is not an http(s) URL`) ||
		!strings.Contains(err.Error(), `--conference-id "abc" is not a conference ID`) {
		t.Errorf("bad flag values: %v", err)
	}
	ok := StartOptions{User: "a@contoso.com", JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}", ConferenceID: "555 000 111"}
	if err := ok.WithDefaults().Validate(); err != nil {
		t.Errorf("good flag values: %v", err)
	}
}
