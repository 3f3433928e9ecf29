package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/mms-project/mms/report"
)

// Batch is one run.
type Batch struct {
	ID        string
	CreatedAt time.Time
	Now       time.Time // meetings before it are past
	Stamp     time.Time // written into rewritten meetings; the same on every retry
	DryRun    bool
	Options   json.RawMessage

	// Kind is BatchRun (default), BatchStart or BatchRollback.
	Kind string
	// Fingerprint names the inputs and options the batch was made from (see
	// ResumableBatch); "" for a batch that is never resumed.
	Fingerprint string
	// Finished is set once the batch's report is written (FinishBatch).
	Finished bool
}

// Kinds of batch.
const (
	BatchRun      = "run"
	BatchStart    = "start"
	BatchRollback = "rollback"
)

// User is one user's row.
type User struct {
	BatchID, UserID, State, MigrationType                                                    string
	TotalMeeting, SucceededMeeting, FailedMeeting, SkippedMeeting, InvitesUpdate, RetryCount int
	ServerInvites                                                                            int // of InvitesUpdate, left to the CalDAV server
	LastMessage                                                                              string
	CreatedAt, ModifiedAt                                                                    time.Time
	CorrelationID                                                                            string
	// Display is the user's address as the users file writes it, where
	// that differs from UserID (the address in lower case, its key): the
	// reports and mms status show it (see Shown).
	Display string
	// Payload is the user's input row and coalesced migration, as the
	// caller gave it to Enqueue (JSON); a job gets it back, so that a user
	// can be run again from the last known rows.
	Payload json.RawMessage
}

// Meeting is one meeting's outcome: the report's row, and the journal's
// fields.
type Meeting struct {
	report.Meeting

	// Crash safety (see RecordIntent): Intent is set before the meeting is
	// written or sent, Completed once it was; Original holds the meeting's
	// bytes before, to undo or compare. Meetings does not read Original.
	Intent, Completed bool
	Original          []byte
}

// NewBatch records a batch and gives it an id (a UUID) and its creation time.
func (s *Store) NewBatch(ctx context.Context, b Batch) (Batch, error) {
	err := inTx(ctx, s.eng, func(tx txn) error {
		var err error
		b, err = insertBatch(ctx, tx, b)
		return err
	})
	if err != nil && ctx.Err() == nil {
		err = s.Failure("recording the batch", err)
	}
	return b, err
}

// CreateBatch records a batch and its users, and queues a job for each
// Pending user, in one transaction: a batch is never seen half-queued.
func (s *Store) CreateBatch(ctx context.Context, b Batch, users []User) (Batch, error) {
	client, err := s.eng.newClient(s.riverConfig(WorkOptions{}.withDefaults(), nil, nil))
	if err != nil {
		return Batch{}, err
	}
	err = inTx(ctx, s.eng, func(tx txn) error {
		if b, err = insertBatch(ctx, tx, b); err != nil {
			return err
		}
		return s.enqueueTx(ctx, tx, client, b.ID, users)
	})
	if err != nil && ctx.Err() == nil {
		err = s.Failure("recording the batch", err)
	}
	return b, err
}

