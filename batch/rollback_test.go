package batch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/internal/pgtest"
)

// TestRollbackResumes: a rollback whose updates cannot be sent stops,
// with the calendar already restored; the same command started again
// sends each update once and restores nothing twice.
func TestRollbackResumes(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	sum, err := Run(ctx, o)
	if err != nil || sum.Updated == 0 {
		t.Fatalf("run: %+v %v", sum, err)
	}
	outbox := filepath.Join(o.Out, "outbox")
	sent, _ := filepath.Glob(filepath.Join(outbox, "user00000*.eml"))
	unblock := blockOutbox(t, outbox)
	// --batch last, both times: the second time the latest batch is the
	// stopped rollback, which the same command finishes (found by an
	// audit: it was refused as "itself a rollback").
	ro := RollbackOptions{DB: o.DB, BatchID: "last", User: "user00000@contoso.com", Now: time.Date(2026, 1, 16, 9, 0, 0, 0, time.UTC)}
	first, err := Rollback(ctx, ro)
	if err == nil || !strings.Contains(err.Error(), "run the same mms rollback again") {
		t.Fatalf("rollback with the outbox blocked: %v", err)
	}
	restored, _ := os.ReadFile(filepath.Join(o.Out, "calendars", "user00000.ics"))
	unblock()
	ro.Now = time.Time{} // started again later: the batch's own stamp is kept
	again, err := Rollback(ctx, ro)
	if err != nil || !again.Resumed || again.BatchID != first.BatchID || len(again.Users) != 1 {
		t.Fatalf("rollback started again: %+v %v", again, err)
	}
	u := again.Users[0]
	if u.SucceededMeeting != len(sent) || u.InvitesUpdate != len(sent) {
		t.Errorf("resumed rollback: %d restored, %d sent; want %d of each", u.SucceededMeeting, u.InvitesUpdate, len(sent))
	}
	all, _ := filepath.Glob(filepath.Join(outbox, "user00000*.eml"))
	if len(all) != 2*len(sent) {
		t.Errorf("%d messages for the user, want %d: the run's and one per restored meeting", len(all), 2*len(sent))
	}
	if now, _ := os.ReadFile(filepath.Join(o.Out, "calendars", "user00000.ics")); string(now) != string(restored) {
		t.Error("the resumed rollback changed the calendar again")
	}
	// Its updates carry what it restored, as an uninterrupted rollback's
	// would: not the series' past instance it left as it was (found by an
	// audit: each carried it, with its old SEQUENCE and DTSTAMP).
	for _, f := range all {
		if slices.Contains(sent, f) {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		req, err := ics.Parse(f, []byte(parseMail(t, data).ics))
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range req.Components("VEVENT") {
			if p, _ := ev.Prop("DTSTAMP"); p.Value != "20260116T090000Z" {
				rid, _ := ev.Prop("RECURRENCE-ID")
				t.Errorf("%s: the resumed rollback's update carries a component it did not restore (RECURRENCE-ID %q, DTSTAMP %q)", filepath.Base(f), rid.Value, p.Value)
			}
		}
	}
}

// TestRollbackOnce: on SQLite and PostgreSQL, a batch rolled back for one
// user, then for all, restores each user once; rolled back whole, a dry
// run and a rollback of it again name the rollback that
// did it, do nothing: nothing more is written, sent or recorded.
func TestRollbackOnce(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			o := demoOptions(t)
			if engine == "postgres" {
				o.DB = pgtest.Start(t) // skips without a server (fails under CI=true)
			}
			testRollbackOnce(t, o)
		})
	}
}

