package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// migration is one version of our schema. Statements are written once for
// both engines, with {{time}}, {{json}}, {{bool}}, {{false}} and {{bytes}}
// standing for the column types (see dialect); sqlite and postgres hold
// statements for one engine only.
type migration struct {
	version          int
	name             string
	up               []string
	sqlite, postgres []string
}

// migrations are applied in order, each once; mms_migration records them.
// Version 1 is the schema SQLite files had before versions were recorded,
// hence IF NOT EXISTS: it adopts such a file without change.
var migrations = []migration{
	{version: 1, name: "batches, users, meetings, tenant", up: []string{
		`CREATE TABLE IF NOT EXISTS mms_batch (
			id TEXT PRIMARY KEY,
			created_at {{time}} NOT NULL,
			now {{time}} NOT NULL,
			stamp {{time}} NOT NULL,
			dry_run {{bool}} NOT NULL,
			options {{json}} NOT NULL)`,
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
			created_at {{time}} NOT NULL,
			modified_at {{time}} NOT NULL,
			correlation_id TEXT NOT NULL,
			payload {{json}} NOT NULL DEFAULT '{}',
			PRIMARY KEY (batch_id, user_id))`,
		`CREATE INDEX IF NOT EXISTS mms_user_state ON mms_user (state, modified_at)`,
		`CREATE TABLE IF NOT EXISTS mms_meeting (
			batch_id TEXT NOT NULL,
			user_id TEXT NOT NULL,
			seq INTEGER NOT NULL,
			uid TEXT NOT NULL,
			summary TEXT NOT NULL,
			start {{time}} NOT NULL,
			attendees INTEGER NOT NULL,
			outcome TEXT NOT NULL,
			reason TEXT NOT NULL,
			provider TEXT NOT NULL,
			old_join_url TEXT NOT NULL,
			new_join_url TEXT NOT NULL,
			PRIMARY KEY (batch_id, user_id, seq))`,
		`CREATE TABLE IF NOT EXISTS mms_tenant (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
	}},
	{version: 2, name: "user order, meeting intents for crash safety", up: []string{
		// seq keeps the users file's order on every engine (SQLite's rowid did before).
		`ALTER TABLE mms_user ADD COLUMN seq INTEGER NOT NULL DEFAULT 0`,
		`CREATE INDEX mms_user_batch_seq ON mms_user (batch_id, seq)`,
		`CREATE INDEX mms_user_modified ON mms_user (modified_at)`,
		// intent: about to be written or sent; completed: done; original:
		// the meeting's bytes before, to undo or to compare after a crash.
		`ALTER TABLE mms_meeting ADD COLUMN intent {{bool}} NOT NULL DEFAULT {{false}}`,
		`ALTER TABLE mms_meeting ADD COLUMN completed {{bool}} NOT NULL DEFAULT {{false}}`,
		`ALTER TABLE mms_meeting ADD COLUMN original {{bytes}}`,
		`CREATE INDEX mms_meeting_uid ON mms_meeting (batch_id, user_id, uid)`,
	}, sqlite: []string{
		`UPDATE mms_user SET seq = rowid`,
	}},
	{version: 3, name: "resumable batches, worker processes", up: []string{
		// fingerprint: the inputs and options a batch was made from, so the
		// same command started again resumes it; finished: its report is
		// written; kind: run, start or rollback.
		`ALTER TABLE mms_batch ADD COLUMN fingerprint TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE mms_batch ADD COLUMN finished {{bool}} NOT NULL DEFAULT {{false}}`,
		`ALTER TABLE mms_batch ADD COLUMN kind TEXT NOT NULL DEFAULT 'run'`,
		`CREATE INDEX mms_batch_fingerprint ON mms_batch (fingerprint, finished)`,
		// One row per working process (its River client id): a job left
		// running by a process whose row is gone or stale is taken again.
		`CREATE TABLE mms_process (
			id TEXT PRIMARY KEY,
			host TEXT NOT NULL,
			pid INTEGER NOT NULL,
			token TEXT NOT NULL,
			started_at {{time}} NOT NULL,
			heartbeat_at {{time}} NOT NULL)`,
	}, sqlite: []string{
		// One unfinished batch per fingerprint: the same command started
		// twice at once makes one batch.
		`CREATE UNIQUE INDEX mms_batch_open_fingerprint ON mms_batch (fingerprint) WHERE finished = 0 AND fingerprint <> ''`,
	}, postgres: []string{
		`CREATE UNIQUE INDEX mms_batch_open_fingerprint ON mms_batch (fingerprint) WHERE NOT finished AND fingerprint <> ''`,
	}},
	{version: 4, name: "originals in a table of their own", up: []string{
		// A meeting's bytes before are written once, with its intent; the
		// meeting rows, rewritten at each completion, no longer carry them.
		`CREATE TABLE mms_original (
			batch_id TEXT NOT NULL,
			user_id TEXT NOT NULL,
			uid TEXT NOT NULL,
			original {{bytes}} NOT NULL,
			PRIMARY KEY (batch_id, user_id, uid))`,
		`INSERT INTO mms_original (batch_id, user_id, uid, original)
			SELECT batch_id, user_id, uid, original FROM mms_meeting WHERE original IS NOT NULL
			ON CONFLICT DO NOTHING`,
		`ALTER TABLE mms_meeting DROP COLUMN original`,
	}},
	{version: 5, name: "updates sent, by UID, new block and SEQUENCE", up: []string{
		// One row per meeting whose update a batch sent: what it said (a
		// hash of its new block text and its SEQUENCE), so that a later
		// batch does not send the same update again (already-sent).
		`CREATE TABLE mms_sent (
			user_id TEXT NOT NULL,
			uid TEXT NOT NULL,
			batch_id TEXT NOT NULL,
			sequence INTEGER NOT NULL,
			update_hash TEXT NOT NULL,
			sent_at {{time}} NOT NULL,
			PRIMARY KEY (user_id, uid, batch_id))`,
	}},
	{version: 6, name: "meeting end, recurrence, detail, changes, blocks and mail text", up: []string{
		// The report's columns (End, Recurrence, Detail, Changes) and the
		// HTML preview's (the block before and after, the mail's text).
		`ALTER TABLE mms_meeting ADD COLUMN recurrence TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE mms_meeting ADD COLUMN detail TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE mms_meeting ADD COLUMN changes TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE mms_meeting ADD COLUMN old_block TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE mms_meeting ADD COLUMN new_block TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE mms_meeting ADD COLUMN mail_text TEXT NOT NULL DEFAULT ''`,
	}, sqlite: []string{
		// The zero time: "" in SQLite's text times, year 1 in PostgreSQL's.
		`ALTER TABLE mms_meeting ADD COLUMN end_time TEXT NOT NULL DEFAULT ''`,
	}, postgres: []string{
		`ALTER TABLE mms_meeting ADD COLUMN end_time TIMESTAMPTZ NOT NULL DEFAULT '0001-01-01 00:00:00+00'`,
	}},
	{version: 7, name: "meeting texts and bytes before packed", up: []string{
		// The three texts of a meeting row (old_block, new_block, mail_text,
		// left empty from now on) and an original (original left empty)
		// packed: see packed.go. Rows written before keep their columns.
		`ALTER TABLE mms_meeting ADD COLUMN texts {{bytes}}`,
		`ALTER TABLE mms_original ADD COLUMN packed {{bytes}}`,
	}},
	{version: 8, name: "updates left to the CalDAV server, per user", up: []string{
		`ALTER TABLE mms_user ADD COLUMN server_invites INTEGER NOT NULL DEFAULT 0`,
	}},
	{version: 9, name: "users' addresses as the users file writes them", up: []string{
		`ALTER TABLE mms_user ADD COLUMN display TEXT NOT NULL DEFAULT ''`,
	}},
}

