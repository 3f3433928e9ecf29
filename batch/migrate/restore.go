package migrate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/report"
)

// Restored is the outcome of a meeting put back by a rollback.
const Restored = "restored"

// Rollback undoes, user by user, what batch Of rewrote in the output
// calendars under Out: the original bytes of every rewritten component
// are put back (SEQUENCE one above the rewrite's, DTSTAMP Stamp) and each
// meeting's update is sent again through Mailer, journaled under BatchID
// (the rollback's own batch) so that nothing is sent twice.
type Rollback struct {
	Store   *store.Store
	Of      string // the batch undone
	BatchID string // the rollback's batch
	Stamp   time.Time
	Out     string
	Mailer  Mailer
	// OfStamp is the undone batch's stamp (the DTSTAMP it wrote), OfCreated
	// when it was made: a meeting changed since, in the calendar or by a
	// later batch's update, is left as it is.
	OfStamp, OfCreated time.Time
}

// Restore restores one user's meetings. A calendar that cannot be read or
// restored fails the user (the result says why); an error writing,
// sending or journaling stops the rollback, to be started again.
func (r Rollback) Restore(ctx context.Context, user string) (store.Result, error) {
	res, err := r.restore(ctx, user)
	var stop stopError
	switch {
	case errors.As(err, &stop):
		return res, stop.err
	case err != nil:
		return store.Result{State: store.Failed, LastMessage: err.Error(), Meetings: res.Meetings}, nil
	}
	return res, nil
}

// stopError is a failure that another attempt may not meet.
type stopError struct{ err error }

func (e stopError) Error() string { return e.err.Error() }

// Restorable returns the assignment of a user of batch of (its record's
// payload) whose calendar a rollback can restore: a file mms wrote. A
// CalDAV calendar, or a record naming none, is an error saying so.
func Restorable(user string, payload []byte, of string) (Assignment, error) {
	var a Assignment
	if err := json.Unmarshal(payload, &a); err != nil || a.Calendar == "" {
		return a, fmt.Errorf("user %s: the batch's record names no calendar", user)
	}
	if IsCalDAV(a.Calendar) {
		return a, fmt.Errorf("user %s: %s is a CalDAV calendar; rollback restores only calendars written as files (the originals are kept in the state store, batch %s)", user, a.Calendar, of)
	}
	return a, nil
}

// rollbackPlan is what a rollback of one user will do: its rows, the
// updates to send, the intents to journal, the calendar restored in memory.
type rollbackPlan struct {
	a       Assignment
	path    string
	cal     *ics.Calendar
	out     store.Result
	sends   []pendingSend
	intents []store.Meeting
}

// plan reads a user's output calendar and the batch's journal and restores
// the calendar in memory: every check the rollback makes, nothing written.
func (r Rollback) plan(ctx context.Context, user string) (rollbackPlan, error) {
	var p rollbackPlan
	journal := &Journal{Store: r.Store, BatchID: r.BatchID}
	rows, err := r.Store.Users(ctx, store.Filter{BatchID: r.Of, UserID: user})
	if err != nil || len(rows) == 0 {
		return p, fmt.Errorf("user %s: not in batch %s (%v)", user, r.Of, err)
	}
	if p.a, err = Restorable(user, rows[0].Payload, r.Of); err != nil {
		return p, err
	}
	p.path = FileCalendars{Dir: filepath.Join(r.Out, "calendars")}.Output(p.a.Calendar, p.a.Output)
	data, err := os.ReadFile(p.path)
	if err != nil {
		return p, fmt.Errorf("user %s: calendar %s: %w", user, p.path, err)
	}
	if p.cal, err = ics.Parse(p.path, data); err != nil {
		return p, err
	}
	journaled, err := r.Store.UserMeetings(ctx, r.Of, user)
	if err != nil {
		return p, err
	}
	prior, err := journal.prior(ctx, user)
	if err != nil {
		return p, err
	}
	later, err := r.Store.LastSent(ctx, user, r.BatchID)
	if err != nil {
		return p, err
	}
	for _, m := range journaled {
		if len(m.Original) == 0 {
			continue // never rewritten: nothing to take back (one rewritten but not sent is restored if it was written)
		}
		p.meeting(r, user, m, prior, later)
	}
	return p, nil
}

