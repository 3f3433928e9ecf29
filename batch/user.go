package batch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/ics/block"
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
}

// MeetingOutcome is one row of the Meetings sheet.
type MeetingOutcome struct {
	UID        string
	Summary    string
	Start      time.Time
	Attendees  int
	Outcome    string
	Reason     string
	Provider   string
	OldJoinURL string
	NewJoinURL string
}

// UserOutcome is what one user's migration did.
type UserOutcome struct {
	Meetings []MeetingOutcome
	Invites  int // updates sent (or, in a dry run, that would be sent)
}

// Failed counts the meetings that failed.
func (u UserOutcome) Failed() int { return u.count(Failed) }

// Skipped counts the meetings left alone.
func (u UserOutcome) Skipped() int { return u.count(Skipped) }

// Succeeded counts the meetings rewritten (or that would be).
func (u UserOutcome) Succeeded() int { return u.count(Updated) + u.count(WouldUpdate) }

func (u UserOutcome) count(outcome string) int {
	n := 0
	for _, m := range u.Meetings {
		if m.Outcome == outcome {
			n++
		}
	}
	return n
}

// Worker migrates one user at a time; it is safe for concurrent use.
type Worker struct {
	Now       time.Time // meetings before it are past
	Stamp     time.Time // DTSTAMP, LAST-MODIFIED and message dates
	DryRun    bool
	Calendars CalendarWriter
	Mailer    Mailer
	Events    func(Event)

	// Journal records each rewritten meeting's intent (with its original
	// bytes) before the calendar is written and the update sent, and its
	// completion once the update is sent, so that a later attempt sends
	// nothing twice. Nil records nothing (a dry run needs no journal).
	Journal *Journal
}

// Journal is the per-meeting record of one batch in the state store.
type Journal struct {
	Store   *store.Store
	BatchID string
}

// Migrate reads one user's calendar, rewrites every meeting the rules allow,
// stores the calendar and sends one update per rewritten meeting. An error
// means the attempt failed and may be retried: meetings whose update went
// out are recorded in the journal and are not sent again.
func (w *Worker) Migrate(ctx context.Context, a Assignment) (UserOutcome, error) {
	cal, err := readCalendar(a.Calendar)
	if err != nil {
		return UserOutcome{}, err
	}
	prior, err := w.Journal.prior(ctx, a.User)
	if err != nil {
		return UserOutcome{}, err
	}
	plan := w.decide(cal, a, prior)
	if err := w.Journal.intend(ctx, a.User, plan.intents); err != nil {
		return UserOutcome{}, err
	}
	if cal.Edited() {
		if err := w.Calendars.WriteCalendar(ctx, filepath.Base(a.Calendar), cal.Bytes()); err != nil {
			return UserOutcome{}, fmt.Errorf("%s: %w", a.User, err)
		}
	}
	for _, ps := range plan.sends {
		if err := w.send(ctx, a.User, cal, ps, &plan.out); err != nil {
			return UserOutcome{}, err
		}
	}
	return plan.out, nil
}

// userPlan is what one attempt does: the outcomes, the updates to send and
// the intents to record first.
type userPlan struct {
	out     UserOutcome
	sends   []pendingSend
	intents []store.Meeting
}

// decide rewrites every meeting of the calendar the rules allow, in memory.
func (w *Worker) decide(cal *ics.Calendar, a Assignment, prior map[string]store.Meeting) userPlan {
	rules := ics.Rules{Organizer: append([]string{a.User}, a.Aliases...), Now: w.Now, Stamp: w.Stamp}
	var plan userPlan
	for _, m := range cal.Meetings() {
		if reason := a.Source.excludes(m); reason != "" {
			plan.out.Meetings = append(plan.out.Meetings, w.outcome(ics.Result{UID: m.UID, Skipped: ics.Reason(reason)}))
			continue
		}
		res := cal.Migrate(m, rules, a.Change)
		plan.out.Meetings = append(plan.out.Meetings, w.plan(&plan, a.User, cal, m, res, prior))
	}
	return plan
}

// plan adds what a meeting's result calls for and returns its outcome.
func (w *Worker) plan(plan *userPlan, user string, cal *ics.Calendar, m *ics.Meeting, res ics.Result, prior map[string]store.Meeting) MeetingOutcome {
	o := w.outcome(res)
	p, known := prior[res.UID]
	switch {
	case res.Rewritten():
		plan.sends = append(plan.sends, pendingSend{res: res, comps: res.Changed, done: known && p.Completed})
		if !known {
			plan.intents = append(plan.intents, intent(user, o, cal, res.Changed))
		}
	case known && res.Skipped == ics.AlreadyCurrent:
		// Written in place (CalDAV) by an attempt that stopped: reported as
		// then, its update sent now unless it went out then.
		o = w.outcome(ics.Result{UID: p.UID, Summary: p.Summary, Start: p.Start, People: p.Attendees,
			Provider: block.Provider(p.Provider), OldJoinURL: p.OldJoinURL, NewJoinURL: p.NewJoinURL})
		plan.sends = append(plan.sends, pendingSend{res: res, comps: m.Components(), done: p.Completed})
	}
	return o
}

