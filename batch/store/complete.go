package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
)

// complete writes the user's outcome and meetings and completes the job, in
// one transaction: either all of it is recorded or none.
func (s *Store) complete(ctx context.Context, client queueClient, rj *river.Job[userArgs], job Job, res Result) error {
	return inTx(ctx, s.eng, func(tx txn) error {
		if err := writeOutcome(ctx, tx, job, res); err != nil {
			return err
		}
		return client.complete(ctx, tx, rj)
	})
}

// writeOutcome writes a user's counts and, when given, its meetings.
func writeOutcome(ctx context.Context, tx txn, job Job, res Result) error {
	if len(res.Meetings) > 0 {
		if err := replaceMeetings(ctx, tx, job, res.Meetings); err != nil {
			return err
		}
	}
	q := `UPDATE mms_user SET state = ?, total_meeting = ?, succeeded_meeting = ?, failed_meeting = ?, skipped_meeting = ?,
		invites_update = ?, retry_count = ?, last_message = ?, modified_at = ?`
	args := []any{res.State, res.TotalMeeting, res.SucceededMeeting, res.FailedMeeting, res.SkippedMeeting,
		res.InvitesUpdate, job.Attempt - 1, res.LastMessage, time.Now()}
	if res.MigrationType != "" {
		q, args = q+`, migration_type = ?`, append(args, res.MigrationType)
	}
	_, err := tx.exec(ctx, q+` WHERE batch_id = ? AND user_id = ?`, append(args, job.BatchID, job.UserID)...)
	return err
}

// replaceMeetings replaces a user's meeting rows with ms, in ms's order,
// keeping the crash-safety record (intent, completed) of rows with the same
// UID. Originals stay in mms_original, written once.
func replaceMeetings(ctx context.Context, tx txn, job Job, ms []Meeting) error {
	kept, err := journalFlags(ctx, tx, job.BatchID, job.UserID)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `DELETE FROM mms_meeting WHERE batch_id = ? AND user_id = ?`, job.BatchID, job.UserID); err != nil {
		return err
	}
	rows := make([]Meeting, len(ms))
	for i, m := range ms {
		if k, ok := kept[m.UID]; ok {
			m.Intent, m.Completed = m.Intent || k.Intent, m.Completed || k.Completed
			if k.Original != nil {
				m.Original = nil // stored with the intent, and kept
			}
		}
		rows[i] = m
	}
	return insertMeetings(ctx, tx, job.BatchID, job.UserID, 0, rows)
}

// journalFlags returns the intent and completed flags of a user's meetings
// by UID; Original is non-nil (and empty) where an original is stored.
func journalFlags(ctx context.Context, q querier, batchID, userID string) (map[string]Meeting, error) {
	r, err := q.query(ctx, `SELECT m.uid, m.intent, m.completed, o.uid IS NOT NULL FROM mms_meeting m
		LEFT JOIN mms_original o ON o.batch_id = m.batch_id AND o.user_id = m.user_id AND o.uid = m.uid
		WHERE m.batch_id = ? AND m.user_id = ? AND m.intent = ?`,
		batchID, userID, true)
	if err != nil {
		return nil, fmt.Errorf("reading meetings of %s: %w", userID, err)
	}
	defer r.Close()
	out := map[string]Meeting{}
	for r.Next() {
		var m Meeting
		var original bool
		if err := r.Scan(&m.UID, &m.Intent, &m.Completed, &original); err != nil {
			return nil, fmt.Errorf("reading meetings of %s: %w", userID, err)
		}
		if original {
			m.Original = []byte{}
		}
		out[m.UID] = m
	}
	return out, r.Err()
}

// rowsPerInsert is how many rows one INSERT writes: a statement per row
// was most of a completion's time (each is bound, stepped and reset).
const rowsPerInsert = 50

