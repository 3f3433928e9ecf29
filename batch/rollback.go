package batch

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
)

// Restored is the outcome of a meeting put back by a rollback.
const Restored = "restored"

// RollbackOptions is one `mms rollback --batch ID [--user U]`.
type RollbackOptions struct {
	DB      string
	BatchID string
	User    string    // "" every user of the batch
	Now     time.Time // DTSTAMP of the restored meetings; zero: the current time
	Send    string    // "" the batch's; else outbox or none
	Report  string    // optional report of the rollback
	Clock   func() time.Time
}

// RolledBack says what a rollback did, per user.
type RolledBack struct {
	BatchID string // the rollback's own batch (see mms status)
	Of      string
	Resumed bool
	Users   []store.User
	Report  string
}

// Rollback puts back, in the output calendars of a batch, the original
// bytes of every component the batch rewrote (SEQUENCE one above the
// rewrite's, DTSTAMP the rollback's time) and sends each meeting's update
// again. It is a batch of its own in the state store, journaled like a
// run: started again after a crash, it finishes without sending twice.
func Rollback(ctx context.Context, o RollbackOptions) (RolledBack, error) {
	if strings.TrimSpace(o.BatchID) == "" {
		return RolledBack{}, fmt.Errorf("%w: --batch is required (the id mms run printed; mms status --all lists them)", ErrInput)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	st, err := store.Open(ctx, o.DB)
	if err != nil {
		return RolledBack{}, err
	}
	defer st.Close()
	of, set, err := rollbackSource(ctx, st, o)
	if err != nil {
		return RolledBack{}, err
	}
	rb, resumed, err := rollbackBatch(ctx, st, o, of, set)
	if err != nil {
		return RolledBack{}, err
	}
	rset, _ := batchSettings(rb)
	mailer, closeMailer, err := newMailer(rset, Tuning{}.withDefaults())
	if err != nil {
		return RolledBack{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if closeMailer != nil {
		defer closeMailer()
	}
	r := rollbacker{st: st, of: of, rb: rb, set: rset, mailer: mailer, journal: &Journal{Store: st, BatchID: rb.ID}}
	users, err := st.Users(ctx, store.Filter{BatchID: rb.ID})
	if err != nil {
		return RolledBack{}, err
	}
	for _, u := range users {
		if u.State == store.Succeeded || u.State == store.Failed {
			continue // done before a crash
		}
		res, err := r.user(ctx, u.UserID)
		if err != nil {
			return RolledBack{BatchID: rb.ID, Of: of.ID, Resumed: resumed}, fmt.Errorf("rollback %s stopped: %w; run the same mms rollback again to finish it (nothing is sent twice)", rb.ID, err)
		}
		if err := st.Record(ctx, rb.ID, u.UserID, res); err != nil {
			return RolledBack{}, err
		}
	}
	sum, err := finish(ctx, st, rb, "", time.Now(), Summary{})
	if err != nil {
		return RolledBack{}, err
	}
	users, err = st.Users(ctx, store.Filter{BatchID: rb.ID})
	return RolledBack{BatchID: rb.ID, Of: of.ID, Resumed: resumed, Users: users, Report: sum.Report}, err
}

func rollbackSource(ctx context.Context, st *store.Store, o RollbackOptions) (store.Batch, Settings, error) {
	of, err := st.Batch(ctx, o.BatchID)
	if err != nil {
		return of, Settings{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	set, err := batchSettings(of)
	switch {
	case err != nil:
		return of, set, err
	case of.Kind == store.BatchRollback:
		return of, set, fmt.Errorf("%w: batch %s is itself a rollback; run the batch again instead", ErrInput, of.ID)
	case of.DryRun:
		return of, set, fmt.Errorf("%w: batch %s was a dry run: it wrote and sent nothing, so there is nothing to roll back", ErrInput, of.ID)
	case set.Out == "":
		return of, set, fmt.Errorf("%w: batch %s records no output directory", ErrInput, of.ID)
	}
	left, err := st.Left(ctx, of.ID)
	if err != nil {
		return of, set, err
	}
	if left > 0 {
		return of, set, fmt.Errorf("%w: batch %s has %d users not finished; finish it first (run the same mms run again, or mms work), then roll it back", ErrInput, of.ID, left)
	}
	return of, set, nil
}

// rollbackBatch is the unfinished rollback of the same batch and user, or
// a new one with a row per user to restore.
func rollbackBatch(ctx context.Context, st *store.Store, o RollbackOptions, of store.Batch, set Settings) (store.Batch, bool, error) {
	fp := "rollback\x00" + of.ID + "\x00" + strings.ToLower(o.User)
	if b, ok, err := st.ResumableBatch(ctx, fp); err != nil || ok {
		return b, ok, err
	}
	users, err := st.Users(ctx, store.Filter{BatchID: of.ID, UserID: o.User})
	if err != nil {
		return store.Batch{}, false, err
	}
	var rows []store.User
	for _, u := range users {
		if u.State != store.NotTriggered && u.InvitesUpdate+u.SucceededMeeting > 0 {
			rows = append(rows, store.User{UserID: u.UserID, State: store.Pending, MigrationType: "Rollback", Payload: u.Payload})
		}
	}
	if len(rows) == 0 {
		return store.Batch{}, false, fmt.Errorf("%w: batch %s rewrote no meeting%s; nothing to roll back", ErrInput, of.ID, forUser(o.User))
	}
	stamp := o.Now
	if stamp.IsZero() {
		stamp = o.Clock()
	}
	rset := Settings{Out: set.Out, Send: set.Send, Report: abs(o.Report), RollbackOf: of.ID}
	if o.Send != "" {
		rset.Send = o.Send
	}
	opts, _ := json.Marshal(rset)
	b, err := st.NewBatch(ctx, store.Batch{Now: stamp, Stamp: stamp, Options: opts, Kind: store.BatchRollback, Fingerprint: fp})
	if err != nil {
		return b, false, err
	}
	return b, false, st.Enqueue(ctx, b.ID, withoutJobs(rows))
}

// withoutJobs records the users InProgress, without River jobs: a rollback
// is carried out by the command itself, not by mms work.
func withoutJobs(rows []store.User) []store.User {
	for i := range rows {
		rows[i].State = store.InProgress
	}
	return rows
}

func forUser(u string) string {
	if u == "" {
		return ""
	}
	return " of " + u
}

type rollbacker struct {
	st      *store.Store
	of, rb  store.Batch
	set     Settings
	mailer  Mailer
	journal *Journal
}

// user restores one user's meetings. A calendar that cannot be read or
// restored fails the user; an error writing, sending or journaling stops
// the rollback, to be started again.
func (r rollbacker) user(ctx context.Context, user string) (store.Result, error) {
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

func (r rollbacker) restore(ctx context.Context, user string) (store.Result, error) {
	rows, err := r.st.Users(ctx, store.Filter{BatchID: r.of.ID, UserID: user})
	if err != nil || len(rows) == 0 {
		return store.Result{}, fmt.Errorf("user %s: not in batch %s (%v)", user, r.of.ID, err)
	}
	var a Assignment
	if err := json.Unmarshal(rows[0].Payload, &a); err != nil || a.Calendar == "" {
		return store.Result{}, fmt.Errorf("user %s: the batch's record names no calendar", user)
	}
	if isURL(a.Calendar) {
		return store.Result{}, fmt.Errorf("user %s: %s is a CalDAV calendar; rollback restores only calendars written as files (the originals are kept in the state store, batch %s)", user, a.Calendar, r.of.ID)
	}
	path := FileCalendars{Dir: filepath.Join(r.set.Out, "calendars")}.Output(a.Calendar, a.Output)
	data, err := os.ReadFile(path)
	if err != nil {
		return store.Result{}, fmt.Errorf("user %s: calendar %s: %w", user, path, err)
	}
	cal, err := ics.Parse(path, data)
	if err != nil {
		return store.Result{}, err
	}
	journaled, err := r.st.UserMeetings(ctx, r.of.ID, user)
	if err != nil {
		return store.Result{}, err
	}
	prior, err := r.journal.prior(ctx, user)
	if err != nil {
		return store.Result{}, err
	}
	var out store.Result
	var sends []pendingSend
	var intents []store.Meeting
	for _, m := range journaled {
		if len(m.Original) == 0 {
			continue // never rewritten: nothing to take back (one rewritten but not sent is restored if it was written)
		}
		row := store.Meeting{UserID: user, UID: m.UID, Summary: m.Summary, Start: m.Start, Attendees: m.Attendees,
			Outcome: Restored, Provider: m.Provider, OldJoinURL: m.NewJoinURL, NewJoinURL: m.OldJoinURL}
		comps, err := cal.Restore(m.UID, m.Original, r.rb.Stamp)
		p, known := prior[m.UID]
		switch {
		case err != nil:
			row.Outcome, row.Reason = Failed, err.Error()
		case len(comps) > 0:
			sends = append(sends, pendingSend{res: ics.Result{UID: m.UID, Summary: m.Summary}, comps: comps})
			if !known {
				intents = append(intents, row)
			}
		case known: // restored by an attempt that stopped; its update is sent unless it went out then
			sends = append(sends, pendingSend{res: ics.Result{UID: m.UID, Summary: m.Summary}, comps: instances(cal, m.UID), done: p.Completed})
		case !known:
			row.Outcome, row.Reason = Skipped, "already as before the batch"
		}
		out.Meetings = append(out.Meetings, row)
	}
	if err := r.journal.intend(ctx, user, intents); err != nil {
		return out, stopError{err}
	}
	if cal.Edited() {
		if err := writeFileAtomic(path, cal.Bytes()); err != nil {
			return out, stopError{fmt.Errorf("user %s: %w", user, err)}
		}
	}
	w := Worker{Stamp: r.rb.Stamp, Mailer: r.mailer, Journal: r.journal}
	var uo UserOutcome
	for _, ps := range sends {
		uo.Meetings = append(uo.Meetings, MeetingOutcome{UID: ps.res.UID, Outcome: Restored})
	}
	for i := range sends {
		sends[i].cal = cal
		sends[i].res.Organizer, sends[i].res.Attendees = people(sends[i].comps)
	}
	if err := w.sendAll(ctx, user, sends, &uo); err != nil {
		return out, stopError{err}
	}
	for _, m := range uo.Meetings {
		if m.Outcome == Failed {
			markRow(&out, m.UID, m.Reason)
		}
	}
	out.InvitesUpdate = uo.Invites
	count(&out)
	return out, nil
}

// instances are the calendar's components of one UID.
func instances(cal *ics.Calendar, uid string) []*ics.Component {
	var out []*ics.Component
	for _, m := range cal.Meetings() {
		if m.UID == uid {
			out = append(out, m.Components()...)
		}
	}
	return out
}

// people reads the organiser and attendee addresses of components.
func people(comps []*ics.Component) (organizer string, attendees []string) {
	seen := map[string]bool{}
	for _, c := range comps {
		if p, ok := c.Prop("ORGANIZER"); ok && organizer == "" {
			organizer = mailto(p.Value)
		}
		for _, p := range c.All("ATTENDEE") {
			if a := mailto(p.Value); a != "" && !seen[a] && a != organizer {
				seen[a] = true
				attendees = append(attendees, a)
			}
		}
	}
	return organizer, attendees
}

func mailto(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 7 && strings.EqualFold(v[:7], "mailto:") {
		v = v[7:]
	}
	return strings.ToLower(v)
}

func markRow(out *store.Result, uid, reason string) {
	for i := range out.Meetings {
		if out.Meetings[i].UID == uid {
			out.Meetings[i].Outcome, out.Meetings[i].Reason = Failed, reason
		}
	}
}

func count(out *store.Result) {
	out.State, out.TotalMeeting = store.Succeeded, len(out.Meetings)
	for _, m := range out.Meetings {
		switch m.Outcome {
		case Restored:
			out.SucceededMeeting++
		case Failed:
			out.FailedMeeting++
		default:
			out.SkippedMeeting++
		}
	}
	out.LastMessage = fmt.Sprintf("%d meetings restored, %d updates sent, %d failed", out.SucceededMeeting, out.InvitesUpdate, out.FailedMeeting)
}
