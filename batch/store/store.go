// Package store keeps a batch's durable state: the River queue of per-user
// jobs and our own tables of users, meetings and tenant settings. Outcomes
// are written in the same transaction that completes the user's job, so
// the report, built from our tables, never disagrees with the queue; River
// deletes finished jobs after a while, our tables keep them.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", no cgo
)

// States of a user.
const (
	Pending      = "Pending"
	InProgress   = "InProgress"
	Failed       = "Failed"
	Succeeded    = "Succeeded"
	NotTriggered = "NotTriggered"
)

// Store is an open state store.
type Store struct {
	db     *sql.DB
	driver *riversqlite.Driver
	dsn    string
}

// Open opens (creating if needed) the state store: a SQLite file. It runs
// River's migrations and ours.
func Open(ctx context.Context, dsn string) (*Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return nil, fmt.Errorf("--db %s: PostgreSQL state stores are not supported yet; use a SQLite file such as mms.db", redact(dsn))
	}
	if dir := filepath.Dir(dsn); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("state store %s: %w", dsn, err)
		}
	}
	db, err := sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(on)")
	if err != nil {
		return nil, fmt.Errorf("state store %s: %w", dsn, err)
	}
	db.SetMaxOpenConns(1) // SQLite allows one writer; River's driver expects one connection
	s := &Store{db: db, driver: riversqlite.New(db), dsn: dsn}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("state store %s: %w", dsn, err)
	}
	return s, nil
}

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

func (s *Store) migrate(ctx context.Context) error {
	m, err := rivermigrate.New(s.driver, nil)
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	for _, stmt := range schema {
		if _, err := s.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("schema: %w", err)
		}
	}
	return nil
}

// schema is our own tables. Times are RFC 3339 text in UTC.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS mms_batch (
		id TEXT PRIMARY KEY,
		created_at TEXT NOT NULL,
		now TEXT NOT NULL,
		stamp TEXT NOT NULL,
		dry_run INTEGER NOT NULL,
		options TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS mms_user (
		batch_id TEXT NOT NULL REFERENCES mms_batch(id),
		user_id TEXT NOT NULL,
		state TEXT NOT NULL,
		migration_type TEXT NOT NULL DEFAULT '',
		total_meeting INTEGER NOT NULL DEFAULT 0,
		succeeded_meeting INTEGER NOT NULL DEFAULT 0,
		failed_meeting INTEGER NOT NULL DEFAULT 0,
		skipped_meeting INTEGER NOT NULL DEFAULT 0,
		invites_update INTEGER NOT NULL DEFAULT 0,
		retry_count INTEGER NOT NULL DEFAULT 0,
		last_message TEXT NOT NULL DEFAULT '',
		created_at TEXT NOT NULL,
		modified_at TEXT NOT NULL,
		correlation_id TEXT NOT NULL,
		payload TEXT NOT NULL DEFAULT '{}',
		PRIMARY KEY (batch_id, user_id))`,
	`CREATE INDEX IF NOT EXISTS mms_user_state ON mms_user (state, modified_at)`,
	`CREATE TABLE IF NOT EXISTS mms_meeting (
		batch_id TEXT NOT NULL,
		user_id TEXT NOT NULL,
		seq INTEGER NOT NULL,
		uid TEXT NOT NULL,
		summary TEXT NOT NULL,
		start TEXT NOT NULL,
		attendees INTEGER NOT NULL,
		outcome TEXT NOT NULL,
		reason TEXT NOT NULL,
		provider TEXT NOT NULL,
		old_join_url TEXT NOT NULL,
		new_join_url TEXT NOT NULL,
		PRIMARY KEY (batch_id, user_id, seq))`,
	`CREATE TABLE IF NOT EXISTS mms_tenant (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTS(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// redact hides a password in a URL.
func redact(dsn string) string {
	if at := strings.LastIndex(dsn, "@"); at > 0 {
		if colon := strings.Index(dsn[strings.Index(dsn, "//")+2:at], ":"); colon >= 0 {
			start := strings.Index(dsn, "//") + 2 + colon + 1
			return dsn[:start] + "***" + dsn[at:]
		}
	}
	return dsn
}