// insertMeetings writes meeting rows numbered from seq, their texts (see
// writeTexts) and, for those that carry one and have none kept yet, their
// originals.
func insertMeetings(ctx context.Context, q querier, batchID, userID string, seq int, ms []Meeting) error {
	const cols = `batch_id, user_id, seq, uid, summary, start, attendees, outcome, reason, provider, old_join_url, new_join_url, intent, completed, ` +
		meetingReportColumns
	const ncols = 18
	for rest, at := ms, seq; len(rest) > 0; {
		part := rest[:min(len(rest), rowsPerInsert)]
		args := make([]any, 0, ncols*len(part))
		var originals []any
		for i, m := range part {
			args = append(args, batchID, userID, at+i, m.UID, m.Summary, m.Start, m.Attendees, m.Outcome, m.Reason, m.Provider,
				m.OldJoinURL, m.NewJoinURL, m.Intent, m.Completed)
			args = append(args, m.reportValues()...)
			if m.Original != nil {
				originals = append(originals, batchID, userID, m.UID, m.Original)
			}
		}
		if _, err := q.exec(ctx, `INSERT INTO mms_meeting (`+cols+`) VALUES `+placeholders(len(part), ncols), args...); err != nil {
			return fmt.Errorf("recording meetings of %s: %w", userID, err)
		}
		if len(originals) > 0 {
			if _, err := q.exec(ctx, `INSERT INTO mms_original (batch_id, user_id, uid, original) VALUES `+placeholders(len(originals)/4, 4)+
				` ON CONFLICT DO NOTHING`, originals...); err != nil {
				return fmt.Errorf("recording the originals of %s: %w", userID, err)
			}
		}
		rest, at = rest[len(part):], at+len(part)
	}
	return writeTexts(ctx, q, batchID, userID, ms)
}

