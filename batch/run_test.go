package batch

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/batch/trigger"
)

var demoNow = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)

func demoOptions(t *testing.T) RunOptions {
	t.Helper()
	work := t.TempDir()
	return RunOptions{Users: "../fixtures/demo/users.csv", Changes: "../fixtures/demo/changes.csv", Out: filepath.Join(work, "out"), Report: filepath.Join(work, "r.csv"),
		Now: demoNow, DB: filepath.Join(work, "mms.db"), Tuning: Tuning{Workers: 2, RetryDelay: func(int) time.Duration { return time.Millisecond }}}
}

// flaky fails one send, once, as a busy relay does.
type flaky struct {
	mu     sync.Mutex
	failOn int
	calls  int
	sent   map[string]int
}

func (f *flaky) Send(_ context.Context, m migrate.Message) (migrate.Delivery, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.calls == f.failOn {
		return migrate.Delivery{}, errors.New("421 try again later")
	}
	f.sent[m.UID]++
	return migrate.Delivery{}, nil
}

// TestRetrySendsNothingTwice: an attempt that fails halfway through the
// sends is retried; the updates that went out are not sent again, the rest
// are, and the meetings' original bytes are journaled.
func TestRetrySendsNothingTwice(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	st, err := store.Open(ctx, o.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	set := o.settings()
	opts, _ := json.Marshal(set)
	users, changes, rowErrs, err := readInputs(o)
	if err != nil {
		t.Fatal(err)
	}
	records, _ := plan(users, changes, rowErrs, trigger.DefaultTenant(), "")
	b, err := st.CreateBatch(ctx, store.Batch{Now: demoNow, Stamp: demoNow, Options: opts}, onlyUser(records, "user00000@contoso.com"))
	if err != nil {
		t.Fatal(err)
	}
	mail := &flaky{failOn: 3, sent: map[string]int{}}
	w := &migrate.Worker{Now: demoNow, Stamp: demoNow, Calendars: migrate.FileCalendars{Dir: filepath.Join(o.Out, "calendars")}, Mailer: mail,
		Journal: &migrate.Journal{Store: st, BatchID: b.ID}}
	attempts := workAll(t, st, b.ID, w)
	if attempts != 2 {
		t.Errorf("%d attempts, want 2", attempts)
	}
	for uid, n := range mail.sent {
		if n != 1 {
			t.Errorf("UID %s sent %d times", uid, n)
		}
	}
	u, _ := st.Users(ctx, store.Filter{BatchID: b.ID})
	if len(u) != 1 || u[0].State != store.Succeeded || u[0].InvitesUpdate != len(mail.sent) || u[0].RetryCount != 1 || len(mail.sent) < 3 {
		t.Fatalf("user %+v, %d sent", u, len(mail.sent))
	}
	ms, _ := st.UserMeetings(ctx, b.ID, "user00000@contoso.com")
	for _, m := range ms {
		if m.Outcome == migrate.Updated && (!m.Completed || !strings.HasPrefix(string(m.Original), "BEGIN:VEVENT")) {
			t.Errorf("meeting %s: completed %v, original %.20q", m.UID, m.Completed, m.Original)
		}
	}
}

// workAll works a batch with w and returns the number of attempts.
func workAll(t *testing.T, st *store.Store, batchID string, w *migrate.Worker) int {
	t.Helper()
	var attempts int
	err := st.Work(context.Background(), batchID, store.WorkOptions{RetryDelay: func(int) time.Duration { return time.Millisecond }},
		func(ctx context.Context, j store.Job) (store.Result, error) {
			attempts++
			var a migrate.Assignment
			if err := json.Unmarshal(j.Payload, &a); err != nil {
				return store.Result{}, err
			}
			return migrateUser(ctx, w, j, a)
		})
	if err != nil {
		t.Fatal(err)
	}
	return attempts
}

// TestInPlaceWriterResumes: a calendar written back in place (as CalDAV
// is) by an attempt that stopped before sending is found already current
// by the next attempt, which still reports its meetings updated and sends
// each update once.
func TestInPlaceWriterResumes(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	dir := t.TempDir()
	data, err := os.ReadFile("../fixtures/demo/calendars/user00000.ics")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "user00000.ics"), data, 0o644)
	st, err := store.Open(ctx, o.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	users, changes, rowErrs, _ := readInputs(o)
	records, _ := plan(users, changes, rowErrs, trigger.DefaultTenant(), "")
	rec := onlyUser(records, "user00000@contoso.com")
	var a migrate.Assignment
	json.Unmarshal(rec[0].Payload, &a)
	a.Calendar = filepath.Join(dir, "user00000.ics")
	rec[0].Payload, _ = json.Marshal(a)
	b, err := st.CreateBatch(ctx, store.Batch{Now: demoNow, Stamp: demoNow}, rec)
	if err != nil {
		t.Fatal(err)
	}
	mail := &flaky{failOn: 1, sent: map[string]int{}}
	w := &migrate.Worker{Now: demoNow, Stamp: demoNow, Calendars: migrate.FileCalendars{Dir: dir}, Mailer: mail, Journal: &migrate.Journal{Store: st, BatchID: b.ID}}
	if n := workAll(t, st, b.ID, w); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
	u, _ := st.Users(ctx, store.Filter{BatchID: b.ID})
	if len(u) != 1 || u[0].State != store.Succeeded || u[0].SucceededMeeting == 0 || u[0].SucceededMeeting != len(mail.sent) || u[0].InvitesUpdate != len(mail.sent) {
		t.Fatalf("user %+v; sent %v", u, mail.sent)
	}
	for uid, n := range mail.sent {
		if n != 1 {
			t.Errorf("UID %s sent %d times", uid, n)
		}
	}
	// The rows of meetings found already current are those journaled
	// when they were rewritten: the meeting's details, outcome updated.
	rows, err := st.UserMeetings(ctx, b.ID, "user00000@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, m := range rows {
		if mail.sent[m.UID] == 0 {
			continue
		}
		checked++
		if m.Outcome != migrate.Updated || m.Reason != "" || m.Summary == "" || m.NewJoinURL == "" || m.UserID != "user00000@contoso.com" {
			t.Errorf("row of %s, rewritten by the stopped attempt: %+v", m.UID, m.Meeting)
		}
	}
	if checked != len(mail.sent) {
		t.Errorf("%d rows of the %d meetings sent", checked, len(mail.sent))
	}
}

