package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/report"
)

// testBatchList: mms batches lists every batch with its kind and counts;
// a batch is found by its id, a unique prefix of 6+ characters or "last";
// the latest real batch skips dry runs and rollbacks.
func testBatchList(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	now := time.Date(2026, 1, 19, 8, 0, 0, 0, time.UTC)
	mk := func(b Batch, users ...User) Batch {
		t.Helper()
		b.Now, b.Stamp, b.Options = now, now, json.RawMessage(`{"users": "/in/users.csv"}`)
		b, err := s.NewBatch(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Enqueue(ctx, b.ID, users); err != nil {
			t.Fatal(err)
		}
		return b
	}
	run := mk(Batch{Kind: BatchRun}, pending("a@contoso.com", "b@contoso.com")...)
	for _, u := range []string{"a@contoso.com", "b@contoso.com"} {
		res := Result{State: Succeeded, TotalMeeting: 3, SucceededMeeting: 2, InvitesUpdate: 2}
		if u == "b@contoso.com" {
			res = Result{State: Failed, LastMessage: "calendar unreadable"}
		}
		if err := s.Record(ctx, run.ID, u, res); err != nil {
			t.Fatal(err)
		}
	}
	dry := mk(Batch{Kind: BatchRun, DryRun: true}, User{UserID: "c@contoso.com", State: NotTriggered})
	rb := mk(Batch{Kind: BatchRollback}, User{UserID: "a@contoso.com", State: InProgress})

	list, err := s.Batches(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].ID != run.ID || list[1].ID != dry.ID || list[2].ID != rb.ID {
		t.Fatalf("batches, oldest first: %+v", list)
	}
	if l := list[0]; l.States[Succeeded] != 1 || l.States[Failed] != 1 || l.Updated != 2 || l.Invites != 2 || !l.Real() || !l.Now.Equal(now) {
		t.Errorf("run's counts: %+v", l)
	}
	if l := list[1]; l.States[NotTriggered] != 1 || !l.DryRun || l.Real() {
		t.Errorf("dry run: %+v", l)
	}
	if l := list[2]; l.Kind != BatchRollback || l.States[InProgress] != 1 || l.Real() {
		t.Errorf("rollback: %+v", l)
	}

	real, ok, err := s.LatestRealBatch(ctx)
	if err != nil || !ok || real.ID != run.ID {
		t.Errorf("latest real batch: %s %v %v, want the run %s", real.ID, ok, err, run.ID)
	}
	for ref, want := range map[string]string{run.ID: run.ID, dry.ID[:6]: dry.ID, strings.ToUpper(rb.ID[:8]): rb.ID, "last": rb.ID, "LAST": rb.ID} {
		b, err := s.FindBatch(ctx, ref)
		if err != nil || b.ID != want {
			t.Errorf("FindBatch(%q) = %s, %v; want %s", ref, b.ID, err, want)
		}
	}
	for ref, want := range map[string]string{run.ID[:5]: "at least 6", "zzzzzzzz": "no batch zzzzzzzz", "abc%de": "letters, digits"} {
		if _, err := s.FindBatch(ctx, ref); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("FindBatch(%q): %v, want %q", ref, err, want)
		}
	}
	// Two ids that share a prefix: the prefix is refused as ambiguous.
	for i, id := range []string{"abcdef01-0000-4000-8000-000000000001", "abcdef02-0000-4000-8000-000000000002"} {
		b, err := s.NewBatch(ctx, Batch{Now: now.Add(time.Duration(i) * time.Hour), Stamp: now, DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.eng.exec(ctx, `UPDATE mms_batch SET id = ? WHERE id = ?`, id, b.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.FindBatch(ctx, "abcdef"); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("ambiguous prefix: %v", err)
	}
	if b, err := s.FindBatch(ctx, "abcdef02"); err != nil || b.ID != "abcdef02-0000-4000-8000-000000000002" {
		t.Errorf("longer prefix: %s %v", b.ID, err)
	}
	if real, _, _ := s.LatestRealBatch(ctx); real.ID != run.ID {
		t.Errorf("dry runs made later do not hide the run: %s", real.ID)
	}
}

// testNoRealBatch: with only a dry run, LatestRealBatch says so and gives
// the dry run.
func testNoRealBatch(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	dry, err := s.NewBatch(ctx, Batch{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	b, ok, err := s.LatestRealBatch(ctx)
	if err != nil || ok || b.ID != dry.ID {
		t.Errorf("only a dry run: %s %v %v", b.ID, ok, err)
	}
}

// testMeetingReportFields: the report's newer fields (End, Recurrence,
// Detail, Changes, the blocks and the mail's text) survive the store, by
// an outcome and by an intent recorded again.
func testMeetingReportFields(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	b := newBatch(t, s, pending("a@contoso.com")...)
	end := time.Date(2026, 2, 1, 10, 30, 0, 0, time.UTC)
	m := report.Meeting{UserID: "a@contoso.com", UID: "m1", Summary: "Veckomöte", Outcome: "updated", End: end, Recurrence: "FREQ=WEEKLY;BYDAY=MO",
		Detail: "DESCRIPTION named https://meet.lync.com/x", Changes: "conference ID 111 222 333 -> 987 654 321; join link kept",
		OldBlock: "Join Skype Meeting\nhttps://meet.lync.com/x", NewBlock: "Join Teams\nhttps://teams.microsoft.com/l/y", MailText: "Hello,\nthe meeting moved."}
	if err := s.RecordIntent(ctx, b.ID, "a@contoso.com", Meeting{Meeting: report.Meeting{UserID: "a@contoso.com", UID: "m1"}, Original: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordIntent(ctx, b.ID, "a@contoso.com", Meeting{Meeting: m}); err != nil { // again: an update of the row
		t.Fatal(err)
	}
	ms, err := s.UserMeetings(ctx, b.ID, "a@contoso.com")
	if err != nil || len(ms) != 1 || ms[0].Meeting != m {
		t.Fatalf("intent recorded again:\n got %+v %v\nwant %+v", ms, err, m)
	}
	m.Detail, m.Outcome = "", "skipped"
	m2 := report.Meeting{UserID: "a@contoso.com", UID: "m2", Outcome: "skipped", Reason: "past", Detail: "last occurrence 2025-12-01T09:00:00Z"}
	if err := s.Record(ctx, b.ID, "a@contoso.com", Result{State: Succeeded, Meetings: []Meeting{{Meeting: m}, {Meeting: m2}}}); err != nil {
		t.Fatal(err)
	}
	got := allMeetings(t, s, b.ID)
	if len(got) != 2 || got[0].Meeting != m || got[1].Meeting != m2 || !got[1].End.IsZero() {
		t.Errorf("outcome rows:\n got %+v\nwant %+v and %+v", got, m, m2)
	}
}
