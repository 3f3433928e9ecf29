package migrate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mms-project/mms/batch/smtp"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/ics/block"
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
	User          string         `json:"user"`
	Aliases       []string       `json:"aliases,omitempty"`
	Mailbox       string         `json:"mailbox"`
	Calendar      string         `json:"calendar"` // absolute path or URL
	Change        ics.Change     `json:"change"`
	MigrationType string         `json:"migration_type"`
	Kinds         []string       `json:"kinds"`
	Source        ics.SourceType `json:"source,omitempty"` // which blocks to migrate; "" all
	Output        string         `json:"output,omitempty"` // the rewritten file's name under DIR/calendars; "" the input's name
	// MeetingRows says, by UID, what to report when the calendar has no
	// meeting of a UID that Change.Meetings names: the meetings file's row,
	// as input.Meeting.NotInCalendar words it.
	MeetingRows map[string]string `json:"meeting_rows,omitempty"`
	// Notes say what of the user's changes was not taken (see
	// trigger.Migration.Notes), for its LastMessage.
	Notes []string `json:"notes,omitempty"`

	sent     map[string]ics.Sent   // see Worker.lastSent and sequencesSent; looked up for each attempt
	lastSent map[string]store.Sent // the same, as the store has it; nil: not looked up
	// stranded are the meetings of a CalDAV calendar an earlier batch
	// wrote in place and never sent the update of (see strandedOf)
	stranded map[string]store.Stranded
}

// UserOutcome is what one user's migration did.
type UserOutcome struct {
	Meetings []report.Meeting // one row per meeting, UserID set
	Invites  int              // updates sent (or, in a dry run, that would be sent)
	// ServerInvites are those of Invites left to the CalDAV server's own
	// scheduling (see Doc.ServerDelivers): sent by it, not by mms.
	ServerInvites int
	// Filed are the meetings whose update the outbox took in this attempt,
	// recorded completed in the user's outcome (see Result), not by a
	// statement each: a crash before it files them again, the same bytes.
	Filed []string
	// Rejected are the meetings file's rows for meetings the calendar does
	// not hold: reported, costing the user nothing.
	Rejected []string
}

// Worker migrates one user at a time; it is safe for concurrent use.
type Worker struct {
	Now    time.Time // meetings before it are past
	Stamp  time.Time // DTSTAMP, LAST-MODIFIED and message dates
	DryRun bool
	// SendAgain sends every update, even one an earlier batch in the
	// state store already sent (--again); otherwise such a meeting is
	// skipped as already-sent.
	SendAgain bool
	Calendars Calendars
	Mailer    Mailer

	// Journal records each rewritten meeting's intent (with its original
	// bytes) before the calendar is written and the update sent, and its
	// completion once the update is sent, so that a later attempt sends
	// nothing twice. Nil records nothing (a dry run needs no journal).
	Journal *Journal
	// History is where the updates earlier batches sent are looked up
	// (see AlreadySent): the Journal's store, or in a dry run, which keeps
	// no journal, the batch's store all the same; nil looks up nothing.
	History *Journal

	// Deciders bounds the users whose calendars are read, decided and
	// stored at once (--workers); zero: no bound. A user whose updates are
	// being sent no longer counts: the batch takes more users than this
	// (see batch's work), so that one user's updates go out while the
	// next is decided, not while the CPUs wait for the disk or the relay.
	Deciders int

	close        func() // frees what the worker holds (SMTP sessions); nil: nothing
	mem          memory // the calendar files' memory, shared by the batch's workers
	deciding     *Slots // Deciders: the process's (Config.Deciding), or the worker's own
	decidingOnce sync.Once
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
	w.decidingOnce.Do(func() {
		if w.deciding == nil {
			w.deciding = &Slots{}
		}
	})
	decided, err := w.deciding.take(ctx, w.Deciders)
	if err != nil {
		return UserOutcome{}, err
	}
	defer decided()
	release, err := w.mem.reserve(ctx, a.Calendar)
	if err != nil {
		return UserOutcome{}, err
	}
	defer release()
	docs, err := w.Calendars.Read(ctx, a.Calendar)
	if err != nil {
		return UserOutcome{}, err
	}
	for _, d := range docs {
		d.Output = a.Output
	}
	sharedUIDs(docs)
	prior, err := w.Journal.prior(ctx, a.User)
	if err != nil {
		return UserOutcome{}, err
	}
	if a.lastSent, err = w.lastSent(ctx, a.User); err != nil {
		return UserOutcome{}, err
	}
	a.sent = sequencesSent(a.lastSent)
	if a.stranded, err = w.strandedOf(ctx, a); err != nil {
		return UserOutcome{}, err
	}
	plan := userPlan{decided: decided}
	if done, err := w.carryOut(ctx, a, docs, prior, &plan); err != nil {
		// A user given up on after this attempt reports these too (see
		// Abandon), and the documents it did not reach as they would have
		// been decided; recorded as well as the store lets, the error stays.
		rows := plan.out.Meetings
		for _, d := range docs[done:] {
			rows = append(rows, w.unreached(a, d, prior, err)...)
		}
		w.Journal.decided(ctx, a.User, rows)
		return UserOutcome{}, err
	}
	plan.out.Rejected = unknownMeetings(a, docs, plan.out.Meetings)
	return plan.out, nil
}

