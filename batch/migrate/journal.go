package migrate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

	// unrecorded are the updates delivered whose completion the store did
	// not take (locked, failing), by user, UID, SEQUENCE and hash: a later
	// attempt of the user records them, and does not send them again.
	mu         sync.Mutex
	unrecorded map[string]bool
	// Spill, where set, names the batch's spill files (SpillName): each
	// process keeps what it adds to unrecorded in a file of its own, a
	// line each, written and synced as it happens, and reads every file
	// of the batch as each user's updates are about to be sent, so that
	// the process that resumes the batch after a store's failure, or
	// another working on it, does not send them again.
	Spill   string
	own     string           // this process's spill file
	ownKeys map[string]bool  // its lines not yet recorded
	read    map[string]int64 // bytes read of each spill file
}

// SpillName is the prefix, in the output directory, of the files that
// keep the updates of batch id sent whose record the state store refused
// (Journal.Spill).
func SpillName(out, id string) string {
	return filepath.Join(out, ".mms-unrecorded-"+id)
}

// RemoveSpills removes the batch's spill files: every update of it is
// recorded (the batch is finished).
func RemoveSpills(out, id string) {
	prefix := filepath.Base(SpillName(out, id))
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) && e.Type().IsRegular() {
			os.Remove(filepath.Join(out, e.Name()))
		}
	}
}

// Bounds of the spill files read back: a store failing stops the run, so
// a few updates at most are in flight then.
const (
	maxSpill      = 100_000 // entries
	maxSpillBytes = 16 << 20
)

// LoadSpill reads what the batch's spill files gained since last read: as
// the worker is made, and again before each user's updates go out (another
// process may have added to them).
func (j *Journal) LoadSpill() {
	if j == nil || j.Spill == "" {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.readSpills()
}

// readSpills reads what the batch's spill files gained since last read:
// whole lines only, each a quoted key, others (a line a full disk cut
// short) skipped. A file that cannot be read keeps nothing: those updates
// may go out again, as without it. j.mu is held.
func (j *Journal) readSpills() {
	dir, prefix := filepath.Dir(j.Spill), filepath.Base(j.Spill)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	if j.read == nil {
		j.read = map[string]int64{}
	}
	for _, e := range entries {
		name := filepath.Join(dir, e.Name())
		if !strings.HasPrefix(e.Name(), prefix) || !e.Type().IsRegular() || name == j.own {
			continue
		}
		info, err := e.Info()
		if err != nil || info.Size() <= j.read[name] || j.read[name] >= maxSpillBytes {
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		buf := make([]byte, min(info.Size(), maxSpillBytes)-j.read[name])
		n, _ := f.ReadAt(buf, j.read[name])
		f.Close()
		buf = buf[:n]
		end := bytes.LastIndexByte(buf, '\n')
		if end < 0 {
			continue
		}
		j.read[name] += int64(end + 1)
		for _, line := range bytes.Split(buf[:end], []byte("\n")) {
			if key, err := strconv.Unquote(string(bytes.TrimSpace(line))); err == nil && len(j.unrecorded) < maxSpill {
				if j.unrecorded == nil {
					j.unrecorded = map[string]bool{}
				}
				j.unrecorded[key] = true
			}
		}
	}
}

// spill appends key to this process's spill file, synced, and says
// whether it is kept there. Each line begins with a line break too, so
// that one a full disk cut short ends there, not in the next.
func (j *Journal) spill(key string) bool {
	if j.Spill == "" {
		return false
	}
	if j.own == "" {
		host, _ := os.Hostname()
		j.own = fmt.Sprintf("%s-%s-%d", j.Spill, strings.Map(func(r rune) rune {
			if r == '/' || r == '\\' || r < ' ' {
				return '_'
			}
			return r
		}, host), os.Getpid())
	}
	f, err := os.OpenFile(j.own, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return false
	}
	defer f.Close()
	if _, err := f.WriteString("\n" + strconv.Quote(key) + "\n"); err != nil || f.Sync() != nil {
		return false
	}
	if j.ownKeys == nil {
		j.ownKeys = map[string]bool{}
	}
	j.ownKeys[key] = true
	return true
}

// CloseSpill removes this process's spill file once every update it kept
// has been recorded; the files of other processes stay until the batch is
// finished (RemoveSpills).
func (j *Journal) CloseSpill() {
	if j == nil || j.own == "" {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.ownKeys) == 0 {
		os.Remove(j.own)
	}
}

func unrecordedKey(user string, s store.Sent) string {
	return user + "\x00" + s.UID + "\x00" + strconv.Itoa(s.Sequence) + "\x00" + s.Hash
}

// sentUnrecorded keeps that an update went out whose completion could not
// be recorded, and says whether a spill file keeps it too.
func (j *Journal) sentUnrecorded(user string, s store.Sent) bool {
	if j == nil {
		return false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.unrecorded == nil {
		j.unrecorded = map[string]bool{}
	}
	key := unrecordedKey(user, s)
	j.unrecorded[key] = true
	return j.spill(key)
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

// spilled reports whether this process's spill file keeps the update.
func (j *Journal) spilled(user string, s store.Sent) bool {
	if j == nil {
		return false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.ownKeys[unrecordedKey(user, s)]
}

// nowRecorded forgets an update sentUnrecorded kept, its completion
// recorded at last.
func (j *Journal) nowRecorded(user string, s store.Sent) {
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	key := unrecordedKey(user, s)
	delete(j.unrecorded, key)
	delete(j.ownKeys, key)
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
