package migrate

import (
	"context"
	"fmt"

	"github.com/mms-project/mms/batch/store"
)

// Abandon is the outcome of a user whose last attempt (the last allowed,
// or one that failed for good) ended with cause, after earlier attempts
// journaled meetings: each meeting whose update went out stays Updated,
// each other one is Failed, its update not sent, so that the rows and the
// user's counts agree, and each it decided to leave (skipped, failed)
// is reported as decided, so that the user's rows are all its meetings;
// a file user's copy gets the unsent ones back as they were
// read (see putBack; a CalDAV copy keeps what was stored). attempts
// is the number made; more than one says so in the message. Without a
// journaled meeting, cause comes back, for the queue to record.
func (w *Worker) Abandon(ctx context.Context, a Assignment, cause error, attempts int) (store.Result, error) {
	if w.Journal == nil {
		return store.Result{}, cause
	}
	ms, err := w.Journal.Store.UserMeetings(ctx, w.Journal.BatchID, a.User)
	if err != nil {
		return store.Result{}, cause
	}
	msg := cause.Error()
	if attempts > 1 && !store.IsPermanent(cause) {
		msg = fmt.Sprintf("failed after %d attempts: %v", attempts, cause)
	}
	var out UserOutcome
	unsent := map[string][]byte{}
	for _, m := range ms {
		row := m.Meeting
		row.UserID = a.User
		switch {
		case !m.Intent: // decided and left (skipped, failed): reported as decided
			if row.Outcome == Skipped || row.Outcome == Failed {
				out.Meetings = append(out.Meetings, row)
			}
			continue
		case unansweredBefore(m): // may have been delivered: said so, its copy keeps the rewrite
		case m.Completed:
			row.Outcome = w.rewritten()
			if !w.sendsNone() {
				out.Invites++
			}
		default:
			row.Outcome, row.Reason, row.Detail = Failed, KindNotSent, "update not sent: "+msg
			if m.Original != nil {
				unsent[m.UID] = m.Original
			}
		}
		out.Meetings = append(out.Meetings, row)
	}
	if len(out.Meetings) == 0 {
		return store.Result{}, cause
	}
	w.putBack(ctx, a, unsent, &out)
	r := Result(a, out, w.DryRun)
	r.State, r.LastMessage = store.Failed, msg
	return r, nil
}

// putBack writes a file user's copy again with the meetings whose update
// was never sent as they were read, as a failed send does (see
// revertUnsent), and says so in their Detail. Not for the outbox, whose
// writes are not journaled one by one: an update not recorded as sent
// may be in it. A copy that cannot be written again says why instead.
func (w *Worker) putBack(ctx context.Context, a Assignment, unsent map[string][]byte, out *UserOutcome) {
	p, ok := w.Calendars.(putBacker)
	if m, idem := w.Mailer.(idempotent); !ok || len(unsent) == 0 || IsCalDAV(a.Calendar) || idem && m.Idempotent() {
		return
	}
	remark := "its calendar copy is left as it was"
	if err := p.PutBack(ctx, a, unsent); err != nil {
		remark = "its calendar copy keeps the new block: " + err.Error()
	}
	for uid := range unsent {
		noteFailed(out, uid, remark)
	}
}
