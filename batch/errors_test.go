package batch

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mms-project/mms/batch/store"
)

// A state store that cannot be opened is ErrUnavailable, its message
// kept; bad input is ErrInput and never also ErrUnavailable.
func TestErrorKinds(t *testing.T) {
	ctx := context.Background()
	_, err := Work(ctx, WorkOptions{DB: "postgres://mms@127.0.0.1:1/none?connect_timeout=2"})
	if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrInput) {
		t.Errorf("unreachable store: %v, want ErrUnavailable", err)
	}
	base := errors.New("dial tcp: refused")
	if got := unavailable(base); got.Error() != base.Error() || !errors.Is(got, base) || !errors.Is(got, ErrUnavailable) {
		t.Errorf("unavailable(%v) = %v", base, got)
	}
	in := fmt.Errorf("%w: --users is required", ErrInput)
	if got := unavailable(in); errors.Is(got, ErrUnavailable) {
		t.Errorf("bad input became unavailable: %v", got)
	}
	db := filepath.Join(t.TempDir(), "work.db")
	_, err = Work(ctx, WorkOptions{DB: db, Tuning: Tuning{Workers: -1, CalDAVRequests: -1}})
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "--workers -1") || !strings.Contains(err.Error(), "--caldav-requests -1") {
		t.Errorf("mms work --workers -1 --caldav-requests -1: %v, want ErrInput naming both", err)
	}
	if _, statErr := os.Stat(db); !os.IsNotExist(statErr) {
		t.Error("mms work with bad options opened the state store")
	}
	_, err = Run(ctx, RunOptions{Users: "u.csv", Changes: "c.csv", Report: "r.txt", DB: filepath.Join(t.TempDir(), "mms.db")})
	if !errors.Is(err, ErrInput) || errors.Is(err, ErrUnavailable) {
		t.Errorf("bad options: %v, want ErrInput", err)
	}
}

// A state store a newer mms wrote is bad input (exit 1), not a store to
// wait for: the message says which schema it has and what to do.
func TestNewerStoreIsBadInput(t *testing.T) {
	o := demoOptions(t)
	st, err := store.Open(context.Background(), o.DB)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite", o.DB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO mms_migration (version, name, applied_at) VALUES (?, 'from the future', '2030-01-01T00:00:00Z')`, store.SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Run(context.Background(), o)
	if !errors.Is(err, ErrInput) || errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), o.DB) || !strings.Contains(err.Error(), "use the mms that wrote it") {
		t.Errorf("run on a newer store: %v, want ErrInput naming the store", err)
	}
}
