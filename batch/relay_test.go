package batch

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/smtp"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/internal/smtpsink"
)

// TestSMTPRefusals: a refused recipient is noted in the meeting's row
// while the meeting counts as updated; a meeting whose every recipient
// is refused fails, and so does its user; every other user succeeds.
func TestSMTPRefusals(t *testing.T) {
	r := smtpsink.StartWith(t, "127.0.0.1:0", smtpsink.Hooks{Rcpt: func(from, to string) error {
		switch {
		case strings.HasPrefix(from, "user00001@"):
			return smtpsink.Refuse(550, "mailbox unavailable")
		case to == "guest001@fabrikam.com":
			return smtpsink.Refuse(550, "no such user")
		}
		return nil
	}})
	o := demoOptions(t)
	o.Send = "smtp://" + r.Addr
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 1 {
		t.Errorf("%d users failed, want 1 (user00001, every recipient refused)", sum.Failed)
	}
	noted := 0
	for _, m := range batchMeetings(t, o.DB, sum.BatchID) {
		switch {
		case m.UserID == "user00001@contoso.com" && m.Outcome != migrate.Skipped:
			if m.Outcome != migrate.Failed || m.Reason != migrate.KindRelayRefused || !strings.Contains(m.Detail, "550 mailbox unavailable") {
				t.Errorf("user00001 %s: %s %q %q, want relay-refused with the relay's answer", m.UID, m.Outcome, m.Reason, m.Detail)
			}
		case m.Outcome == migrate.Updated && m.Reason == "" && strings.Contains(m.Detail, "update not delivered to guest001@fabrikam.com: 550 no such user"):
			noted++
		case m.Outcome == migrate.Failed:
			t.Errorf("%s %s failed: %s", m.UserID, m.UID, m.Reason)
		}
	}
	if noted == 0 {
		t.Error("no meeting row says guest001 was refused")
	}
	for id, n := range r.Arrivals() {
		if n != 1 {
			t.Errorf("%s arrived %d times", id, n)
		}
	}
}

// TestSMTPAuthStopsTheRun: refused credentials stop the run with a clear
// message, before its batch is made (none is left for mms work); the same
// run with the right ones runs the batch, each update sent once.
func TestSMTPAuthStopsTheRun(t *testing.T) {
	r := smtpsink.StartWith(t, "127.0.0.1:0", smtpsink.Hooks{Users: map[string]string{"mms": "right"}})
	o := demoOptions(t)
	o.Send = "smtp://" + r.Addr
	env := map[string]string{"MMS_SMTP_USER": "mms", "MMS_SMTP_PASSWORD": "wrong"}
	o.Getenv = func(k string) string { return env[k] }
	_, err := Run(context.Background(), o)
	if err == nil || !migrate.StopsRun(err) || !strings.Contains(err.Error(), "MMS_SMTP_USER and MMS_SMTP_PASSWORD") || !errors.Is(err, smtp.ErrAuth) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Run with wrong credentials: %v; want the run stopped, naming the credentials", err)
	}
	nothingWritten(t, o.Out)
	if n := batchCount(t, o.DB); n != 0 {
		t.Errorf("the stopped run left %d batches", n)
	}
	env["MMS_SMTP_PASSWORD"] = "right"
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 0 || sum.Invites != 20 || batchCount(t, o.DB) != 1 {
		t.Errorf("second run: %+v; want one batch, 20 updates, none failed", sum)
	}
	if got := r.Arrivals(); len(got) != 20 {
		t.Errorf("%d distinct messages arrived, want 20", len(got))
	} else {
		for id, n := range got {
			if n != 1 {
				t.Errorf("%s arrived %d times", id, n)
			}
		}
	}
}

