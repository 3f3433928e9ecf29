package batch

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/mms-project/mms/batch/caldav"
	"github.com/mms-project/mms/batch/smtp"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/report"
)

// work runs the queue of one batch (of every batch with users left when
// batchID is "") with workers whose writers suit each batch's settings:
// files and the outbox for a real run, recorders for a dry run.
// A failure that stops the run (see StopsRun) cancels the queue and is
// returned; its users go back to Pending for the next run.
func work(ctx context.Context, st *store.Store, batchID string, t Tuning) error {
	t = t.withDefaults()
	defer collectLoosely(t.Getenv)()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	workers := &workerCache{st: st, t: t, byBatch: map[string]*Worker{}}
	defer workers.close()
	opts := store.WorkOptions{
		Workers:    t.Workers,
		Lease:      t.Lease,
		RetryDelay: t.RetryDelay,
		Started:    func(j store.Job) { t.Events(Event{Kind: UserStarted, BatchID: j.BatchID, User: j.UserID}) },
		Retrying: func(j store.Job, err error) {
			t.Events(Event{Kind: UserRetry, BatchID: j.BatchID, User: j.UserID, Err: err, Attempt: j.Attempt})
		},
		Done: func(j store.Job, r store.Result) {
			if r.State == store.Failed {
				t.Events(Event{Kind: UserFailed, BatchID: j.BatchID, User: j.UserID, Err: fmt.Errorf("%s", r.LastMessage)})
				return
			}
			t.Events(Event{Kind: UserDone, BatchID: j.BatchID, User: j.UserID, Updated: r.SucceededMeeting})
		},
	}
	err := st.Work(ctx, batchID, opts, func(ctx context.Context, j store.Job) (store.Result, error) {
		var a Assignment
		if err := json.Unmarshal(j.Payload, &a); err != nil {
			return store.Result{}, store.Permanent(fmt.Errorf("user %s: stored assignment unreadable: %w", j.UserID, err))
		}
		w, err := workers.get(ctx, j.BatchID)
		if err != nil {
			return store.Result{}, err
		}
		out, err := w.Migrate(ctx, a)
		if StopsRun(err) {
			cancel(err)
		}
		if err != nil {
			return store.Result{}, err
		}
		return result(j.UserID, a, out, w.DryRun), nil
	})
	if cause := context.Cause(ctx); StopsRun(cause) {
		return cause
	}
	return err
}

// workerCache makes one Worker per batch, from the batch's settings.
type workerCache struct {
	st      *store.Store
	t       Tuning
	mu      sync.Mutex
	byBatch map[string]*Worker
}

// close frees what the workers hold.
func (c *workerCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range c.byBatch {
		if w.close != nil {
			w.close()
		}
	}
}

func (c *workerCache) get(ctx context.Context, batchID string) (*Worker, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if w := c.byBatch[batchID]; w != nil {
		return w, nil
	}
	b, err := c.st.Batch(ctx, batchID)
	if err != nil {
		return nil, err
	}
	set, err := batchSettings(b)
	if err != nil {
		return nil, err
	}
	w, err := buildWorker(b, set, c.st, c.t)
	if err != nil {
		return nil, store.Permanent(err)
	}
	c.byBatch[batchID] = w
	return w, nil
}

func batchSettings(b store.Batch) (Settings, error) {
	var set Settings
	if err := json.Unmarshal(b.Options, &set); err != nil {
		return set, fmt.Errorf("batch %s: stored options unreadable: %w", b.ID, err)
	}
	return set, nil
}

// newWorker is the worker of a batch with the default tuning; enqueue
// builds one to refuse settings no user could work with.
func newWorker(b store.Batch, set Settings, st *store.Store) (*Worker, error) {
	w, err := buildWorker(b, set, st, Tuning{}.withDefaults())
	if err == nil && w.close != nil {
		w.close()
	}
	return w, err
}

// buildWorker makes the worker of one batch: calendars read from files or
// CalDAV, written under the output directory or back in place, updates
// sent as the batch says; recorders in place of every write for a dry run.
func buildWorker(b store.Batch, set Settings, st *store.Store, t Tuning) (*Worker, error) {
	w := &Worker{Now: b.Now, Stamp: b.Stamp, DryRun: b.DryRun}
	cals := Router{Files: FileCalendars{Dir: filepath.Join(set.Out, "calendars")}, DAV: newDAV(b, set, t)}
	if b.DryRun {
		rec := &Recorder{}
		w.Calendars, w.Mailer = DryRun{Calendars: cals, Recorder: rec}, rec
		return w, nil
	}
	if set.Out == "" {
		return nil, fmt.Errorf("batch %s has no output directory; start it again with --out DIR", b.ID)
	}
	w.Journal = &Journal{Store: st, BatchID: b.ID}
	w.Calendars = cals
	m, closeMailer, err := newMailer(set, t)
	if err != nil {
		return nil, err
	}
	w.Mailer, w.close = m, closeMailer
	return w, nil
}

