package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An unknown command says which there are; a run that rewrote nothing
// points at no output folder it never wrote.
func TestCommandLineMessages(t *testing.T) {
	r := mms(t, "frobnicate")
	if r.code != 1 || !strings.Contains(r.stderr, `unknown command "frobnicate": use run, start, work, status, batches, rollback or tenant`) {
		t.Errorf("unknown command: exit %d, %q", r.code, r.stderr)
	}
	// A typo is named (found by a newcomer: flags got a suggestion,
	// commands none).
	// with the command's flags after it, the word is what is wrong, not
	// the flag (found by a newcomer trial: "flag provided but not defined")
	if r := mms(t, "statsu", "--db", "x.db"); r.code != 1 || !strings.Contains(r.stderr, `unknown command "statsu": did you mean status?`) {
		t.Errorf("a misspelt command with flags: exit %d, %q", r.code, r.stderr)
	}
	if r := mms(t, "runn"); r.code != 1 || !strings.Contains(r.stderr, `unknown command "runn": did you mean run?`) {
		t.Errorf("mms runn: exit %d, %q", r.code, r.stderr)
	}
	in := demo(t)
	work := t.TempDir()
	args := []string{"run", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"),
		"--out", filepath.Join(work, "out"), "--report", filepath.Join(work, "r.csv"), "--now", "2030-01-01T00:00:00Z", "--db", filepath.Join(work, "mms.db")}
	r = mms(t, args...) // every meeting is past in 2030
	if r.code != 0 || !strings.Contains(r.stdout, "0 meetings updated") || strings.Contains(r.stdout, "calendars:") {
		t.Errorf("a run that rewrote nothing: exit %d\n%s", r.code, r.stdout)
	}
	if !strings.Contains(r.stderr, "mms: warning: all 45 meetings start before --now 2030-01-01T00:00:00Z (past: none has an occurrence at or after it); did you mean an earlier --now?") {
		t.Errorf("a run whose meetings are all past does not warn:\n%s", r.stderr)
	}
	for _, line := range []string{"reading " + filepath.Join(in, "users.csv") + " and ", "migrating 5 users", "writing the report " + filepath.Join(work, "r.csv")} {
		if !strings.Contains(r.stderr, line) {
			t.Errorf("progress lacks %q:\n%s", line, r.stderr)
		}
	}
	// the same command again: its totals are the batch's, said so
	r = mms(t, args...)
	if r.code != 0 || !strings.Contains(r.stdout, "already ran to the end") || !strings.Contains(r.stdout, " in all: 7 users") {
		t.Errorf("the same command again: exit %d\n%s", r.code, r.stdout)
	}
}

// A flag the parser refuses is one line on stderr, said once, pointing at
// the command's help; nothing on stdout; exit 1.
func TestUsageErrorOneLine(t *testing.T) {
	for _, c := range []struct {
		args       []string
		want, help string
	}{
		{[]string{"run", "--workers", "abc"}, `invalid value "abc" for flag --workers: not a whole number`, "see mms run --help"},
		{[]string{"run", "--workers", "0.5"}, `invalid value "0.5" for flag --workers: not a whole number; see mms run --help`, "see mms run --help"},
		{[]string{"run", "--frobnicate"}, "flag provided but not defined: --frobnicate", "see mms run --help"},
		{[]string{"tenant", "show", "--x"}, "flag provided but not defined: --x", "see mms tenant show --help"},
		{[]string{"run", "--dryrun"}, "flag provided but not defined: --dryrun: did you mean --dry-run?", "see mms run --help"},
		{[]string{"status", "--usr", "a@contoso.com"}, "did you mean --user?", "see mms status --help"},
	} {
		r := run(t, context.Background(), c.args...)
		if r.code != 1 || r.stdout != "" || strings.Count(r.stderr, c.want) != 1 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 ||
			!strings.Contains(r.stderr, c.help) {
			t.Errorf("%v: exit %d\nstdout %q\nstderr %q", c.args, r.code, r.stdout, r.stderr)
		}
	}
}

