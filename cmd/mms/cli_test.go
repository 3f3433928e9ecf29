package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// An unknown command says which there are; a run that rewrote nothing
// points at no output folder it never wrote.
func TestCommandLineMessages(t *testing.T) {
	r := mms(t, "frobnicate")
	if r.code != 1 || !strings.Contains(r.stderr, `unknown command "frobnicate": use run, start, work, status, rollback or tenant`) {
		t.Errorf("unknown command: exit %d, %q", r.code, r.stderr)
	}
	in := demo(t)
	work := t.TempDir()
	args := []string{"run", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"),
		"--out", filepath.Join(work, "out"), "--report", filepath.Join(work, "r.csv"), "--now", "2030-01-01T00:00:00Z", "--db", filepath.Join(work, "mms.db")}
	r = mms(t, args...) // every meeting is past in 2030
	if r.code != 0 || !strings.Contains(r.stdout, "0 meetings updated") || strings.Contains(r.stdout, "calendars:") {
		t.Errorf("a run that rewrote nothing: exit %d\n%s", r.code, r.stdout)
	}
}
