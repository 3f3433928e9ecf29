package migrate

import (
	"context"
	"fmt"

	"github.com/mms-project/mms/batch/store"
)

// Abandon is the outcome of a user whose last attempt (the last allowed,
// or one that failed for good) ended with cause, after earlier attempts
// journaled meetings: each meeting whose update went out stays Updated,
// each other one is Failed, its update not sent (its calendar may have
// been rewritten), so that the rows and the user's counts agree. attempts
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
	for _, m := range ms {
		if !m.Intent {
			continue
		}
		row := m.Meeting
		row.UserID = a.User
		if m.Completed {
			row.Outcome = w.rewritten()
			out.Invites++
		} else {
			row.Outcome, row.Reason, row.Detail = Failed, KindNotSent, "update not sent: "+msg
		}
		out.Meetings = append(out.Meetings, row)
	}
	if len(out.Meetings) == 0 {
		return store.Result{}, cause
	}
	r := Result(a, out, w.DryRun)
	r.State, r.LastMessage = store.Failed, msg
	return r, nil
}
