package migrate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/report"
	"golang.org/x/sync/errgroup"
)

// Outcome values of a meeting, as the report writes them.
const (
	Updated     = "updated"
	WouldUpdate = "would-update"
	Skipped     = "skipped"
	Failed      = "failed"
)

// Assignment is everything one user's migration needs; it is the payload of
// the user's job, so a restarted or re-queued job needs nothing else.
type Assignment struct {
	User          string     `json:"user"`
	Aliases       []string   `json:"aliases,omitempty"`
	Mailbox       string     `json:"mailbox"`
	Calendar      string     `json:"calendar"` // absolute path or URL
	Change        ics.Change `json:"change"`
	MigrationType string     `json:"migration_type"`
	Kinds         []string   `json:"kinds"`
	Source        Source     `json:"source,omitempty"` // which blocks to migrate; "" all
	Output        string     `json:"output,omitempty"` // the rewritten file's name under DIR/calendars; "" the input's name
}

// UserOutcome is what one user's migration did.
type UserOutcome struct {
	Meetings []report.Meeting // one row per meeting, UserID set
	Invites  int              // updates sent (or, in a dry run, that would be sent)
}

// Worker migrates one user at a time; it is safe for concurrent use.
type Worker struct {
	Now       time.Time // meetings before it are past
	Stamp     time.Time // DTSTAMP, LAST-MODIFIED and message dates
	DryRun    bool
	Calendars Calendars
	Mailer    Mailer

	// Journal records each rewritten meeting's intent (with its original
	// bytes) before the calendar is written and the update sent, and its
	// completion once the update is sent, so that a later attempt sends
	// nothing twice. Nil records nothing (a dry run needs no journal).
	Journal *Journal

	close func() // frees what the worker holds (SMTP sessions); nil: nothing
}

// MaxReads bounds how often one document is read and rewritten when it
// keeps changing on the server between read and write.
const MaxReads = 3

// Migrate reads one user's calendar, rewrites every meeting the rules allow,
// stores each rewritten document and sends one update per rewritten
// meeting. An error means the attempt failed and may be retried: meetings
// whose update went out are recorded in the journal and are not sent again.
func (w *Worker) Migrate(ctx context.Context, a Assignment) (UserOutcome, error) {
	if _, server := w.Mailer.(ServerScheduling); server && !IsCalDAV(a.Calendar) {
		return UserOutcome{}, Permanent(fmt.Errorf("%s: --send server leaves the update to a CalDAV server's scheduling, but %s is a file: its attendees would get none; use --send outbox or smtp://host:port", a.User, a.Calendar))
	}
	docs, err := w.Calendars.Read(ctx, a.Calendar)
	if err != nil {
		return UserOutcome{}, err
	}
	for _, d := range docs {
		d.Output = a.Output
	}
	prior, err := w.Journal.prior(ctx, a.User)
	if err != nil {
		return UserOutcome{}, err
	}
	var plan userPlan
	for _, d := range docs {
		if err := w.migrateDoc(ctx, a, d, prior, &plan); err != nil {
			return UserOutcome{}, err
		}
	}
	if err := w.sendAll(ctx, a.User, plan.sends, &plan.out); err != nil {
		return UserOutcome{}, err
	}
	return plan.out, nil
}

// migrateDoc decides one document's meetings, records their intents and
// stores it. When it changed where it is stored since it was read, it is
// read again and decided again (at most MaxReads times): an edit made
// meanwhile is kept, never overwritten.
func (w *Worker) migrateDoc(ctx context.Context, a Assignment, d *Doc, prior map[string]store.Meeting, plan *userPlan) error {
	for read := 1; ; read++ {
		if d.Err != nil {
			plan.out.Meetings = append(plan.out.Meetings, unreadRow(a.User, d))
			return nil
		}
		p, err := w.decideAndStore(ctx, a, d, prior)
		if errors.Is(err, ErrChanged) {
			var next *Doc
			if next, err = w.reread(ctx, d, read, err); err == nil {
				d = next
				continue
			}
		}
		switch {
		case err == nil:
			p.noteRereads(read)
			p.serverDelivers(d)
		case stopsUser(err) || !store.IsPermanent(err):
			return fmt.Errorf("%s: %w", a.User, err)
		default:
			p.fail(err)
		}
		plan.add(p)
		return nil
	}
}

// decideAndStore decides a document's meetings, records the intents of
// those rewritten and stores the document.
func (w *Worker) decideAndStore(ctx context.Context, a Assignment, d *Doc, prior map[string]store.Meeting) (userPlan, error) {
	p := w.decide(d.Cal, a, prior)
	if err := w.Journal.intend(ctx, a.User, p.intents); err != nil {
		return p, err
	}
	for _, m := range p.intents {
		prior[m.UID] = m
	}
	return p, w.store(ctx, d, &p)
}