// writeTexts records the blocks and mail text of meetings by UID, each
// UID's last in ms: a row saying the same as the one stored is not
// written again (most of a completion's bytes were these); a meeting with
// none has its stored texts removed. Two meetings of one user with the
// same UID share their texts, as they share their original.
func writeTexts(ctx context.Context, q querier, batchID, userID string, ms []Meeting) error {
	last := make(map[string]int, len(ms))
	for i, m := range ms {
		last[m.UID] = i
	}
	var none []any
	texts := make([]any, 0, 6*len(ms))
	flush := func() error {
		if len(texts) == 0 {
			return nil
		}
		_, err := q.exec(ctx, `INSERT INTO mms_meeting_text (batch_id, user_id, uid, old_block, new_block, mail_text) VALUES `+
			placeholders(len(texts)/6, 6)+` ON CONFLICT (batch_id, user_id, uid) DO UPDATE SET
			old_block = excluded.old_block, new_block = excluded.new_block, mail_text = excluded.mail_text
			WHERE mms_meeting_text.old_block <> excluded.old_block OR mms_meeting_text.new_block <> excluded.new_block
			OR mms_meeting_text.mail_text <> excluded.mail_text`, texts...)
		texts = texts[:0]
		return err
	}
	for i, m := range ms {
		if last[m.UID] != i {
			continue
		}
		if m.OldBlock == "" && m.NewBlock == "" && m.MailText == "" {
			none = append(none, m.UID)
			continue
		}
		texts = append(texts, batchID, userID, m.UID, m.OldBlock, m.NewBlock, m.MailText)
		if len(texts) == 6*rowsPerInsert {
			if err := flush(); err != nil {
				return fmt.Errorf("recording the blocks of %s: %w", userID, err)
			}
		}
	}
	if err := flush(); err != nil {
		return fmt.Errorf("recording the blocks of %s: %w", userID, err)
	}
	for len(none) > 0 {
		part := none[:min(len(none), 500)]
		if _, err := q.exec(ctx, `DELETE FROM mms_meeting_text WHERE batch_id = ? AND user_id = ? AND uid IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")+`)`, append([]any{batchID, userID}, part...)...); err != nil {
			return fmt.Errorf("recording the blocks of %s: %w", userID, err)
		}
		none = none[len(part):]
	}
	return nil
}

// placeholders is "(?, ?), (?, ?)" for rows of cols values.
func placeholders(rows, cols int) string {
	row := "(" + strings.Repeat("?, ", cols-1) + "?)"
	return strings.Repeat(row+", ", rows-1) + row
}

// RecordIntent records, before a meeting is written or its update sent,
// that it is about to be, with its bytes before (m.Original) so that the
// change can be undone or, after a crash, compared. It commits at once,
// outside the job's transaction, so that a later attempt finds it (see
// UserMeetings). The row is keyed by UID; a second call for the same UID
// updates it and keeps the first Original.
func (s *Store) RecordIntent(ctx context.Context, batchID, userID string, m Meeting) error {
	return s.RecordIntents(ctx, batchID, userID, []Meeting{m})
}

// RecordIntents is RecordIntent for several meetings, in one transaction:
// rows for new UIDs are inserted together, after the user's last.
func (s *Store) RecordIntents(ctx context.Context, batchID, userID string, ms []Meeting) error {
	if len(ms) == 0 {
		return nil
	}
	return inTx(ctx, s.eng, func(tx txn) error {
		known, next, err := meetingUIDs(ctx, tx, batchID, userID)
		if err != nil {
			return err
		}
		var fresh, again []Meeting
		for _, m := range ms {
			m.Intent, m.Completed = true, false
			if known[m.UID] {
				again = append(again, m)
				continue
			}
			known[m.UID] = true
			fresh = append(fresh, m)
		}
		if err := insertMeetings(ctx, tx, batchID, userID, next, fresh); err != nil {
			return err
		}
		for _, m := range again {
			if err := updateIntent(ctx, tx, batchID, userID, m); err != nil {
				return fmt.Errorf("recording the intent for meeting %s of %s: %w", m.UID, userID, err)
			}
		}
		return nil
	})
}

// meetingUIDs returns the UIDs a user has rows for, and the next seq.
func meetingUIDs(ctx context.Context, q querier, batchID, userID string) (map[string]bool, int, error) {
	r, err := q.query(ctx, `SELECT uid, seq FROM mms_meeting WHERE batch_id = ? AND user_id = ?`, batchID, userID)
	if err != nil {
		return nil, 0, fmt.Errorf("reading meetings of %s: %w", userID, err)
	}
	defer r.Close()
	uids, next := map[string]bool{}, 0
	for r.Next() {
		var uid string
		var seq int
		if err := r.Scan(&uid, &seq); err != nil {
			return nil, 0, fmt.Errorf("reading meetings of %s: %w", userID, err)
		}
		uids[uid], next = true, max(next, seq+1)
	}
	return uids, next, r.Err()
}

// updateIntent marks again the row of a meeting already recorded, keeping
// its first original.
func updateIntent(ctx context.Context, tx txn, batchID, userID string, m Meeting) error {
	args := append([]any{true, false, m.Summary, m.Start, m.Attendees, m.Outcome, m.Reason, m.Provider, m.OldJoinURL, m.NewJoinURL},
		m.reportValues()...)
	_, err := tx.exec(ctx, `UPDATE mms_meeting SET intent = ?, completed = ?, summary = ?, start = ?, attendees = ?, outcome = ?, reason = ?,
		provider = ?, old_join_url = ?, new_join_url = ?, end_time = ?, recurrence = ?, detail = ?, changes = ?
		WHERE batch_id = ? AND user_id = ? AND uid = ?`,
		append(args, batchID, userID, m.UID)...)
	if err == nil {
		err = writeTexts(ctx, tx, batchID, userID, []Meeting{m})
	}
	if err != nil || m.Original == nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO mms_original (batch_id, user_id, uid, original) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		batchID, userID, m.UID, m.Original)
	return err
}

// RecordCompleted records that the meeting RecordIntent announced was
// written (or sent).
func (s *Store) RecordCompleted(ctx context.Context, batchID, userID, uid string) error {
	n, err := s.eng.exec(ctx, `UPDATE mms_meeting SET completed = ? WHERE batch_id = ? AND user_id = ? AND uid = ?`, true, batchID, userID, uid)
	if err == nil && n == 0 {
		err = errors.New("no intent recorded")
	}
	if err != nil {
		return fmt.Errorf("meeting %s of %s: %w", uid, userID, err)
	}
	return nil
}

// RecordNote sets the Reason of a meeting whose intent is recorded (a
// remark on how it went, such as recipients the relay refused), so that a
// later attempt reports it too.
func (s *Store) RecordNote(ctx context.Context, batchID, userID, uid, note string) error {
	n, err := s.eng.exec(ctx, `UPDATE mms_meeting SET reason = ? WHERE batch_id = ? AND user_id = ? AND uid = ?`, note, batchID, userID, uid)
	if err == nil && n == 0 {
		err = errors.New("no intent recorded")
	}
	if err != nil {
		return fmt.Errorf("meeting %s of %s: %w", uid, userID, err)
	}
	return nil
}

// UserMeetings returns a user's meeting rows with Original: while the job
// runs, the intents recorded so far; once it completed, its outcome.
func (s *Store) UserMeetings(ctx context.Context, batchID, userID string) ([]Meeting, error) {
	return userMeetings(ctx, s.eng, batchID, userID)
}

func userMeetings(ctx context.Context, q querier, batchID, userID string) ([]Meeting, error) {
	r, err := q.query(ctx, `SELECT m.user_id, m.uid, m.summary, m.start, m.attendees, m.outcome, m.reason, m.provider, m.old_join_url,
		m.new_join_url, m.intent, m.completed, o.original, m.end_time, m.recurrence, m.detail, m.changes, `+meetingTextColumns+`
		FROM mms_meeting m
		LEFT JOIN mms_original o ON o.batch_id = m.batch_id AND o.user_id = m.user_id AND o.uid = m.uid
		`+meetingTextJoin+`
		WHERE m.batch_id = ? AND m.user_id = ? ORDER BY m.seq`, batchID, userID)
	if err != nil {
		return nil, fmt.Errorf("reading meetings of %s: %w", userID, err)
	}
	defer r.Close()
	var out []Meeting
	for r.Next() {
		var m Meeting
		if err := r.Scan(&m.UserID, &m.UID, &m.Summary, &m.Start, &m.Attendees, &m.Outcome, &m.Reason, &m.Provider,
			&m.OldJoinURL, &m.NewJoinURL, &m.Intent, &m.Completed, &m.Original, &m.End, &m.Recurrence, &m.Detail, &m.Changes,
			&m.OldBlock, &m.NewBlock, &m.MailText); err != nil {
			return nil, fmt.Errorf("reading meetings of %s: %w", userID, err)
		}
		out = append(out, m)
	}
	return out, r.Err()
}

// Record writes a user's outcome and meetings without a job: for work done
// outside the queue (a rollback). The user must have been enqueued.
func (s *Store) Record(ctx context.Context, batchID, userID string, res Result) error {
	job := Job{BatchID: batchID, UserID: strings.ToLower(userID), Attempt: 1}
	res.State = finalState(res)
	return inTx(ctx, s.eng, func(tx txn) error { return writeOutcome(ctx, tx, job, res) })
}

// meetingReportColumns are the report's columns of a meeting row beyond
// the first schema's, in the order of reportValues.
const meetingReportColumns = `end_time, recurrence, detail, changes`

func (m Meeting) reportValues() []any {
	return []any{m.End, m.Recurrence, m.Detail, m.Changes}
}

// meetingTextColumns are the texts of a meeting row m, from
// meetingTextJoin: the blocks before and after, the mail's text.
const (
	meetingTextColumns = `COALESCE(t.old_block, ''), COALESCE(t.new_block, ''), COALESCE(t.mail_text, '')`
	meetingTextJoin    = `LEFT JOIN mms_meeting_text t ON t.batch_id = m.batch_id AND t.user_id = m.user_id AND t.uid = m.uid`
)
