package batch

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/store"
)

// TestReportSaysWhatItIs: the HTML report of a run and of its rollback
// open with the heading: kind, batch, --now, inputs, mms version; the
// rollback's meetings are restored.
func TestReportSaysWhatItIs(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	o.Report = filepath.Join(t.TempDir(), "preview.html")
	var events []Event
	var mu sync.Mutex // Events comes from the workers, at once
	o.Events = func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() }
	sum, err := Run(ctx, o)
	if err != nil || sum.Updated == 0 || sum.Report != o.Report {
		t.Fatalf("run: %+v %v", sum, err)
	}
	page := read(t, o.Report)
	users, _ := filepath.Abs(o.Users)
	for _, want := range []string{sum.BatchID, ">run<", "2026-01-15T09:00:00Z", users, Version()} {
		if !strings.Contains(page, want) {
			t.Errorf("the run's preview lacks %q", want)
		}
	}
	if !said(events, ReadingInputs, o.Users) || !said(events, WritingReport, o.Report) {
		t.Errorf("events lack reading the inputs or writing the report: %+v", events)
	}
	// The preview shows each updated meeting's blocks and mail, read back
	// from the state store, where they are kept packed.
	st, err := store.Open(ctx, o.DB)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := st.UserMeetings(ctx, sum.BatchID, "user00000@contoso.com")
	st.Close()
	shown := 0
	for _, m := range ms {
		if m.Outcome != "updated" {
			continue
		}
		for _, text := range []string{m.OldBlock, m.NewBlock, m.MailText} {
			j, _ := json.Marshal(text)
			if text == "" || !strings.Contains(page, string(j)) {
				t.Errorf("meeting %s: the preview lacks %.60s", m.UID, j)
			}
		}
		shown++
	}
	if err != nil || shown == 0 {
		t.Errorf("no updated meeting of user00000 to look for (%v)", err)
	}
	rbReport := filepath.Join(t.TempDir(), "rollback.html")
	rb, err := Rollback(ctx, RollbackOptions{DB: o.DB, BatchID: sum.BatchID[:8], Report: rbReport})
	if err != nil || rb.Of != sum.BatchID {
		t.Fatalf("rollback by a prefix of the id: %+v %v", rb, err)
	}
	page = read(t, rbReport)
	for _, want := range []string{rb.BatchID, ">rollback<", "restores what batch " + sum.BatchID, ">restored<", "as before batch " + sum.BatchID} {
		if !strings.Contains(page, want) {
			t.Errorf("the rollback's preview lacks %q", want)
		}
	}
}

