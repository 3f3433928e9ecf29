package batch

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/internal/pgtest"
)

// TestRollbackResumes: a rollback whose updates cannot be sent stops,
// with the calendar already restored; started again, it sends each update
// once and restores nothing twice.
func TestRollbackResumes(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	sum, err := Run(ctx, o)
	if err != nil || sum.Updated == 0 {
		t.Fatalf("run: %+v %v", sum, err)
	}
	outbox := filepath.Join(o.Out, "outbox")
	sent, _ := filepath.Glob(filepath.Join(outbox, "user00000*.eml"))
	if err := os.Rename(outbox, outbox+".away"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(outbox, []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	ro := RollbackOptions{DB: o.DB, BatchID: sum.BatchID, User: "user00000@contoso.com", Now: time.Date(2026, 1, 16, 9, 0, 0, 0, time.UTC)}
	first, err := Rollback(ctx, ro)
	if err == nil || !strings.Contains(err.Error(), "run the same mms rollback again") {
		t.Fatalf("rollback with the outbox blocked: %v", err)
	}
	restored, _ := os.ReadFile(filepath.Join(o.Out, "calendars", "user00000.ics"))
	os.Remove(outbox)
	if err := os.Rename(outbox+".away", outbox); err != nil {
		t.Fatal(err)
	}
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
// run says so and changes nothing; with --again it migrates anew, each
// update's SEQUENCE above the one the rollback sent (attendees would take
// a lower one as stale), under a Message-ID of its own, its Detail saying
// why the SEQUENCE went further up.
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
	rollbackSeq := map[string]int{} // by Message-ID's file: the SEQUENCE each update of the rollback carried
	for name, seq := range outboxSequences(t, o.Out) {
		if !firstIDs[name] {
			rollbackSeq[name] = seq
		}
	}
	if len(rollbackSeq) != first.Updated {
		t.Fatalf("the rollback wrote %d updates, the run %d", len(rollbackSeq), first.Updated)
	}

	same, err := Run(ctx, o)
	if err != nil || !same.Reopened || len(same.Warnings) != 1 || !strings.Contains(same.Warnings[0], "was rolled back") || !strings.Contains(same.Warnings[0], "--again") {
		t.Fatalf("the same run after the rollback: %+v %v; want it to say the batch was rolled back and how to migrate again", same, err)
	}
	if n := len(outboxSequences(t, o.Out)); n != 2*first.Updated {
		t.Errorf("the same run after the rollback wrote %d more updates", n-2*first.Updated)
	}

	o.Again = true
	again, err := Run(ctx, o)
	if err != nil || again.Updated != first.Updated || again.Invites != first.Invites {
		t.Fatalf("--again after the rollback: %+v %v", again, err)
	}
	maxRollback := 0
	for _, s := range rollbackSeq {
		maxRollback = max(maxRollback, s)
	}
	fresh := 0
	for name, seq := range outboxSequences(t, o.Out) {
		if firstIDs[name] || rollbackSeq[name] != 0 {
			continue
		}
		fresh++
		if seq < 3 {
			t.Errorf("%s: SEQUENCE %d, not above the rollback's (%d at most)", name, seq, maxRollback)
		}
	}
	if fresh != again.Invites {
		t.Errorf("%d new outbox files (Message-IDs of their own), %d updates sent", fresh, again.Invites)
	}
	noted := 0
	for _, m := range batchMeetings(t, o.DB, again.BatchID) {
		if m.Outcome == migrate.Updated && strings.Contains(m.Detail, "SEQUENCE raised above the 2 of the update rollback ") {
			noted++
		}
	}
	if noted != again.Updated {
		t.Errorf("%d of %d updated meetings say why their SEQUENCE went further up", noted, again.Updated)
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
