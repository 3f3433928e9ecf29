package batch

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/store"
)

// work runs the queue of one batch (of every batch with users left when
// batchID is "") with workers whose writers suit each batch's settings:
// files and the outbox for a real run, recorders for a dry run.
// A failure that stops the run (see StopsRun) cancels the queue and is
// returned; its users go back to Pending for the next run.
func work(ctx context.Context, st *store.Store, batchID string, t Tuning) error {
	t = t.withDefaults()
	defer t.enter(PhaseWork)()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	workers := &workerCache{st: st, t: t, byBatch: map[string]*migrate.Worker{}}
	defer workers.close()
	opts := store.WorkOptions{
		Workers:    usersInFlight(t.Workers),
		Lease:      t.Lease,
		RetryDelay: t.RetryDelay,
		Started:    func(j store.Job) { t.Events(Event{Kind: UserStarted, BatchID: j.BatchID, User: j.UserID}) },
		Retrying: func(j store.Job, err error) {
			t.Events(Event{Kind: UserRetry, BatchID: j.BatchID, User: j.UserID, Err: err, Attempt: j.Attempt})
		},
		Done: func(j store.Job, r store.Result) {
			if r.State == store.Failed {
				t.Events(Event{Kind: UserFailed, BatchID: j.BatchID, User: j.UserID, Err: fmt.Errorf("%s", r.LastMessage), Updated: r.SucceededMeeting})
				return
			}
			t.Events(Event{Kind: UserDone, BatchID: j.BatchID, User: j.UserID, Updated: r.SucceededMeeting})
		},
	}
	err := st.Work(ctx, batchID, opts, func(ctx context.Context, j store.Job) (store.Result, error) {
		var a migrate.Assignment
		if err := json.Unmarshal(j.Payload, &a); err != nil {
			return store.Result{}, store.Permanent(fmt.Errorf("user %s: stored assignment unreadable: %w", j.UserID, err))
		}
		w, err := workers.get(ctx, j.BatchID)
		if err != nil {
			return store.Result{}, err
		}
		res, err := migrateUser(ctx, w, j, a)
		if migrate.StopsRun(err) { // said with the user it met, whose calendar or relay to check
			err = fmt.Errorf("user %s: %w", a.User, err)
			cancel(err)
		}
		return res, err
	})
	if cause := context.Cause(ctx); migrate.StopsRun(cause) {
		return unavailable(cause)
	}
	return unavailable(err)
}

// usersInFlight is how many users a process takes at once for workers
// (--workers): twice as many, of which at most workers are read, decided
// and stored at once (migrate.Worker.Deciders); the others' updates are
// being sent, or their outcome recorded. A user's sending waits mostly on
// the disk (creating the outbox's files) or the relay: measured at 2,000
// organisers, a third of a worker's time, with a core idle a fifth of the
// run.
func usersInFlight(workers int) int { return 2 * workers }

// workerCache makes one Worker per batch, from the batch's settings.
type workerCache struct {
	st       *store.Store
	t        Tuning
	deciding migrate.Slots // the process's --workers, whichever batch its users are of
	mu       sync.Mutex
	byBatch  map[string]*migrate.Worker
}

// close frees what the workers hold.
func (c *workerCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range c.byBatch {
		w.Close()
	}
}

func (c *workerCache) get(ctx context.Context, batchID string) (*migrate.Worker, error) {
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
	cfg := set.config(b, c.st, c.t)
	cfg.Deciding = &c.deciding
	w, err := migrate.New(cfg)
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

// config is what the worker of batch b is built from.
func (set Settings) config(b store.Batch, st *store.Store, t Tuning) migrate.Config {
	return migrate.Config{BatchID: b.ID, Now: b.Now, Stamp: b.Stamp, DryRun: b.DryRun, SendAgain: set.Again, Out: set.Out, Send: set.Send, Store: st,
		CalDAVRequests: t.CalDAVRequests, SMTPSessions: t.SMTPSessions, CalDAVHTTP: t.CalDAVHTTP, Getenv: t.Getenv,
		Connections: t.Connections, Deciders: t.Workers}
}

// migrateUser is one attempt at user j. When it fails for the last time
// (the last attempt, or a Permanent error) after meetings were journaled,
// the user's outcome says which of their updates went out (see
// migrate.Worker.Abandon).
func migrateUser(ctx context.Context, w *migrate.Worker, j store.Job, a migrate.Assignment) (store.Result, error) {
	out, err := w.Migrate(ctx, a)
	if err == nil {
		return migrate.Result(a, out, w.DryRun), nil
	}
	if last := store.IsPermanent(err) || j.Attempt >= j.MaxAttempts; last && ctx.Err() == nil && !migrate.StopsRun(err) {
		return w.Abandon(ctx, a, err, j.Attempt)
	}
	return store.Result{}, err
}
