package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
)

// Job is one user's migration as the process function sees it.
type Job struct {
	BatchID     string
	UserID      string
	Attempt     int // 1 on the first try
	MaxAttempts int
	Retried     int             // attempts of the user's earlier jobs in the batch (see Reopen)
	Payload     json.RawMessage // as given to Enqueue
}

// Result is what a user's migration did. The user is recorded Failed when
// State is Failed or FailedMeeting > 0 (MMS: a user with a failed meeting
// failed), Succeeded otherwise. Either way the job is complete: a result
// is never retried, only an error is.
type Result struct {
	State                                                         string
	MigrationType                                                 string // "" keeps the enqueued one
	TotalMeeting, SucceededMeeting, FailedMeeting, SkippedMeeting int
	InvitesUpdate                                                 int
	ServerInvites                                                 int // of InvitesUpdate, left to the CalDAV server
	LastMessage                                                   string
	Meetings                                                      []Meeting // replace the user's meeting rows when not empty
}

// ProcessFunc migrates one user. An error means the attempt failed: it is
// retried after WorkOptions.RetryDelay, up to MaxAttempts attempts, after
// which the user is Failed with the error; a Permanent error fails the
// user at once. A panic is a Permanent error.
type ProcessFunc func(ctx context.Context, job Job) (Result, error)

// permanent marks an error that another attempt cannot fix.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as one no retry can fix (a malformed calendar, a
// missing file): the user fails at once.
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool { return errors.As(err, new(permanent)) }

// WorkOptions configure Work. Zero fields take the defaults.
type WorkOptions struct {
	Workers int // users migrated at once by this process; default 1

	// RetryDelay is the wait after failed attempt n (1-based) before the
	// next; default DefaultRetryDelay.
	RetryDelay func(attempt int) time.Duration

	// JobTimeout bounds one attempt (its context is cancelled); default 30 min.
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay running before it is taken for
	// abandoned (its worker died) and tried again; it must not be shorter
	// than JobTimeout. Default: JobTimeout + 5 min.
	RescueAfter time.Duration
	// Lease is how long a worker process on another host may go without a
	// heartbeat before the jobs it left running are taken again (a process
	// on this host that is gone is noticed at once); default 30 s.
	Lease time.Duration
	// PollInterval is how often new jobs are looked for (besides
	// notifications) and Work checks whether the batch is done; default 100 ms.
	PollInterval time.Duration

	Logger  *slog.Logger      // River's log; default: discarded
	Started func(Job)         // a user starts
	Done    func(Job, Result) // a user's outcome is committed
	// Retrying: an attempt failed and the user is tried again later.
	Retrying func(Job, error)
}

func (o WorkOptions) withDefaults() WorkOptions {
	o.Workers = max(o.Workers, 1)
	if o.RetryDelay == nil {
		o.RetryDelay = DefaultRetryDelay
	}
	if o.JobTimeout == 0 {
		o.JobTimeout = 30 * time.Minute
	}
	if o.RescueAfter == 0 {
		o.RescueAfter = o.JobTimeout + 5*time.Minute
	}
	if o.PollInterval == 0 {
		o.PollInterval = 100 * time.Millisecond
	}
	if o.Lease == 0 {
		o.Lease = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o
}

// Validate reports options River would refuse.
func (o WorkOptions) Validate() error {
	o = o.withDefaults()
	switch {
	case o.JobTimeout < 0 || o.RescueAfter < 0 || o.PollInterval < 0 || o.Lease < 0:
		return errors.New("work options: durations cannot be negative")
	case o.RescueAfter < o.JobTimeout:
		return fmt.Errorf("work options: RescueAfter (%s) must not be shorter than JobTimeout (%s)", o.RescueAfter, o.JobTimeout)
	}
	return nil
}

// Work migrates the users of a batch (of every batch with users left when
// batchID is "") with up to opts.Workers at once, until no job of it is
// left, then stops. Other processes may work the same batch at the same
// time (PostgreSQL, or one SQLite file): each user is migrated by one.
//
// Jobs left running by a process that died are taken again: at once when
// it ran on this host, after opts.Lease without a heartbeat otherwise (see
// process.go); a job that hangs in a live process is rescued by River after
// opts.RescueAfter. When ctx is cancelled, running
// migrations are cancelled, their users go back to Pending without using
// up an attempt, and Work returns ctx's error; a later Work finishes the
// batch.
func (s *Store) Work(ctx context.Context, batchID string, opts WorkOptions, fn ProcessFunc) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	opts = opts.withDefaults()
	queues, err := s.queues(ctx, batchID)
	if err != nil || len(queues) == 0 {
		return err
	}
	ctx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	w := &worker{store: s, fn: fn, opts: opts, abort: abort, run: ctx}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	qc := map[string]river.QueueConfig{}
	for _, q := range queues {
		qc[q] = river.QueueConfig{MaxWorkers: opts.Workers}
	}
	self := newProcess()
	cfg := s.riverConfig(opts, workers, qc)
	cfg.ID = self.id
	client, err := s.eng.newClient(cfg)
	if err != nil {
		return err
	}
	w.client = client
	if err := s.register(ctx, self); err != nil {
		return err
	}
	defer s.unregister(context.WithoutCancel(ctx), self)
	if _, err := s.rescueOrphans(ctx, self, queues, opts.Lease); err != nil {
		return err
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { defer close(watched); s.watch(watchCtx, self, queues, opts, abort) }()
	defer func() { stopWatch(); <-watched }()
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("starting the queue: %w", err)
	}
	waitErr := s.waitDone(ctx, client, queues, opts.PollInterval)
	if cause := context.Cause(ctx); IsStoreFailure(cause) {
		waitErr = cause
	}
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	var stopErr error
	if waitErr != nil {
		w.stopping.Store(true)
		stopErr = client.StopAndCancel(stopCtx)
	} else {
		stopErr = client.Stop(stopCtx)
	}
	if stopErr != nil {
		stopErr = fmt.Errorf("stopping the queue: %w", stopErr)
	}
	if waitErr == nil && stopErr == nil {
		waitErr = s.present()
	}
	if waitErr != nil {
		waitErr = s.restoreRemoved(stopCtx, waitErr)
	}
	if waitErr == nil && stopErr == nil {
		return s.reconcile(ctx, client, queues)
	}
	return errors.Join(waitErr, stopErr)
}