func testRollbackOnce(t *testing.T, o RunOptions) {
	ctx := context.Background()
	sum, err := Run(ctx, o)
	if err != nil || sum.Updated == 0 {
		t.Fatalf("run: %+v %v", sum, err)
	}
	one, err := Rollback(ctx, RollbackOptions{DB: o.DB, BatchID: sum.BatchID, User: "user00000@contoso.com"})
	if err != nil || len(one.Users) != 1 {
		t.Fatalf("rollback of one user: %+v %v", one, err)
	}
	would, err := Rollback(ctx, RollbackOptions{DB: o.DB, BatchID: sum.BatchID, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range would.Users {
		if u.UserID == "user00000@contoso.com" {
			t.Errorf("the dry run would restore %s again", u.UserID)
		}
	}
	rest, err := Rollback(ctx, RollbackOptions{DB: o.DB, BatchID: sum.BatchID})
	if err != nil || len(rest.Users) != len(would.Users) || len(rest.Users) == 0 {
		t.Fatalf("rollback of the rest: %d users, %v; the dry run said %d", len(rest.Users), err, len(would.Users))
	}
	for _, m := range batchMeetings(t, o.DB, rest.BatchID) {
		if m.Outcome == migrate.Restored && (!strings.HasPrefix(m.Changes, "as before batch "+sum.BatchID+": ") || !strings.Contains(m.Changes, " -> ")) {
			t.Errorf("%s restored, Changes %q: want what it changed back, old -> new", m.UID, m.Changes)
		}
	}
	restored := 0
	for _, rb := range []RolledBack{one, rest} {
		for _, u := range rb.Users {
			restored += u.SucceededMeeting
		}
	}
	if restored != sum.Updated {
		t.Errorf("%d meetings restored in all, the run updated %d", restored, sum.Updated)
	}
	outbox := sums(t, o.Out)
	for _, dry := range []bool{true, false} {
		again, err := Rollback(ctx, RollbackOptions{DB: o.DB, BatchID: sum.BatchID, DryRun: dry})
		if err != nil || again.Already == nil || again.Already.ID != rest.BatchID || len(again.Users) != 0 || again.BatchID != "" {
			t.Errorf("rollback (dry run %v) of a batch rolled back: %+v %v; want nothing done, naming rollback %s", dry, again, err, rest.BatchID)
		}
	}
	if after := sums(t, o.Out); len(after) != len(outbox) {
		t.Errorf("rolling back again wrote %d files", len(after)-len(outbox))
	}
	st, err := OpenStore(ctx, o.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if list, err := st.Batches(ctx); err != nil || len(list) != 3 {
		t.Errorf("%d batches recorded, want the run and two rollbacks (%v)", len(list), err)
	}
}

// TestMigrateAgainAfterRollback: after a batch is rolled back, the same
// run says so and sends nothing; --again over the exports from before
// fails each meeting as stale (the rollback's update has a higher
// SEQUENCE: attendees would ignore the new one), sending nothing; a run
// over the calendars the rollback wrote migrates them anew, one above the
// rollback's SEQUENCE, each update under a Message-ID of its own; the
// same run again sends nothing (already-sent).
func TestMigrateAgainAfterRollback(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	first, err := Run(ctx, o)
	if err != nil || first.Updated == 0 {
		t.Fatalf("run: %+v %v", first, err)
	}
	firstIDs := outboxIDs(t, o.Out)
	rb, err := Rollback(ctx, RollbackOptions{DB: o.DB, BatchID: first.BatchID})
	if err != nil || len(rb.Users) == 0 {
		t.Fatalf("rollback: %+v %v", rb, err)
	}
	sent := outboxIDs(t, o.Out)
	if len(sent) != 2*first.Updated {
		t.Fatalf("the rollback wrote %d updates, the run %d", len(sent)-len(firstIDs), first.Updated)
	}

	same, err := Run(ctx, o)
	if err != nil || !same.Reopened || same.RolledBack != len(rb.Users) || len(same.Warnings) != 1 || !strings.Contains(same.Warnings[0], "was rolled back") || !strings.Contains(same.Warnings[0], "fresh export") {
		t.Fatalf("the same run after the rollback: %+v %v; want it to say the batch was rolled back and how to migrate again", same, err)
	}

	again := o
	again.Again = true
	sum, err := Run(ctx, again)
	if err != nil || sum.Invites != 0 || sum.Failed != first.Triggered {
		t.Fatalf("--again over the old exports: %+v %v; want every triggered user failed, nothing sent", sum, err)
	}
	for _, m := range batchMeetings(t, o.DB, sum.BatchID) {
		if m.Outcome == migrate.Failed && (m.Reason != migrate.KindStale || !strings.Contains(m.Detail, "the rollback "+rb.BatchID[:8]+" sent its attendees an update of SEQUENCE")) {
			t.Errorf("%s: %s %s", m.UID, m.Reason, m.Detail)
		}
		if m.Outcome == migrate.Updated {
			t.Errorf("%s updated from a calendar older than the rollback's update", m.UID)
		}
	}
	if n := len(outboxIDs(t, o.Out)); n != len(sent) {
		t.Errorf("--again over the old exports wrote %d updates", n-len(sent))
	}

	// The calendars the rollback wrote, as the next batch's input.
	users := filepath.Join(o.Out, "users.csv")
	data, err := os.ReadFile(o.Users)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(users, data, 0o644) // its calendars/ paths now name the rollback's files
	next := o
	next.Users, next.Out, next.Report = users, filepath.Join(t.TempDir(), "out"), filepath.Join(t.TempDir(), "r.csv")
	sum, err = Run(ctx, next)
	if err != nil || sum.Failed != 0 || sum.Updated != first.Updated {
		t.Fatalf("a run over the rollback's calendars: %+v %v", sum, err)
	}
	for name, seq := range outboxSequences(t, next.Out) {
		if seq < 3 || sent[name] {
			t.Errorf("%s: SEQUENCE %d (the rollback's was 2), a Message-ID sent before: %v", name, seq, sent[name])
		}
	}
	next.Out = filepath.Join(t.TempDir(), "out")
	if sum, err = Run(ctx, next); err != nil || sum.Invites != 0 || sum.Failed != 0 {
		t.Errorf("the same run again: %+v %v; want nothing sent (already-sent)", sum, err)
	}
}

// outboxIDs names the outbox's files.
func outboxIDs(t *testing.T, out string) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	for name := range outboxSequences(t, out) {
		ids[name] = true
	}
	return ids
}

// outboxSequences is each outbox message's SEQUENCE (its first), by file.
func outboxSequences(t *testing.T, out string) map[string]int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(out, "outbox", "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	seqs := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cal := parseMail(t, data).ics
		i := strings.Index(cal, "\r\nSEQUENCE:")
		if i < 0 {
			t.Fatalf("%s: no SEQUENCE", f)
		}
		rest := cal[i+len("\r\nSEQUENCE:"):]
		n, err := strconv.Atoi(rest[:strings.Index(rest, "\r\n")])
		if err != nil {
			t.Fatal(err)
		}
		seqs[filepath.Base(f)] = n
	}
	return seqs
}

// TestSeriesOfMixedSequencesSentOnce: a series whose master has SEQUENCE 3
// and whose future instance has none is sent once: the same inputs in a
// new batch of the same store find it already sent, not stale (the
// instance's lower SEQUENCE is its own, not below what was sent for it).
func TestSeriesOfMixedSequencesSentOnce(t *testing.T) {
	ctx := context.Background()
	dir := copyDemo(t)
	path := filepath.Join(dir, "calendars", "user00000.ics")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cal := string(data)
	master := strings.Index(cal, "RRULE:FREQ=WEEKLY;COUNT=8\r\nSEQUENCE:0\r\n")
	future := strings.Index(cal, "RECURRENCE-ID;TZID=\"W. Europe Standard Time\":20260122T100000\r\nSEQUENCE:0\r\n")
	if master < 0 || future < 0 {
		t.Fatal("the demo's series changed")
	}
	cal = strings.Replace(cal, "RECURRENCE-ID;TZID=\"W. Europe Standard Time\":20260122T100000\r\nSEQUENCE:0\r\n", "RECURRENCE-ID;TZID=\"W. Europe Standard Time\":20260122T100000\r\n", 1)
	cal = strings.Replace(cal, "RRULE:FREQ=WEEKLY;COUNT=8\r\nSEQUENCE:0\r\n", "RRULE:FREQ=WEEKLY;COUNT=8\r\nSEQUENCE:3\r\n", 1)
	os.WriteFile(path, []byte(cal), 0o644)
	o := demoOptions(t)
	o.Users, o.Changes = filepath.Join(dir, "users.csv"), filepath.Join(dir, "changes.csv")
	first, err := Run(ctx, o)
	if err != nil || first.Failed != 0 || first.Invites == 0 {
		t.Fatalf("first run: %+v %v", first, err)
	}
	o.Out = filepath.Join(t.TempDir(), "out")
	second, err := Run(ctx, o)
	if err != nil || second.Failed != 0 || second.Invites != 0 {
		t.Errorf("the same inputs in a new batch: %+v %v; want nothing failed, nothing sent", second, err)
	}
}

// A rollback's --user may name a user by an alias of the users file, as
// run --user and status --user may (found by an audit: it said the batch
// rewrote no meeting for it).
func TestRollbackUserByAlias(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	sum, err := Run(ctx, o)
	if err != nil || sum.Updated == 0 {
		t.Fatalf("run: %+v %v", sum, err)
	}
	rb, err := Rollback(ctx, RollbackOptions{DB: o.DB, BatchID: sum.BatchID, User: "Anna.Berg@contoso.com", Now: time.Date(2026, 1, 16, 9, 0, 0, 0, time.UTC)})
	if err != nil || len(rb.Users) != 1 || rb.Users[0].UserID != "user00000@contoso.com" || rb.Users[0].SucceededMeeting == 0 {
		t.Fatalf("rollback of an alias: %+v %v", rb, err)
	}
}

// A rollback with --send none says its updates were not sent, as the
// command does (found by an audit: "4 updates sent"), and counts none sent.
func TestRollbackSendNoneSaysNotSent(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	sum, err := Run(ctx, o)
	if err != nil || sum.Updated == 0 {
		t.Fatalf("run: %+v %v", sum, err)
	}
	rb, err := Rollback(ctx, RollbackOptions{DB: o.DB, BatchID: sum.BatchID, User: "user00000@contoso.com", Send: "none", Now: time.Date(2026, 1, 16, 9, 0, 0, 0, time.UTC)})
	if err != nil || len(rb.Users) != 1 {
		t.Fatalf("rollback: %+v %v", rb, err)
	}
	if msg := rb.Users[0].LastMessage; !strings.Contains(msg, "not sent (--send none)") {
		t.Errorf("LastMessage %q", msg)
	}
	if n := rb.Users[0].InvitesUpdate; n != 0 {
		t.Errorf("InvitesUpdate %d: an update that went nowhere counted sent", n)
	}
}

// --batch last after a rollback of one user stopped, asked for every
// user, is refused naming the command that finishes the stopped one; it
// does not start another beside it (found by a review: the user's
// restored meetings were then never mailed).
func TestRollbackLastOfAnotherUser(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	sum, err := Run(ctx, o)
	if err != nil || sum.Updated == 0 {
		t.Fatalf("run: %+v %v", sum, err)
	}
	unblock := blockOutbox(t, filepath.Join(o.Out, "outbox"))
	ro := RollbackOptions{DB: o.DB, BatchID: "last", User: "user00000@contoso.com", Now: time.Date(2026, 1, 16, 9, 0, 0, 0, time.UTC)}
	if _, err := Rollback(ctx, ro); err == nil {
		t.Fatal("the rollback with the outbox blocked did not stop")
	}
	unblock()
	ro.User = ""
	_, err = Rollback(ctx, ro)
	if err == nil || !strings.Contains(err.Error(), "mms rollback --batch "+sum.BatchID+" --user user00000@contoso.com finishes it") {
		t.Fatalf("rollback of every user after one user's stopped: %v", err)
	}
	ro.User = "user00000@contoso.com"
	if again, err := Rollback(ctx, ro); err != nil || !again.Resumed {
		t.Errorf("the stopped rollback, asked for again: %+v %v", again, err)
	}
}

// blockOutbox puts a file where the outbox folder is, so that nothing can
// be written to it, and returns what puts the folder back.
func blockOutbox(t *testing.T, outbox string) func() {
	t.Helper()
	if err := os.Rename(outbox, outbox+".away"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(outbox, []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	return func() {
		os.Remove(outbox)
		if err := os.Rename(outbox+".away", outbox); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRollbackLeavesWhatCameAfter: a rollback leaves as it is, failing it
// with a message, a meeting a later batch sent an update of (a run over
// the batch's output, as README says to migrate again), and one edited in
// the output calendar since the batch; it restores the others and sends
// nothing for the ones it leaves (found by an audit: it undid both, the
// later batch's update with the same SEQUENCE as its own).
func TestRollbackLeavesWhatCameAfter(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	first, err := Run(ctx, o)
	if err != nil || first.Updated < 3 {
		t.Fatalf("run: %+v %v", first, err)
	}
	// The next batch: user00001's calendar as the first wrote it, a new conference ID.
	dir := t.TempDir()
	later := o
	later.Users = filepath.Join(dir, "users.csv")
	later.Changes = filepath.Join(dir, "changes.csv")
	os.WriteFile(later.Users, []byte("user,calendar\nuser00001@contoso.com,"+filepath.Join(o.Out, "calendars", "user00001.ics")+"\n"), 0o644)
	os.WriteFile(later.Changes, []byte("user,change,conference_id\nuser00001@contoso.com,conference-id-changed,777000111\n"), 0o644)
	later.Out, later.Report = filepath.Join(dir, "out"), filepath.Join(dir, "r.csv")
	second, err := Run(ctx, later)
	if err != nil || second.Updated == 0 {
		t.Fatalf("the later run: %+v %v", second, err)
	}
	// An edit of user00000's first rewritten meeting in the output calendar.
	path := filepath.Join(o.Out, "calendars", "user00000.ics")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var edited string
	for _, m := range batchMeetings(t, o.DB, first.BatchID) {
		if m.UserID == "user00000@contoso.com" && m.Outcome == migrate.Updated {
			edited = m.UID
			break
		}
	}
	at := strings.Index(string(data), "UID:"+edited[:40])
	begin := strings.LastIndex(string(data[:at]), "BEGIN:VEVENT")
	seq := begin + strings.Index(string(data[begin:]), "SEQUENCE:")
	if at < 0 || begin < 0 || seq < begin || seq > at+strings.Index(string(data[at:]), "END:VEVENT") {
		t.Fatalf("no SEQUENCE in the meeting %s", edited)
	}
	end := seq + strings.Index(string(data[seq:]), "\r\n")
	data = append(append(append([]byte{}, data[:seq]...), "SEQUENCE:9"...), data[end:]...)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	before := len(outboxIDs(t, o.Out))
	report := filepath.Join(t.TempDir(), "would.csv")
	if _, err := Rollback(ctx, RollbackOptions{DB: o.DB, BatchID: first.BatchID, DryRun: true, Report: report}); err != nil {
		t.Fatal(err)
	}
	rb, err := Rollback(ctx, RollbackOptions{DB: o.DB, BatchID: first.BatchID})
	if err != nil {
		t.Fatal(err)
	}
	// The dry run said so first, meeting by meeting.
	would := map[string]string{}
	for _, row := range readCSVFile(t, strings.TrimSuffix(report, ".csv")+".meetings.csv") {
		would[row["UID"]] = row["Outcome"] + " " + row["Reason"]
	}
	for _, m := range batchMeetings(t, o.DB, rb.BatchID) {
		want := migrate.WouldUpdate + " "
		if m.Outcome != migrate.Restored {
			want = m.Outcome + " " + m.Reason
		}
		if m.UserID == "user00000@contoso.com" || m.UserID == "user00001@contoso.com" {
			if got := would[m.UID]; got != want {
				t.Errorf("%s: the dry run said %q, the rollback did %q", m.UID, got, want)
			}
		}
	}
	left, restored := map[string]string{}, 0
	for _, m := range batchMeetings(t, o.DB, rb.BatchID) {
		switch m.Outcome {
		case migrate.Failed:
			left[m.UserID+" "+m.UID] = m.Reason + ": " + m.Detail
		case migrate.Restored:
			restored++
		}
	}
	for _, m := range batchMeetings(t, o.DB, second.BatchID) {
		if m.Outcome != migrate.Updated {
			continue
		}
		if why := left[m.UserID+" "+m.UID]; !strings.HasPrefix(why, migrate.KindStale+": ") || !strings.Contains(why, "batch "+second.BatchID[:8]+" sent its attendees a later update") {
			t.Errorf("%s, updated by the later batch: %q; want it left, stale", m.UID, why)
		}
	}
	if why := left["user00000@contoso.com "+edited]; !strings.HasPrefix(why, migrate.KindChangedSince+": ") || !strings.Contains(why, "its SEQUENCE is 9, the batch wrote") {
		t.Errorf("the meeting edited since: %q; want it left, changed since the batch", why)
	}
	if want := first.Updated - len(left); restored != want || len(left) != second.Updated+1 {
		t.Errorf("%d restored, %d left; want %d restored, %d left", restored, len(left), want, second.Updated+1)
	}
	if sent := len(outboxIDs(t, o.Out)) - before; sent != restored {
		t.Errorf("the rollback sent %d updates for %d meetings restored", sent, restored)
	}
	after, _ := os.ReadFile(path)
	if !strings.Contains(string(after), "SEQUENCE:9") {
		t.Error("the edited meeting was not left as it was")
	}
}

// TestRollbackUpdatesAsTheRunsAre: a rollback's updates go to whom the
// run's went, not to the organiser's alias listed as an attendee, nor to
// an attendee marked SCHEDULE-AGENT=NONE, and carry no scheduling
// parameter (found by an audit: the rollback mailed the alias, and sent
// the parameters of the restored lines).
func TestRollbackUpdatesAsTheRunsAre(t *testing.T) {
	ctx := context.Background()
	o := demoEdited(t, func(cal string) string {
		return strings.ReplaceAll(cal, `ATTENDEE;CN="Deltagare 0";RSVP=TRUE:mailto:guest000@fabrikam.com`,
			`ATTENDEE;CN="Deltagare 0";SCHEDULE-AGENT=NONE;RSVP=TRUE:mailto:guest000@fabrikam.com`+"\r\nATTENDEE;CN=Anna:mailto:Anna.Berg@contoso.com")
	})
	first, err := Run(ctx, o)
	if err != nil || first.Failed != 0 || first.Invites == 0 {
		t.Fatalf("run: %+v %v", first, err)
	}
	ran := outboxIDs(t, o.Out)
	if _, err := Rollback(ctx, RollbackOptions{DB: o.DB, BatchID: first.BatchID}); err != nil {
		t.Fatal(err)
	}
	checked := map[bool]int{} // by: sent by the rollback
	for name := range outboxIDs(t, o.Out) {
		if !strings.HasPrefix(name, "user00000@") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(o.Out, "outbox", name))
		if err != nil {
			t.Fatal(err)
		}
		m := parseMail(t, data)
		if !strings.Contains(m.ics, "guest000@fabrikam.com") {
			continue
		}
		checked[!ran[name]]++
		to := strings.ToLower(m.header.Get("To"))
		if strings.Contains(to, "anna.berg@") || strings.Contains(to, "guest000@") || strings.Contains(m.ics, "SCHEDULE-AGENT") {
			t.Errorf("%s (rollback %v): To %q; request with SCHEDULE-AGENT: %v", name, !ran[name], to, strings.Contains(m.ics, "SCHEDULE-AGENT"))
		}
	}
	if checked[false] == 0 || checked[true] != checked[false] {
		t.Errorf("updates checked: %d of the run, %d of the rollback", checked[false], checked[true])
	}
}

// A rollback's row says what sending its update said, as the run's does:
// here that the meeting has no attendee to send it to (found by an audit:
// the Detail was empty).
func TestRollbackRowSaysNoAttendee(t *testing.T) {
	ctx := context.Background()
	o := demoEdited(t, func(cal string) string {
		var kept []string
		for _, line := range strings.SplitAfter(cal, "\r\n") {
			if !strings.HasPrefix(line, "ATTENDEE") {
				kept = append(kept, line)
			}
		}
		return strings.Join(kept, "")
	})
	first, err := Run(ctx, o)
	if err != nil || first.Failed != 0 {
		t.Fatalf("run: %+v %v", first, err)
	}
	rb, err := Rollback(ctx, RollbackOptions{DB: o.DB, BatchID: first.BatchID, User: "user00000@contoso.com"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range batchMeetings(t, o.DB, rb.BatchID) {
		if m.Outcome == migrate.Restored {
			n++
			if !strings.Contains(m.Detail, "no attendee") {
				t.Errorf("%s: Detail %q", m.UID, m.Detail)
			}
		}
	}
	if n == 0 {
		t.Fatal("nothing restored")
	}
}

// laterBatchOver runs a batch over user00001's calendar as o's batch wrote
// it, with a new conference ID, as README says to migrate again.
func laterBatchOver(t *testing.T, o RunOptions) Summary {
	t.Helper()
	dir := t.TempDir()
	later := o
	later.Users, later.Changes = filepath.Join(dir, "users.csv"), filepath.Join(dir, "changes.csv")
	os.WriteFile(later.Users, []byte("user,calendar\nuser00001@contoso.com,"+filepath.Join(o.Out, "calendars", "user00001.ics")+"\n"), 0o644)
	os.WriteFile(later.Changes, []byte("user,change,conference_id\nuser00001@contoso.com,conference-id-changed,777000111\n"), 0o644)
	later.Out, later.Report = filepath.Join(dir, "out"), filepath.Join(dir, "r.csv")
	sum, err := Run(context.Background(), later)
	if err != nil || sum.Updated == 0 {
		t.Fatalf("the later run: %+v %v", sum, err)
	}
	return sum
}

// sequencesSent returns, by UID, the highest SEQUENCE of the updates in
// the outbox under out.
func sequencesSent(t *testing.T, out string) map[string]int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(out, "outbox", "*.eml"))
	seqs := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ics := strings.NewReplacer("\r\n ", "", "\r\n\t", "").Replace(parseMail(t, data).ics)
		uid := ics[strings.Index(ics, "\r\nUID:")+6:]
		uid = uid[:strings.Index(uid, "\r\n")]
		for _, part := range strings.Split(ics, "\r\nSEQUENCE:")[1:] {
			if n, err := strconv.Atoi(part[:strings.Index(part, "\r\n")]); err == nil && n > seqs[uid] {
				seqs[uid] = n
			}
		}
	}
	return seqs
}

// A batch whose later batch was rolled back first (as the rollback of the
// first says to) is rolled back too, each update a SEQUENCE above the
// later rollback's, which its attendees hold (found by a review: every
// meeting failed, telling to roll back a rollback).
func TestRollbackAfterTheLaterOnesRollback(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	first, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	second := laterBatchOver(t, o)
	r2, err := Rollback(ctx, RollbackOptions{DB: o.DB, BatchID: second.BatchID})
	if err != nil || len(r2.Users) != 1 {
		t.Fatalf("rollback of the later batch: %+v %v", r2, err)
	}
	r1, err := Rollback(ctx, RollbackOptions{DB: o.DB, BatchID: first.BatchID, User: "user00001@contoso.com"})
	if err != nil || len(r1.Users) != 1 || r1.Users[0].State != store.Succeeded {
		t.Fatalf("rollback of the first batch: %+v %v", r1, err)
	}
	held := sequencesSent(t, r2.Out)
	sent := sequencesSent(t, o.Out)
	n := 0
	for _, m := range batchMeetings(t, o.DB, second.BatchID) {
		if m.Outcome != migrate.Updated {
			continue
		}
		n++
		if sent[m.UID] <= held[m.UID] {
			t.Errorf("%s: the rollback's SEQUENCE %d, its attendees hold %d", m.UID, sent[m.UID], held[m.UID])
		}
	}
	if n == 0 {
		t.Fatal("the later batch updated nothing")
	}
}

// A rollback left failing by an edit is started again once the output is
// as the batch wrote it: every meeting is restored, those the first
// rollback restored are not taken for a later batch's (found by a review:
// stale-calendar, naming the first rollback).
func TestRollbackAgainAfterTheEditIsUndone(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	first, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(o.Out, "calendars", "user00000.ics")
	written, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(written), "SEQUENCE:1\r\n", "SEQUENCE:9\r\n", 1)
	os.WriteFile(path, []byte(edited), 0o644)
	one, err := Rollback(ctx, RollbackOptions{DB: o.DB, BatchID: first.BatchID, User: "user00000@contoso.com"})
	if err != nil || one.Users[0].State != store.Failed || one.Users[0].FailedMeeting != 1 {
		t.Fatalf("the first rollback: %+v %v; want one meeting left, changed since", one.Users, err)
	}
	restored, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(restored), "SEQUENCE:9\r\n", "SEQUENCE:1\r\n", 1)), 0o644) // the edit undone
	again, err := Rollback(ctx, RollbackOptions{DB: o.DB, BatchID: first.BatchID, User: "user00000@contoso.com"})
	if err != nil || again.Already != nil || len(again.Users) != 1 {
		t.Fatalf("the rollback again: %+v %v", again, err)
	}
	if u := again.Users[0]; u.State != store.Succeeded || u.SucceededMeeting != 1 || u.FailedMeeting != 0 {
		t.Errorf("the rollback again: %s %q; want the one meeting left before restored, the others as they are", u.State, u.LastMessage)
	}
}

