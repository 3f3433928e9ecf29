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
		invites_update = ?, server_invites = ?, retry_count = ?, last_message = ?, modified_at = ?`
	args := []any{res.State, res.TotalMeeting, res.SucceededMeeting, res.FailedMeeting, res.SkippedMeeting,
		res.InvitesUpdate, res.ServerInvites, job.retries(), res.LastMessage, time.Now()}
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
			if k.original {
				m.Original = nil // written with the intent: not packed and offered again
			}
		}
		rows[i] = m
	}
	return insertMeetings(ctx, tx, job.BatchID, job.UserID, 0, rows)
}

// journalFlag is what the journal holds of one meeting: its intent and
// completed flags, and whether its original is kept.
type journalFlag struct {
	Intent, Completed, original bool
}

// journalFlags returns the journal flags of a user's meetings with an
// intent, by UID.
func journalFlags(ctx context.Context, q querier, batchID, userID string) (map[string]journalFlag, error) {
	r, err := q.query(ctx, `SELECT m.uid, m.intent, m.completed, o.uid IS NOT NULL FROM mms_meeting m
		LEFT JOIN mms_original o ON o.batch_id = m.batch_id AND o.user_id = m.user_id AND o.uid = m.uid
		WHERE m.batch_id = ? AND m.user_id = ? AND m.intent = ?`,
		batchID, userID, true)
	if err != nil {
		return nil, fmt.Errorf("reading meetings of %s: %w", userID, err)
	}
	defer r.Close()
	out := map[string]journalFlag{}
	for r.Next() {
		var uid string
		var f journalFlag
		if err := r.Scan(&uid, &f.Intent, &f.Completed, &f.original); err != nil {
			return nil, fmt.Errorf("reading meetings of %s: %w", userID, err)
		}
		out[uid] = f
	}
	return out, r.Err()
}

// rowsPerInsert is how many rows one INSERT writes: a statement per row
// was most of a completion's time (each is bound, stepped and reset).
const rowsPerInsert = 50

// insertMeetings writes meeting rows numbered from seq and, for those that
// carry one and have none kept yet, their originals.
func insertMeetings(ctx context.Context, q querier, batchID, userID string, seq int, ms []Meeting) error {
	const cols = `batch_id, user_id, seq, uid, summary, start, attendees, outcome, reason, provider, old_join_url, new_join_url, intent, completed, ` +
		meetingReportColumns
	const ncols = 19
	for len(ms) > 0 {
		part := ms[:min(len(ms), rowsPerInsert)]
		args := make([]any, 0, ncols*len(part))
		var originals []any
		for i, m := range part {
			args = append(args, batchID, userID, seq+i, m.UID, m.Summary, m.Start, m.Attendees, m.Outcome, m.Reason, m.Provider,
				m.OldJoinURL, m.NewJoinURL, m.Intent, m.Completed)
			args = append(args, m.reportValues()...)
			if m.Original != nil {
				originals = append(originals, batchID, userID, m.UID, []byte{}, pack(m.Original))
			}
		}
		if _, err := q.exec(ctx, `INSERT INTO mms_meeting (`+cols+`) VALUES `+placeholders(len(part), ncols), args...); err != nil {
			return fmt.Errorf("recording meetings of %s: %w", userID, err)
		}
		if len(originals) > 0 {
			if _, err := q.exec(ctx, `INSERT INTO mms_original (batch_id, user_id, uid, original, packed) VALUES `+placeholders(len(originals)/5, 5)+
				` ON CONFLICT DO NOTHING`, originals...); err != nil {
				return fmt.Errorf("recording the originals of %s: %w", userID, err)
			}
		}
		ms, seq = ms[len(part):], seq+len(part)
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
	rows := make([]Meeting, len(ms))
	for i, m := range ms {
		m.Intent = true
		rows[i] = m
	}
	return s.RecordPlan(ctx, batchID, userID, rows)
}

// RecordPlan is RecordIntents for the rows with Intent set, in one
// transaction with the others: the meetings an attempt decided to leave
// (skipped, failed), recorded as decided unless a row of their UID is
// already kept, so that a user given up on later still reports them
// (see migrate's Abandon). Rows for new UIDs are inserted in rows' order.
func (s *Store) RecordPlan(ctx context.Context, batchID, userID string, rows []Meeting) error {
	if len(rows) == 0 {
		return nil
	}
	return inTx(ctx, s.eng, func(tx txn) error {
		known, next, err := meetingUIDs(ctx, tx, batchID, userID)
		if err != nil {
			return err
		}
		var fresh, again, redecided []Meeting
		for _, m := range rows {
			m.Completed = false
			switch {
			case known[m.UID] && m.Intent:
				again = append(again, m)
				continue
			case known[m.UID]: // an intent is kept as it is; an earlier decision gives way to this one
				redecided = append(redecided, m)
				continue
			}
			known[m.UID] = true
			fresh = append(fresh, m)
		}
		for _, m := range redecided {
			args := append([]any{m.Summary, m.Start, m.Attendees, m.Outcome, m.Reason, m.Provider, m.OldJoinURL, m.NewJoinURL}, m.reportValues()...)
			if _, err := tx.exec(ctx, `UPDATE mms_meeting SET summary = ?, start = ?, attendees = ?, outcome = ?, reason = ?, provider = ?,
				old_join_url = ?, new_join_url = ?, end_time = ?, recurrence = ?, detail = ?, changes = ?, texts = ?
				WHERE batch_id = ? AND user_id = ? AND uid = ? AND intent = ?`, append(args, batchID, userID, m.UID, false)...); err != nil {
				return fmt.Errorf("recording the decision on meeting %s of %s: %w", m.UID, userID, err)
			}
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
		provider = ?, old_join_url = ?, new_join_url = ?, end_time = ?, recurrence = ?, detail = ?, changes = ?, texts = ?, old_block = '',
		new_block = '', mail_text = '' WHERE batch_id = ? AND user_id = ? AND uid = ?`,
		append(args, batchID, userID, m.UID)...)
	if err != nil || m.Original == nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO mms_original (batch_id, user_id, uid, original, packed) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		batchID, userID, m.UID, []byte{}, pack(m.Original))
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

