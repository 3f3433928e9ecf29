package main

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/batch"
	"github.com/mms-project/mms/ics"
)

// called is what a command line had the batch called with.
type called struct {
	run, enqueue *batch.RunOptions
	start        *batch.StartOptions
	work         *batch.WorkOptions
	rollback     *batch.RollbackOptions
}

var errParsed = errors.New("parsed, not run")

// parse runs a command line in process, with env set, the batch calls
// replaced by recorders (gh's runF): what the flags and MMS_* variables
// map to, without running anything.
func parse(t *testing.T, env map[string]string, args ...string) called {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var c called
	calls := batchCalls{
		run: func(_ context.Context, o batch.RunOptions) (batch.Summary, error) {
			c.run = &o
			return batch.Summary{}, errParsed
		},
		enqueue: func(_ context.Context, o batch.RunOptions) (batch.Summary, error) {
			c.enqueue = &o
			return batch.Summary{}, errParsed
		},
		start: func(_ context.Context, o batch.StartOptions) (batch.Started, error) {
			c.start = &o
			return batch.Started{}, errParsed
		},
		work: func(_ context.Context, o batch.WorkOptions) ([]batch.Summary, error) {
			c.work = &o
			return nil, errParsed
		},
		rollback: func(_ context.Context, o batch.RollbackOptions) (batch.RolledBack, error) {
			c.rollback = &o
			return batch.RolledBack{}, errParsed
		},
	}
	err := newAppWith(io.Discard, io.Discard, calls).Run(context.Background(), append([]string{"mms"}, args...))
	if !errors.Is(err, errParsed) {
		t.Fatalf("mms %v: %v, want the batch called", args, err)
	}
	return c
}

var flagNow = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)

// Every flag of mms run lands in its option, and so does its MMS_*
// variable; the memory policy is the command's.
func TestRunFlagsToOptions(t *testing.T) {
	c := parse(t, nil, "run", "--users", "u.csv", "--changes", "c.xlsx", "--out", "o", "--report", "r.xlsx", "--now", "2026-01-15T09:00:00Z",
		"--dry-run", "--again", "--send", "none", "--workers", "3", "--db", "x.db", "--rescue-after", "45s", "--caldav-requests", "2", "--smtp-sessions", "5")
	o := c.run
	if o == nil || o.Users != "u.csv" || o.Changes != "c.xlsx" || o.Out != "o" || o.Report != "r.xlsx" || !o.Now.Equal(flagNow) ||
		!o.DryRun || !o.Again || o.Send != "none" || o.Workers != 3 || o.DB != "x.db" || o.Lease != 45*time.Second ||
		o.CalDAVRequests != 2 || o.SMTPSessions != 5 || o.Phase == nil || o.Events == nil {
		t.Fatalf("mms run flags: %+v", o)
	}
	c = parse(t, map[string]string{"MMS_USERS": "eu.csv", "MMS_CHANGES": "ec.csv", "MMS_OUT": "eo", "MMS_REPORT": "er.csv", "MMS_SEND": "smtp://relay:25",
		"MMS_WORKERS": "7", "MMS_DB": "postgres://h/db", "MMS_DRY_RUN": "true", "MMS_SMTP_SESSIONS": "9", "MMS_CALDAV_REQUESTS": "8"}, "run")
	o = c.run
	if o == nil || o.Users != "eu.csv" || o.Changes != "ec.csv" || o.Out != "eo" || o.Report != "er.csv" || o.Send != "smtp://relay:25" ||
		o.Workers != 7 || o.DB != "postgres://h/db" || !o.DryRun || o.SMTPSessions != 9 || o.CalDAVRequests != 8 {
		t.Fatalf("mms run from MMS_*: %+v", o)
	}
	// MMS_USER, set to look a user up with mms status, never makes a run a
	// pilot; MMS_PILOT does.
	c = parse(t, map[string]string{"MMS_USER": "anna@contoso.com"}, "run", "--users", "u.csv")
	if o = c.run; o == nil || len(o.Only) != 0 {
		t.Fatalf("MMS_USER narrowed mms run: %+v", o)
	}
	c = parse(t, map[string]string{"MMS_PILOT": "anna@contoso.com,bo@contoso.com"}, "run", "--users", "u.csv")
	if o = c.run; o == nil || !slices.Equal(o.Only, []string{"anna@contoso.com", "bo@contoso.com"}) {
		t.Fatalf("MMS_PILOT: %+v", o)
	}
	c = parse(t, map[string]string{"MMS_USER": "anna@contoso.com"}, "rollback", "--batch", "b1")
	if r := c.rollback; r == nil || r.User != "" {
		t.Fatalf("MMS_USER narrowed mms rollback: %+v", r)
	}
	// a run's MMS_REPORT and MMS_NOW, still exported, do not write a
	// rollback's report over the run's, nor stamp it with the run's --now
	// (a newcomer's report was written over); its own variables do
	c = parse(t, map[string]string{"MMS_REPORT": "run.xlsx", "MMS_NOW": "2026-01-15T09:00:00Z"}, "rollback", "--batch", "b1")
	if r := c.rollback; r == nil || r.Report != "" || !r.Now.IsZero() {
		t.Fatalf("the run's MMS_REPORT or MMS_NOW read by mms rollback: %+v", r)
	}
	c = parse(t, map[string]string{"MMS_REPORT": "run.xlsx"}, "start", "--user", "a@contoso.com")
	if s := c.start; s == nil || s.Report != "" {
		t.Fatalf("the run's MMS_REPORT read by mms start (a review: mms work wrote the start's report over the run's): %+v", s)
	}
	c = parse(t, map[string]string{"MMS_START_REPORT": "st.xlsx"}, "start", "--user", "a@contoso.com")
	if s := c.start; s == nil || s.Report != "st.xlsx" {
		t.Fatalf("MMS_START_REPORT: %+v", s)
	}
	c = parse(t, map[string]string{"MMS_ROLLBACK_REPORT": "rb.xlsx", "MMS_ROLLBACK_NOW": "2026-01-15T09:00:00Z"}, "rollback", "--batch", "b1")
	if r := c.rollback; r == nil || r.Report != "rb.xlsx" || !r.Now.Equal(flagNow) {
		t.Fatalf("MMS_ROLLBACK_REPORT, MMS_ROLLBACK_NOW: %+v", r)
	}
}

