package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mms-project/mms/internal/pgtest"
)

func TestSentSQLite(t *testing.T) {
	testSent(t, filepath.Join(t.TempDir(), "mms.db"))
}

func TestSentPostgres(t *testing.T) {
	testSent(t, pgtest.Start(t))
}

// testSent: LastSent gives, per UID, the latest other batch's update;
// RecordSent overwrites a batch's own row.
func testSent(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	first := newBatch(t, s, pending("a@contoso.com")...)
	second := newBatch(t, s, pending("a@contoso.com")...)
	third := newBatch(t, s, pending("a@contoso.com")...)
	if err := s.RecordSent(ctx, first.ID, "A@contoso.com", []Sent{{UID: "u1", Sequence: 1, Hash: "h1"}, {UID: "u2", Sequence: 1, Hash: "h2"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordSent(ctx, second.ID, "a@contoso.com", []Sent{{UID: "u2", Sequence: 2, Hash: "old"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordSent(ctx, second.ID, "a@contoso.com", []Sent{{UID: "u2", Sequence: 3, Hash: "h2b"}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.LastSent(ctx, "a@contoso.com", third.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u1 := got["u1"]; u1.BatchID != first.ID || u1.Sequence != 1 || u1.Hash != "h1" || u1.SentAt.IsZero() {
		t.Errorf("u1: %+v, want batch %s's", u1, first.ID)
	}
	if u2 := got["u2"]; u2.BatchID != second.ID || u2.Sequence != 3 || u2.Hash != "h2b" || len(got) != 2 {
		t.Errorf("u2: %+v (of %d), want the later batch %s's last record", u2, len(got), second.ID)
	}
	mine, err := s.LastSent(ctx, "a@contoso.com", second.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u2 := mine["u2"]; u2.BatchID != first.ID {
		t.Errorf("excluding batch %s: u2 %+v, want batch %s's", second.ID, u2, first.ID)
	}
	if other, err := s.LastSent(ctx, "b@contoso.com", ""); err != nil || len(other) != 0 {
		t.Errorf("another user: %v %v", other, err)
	}
}