// watch keeps this process's heartbeat fresh and takes back the jobs of
// processes that are gone, until ctx ends. A heartbeat the store cannot
// write stops the run (abort): the queue could not record anything either.
func (s *Store) watch(ctx context.Context, self process, queues []string, opts WorkOptions, abort context.CancelCauseFunc) {
	tick := time.NewTicker(min(max(opts.Lease/4, 50*time.Millisecond), time.Second))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := s.present(); err != nil {
			abort(err)
			return
		}
		if err := s.heartbeat(ctx, self); err != nil && ctx.Err() == nil {
			if err := s.Failure("writing the heartbeat of this worker process", err); IsStoreFailure(err) {
				abort(err)
				return
			}
			opts.Logger.Warn("heartbeat", "err", err)
		}
		if _, err := s.rescueOrphans(ctx, self, queues, opts.Lease); err != nil && ctx.Err() == nil {
			opts.Logger.Warn("rescuing jobs of gone processes", "err", err)
		}
	}
}

// queues are the River queues Work takes jobs from.
func (s *Store) queues(ctx context.Context, batchID string) ([]string, error) {
	if batchID != "" {
		return []string{QueueName(batchID)}, nil
	}
	r, err := s.eng.query(ctx, `SELECT DISTINCT u.batch_id FROM mms_user u JOIN mms_batch b ON b.id = u.batch_id
		WHERE u.state IN (?, ?) AND b.kind <> ?`, Pending, InProgress, BatchRollback)
	if err != nil {
		return nil, fmt.Errorf("finding batches with users left: %w", err)
	}
	defer r.Close()
	var out []string
	for r.Next() {
		var id string
		if err := r.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, QueueName(id))
	}
	return out, r.Err()
}

// waitDone polls River until no job of the queues is left unfinished.
func (s *Store) waitDone(ctx context.Context, client queueClient, queues []string, every time.Duration) error {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		res, err := client.JobList(ctx, river.NewJobListParams().Queues(queues...).States(openStates...).First(1))
		if err != nil {
			return fmt.Errorf("reading the queue: %w", err)
		}
		if len(res.Jobs) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-client.Stopped():
			return errors.New("the queue stopped on its own")
		case <-tick.C:
		}
	}
}

// reconcile fails the users of the queues' batches that are still Pending or
// InProgress although no job of theirs is left: River discarded it (a
// worker died during the last attempt, or the outcome could not be
// recorded on the last attempt).
func (s *Store) reconcile(ctx context.Context, client queueClient, queues []string) error {
	for _, q := range queues {
		batchID := q[len(QueueName("")):]
		open, err := s.Users(ctx, Filter{BatchID: batchID, State: InProgress})
		if err != nil {
			return err
		}
		pending, err := s.Users(ctx, Filter{BatchID: batchID, State: Pending})
		if err != nil {
			return err
		}
		if len(open)+len(pending) == 0 {
			continue
		}
		if err := s.waitDone(ctx, client, []string{q}, time.Millisecond); err != nil {
			return err
		}
		msg := "the queue gave up on this user without an outcome (a worker stopped during its last attempt); run it again with mms start --user"
		_, err = s.eng.exec(ctx, `UPDATE mms_user SET state = ?, last_message = ?, modified_at = ? WHERE batch_id = ? AND state IN (?, ?)`,
			Failed, msg, time.Now(), batchID, Pending, InProgress)
		if err != nil {
			return fmt.Errorf("batch %s: %w", batchID, err)
		}
	}
	return nil
}