func TestStartWorkRollbackFlagsToOptions(t *testing.T) {
	c := parse(t, nil, "start", "--user", "A@contoso.com", "--source-meeting-type", "sfb", "--target-meeting-type", "teams", "--users", "u.csv",
		"--changes", "c.csv", "--calendar", "a.ics", "--join-url", "https://j", "--conference-id", "42", "--out", "o", "--report", "r.csv",
		"--now", "2026-01-15T09:00:00Z", "--dry-run", "--send", "outbox", "--db", "x.db")
	s := c.start
	if s == nil || s.User != "A@contoso.com" || s.Source != ics.SourceSfB || s.Target != "teams" || s.Users != "u.csv" || s.Changes != "c.csv" ||
		s.Calendar != "a.ics" || s.JoinURL != "https://j" || s.ConferenceID != "42" || s.Out != "o" || s.Report != "r.csv" ||
		!s.Now.Equal(flagNow) || !s.DryRun || s.Send != "outbox" || s.DB != "x.db" {
		t.Fatalf("mms start flags: %+v", s)
	}
	c = parse(t, nil, "start", "--users", "u.csv", "--changes", "c.csv", "--out", "o", "--report", "r.csv", "--send", "none", "--db", "x.db")
	if e := c.enqueue; e == nil || c.start != nil || e.Users != "u.csv" || e.Changes != "c.csv" || e.Out != "o" || e.Report != "r.csv" || e.Send != "none" || e.DB != "x.db" {
		t.Fatalf("mms start without --user queues the batch: %+v", c)
	}
	c = parse(t, nil, "work", "--batch", "b1", "--workers", "2", "--rescue-after", "1m", "--caldav-requests", "3", "--smtp-sessions", "1", "--db", "x.db")
	if w := c.work; w == nil || w.BatchID != "b1" || w.Workers != 2 || w.Lease != time.Minute || w.CalDAVRequests != 3 || w.SMTPSessions != 1 ||
		w.DB != "x.db" || w.Phase == nil || w.Events == nil {
		t.Fatalf("mms work flags: %+v", c.work)
	}
	c = parse(t, nil, "rollback", "--batch", "b1", "--user", "a@contoso.com", "--now", "2026-01-15T09:00:00Z", "--send", "none", "--report", "rb.csv", "--db", "x.db")
	if r := c.rollback; r == nil || r.BatchID != "b1" || r.User != "a@contoso.com" || !r.Now.Equal(flagNow) || r.Send != "none" || r.Report != "rb.csv" ||
		r.DB != "x.db" || r.Phase == nil {
		t.Fatalf("mms rollback flags: %+v", c.rollback)
	}
}

// mms start says what the queued batch was made from: the rows of an
// earlier batch, of the files given, or (by hand) the flags (found by an
// audit: a start by hand said it came from the rows of the files given).
func TestStartSaysWhatTheBatchIsMadeFrom(t *testing.T) {
	for _, c := range []struct {
		args []string
		from string
		want string
	}{
		{[]string{"--calendar", "a.ics", "--join-url", "https://j"}, "", "(from the flags given)"},
		{[]string{"--users", "u.csv", "--changes", "c.csv", "--out", "o"}, "", "(from the rows of the files given)"},
		{nil, "b0", "(from the rows of batch b0)"},
	} {
		var out strings.Builder
		calls := batchCalls{start: func(context.Context, batch.StartOptions) (batch.Started, error) {
			return batch.Started{BatchID: "b1", User: "a@contoso.com", From: c.from}, nil
		}}
		args := append([]string{"mms", "start", "--user", "a@contoso.com", "--db", "x.db"}, c.args...)
		if err := newAppWith(&out, io.Discard, calls).Run(context.Background(), args); err != nil || !strings.Contains(out.String(), c.want) {
			t.Errorf("mms %v: %v\n%s\nwant %s", args, err, out.String(), c.want)
		}
	}
}

// The summary's last clause counts what was not updated, and why where an
// earlier batch sent it.
func TestLeftAlone(t *testing.T) {
	for _, c := range []struct {
		sum  batch.Summary
		want string
	}{
		{batch.Summary{}, ""},
		{batch.Summary{Skipped: 16, AlreadySent: 12, FailedMeetings: 1}, "; not updated: 16 skipped (12 already sent), 1 failed: see the report"},
		{batch.Summary{FailedMeetings: 2}, "; not updated: 2 failed: see the report"},
		{batch.Summary{Skipped: 3}, "; not updated: 3 skipped: see the report"},
	} {
		if got := leftAlone(c.sum); got != c.want {
			t.Errorf("%+v: %q, want %q", c.sum, got, c.want)
		}
	}
}