// newDAV is the CalDAV side of a batch: one client, so that the limit of
// requests per server holds across its workers. Credentials that cannot be
// read fail the CalDAV users only.
func newDAV(b store.Batch, set Settings, t Tuning) Calendars {
	creds, err := caldav.LoadCredentials(t.Getenv)
	if err != nil {
		return unavailable{err}
	}
	c, err := caldav.New(caldav.Options{Credentials: creds, RequestsPerServer: t.CalDAVRequests, HTTP: t.CalDAVHTTP})
	if err != nil {
		return unavailable{err}
	}
	return DAVCalendars{Client: c, From: b.Now, ClientScheduling: set.Send != "server"}
}

// unavailable is a Calendars that cannot work; each user it would serve
// fails with why.
type unavailable struct{ err error }

func (u unavailable) Read(context.Context, string) ([]*Doc, error) { return nil, Permanent(u.err) }
func (u unavailable) Write(context.Context, *Doc) error            { return Permanent(u.err) }
func (u unavailable) Reread(context.Context, *Doc) (*Doc, error)   { return nil, Permanent(u.err) }

// newMailer is the delivery of --send, and what frees it.
func newMailer(set Settings, t Tuning) (Mailer, func(), error) {
	switch {
	case set.Send == "outbox" || set.Send == "":
		return Outbox{Dir: filepath.Join(set.Out, "outbox")}, nil, nil
	case set.Send == "none":
		return &Recorder{}, nil, nil
	case set.Send == "server":
		return ServerScheduling{}, nil, nil
	case strings.HasPrefix(set.Send, "smtp://"):
		return newSMTP(set.Send, t)
	}
	return nil, nil, fmt.Errorf("--send %s: use outbox, none, server or smtp://host:port", set.Send)
}

func newSMTP(url string, t Tuning) (Mailer, func(), error) {
	addr, err := smtp.ParseURL(url)
	if err != nil {
		return nil, nil, err
	}
	user, password, err := smtp.CredentialsFromEnv(t.Getenv)
	if err != nil {
		return nil, nil, fmt.Errorf("--send %s: %w", url, err)
	}
	s, err := smtp.New(smtp.Options{Addr: addr, User: user, Password: password, Sessions: t.SMTPSessions})
	if err != nil {
		return nil, nil, fmt.Errorf("--send %s: %w", url, err)
	}
	return SMTPMailer{Sender: s, URL: url}, func() { s.Close() }, nil
}

// result turns a user's outcome into the rows of the state store.
func result(user string, a Assignment, out UserOutcome, dryRun bool) store.Result {
	r := store.Result{
		State: store.Succeeded, MigrationType: a.MigrationType,
		TotalMeeting: len(out.Meetings), SucceededMeeting: out.Succeeded(), FailedMeeting: out.Failed(), SkippedMeeting: out.Skipped(),
		InvitesUpdate: out.Invites,
	}
	var failures []string
	for _, m := range out.Meetings {
		r.Meetings = append(r.Meetings, store.Meeting{UserID: user, UID: m.UID, Summary: m.Summary, Start: m.Start, Attendees: m.Attendees,
			Outcome: m.Outcome, Reason: m.Reason, Provider: m.Provider, OldJoinURL: m.OldJoinURL, NewJoinURL: m.NewJoinURL})
		if m.Outcome == Failed {
			failures = append(failures, m.Reason)
		}
	}
	if len(failures) > 0 {
		r.State = store.Failed
		r.LastMessage = fmt.Sprintf("%d of %d meetings failed; first: %s", len(failures), len(out.Meetings), failures[0])
	} else {
		r.LastMessage = fmt.Sprintf("%d meetings %s, %d skipped", r.SucceededMeeting, verb(a, dryRun), r.SkippedMeeting)
	}
	return r
}

func verb(a Assignment, dryRun bool) string {
	if dryRun {
		return "would be rewritten (dry run: nothing written or sent)"
	}
	if a.Mailbox == "onprem" {
		return "rewritten (onprem: written back as files)"
	}
	return "rewritten"
}