// unreached is what an attempt that stopped at err reports of a document
// it did not finish: its meetings decided, those it would have rewritten
// failed, their update not sent; nothing is written.
func (w *Worker) unreached(a Assignment, d *Doc, prior map[string]store.Meeting, err error) []report.Meeting {
	if d.Err != nil || d.Cal == nil {
		return []report.Meeting{unreadRow(a.User, d)}
	}
	p := w.decide(d.Cal, a, prior)
	for i, o := range p.out.Meetings {
		if o.Outcome == Updated || o.Outcome == WouldUpdate {
			p.out.Meetings[i].Outcome, p.out.Meetings[i].Reason, p.out.Meetings[i].Detail = Failed, KindNotSent, "update not sent: "+err.Error()
		}
	}
	return p.out.Meetings
}

// carryOut decides, stores and sends what the user's documents call for;
// done is how many documents it finished.
func (w *Worker) carryOut(ctx context.Context, a Assignment, docs []*Doc, prior map[string]store.Meeting, plan *userPlan) (done int, err error) {
	for i, d := range docs {
		if err := w.migrateDoc(ctx, a, d, prior, plan); err != nil {
			return i, err
		}
	}
	done = len(docs)
	if err := w.checkStored(ctx, a.User, plan); err != nil {
		return done, err
	}
	if plan.decided != nil {
		plan.decided() // the next user may be decided while these go out
	}
	if err := w.sendAll(ctx, a, plan.sends, &plan.out); err != nil {
		return done, err
	}
	return done, w.revertUnsent(ctx, plan)
}