// reread reads again a document that changed since it was read, unless it
// was read MaxReads times already; what cannot be read fails its meetings.
func (w *Worker) reread(ctx context.Context, d *Doc, reads int, changed error) (*Doc, error) {
	if reads >= MaxReads {
		return nil, Permanent(fmt.Errorf("%s changed on the server each of the %d times it was read and rewritten; left as the server has it, run the batch again to migrate it: %w", d.Name, MaxReads, changed))
	}
	next, err := w.Calendars.Reread(ctx, d)
	if err != nil && store.IsPermanent(err) && !stopsUser(err) {
		return nil, Permanent(fmt.Errorf("%s changed on the server meanwhile and could not be read again: %w", d.Name, err))
	}
	return next, err
}

// store writes a document its plan edited.
func (w *Worker) store(ctx context.Context, d *Doc, p *userPlan) error {
	if !d.Cal.Edited() {
		return nil
	}
	d.Changed = d.Changed[:0]
	for _, ps := range p.sends {
		d.Changed = append(d.Changed, ps.res.Changed...)
	}
	return w.Calendars.Write(ctx, d)
}

// userPlan is what one attempt does: the outcomes, the updates to send and
// the intents to record first.
type userPlan struct {
	out     UserOutcome
	sends   []pendingSend
	intents []store.Meeting
}

func (p *userPlan) add(q userPlan) {
	p.out.Meetings = append(p.out.Meetings, q.out.Meetings...)
	p.sends = append(p.sends, q.sends...)
}

// fail marks the meetings the plan would send as failed, with nothing sent.
func (p *userPlan) fail(err error) {
	for _, ps := range p.sends {
		markFailed(&p.out, ps.res.UID, err)
	}
	p.sends = nil
}

// serverDelivers marks the updates the server sends itself once the
// document is written (--send server, or a meeting it scheduled before):
// none is sent from here.
func (p *userPlan) serverDelivers(d *Doc) {
	if !d.ServerDelivers {
		return
	}
	for i := range p.sends {
		p.sends[i].server = true
		if d.Note != "" {
			note(&p.out, p.sends[i].res.UID, d.Note)
		}
	}
}

// noteRereads says in the rows of rewritten meetings that their document
// was read again because it had changed meanwhile.
func (p *userPlan) noteRereads(reads int) {
	if reads == 1 {
		return
	}
	for _, ps := range p.sends {
		note(&p.out, ps.res.UID, fmt.Sprintf("changed on the server meanwhile: read again and rewritten from the newer copy (%d reads), the other edit kept", reads))
	}
}

// decide rewrites every meeting of the calendar the rules allow, in memory.
func (w *Worker) decide(cal *ics.Calendar, a Assignment, prior map[string]store.Meeting) userPlan {
	rules := ics.Rules{Organizer: append([]string{a.User}, a.Aliases...), Now: w.Now, Stamp: w.Stamp}
	var plan userPlan
	for _, m := range cal.Meetings() {
		if reason := a.Source.excludes(m); reason != "" {
			plan.out.Meetings = append(plan.out.Meetings, w.outcome(a.User, ics.Result{UID: m.UID, Skipped: ics.Reason(reason)}))
			continue
		}
		res := cal.Migrate(m, rules, a.Change)
		plan.out.Meetings = append(plan.out.Meetings, w.plan(&plan, a.User, cal, m, res, prior))
	}
	return plan
}

// plan adds what a meeting's result calls for and returns its outcome.
func (w *Worker) plan(plan *userPlan, user string, cal *ics.Calendar, m *ics.Meeting, res ics.Result, prior map[string]store.Meeting) report.Meeting {
	o := w.outcome(user, res)
	p, known := prior[res.UID]
	switch {
	case res.Rewritten():
		if known && p.Completed {
			o.Reason = p.Reason // sent by an earlier attempt: reported as then
		}
		plan.sends = append(plan.sends, pendingSend{res: res, cal: cal, comps: res.Changed, done: known && p.Completed})
		if !known {
			plan.intents = append(plan.intents, intent(o, cal, res.Changed))
		}
	case known && res.Skipped == ics.AlreadyCurrent:
		// Written in place (CalDAV) by an attempt that stopped: reported as
		// then, its update sent now unless it went out then.
		o = p.Meeting // the row as journaled
		o.UserID, o.Outcome, o.Reason = user, w.rewritten(), ""
		if p.Completed {
			o.Reason = p.Reason
		}
		plan.sends = append(plan.sends, pendingSend{res: res, cal: cal, comps: m.Components(), done: p.Completed})
	}
	return o
}

// pendingSend is a rewritten meeting whose update is due; done when an
// earlier attempt sent it.
type pendingSend struct {
	res    ics.Result
	cal    *ics.Calendar
	comps  []*ics.Component
	done   bool
	server bool // the CalDAV server delivers it (see Doc.ServerDelivers)
}

// SendsInFlight bounds the updates of one user handed to the Mailer at
// once: building an update is CPU, writing or submitting it mostly waits
// on the disk or the relay, so a few in flight keep the worker busy.
const SendsInFlight = 4

// sendAll delivers each rewritten meeting's update unless it went out
// already, and records that it did. Messages are built here in turn (they
// read the calendar); up to SendsInFlight are delivered at once. A
// Permanent error fails the meeting; any other fails the attempt, to be
// retried, and no further update is begun.
func (w *Worker) sendAll(ctx context.Context, user string, sends []pendingSend, out *UserOutcome) error {
	return sender{stamp: w.Stamp, mailer: w.Mailer, journal: w.Journal}.sendAll(ctx, user, sends, out)
}