// TestStopWhileTheRelayTakesAMessage: a run stopped (SIGINT) while the
// relay is taking a message waits for the relay's answer and records the
// message sent; the same run resumed sends every other update, and that
// one not again.
func TestStopWhileTheRelayTakesAMessage(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var once sync.Once
	answered := make(chan struct{})
	r := smtpsink.StartWith(t, "127.0.0.1:0", smtpsink.Hooks{Taken: func(smtpsink.Message) {
		once.Do(func() {
			defer close(answered)
			stop()                             // the interrupt, with the message in the relay's hands
			time.Sleep(100 * time.Millisecond) // before the relay's 250
		})
	}})
	o := demoOptions(t)
	o.Send = "smtp://" + r.Addr
	if _, err := Run(ctx, o); !errors.Is(err, context.Canceled) {
		t.Fatalf("the stopped run: %v, want it interrupted", err)
	}
	<-answered
	time.Sleep(50 * time.Millisecond) // the sink keeps what it took, whatever became of the connection
	if n := len(r.Messages()); n == 0 || n == 20 {
		t.Fatalf("%d messages arrived before the stop took effect; want some, not all", n)
	}
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Resumed || sum.Failed != 0 || sum.Invites != 20 {
		t.Errorf("resumed run: %+v; want the batch resumed, 20 updates, none failed", sum)
	}
	got := r.Arrivals()
	if len(got) != 20 {
		t.Errorf("%d distinct messages arrived, want 20", len(got))
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("%s arrived %d times", id, n)
		}
	}
}

// TestSMTPDeferredRetriedByTheQueue: a relay that keeps deferring (4xx
// beyond the sender's retries) fails the attempt; the queue's next attempt
// sends what is left, and nothing twice; a refused recipient noted by an
// earlier attempt stays in the meeting's row.
func TestSMTPDeferredRetriedByTheQueue(t *testing.T) {
	r := smtpsink.StartWith(t, "127.0.0.1:0", smtpsink.Hooks{Mail: func(tx int) error {
		if tx == 2 || tx == 3 {
			return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try later"}
		}
		return nil
	}, Rcpt: func(_, to string) error {
		if to == "guest001@fabrikam.com" {
			return smtpsink.Refuse(550, "no such user")
		}
		return nil
	}})
	ctx := context.Background()
	o := demoOptions(t)
	st, b := demoBatchOf(t, o, "user00000@contoso.com")
	// One attempt, no waits: every deferral fails the attempt at once.
	s, err := smtp.New(smtp.Options{Addr: r.Addr, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	w := &migrate.Worker{Now: demoNow, Stamp: demoNow, Calendars: migrate.FileCalendars{Dir: filepath.Join(o.Out, "calendars")},
		Mailer: migrate.SMTPMailer{Sender: s, URL: "smtp://" + r.Addr}, Journal: &migrate.Journal{Store: st, BatchID: b.ID}}
	// Updates go out a few at a time: the two deferred ones fail one
	// attempt, or two when the first failure stops the second's start.
	if n := workAll(t, st, b.ID, w); n != 2 && n != 3 {
		t.Errorf("%d attempts, want 2 or 3 (two deferred)", n)
	}
	u, _ := st.Users(ctx, store.Filter{BatchID: b.ID})
	got := r.Arrivals()
	if len(u) != 1 || u[0].State != store.Succeeded || u[0].InvitesUpdate != len(got) || len(got) == 0 {
		t.Fatalf("user %+v; %d messages", u, len(got))
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("%s arrived %d times", id, n)
		}
	}
	// The refusal noted by the first attempt is still in the report.
	ms, _ := st.UserMeetings(ctx, b.ID, "user00000@contoso.com")
	for _, m := range ms {
		if m.Outcome == migrate.Updated && (m.Reason != "" || !strings.Contains(m.Detail, "update not delivered to guest001@fabrikam.com: 550")) {
			t.Errorf("meeting %s: reason %q, want the refusal of guest001", m.UID, m.Reason)
		}
	}
}

// TestRunAgainAfterItFinished: the same command after its batch finished
// redoes nothing that succeeded and tries the failed users again: a user
// whose updates the relay refused at first gets them delivered, once, and
// nobody else gets a second copy.
func TestRunAgainAfterItFinished(t *testing.T) {
	var refusing atomic.Bool
	refusing.Store(true)
	r := smtpsink.StartWith(t, "127.0.0.1:0", smtpsink.Hooks{Rcpt: func(from, to string) error {
		if refusing.Load() && strings.HasPrefix(from, "user00001@") {
			return smtpsink.Refuse(550, "mailbox unavailable")
		}
		return nil
	}})
	o := demoOptions(t)
	o.Send = "smtp://" + r.Addr
	first, err := Run(context.Background(), o)
	if err != nil || first.Failed != 1 {
		t.Fatalf("first run: %d failed (%v), want user00001", first.Failed, err)
	}
	refusing.Store(false)
	again, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Reopened || again.BatchID != first.BatchID || again.Retried != 1 || again.Failed != 0 {
		t.Errorf("second run: %+v; want batch %s reopened, 1 user retried, none failed", again, first.BatchID)
	}
	got := r.Arrivals()
	if len(got) != 20 {
		t.Errorf("%d distinct updates arrived, want 20", len(got))
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("%s arrived %d times", id, n)
		}
	}
	o.Again = true
	anew, err := Run(context.Background(), o)
	if err != nil || anew.BatchID == first.BatchID || anew.Reopened {
		t.Errorf("--again: %+v, %v; want a new batch", anew, err)
	}
}