// RecordNote sets the Detail of a meeting whose intent is recorded (a
// remark on how it went, such as recipients the relay refused), so that a
// later attempt reports it too.
func (s *Store) RecordNote(ctx context.Context, batchID, userID, uid, note string) error {
	n, err := s.eng.exec(ctx, `UPDATE mms_meeting SET detail = ? WHERE batch_id = ? AND user_id = ? AND uid = ?`, note, batchID, userID, uid)
	if err == nil && n == 0 {
		err = errors.New("no intent recorded")
	}
	if err != nil {
		return fmt.Errorf("meeting %s of %s: %w", uid, userID, err)
	}
	return nil
}

// RecordFailed marks a meeting whose intent is recorded failed, with its
// Reason and Detail, so that later attempts of the batch know it (an
// update that may have gone out is not sent again).
func (s *Store) RecordFailed(ctx context.Context, batchID, userID, uid, reason, detail string) error {
	n, err := s.eng.exec(ctx, `UPDATE mms_meeting SET outcome = 'failed', reason = ?, detail = ? WHERE batch_id = ? AND user_id = ? AND uid = ?`,
		reason, detail, batchID, userID, uid)
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
		m.new_join_url, m.intent, m.completed, o.original, o.packed, m.end_time, m.recurrence, m.detail, m.changes, m.old_block, m.new_block,
		m.mail_text, m.texts FROM mms_meeting m
		LEFT JOIN mms_original o ON o.batch_id = m.batch_id AND o.user_id = m.user_id AND o.uid = m.uid
		WHERE m.batch_id = ? AND m.user_id = ? ORDER BY m.seq`, batchID, userID)
	if err != nil {
		return nil, fmt.Errorf("reading meetings of %s: %w", userID, err)
	}
	defer r.Close()
	var out []Meeting
	for r.Next() {
		var m Meeting
		var original, texts []byte
		if err := r.Scan(&m.UserID, &m.UID, &m.Summary, &m.Start, &m.Attendees, &m.Outcome, &m.Reason, &m.Provider,
			&m.OldJoinURL, &m.NewJoinURL, &m.Intent, &m.Completed, &m.Original, &original, &m.End, &m.Recurrence, &m.Detail, &m.Changes,
			&m.OldBlock, &m.NewBlock, &m.MailText, &texts); err != nil {
			return nil, fmt.Errorf("reading meetings of %s: %w", userID, err)
		}
		var err error
		if m.Original, err = unpackOriginal(m.UID, m.Original, original); err != nil {
			return nil, fmt.Errorf("reading meetings of %s: %w", userID, err)
		}
		if err := m.unpackTexts(texts); err != nil {
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
// the first schema's, in the order of reportValues: the texts packed.
const meetingReportColumns = `end_time, recurrence, detail, changes, texts`

func (m Meeting) reportValues() []any {
	return []any{m.End, m.Recurrence, m.Detail, m.Changes, m.packTexts()}
}

// meetingReadColumns are those the report reads: the texts packed or, in
// rows written before schema 7, in their own columns.
const meetingReadColumns = `end_time, recurrence, detail, changes, old_block, new_block, mail_text, texts`