// sender sends the updates of one batch: the Worker's, or a rollback's.
type sender struct {
	stamp   time.Time // the messages' date
	mailer  Mailer
	journal *Journal
}

func (w sender) sendAll(ctx context.Context, user string, sends []pendingSend, out *UserOutcome) error {
	d := &delivery{w: w, user: user, out: out}
	var g errgroup.Group
	g.SetLimit(SendsInFlight)
	for _, ps := range sends {
		if d.failed() {
			break
		}
		uid := ps.res.UID
		msg := w.message(user, ps.cal, ps.res, ps.comps)
		switch {
		case len(msg.To) == 0: // nobody to tell
			d.fail(w.journal.completed(ctx, user, uid, ps.done))
		case ps.done:
			d.invited()
		case ps.server:
			d.invited()
			d.fail(w.journal.completed(ctx, user, uid, false))
		default:
			g.Go(func() error { d.fail(d.deliver(ctx, uid, msg)); return nil })
		}
	}
	g.Wait()
	return d.err
}

// delivery is one user's updates in flight; its lock guards the outcome.
type delivery struct {
	w    sender
	user string
	mu   sync.Mutex
	out  *UserOutcome
	err  error // the first that fails the attempt
}

func (d *delivery) deliver(ctx context.Context, uid string, msg Message) error {
	got, err := d.w.mailer.Send(ctx, msg)
	if err != nil {
		if store.IsPermanent(err) {
			d.mu.Lock()
			markFailed(d.out, uid, fmt.Errorf("sending the update: %w", err))
			d.mu.Unlock()
			return nil
		}
		return fmt.Errorf("%s: UID %s: sending the update: %w", d.user, uid, err)
	}
	if len(got.Refused) > 0 {
		d.mu.Lock()
		reason := note(d.out, uid, "update not delivered to "+strings.Join(got.Refused, "; "))
		d.mu.Unlock()
		if err := d.w.journal.note(ctx, d.user, uid, reason); err != nil {
			return err
		}
	}
	d.invited()
	if m, ok := d.w.mailer.(idempotent); ok && m.Idempotent() {
		return nil // sent again after a crash, it lands on itself: no need to record each one
	}
	return d.w.journal.completed(ctx, d.user, uid, false)
}

func (d *delivery) invited() {
	d.mu.Lock()
	d.out.Invites++
	d.mu.Unlock()
}

func (d *delivery) fail(err error) {
	if err == nil {
		return
	}
	d.mu.Lock()
	if d.err == nil {
		d.err = err
	}
	d.mu.Unlock()
}

func (d *delivery) failed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err != nil
}

// idempotent is a Mailer for which sending the same message twice is the
// same as sending it once (the outbox: one file per message id).
type idempotent interface{ Idempotent() bool }

func (w *Worker) outcome(user string, res ics.Result) report.Meeting {
	o := report.Meeting{
		UserID: user, UID: res.UID, Summary: res.Summary, Start: res.Start, Attendees: res.People,
		Provider: string(res.Provider), OldJoinURL: res.OldJoinURL, NewJoinURL: res.NewJoinURL,
	}
	switch {
	case res.Err != nil:
		o.Outcome, o.Reason = Failed, res.Err.Error()
	case res.Skipped != "":
		o.Outcome, o.Reason = Skipped, string(res.Skipped)
	default:
		o.Outcome = w.rewritten()
	}
	return o
}

// rewritten is the outcome of a rewritten meeting.
func (w *Worker) rewritten() string {
	if w.DryRun {
		return WouldUpdate
	}
	return Updated
}

func (w sender) message(user string, cal *ics.Calendar, res ics.Result, comps []*ics.Component) Message {
	return Message{
		User:     user,
		UID:      res.UID,
		From:     res.Organizer,
		To:       mailable(res.Attendees),
		Subject:  "Updated: " + res.Summary,
		Text:     updateText(res.Summary, res.NewJoinURL),
		Calendar: cal.Request(comps),
		Date:     w.stamp,
	}
}

// mailable keeps the attendee addresses that mail can reach.
func mailable(addrs []string) []string {
	var out []string
	for _, a := range addrs {
		if strings.Contains(a, "@") && !strings.ContainsAny(a, " :<>") {
			out = append(out, a)
		}
	}
	return out
}

// note adds a remark to the Reason of a meeting that did not fail and
// returns the Reason.
func note(out *UserOutcome, uid, remark string) string {
	reason := ""
	for i := range out.Meetings {
		m := &out.Meetings[i]
		if m.UID != uid || m.Outcome == Failed {
			continue
		}
		if m.Reason != "" {
			m.Reason += "; "
		}
		m.Reason += remark
		reason = m.Reason
	}
	return reason
}

func markFailed(out *UserOutcome, uid string, err error) {
	for i := range out.Meetings {
		if out.Meetings[i].UID == uid {
			out.Meetings[i].Outcome, out.Meetings[i].Reason = Failed, err.Error()
		}
	}
}
