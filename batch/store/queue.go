package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// MaxAttempts is how often a user's migration is tried, as MMS does.
const MaxAttempts = 9

// JobKind is the River kind of a user's migration.
const JobKind = "mms_user"

// userArgs is the River job of one user's migration; the rest of what the
// job needs is in our user row.
type userArgs struct {
	BatchID string `json:"batch_id"`
	UserID  string `json:"user_id"`
	// Retried is how many attempts the user had in the batch before this
	// job (a failed user queued again: see Reopen), so that its
	// RetryCount goes on counting.
	Retried int `json:"retried,omitempty"`
}

func (userArgs) Kind() string { return JobKind }

// QueueName is the River queue of a batch's jobs.
func QueueName(batchID string) string { return "mms-" + batchID }

// Enqueue records the users of a batch and, in the same transaction, queues
// a job for each Pending one. Users in any other state (NotTriggered with
// the reason in LastMessage, or Failed by a bad input row) are recorded as
// they are, without a job. User ids are stored lower-cased.
func (s *Store) Enqueue(ctx context.Context, batchID string, users []User) error {
	client, err := s.eng.newClient(s.riverConfig(WorkOptions{}.withDefaults(), nil, nil))
	if err != nil {
		return err
	}
	return inTx(ctx, s.eng, func(tx txn) error { return s.enqueueTx(ctx, tx, client, batchID, users) })
}

func (s *Store) enqueueTx(ctx context.Context, tx txn, client queueClient, batchID string, users []User) error {
	now := time.Now()
	var next int
	if err := queryRow(ctx, tx, `SELECT COALESCE(MAX(seq), -1) + 1 FROM mms_user WHERE batch_id = ?`, []any{batchID}, &next); err != nil {
		return fmt.Errorf("batch %s: %w", batchID, err)
	}
	// The jobs go in a few hundred at a time: River inserts each lot as
	// one statement of arrays, which SQLite holds in memory whole.
	jobs := make([]river.InsertManyParams, 0, min(len(users), jobsPerInsert))
	queue := func() error {
		if len(jobs) == 0 {
			return nil
		}
		if err := client.insertMany(ctx, tx, jobs); err != nil {
			return fmt.Errorf("queueing the users of batch %s: %w", batchID, err)
		}
		jobs = jobs[:0]
		return nil
	}
	for i, u := range users {
		if err := s.insertUser(ctx, tx, batchID, next+i, u, now); err != nil {
			return err
		}
		if u.State == Pending {
			jobs = append(jobs, river.InsertManyParams{
				Args:       userArgs{BatchID: batchID, UserID: strings.ToLower(u.UserID)},
				InsertOpts: &river.InsertOpts{MaxAttempts: MaxAttempts, Queue: QueueName(batchID)},
			})
		}
		if len(jobs) == jobsPerInsert {
			if err := queue(); err != nil {
				return err
			}
		}
	}
	return queue()
}

// jobsPerInsert is how many jobs enqueueTx hands River in one insert.
const jobsPerInsert = 500

func (s *Store) insertUser(ctx context.Context, tx txn, batchID string, seq int, u User, now time.Time) error {
	if u.UserID == "" {
		return fmt.Errorf("batch %s: user %d has no id", batchID, seq+1)
	}
	switch u.State {
	case Pending, InProgress, NotTriggered, Failed, Succeeded: // InProgress: worked outside the queue (a rollback)
	default:
		return fmt.Errorf("user %s: cannot be recorded as %q; use Pending, InProgress, NotTriggered, Failed or Succeeded", u.UserID, u.State)
	}
	payload := u.Payload
	if len(payload) == 0 {
		payload = json.RawMessage("{}")
	}
	if !json.Valid(payload) {
		return fmt.Errorf("user %s: payload is not JSON", u.UserID)
	}
	display := u.Display
	if display == strings.ToLower(u.UserID) || !strings.EqualFold(display, u.UserID) {
		display = "" // only ever a spelling of the same address
	}
	_, err := tx.exec(ctx, `INSERT INTO mms_user (batch_id, user_id, seq, state, migration_type, last_message,
		created_at, modified_at, correlation_id, payload, display) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		batchID, strings.ToLower(u.UserID), seq, u.State, u.MigrationType, u.LastMessage, now, now, uuid.NewString(), string(payload), display)
	if err != nil {
		return fmt.Errorf("recording user %s of batch %s: %w", u.UserID, batchID, err)
	}
	return nil
}

// queueClient is a River client whatever its transaction type.
type queueClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Stopped() <-chan struct{}
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	insertMany(ctx context.Context, tx txn, params []river.InsertManyParams) error
	complete(ctx context.Context, tx txn, job *river.Job[userArgs]) error
}

type riverClient[TTx any, TDriver riverdriver.Driver[TTx]] struct{ *river.Client[TTx] }

func newRiverClient[TTx any, TDriver riverdriver.Driver[TTx]](driver TDriver, cfg *river.Config) (queueClient, error) {
	c, err := river.NewClient[TTx](driver, cfg)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return riverClient[TTx, TDriver]{c}, nil
}

func (c riverClient[TTx, TDriver]) insertMany(ctx context.Context, tx txn, params []river.InsertManyParams) error {
	_, err := c.InsertManyTx(ctx, tx.raw().(TTx), params)
	return err
}

func (c riverClient[TTx, TDriver]) complete(ctx context.Context, tx txn, job *river.Job[userArgs]) error {
	_, err := river.JobCompleteTx[TDriver](ctx, tx.raw().(TTx), job)
	return err
}

// openStates are the states of a job that is not finished.
var openStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}

// riverConfig is the client configuration of Enqueue (workers nil) and Work.
func (s *Store) riverConfig(opts WorkOptions, workers *river.Workers, queues map[string]river.QueueConfig) *river.Config {
	return &river.Config{
		Logger:               opts.Logger,
		FetchCooldown:        5 * time.Millisecond,
		FetchPollInterval:    opts.PollInterval,
		JobTimeout:           opts.JobTimeout,
		RescueStuckJobsAfter: opts.RescueAfter,
		MaxAttempts:          MaxAttempts,
		RetryPolicy:          retryPolicy{delay: opts.RetryDelay},
		Workers:              workers,
		Queues:               queues,
	}
}

// retryPolicy waits RetryDelay(attempt) after a failed attempt.
type retryPolicy struct {
	delay func(attempt int) time.Duration
}

func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(p.delay(job.Attempt))
}

// DefaultRetryDelay waits 2^attempt seconds, at most five minutes: about
// eight and a half minutes from the first attempt to the ninth.
func DefaultRetryDelay(attempt int) time.Duration {
	return min(time.Duration(1<<min(max(attempt, 0), 9))*time.Second, 5*time.Minute)
}
