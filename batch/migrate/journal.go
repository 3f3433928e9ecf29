package migrate

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/mms-project/mms/batch/smtp"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/report"
)

// Journal is the per-meeting record of one batch in the state store.
type Journal struct {
	Store   *store.Store
	BatchID string

	// unrecorded are the updates this process delivered whose completion
	// the store did not take (locked, failing), by user, UID, SEQUENCE
	// and hash: a later attempt of the user records them, and does not
	// send them again.
	mu         sync.Mutex
	unrecorded map[string]bool
	// Spill, where set, keeps them in a file too (one line each, written
	// and synced as each is found), for the process that resumes the
	// batch after a store's failure stopped this one (see LoadSpill).
	Spill string
}

// SpillName is the file in the output directory that keeps, for batch id,
// the updates sent whose record the state store refused (Journal.Spill).
func SpillName(out, id string) string {
	return filepath.Join(out, ".mms-unrecorded-"+id)
}

// maxSpill bounds the lines read back from a spill file: a store failing
// stops the run, so a few updates at most are in flight then.
const maxSpill = 100_000

// LoadSpill reads back what an earlier process kept in the Spill file.
// A file that cannot be read keeps nothing: those updates may go out
// again, as without it.
func (j *Journal) LoadSpill() {
	if j == nil || j.Spill == "" {
		return
	}
	f, err := os.Open(j.Spill)
	if err != nil {
		return
	}
	defer f.Close()
	j.mu.Lock()
	defer j.mu.Unlock()
	sc := bufio.NewScanner(f)
	for n := 0; sc.Scan() && n < maxSpill; n++ {
		if j.unrecorded == nil {
			j.unrecorded = map[string]bool{}
		}
		if key, err := strconv.Unquote(sc.Text()); err == nil {
			j.unrecorded[key] = true
		}
	}
}

// spill appends key to the Spill file, synced: best effort (the store is
// failing already; the attempt's error says the update went out).
func (j *Journal) spill(key string) {
	if j.Spill == "" {
		return
	}
	f, err := os.OpenFile(j.Spill, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	if _, err := f.WriteString(strconv.Quote(key) + "\n"); err == nil {
		f.Sync()
	}
}

// CloseSpill removes the Spill file once every update it kept has been
// recorded in the store.
func (j *Journal) CloseSpill() {
	if j == nil || j.Spill == "" {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.unrecorded) == 0 {
		os.Remove(j.Spill)
	}
}

func unrecordedKey(user string, s store.Sent) string {
	return user + "\x00" + s.UID + "\x00" + strconv.Itoa(s.Sequence) + "\x00" + s.Hash
}

// sentUnrecorded keeps that an update went out whose completion could not
// be recorded.
func (j *Journal) sentUnrecorded(user string, s store.Sent) {
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.unrecorded == nil {
		j.unrecorded = map[string]bool{}
	}
	key := unrecordedKey(user, s)
	j.unrecorded[key] = true
	j.spill(key)
}

// sentBefore reports whether this process sent the update already, an
// earlier attempt failing to record it.
func (j *Journal) sentBefore(user string, s store.Sent) bool {
	if j == nil {
		return false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.unrecorded[unrecordedKey(user, s)]
}

// nowRecorded forgets an update sentUnrecorded kept, its completion
// recorded at last.
func (j *Journal) nowRecorded(user string, s store.Sent) {
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.unrecorded, unrecordedKey(user, s))
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

// decided records the meetings an attempt that failed decided to leave
// (skipped, failed), unless a row of their UID is kept already, so that a
// user given up on later still reports them (see Abandon). Best effort:
// the attempt's own error is what counts.
func (j *Journal) decided(ctx context.Context, user string, rows []report.Meeting) {
	if j == nil {
		return
	}
	var ms []store.Meeting
	for _, o := range rows {
		if o.Outcome == Skipped || o.Outcome == Failed {
			ms = append(ms, store.Meeting{Meeting: o})
		}
	}
	if len(ms) > 0 {
		j.Store.RecordPlan(ctx, j.BatchID, user, ms)
	}
}

// note keeps a meeting's Detail with its intent, for later attempts.
func (j *Journal) note(ctx context.Context, user, uid, detail string) error {
	if j == nil || detail == "" {
		return nil
	}
	return j.failed(ctx, j.Store.RecordNote(ctx, j.BatchID, user, uid, detail))
}

// unanswered keeps that a meeting's update went to the relay whole and got
// no answer (see smtp.ErrUnanswered): later attempts fail it again, unsent.
func (j *Journal) unanswered(ctx context.Context, user, uid string, err error) error {
	if j == nil {
		return nil
	}
	return j.failed(ctx, j.Store.RecordFailed(ctx, j.BatchID, user, uid, KindRelayNoAnswer, err.Error()))
}

// unansweredBefore reports whether an earlier attempt recorded m so.
func unansweredBefore(m store.Meeting) bool {
	return m.Outcome == Failed && m.Reason == KindRelayNoAnswer
}

// lostUpdate is an update an earlier attempt sent without an answer, as
// that attempt said it (Detail).
type lostUpdate struct{ detail string }

func (e lostUpdate) Error() string { return e.detail }
func (e lostUpdate) Unwrap() error { return smtp.ErrUnanswered }

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