// unknownMeetings reports the meetings file's rows whose UID none of the
// user's documents holds (nothing when a document could not be read: its
// meetings are unknown).
func unknownMeetings(a Assignment, docs []*Doc, rows []report.Meeting) []string {
	if len(a.Change.Meetings) == 0 {
		return nil
	}
	for _, d := range docs {
		if d.Err != nil {
			return nil
		}
	}
	var ms []*ics.Meeting
	for _, r := range rows {
		ms = append(ms, &ics.Meeting{UID: r.UID})
	}
	var out []string
	for _, uid := range a.Change.UnknownMeetings(ms) {
		row := a.MeetingRows[uid]
		if row == "" {
			row = fmt.Sprintf("meetings file: %q is not a meeting in %s's calendar", uid, a.User)
		}
		out = append(out, row)
	}
	return out
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
			plan.stored = append(plan.stored, d)
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

// checkStored has a Calendars that checks its writes afterwards (a
// Checker: CalDAV's read-back) check the user's stored documents, before
// any update is sent. A document found not kept fails its meetings, and
// nothing is sent for them, as when its Write fails.
func (w *Worker) checkStored(ctx context.Context, user string, plan *userPlan) error {
	c, ok := w.Calendars.(Checker)
	if !ok || len(plan.stored) == 0 {
		return nil
	}
	errs, err := c.Check(ctx, plan.stored)
	if err == nil && len(errs) != len(plan.stored) {
		err = fmt.Errorf("checking what was stored: %d answers for %d documents", len(errs), len(plan.stored))
	}
	if err != nil {
		return fmt.Errorf("%s: %w", user, err)
	}
	for _, err := range errs {
		if err != nil && (stopsUser(err) || !store.IsPermanent(err)) {
			return fmt.Errorf("%s: %w", user, err)
		}
	}
	for i, d := range plan.stored {
		if errs[i] != nil {
			plan.failDoc(d, errs[i])
		}
	}
	return nil
}

// userPlan is what one attempt does: the outcomes, the updates to send and
// the intents to record first.
type userPlan struct {
	out     UserOutcome
	sends   []pendingSend
	intents []store.Meeting
	stored  []*Doc // the documents decided and stored (or left unedited), for a Checker
	decided func() // frees the user's place among the Deciders; nil: none
}

// failDoc fails the meetings of one document of the plan, with nothing
// sent for them.
func (p *userPlan) failDoc(d *Doc, err error) {
	kept := p.sends[:0]
	for _, ps := range p.sends {
		if ps.cal != d.Cal {
			kept = append(kept, ps)
			continue
		}
		markFailed(&p.out, ps.res.UID, err)
	}
	p.sends = kept
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
	if !d.ServerDelivers && len(d.ServerAttendees) == 0 && d.Note == "" {
		return
	}
	for i := range p.sends {
		p.sends[i].server = d.ServerDelivers
		p.sends[i].serverTo = d.ServerAttendees
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
	rules := ics.Rules{Organizer: append([]string{a.User}, a.Aliases...), Now: w.Now, Stamp: w.Stamp, Source: a.Source, Sent: a.sent}
	var plan userPlan
	var finder block.Finder // the report's blocks: one organiser's links parsed once
	for _, m := range cal.Meetings() {
		was := readBefore(m) // the report's old block and rule, before the rewrite
		res := cal.Migrate(m, rules, a.Change)
		up := prepare(cal, res)
		stranded, isStranded := a.stranded[res.UID]
		if _, known := prior[res.UID]; known || res.Skipped != ics.AlreadyCurrent {
			isStranded = false
		}
		o := w.plan(&plan, a.User, cal, m, res, prior, up)
		if p, known := prior[res.UID]; known && res.Skipped == ics.AlreadyCurrent {
			was, res, up = resumedView(cal, m, p, res)
		}
		if isStranded {
			o, was, res, up = w.planStranded(&plan, a.User, cal, m, res, stranded, o)
		}
		describe(&o, &finder, was, res, up, w.Now)
		plan.out.Meetings = append(plan.out.Meetings, o)
		if isStranded {
			now := "sent now"
			if w.DryRun {
				now = "it would be sent now"
			}
			note(&plan.out, res.UID, fmt.Sprintf("written to the server by batch %s, which did not send its update: %s", shortBatch(stranded.BatchID), now))
		}
	}
	return plan
}

// plan adds what a meeting's result calls for and returns its outcome.
func (w *Worker) plan(plan *userPlan, user string, cal *ics.Calendar, m *ics.Meeting, res ics.Result, prior map[string]store.Meeting, up *prepared) report.Meeting {
	o := w.outcome(user, res)
	p, known := prior[res.UID]
	switch {
	case res.Rewritten():
		if known && p.Completed {
			o.Detail = p.Detail // sent by an earlier attempt: reported as then
		}
		plan.sends = append(plan.sends, pendingSend{res: res, cal: cal, comps: res.Changed, done: known && p.Completed, up: up, lost: lost(known, p)})
		if !known {
			plan.intents = append(plan.intents, intent(o, cal, res.Changed))
		}
	case known && res.Skipped == ics.AlreadyCurrent:
		// Written in place (CalDAV) by an attempt that stopped: reported as
		// then, its update sent now unless it went out then.
		o = p.Meeting // the row as journaled
		o.UserID, o.Outcome, o.Reason = user, w.rewritten(), ""
		if !p.Completed {
			o.Detail = "" // its notes come again with this attempt's sending
		}
		plan.sends = append(plan.sends, pendingSend{res: res, cal: cal, comps: rewrittenOf(cal, m, p), done: p.Completed, original: p.Original, lost: lost(known, p)})
	}
	return o
}

// planStranded plans the update of a meeting an earlier batch wrote in
// place and never sent (see strandedOf): described as that rewrite, from
// its journaled original to what the server holds, sent as the meeting
// now stands (no rewrite, no new SEQUENCE: attendees have neither), and
// journaled in this batch with that original.
func (w *Worker) planStranded(plan *userPlan, user string, cal *ics.Calendar, m *ics.Meeting, res ics.Result, s store.Stranded, o report.Meeting) (report.Meeting, before, ics.Result, *prepared) {
	p := store.Meeting{Intent: true, Original: s.Original}
	was, view, up := resumedView(cal, m, p, res)
	o.Outcome, o.Reason, o.Detail = w.rewritten(), "", ""
	plan.sends = append(plan.sends, pendingSend{res: view, cal: cal, comps: view.Changed, up: up, original: s.Original})
	plan.intents = append(plan.intents, store.Meeting{Meeting: o, Original: s.Original})
	return o, was, view, up
}

// resumedView is how a meeting an attempt that stopped wrote in place is
// described: as the rewrite it was, from its bytes before (the journal's)
// to what the calendar holds now, not as a meeting found current.
func resumedView(cal *ics.Calendar, m *ics.Meeting, p store.Meeting, res ics.Result) (before, ics.Result, *prepared) {
	orig, err := ics.ParseOriginals(cal.Name, m.UID, p.Original)
	if err != nil || len(orig.Meetings()) == 0 {
		return readBefore(m), res, nil
	}
	res.Skipped, res.Evidence = "", ""
	res.Changed = rewrittenOf(cal, m, p)
	return readBefore(orig.Meetings()[0]), res, prepare(cal, res)
}

// rewrittenOf returns the components of a meeting an earlier attempt
// rewrote in place, as its journaled originals name them: the update
// carries those, not the meeting's past instances. A journal without
// them (an older mms's) gives the meeting whole.
func rewrittenOf(cal *ics.Calendar, m *ics.Meeting, p store.Meeting) []*ics.Component {
	if len(p.Original) > 0 {
		if comps, err := cal.Rewritten(m.UID, p.Original); err == nil {
			return comps
		}
	}
	return m.Components()
}

// lost is the Detail of a meeting whose update an earlier attempt sent
// without an answer from the relay, "" for any other.
func lost(known bool, p store.Meeting) string {
	if !known || !unansweredBefore(p) {
		return ""
	}
	return p.Detail
}

// revertUnsent stores again, without their rewrite, the documents
// holding rewritten meetings whose update failed to go out (the relay
// refused every recipient, say): a failed meeting costs its organiser's
// copy nothing, and a later batch rewrites it and sends the update. A
// file is written again with those meetings' lines as they were; a
// CalDAV object gets their original back with the SEQUENCE the rewrite
// gave it (a server may refuse a lower one), read back as any write is,
// also when an earlier attempt stored the rewrite (the original then
// comes from the journal). A failure that is about the server, the store
// or the run fails the attempt, to be retried; one about the document
// alone is said in the meeting's Detail: its copy keeps the new block.
func (w *Worker) revertUnsent(ctx context.Context, plan *userPlan) error {
	failed := map[string]bool{}
	for _, m := range plan.out.Meetings {
		if m.Outcome == Failed && m.Reason != KindRelayNoAnswer { // one that may have been delivered keeps its rewrite
			failed[m.UID] = true
		}
	}
	if len(failed) == 0 {
		return nil
	}
	unsent := map[*ics.Calendar][]pendingSend{}
	for _, ps := range plan.sends {
		if failed[ps.res.UID] && !ps.done && !ps.server && (ps.res.Rewritten() || ps.original != nil) {
			unsent[ps.cal] = append(unsent[ps.cal], ps)
		}
	}
	for _, d := range plan.stored {
		sends := unsent[d.Cal]
		if len(sends) == 0 {
			continue
		}
		err := w.unrewrite(ctx, d, sends)
		changed := errors.Is(err, ErrChanged)
		if err != nil && !changed && (stopsUser(err) || !store.IsPermanent(err)) {
			return err
		}
		remark := "its calendar copy is left as it was"
		switch {
		case changed: // never put back over another's edit, nor tried again (which would)
			remark = "its calendar copy was changed on the server since mms wrote it, and is left as the server has it (a later batch sends its update if that copy kept mms's new block): " + err.Error()
		case err != nil:
			remark = "its calendar copy keeps the new block, so a later batch finds it already current: " + err.Error()
		}
		for _, ps := range sends {
			noteFailed(&plan.out, ps.res.UID, remark)
		}
	}
	return nil
}

// unrewrite undoes the rewrite of some meetings of a stored document,
// stores it again and, where the Calendars check their writes, checks it
// (see revertUnsent).
func (w *Worker) unrewrite(ctx context.Context, d *Doc, sends []pendingSend) error {
	d.Changed = d.Changed[:0]
	for _, ps := range sends {
		var err error
		comps := ps.res.Changed
		switch {
		case ps.original != nil && IsCalDAV(d.Name):
			// stored by an earlier attempt: the journal has the original,
			// put back only over what that attempt wrote (SEQUENCE and
			// DTSTAMP its own), never over an edit made since
			comps, err = d.Cal.RestoreAsWritten(ps.res.UID, ps.original, ics.Written{Stamp: w.Stamp}, w.Stamp)
			if errors.Is(err, ics.ErrChangedSince) {
				return fmt.Errorf("%w: %w", ErrChanged, err)
			}
		case ps.original != nil: // stored by an earlier attempt: the journal has the original
			comps, err = d.Cal.Restore(ps.res.UID, ps.original, w.Stamp)
		case IsCalDAV(d.Name):
			err = d.Cal.RevertStamped(comps, w.Stamp)
		default:
			d.Cal.Revert(comps)
		}
		if err != nil {
			return Permanent(err)
		}
		d.Changed = append(d.Changed, comps...)
	}
	if err := w.Calendars.Write(ctx, d); err != nil {
		return err
	}
	c, ok := w.Calendars.(Checker)
	if !ok {
		return nil
	}
	errs, err := c.Check(ctx, []*Doc{d})
	if err == nil && len(errs) == 1 {
		err = errs[0]
	}
	return err
}

// noteFailed adds a remark, once, to the Detail of a failed meeting.
func noteFailed(out *UserOutcome, uid, remark string) {
	addRemark(out, uid, remark, func(m *report.Meeting) bool { return m.Outcome == Failed && !strings.Contains(m.Detail, remark) })
}

// pendingSend is a rewritten meeting whose update is due; done when an
// earlier attempt sent it.
type pendingSend struct {
	res    ics.Result
	cal    *ics.Calendar
	comps  []*ics.Component
	done   bool
	server bool // the CalDAV server delivers it (see Doc.ServerDelivers)
	// serverTo are the attendees the CalDAV server delivers to itself
	// (see Doc.ServerAttendees): the update goes to the others
	serverTo []string
	up       *prepared // the update of comps, made when it was decided; nil: made when sent
	// original is, for a meeting an earlier attempt stored rewritten, its
	// bytes before, from the journal: what a failed send puts back
	original []byte
	// lost is the Detail of an update an earlier attempt of the batch
	// sent whole without an answer from the relay: it may have been
	// delivered, so it fails again, not sent ("": none)
	lost string
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
func (w *Worker) sendAll(ctx context.Context, a Assignment, sends []pendingSend, out *UserOutcome) error {
	s := sender{stamp: w.Stamp, mailer: w.Mailer, journal: w.Journal, aliases: a.Aliases, key: changeKey(a.Change), unsent: w.sendsNone(), dryRun: w.DryRun}
	if w.SendAgain && w.Journal != nil {
		// sent anew, each is a message of its own (a file of its own in
		// the outbox, not the earlier batch's written over), the same
		// again when this batch resumes
		s.key += "\x00again " + w.Journal.BatchID
	}
	if !w.SendAgain {
		s.history = w.History
		if s.history == nil {
			s.history = w.Journal
		}
		s.last = a.lastSent
	}
	return s.sendAll(ctx, a.User, sends, out)
}

// lastSent is, by UID, the last update other batches of the store sent
// for the user's meetings (a rollback's, say): a rewrite below its
// SEQUENCE fails (ics.ErrStale), and the same update is not sent again
// (AlreadySent). Looked up with --again too, which sends everything anew
// but never an update older than what attendees have. Nil without a
// store.
func (w *Worker) lastSent(ctx context.Context, user string) (map[string]store.Sent, error) {
	h := w.History
	if h == nil {
		h = w.Journal
	}
	if h == nil {
		return nil, nil
	}
	last, err := h.Store.LastSent(ctx, user, h.BatchID)
	if last == nil && err == nil {
		last = map[string]store.Sent{}
	}
	return last, err
}

// strandedOf is, by UID, the meetings of the user's CalDAV calendar that
// an earlier batch of the store wrote in place and whose update it never
// sent, none having gone out since (a.lastSent): their copy holds the new
// block, so this batch finds them current, and sends that update (see
// plan). Another client's edit after the write, or an object that failed
// the user, leaves a meeting so. Nil for a file calendar: its next run
// rewrites it from the export anew.
func (w *Worker) strandedOf(ctx context.Context, a Assignment) (map[string]store.Stranded, error) {
	h := w.History
	if h == nil {
		h = w.Journal
	}
	if _, server := w.Mailer.(ServerScheduling); h == nil || server || !IsCalDAV(a.Calendar) {
		return nil, nil // --send server: the object is not written again, so the server would deliver nothing
	}
	stranded, err := h.Store.StrandedMeetings(ctx, a.User, h.BatchID, []string{KindNotSent, KindRelayRefused, KindCalDAVReadBack})
	if err != nil {
		return nil, err
	}
	for uid, s := range stranded {
		if sent, ok := a.lastSent[uid]; ok && !sent.SentAt.Before(s.CreatedAt) {
			delete(stranded, uid)
		}
	}
	return stranded, nil
}

// sequencesSent is what the rules need of lastSent's updates.
func sequencesSent(last map[string]store.Sent) map[string]ics.Sent {
	if len(last) == 0 {
		return nil
	}
	out := make(map[string]ics.Sent, len(last))
	for uid, s := range last {
		by := "batch " + shortBatch(s.BatchID)
		if s.Kind != "" && s.Kind != "run" {
			by = s.Kind + " " + shortBatch(s.BatchID)
		}
		out[uid] = ics.Sent{Sequence: s.Sequence, By: by}
	}
	return out
}

// shortBatch is a batch id as mms batches shows it.
func shortBatch(id string) string { return id[:min(len(id), 8)] }

// AlreadySent is the skip reason of a rewritten meeting whose update (the
// same UID, new block and SEQUENCE) an earlier batch in the state store
// sent: it is not sent again.
const AlreadySent = "already-sent"

// sender sends the updates of one batch: the Worker's, or a rollback's.
type sender struct {
	stamp   time.Time // the messages' date
	mailer  Mailer
	journal *Journal
	aliases []string // the organiser's other addresses: no update to them
	key     string   // names the change the updates make (changeKey), in their ids; "" for a rollback's
	history *Journal // where to find the updates earlier batches sent, to skip them (see AlreadySent); nil sends them
	// last is what history holds for the user when it was looked up
	// already (Worker.lastSent); nil looks it up.
	last map[string]store.Sent
	// unsent: the updates mms sends go nowhere (--send none), and are not
	// counted; those a CalDAV server delivers itself still are.
	unsent bool
	dryRun bool // nothing is written or sent: the rows say what a run would do
}

// noAttendees is the Detail of a meeting rewritten whose update goes to
// nobody: it has no attendee but the organiser (under any of its
// addresses), or none that takes scheduling mail (SCHEDULE-AGENT=NONE).
const noAttendees = "no attendee to send the update to"

func (w sender) sendAll(ctx context.Context, user string, sends []pendingSend, out *UserOutcome) error {
	d := &delivery{w: w, user: user, out: out}
	w.journal.LoadSpill() // what another process sent and could not record
	before, err := w.sentBefore(ctx, user, sends)
	if err != nil {
		return err
	}
	var g errgroup.Group
	g.SetLimit(SendsInFlight)
	for _, ps := range sends {
		if d.failed() {
			break
		}
		uid := ps.res.UID
		msg, malformed := w.message(user, ps.cal, ps.res, ps.comps, ps.up, ps.serverTo)
		d.detail(uid, malformed)
		sent := store.Sent{UID: uid, Sequence: msg.Sequence, Hash: msg.hash}
		prior, known := before[uid]
		switch {
		case ps.lost != "":
			d.failWith(uid, lostUpdate{ps.lost})
		case len(msg.To) == 0: // nobody to tell
			if len(ps.serverTo) == 0 && len(malformed) == 0 {
				d.detail(uid, []string{noAttendees})
			}
			d.fail(w.journal.completed(ctx, user, uid, ps.done))
		case ps.done:
			d.invited(ps.server)
			d.sent(sent)
			w.journal.nowRecorded(user, sent) // its record taken after all
		case w.journal.sentBefore(user, sent):
			// An earlier attempt sent it, and the store did not take its
			// completion (locked, failing): recorded now, not sent again.
			d.invited(false)
			d.sent(sent)
			if err := w.journal.completed(ctx, user, uid, false); err != nil {
				d.fail(w.journal.unrecordedError(user, uid, w.journal.spilled(user, sent), err))
			} else {
				w.journal.nowRecorded(user, sent)
			}
		case ps.server:
			d.invited(true)
			d.sent(sent)
			d.fail(w.journal.completed(ctx, user, uid, false))
		case known && prior.Sequence == sent.Sequence && (coveredBy(sent.Hash, prior.Hash) || prior.Hash == msg.legacy):
			d.alreadySent(prior)
		default:
			g.Go(func() error {
				ok, err := d.deliver(ctx, uid, msg)
				if ok {
					d.sent(sent)
				}
				if ok && err != nil {
					err = w.journal.unrecordedError(user, uid, w.journal.sentUnrecorded(user, sent), err)
				}
				d.fail(err)
				return nil
			})
		}
	}
	g.Wait()
	// The outbox's files are recorded completed with the user's outcome
	// (see Result): a user tried again (failed on another meeting) files
	// none of them again, which a reader of the outbox may have taken away.
	out.Filed = append(out.Filed, d.filed...)
	// Kept also when the run is being stopped: they went out, and a later
	// batch must not send them again.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err := w.recordSent(rctx, user, d.done); err != nil {
		d.fail(err)
	}
	return d.err
}

// unrecordedError says of an update that went out that the store did not take
// its record (err): it is not sent again, by this process nor, where the
// journal keeps a spill file, by the one that resumes the batch.
func (j *Journal) unrecordedError(user, uid string, spilled bool, err error) error {
	kept := "a run stopped before it is recorded sends it again when resumed"
	if spilled {
		kept = "kept in " + j.own + ": the run that resumes the batch records it, not sending it again"
	}
	return fmt.Errorf("%s: UID %s: its update went out, but the state store did not record it (%s): %w", user, uid, kept, err)
}

// sentBefore returns, by UID, the last update earlier batches sent for the
// user's meetings, when any of sends may be one of them.
func (w sender) sentBefore(ctx context.Context, user string, sends []pendingSend) (map[string]store.Sent, error) {
	if w.history == nil {
		return nil, nil
	}
	fresh := false
	for _, ps := range sends {
		fresh = fresh || !ps.done && !ps.server
	}
	if !fresh {
		return nil, nil
	}
	if w.last != nil {
		return w.last, nil
	}
	return w.history.Store.LastSent(ctx, user, w.history.BatchID)
}

// recordSent keeps what the batch sent, for later batches (see
// AlreadySent); --send none sends nothing and records nothing.
func (w sender) recordSent(ctx context.Context, user string, sent []store.Sent) error {
	if _, none := w.mailer.(*Recorder); none || w.journal == nil || len(sent) == 0 {
		return nil
	}
	return w.journal.Store.RecordSent(ctx, w.journal.BatchID, user, sent)
}

// delivery is one user's updates in flight; its lock guards the outcome.
type delivery struct {
	w    sender
	user string
	mu   sync.Mutex
	out  *UserOutcome
	err  error        // the first that fails the attempt
	done []store.Sent // the updates delivered (or delivered by an earlier attempt)
	// filed are the meetings whose update an idempotent mailer (the
	// outbox) took (see UserOutcome.Filed).
	filed []string
}

// sent notes an update delivered.
func (d *delivery) sent(s store.Sent) {
	d.mu.Lock()
	d.done = append(d.done, s)
	d.mu.Unlock()
}

// alreadySent skips a meeting whose update an earlier batch sent.
func (d *delivery) alreadySent(prior store.Sent) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range d.out.Meetings {
		m := &d.out.Meetings[i]
		if m.UID == prior.UID && m.Outcome != Failed {
			m.Outcome, m.Reason = Skipped, AlreadySent
			copy := "not sent again, the calendar copy written with its new block"
			if d.w.dryRun {
				copy = "a run would not send it again, and would write the calendar copy with its new block"
			}
			m.Detail = fmt.Sprintf("the same update (SEQUENCE %d) was sent by batch %s at %s; %s", prior.Sequence, prior.BatchID, prior.SentAt.UTC().Format(time.RFC3339), copy)
		}
	}
}

// detail adds remarks to a meeting's Detail.
func (d *delivery) detail(uid string, remarks []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range remarks {
		addRemark(d.out, uid, r, func(m *report.Meeting) bool { return true })
	}
}

// deliver sends one update and says whether it went out: a Permanent
// error fails only the meeting; any other fails the attempt.
func (d *delivery) deliver(ctx context.Context, uid string, msg Message) (bool, error) {
	got, err := d.w.mailer.Send(ctx, msg)
	if err != nil {
		if store.IsPermanent(err) {
			err = fmt.Errorf("sending the update: %w", err)
			d.failWith(uid, err)
			if errors.Is(err, smtp.ErrUnanswered) {
				return false, d.w.journal.unanswered(context.WithoutCancel(ctx), d.user, uid, err)
			}
			return false, nil
		}
		return false, fmt.Errorf("%s: UID %s: sending the update: %w", d.user, uid, err)
	}
	// Sent: recorded even when the run is being stopped (a relay's answer
	// to a message already going out is awaited through a stop), so that
	// a resumed run does not send it again.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if len(got.Refused) > 0 {
		d.mu.Lock()
		detail := note(d.out, uid, "update not delivered to "+strings.Join(got.Refused, "; "))
		d.mu.Unlock()
		if err := d.w.journal.note(ctx, d.user, uid, detail); err != nil {
			return true, err
		}
	}
	d.invited(false)
	if m, ok := d.w.mailer.(idempotent); ok && m.Idempotent() {
		// Sent again after a crash, it lands on itself: recorded with the
		// user's others (see sendAll), not one statement each.
		d.mu.Lock()
		d.filed = append(d.filed, uid)
		d.mu.Unlock()
		return true, nil
	}
	return true, d.w.journal.completed(ctx, d.user, uid, false)
}

