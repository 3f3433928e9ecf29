package migrate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/report"
)

// Result counts every outcome once, in the one place outcomes are
// counted: rewritten, would-be-rewritten and restored succeed.
func TestResultCounts(t *testing.T) {
	rows := func(outcomes ...string) UserOutcome {
		var out UserOutcome
		for i, o := range outcomes {
			out.Meetings = append(out.Meetings, report.Meeting{UserID: "a@contoso.com", UID: string(rune('a' + i)), Outcome: o, Reason: "why " + o})
		}
		out.Invites = 2
		return out
	}
	r := Result(Assignment{MigrationType: "ToTeams"}, rows(Updated, WouldUpdate, Restored, Skipped, "not-source-meeting-type"), false)
	if r.State != store.Succeeded || r.TotalMeeting != 5 || r.SucceededMeeting != 3 || r.SkippedMeeting != 2 || r.FailedMeeting != 0 || r.InvitesUpdate != 2 || r.MigrationType != "ToTeams" {
		t.Errorf("%+v", r)
	}
	if len(r.Meetings) != 5 || r.Meetings[3].UID != "d" || r.Meetings[3].UserID != "a@contoso.com" {
		t.Errorf("rows %+v", r.Meetings)
	}
	r = Result(Assignment{}, rows(Updated, Failed, Failed), false)
	if r.State != store.Failed || r.FailedMeeting != 2 || r.SucceededMeeting != 1 || !strings.Contains(r.LastMessage, "2 of 3 meetings failed; first: why failed") {
		t.Errorf("%+v", r)
	}
}

// What of the user's changes was not taken is said in LastMessage.
func TestResultSaysTheAssignmentsNotes(t *testing.T) {
	a := Assignment{User: "anna@contoso.com", Notes: []string{"changes file line 2: dialin-disabled removes the dial-in, so the conference_id, numbers and dialin_url it gives are ignored"}}
	r := Result(a, UserOutcome{}, false)
	if !strings.HasSuffix(r.LastMessage, "; "+a.Notes[0]) {
		t.Errorf("LastMessage %q", r.LastMessage)
	}
}

// A user whose meetings were all sent by an earlier batch says so: "0
// meetings rewritten" beside its rewritten calendar read as nothing done
// (an audit).
func TestResultSaysAlreadySent(t *testing.T) {
	out := UserOutcome{Meetings: []report.Meeting{
		{UID: "a", Outcome: Skipped, Reason: AlreadySent}, {UID: "b", Outcome: Skipped, Reason: AlreadySent}, {UID: "c", Outcome: Skipped, Reason: "past"},
	}}
	if r := Result(Assignment{}, out, false); r.LastMessage != "0 meetings rewritten, 3 skipped (2 already sent by an earlier batch, not sent again)" {
		t.Errorf("LastMessage %q", r.LastMessage)
	}
	out.Meetings = out.Meetings[2:]
	if r := Result(Assignment{}, out, false); r.LastMessage != "0 meetings rewritten, 1 skipped" {
		t.Errorf("LastMessage %q", r.LastMessage)
	}
}

// The meetings-file rows not applied are named up to maxNotApplied, then
// counted (an audit: a million made a message of megabytes, in quadratic
// time).
func TestResultBoundsRowsNotApplied(t *testing.T) {
	var out UserOutcome
	for i := range maxNotApplied + 5 {
		out.Rejected = append(out.Rejected, fmt.Sprintf("meetings.csv:%d: not in the calendar", i+2))
	}
	r := Result(Assignment{}, out, false)
	if strings.Count(r.LastMessage, "row not applied") != maxNotApplied || !strings.HasSuffix(r.LastMessage, "; and 5 more rows not applied") {
		t.Errorf("LastMessage %q", r.LastMessage)
	}
}