type worker struct {
	river.WorkerDefaults[userArgs]
	store    *Store
	client   queueClient
	fn       ProcessFunc
	opts     WorkOptions
	stopping atomic.Bool
	abort    context.CancelCauseFunc // stops Work with a StoreFailure
	run      context.Context         // Work's: once done, a failed attempt was stopped, not failed
}

// StoreFailure is a write or read of the state store that failed while
// users were migrated (a full disk: "database or disk is full", a lost
// connection). Work stops at once with it rather than retrying users that
// could record nothing; what was recorded stands, and the same command
// resumes once the store is fixed.
type StoreFailure struct{ err error }

func (e StoreFailure) Error() string { return e.err.Error() }
func (e StoreFailure) Unwrap() error { return e.err }

// errStoreGone is a SQLite store whose file was replaced while open,
// errStoreRemoved one whose file was removed (see sqliteEngine.present).
var (
	errStoreGone    = errors.New("its file was replaced while this run used it")
	errStoreRemoved = errors.New("its file was removed while this run used it")
)

// present is a StoreFailure where the store's file is no longer the one
// opened: the run stops rather than record into a file nobody can read
// again (a removed one is put back once the run has stopped: see
// restoreRemoved).
func (s *Store) present() error {
	e, ok := s.eng.(*sqliteEngine)
	if !ok {
		return nil
	}
	if err := e.present(); err != nil {
		return StoreFailure{fmt.Errorf("the state store %s: %w", s, err)}
	}
	return nil
}

// Present checks, once a batch's work is done, that a SQLite store's file
// is still the one opened: a removed one is put back from the file still
// open and a StoreFailure says to run the same command again (it finds
// the work done and finishes the batch); a replaced one is a StoreFailure.
func (s *Store) Present(ctx context.Context) error {
	if err := s.present(); err != nil {
		return s.restoreRemoved(ctx, err)
	}
	return nil
}

// restoreRemoved puts back the file of a store removed during the run
// (err, what stopped it), from the file still open, now that nothing more
// is recorded, and says what the same command does then.
func (s *Store) restoreRemoved(ctx context.Context, err error) error {
	e, ok := s.eng.(*sqliteEngine)
	switch {
	case !ok || !errors.Is(err, errStoreGone) && !errors.Is(err, errStoreRemoved):
		return err
	case errors.Is(err, errStoreRemoved):
		if rerr := e.restore(ctx); rerr == nil {
			return StoreFailure{fmt.Errorf("the state store %s: %w, and was put back from the copy the run still had open; the run stopped: run the same command again to resume the batch", s, errStoreRemoved)}
		} else {
			err = fmt.Errorf("%w, and could not be put back (%w)", err, rerr)
		}
	}
	return StoreFailure{fmt.Errorf("%w; the run stopped, what it recorded went with the file: put the file back (and its -wal file) and run the same command again to resume; without them that command starts the batch anew and sends every update again", err)}
}

// IsStoreFailure reports whether err is a StoreFailure.
func IsStoreFailure(err error) bool { return errors.As(err, new(StoreFailure)) }

// Failure is err, a failure of the store while doing what, as a
// StoreFailure; but a SQLite store busy with another process's writes
// beyond its timeout is not a failure: err comes back as it is, for the
// attempt to be tried again.
func (s *Store) Failure(what string, err error) error {
	if IsStoreFailure(err) || busy(err) {
		return err
	}
	if damaged(err) {
		return StoreFailure{fmt.Errorf("the state store %s failed %s: %w; the run stopped: the file is damaged (written over or broken while the run used it) and what it recorded may be lost: put back a copy of it if there is one and run the same command again; on a new store that command starts the batch anew and sends every update again", s, what, err)}
	}
	return StoreFailure{fmt.Errorf("the state store %s failed %s: %w; the run stopped, nothing recorded is lost: fix the store (free disk space, or bring the database server back) and run the same command again to resume", s, what, err)}
}

// storeFailed stops Work with a failure of the store, unless the run is
// being stopped anyway (then err is that of the stop).
func (w *worker) storeFailed(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	err = w.store.Failure(what, err)
	if !IsStoreFailure(err) {
		return err
	}
	w.stopping.Store(true)
	w.abort(err)
	return err
}