// failWith fails a meeting, nothing sent for it.
func (d *delivery) failWith(uid string, err error) {
	d.mu.Lock()
	markFailed(d.out, uid, err)
	d.mu.Unlock()
}

// invited counts an update sent, by mms or, server, by the CalDAV server;
// one mms sent with --send none went nowhere, and is not counted.
func (d *delivery) invited(server bool) {
	if d.w.unsent && !server {
		return
	}
	d.mu.Lock()
	d.out.Invites++
	if server {
		d.out.ServerInvites++
	}
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
		UserID: user, UID: res.UID, Summary: res.Summary, Start: res.Start, Attendees: len(res.Attendees),
		Provider: string(res.Provider), OldJoinURL: res.OldJoinURL, NewJoinURL: res.NewJoinURL,
	}
	switch {
	case res.Err != nil:
		fail(&o, res.Err, KindInvalid)
	case res.Skipped != "":
		o.Outcome, o.Reason = Skipped, string(res.Skipped)
	default:
		o.Outcome = w.rewritten()
	}
	return o
}

// sendsNone reports whether the worker's updates go nowhere (--send
// none): the recorder of a dry run counts what would be sent, this one
// nothing.
func (w *Worker) sendsNone() bool {
	_, none := w.Mailer.(*Recorder)
	return none && !w.DryRun
}