// pendingSend is a rewritten meeting whose update is due; done when an
// earlier attempt sent it.
type pendingSend struct {
	res   ics.Result
	comps []*ics.Component
	done  bool
}

// send delivers one meeting's update unless it went out already, and
// records that it did. A Permanent error fails the meeting; any other
// fails the attempt, to be retried.
func (w *Worker) send(ctx context.Context, user string, cal *ics.Calendar, ps pendingSend, out *UserOutcome) error {
	msg := w.message(user, cal, ps.res, ps.comps)
	if len(msg.To) == 0 {
		return w.Journal.completed(ctx, user, ps.res.UID, ps.done) // nobody to tell
	}
	if ps.done {
		out.Invites++
		return nil
	}
	if err := w.Mailer.Send(ctx, msg); err != nil {
		if store.IsPermanent(err) {
			markFailed(out, ps.res.UID, fmt.Errorf("sending the update: %w", err))
			return nil
		}
		return fmt.Errorf("%s: UID %s: sending the update: %w", user, ps.res.UID, err)
	}
	out.Invites++
	return w.Journal.completed(ctx, user, ps.res.UID, false)
}

// intent is the journal row of a meeting about to be written and sent,
// with the original bytes of its rewritten components.
func intent(user string, o MeetingOutcome, cal *ics.Calendar, comps []*ics.Component) store.Meeting {
	var orig []byte
	for _, c := range comps {
		orig = append(orig, cal.Original(c)...)
	}
	return store.Meeting{UserID: user, UID: o.UID, Summary: o.Summary, Start: o.Start, Attendees: o.Attendees, Outcome: o.Outcome,
		Reason: o.Reason, Provider: o.Provider, OldJoinURL: o.OldJoinURL, NewJoinURL: o.NewJoinURL, Original: orig}
}

// prior returns what earlier attempts recorded of the user's meetings.
func (j *Journal) prior(ctx context.Context, user string) (map[string]store.Meeting, error) {
	out := map[string]store.Meeting{}
	if j == nil {
		return out, nil
	}
	ms, err := j.Store.UserMeetings(ctx, j.BatchID, user)
	if err != nil {
		return nil, err
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
	return j.Store.RecordIntents(ctx, j.BatchID, user, ms)
}

func (j *Journal) completed(ctx context.Context, user, uid string, already bool) error {
	if j == nil || already {
		return nil
	}
	return j.Store.RecordCompleted(ctx, j.BatchID, user, uid)
}

// readCalendar reads and parses a calendar file. Neither a missing file nor
// a file that is not iCalendar gets better by trying again.
func readCalendar(path string) (*ics.Calendar, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, store.Permanent(fmt.Errorf("calendar %s: %w", path, err))
	}
	cal, err := ics.Parse(path, data)
	if err != nil {
		return nil, store.Permanent(err)
	}
	return cal, nil
}

func (w *Worker) outcome(res ics.Result) MeetingOutcome {
	o := MeetingOutcome{
		UID: res.UID, Summary: res.Summary, Start: res.Start, Attendees: res.People,
		Provider: string(res.Provider), OldJoinURL: res.OldJoinURL, NewJoinURL: res.NewJoinURL,
	}
	switch {
	case res.Err != nil:
		o.Outcome, o.Reason = Failed, res.Err.Error()
	case res.Skipped != "":
		o.Outcome, o.Reason = Skipped, string(res.Skipped)
	case w.DryRun:
		o.Outcome = WouldUpdate
	default:
		o.Outcome = Updated
	}
	return o
}

func (w *Worker) message(user string, cal *ics.Calendar, res ics.Result, comps []*ics.Component) Message {
	return Message{
		User:     user,
		UID:      res.UID,
		From:     res.Organizer,
		To:       mailable(res.Attendees),
		Subject:  "Updated: " + res.Summary,
		Text:     updateText(res.Summary, res.NewJoinURL),
		Calendar: cal.Request(comps),
		Date:     w.Stamp,
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

func markFailed(out *UserOutcome, uid string, err error) {
	for i := range out.Meetings {
		if out.Meetings[i].UID == uid {
			out.Meetings[i].Outcome, out.Meetings[i].Reason = Failed, err.Error()
		}
	}
}
