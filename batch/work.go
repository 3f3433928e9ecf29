package batch

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/report"
)

// work runs the batch's queue with a worker whose writers suit the options:
// files and the outbox for a real run, recorders for a dry run.
func work(ctx context.Context, st *store.Store, b store.Batch, o RunOptions) error {
	w, err := newWorker(b, o)
	if err != nil {
		return err
	}
	opts := store.WorkOptions{
		Workers: o.Workers,
		Started: func(j store.Job) { o.Events(Event{Kind: UserStarted, User: j.UserID}) },
		Done: func(j store.Job, r store.Result) {
			if r.State == store.Failed {
				o.Events(Event{Kind: UserFailed, User: j.UserID, Err: fmt.Errorf("%s", r.LastMessage)})
				return
			}
			o.Events(Event{Kind: UserDone, User: j.UserID, Updated: r.SucceededMeeting})
		},
	}
	return st.Work(ctx, b.ID, opts, func(ctx context.Context, j store.Job) (store.Result, error) {
		var a Assignment
		if err := json.Unmarshal(j.Payload, &a); err != nil {
			return store.Result{}, fmt.Errorf("user %s: stored assignment unreadable: %w", j.UserID, err)
		}
		out, err := w.Migrate(ctx, a)
		if err != nil {
			return store.Result{}, err
		}
		return result(j.UserID, a, out), nil
	})
}

func newWorker(b store.Batch, o RunOptions) (*Worker, error) {
	w := &Worker{Now: b.Now, Stamp: b.Stamp, DryRun: b.DryRun}
	if b.DryRun {
		rec := &Recorder{}
		w.Calendars, w.Mailer = rec, rec
		return w, nil
	}
	w.Calendars = FileWriter{Dir: filepath.Join(o.Out, "calendars")}
	switch o.Send {
	case "outbox":
		w.Mailer = Outbox{Dir: filepath.Join(o.Out, "outbox")}
	case "none":
		w.Mailer = &Recorder{}
	default:
		return nil, fmt.Errorf("--send %s is not available yet; use outbox or none", o.Send)
	}
	return w, nil
}

// result turns a user's outcome into the rows of the state store.
func result(user string, a Assignment, out UserOutcome) store.Result {
	r := store.Result{
		State: store.Succeeded, MigrationType: a.MigrationType,
		TotalMeeting: len(out.Meetings), SucceededMeeting: out.Succeeded(), FailedMeeting: out.Failed(), SkippedMeeting: out.Skipped(),
		InvitesUpdate: out.Invites,
	}
	var failures []string
	for _, m := range out.Meetings {
		r.Meetings = append(r.Meetings, store.Meeting{UserID: user, UID: m.UID, Summary: m.Summary, Start: m.Start, Attendees: m.Attendees,
			Outcome: m.Outcome, Reason: m.Reason, Provider: m.Provider, OldJoinURL: m.OldJoinURL, NewJoinURL: m.NewJoinURL})
		if m.Outcome == Failed {
			failures = append(failures, m.Reason)
		}
	}
	if len(failures) > 0 {
		r.State = store.Failed
		r.LastMessage = fmt.Sprintf("%d of %d meetings failed; first: %s", len(failures), len(out.Meetings), failures[0])
	} else {
		r.LastMessage = fmt.Sprintf("%d meetings %s, %d skipped", r.SucceededMeeting, verb(a), r.SkippedMeeting)
	}
	return r
}

func verb(a Assignment) string {
	if a.Mailbox == "onprem" {
		return "rewritten (onprem: written back as files)"
	}
	return "rewritten"
}

// finish writes the report from the state store and sums up the run.
func finish(ctx context.Context, st *store.Store, batchID string, o RunOptions, sum Summary) (Summary, error) {
	users, err := st.Users(ctx, store.Filter{BatchID: batchID})
	if err != nil {
		return sum, err
	}
	var rows []report.User
	sum.Failed = 0
	for _, u := range users {
		rows = append(rows, report.User{UserID: u.UserID, State: u.State, MigrationType: u.MigrationType, TotalMeeting: u.TotalMeeting,
			SucceededMeeting: u.SucceededMeeting, FailedMeeting: u.FailedMeeting, SkippedMeeting: u.SkippedMeeting, InvitesUpdate: u.InvitesUpdate,
			RetryCount: u.RetryCount, LastMessage: u.LastMessage, CreateDate: u.CreatedAt, ModifiedDate: u.ModifiedAt, CorrelationID: u.CorrelationID})
		if u.State == store.Failed {
			sum.Failed++
		}
		sum.Updated += u.SucceededMeeting
		sum.Invites += u.InvitesUpdate
	}
	meetings := func(yield func(report.Meeting) error) error {
		return st.Meetings(ctx, batchID, func(m store.Meeting) error {
			return yield(report.Meeting{UserID: m.UserID, UID: m.UID, Summary: m.Summary, Start: m.Start, Attendees: m.Attendees,
				Outcome: m.Outcome, Reason: m.Reason, Provider: m.Provider, OldJoinURL: m.OldJoinURL, NewJoinURL: m.NewJoinURL})
		})
	}
	if err := report.WriteStream(o.Report, rows, meetings); err != nil {
		return sum, err
	}
	sum.Report = o.Report
	if strings.HasSuffix(strings.ToLower(o.Report), ".csv") {
		sum.Report += " and " + report.MeetingsCSV(o.Report)
	}
	return sum, nil
}
