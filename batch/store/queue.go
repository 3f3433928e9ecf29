package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
)

// MaxAttempts is how often a user's migration is tried, as MMS does.
const MaxAttempts = 9

// userArgs is the River job of one user's migration.
type userArgs struct {
	BatchID string `json:"batch_id"`
	UserID  string `json:"user_id"`
}

func (userArgs) Kind() string { return "mms_user" }

// Enqueue records the users of a batch and, in the same transaction, queues
// a job for each Pending one. Users in any other state (NotTriggered, or
// Failed by a bad input row) are recorded as they are.
func (s *Store) Enqueue(ctx context.Context, batchID string, users []User) error {
	client, err := s.client(nil, WorkOptions{})
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := ts(time.Now())
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO mms_user (batch_id, user_id, state, migration_type, failed_meeting, last_message,
		created_at, modified_at, correlation_id, payload) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	var jobs []river.InsertManyParams
	for _, u := range users {
		payload := string(u.Payload)
		if payload == "" {
			payload = "{}"
		}
		if _, err := stmt.ExecContext(ctx, batchID, u.UserID, u.State, u.MigrationType, u.LastMessage, now, now, newID(), payload); err != nil {
			return fmt.Errorf("recording %s: %w", u.UserID, err)
		}
		if u.State == Pending {
			jobs = append(jobs, river.InsertManyParams{Args: userArgs{BatchID: batchID, UserID: u.UserID}, InsertOpts: &river.InsertOpts{MaxAttempts: MaxAttempts}})
		}
	}
	if len(jobs) > 0 {
		if _, err := client.InsertManyTx(ctx, tx, jobs); err != nil {
			return fmt.Errorf("queueing: %w", err)
		}
	}
	return tx.Commit()
}

// Job is one user's migration as the process function sees it.
type Job struct {
	BatchID     string
	UserID      string
	Attempt     int // 1 on the first try
	MaxAttempts int
	Payload     json.RawMessage
}

// Result is what a user's migration did.
type Result struct {
	State                                                         string // Succeeded or Failed
	MigrationType                                                 string
	TotalMeeting, SucceededMeeting, FailedMeeting, SkippedMeeting int
	InvitesUpdate                                                 int
	LastMessage                                                   string
	Meetings                                                      []Meeting
}

// permanent marks an error that another attempt cannot fix.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as one no retry can fix (a malformed calendar, a
// missing file): the user fails at once.
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool { return errors.As(err, new(permanent)) }

// ProcessFunc migrates one user. An error means the attempt failed and may
// be retried; after the last attempt the user is Failed with the error.
type ProcessFunc func(ctx context.Context, job Job) (Result, error)

// WorkOptions configure Work.
type WorkOptions struct {
	Workers    int
	RetryDelay func(attempt int) time.Duration // wait before attempt+1; default 2^attempt s, at most 5 min
	Started    func(Job)                       // a user starts
	Done       func(Job, Result)               // a user's outcome is committed
}

// Work processes the queue until no job of the batch is left, then stops.
func (s *Store) Work(ctx context.Context, batchID string, opts WorkOptions, fn ProcessFunc) error {
	w := &userWorker{store: s, fn: fn, opts: opts}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	client, err := s.client(workers, opts)
	if err != nil {
		return err
	}
	if err := client.Start(ctx); err != nil {
		return err
	}
	waitErr := s.waitDone(ctx, batchID)
	stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := client.Stop(stopCtx); err != nil && waitErr == nil {
		waitErr = err
	}
	return waitErr
}