// An MMS_* variable whose value its flag cannot take is said as a flag's
// bad value is, naming the variable, not in strconv's words (a newcomer's
// MMS_WORKERS=abc read "strconv.ParseInt: parsing ...").
func TestEnvValueErrorOneLine(t *testing.T) {
	for _, c := range []struct{ env, value, args, want string }{
		{"MMS_WORKERS", "abc", "work", `MMS_WORKERS="abc" (the variable of --workers): not a whole number`},
		{"MMS_DRY_RUN", "yes", "run", `MMS_DRY_RUN="yes" (the variable of --dry-run): not true or false (also 1 or 0)`},
		{"MMS_RESCUE_AFTER", "soon", "work", `MMS_RESCUE_AFTER="soon" (the variable of --rescue-after): not a duration like 90s or 10m`},
	} {
		t.Run(c.env, func(t *testing.T) {
			t.Setenv(c.env, c.value)
			r := run(t, context.Background(), strings.Fields(c.args)...)
			if r.code != 1 || !strings.Contains(r.stderr, c.want) || strings.Contains(r.stderr, "strconv") || strings.Contains(r.stderr, "could not parse") {
				t.Errorf("exit %d\nstderr %q\nwant %q", r.code, r.stderr, c.want)
			}
		})
	}
}

// A word without dashes is refused on every command that takes none
// (exit 1, nothing done): "mms run ... dry-run" once ran for real. A word
// that is a flag's name says which flag was meant.
func TestStrayWordsRefused(t *testing.T) {
	in := demo(t)
	work := t.TempDir()
	db := filepath.Join(work, "mms.db")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"), "--out", filepath.Join(work, "out"),
			"--report", filepath.Join(work, "r.csv"), "--db", db, "dry-run"}, `"dry-run" is not an option of mms run: did you mean --dry-run?`},
		{[]string{"status", "--db", db, "anna@contoso.com"}, `mms status takes options only, not "anna@contoso.com"`},
		{[]string{"batches", "--db", db, "extra"}, `mms batches takes options only, not "extra"`},
		{[]string{"tenant", "show", "--db", db, "extra"}, `mms tenant show takes options only, not "extra"`},
		{[]string{"work", "--db", db, "now"}, `mms work takes options only, not "now"`},
	} {
		r := mms(t, c.args...)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", c.args[:2], r.code, r.stderr, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(work, "out")); !os.IsNotExist(err) {
		t.Errorf("the refused run wrote its output folder (%v)", err)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("a refused command made the state store (%v)", err)
	}
	if r := mms(t, "tenant", "set", "meeting_migration_enabled", "TRUE", "--db", db); r.code != 0 || r.stdout != "meeting_migration_enabled: true\n" {
		t.Errorf("tenant set NAME VALUE: exit %d, %q %q; want the value as stored", r.code, r.stdout, r.stderr)
	}
}

// A failed user is named on stderr with why, so that a bad row of the
// changes file for a listed user is seen without opening the report.
func TestFailedUsersNamed(t *testing.T) {
	in := demo(t)
	work := t.TempDir()
	data, err := os.ReadFile(filepath.Join(in, "changes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), ",+46 8 505 248 89,", ",08-505 248 89,", 1)
	changes := filepath.Join(work, "changes.csv")
	if err := os.WriteFile(changes, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	r := mms(t, "run", "--users", filepath.Join(in, "users.csv"), "--changes", changes, "--out", filepath.Join(work, "out"),
		"--report", filepath.Join(work, "r.csv"), "--now", "2026-01-15T09:00:00Z", "--db", filepath.Join(work, "mms.db"), "--dry-run")
	want := `mms: failed: user00000@contoso.com: ` + changes + `:2: column "toll_number": "08-505 248 89" is not a phone number`
	if r.code != 3 || !strings.Contains(r.stderr, want) || strings.Count(r.stderr, "mms: failed:") != 1 {
		t.Errorf("exit %d, stderr:\n%s\nwant a line %q", r.code, r.stderr, want)
	}
}

// A word after mms tenant that is none of its commands is said as such,
// with or without a flag after it (a newcomer's "mms tenant get --db x"
// read "flag provided but not defined: --db", and without the flag "No
// help topic for 'get'").
func TestTenantUnknownSubcommand(t *testing.T) {
	for _, args := range [][]string{{"tenant", "get"}, {"tenant", "get", "--db", "x.db"}} {
		r := run(t, context.Background(), args...)
		if want := `unknown command "mms tenant get": use mms tenant show or set`; r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Errorf("%v: exit %d\nstderr %q\nwant %q", args, r.code, r.stderr, want)
		}
	}
}

// The value is quoted once, as typed (a review found the parser's quoting
// quoted again), newlines too.
func TestEnvValueQuotedOnce(t *testing.T) {
	for value, want := range map[string]string{`a"b`: `MMS_WORKERS="a\"b" `, "a\nb": `MMS_WORKERS="a\nb" `} {
		t.Run(strings.ReplaceAll(value, "\n", "NL"), func(t *testing.T) {
			t.Setenv("MMS_WORKERS", value)
			r := run(t, context.Background(), "work")
			if r.code != 1 || !strings.Contains(r.stderr, want) {
				t.Errorf("stderr %q, want %q", r.stderr, want)
			}
		})
	}
}