// rewritten is the outcome of a rewritten meeting.
func (w *Worker) rewritten() string {
	if w.DryRun {
		return WouldUpdate
	}
	return Updated
}

// message builds a meeting's update: its text and HTML parts are the
// meeting's new DESCRIPTION and X-ALT-DESC, its recipients the attendees
// but the organiser (under any of its addresses), each once, domains in
// IDNA. It also returns why each attendee that cannot be mailed was left
// out, for the meeting's Detail.
func (w sender) message(user string, cal *ics.Calendar, res ics.Result, comps []*ics.Component, pre *prepared, serverTo []string) (Message, []string) {
	if pre == nil {
		pre = &prepared{req: cal.Request(comps)}
		pre.update = readUpdate(pre.req)
	}
	req, up := pre.req, pre.update
	organizer := res.Organizer
	if organizer == "" {
		organizer = user
	}
	to := slices.DeleteFunc(ics.Recipients(comps), func(a string) bool {
		return slices.ContainsFunc(serverTo, func(s string) bool { return strings.EqualFold(s, a) })
	})
	rs := smtp.SplitRecipients(organizer, append([]string{user}, w.aliases...), to)
	var malformed []string
	for _, bad := range rs.Malformed {
		malformed = append(malformed, "no update to attendee "+bad.Err.Error())
	}
	text := up.text
	if strings.TrimSpace(text) == "" {
		text = updateText(res.Summary, res.NewJoinURL)
	}
	return Message{
		User:     user,
		UID:      res.UID,
		Sequence: up.sequence,
		From:     res.Organizer,
		To:       rs.To,
		Subject:  "Updated: " + summaryOf(comps, res.Summary),
		Text:     text,
		HTML:     up.html,
		Calendar: req,
		Date:     w.stamp,
		hash:     up.hash,
		legacy:   up.legacy,
		key:      w.key,
	}, malformed
}