// Issue 14: the progress a run reports (its BatchStarted counts plus each
// user's) and its summary count in one place, on a second run of a
// finished batch too ("1 failed; 5 meetings updated" against "meetings
// updated: 0" before).
func TestProgressCountsAsTheSummary(t *testing.T) {
	r := smtpsink.StartWith(t, "127.0.0.1:0", smtpsink.Hooks{Rcpt: func(from, to string) error {
		if strings.HasPrefix(from, "user00001@") {
			return smtpsink.Refuse(550, "mailbox unavailable")
		}
		return nil
	}})
	o := demoOptions(t)
	o.Send = "smtp://" + r.Addr
	for run := 1; run <= 2; run++ {
		var updated, failed int
		var mu sync.Mutex // Events comes from the workers, at once
		o.Events = func(e Event) {
			mu.Lock()
			defer mu.Unlock()
			switch e.Kind {
			case BatchStarted:
				updated, failed = e.Counted.Updated, e.Counted.Failed
			case UserDone:
				updated += e.Updated
			case UserFailed:
				updated, failed = updated+e.Updated, failed+1
			}
		}
		sum, err := Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Failed != 1 || sum.Updated == 0 || (run == 2) != sum.Reopened {
			t.Fatalf("run %d: %+v, want user00001 failed, others updated", run, sum)
		}
		if updated != sum.Updated || failed != sum.Failed {
			t.Errorf("run %d: progress counted %d meetings updated and %d users failed, the summary %d and %d", run, updated, failed, sum.Updated, sum.Failed)
		}
	}
}

// TestSMTPUnreachableStopsTheRun: a relay that cannot be connected to
// (a closed port) stops the run once the sender's own retries are spent,
// as could-not-run, naming the relay and saying the same command resumes;
// the queue does not try every user again and again.
func TestSMTPUnreachableStopsTheRun(t *testing.T) {
	addr := closedPort(t)
	o := demoOptions(t)
	o.Send = "smtp://" + addr
	start := time.Now()
	_, err := Run(context.Background(), o)
	if err == nil || !migrate.StopsRun(err) || !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), o.Send) ||
		!strings.Contains(err.Error(), "cannot be reached") || !strings.Contains(err.Error(), "same command") {
		t.Fatalf("Run with a closed relay port: %v; want the run stopped as could-not-run, naming the relay", err)
	}
	if d := time.Since(start); d > time.Minute {
		t.Errorf("the run took %s to stop", d)
	}
	noneInProgress(t, o.DB)
	nothingWritten(t, o.Out)
	if n := batchCount(t, o.DB); n != 0 {
		t.Errorf("the stopped run left %d batches for mms work to take up", n)
	}
}

