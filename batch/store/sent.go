package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Sent is one meeting update a batch sent: Hash names what it said (the
// new block text), Sequence its SEQUENCE.
type Sent struct {
	UID      string
	BatchID  string
	Sequence int
	Hash     string
	SentAt   time.Time
	Kind     string // the sending batch's kind (LastSent): run, rollback, ...
}

// RecordSent records the updates a batch sent for a user's meetings; a
// meeting recorded before for the same batch is overwritten.
func (s *Store) RecordSent(ctx context.Context, batchID, userID string, sent []Sent) error {
	if len(sent) == 0 {
		return nil
	}
	userID = strings.ToLower(userID)
	now := time.Now().UTC()
	const cols = 6
	const perStatement = 100 // 600 parameters, below every engine's limit
	for len(sent) > 0 {
		n := min(len(sent), perStatement)
		args := make([]any, 0, n*cols)
		for _, m := range sent[:n] {
			args = append(args, userID, m.UID, batchID, m.Sequence, m.Hash, now)
		}
		_, err := s.eng.exec(ctx, `INSERT INTO mms_sent (user_id, uid, batch_id, sequence, update_hash, sent_at) VALUES `+
			placeholders(n, cols)+` ON CONFLICT (user_id, uid, batch_id) DO UPDATE SET sequence = excluded.sequence,
			update_hash = excluded.update_hash, sent_at = excluded.sent_at`, args...)
		if err != nil {
			return fmt.Errorf("recording the updates sent to the attendees of %s: %w", userID, err)
		}
		sent = sent[n:]
	}
	return nil
}

// LastSent returns, by UID, the last update sent for each of a user's
// meetings by a batch other than except: the one sent last (a reopened
// older batch's may come after a newer batch's), so that an update a
// later one superseded (a rollback's, say) counts as sent no more.
func (s *Store) LastSent(ctx context.Context, userID, except string) (map[string]Sent, error) {
	r, err := s.eng.query(ctx, `SELECT s.uid, s.batch_id, s.sequence, s.update_hash, s.sent_at, b.kind FROM mms_sent s
		JOIN mms_batch b ON b.id = s.batch_id
		WHERE s.user_id = ? AND s.batch_id <> ? ORDER BY s.sent_at, b.created_at, s.batch_id`, strings.ToLower(userID), except)
	if err != nil {
		return nil, fmt.Errorf("reading the updates sent to the attendees of %s: %w", userID, err)
	}
	defer r.Close()
	out := map[string]Sent{}
	for r.Next() {
		var m Sent
		if err := r.Scan(&m.UID, &m.BatchID, &m.Sequence, &m.Hash, &m.SentAt, &m.Kind); err != nil {
			return nil, fmt.Errorf("reading the updates sent to the attendees of %s: %w", userID, err)
		}
		out[m.UID] = m
	}
	return out, r.Err()
}
