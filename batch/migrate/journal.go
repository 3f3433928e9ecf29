package migrate

import (
	"context"
	"errors"

	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/report"
)

// Journal is the per-meeting record of one batch in the state store.
type Journal struct {
	Store   *store.Store
	BatchID string
}

// intent is the journal row of a meeting about to be written and sent,
// with the original bytes of its rewritten components.
func intent(o report.Meeting, cal *ics.Calendar, comps []*ics.Component) store.Meeting {
	var orig []byte
	for _, c := range comps {
		orig = append(orig, cal.Original(c)...)
	}
	return store.Meeting{Meeting: o, Original: orig}
}

// prior returns what earlier attempts recorded of the user's meetings.
func (j *Journal) prior(ctx context.Context, user string) (map[string]store.Meeting, error) {
	out := map[string]store.Meeting{}
	if j == nil {
		return out, nil
	}
	ms, err := j.Store.UserMeetings(ctx, j.BatchID, user)
	if err != nil {
		return nil, j.failed(ctx, err)
	}
	for _, m := range ms {
		if m.Intent {
			out[m.UID] = m
		}
	}
	return out, nil
}

func (j *Journal) intend(ctx context.Context, user string, ms []store.Meeting) error {
	if j == nil || len(ms) == 0 {
		return nil
	}
	return j.failed(ctx, j.Store.RecordIntents(ctx, j.BatchID, user, ms))
}

// record is intend for a plan's rows: its intents and, with them, the
// meetings it decided to leave (see store.RecordPlan). A plan without an
// intent records nothing: nothing of it is written or sent.
func (j *Journal) record(ctx context.Context, user string, p *userPlan) error {
	if j == nil || len(p.intents) == 0 {
		return nil
	}
	intents := make(map[string]store.Meeting, len(p.intents))
	for _, m := range p.intents {
		intents[m.UID] = m
	}
	rows := make([]store.Meeting, 0, len(p.out.Meetings))
	for _, o := range p.out.Meetings {
		if m, ok := intents[o.UID]; ok {
			m.Intent = true
			rows = append(rows, m)
			delete(intents, o.UID)
		} else if o.Outcome == Skipped || o.Outcome == Failed {
			rows = append(rows, store.Meeting{Meeting: o})
		}
	}
	for _, m := range p.intents { // none left out: one without its row goes last
		if _, ok := intents[m.UID]; ok {
			m.Intent = true
			rows = append(rows, m)
		}
	}
	return j.failed(ctx, j.Store.RecordPlan(ctx, j.BatchID, user, rows))
}

// note keeps a meeting's Detail with its intent, for later attempts.
func (j *Journal) note(ctx context.Context, user, uid, detail string) error {
	if j == nil || detail == "" {
		return nil
	}
	return j.failed(ctx, j.Store.RecordNote(ctx, j.BatchID, user, uid, detail))
}

func (j *Journal) completed(ctx context.Context, user, uid string, already bool) error {
	if j == nil || already {
		return nil
	}
	return j.failed(ctx, j.Store.RecordCompleted(ctx, j.BatchID, user, uid))
}

// failed turns a failure of the store into one that stops the run (a full
// disk: every user would meet it), unless the attempt was being stopped or
// the store was only busy (see store.Store.Failure).
func (j *Journal) failed(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if err := j.Store.Failure("keeping the journal", err); store.IsStoreFailure(err) {
		return runStop{err}
	}
	return err
}