// said reports whether an event of kind named file.
func said(events []Event, kind EventKind, file string) bool {
	for _, e := range events {
		if e.Kind == kind && len(e.Files) > 0 && e.Files[0] == file {
			return true
		}
	}
	return false
}

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestRollbackDryRun: rollback --dry-run says what would be restored,
// writes its report, and writes, sends and records nothing else.
func TestRollbackDryRun(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	sum, err := Run(ctx, o)
	if err != nil || sum.Updated == 0 {
		t.Fatalf("run: %+v %v", sum, err)
	}
	before := sums(t, o.Out)
	report := filepath.Join(t.TempDir(), "would.csv")
	rb, err := Rollback(ctx, RollbackOptions{DB: o.DB, BatchID: "last", DryRun: true, Report: report})
	if err != nil || !rb.DryRun || rb.BatchID != "" || rb.Of != sum.BatchID {
		t.Fatalf("dry-run rollback: %+v %v", rb, err)
	}
	restored, sent := 0, 0
	for _, u := range rb.Users {
		restored, sent = restored+u.SucceededMeeting, sent+u.InvitesUpdate
		if u.State != store.Succeeded { // as a run's dry run says them
			t.Errorf("%s would be restored: %s, want Succeeded", u.UserID, u.State)
		}
	}
	if restored != sum.Updated || sent != sum.Invites {
		t.Errorf("would restore %d meetings and send %d updates; the run updated %d and sent %d", restored, sent, sum.Updated, sum.Invites)
	}
	if after := sums(t, o.Out); len(after) != len(before) {
		t.Errorf("the dry run changed the output: %d files, was %d", len(after), len(before))
	} else {
		for name, sum := range before {
			if after[name] != sum {
				t.Errorf("the dry run changed %s", name)
			}
		}
	}
	page := read(t, filepath.Join(filepath.Dir(report), "would.meetings.csv"))
	if n := strings.Count(page, ",would-update,"); n != restored || strings.Contains(page, ",restored,") {
		t.Errorf("the dry run's report lists %d meetings that would be restored, want %d, none said restored:\n%s", n, restored, page)
	}
	if n := strings.Count(page, "as before batch "+sum.BatchID+": "); n != restored || !strings.Contains(page, " -> ") {
		t.Errorf("the dry run's Changes say what would change back (old -> new) in %d rows, want %d:\n%s", n, restored, page)
	}
	st, err := store.Open(ctx, o.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if list, err := st.Batches(ctx); err != nil || len(list) != 1 {
		t.Errorf("the dry run recorded a batch: %d batches, %v", len(list), err)
	}
}

// TestPilot: run --user runs a batch of just those users, named by
// primary address or alias in any case; a name the users file lacks is
// bad input.
func TestPilot(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	o.Only = []string{"Anna.Berg@contoso.com", "user00001@contoso.com"}
	sum, err := Run(ctx, o)
	if err != nil || sum.Users != 2 || sum.Triggered == 0 {
		t.Fatalf("pilot of two users: %+v %v", sum, err)
	}
	st, err := store.Open(ctx, o.DB)
	if err != nil {
		t.Fatal(err)
	}
	users, err := st.Users(ctx, store.Filter{BatchID: sum.BatchID})
	st.Close()
	if err != nil || len(users) != 2 || users[0].UserID != "user00000@contoso.com" || users[1].UserID != "user00001@contoso.com" {
		t.Errorf("the pilot's users: %+v %v", users, err)
	}
	o = demoOptions(t)
	o.Only, o.Report = []string{"user00001@contoso.com"}, filepath.Join(t.TempDir(), "pilot.html")
	if _, err := Run(ctx, o); err != nil {
		t.Fatal(err)
	}
	if page := read(t, o.Report); !strings.Contains(page, "a pilot of only user00001@contoso.com") {
		t.Error("the pilot's preview does not say it is one")
	}
	o = demoOptions(t)
	o.Only = []string{"nobody@contoso.com"}
	if _, err := Run(ctx, o); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "--user nobody@contoso.com") {
		t.Errorf("a user the file lacks: %v", err)
	}
}

// TestAllPast: a run whose meetings are all past counts them, for
// the command's warning; meetings of other organisers are not counted.
func TestAllPast(t *testing.T) {
	o := demoOptions(t)
	o.Now = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	sum, err := Run(context.Background(), o)
	if err != nil || sum.Past == 0 || sum.Past != sum.Meetings || sum.Updated != 0 {
		t.Fatalf("all past: %+v %v", sum, err)
	}
	o = demoOptions(t)
	if sum, err = Run(context.Background(), o); err != nil || sum.Past >= sum.Meetings {
		t.Fatalf("some future: %+v %v", sum, err)
	}
}

// TestResumedCountsDone: a resumed batch starts at the users done before.
func TestResumedCountsDone(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "mms.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b, err := st.NewBatch(ctx, store.Batch{})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Enqueue(ctx, b.ID, []store.User{{UserID: "a@x", State: store.Succeeded}, {UserID: "b@x", State: store.Failed},
		{UserID: "c@x", State: store.InProgress}, {UserID: "d@x", State: store.NotTriggered}})
	if err != nil {
		t.Fatal(err)
	}
	e, err := startedEvent(ctx, st, b.ID, true)
	if err != nil || e.Total != 3 || e.Done != 2 || !e.Resumed {
		t.Errorf("resumed: %+v %v", e, err)
	}
	if e, _ := startedEvent(ctx, st, b.ID, false); e.Total != 1 || e.Done != 0 {
		t.Errorf("new: %+v", e)
	}
}