// migrate brings River's schema and ours up to date; concurrent Opens wait
// for each other.
func (s *Store) migrate(ctx context.Context) error {
	return s.eng.migrate(ctx, func(tx txn) error {
		return applyMigrations(ctx, tx, s.eng.dialect(), migrations)
	})
}

func applyMigrations(ctx context.Context, tx txn, d dialect, ms []migration) error {
	if _, err := tx.exec(ctx, d.ddl(`CREATE TABLE IF NOT EXISTS mms_migration (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at {{time}} NOT NULL)`)); err != nil {
		return fmt.Errorf("migrations table: %w", err)
	}
	var current int
	if err := queryRow(ctx, tx, `SELECT COALESCE(MAX(version), 0) FROM mms_migration`, nil, &current); err != nil {
		return fmt.Errorf("migrations table: %w", err)
	}
	// A store a newer mms wrote may keep what this one cannot read (schema
	// 7 packs the originals a rollback restores): refuse it, rather than
	// read empty values.
	if known := ms[len(ms)-1].version; current > known {
		return fmt.Errorf("%w: its schema is version %d, newer than this mms knows (%d): use the mms that wrote it, or a newer one",
			ErrNewerSchema, current, known)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		stmts := append([]string(nil), m.up...)
		if d.name == sqliteDialect.name {
			stmts = append(stmts, m.sqlite...)
		} else {
			stmts = append(stmts, m.postgres...)
		}
		for _, stmt := range stmts {
			if _, err := tx.exec(ctx, d.ddl(stmt)); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
		}
		if _, err := tx.exec(ctx, `INSERT INTO mms_migration (version, name, applied_at) VALUES (?, ?, ?)`,
			m.version, m.name, time.Now()); err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// ErrNewerSchema: the state store was written by a newer mms.
var ErrNewerSchema = errors.New("written by a newer mms")

// SchemaVersion is the version of our schema this package writes.
func SchemaVersion() int { return migrations[len(migrations)-1].version }