func insertBatch(ctx context.Context, tx txn, b Batch) (Batch, error) {
	b.ID, b.CreatedAt = uuid.NewString(), time.Now().UTC()
	if len(b.Options) == 0 {
		b.Options = json.RawMessage("{}")
	}
	if b.Kind == "" {
		b.Kind = BatchRun
	}
	if !json.Valid(b.Options) {
		return Batch{}, errors.New("batch options are not JSON")
	}
	_, err := tx.exec(ctx, `INSERT INTO mms_batch (id, created_at, now, stamp, dry_run, options, kind, fingerprint, finished)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.ID, b.CreatedAt, b.Now, b.Stamp, b.DryRun, string(b.Options), b.Kind, b.Fingerprint, b.Finished)
	if err != nil {
		return Batch{}, fmt.Errorf("recording batch: %w", err)
	}
	return b, nil
}

const batchColumns = `id, created_at, now, stamp, dry_run, options, kind, fingerprint, finished`

// HasBatch reports whether the store holds the batch of that id.
func (s *Store) HasBatch(ctx context.Context, id string) (bool, error) {
	_, err := s.batchWhere(ctx, `id = ?`, id)
	if errors.Is(err, errNoRows) {
		return false, nil
	}
	return err == nil, err
}

// Shown is how messages name the store: its path or URL, any password
// hidden.
func (s *Store) Shown() string { return s.dsn }

// Batch returns one batch.
func (s *Store) Batch(ctx context.Context, id string) (Batch, error) {
	b, err := s.batchWhere(ctx, `id = ?`, id)
	if errors.Is(err, errNoRows) {
		return b, fmt.Errorf("no batch %s in the state store %s; mms batches lists them", id, s.dsn)
	}
	if err != nil {
		return b, fmt.Errorf("batch %s: %w", id, err)
	}
	return b, nil
}

func (s *Store) batchWhere(ctx context.Context, where string, args ...any) (Batch, error) {
	var b Batch
	var opts string
	err := queryRow(ctx, s.eng, `SELECT `+batchColumns+` FROM mms_batch WHERE `+where+` ORDER BY created_at DESC, id DESC LIMIT 1`, args,
		&b.ID, &b.CreatedAt, &b.Now, &b.Stamp, &b.DryRun, &opts, &b.Kind, &b.Fingerprint, &b.Finished)
	b.Options = json.RawMessage(opts)
	return b, err
}

// ResumableBatch returns the latest unfinished batch made from the same
// inputs and options (the same fingerprint), if there is one: a run that
// was killed, started again.
func (s *Store) ResumableBatch(ctx context.Context, fingerprint string) (Batch, bool, error) {
	if fingerprint == "" {
		return Batch{}, false, nil
	}
	b, err := s.batchWhere(ctx, `fingerprint = ? AND finished = ?`, fingerprint, false)
	if errors.Is(err, errNoRows) {
		return Batch{}, false, nil
	}
	if err != nil {
		return Batch{}, false, fmt.Errorf("looking for an unfinished batch: %w", err)
	}
	return b, true, nil
}

// FinishBatch marks a batch finished: its report is written, and the same
// command started again makes a new batch.
func (s *Store) FinishBatch(ctx context.Context, id string) error {
	if _, err := s.eng.exec(ctx, `UPDATE mms_batch SET finished = ? WHERE id = ?`, true, id); err != nil {
		return fmt.Errorf("batch %s: %w", id, err)
	}
	return nil
}

// Left counts the users of a batch still Pending or InProgress.
func (s *Store) Left(ctx context.Context, batchID string) (int, error) {
	var n int
	err := queryRow(ctx, s.eng, `SELECT COUNT(*) FROM mms_user WHERE batch_id = ? AND state IN (?, ?)`, []any{batchID, Pending, InProgress}, &n)
	if err != nil {
		return 0, fmt.Errorf("batch %s: %w", batchID, err)
	}
	return n, nil
}

// LatestBatch returns the most recent batch.
func (s *Store) LatestBatch(ctx context.Context) (Batch, error) {
	var id string
	err := queryRow(ctx, s.eng, `SELECT id FROM mms_batch ORDER BY created_at DESC, id DESC LIMIT 1`, nil, &id)
	if errors.Is(err, errNoRows) {
		return Batch{}, fmt.Errorf("the state store %s holds no batch yet; start one with mms run", s.dsn)
	}
	if err != nil {
		return Batch{}, err
	}
	return s.Batch(ctx, id)
}

// Filter selects users; empty fields select all.
type Filter struct {
	BatchID      string
	UserID       string // any case
	State        string
	Since, Until time.Time // ModifiedAt in [Since, Until)
}

func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) { conds = append(conds, cond); args = append(args, v) }
	if f.BatchID != "" {
		add("batch_id = ?", f.BatchID)
	}
	if f.UserID != "" {
		add("user_id = ?", strings.ToLower(f.UserID))
	}
	if f.State != "" {
		add("state = ?", f.State)
	}
	if !f.Since.IsZero() {
		add("modified_at >= ?", f.Since)
	}
	if !f.Until.IsZero() {
		add("modified_at < ?", f.Until)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

const userColumns = `batch_id, user_id, state, migration_type, total_meeting, succeeded_meeting, failed_meeting, skipped_meeting,
	invites_update, retry_count, last_message, created_at, modified_at, correlation_id, payload, server_invites, display`

func scanUser(r rows) (User, error) {
	var u User
	var payload string
	err := r.Scan(&u.BatchID, &u.UserID, &u.State, &u.MigrationType, &u.TotalMeeting, &u.SucceededMeeting, &u.FailedMeeting,
		&u.SkippedMeeting, &u.InvitesUpdate, &u.RetryCount, &u.LastMessage, &u.CreatedAt, &u.ModifiedAt, &u.CorrelationID, &payload, &u.ServerInvites,
		&u.Display)
	u.Payload = json.RawMessage(payload)
	return u, err
}

// Users returns the users the filter selects, oldest batch first, each
// batch in the order its users were enqueued.
func (s *Store) Users(ctx context.Context, f Filter) ([]User, error) {
	var out []User
	err := s.EachUser(ctx, f, func(u User) error { out = append(out, u); return nil })
	return out, err
}

// EachUser calls fn for each user the filter selects, in Users' order,
// holding one row at a time; fn must not use the store (a SQLite store has
// one connection, held while the rows are read).
func (s *Store) EachUser(ctx context.Context, f Filter, fn func(User) error) error {
	where, args := f.where()
	// One batch's users in seq order come from its index unsorted; across
	// batches, each batch's rows are sorted (a temporary tree of every
	// row, payload included, in SQLite's memory).
	order := ` ORDER BY created_at, batch_id, seq`
	if f.BatchID != "" {
		order = ` ORDER BY seq`
	}
	r, err := s.eng.query(ctx, `SELECT `+userColumns+` FROM mms_user`+where+order, args...)
	if err != nil {
		return fmt.Errorf("reading users: %w", err)
	}
	defer r.Close()
	for r.Next() {
		u, err := scanUser(r)
		if err != nil {
			return fmt.Errorf("reading users: %w", err)
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	if err := r.Err(); err != nil {
		return fmt.Errorf("reading users: %w", err)
	}
	return nil
}

// Summary counts the users of a batch (of all batches when batchID is "")
// per state; states without users are absent.
func (s *Store) Summary(ctx context.Context, batchID string) (map[string]int, error) {
	where, args := Filter{BatchID: batchID}.where()
	r, err := s.eng.query(ctx, `SELECT state, COUNT(*) FROM mms_user`+where+` GROUP BY state`, args...)
	if err != nil {
		return nil, fmt.Errorf("counting users: %w", err)
	}
	defer r.Close()
	out := map[string]int{}
	for r.Next() {
		var state string
		var n int
		if err := r.Scan(&state, &n); err != nil {
			return nil, err
		}
		out[state] = n
	}
	return out, r.Err()
}

// Meetings calls fn for each meeting of a batch, in user and file order,
// without Original, and with the block before and after and the mail's
// text only when texts is set (only the HTML report shows them). Each
// user's rows are read by the primary key, so nothing is sorted however
// large the batch; fn must not use the store (a SQLite store has one
// connection, held while a user's rows are read).
func (s *Store) Meetings(ctx context.Context, batchID string, texts bool, fn func(Meeting) error) error {
	users, err := s.batchUserIDs(ctx, batchID)
	if err != nil {
		return err
	}
	var ms []Meeting
	for _, user := range users {
		if ms, err = s.meetingRows(ctx, batchID, user, texts, ms[:0]); err != nil {
			return err
		}
		for _, m := range ms {
			if err := fn(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// batchUserIDs lists a batch's users in the users file's order.
func (s *Store) batchUserIDs(ctx context.Context, batchID string) ([]string, error) {
	r, err := s.eng.query(ctx, `SELECT user_id FROM mms_user WHERE batch_id = ? ORDER BY seq`, batchID)
	if err != nil {
		return nil, fmt.Errorf("reading users of batch %s: %w", batchID, err)
	}
	defer r.Close()
	var out []string
	for r.Next() {
		var id string
		if err := r.Scan(&id); err != nil {
			return nil, fmt.Errorf("reading users of batch %s: %w", batchID, err)
		}
		out = append(out, id)
	}
	return out, r.Err()
}

// meetingRows appends a user's meeting rows, without Original and, unless
// texts is set, without their texts, to ms.
func (s *Store) meetingRows(ctx context.Context, batchID, userID string, texts bool, ms []Meeting) ([]Meeting, error) {
	cols := `end_time, recurrence, detail, changes`
	if texts {
		cols = meetingReadColumns
	}
	r, err := s.eng.query(ctx, `SELECT user_id, uid, summary, start, attendees, outcome, reason, provider, old_join_url, new_join_url,
		intent, completed, `+cols+` FROM mms_meeting WHERE batch_id = ? AND user_id = ? ORDER BY seq`, batchID, userID)
	if err != nil {
		return nil, fmt.Errorf("reading meetings of %s: %w", userID, err)
	}
	defer r.Close()
	for r.Next() {
		var m Meeting
		var packed []byte
		dst := []any{&m.UserID, &m.UID, &m.Summary, &m.Start, &m.Attendees, &m.Outcome, &m.Reason, &m.Provider,
			&m.OldJoinURL, &m.NewJoinURL, &m.Intent, &m.Completed, &m.End, &m.Recurrence, &m.Detail, &m.Changes}
		if texts {
			dst = append(dst, &m.OldBlock, &m.NewBlock, &m.MailText, &packed)
		}
		if err := r.Scan(dst...); err != nil {
			return nil, fmt.Errorf("reading meetings of %s: %w", userID, err)
		}
		if err := m.unpackTexts(packed); err != nil {
			return nil, fmt.Errorf("reading meetings of %s: %w", userID, err)
		}
		ms = append(ms, m)
	}
	return ms, r.Err()
}

// UnfinishedBatches returns the batches whose report is not written yet,
// oldest first.
func (s *Store) UnfinishedBatches(ctx context.Context) ([]Batch, error) {
	r, err := s.eng.query(ctx, `SELECT `+batchColumns+` FROM mms_batch WHERE finished = ? ORDER BY created_at, id`, false)
	if err != nil {
		return nil, fmt.Errorf("reading batches: %w", err)
	}
	defer r.Close()
	var out []Batch
	for r.Next() {
		var b Batch
		var opts string
		if err := r.Scan(&b.ID, &b.CreatedAt, &b.Now, &b.Stamp, &b.DryRun, &opts, &b.Kind, &b.Fingerprint, &b.Finished); err != nil {
			return nil, fmt.Errorf("reading batches: %w", err)
		}
		b.Options = json.RawMessage(opts)
		out = append(out, b)
	}
	return out, r.Err()
}

// Shown is the user's address as reports and mms status show it: as the
// users file writes it.
func (u User) Shown() string {
	if u.Display != "" {
		return u.Display
	}
	return u.UserID
}

// Displays returns, by user id, the users of a batch whose address the
// users file writes otherwise than in lower case (see User.Display).
func (s *Store) Displays(ctx context.Context, batchID string) (map[string]string, error) {
	r, err := s.eng.query(ctx, `SELECT user_id, display FROM mms_user WHERE batch_id = ? AND display <> ''`, batchID)
	if err != nil {
		return nil, fmt.Errorf("reading the users of batch %s: %w", batchID, err)
	}
	defer r.Close()
	out := map[string]string{}
	for r.Next() {
		var id, display string
		if err := r.Scan(&id, &display); err != nil {
			return nil, fmt.Errorf("reading the users of batch %s: %w", batchID, err)
		}
		out[id] = display
	}
	return out, r.Err()
}