// batchCount is how many batches the store at db holds.
func batchCount(t *testing.T, db string) int {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bs, err := st.Batches(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(bs)
}

// nothingWritten fails when a run stopped by its relay wrote a calendar
// or an update: the relay is tried before any user is migrated.
func nothingWritten(t *testing.T, out string) {
	t.Helper()
	for _, dir := range []string{"calendars", "outbox"} {
		if files, _ := filepath.Glob(filepath.Join(out, dir, "*")); len(files) > 0 {
			t.Errorf("the run stopped by its relay wrote %d files in %s", len(files), dir)
		}
	}
}

// TestDryRunTriesTheRelay: a dry run with --send smtp:// connects to the
// relay, sends nothing, and says loudly, in its summary and its report's
// heading, when the relay could not be used; the dry run itself goes on.
// With a relay that works, no warning; no message is submitted either way.
func TestDryRunTriesTheRelay(t *testing.T) {
	closed := closedPort(t)
	r := smtpsink.StartWith(t, "127.0.0.1:0", smtpsink.Hooks{})
	for _, tc := range []struct {
		addr string
		warn bool
	}{{closed, true}, {r.Addr, false}} {
		o := demoOptions(t)
		o.DryRun, o.Send = true, "smtp://"+tc.addr
		sum, err := Run(context.Background(), o)
		if err != nil || sum.Updated == 0 {
			t.Fatalf("dry run with relay %s: %+v %v", tc.addr, sum, err)
		}
		warned := len(sum.Warnings) == 1 && strings.Contains(sum.Warnings[0], "cannot be reached") && strings.Contains(sum.Warnings[0], tc.addr) &&
			!strings.Contains(sum.Warnings[0], "same command")
		if warned != tc.warn {
			t.Errorf("dry run with relay %s: warnings %q", tc.addr, sum.Warnings)
		}
		heading, _ := os.ReadFile(strings.TrimSuffix(o.Report, ".csv") + ".heading.csv")
		if tc.warn != strings.Contains(string(heading), "cannot be reached") || !strings.Contains(string(heading), "a real run would submit the updates to smtp://"+tc.addr) {
			t.Errorf("dry run with relay %s: heading\n%s", tc.addr, heading)
		}
	}
	if n := len(r.Arrivals()); n != 0 {
		t.Errorf("the dry runs submitted %d messages", n)
	}
}

// noneInProgress fails when a stopped run left a user of its store
// InProgress: every user not finished is Pending, waiting for the resume.
func noneInProgress(t *testing.T, db string) {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	users, err := st.Users(context.Background(), store.Filter{State: store.InProgress})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		t.Errorf("%s left %s after the run stopped (%q)", u.UserID, u.State, u.LastMessage)
	}
}

// TestCalDAVUnreachableStopsTheRun: a CalDAV server that cannot be
// connected to (a closed port) stops the run, as the relay does: could not
// run (exit 4), naming the URL, within seconds rather than after every
// retry of every user; nothing is written and the same command resumes.
func TestCalDAVUnreachableStopsTheRun(t *testing.T) {
	url := "http://" + closedPort(t) + "/cal/"
	dir := t.TempDir()
	cal, _ := os.ReadFile("../fixtures/demo/calendars/user00001.ics")
	os.WriteFile(filepath.Join(dir, "user00001.ics"), cal, 0o644)
	os.WriteFile(filepath.Join(dir, "users.csv"), []byte("user,calendar\nuser00000@contoso.com,"+url+"\nuser00001@contoso.com,user00001.ics\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "changes.csv"), []byte("user,change,conference_id\nuser00000@contoso.com,conference-id-changed,555\nuser00001@contoso.com,conference-id-changed,555\n"), 0o644)
	o := demoOptions(t)
	o.Users, o.Changes, o.Workers = filepath.Join(dir, "users.csv"), filepath.Join(dir, "changes.csv"), 1
	start := time.Now()
	_, err := Run(context.Background(), o)
	if err == nil || !migrate.StopsRun(err) || !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), url) || !strings.Contains(err.Error(), "same command") {
		t.Fatalf("Run with an unreachable CalDAV server: %v; want the run stopped as could-not-run, naming the URL", err)
	}
	if d := time.Since(start); d > time.Minute {
		t.Errorf("the run took %s to stop", d)
	}
	noneInProgress(t, o.DB)
}

// closedPort is an address of this machine where nothing listens: a port
// just given up.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
