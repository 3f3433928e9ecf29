package batch

import (
	"context"
	"fmt"
	"time"

	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/report"
)

// rollbackDryRun says, from the journal of batch of, what a rollback would
// restore: every meeting whose bytes before the batch are kept, and the
// update each would send. Nothing is written, sent or recorded; the report,
// when asked for, is a dry run's.
func rollbackDryRun(ctx context.Context, st *store.Store, o RollbackOptions, of store.Batch, set Settings) (RolledBack, error) {
	started := time.Now()
	users, err := toRollBack(ctx, st, o, of)
	if done, ok := already(of, err); ok {
		done.DryRun = true
		return done, nil
	}
	if err != nil {
		return RolledBack{}, err
	}
	out := RolledBack{Of: of.ID, DryRun: true}
	send := set.Send
	if o.Send != "" {
		send = o.Send
	}
	var rows []report.User
	var meetings []report.Meeting
	for _, u := range users {
		ms, err := st.UserMeetings(ctx, of.ID, u.UserID)
		if err != nil {
			return RolledBack{}, err
		}
		would := store.User{BatchID: of.ID, UserID: u.UserID, Display: u.Display, State: store.Pending, MigrationType: "Rollback", CreatedAt: started, ModifiedAt: started}
		if _, err := migrate.Restorable(u.UserID, u.Payload, of.ID); err != nil {
			ms = nil // the rollback would fail this user, as it says
			would.State, would.LastMessage = store.Failed, "would fail: "+err.Error()
		}
		for _, m := range ms {
			if len(m.Original) == 0 {
				continue // never rewritten: nothing to take back
			}
			row := report.Meeting{UserID: u.Shown(), UID: m.UID, Summary: m.Summary, Start: m.Start, Attendees: m.Attendees,
				Outcome: migrate.WouldUpdate, Provider: m.Provider, OldJoinURL: m.NewJoinURL, NewJoinURL: m.OldJoinURL}
			migrate.RestoredView(&row, m.Meeting, of.ID) // as the rollback's own row will say
			meetings = append(meetings, row)
			would.TotalMeeting++
			would.SucceededMeeting++
			if send != "none" { // each restored meeting's attendees get one update
				would.InvitesUpdate++
			}
		}
		if would.State != store.Failed {
			would.LastMessage = fmt.Sprintf("would restore %s (dry run)", plural(would.SucceededMeeting, "meeting"))
		}
		out.Users = append(out.Users, would)
		rows = append(rows, report.User{UserID: would.Shown(), State: would.State, MigrationType: would.MigrationType, TotalMeeting: would.TotalMeeting,
			SucceededMeeting: would.SucceededMeeting, InvitesUpdate: would.InvitesUpdate, LastMessage: would.LastMessage,
			CreateDate: started, ModifiedDate: started})
	}
	if o.Report == "" {
		return out, nil
	}
	h := report.Heading{BatchID: of.ID, Kind: "rollback (dry run)", Now: o.Now, Started: started, Finished: time.Now(), Version: Version(),
		Inputs: []string{"batch " + of.ID}, Notes: []string{"rollback of batch " + of.ID + " as a dry run: the meetings marked would-update would be restored; nothing was written or sent"}}
	if h.Now.IsZero() {
		h.Now = o.Clock()
	}
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