// A dry run after a rollback that stopped (calendar restored, updates not
// sent) says what the same command will do from there: send those
// updates (found by a review: it said nothing would be restored).
func TestRollbackDryRunAfterAStop(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	sum, err := Run(ctx, o)
	if err != nil || sum.Updated == 0 {
		t.Fatalf("run: %+v %v", sum, err)
	}
	outbox := filepath.Join(o.Out, "outbox")
	unblock := blockOutbox(t, outbox)
	ro := RollbackOptions{DB: o.DB, BatchID: sum.BatchID, User: "user00000@contoso.com", Now: time.Date(2026, 1, 16, 9, 0, 0, 0, time.UTC)}
	if _, err := Rollback(ctx, ro); err == nil {
		t.Fatal("the rollback did not stop")
	}
	unblock()
	dry := ro
	dry.DryRun = true
	would, err := Rollback(ctx, dry)
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	again, err := Rollback(ctx, ro)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if len(would.Users) != 1 || len(again.Users) != 1 || would.Users[0].SucceededMeeting == 0 ||
		would.Users[0].SucceededMeeting != again.Users[0].SucceededMeeting || would.Users[0].InvitesUpdate != again.Users[0].InvitesUpdate {
		t.Errorf("the dry run said %+v; the rollback did %+v", would.Users, again.Users)
	}
}

