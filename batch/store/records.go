package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mms-project/mms/batch/trigger"
)

// Batch is one run.
type Batch struct {
	ID        string
	CreatedAt time.Time
	Now       time.Time // meetings before it are past
	Stamp     time.Time // written into rewritten meetings; the same on every retry
	DryRun    bool
	Options   json.RawMessage
}

// User is one user's row.
type User struct {
	BatchID, UserID, State, MigrationType                                                    string
	TotalMeeting, SucceededMeeting, FailedMeeting, SkippedMeeting, InvitesUpdate, RetryCount int
	LastMessage                                                                              string
	CreatedAt, ModifiedAt                                                                    time.Time
	CorrelationID                                                                            string
	Payload                                                                                  json.RawMessage
}

// Meeting is one meeting's outcome.
type Meeting struct {
	UserID, UID, Summary                              string
	Start                                             time.Time
	Attendees                                         int
	Outcome, Reason, Provider, OldJoinURL, NewJoinURL string
}

// NewBatch records a batch and gives it an id.
func (s *Store) NewBatch(ctx context.Context, b Batch) (Batch, error) {
	b.ID, b.CreatedAt = newID(), time.Now().UTC()
	if b.Options == nil {
		b.Options = json.RawMessage("{}")
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO mms_batch (id, created_at, now, stamp, dry_run, options) VALUES (?, ?, ?, ?, ?, ?)`,
		b.ID, ts(b.CreatedAt), ts(b.Now), ts(b.Stamp), b.DryRun, string(b.Options))
	return b, err
}

// Batch returns one batch.
func (s *Store) Batch(ctx context.Context, id string) (Batch, error) {
	var b Batch
	var created, now, stamp, opts string
	err := s.db.QueryRowContext(ctx, `SELECT id, created_at, now, stamp, dry_run, options FROM mms_batch WHERE id = ?`, id).
		Scan(&b.ID, &created, &now, &stamp, &b.DryRun, &opts)
	if errors.Is(err, sql.ErrNoRows) {
		return b, fmt.Errorf("no batch %s in the state store", id)
	}
	b.CreatedAt, b.Now, b.Stamp, b.Options = parseTS(created), parseTS(now), parseTS(stamp), json.RawMessage(opts)
	return b, err
}

// Filter selects users; empty fields select all.
type Filter struct {
	BatchID      string
	UserID       string
	State        string
	Since, Until time.Time // on ModifiedAt
}

// Users returns the users the filter selects, in batch and user order.
func (s *Store) Users(ctx context.Context, f Filter) ([]User, error) {
	var where []string
	var args []any
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
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
		add("modified_at >= ?", ts(f.Since))
	}
	if !f.Until.IsZero() {
		add("modified_at < ?", ts(f.Until))
	}
	q := `SELECT batch_id, user_id, state, migration_type, total_meeting, succeeded_meeting, failed_meeting, skipped_meeting,
		invites_update, retry_count, last_message, created_at, modified_at, correlation_id, payload FROM mms_user`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY created_at, batch_id, rowid", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var created, modified, payload string
		if err := rows.Scan(&u.BatchID, &u.UserID, &u.State, &u.MigrationType, &u.TotalMeeting, &u.SucceededMeeting, &u.FailedMeeting,
			&u.SkippedMeeting, &u.InvitesUpdate, &u.RetryCount, &u.LastMessage, &created, &modified, &u.CorrelationID, &payload); err != nil {
			return nil, err
		}
		u.CreatedAt, u.ModifiedAt, u.Payload = parseTS(created), parseTS(modified), json.RawMessage(payload)
		out = append(out, u)
	}
	return out, rows.Err()
}

// Meetings calls fn for each meeting of a batch, in user and file order.
func (s *Store) Meetings(ctx context.Context, batchID string, fn func(Meeting) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT m.user_id, uid, summary, start, attendees, outcome, reason, provider, old_join_url, new_join_url
		FROM mms_meeting m JOIN mms_user u ON u.batch_id = m.batch_id AND u.user_id = m.user_id
		WHERE m.batch_id = ? ORDER BY u.rowid, m.seq`, batchID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var m Meeting
		var start string
		if err := rows.Scan(&m.UserID, &m.UID, &m.Summary, &start, &m.Attendees, &m.Outcome, &m.Reason, &m.Provider, &m.OldJoinURL, &m.NewJoinURL); err != nil {
			return err
		}
		m.Start = parseTS(start)
		if err := fn(m); err != nil {
			return err
		}
	}
	return rows.Err()
}

// LatestBatch returns the most recent batch.
func (s *Store) LatestBatch(ctx context.Context) (Batch, error) {
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT id FROM mms_batch ORDER BY created_at DESC LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Batch{}, fmt.Errorf("the state store %s holds no batch yet; start one with mms run", s.dsn)
	}
	if err != nil {
		return Batch{}, err
	}
	return s.Batch(ctx, id)
}

// Tenant settings keys.
var tenantKeys = []string{"meeting_migration_enabled", "automatically_migrate_user_meetings", "automatically_replace_acp_provider"}

// Tenant returns the tenant settings, defaults where never set.
func (s *Store) Tenant(ctx context.Context) (trigger.Tenant, error) {
	t := trigger.DefaultTenant()
	rows, err := s.db.QueryContext(ctx, `SELECT key, value FROM mms_tenant`)
	if err != nil {
		return t, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return t, err
		}
		b, _ := strconv.ParseBool(v)
		*tenantField(&t, k) = b
	}
	return t, rows.Err()
}

// SetTenant changes one tenant setting.
func (s *Store) SetTenant(ctx context.Context, key, value string) error {
	var t trigger.Tenant
	if tenantField(&t, key) == nil {
		return fmt.Errorf("unknown tenant setting %q; use one of %s", key, strings.Join(tenantKeys, ", "))
	}
	b, err := strconv.ParseBool(value)
	if err != nil {
		return fmt.Errorf("tenant setting %s: %q is not true or false", key, value)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO mms_tenant (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, strconv.FormatBool(b))
	return err
}

func tenantField(t *trigger.Tenant, key string) *bool {
	switch key {
	case "meeting_migration_enabled":
		return &t.MeetingMigrationEnabled
	case "automatically_migrate_user_meetings":
		return &t.AutomaticallyMigrateUserMeetings
	case "automatically_replace_acp_provider":
		return &t.AutomaticallyReplaceACPProvider
	}
	return nil
}

// TenantKeys lists the tenant settings.
func TenantKeys() []string { return append([]string(nil), tenantKeys...) }
