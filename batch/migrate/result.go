package migrate

import (
	"fmt"
	"path/filepath"

	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/report"
)

// Result turns a user's outcome into the rows of the state store.
func Result(a Assignment, out UserOutcome, dryRun bool) store.Result {
	r := store.Result{State: store.Succeeded, MigrationType: a.MigrationType, InvitesUpdate: out.Invites, ServerInvites: out.ServerInvites}
	var failures []string
	filed := make(map[string]bool, len(out.Filed))
	for _, uid := range out.Filed {
		filed[uid] = true
	}
	for _, m := range out.Meetings {
		r.Meetings = append(r.Meetings, store.Meeting{Meeting: m, Completed: filed[m.UID]})
		if m.Outcome == Failed {
			why := m.Detail // the whole error; the Reason is its kind
			if why == "" {
				why = m.Reason
			}
			failures = append(failures, why)
		}
	}
	count(&r)
	if len(failures) > 0 {
		r.State = store.Failed
		r.LastMessage = fmt.Sprintf("%d of %s failed; first: %s", len(failures), counted(len(out.Meetings), "meeting"), failures[0])
	} else {
		r.LastMessage = fmt.Sprintf("%s %s, %d skipped", counted(r.SucceededMeeting, "meeting"), verb(a, dryRun), r.SkippedMeeting)
		if sent := alreadySent(out.Meetings); sent > 0 {
			// rewritten again in the calendar, not sent: "0 meetings
			// rewritten" beside rewritten calendars read as nothing done
			r.LastMessage += fmt.Sprintf(" (%d already sent by an earlier batch, not sent again)", sent)
		}
	}
	if a.Output != "" && a.Output != filepath.Base(a.Calendar) && !dryRun && r.SucceededMeeting > 0 {
		r.LastMessage += "; its calendar is written as calendars/" + filepath.ToSlash(a.Output) + " (another user's calendar has its name)"
	}
	for i, row := range out.Rejected {
		// Not "rejected row", which names a row of no user (exit 3):
		// this user ran, and says what of its rows found nothing; the
		// first few (a meetings file of a million rows for no meeting
		// made a message of megabytes, built in quadratic time).
		if i == maxNotApplied {
			r.LastMessage += fmt.Sprintf("; and %d more rows not applied", len(out.Rejected)-i)
			break
		}
		r.LastMessage += "; row not applied: " + row
	}
	for _, n := range a.Notes {
		r.LastMessage += "; " + n
	}
	return r
}

// count sets a result's meeting counts from its rows; every count of
// outcomes is made here. Updated, WouldUpdate and Restored succeeded,
// Failed failed, anything else was skipped.
func count(r *store.Result) {
	r.TotalMeeting, r.SucceededMeeting, r.FailedMeeting, r.SkippedMeeting = len(r.Meetings), 0, 0, 0
	for _, m := range r.Meetings {
		switch m.Outcome {
		case Updated, WouldUpdate, Restored:
			r.SucceededMeeting++
		case Failed:
			r.FailedMeeting++
		default:
			r.SkippedMeeting++
		}
	}
}

// maxNotApplied is how many meetings-file rows not applied a user's
// LastMessage names.
const maxNotApplied = 10

func alreadySent(ms []report.Meeting) int {
	n := 0
	for _, m := range ms {
		if m.Reason == AlreadySent {
			n++
		}
	}
	return n
}

func verb(a Assignment, dryRun bool) string {
	if dryRun {
		return "would be rewritten (dry run: nothing written or sent)"
	}
	if a.Mailbox == "onprem" {
		return "rewritten (onprem: written back as files)"
	}
	return "rewritten"
}