// waitDone polls our tables until no user of the batch is Pending or
// InProgress.
func (s *Store) waitDone(ctx context.Context, batchID string) error {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		var open int
		err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM mms_user WHERE batch_id = ? AND state IN ('Pending', 'InProgress')`, batchID).Scan(&open)
		if err != nil {
			return err
		}
		if open == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func (s *Store) client(workers *river.Workers, opts WorkOptions) (*river.Client[*sql.Tx], error) {
	cfg := &river.Config{
		Logger:            slog.New(slog.NewTextHandler(io.Discard, nil)),
		FetchPollInterval: 20 * time.Millisecond,
		FetchCooldown:     5 * time.Millisecond,
		JobTimeout:        time.Hour,
		MaxAttempts:       MaxAttempts,
		RetryPolicy:       retryPolicy{delay: opts.RetryDelay},
	}
	if workers != nil {
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max(opts.Workers, 1)}}
	}
	return river.NewClient(s.driver, cfg)
}

// retryPolicy waits 2^attempt seconds, at most five minutes, unless told
// otherwise.
type retryPolicy struct{ delay func(int) time.Duration }

func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	if p.delay != nil {
		return time.Now().Add(p.delay(job.Attempt))
	}
	return time.Now().Add(min(time.Duration(1<<min(job.Attempt, 9))*time.Second, 5*time.Minute))
}

type userWorker struct {
	river.WorkerDefaults[userArgs]
	store *Store
	fn    ProcessFunc
	opts  WorkOptions
}

func (w *userWorker) Work(ctx context.Context, rj *river.Job[userArgs]) error {
	s := w.store
	job := Job{BatchID: rj.Args.BatchID, UserID: rj.Args.UserID, Attempt: rj.Attempt, MaxAttempts: rj.MaxAttempts}
	var payload string
	err := s.db.QueryRowContext(ctx, `SELECT payload FROM mms_user WHERE batch_id = ? AND user_id = ?`, job.BatchID, job.UserID).Scan(&payload)
	if errors.Is(err, sql.ErrNoRows) { // nothing to wait for: the user was never recorded
		return river.JobCancel(fmt.Errorf("user %s of batch %s is not in the state store", job.UserID, job.BatchID))
	}
	if err != nil {
		return err
	}
	job.Payload = json.RawMessage(payload)
	if _, err := s.db.ExecContext(ctx, `UPDATE mms_user SET state = ?, modified_at = ? WHERE batch_id = ? AND user_id = ?`, InProgress, ts(time.Now()), job.BatchID, job.UserID); err != nil {
		return err
	}
	if w.opts.Started != nil {
		w.opts.Started(job)
	}
	res, err := w.fn(ctx, job)
	if err != nil && ctx.Err() == nil && job.Attempt < job.MaxAttempts && !IsPermanent(err) {
		_, uerr := s.db.ExecContext(context.WithoutCancel(ctx), `UPDATE mms_user SET state = ?, retry_count = ?, last_message = ?, modified_at = ? WHERE batch_id = ? AND user_id = ?`,
			Pending, job.Attempt, err.Error(), ts(time.Now()), job.BatchID, job.UserID)
		return errors.Join(err, uerr)
	}
	if err != nil {
		if ctx.Err() != nil {
			return err // stopped: the job is tried again when work resumes
		}
		res = Result{State: Failed, LastMessage: err.Error()}
		if !IsPermanent(err) {
			res.LastMessage = fmt.Sprintf("failed after %d attempts: %v", job.Attempt, err)
		}
	}
	if err := s.complete(ctx, rj, job, res); err != nil {
		return err
	}
	if w.opts.Done != nil {
		w.opts.Done(job, res)
	}
	return nil
}

// complete writes the user's outcome and meetings and completes the job, in
// one transaction.
func (s *Store) complete(ctx context.Context, rj *river.Job[userArgs], job Job, res Result) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM mms_meeting WHERE batch_id = ? AND user_id = ?`, job.BatchID, job.UserID); err != nil {
		return err
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO mms_meeting (batch_id, user_id, seq, uid, summary, start, attendees, outcome, reason, provider, old_join_url, new_join_url)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i, m := range res.Meetings {
		if _, err := stmt.ExecContext(ctx, job.BatchID, job.UserID, i, m.UID, m.Summary, ts(m.Start), m.Attendees, m.Outcome, m.Reason, m.Provider, m.OldJoinURL, m.NewJoinURL); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE mms_user SET state = ?, migration_type = CASE WHEN ? = '' THEN migration_type ELSE ? END,
		total_meeting = ?, succeeded_meeting = ?, failed_meeting = ?, skipped_meeting = ?, invites_update = ?, retry_count = ?, last_message = ?, modified_at = ?
		WHERE batch_id = ? AND user_id = ?`,
		res.State, res.MigrationType, res.MigrationType, res.TotalMeeting, res.SucceededMeeting, res.FailedMeeting, res.SkippedMeeting, res.InvitesUpdate,
		job.Attempt-1, res.LastMessage, ts(time.Now()), job.BatchID, job.UserID); err != nil {
		return err
	}
	if _, err := river.JobCompleteTx[*riversqlite.Driver](ctx, tx, rj); err != nil {
		return err
	}
	return tx.Commit()
}
