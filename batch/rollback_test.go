package batch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
