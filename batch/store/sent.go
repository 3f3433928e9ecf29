package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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

// Stranded is a meeting an earlier batch wrote (its intent recorded, its
// original kept) whose update that batch never sent.
type Stranded struct {
	Meeting
	BatchID   string
	CreatedAt time.Time // the batch's
}

// StrandedMeetings returns, by UID, the user's meetings that the latest
// real batch (neither a dry run nor a rollback) other than except to have
// written each recorded as intended and, having run to the end, never
// completed (nor left with a send the relay did not answer): a CalDAV copy
// that batch rewrote in place and left so (another client's edit after
// the write, an object that failed the user) holds a block whose update
// its attendees never got.
//
// Only meetings whose final row failed for one of unsent (reasons that
// say the update did not go out: not sent at all, refused by the relay, the
// write found changed after it) count, and none of a batch that left
// delivery to the server (--send server: the server delivered on the
// write).
func (s *Store) StrandedMeetings(ctx context.Context, userID, except string, unsent []string) (map[string]Stranded, error) {
	r, err := s.eng.query(ctx, `SELECT m.uid, m.batch_id, b.created_at, m.completed, b.finished, b.options, m.outcome, m.reason, o.original, o.packed FROM mms_meeting m
		JOIN mms_batch b ON b.id = m.batch_id
		LEFT JOIN mms_original o ON o.batch_id = m.batch_id AND o.user_id = m.user_id AND o.uid = m.uid
		WHERE m.user_id = ? AND m.batch_id <> ? AND m.intent = ? AND b.dry_run = ? AND b.kind <> ?
		ORDER BY b.created_at, m.batch_id`, strings.ToLower(userID), except, true, false, BatchRollback)
	if err != nil {
		return nil, fmt.Errorf("reading the meetings earlier batches wrote for %s: %w", userID, err)
	}
	defer r.Close()
	out := map[string]Stranded{}
	for r.Next() {
		var m Stranded
		var original []byte
		var finished bool
		var options string
		if err := r.Scan(&m.UID, &m.BatchID, &m.CreatedAt, &m.Completed, &finished, &options, &m.Outcome, &m.Reason, &m.Original, &original); err != nil {
			return nil, fmt.Errorf("reading the meetings earlier batches wrote for %s: %w", userID, err)
		}
		var opts struct {
			Send string `json:"send"`
		}
		json.Unmarshal([]byte(options), &opts)
		// Only what a batch that ran to the end left unsent is known
		// unsent: an unfinished one resumes (and may have sent what it did
		// not record yet); an update the relay did not answer, or that an
		// attempt sent before a later one failed the meeting otherwise,
		// may have gone out.
		if m.Completed || !finished || opts.Send == "server" || !slices.Contains(unsent, m.Reason) {
			delete(out, m.UID) // a later batch's intent supersedes an earlier one's
			continue
		}
		if m.Original, err = unpackOriginal(m.UID, m.Original, original); err != nil {
			return nil, fmt.Errorf("reading the meetings earlier batches wrote for %s: %w", userID, err)
		}
		m.Intent = true
		out[m.UID] = m
	}
	return out, r.Err()
}

// ReasonRelayNoAnswer is the Reason of a meeting whose update was sent
// without an answer from the relay (migrate.KindRelayNoAnswer).
const ReasonRelayNoAnswer = "relay-no-answer"