// meeting plans the restore of one journaled meeting.
func (p *rollbackPlan) meeting(r Rollback, user string, m store.Meeting, prior map[string]store.Meeting, later map[string]store.Sent) {
	row := store.Meeting{Meeting: report.Meeting{UserID: user, UID: m.UID, Summary: m.Summary, Start: m.Start, Attendees: m.Attendees,
		Outcome: Restored, Provider: m.Provider, OldJoinURL: m.NewJoinURL, NewJoinURL: m.OldJoinURL}}
	RestoredView(&row.Meeting, m.Meeting, r.Of)
	before, known := prior[m.UID]
	last := later[m.UID]
	err := r.superseded(last)
	var comps []*ics.Component
	if err == nil {
		w := ics.Written{Stamp: r.OfStamp}
		if last.BatchID != "" {
			w.MinSequence = last.Sequence + 1 // the attendees' last update, whichever batch's, is older
		}
		comps, err = p.cal.RestoreAsWritten(m.UID, m.Original, w, r.Stamp)
	}
	switch {
	case err != nil:
		fail(&row.Meeting, err, KindInvalid)
	case len(comps) > 0:
		p.sends = append(p.sends, pendingSend{res: ics.Result{UID: m.UID, Summary: m.Summary}, comps: comps})
		if !known {
			p.intents = append(p.intents, row)
		}
	case known: // restored by an attempt that stopped; its update is sent unless it went out then
		p.sends = append(p.sends, pendingSend{res: ics.Result{UID: m.UID, Summary: m.Summary}, comps: restoredBy(p.cal, m.UID, r.Stamp), done: before.Completed})
	case !known:
		row.Outcome, row.Reason = Skipped, "already as before the batch"
	}
	p.out.Meetings = append(p.out.Meetings, row)
}

// Preview says what Restore would do for a user, from the same checks of
// the same calendar, writing, sending and journaling nothing: the rows it
// would restore are WouldUpdate.
func (r Rollback) Preview(ctx context.Context, user string) store.Result {
	p, err := r.plan(ctx, user)
	if err != nil {
		return store.Result{State: store.Failed, LastMessage: "would fail: " + err.Error()}
	}
	for i := range p.out.Meetings {
		if p.out.Meetings[i].Outcome == Restored {
			p.out.Meetings[i].Outcome = WouldUpdate
		}
	}
	return p.out
}

func (r Rollback) restore(ctx context.Context, user string) (store.Result, error) {
	p, err := r.plan(ctx, user)
	if err != nil {
		return store.Result{}, err
	}
	journal := &Journal{Store: r.Store, BatchID: r.BatchID}
	out, sends, cal := p.out, p.sends, p.cal
	if err := journal.intend(ctx, user, p.intents); err != nil {
		return out, stopError{err}
	}
	if cal.Edited() {
		if err := writeFileAtomic(p.path, cal.Bytes()); err != nil {
			return out, stopError{fmt.Errorf("user %s: %w", user, err)}
		}
		// The updates carry the components as restored, read again: their
		// attendees and parameters are the originals', not the rewrite's.
		restored, err := ics.Parse(p.path, cal.Bytes())
		if err != nil {
			return out, stopError{fmt.Errorf("user %s: %w", user, err)}
		}
		for i := range sends {
			sends[i].comps = restored.Same(sends[i].comps)
		}
		cal = restored
	}
	_, none := r.Mailer.(*Recorder) // --send none
	s := sender{stamp: r.Stamp, mailer: r.Mailer, journal: journal, aliases: p.a.Aliases, unsent: none}
	var uo UserOutcome
	for _, ps := range sends {
		uo.Meetings = append(uo.Meetings, report.Meeting{UserID: user, UID: ps.res.UID, Outcome: Restored})
	}
	for i := range sends {
		sends[i].cal = cal
		sends[i].res.Organizer = ics.Organizer(sends[i].comps)
	}
	if err := s.sendAll(ctx, user, sends, &uo); err != nil {
		return out, stopError{err}
	}
	for _, m := range uo.Meetings {
		markRow(&out, m)
	}
	out.InvitesUpdate = uo.Invites
	restoredCounts(&out, none)
	return out, nil
}