// finish writes the report from the state store, when the batch has one,
// marks the batch finished and sums it up.
// reportPath, when not "", overrides the batch's own.
// Temporary files older than workStart were left by a process that was
// killed; every user of the batch is done, so none is still being written.
func finish(ctx context.Context, st *store.Store, b store.Batch, reportPath string, workStart time.Time, sum Summary) (Summary, error) {
	set, err := batchSettings(b)
	if err != nil {
		return sum, err
	}
	if reportPath != "" {
		set.Report = reportPath
	}
	if set.Out != "" && !b.DryRun {
		for _, dir := range []string{"calendars", "outbox"} {
			if err := removeStaleTemps(filepath.Join(set.Out, dir), workStart); err != nil {
				return sum, fmt.Errorf("batch %s: removing what a stopped run left: %w", b.ID, err)
			}
		}
	}
	// The users are summed as they are read, for the report or, without
	// one, on their own: a batch's rows are never all held at once.
	users := func(yield func(report.User) error) error {
		n := 0
		sum.Failed, sum.Updated, sum.Invites, sum.Triggered = 0, 0, 0, 0
		err := st.EachUser(ctx, store.Filter{BatchID: b.ID}, func(u store.User) error {
			n++
			if u.State == store.Failed {
				sum.Failed++
			}
			if u.State != store.NotTriggered {
				sum.Triggered++
			}
			sum.Updated += u.SucceededMeeting
			sum.Invites += u.InvitesUpdate
			return yield(report.User{UserID: u.UserID, State: u.State, MigrationType: u.MigrationType, TotalMeeting: u.TotalMeeting,
				SucceededMeeting: u.SucceededMeeting, FailedMeeting: u.FailedMeeting, SkippedMeeting: u.SkippedMeeting, InvitesUpdate: u.InvitesUpdate,
				RetryCount: u.RetryCount, LastMessage: u.LastMessage, CreateDate: u.CreatedAt, ModifiedDate: u.ModifiedAt, CorrelationID: u.CorrelationID})
		})
		if sum.Users == 0 {
			sum.Users = n
		}
		return err
	}
	if set.Report == "" {
		if err := users(func(report.User) error { return nil }); err != nil {
			return sum, err
		}
	} else {
		if err := writeReport(ctx, st, b.ID, set.Report, users); err != nil {
			return sum, err
		}
		sum.Report = set.Report
		if strings.HasSuffix(strings.ToLower(set.Report), ".csv") {
			sum.Report += " and " + report.MeetingsCSV(set.Report)
		}
	}
	return sum, st.FinishBatch(ctx, b.ID)
}

// writeReport writes the report from the store. The meetings are read by
// a goroutine of their own, a few hundred rows ahead of the sheet being
// written: both take a core, and the report is the part of a run no other
// work overlaps.
func writeReport(ctx context.Context, st *store.Store, batchID, path string, users report.Users) error {
	// What the workers left is handed back first: the report's sheet
	// buffers are large, and new spans for them on top of the workers'
	// freed ones were a 10,000-organiser run's peak.
	debug.FreeOSMemory()
	defer boundMemory(os.Getenv, reportMemory)()
	meetings := func(yield func(report.Meeting) error) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		chunks := make(chan []report.Meeting, 4)
		var readErr error
		go func() {
			defer close(chunks)
			const chunk = 512
			buf := make([]report.Meeting, 0, chunk)
			send := func() error {
				select {
				case chunks <- buf:
					buf = make([]report.Meeting, 0, chunk)
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			readErr = st.Meetings(ctx, batchID, func(m store.Meeting) error {
				buf = append(buf, report.Meeting{UserID: m.UserID, UID: m.UID, Summary: m.Summary, Start: m.Start, Attendees: m.Attendees,
					Outcome: m.Outcome, Reason: m.Reason, Provider: m.Provider, OldJoinURL: m.OldJoinURL, NewJoinURL: m.NewJoinURL})
				if len(buf) < chunk {
					return nil
				}
				return send()
			})
			if readErr == nil && len(buf) > 0 {
				readErr = send()
			}
		}()
		for ms := range chunks {
			for _, m := range ms {
				if err := yield(m); err != nil {
					cancel()
					for range chunks { // let the reader end
					}
					return err
				}
			}
		}
		return readErr
	}
	return report.WriteStream(path, users, meetings)
}

// reportMemory is the soft limit on the Go memory of writing a report.
// The report holds little of its own (the rows stream through), but
// excelize buffers up to 16 MB of each sheet, and the collector, left to
// its 1x, let the heap grow to twice that: more for the Users sheet of a
// larger batch. Under this limit it collects sooner instead, so the report
// of 10,000 organisers takes no more memory than that of 2,000.
const reportMemory = 64 << 20

// boundMemory lowers the soft memory limit to limit, unless GOMEMLIMIT
// sets one or it is lower already, until the returned func restores it.
func boundMemory(getenv func(string) string, limit int64) func() {
	was := debug.SetMemoryLimit(-1)
	if getenv("GOMEMLIMIT") != "" || was <= limit {
		return func() {}
	}
	debug.SetMemoryLimit(limit)
	return func() { debug.SetMemoryLimit(was) }
}

// collectLoosely has the collector run when the heap has grown 4x past
// what is live, not Go's 1x, until the returned func restores it; unless
// GOGC says otherwise. A worker allocates fast and keeps little (the
// calendar at hand): 4x saves a tenth of a run's CPU, and the soft limit
// cmd/mms sets bounds the peak all the same. Reading the inputs and writing
// the report keep what grows with the batch (its rows, the report's sheets
// buffered by excelize), so they stay at 1x: at 4x, a 10,000-organiser
// batch's inputs took its peak memory past a 2,000-organiser run's.
func collectLoosely(getenv func(string) string) func() {
	if getenv("GOGC") != "" {
		return func() {}
	}
	// 4x of what is live now: the inputs just queued are garbage, and 4x
	// of the heap they left (15 MB for 10,000 organisers) had the first
	// workers' calendars take a larger batch's memory higher.
	runtime.GC()
	was := debug.SetGCPercent(400)
	return func() { debug.SetGCPercent(was) }
}