// TestReportNames: .xlsx, .csv and .html reports; anything else refused.
func TestReportNames(t *testing.T) {
	for name, ok := range map[string]bool{"r.xlsx": true, "R.CSV": true, "p.html": true, "r.txt": false, "r": false} { // run, start
		o := demoOptions(t)
		o.Report = name
		err := o.WithDefaults().Validate()
		if (err == nil) != ok || !ok && !strings.Contains(err.Error(), ".html") {
			t.Errorf("--report %s: %v", name, err)
		}
		err = StartOptions{User: "a@contoso.com", Report: name}.Validate()
		if (err == nil) != ok {
			t.Errorf("start --report %s: %v", name, err)
		}
		if !ok { // refused before the store is opened
			if _, err := Rollback(context.Background(), RollbackOptions{BatchID: "last", Report: name, DB: filepath.Join(t.TempDir(), "none.db")}); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), ".html") {
				t.Errorf("rollback --report %s: %v", name, err)
			}
		}
	}
}

// TestReportMeetingFields: the report's meeting rows say the rule of a
// series, the evidence of a skip, what changed, and, for the preview, the block before and after
// and the mail's text; they come back from the state store.
func TestReportMeetingFields(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	sum, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, o.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ms, err := st.UserMeetings(ctx, sum.BatchID, "user00000@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	var series, skype bool
	for _, m := range ms {
		if m.Outcome != "updated" {
			continue
		}
		if m.Changes == "" || m.OldBlock == "" || m.NewBlock == "" || m.OldBlock == m.NewBlock || !strings.Contains(m.MailText, m.NewJoinURL) {
			t.Errorf("meeting %s: changes %q, blocks %q -> %q, mail %q", m.UID, m.Changes, m.OldBlock, m.NewBlock, m.MailText)
		}
		series = series || m.Recurrence == "FREQ=WEEKLY;COUNT=8"
		if !m.End.After(m.Start) || m.End.Sub(m.Start) > 24*time.Hour {
			t.Errorf("meeting %s: %s to %s", m.UID, m.Start, m.End)
		}
		if strings.HasPrefix(m.Changes, "provider skype -> teams; conference ID 100 000 001 -> 500 000 000;") &&
			strings.HasSuffix(m.Changes, "join link "+m.OldJoinURL+" -> "+m.NewJoinURL) && strings.Contains(m.OldBlock, "meet.lync.com") {
			skype = true
		}
	}
	if !series || !skype {
		t.Errorf("no weekly series (%v) or Skype meeting's changes (%v) among %d meetings", series, skype, len(ms))
	}
	rows := read(t, filepath.Join(filepath.Dir(o.Report), "r.meetings.csv"))
	if !strings.Contains(rows, ",FREQ=WEEKLY;COUNT=8,") || !strings.Contains(rows, "join link kept") ||
		!strings.Contains(rows, ",past,last occurrence ") {
		t.Errorf("the CSV report lacks Recurrence or Changes:\n%.2000s", rows)
	}
}

// A user no change triggered is migrated by hand, as its LastMessage says
// (mms start --user U --calendar FILE --join-url URL, then mms work),
// without giving --out again: the last real batch that listed it gives it
// (not a later dry run's).
func TestStartByHandTakesOutFromTheBatch(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	dir := filepath.Dir(o.Report)
	o.Users, o.Changes = fourUsers(t, dir, "500007919")
	changes, _ := os.ReadFile(o.Changes)
	lines := strings.Split(string(changes), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "user00002@") {
			f := strings.Split(l, ",")
			f[1] = "sip-address-changed"
			lines[i] = strings.Join(f, ",")
		}
	}
	os.WriteFile(o.Changes, []byte(strings.Join(lines, "\n")), 0o644)
	if _, err := Run(ctx, o); err != nil {
		t.Fatal(err)
	}
	dry := o // a later dry run, whose settings were never used
	dry.DryRun, dry.Out, dry.Send = true, filepath.Join(dir, "dry-out"), "none"
	if _, err := Run(ctx, dry); err != nil {
		t.Fatal(err)
	}
	cal := abs("../fixtures/demo/calendars/user00002.ics")
	s, err := Start(ctx, StartOptions{User: "user00002@contoso.com", Calendar: cal, JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/0", Now: demoNow, DB: o.DB})
	if err != nil {
		t.Fatalf("start by hand without --out: %v", err)
	}
	if s.From != "" {
		t.Errorf("a start by hand said it took the rows of batch %s", s.From)
	}
	if _, err := Work(ctx, WorkOptions{DB: o.DB, BatchID: s.BatchID, Tuning: o.Tuning}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(o.Out, "calendars", "user00002.ics")); err != nil {
		t.Errorf("the calendar rewritten by hand is not in the batch's --out: %v", err)
	}
}
