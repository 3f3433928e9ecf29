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
}

// Migrate reads one user's calendar, rewrites every meeting the rules allow,
// stores the calendar and sends one update per rewritten meeting. An error
// means the whole user failed and may be retried: nothing was sent.
func (w *Worker) Migrate(ctx context.Context, a Assignment) (UserOutcome, error) {
	cal, err := readCalendar(a.Calendar)
	if err != nil {
		return UserOutcome{}, err
	}
	rules := ics.Rules{Organizer: append([]string{a.User}, a.Aliases...), Now: w.Now, Stamp: w.Stamp}
	var out UserOutcome
	var rewritten []ics.Result
	for _, m := range cal.Meetings() {
		res := cal.Migrate(m, rules, a.Change)
		out.Meetings = append(out.Meetings, w.outcome(res))
		if res.Rewritten() {
			rewritten = append(rewritten, res)
		}
	}
	if cal.Edited() {
		if err := w.Calendars.WriteCalendar(ctx, filepath.Base(a.Calendar), cal.Bytes()); err != nil {
			return UserOutcome{}, fmt.Errorf("%s: %w", a.User, err)
		}
	}
	for _, res := range rewritten {
		msg := w.message(a.User, cal, res)
		if len(msg.To) == 0 {
			continue // nobody to tell
		}
		if err := w.Mailer.Send(ctx, msg); err != nil {
			markFailed(&out, res.UID, fmt.Errorf("sending the update: %w", err))
			continue
		}
		out.Invites++
	}
	return out, nil
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

func (w *Worker) message(user string, cal *ics.Calendar, res ics.Result) Message {
	return Message{
		User:     user,
		UID:      res.UID,
		From:     res.Organizer,
		To:       mailable(res.Attendees),
		Subject:  "Updated: " + res.Summary,
		Text:     updateText(res.Summary, res.NewJoinURL),
		Calendar: cal.Request(res.Changed),
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