func onlyUser(records []store.User, id string) []store.User {
	for _, r := range records {
		if r.UserID == id {
			return []store.User{r}
		}
	}
	return nil
}

// demoBatchOf opens o's state store and makes in it a batch of the demo
// files' user alone, at demoNow, for a test to work with a Worker of its
// own; the store is closed when the test ends.
func demoBatchOf(t *testing.T, o RunOptions, user string) (*store.Store, store.Batch) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, o.DB)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	users, changes, rowErrs, err := readInputs(o)
	if err != nil {
		t.Fatal(err)
	}
	records, _ := plan(users, changes, rowErrs, trigger.DefaultTenant(), "")
	b, err := st.CreateBatch(ctx, store.Batch{Now: demoNow, Stamp: demoNow}, onlyUser(records, user))
	if err != nil {
		t.Fatal(err)
	}
	return st, b
}

// concurrencyMailer records how many of its sends overlap.
type concurrencyMailer struct {
	mu        sync.Mutex
	now, peak int
}

func (m *concurrencyMailer) Send(context.Context, migrate.Message) (migrate.Delivery, error) {
	m.mu.Lock()
	m.now++
	m.peak = max(m.peak, m.now)
	m.mu.Unlock()
	time.Sleep(20 * time.Millisecond) // a slow disk or relay
	m.mu.Lock()
	m.now--
	m.mu.Unlock()
	return migrate.Delivery{}, nil
}

// TestUpdatesInFlight: one user's updates are delivered a few at a time,
// never more than migrate.SendsInFlight, and every one is counted.
func TestUpdatesInFlight(t *testing.T) {
	o := demoOptions(t)
	users, changes, rowErrs, _ := readInputs(o)
	records, _ := plan(users, changes, rowErrs, trigger.DefaultTenant(), "")
	rec := onlyUser(records, "user00000@contoso.com")
	if len(rec) != 1 {
		t.Fatal("the demo has no user00000")
	}
	var a migrate.Assignment
	if err := json.Unmarshal(rec[0].Payload, &a); err != nil {
		t.Fatal(err)
	}
	m := &concurrencyMailer{}
	w := &migrate.Worker{Now: demoNow, Stamp: demoNow, Calendars: migrate.FileCalendars{Dir: filepath.Join(o.Out, "calendars")}, Mailer: m}
	out, err := w.Migrate(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if ok := migrate.Result(a, out, false).SucceededMeeting; out.Invites < 2 || out.Invites != ok {
		t.Fatalf("%d updates for %d rewritten meetings", out.Invites, ok)
	}
	if m.peak < 2 || m.peak > migrate.SendsInFlight {
		t.Errorf("%d updates in flight at most, want 2..%d", m.peak, migrate.SendsInFlight)
	}
}

// A SQLite store removed while the report is written: the run stops with
// exit 4 (ErrUnavailable), the store put back from the file still open;
// the same command finishes the batch, writing the report, nothing sent
// or written again.
func TestStoreRemovedWhileReporting(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	o.Tuning.Events = func(e Event) {
		if e.Kind == WritingReport {
			for _, f := range []string{o.DB, o.DB + "-wal", o.DB + "-shm"} {
				os.Remove(f)
			}
		}
	}
	_, err := Run(ctx, o)
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "put back") {
		t.Fatalf("run with its store removed while reporting: %v", err)
	}
	outbox := filepath.Join(o.Out, "outbox")
	before, _ := os.ReadDir(outbox)
	o.Tuning.Events = nil
	sum, err := Run(ctx, o)
	if err != nil {
		t.Fatalf("the same command again: %v", err)
	}
	after, _ := os.ReadDir(outbox)
	if !sum.Resumed || len(after) != len(before) || len(before) == 0 {
		t.Errorf("resumed %v; outbox %d files, then %d", sum.Resumed, len(before), len(after))
	}
}
