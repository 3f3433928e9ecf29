package batch

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/report"
)

// rollbackDryRun says what a rollback of batch of would do, from the same
// checks of the output calendars as they are now (migrate.Rollback's
// Preview): every meeting it would restore and the update each would send,
// and those it would leave, and why. Nothing is written, sent or recorded;
// the report, when asked for, is a dry run's.
func rollbackDryRun(ctx context.Context, st *store.Store, o RollbackOptions, of store.Batch, set Settings) (RolledBack, error) {
	started := time.Now()
	stamp := o.Now
	if stamp.IsZero() {
		stamp = o.Clock()
	}
	r := migrate.Rollback{Store: st, Of: of.ID, Stamp: stamp, Out: set.Out, OfStamp: of.Stamp, OfCreated: of.CreatedAt}
	send := set.Send
	if o.Send != "" {
		send = o.Send
	}
	users, err := toRollBack(ctx, st, o, of)
	if rb, ok, rerr := st.ResumableRollback(ctx, of.ID, o.User); rerr != nil {
		return RolledBack{}, rerr
	} else if ok {
		// A rollback that stopped goes on: the dry run says what the same
		// command would do, from where it stopped (its journal, its time,
		// its --send, the users it has not finished).
		users, err = unfinished(ctx, st, rb)
		r.BatchID, r.Stamp = rb.ID, rb.Stamp
		if rset, serr := batchSettings(rb); serr == nil && rset.Send != "" {
			send = rset.Send
		}
	}
	if done, ok := already(of, err); ok {
		done.DryRun = true
		return done, nil
	}
	if err != nil {
		return RolledBack{}, err
	}
	out := RolledBack{Of: of.ID, DryRun: true}
	var rows []report.User
	var meetings []report.Meeting
	for _, u := range users {
		res := r.Preview(ctx, u.UserID) // the rollback's own checks of the calendar as it is now
		// Succeeded, as a run's dry run reports a user it would migrate
		would := store.User{BatchID: of.ID, UserID: u.UserID, Display: u.Display, State: store.Succeeded, MigrationType: "Rollback", CreatedAt: started, ModifiedAt: started}
		for _, m := range res.Meetings {
			m.UserID = u.Shown()
			meetings = append(meetings, m.Meeting)
			would.TotalMeeting++
			switch m.Outcome {
			case migrate.WouldUpdate:
				would.SucceededMeeting++
				if send != "none" { // each restored meeting's attendees get one update
					would.InvitesUpdate++
				}
			case migrate.Failed:
				would.FailedMeeting++
			default:
				would.SkippedMeeting++
			}
		}
		switch {
		case res.State == store.Failed:
			would.State, would.LastMessage = store.Failed, res.LastMessage
		case would.FailedMeeting > 0:
			would.State = store.Failed
			would.LastMessage = fmt.Sprintf("would restore %s; %s would fail (dry run)", plural(would.SucceededMeeting, "meeting"), plural(would.FailedMeeting, "meeting"))
		default:
			would.LastMessage = fmt.Sprintf("would restore %s (dry run)", plural(would.SucceededMeeting, "meeting"))
		}
		out.Users = append(out.Users, would)
		rows = append(rows, report.User{UserID: would.Shown(), State: would.State, MigrationType: would.MigrationType, TotalMeeting: would.TotalMeeting,
			SucceededMeeting: would.SucceededMeeting, FailedMeeting: would.FailedMeeting, SkippedMeeting: would.SkippedMeeting,
			InvitesUpdate: would.InvitesUpdate, LastMessage: would.LastMessage, CreateDate: started, ModifiedDate: started})
	}
	if o.Report == "" {
		return out, nil
	}
	h := report.Heading{BatchID: of.ID, Kind: "rollback (dry run)", Now: r.Stamp, Started: started, Finished: time.Now(), Version: Version(),
		Inputs: []string{"batch " + of.ID}, Notes: []string{"rollback of batch " + of.ID + " as a dry run: the meetings marked would-update would be restored; nothing was written or sent"}}
	o.Tuning.withDefaults().Events(Event{Kind: WritingReport, Files: []string{o.Report}})
	if err := report.Write(o.Report, h, rows, meetings); err != nil {
		return out, err
	}
	out.Report = o.Report
	return out, nil
}

// plural is "1 meeting", "2 meetings".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// unfinished returns the users a stopped rollback has not finished.
func unfinished(ctx context.Context, st *store.Store, rb store.Batch) ([]store.User, error) {
	users, err := st.Users(ctx, store.Filter{BatchID: rb.ID})
	return slices.DeleteFunc(users, func(u store.User) bool { return u.State == store.Succeeded || u.State == store.Failed }), err
}