func (w *worker) Work(ctx context.Context, rj *river.Job[userArgs]) error {
	job := Job{BatchID: rj.Args.BatchID, UserID: rj.Args.UserID, Attempt: rj.Attempt, MaxAttempts: rj.MaxAttempts, Retried: max(rj.Args.Retried, 0)}
	if w.stopping.Load() {
		return river.JobSnooze(0)
	}
	s := w.store
	bg := context.WithoutCancel(ctx) // record the outcome even when stopping; keeps River's client in ctx
	payload, err := s.startUser(ctx, job)
	switch {
	case errors.Is(err, errNoRows): // nothing to record an outcome in
		return river.JobCancel(fmt.Errorf("user %s of batch %s is not in the state store", job.UserID, job.BatchID))
	case err != nil && ctx.Err() != nil:
		// Stopped while starting: SQLite may have written InProgress
		// and still answered with the cancellation.
		return w.interrupted(bg, job)
	case err != nil:
		return w.storeFailed(ctx, "starting user "+job.UserID, err)
	}
	job.Payload = payload
	if w.opts.Started != nil {
		w.opts.Started(job)
	}
	res, err := w.call(ctx, job)
	switch {
	case err != nil && (w.stopping.Load() || w.run.Err() != nil):
		return w.interrupted(bg, job)
	case err != nil && job.Attempt < job.MaxAttempts && !IsPermanent(err):
		if w.opts.Retrying != nil {
			w.opts.Retrying(job, err)
		}
		if rerr := s.setRetry(bg, job, err); rerr != nil {
			return errors.Join(err, w.storeFailed(ctx, "recording a failed attempt of user "+job.UserID, rerr))
		}
		return err
	case err != nil:
		res = Result{State: Failed, LastMessage: err.Error()}
		if !IsPermanent(err) {
			res.LastMessage = fmt.Sprintf("failed after %d attempts: %v", job.Attempt, err)
		}
	}
	res.State = finalState(res)
	if err := s.present(); err != nil {
		return w.storeFailed(bg, "recording the outcome of user "+job.UserID, err)
	}
	if err := s.complete(bg, w.client, rj, job, res); err != nil {
		return w.storeFailed(bg, "recording the outcome of user "+job.UserID, err)
	}
	if w.opts.Done != nil {
		w.opts.Done(job, res)
	}
	return nil
}

// interrupted puts back a user whose attempt a stop cut short: Pending,
// the attempt not counted, the job available again at once to this
// batch's next Work.
func (w *worker) interrupted(ctx context.Context, job Job) error {
	return errors.Join(river.JobSnooze(0), w.store.setState(ctx, job, Pending, "interrupted; waiting for the batch to resume"))
}

// call runs the process function; a panic fails the user.
func (w *worker) call(ctx context.Context, job Job) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = Permanent(fmt.Errorf("user %s: internal error: %v", job.UserID, p))
		}
	}()
	return w.fn(ctx, job)
}

func finalState(r Result) string {
	if r.State == Failed || r.FailedMeeting > 0 {
		return Failed
	}
	return Succeeded
}

// startUser marks the user InProgress and returns its payload.
func (s *Store) startUser(ctx context.Context, job Job) (json.RawMessage, error) {
	var payload string
	err := queryRow(ctx, s.eng, `SELECT payload FROM mms_user WHERE batch_id = ? AND user_id = ?`, []any{job.BatchID, job.UserID}, &payload)
	if err != nil {
		return nil, err
	}
	if err := s.setState(ctx, job, InProgress, ""); err != nil {
		return nil, err
	}
	return json.RawMessage(payload), nil
}

// setState changes a user's state and, when msg is not "", its message.
func (s *Store) setState(ctx context.Context, job Job, state, msg string) error {
	q, args := `UPDATE mms_user SET state = ?, modified_at = ?`, []any{state, time.Now()}
	if msg != "" {
		q, args = q+`, last_message = ?`, append(args, msg)
	}
	_, err := s.eng.exec(ctx, q+` WHERE batch_id = ? AND user_id = ?`, append(args, job.BatchID, job.UserID)...)
	return err
}

// retries is how often the user was tried again before this attempt: the
// RetryCount of its row.
func (j Job) retries() int { return j.Retried + j.Attempt - 1 }

// setRetry records a failed attempt that will be retried.
func (s *Store) setRetry(ctx context.Context, job Job, cause error) error {
	_, err := s.eng.exec(ctx, `UPDATE mms_user SET state = ?, retry_count = ?, last_message = ?, modified_at = ? WHERE batch_id = ? AND user_id = ?`,
		Pending, job.retries()+1, cause.Error(), time.Now(), job.BatchID, job.UserID)
	return err
}
