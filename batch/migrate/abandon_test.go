package migrate

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mms-project/mms/batch/store"
)

// busyFor fails, as a relay answering 451 does, the update of one meeting
// with an error worth retrying, and captures the others.
type busyFor struct {
	captured
	uid string
}

func (b *busyFor) Send(ctx context.Context, m Message) (Delivery, error) {
	if m.UID == b.uid {
		return Delivery{}, errors.New("451 4.3.0 try again later")
	}
	return b.captured.Send(ctx, m)
}

// A user abandoned after its attempts (the relay kept refusing one
// meeting's update for a while) reports that meeting failed, not sent,
// and its calendar copy holds it as it was read; the meetings whose
// updates went out keep their rewrite.
func TestAbandonedUserPutsBackWhatWasNotSent(t *testing.T) {
	ctx := context.Background()
	journal := newJournal(t)
	src := attendeeCalendar(t)
	mailer := &busyFor{uid: skypeUID}
	w := sendingWorker(t, mailer)
	w.Journal = journal
	a := sendingAssignment(src)
	_, cause := w.Migrate(ctx, a)
	if cause == nil || store.IsPermanent(cause) {
		t.Fatalf("the attempt: %v, want an error worth retrying", cause)
	}
	if len(mailer.msgs) == 0 {
		t.Fatal("no other update went out")
	}
	res, err := w.Abandon(ctx, a, cause, 9)
	if err != nil {
		t.Fatal(err)
	}
	rewritten := map[string]bool{}
	for _, m := range res.Meetings {
		rewritten[m.UID] = m.Outcome == Updated
		if m.UID == skypeUID && (m.Outcome != Failed || m.Reason != KindNotSent || !strings.Contains(m.Detail, "its calendar copy is left as it was")) {
			t.Errorf("the meeting not sent: %s %s, Detail %q", m.Outcome, m.Reason, m.Detail)
		}
	}
	in := parseFile(t, src)
	written := string(mustRead(t, w.Calendars.(FileCalendars).Output(src, "")))
	for _, m := range in.Meetings() {
		if _, journaled := rewritten[m.UID]; !journaled {
			continue
		}
		if kept := strings.Contains(written, string(in.Original(m.First()))); kept == rewritten[m.UID] {
			t.Errorf("UID %s (updated %v): the copy holds it as it was: %v", m.UID, rewritten[m.UID], kept)
		}
	}
}

// A user abandoned after its attempts reports every meeting of its
// calendar, not only those it meant to rewrite: the ones it decided to
// leave keep their skip reason, and the counts add up to them all.
func TestAbandonedUserReportsEveryMeeting(t *testing.T) {
	ctx := context.Background()
	src := attendeeCalendar(t)
	mailer := &busyFor{uid: skypeUID}
	w := sendingWorker(t, mailer)
	w.Journal = newJournal(t)
	a := sendingAssignment(src)
	if _, cause := w.Migrate(ctx, a); cause == nil {
		t.Fatal("the attempt succeeded; want it to fail on one update")
	} else {
		res, err := w.Abandon(ctx, a, cause, 9)
		if err != nil {
			t.Fatal(err)
		}
		in := parseFile(t, src)
		got := map[string]string{}
		for _, m := range res.Meetings {
			got[m.UID] = m.Outcome
		}
		skipped := 0
		for _, m := range in.Meetings() {
			switch o, ok := got[m.UID]; {
			case !ok:
				t.Errorf("meeting %s is not in the abandoned user's rows", m.UID)
			case o == Skipped:
				skipped++
			}
		}
		if skipped == 0 {
			t.Error("no skipped meeting reported; the calendar has some")
		}
		if res.TotalMeeting != len(in.Meetings()) || res.SkippedMeeting != skipped ||
			res.SucceededMeeting+res.FailedMeeting+res.SkippedMeeting != res.TotalMeeting {
			t.Errorf("counts: total %d (calendar %d), succeeded %d, failed %d, skipped %d (rows %d)",
				res.TotalMeeting, len(in.Meetings()), res.SucceededMeeting, res.FailedMeeting, res.SkippedMeeting, skipped)
		}
	}
}