// changeKey names a user's change (the values it writes, the meetings
// file's rows) for its updates' ids: the same on every attempt of a batch
// and in every run of the same inputs.
func changeKey(c ics.Change) string {
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// summaryOf is the SUMMARY of the first component an update carries (an
// instance's own, when the update carries instances alone), else the
// meeting's.
func summaryOf(comps []*ics.Component, meeting string) string {
	if len(comps) > 0 {
		if p, ok := comps[0].Prop("SUMMARY"); ok {
			return p.Text()
		}
	}
	return meeting
}

// note adds a remark to the Detail of a meeting that did not fail and
// returns the Detail; its Reason stays the bare code (none when updated).
func note(out *UserOutcome, uid, remark string) string {
	return addRemark(out, uid, remark, func(m *report.Meeting) bool { return m.Outcome != Failed })
}

// addRemark adds a remark to the Detail of the meetings of uid that
// which accepts, and returns the last Detail it wrote.
func addRemark(out *UserOutcome, uid, remark string, which func(*report.Meeting) bool) string {
	detail := ""
	for i := range out.Meetings {
		m := &out.Meetings[i]
		if m.UID == uid && which(m) {
			m.Detail = withRemark(m.Detail, remark)
			detail = m.Detail
		}
	}
	return detail
}

// withRemark is a Detail with a remark after what it said.
func withRemark(detail, remark string) string {
	if detail == "" {
		return remark
	}
	return detail + "; " + remark
}

func markFailed(out *UserOutcome, uid string, err error) {
	for i := range out.Meetings {
		if out.Meetings[i].UID == uid {
			fail(&out.Meetings[i], err, KindError)
		}
	}
}
