package store

import (
	"context"
	"fmt"
	"strings"
)

// RollbackFingerprint names the rollback of batch of for one user, or for
// every user when user is "": a rollback stopped part way is resumed by
// the same command, and one finished is found by RestoredUsers. A batch
// id is a UUID, so the parts cannot run into each other.
func RollbackFingerprint(of, user string) string {
	return "rollback/" + of + "/" + strings.ToLower(user)
}

// legacyRollbackFingerprint is RollbackFingerprint as earlier versions
// wrote it, with NUL separators PostgreSQL refuses in text (a rollback on
// PostgreSQL failed); a SQLite store may hold an unfinished rollback
// under it.
func legacyRollbackFingerprint(of, user string) string {
	return "rollback\x00" + of + "\x00" + strings.ToLower(user)
}

// ResumableRollback is ResumableBatch for the rollback of batch of (and
// user), under either fingerprint a rollback was ever recorded with.
func (s *Store) ResumableRollback(ctx context.Context, of, user string) (Batch, bool, error) {
	b, ok, err := s.ResumableBatch(ctx, RollbackFingerprint(of, user))
	if err != nil || ok || s.eng.dialect().name != sqliteDialect.name {
		return b, ok, err
	}
	return s.ResumableBatch(ctx, legacyRollbackFingerprint(of, user))
}

// RestoredUsers returns, for each user of batch of that a finished
// rollback restored (Succeeded), that rollback: the latest when several.
func (s *Store) RestoredUsers(ctx context.Context, of string) (map[string]Batch, error) {
	prints, args := `b.fingerprint LIKE ?`, []any{BatchRollback, true, RollbackFingerprint(of, "") + "%"}
	if s.eng.dialect().name == sqliteDialect.name { // and as earlier versions wrote it
		prints, args = `(b.fingerprint LIKE ? OR b.fingerprint LIKE ?)`, append(args, legacyRollbackFingerprint(of, "")+"%")
	}
	r, err := s.eng.query(ctx, `SELECT u.user_id, b.id FROM mms_user u JOIN mms_batch b ON b.id = u.batch_id
		WHERE b.kind = ? AND b.finished = ? AND `+prints+` AND u.state = ? ORDER BY b.created_at, b.id`,
		append(args, Succeeded)...)
	if err != nil {
		return nil, fmt.Errorf("reading the rollbacks of batch %s: %w", of, err)
	}
	ids := map[string]string{}
	for r.Next() {
		var user, id string
		if err := r.Scan(&user, &id); err != nil {
			r.Close()
			return nil, fmt.Errorf("reading the rollbacks of batch %s: %w", of, err)
		}
		ids[user] = id
	}
	r.Close()
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("reading the rollbacks of batch %s: %w", of, err)
	}
	out := make(map[string]Batch, len(ids))
	batches := map[string]Batch{}
	for user, id := range ids {
		b, ok := batches[id]
		if !ok {
			if b, err = s.Batch(ctx, id); err != nil {
				return nil, err
			}
			batches[id] = b
		}
		out[user] = b
	}
	return out, nil
}