// superseded is an error when a batch other than the one undone, and not a
// rollback, sent the meeting's attendees an update after it (a later run
// over its output): the rollback's would undo that one too. A rollback's
// update (of this batch, by an attempt before; of a later batch, which put
// back what this one wrote) supersedes nothing the rollback must keep: it
// is sent a SEQUENCE above it.
func (r Rollback) superseded(last store.Sent) error {
	if last.BatchID == "" || last.BatchID == r.Of || last.Kind == store.BatchRollback || !last.SentAt.After(r.OfCreated) {
		return nil
	}
	by := "batch " + shortBatch(last.BatchID)
	if last.Kind != "" && last.Kind != "run" {
		by = last.Kind + " " + shortBatch(last.BatchID)
	}
	return fmt.Errorf("%w: %s sent its attendees a later update of it (SEQUENCE %d) after batch %s; roll that one back first, or leave this meeting",
		ics.ErrStale, by, last.Sequence, shortBatch(r.Of))
}

// instances are the calendar's components of one UID.
// restoredBy returns the components of a meeting that a rollback stamped
// stamp put back: an attempt that stopped restored them, and its update
// carries them as the uninterrupted attempt's would. An instance it left
// as it was (a past one, never rewritten) keeps its own DTSTAMP and is not
// sent. Where none carries the stamp, all go, as before.
func restoredBy(cal *ics.Calendar, uid string, stamp time.Time) []*ics.Component {
	all := instances(cal, uid)
	ts := stamp.UTC().Format("20060102T150405Z")
	var out []*ics.Component
	for _, comp := range all {
		if p, ok := comp.Prop("DTSTAMP"); ok && strings.TrimSpace(p.Value) == ts {
			out = append(out, comp)
		}
	}
	if len(out) == 0 {
		return all
	}
	return out
}

func instances(cal *ics.Calendar, uid string) []*ics.Component {
	var out []*ics.Component
	for _, m := range cal.Meetings() {
		if m.UID == uid {
			out = append(out, m.Components()...)
		}
	}
	return out
}

// markRow gives a restored meeting's row what sending its update said: a
// failure, and the notes (an attendee not mailed, no attendee at all).
func markRow(out *store.Result, sent report.Meeting) {
	for i := range out.Meetings {
		row := &out.Meetings[i]
		if row.UID != sent.UID {
			continue
		}
		if sent.Outcome == Failed {
			row.Outcome, row.Reason = Failed, sent.Reason
		}
		if sent.Detail != "" && !strings.Contains(row.Detail, sent.Detail) {
			row.Detail = strings.TrimPrefix(row.Detail+"; "+sent.Detail, "; ")
		}
	}
}

// restoredCounts sets a restored user's state and message; notSent: the
// updates went nowhere (--send none), and none is counted.
func restoredCounts(out *store.Result, notSent bool) {
	out.State = store.Succeeded
	count(out)
	sent := counted(out.InvitesUpdate, "update") + " sent"
	if notSent {
		sent = "updates not sent (--send none)"
	}
	out.LastMessage = fmt.Sprintf("%s restored, %s, %d failed", counted(out.SucceededMeeting, "meeting"), sent, out.FailedMeeting)
}