// demoEdited returns the demo's run options over a copy of its fixtures
// whose first user's calendar edit has rewritten.
func demoEdited(t *testing.T, edit func(string) string) RunOptions {
	t.Helper()
	dir := copyDemo(t)
	path := filepath.Join(dir, "calendars", "user00000.ics")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(edit(string(data))), 0o644); err != nil {
		t.Fatal(err)
	}
	o := demoOptions(t)
	o.Users, o.Changes = filepath.Join(dir, "users.csv"), filepath.Join(dir, "changes.csv")
	return o
}

// --batch last is the latest batch a rollback can undo: not a dry run made
// after it, nor a rollback done (found by an audit: refused as "itself a
// rollback", telling to run the batch again).
func TestRollbackLastIsTheLatestReal(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	first, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	dry := o
	dry.DryRun, dry.Out = true, filepath.Join(t.TempDir(), "dry")
	if _, err := Run(ctx, dry); err != nil {
		t.Fatal(err)
	}
	rb, err := Rollback(ctx, RollbackOptions{DB: o.DB, BatchID: "last", User: "user00000@contoso.com"})
	if err != nil || rb.Of != first.BatchID || len(rb.Users) != 1 {
		t.Fatalf("rollback --batch last after a dry run: %+v %v; want batch %s", rb, err, first.BatchID)
	}
	again, err := Rollback(ctx, RollbackOptions{DB: o.DB, BatchID: "last"})
	if err != nil || again.Of != first.BatchID || len(again.Users) == 0 {
		t.Fatalf("rollback --batch last after a rollback: %+v %v; want the rest of batch %s", again, err, first.BatchID)
	}
}

// A rollback's report never replaces an input of the batch it rolls back
// (an audit: its users file was written over).
func TestRollbackReportNeverReplacesTheBatchsInputs(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	dir := copyDemo(t) // the inputs it might write over: a copy, never fixtures/demo
	o.Users, o.Changes = filepath.Join(dir, "users.csv"), filepath.Join(dir, "changes.csv")
	sum, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(o.Users)
	if err != nil {
		t.Fatal(err)
	}
	for _, report := range []string{o.Users, o.Changes} {
		_, err := Rollback(ctx, RollbackOptions{DB: o.DB, BatchID: sum.BatchID, Report: report, DryRun: true})
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "of batch "+sum.BatchID) {
			t.Errorf("rollback --report %s: %v", report, err)
		}
	}
	if after, _ := os.ReadFile(o.Users); string(after) != string(before) {
		t.Error("the users file changed")
	}
}
