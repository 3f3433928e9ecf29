package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// limitPages lets the SQLite file of s grow by pages more (negative: no
// limit), as a disk about to fill up would.
func limitPages(t *testing.T, s *Store, pages int) {
	t.Helper()
	if err := s.LimitGrowth(context.Background(), pages); err != nil {
		t.Fatal(err)
	}
}

// A store that fills up while users are migrated stops Work at once with
// SQLite's message, a StoreFailure, instead of retrying users that could
// record nothing; once space is freed the same Work finishes the batch,
// every user migrated.
func TestStoreFullMidRun(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "mms.db"))
	ids := make([]string, 20)
	for i := range ids {
		ids[i] = fmt.Sprintf("u%02d@contoso.com", i)
	}
	b := newBatch(t, s, pending(ids...)...)
	limitPages(t, s, 2)
	big := strings.Repeat("x", 32<<10) // each outcome needs new pages
	var c calls
	fn := func(ctx context.Context, j Job) (Result, error) {
		c.add(j.UserID)
		r := succeed(j)
		r.Meetings[0].Reason = big
		return r, nil
	}
	start := time.Now()
	err := s.Work(ctx, b.ID, fast(2), fn)
	if !IsStoreFailure(err) || !strings.Contains(err.Error(), "full") || !strings.Contains(err.Error(), "run the same command again") {
		t.Fatalf("Work on a full store: %v, want a StoreFailure saying the store is full", err)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("stopped after %s", took)
	}
	for _, id := range ids {
		if n := c.get(id); n > 1 {
			t.Errorf("%s tried %d times on a full store", id, n)
		}
	}
	limitPages(t, s, -1) // space freed
	if err := s.Work(ctx, b.ID, fast(2), fn); err != nil {
		t.Fatalf("resuming: %v", err)
	}
	users := usersByID(t, s, Filter{BatchID: b.ID})
	for _, id := range ids {
		if u := users[id]; u.State != Succeeded {
			t.Errorf("%s: %s (%s)", id, u.State, u.LastMessage)
		}
	}
	if ms := allMeetings(t, s, b.ID); len(ms) != len(ids) || ms[0].Reason != big {
		t.Errorf("%d meeting rows after resuming, want %d", len(ms), len(ids))
	}
}

// The limit holds on a connection opened after it was set: max_page_count
// is a per-connection setting, and database/sql may replace a connection.
func TestLimitGrowthOnNewConnection(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "mms.db"))
	limitPages(t, s, 2)
	eng := s.eng.(*sqliteEngine)
	var want int
	if err := queryRow(ctx, s.eng, `PRAGMA max_page_count`, nil, &want); err != nil {
		t.Fatal(err)
	}
	eng.db.SetMaxIdleConns(0) // the next query gets a new connection
	eng.db.SetMaxIdleConns(2)
	var got int
	if err := queryRow(ctx, s.eng, `PRAGMA max_page_count`, nil, &got); err != nil {
		t.Fatal(err)
	}
	if got != want || got >= 1<<30 {
		t.Errorf("max_page_count on a new connection: %d, want %d", got, want)
	}
}

// A write transaction keeps its temporary storage (a statement journal)
// in memory; outside transactions it stays in files, so a large sort does
// not hold itself in memory (found by a review: with the pragma on every
// connection, mms status over 40,000 users' rows peaked at 112 MB, not
// 37). On every connection database/sql opens.
func TestStatementJournalInMemory(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "mms.db"))
	eng := s.eng.(*sqliteEngine)
	for range 2 {
		var in, out int
		if err := inTx(ctx, s.eng, func(tx txn) error { return queryRow(ctx, tx, `PRAGMA temp_store`, nil, &in) }); err != nil {
			t.Fatal(err)
		}
		if err := queryRow(ctx, s.eng, `PRAGMA temp_store`, nil, &out); err != nil {
			t.Fatal(err)
		}
		if in != 2 || out != 0 {
			t.Errorf("temp_store %d in a transaction, want 2 (memory); %d outside, want 0 (files)", in, out)
		}
		eng.db.SetMaxIdleConns(0) // the next query gets a new connection
		eng.db.SetMaxIdleConns(2)
	}
}

// A SQLite store whose file is removed while Work uses it stops Work with
// a StoreFailure that says so, rather than record every outcome into a
// file nobody can open again and end as if all were kept.
func TestStoreRemovedMidRun(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mms.db")
	s := open(t, path)
	ids := make([]string, 6)
	for i := range ids {
		ids[i] = fmt.Sprintf("u%02d@contoso.com", i)
	}
	b := newBatch(t, s, pending(ids...)...)
	var once sync.Once
	fn := func(ctx context.Context, j Job) (Result, error) {
		once.Do(func() {
			for _, f := range []string{path, path + "-wal", path + "-shm"} {
				os.Remove(f)
			}
		})
		return succeed(j), nil
	}
	err := s.Work(ctx, b.ID, fast(1), fn)
	if !IsStoreFailure(err) || !strings.Contains(err.Error(), "was put back") || !strings.Contains(err.Error(), "run the same command again") {
		t.Fatalf("Work on a removed store: %v, want a StoreFailure saying the file was put back", err)
	}
	s.Close()
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the store put back: %v %v", fi, err)
	}
	again := open(t, path) // the same command again: the batch resumes
	// the command runs in a new process: the jobs this one left running
	// are a gone process's, taken back at once
	if _, err := again.eng.exec(ctx, `DELETE FROM mms_process`); err != nil {
		t.Fatal(err)
	}
	if err := again.Work(ctx, b.ID, fast(1), func(ctx context.Context, j Job) (Result, error) { return succeed(j), nil }); err != nil {
		t.Fatalf("resuming: %v", err)
	}
	users := usersByID(t, again, Filter{BatchID: b.ID})
	for _, id := range ids {
		if users[id].State != Succeeded {
			t.Errorf("%s: %s after resuming", id, users[id].State)
		}
	}
}

// A store file replaced by another while Work uses it is not written
// over: Work stops, saying what the same command would do.
func TestStoreReplacedMidRun(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mms.db")
	s := open(t, path)
	b := newBatch(t, s, pending("a@contoso.com", "b@contoso.com")...)
	var once sync.Once
	fn := func(ctx context.Context, j Job) (Result, error) {
		once.Do(func() {
			os.Rename(path, path+".old")
			os.WriteFile(path, nil, 0o600)
		})
		return succeed(j), nil
	}
	err := s.Work(ctx, b.ID, fast(1), fn)
	if !IsStoreFailure(err) || !strings.Contains(err.Error(), "was replaced") || !strings.Contains(err.Error(), "sends every update again") {
		t.Fatalf("Work on a replaced store: %v, want a StoreFailure saying the file is gone", err)
	}
	if fi, _ := os.Stat(path); fi == nil || fi.Size() != 0 {
		t.Errorf("the file put in its place was written: %v", fi)
	}
}

// A store that fills up as the batch is recorded says which store, and
// that the same command resumes once space is freed.
func TestStoreFullWhileRecordingTheBatch(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "mms.db"))
	limitPages(t, s, 0)
	now := time.Date(2026, 1, 19, 8, 0, 0, 0, time.UTC)
	users := pending("a@contoso.com")
	users[0].Payload = []byte(`{"user":"` + strings.Repeat("x", 64<<10) + `"}`)
	_, err := s.CreateBatch(ctx, Batch{Now: now, Stamp: now}, users)
	if !IsStoreFailure(err) || !strings.Contains(err.Error(), s.String()) || !strings.Contains(err.Error(), "run the same command again") {
		t.Fatalf("CreateBatch on a full store: %v, want a StoreFailure naming the store", err)
	}
}

// The same with the store's folder removed: the folder is made again.
func TestStoreFolderRemovedMidRun(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "state")
	path := filepath.Join(dir, "mms.db")
	s := open(t, path)
	b := newBatch(t, s, pending("a@contoso.com", "b@contoso.com")...)
	var once sync.Once
	fn := func(ctx context.Context, j Job) (Result, error) {
		once.Do(func() { os.RemoveAll(dir) })
		return succeed(j), nil
	}
	err := s.Work(ctx, b.ID, fast(1), fn)
	if !IsStoreFailure(err) || !strings.Contains(err.Error(), "was put back") {
		t.Fatalf("Work on a store whose folder was removed: %v, want it put back", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the store put back: %v %v", fi, err)
	}
}

// coded is an error with SQLite's result code.
type coded int

func (c coded) Error() string { return fmt.Sprintf("sqlite error (%d)", int(c)) }
func (c coded) Code() int     { return int(c) }

// A store whose file is damaged under the run (written over in place)
// stops it without claiming that nothing recorded is lost.
func TestDamagedStoreSaysWhatIsLost(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "mms.db"))
	for _, code := range []int{11, 26} {
		err := s.Failure("recording", coded(code))
		if !IsStoreFailure(err) || strings.Contains(err.Error(), "nothing recorded is lost") || !strings.Contains(err.Error(), "damaged") {
			t.Errorf("code %d: %v", code, err)
		}
	}
	if err := s.Failure("recording", coded(13)); !strings.Contains(err.Error(), "nothing recorded is lost") {
		t.Errorf("a full disk: %v", err)
	}
}
