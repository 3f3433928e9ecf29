package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/mms-project/mms/internal/pgtest"
	"github.com/mms-project/mms/report"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// One suite for every engine, as River runs riverdrivertest.Exercise
// against every driver: exercise gets a function that makes a fresh, empty
// database and returns its DSN (tests open it more than once, as several
// processes would).

func TestSQLite(t *testing.T) {
	exercise(t, func(t *testing.T) string { return filepath.Join(t.TempDir(), "state", "mms.db") })
}

// TestPostgres runs the suite against the PostgreSQL that MMS_TEST_POSTGRES
// names (scripts/postgres.sh start prints one), each test in a schema of
// its own.
func TestPostgres(t *testing.T) {
	dsn := pgtest.Server(t)
	exercise(t, func(t *testing.T) string { return pgtest.Schema(t, dsn) })
}

func exercise(t *testing.T, fresh func(t *testing.T) string) {
	tests := map[string]func(t *testing.T, dsn string){
		"EnqueueAndWork":       testEnqueueAndWork,
		"RetriesThenFails":     testRetriesThenFails,
		"StatusQueries":        testStatusQueries,
		"Tenant":               testTenant,
		"OpenTwiceMigrates":    testOpenTwice,
		"ConcurrentWork":       testConcurrentWork,
		"ResumeAfterCancel":    testResumeAfterCancel,
		"RescueAfterCrash":     testRescueAfterCrash,
		"BatchesKeepApart":     testBatchesKeepApart,
		"IntentsSurvive":       testIntents,
		"ManyIntents":          testManyIntents,
		"PlanDecisions":        testPlanDecisions,
		"OriginalsMoveOut":     testOriginalsMoveOut,
		"LostJobFailsTheUser":  testLostJob,
		"GoneProcesses":        testGoneProcesses,
		"ResumableBatches":     testResumableBatches,
		"ManyUsers":            testManyUsers,
		"BatchList":            testBatchList,
		"NoRealBatch":          testNoRealBatch,
		"MeetingReportFields":  testMeetingReportFields,
		"PackedTexts":          testPackedTexts,
		"NewerSchemaRefused":   testNewerSchemaRefused,
		"StoppedWhileStarting": testStoppedWhileStarting,
		"TimesOutOfRange":      testTimesOutOfRange,
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, fresh(t))
		})
	}
}

func open(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fast are work options for tests: short retries, rescue and polling.
func fast(workers int) WorkOptions {
	return WorkOptions{
		Workers:      workers,
		RetryDelay:   func(int) time.Duration { return 5 * time.Millisecond },
		JobTimeout:   10 * time.Second,
		RescueAfter:  10 * time.Second,
		PollInterval: 20 * time.Millisecond,
	}
}

func newBatch(t *testing.T, s *Store, users ...User) Batch {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 1, 19, 8, 0, 0, 0, time.UTC)
	b, err := s.NewBatch(ctx, Batch{Now: now, Stamp: now, Options: json.RawMessage(`{"out": "out", "workers": 2}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, b.ID, users); err != nil {
		t.Fatal(err)
	}
	return b
}

func pending(ids ...string) []User {
	var out []User
	for _, id := range ids {
		out = append(out, User{UserID: id, State: Pending, Payload: json.RawMessage(`{"user":"` + id + `"}`)})
	}
	return out
}

// calls counts process function calls per user.
type calls struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *calls) add(user string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[user]++
	return c.n[user]
}

func (c *calls) get(user string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[user]
}

func succeed(j Job) Result {
	return Result{State: Succeeded, TotalMeeting: 1, SucceededMeeting: 1, InvitesUpdate: 1, LastMessage: "1 meetings rewritten",
		Meetings: []Meeting{{Meeting: report.Meeting{UserID: j.UserID, UID: "u-" + j.UserID, Summary: "Möte 漢字", Outcome: "updated", Attendees: 3,
			Start: time.Date(2026, 1, 20, 9, 0, 0, 1500, time.UTC), Provider: "teams", OldJoinURL: "https://old", NewJoinURL: "https://new"}}}}
}

func usersByID(t *testing.T, s *Store, f Filter) map[string]User {
	t.Helper()
	users, err := s.Users(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]User{}
	for _, u := range users {
		out[u.UserID] = u
	}
	return out
}

func allMeetings(t *testing.T, s *Store, batchID string) []Meeting {
	t.Helper()
	var out []Meeting
	if err := s.Meetings(context.Background(), batchID, true, func(m Meeting) error { out = append(out, m); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func testEnqueueAndWork(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	users := append(pending("Anna@Contoso.com", "bo@contoso.com", "partial@contoso.com", "bad-input@contoso.com", "panics@contoso.com"),
		User{UserID: "cy@contoso.com", State: NotTriggered, LastMessage: "sip-address-changed never triggers a migration"},
		User{UserID: "row@contoso.com", State: Failed, LastMessage: "users.csv: line 7: calendar: empty"})
	users[0].MigrationType = "ToTeams"
	b := newBatch(t, s, users...)

	var c calls
	var mu sync.Mutex
	started, done := map[string]bool{}, map[string]string{}
	opts := fast(3)
	opts.Started = func(j Job) { mu.Lock(); started[j.UserID] = true; mu.Unlock() }
	opts.Done = func(j Job, r Result) { mu.Lock(); done[j.UserID] = r.State; mu.Unlock() }
	err := s.Work(ctx, b.ID, opts, func(ctx context.Context, j Job) (Result, error) {
		c.add(j.UserID)
		var p map[string]string
		if err := json.Unmarshal(j.Payload, &p); err != nil || p["user"] == "" || j.Attempt != 1 || j.MaxAttempts != MaxAttempts {
			t.Errorf("job %+v: payload %s %v", j, j.Payload, err)
		}
		switch j.UserID {
		case "bad-input@contoso.com":
			return Result{}, Permanent(errors.New("cal.ics: line 2: not iCalendar"))
		case "panics@contoso.com":
			panic("boom")
		case "partial@contoso.com":
			r := succeed(j)
			r.State, r.FailedMeeting = "", 1
			r.Meetings = append(r.Meetings, Meeting{Meeting: report.Meeting{UserID: j.UserID, UID: "u2", Outcome: "failed", Reason: "cal.ics: line 40: bad DTSTART"}})
			return r, nil
		}
		return succeed(j), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := usersByID(t, s, Filter{BatchID: b.ID})
	if len(got) != 7 {
		t.Fatalf("%d users recorded: %v", len(got), got)
	}
	anna := got["anna@contoso.com"]
	if anna.State != Succeeded || anna.TotalMeeting != 1 || anna.SucceededMeeting != 1 || anna.InvitesUpdate != 1 || anna.MigrationType != "ToTeams" ||
		anna.RetryCount != 0 || anna.LastMessage != "1 meetings rewritten" || c.get("anna@contoso.com") != 1 {
		t.Errorf("anna: %+v calls=%d", anna, c.get("anna@contoso.com"))
	}
	if _, err := uuid.Parse(anna.CorrelationID); err != nil || anna.CorrelationID == got["bo@contoso.com"].CorrelationID {
		t.Errorf("correlation ids %q %q: %v", anna.CorrelationID, got["bo@contoso.com"].CorrelationID, err)
	}
	if anna.CreatedAt.IsZero() || anna.ModifiedAt.Before(anna.CreatedAt) || anna.CreatedAt.Location() != time.UTC {
		t.Errorf("anna's times: %v %v", anna.CreatedAt, anna.ModifiedAt)
	}
	var p map[string]string
	if err := json.Unmarshal(anna.Payload, &p); err != nil || p["user"] != "Anna@Contoso.com" {
		t.Errorf("payload kept: %s %v", anna.Payload, err)
	}
	if u := got["partial@contoso.com"]; u.State != Failed || u.FailedMeeting != 1 || c.get(u.UserID) != 1 {
		t.Errorf("a failed meeting fails the user, without retry: %+v calls=%d", u, c.get(u.UserID))
	}
	if u := got["bad-input@contoso.com"]; u.State != Failed || c.get(u.UserID) != 1 || u.LastMessage != "cal.ics: line 2: not iCalendar" {
		t.Errorf("a permanent error is not retried: %+v calls=%d", u, c.get(u.UserID))
	}
	if u := got["panics@contoso.com"]; u.State != Failed || c.get(u.UserID) != 1 || !strings.Contains(u.LastMessage, "boom") {
		t.Errorf("a panic fails the user: %+v calls=%d", u, c.get(u.UserID))
	}
	if u := got["cy@contoso.com"]; u.State != NotTriggered || u.LastMessage != "sip-address-changed never triggers a migration" || c.get(u.UserID) != 0 {
		t.Errorf("not triggered: %+v", u)
	}
	if u := got["row@contoso.com"]; u.State != Failed || c.get(u.UserID) != 0 {
		t.Errorf("failed by its row: %+v", u)
	}
	if len(started) != 5 || len(done) != 5 || done["partial@contoso.com"] != Failed || done["bo@contoso.com"] != Succeeded {
		t.Errorf("callbacks: started %v done %v", started, done)
	}

	ms := allMeetings(t, s, b.ID)
	want := Meeting{Meeting: report.Meeting{UserID: "anna@contoso.com", UID: "u-anna@contoso.com", Summary: "Möte 漢字", Outcome: "updated", Attendees: 3,
		Start: time.Date(2026, 1, 20, 9, 0, 0, 2000, time.UTC), Provider: "teams", OldJoinURL: "https://old", NewJoinURL: "https://new"}}
	if len(ms) != 4 || !reflect.DeepEqual(ms[0], want) || ms[1].UserID != "bo@contoso.com" || ms[3].UID != "u2" {
		t.Errorf("meetings in users order: %+v", ms)
	}
	assertNoOpenJobs(t, s, b.ID)
}

// assertNoOpenJobs checks River agrees with our tables.
func assertNoOpenJobs(t *testing.T, s *Store, batchID string) {
	t.Helper()
	var n int
	if err := queryRow(context.Background(), s.eng, `SELECT COUNT(*) FROM river_job WHERE queue = ? AND state <> 'completed'`,
		[]any{QueueName(batchID)}, &n); err != nil || n != 0 {
		t.Errorf("%d jobs not completed (%v)", n, err)
	}
}

func testRetriesThenFails(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	b := newBatch(t, s, pending("broken@contoso.com", "flaky@contoso.com")...)
	var c calls
	var attempts []int
	err := s.Work(ctx, b.ID, fast(2), func(ctx context.Context, j Job) (Result, error) {
		n := c.add(j.UserID)
		switch {
		case j.UserID == "broken@contoso.com":
			attempts = append(attempts, j.Attempt)
			u := usersByID(t, s, Filter{BatchID: b.ID, UserID: j.UserID})[j.UserID]
			if u.State != InProgress || u.RetryCount != j.Attempt-1 {
				t.Errorf("attempt %d: user %+v", j.Attempt, u)
			}
			return Result{}, errors.New("calendar unreadable: 503")
		case n == 1:
			return Result{}, errors.New("server busy")
		}
		return succeed(j), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := usersByID(t, s, Filter{BatchID: b.ID})
	if u := got["broken@contoso.com"]; u.State != Failed || u.RetryCount != MaxAttempts-1 || u.LastMessage != "failed after 9 attempts: calendar unreadable: 503" ||
		c.get(u.UserID) != MaxAttempts || !reflect.DeepEqual(attempts, []int{1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Errorf("broken: %+v calls=%d attempts=%v", u, c.get(u.UserID), attempts)
	}
	if u := got["flaky@contoso.com"]; u.State != Succeeded || u.RetryCount != 1 || c.get(u.UserID) != 2 {
		t.Errorf("flaky: %+v calls=%d", u, c.get(u.UserID))
	}
	assertNoOpenJobs(t, s, b.ID)
}

// A batch of more users than River is handed at once gets a job for every
// Pending one, each worked once, and its users back in seq order.
func testManyUsers(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	var users []User
	for i := range 2*jobsPerInsert + 3 {
		users = append(users, pending(fmt.Sprintf("u%04d@contoso.com", i))...)
		if i%100 == 7 {
			users = append(users, User{UserID: fmt.Sprintf("n%04d@contoso.com", i), State: NotTriggered, LastMessage: "no change"})
		}
	}
	b := newBatch(t, s, users...)
	left, err := s.Left(ctx, b.ID)
	if err != nil || left != 2*jobsPerInsert+3 {
		t.Fatalf("left %d %v, want %d", left, err, 2*jobsPerInsert+3)
	}
	c := &calls{}
	if err := s.Work(ctx, b.ID, fast(2), func(ctx context.Context, j Job) (Result, error) {
		c.add(j.UserID)
		return succeed(j), nil
	}); err != nil {
		t.Fatal(err)
	}
	var got []string
	err = s.EachUser(ctx, Filter{BatchID: b.ID}, func(u User) error {
		if u.UserID[0] == 'u' && (u.State != Succeeded || c.get(u.UserID) != 1) {
			t.Errorf("%s: %s after %d calls", u.UserID, u.State, c.get(u.UserID))
		}
		got = append(got, u.UserID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, u := range users {
		if i >= len(got) || got[i] != u.UserID {
			t.Fatalf("user %d: got %d users, in another order (%v), want %s", i, len(got), got[i:min(i+3, len(got))], u.UserID)
		}
	}
	assertNoOpenJobs(t, s, b.ID)
}

func testStatusQueries(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	if _, err := s.LatestBatch(ctx); err == nil || !strings.Contains(err.Error(), "no batch") {
		t.Errorf("empty store: %v", err)
	}
	old := newBatch(t, s, pending("old@contoso.com")...)
	time.Sleep(5 * time.Millisecond)
	b := newBatch(t, s, append(pending("a@contoso.com", "b@contoso.com", "c@contoso.com"),
		User{UserID: "n@contoso.com", State: NotTriggered, LastMessage: "no change"})...)
	latest, err := s.LatestBatch(ctx)
	if err != nil || latest.ID != b.ID || !latest.Now.Equal(time.Date(2026, 1, 19, 8, 0, 0, 0, time.UTC)) || string(latest.Options) == "" {
		t.Fatalf("latest %+v %v", latest, err)
	}
	sum, err := s.Summary(ctx, b.ID)
	if err != nil || !reflect.DeepEqual(sum, map[string]int{Pending: 3, NotTriggered: 1}) {
		t.Errorf("summary before work: %v %v", sum, err)
	}
	mid := time.Now()
	time.Sleep(5 * time.Millisecond)
	err = s.Work(ctx, b.ID, fast(2), func(ctx context.Context, j Job) (Result, error) {
		if j.UserID == "b@contoso.com" {
			return Result{}, Permanent(errors.New("no calendar"))
		}
		return succeed(j), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sum, _ = s.Summary(ctx, b.ID)
	if !reflect.DeepEqual(sum, map[string]int{Succeeded: 2, Failed: 1, NotTriggered: 1}) {
		t.Errorf("summary: %v", sum)
	}
	if all, _ := s.Summary(ctx, ""); all[Pending] != 1 || all[Succeeded] != 2 {
		t.Errorf("summary of all batches: %v", all)
	}
	check := func(name string, f Filter, want ...string) {
		t.Helper()
		users, err := s.Users(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, u := range users {
			ids = append(ids, u.UserID)
		}
		if !reflect.DeepEqual(ids, want) {
			t.Errorf("%s: %v, want %v", name, ids, want)
		}
	}
	check("batch, in enqueue order", Filter{BatchID: b.ID}, "a@contoso.com", "b@contoso.com", "c@contoso.com", "n@contoso.com")
	check("all batches, oldest first", Filter{}, "old@contoso.com", "a@contoso.com", "b@contoso.com", "c@contoso.com", "n@contoso.com")
	check("state", Filter{State: Failed}, "b@contoso.com")
	check("state and batch", Filter{BatchID: old.ID, State: Pending}, "old@contoso.com")
	check("user, any case", Filter{UserID: "C@Contoso.COM"}, "c@contoso.com")
	check("since", Filter{BatchID: b.ID, Since: mid}, "a@contoso.com", "b@contoso.com", "c@contoso.com")
	check("until", Filter{BatchID: b.ID, Until: mid}, "n@contoso.com")
	check("since and until", Filter{Since: mid, Until: mid.Add(time.Hour), State: Succeeded}, "a@contoso.com", "c@contoso.com")
	check("nothing later", Filter{Since: time.Now().Add(time.Hour)})

	// EachUser hands the same rows one at a time, and stops at fn's error.
	stop := errors.New("enough")
	var seen []string
	err = s.EachUser(ctx, Filter{BatchID: b.ID}, func(u User) error {
		seen = append(seen, u.UserID)
		if len(seen) == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || !reflect.DeepEqual(seen, []string{"a@contoso.com", "b@contoso.com"}) {
		t.Errorf("EachUser stopped at %v with %v, want the first two and its error", seen, err)
	}
	if _, err := s.Summary(ctx, b.ID); err != nil { // the rows were closed: the store is usable
		t.Errorf("after a stopped EachUser: %v", err)
	}
}

func testTenant(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	tn, err := s.Tenant(ctx)
	if err != nil || !tn.MeetingMigrationEnabled || !tn.AutomaticallyMigrateUserMeetings || tn.AutomaticallyReplaceACPProvider {
		t.Fatalf("defaults %+v %v", tn, err)
	}
	if err := s.SetTenant(ctx, "automatically_replace_acp_provider", "true"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTenant(ctx, "meeting_migration_enabled", "false"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTenant(ctx, "meeting_migration_enabled", "FALSE"); err != nil {
		t.Fatal(err)
	}
	s2 := open(t, dsn)
	if tn, _ := s2.Tenant(ctx); !tn.AutomaticallyReplaceACPProvider || tn.MeetingMigrationEnabled || !tn.AutomaticallyMigrateUserMeetings {
		t.Fatalf("settings not kept: %+v", tn)
	}
	if err := s.SetTenant(ctx, "colour", "true"); err == nil || !strings.Contains(err.Error(), "meeting_migration_enabled") {
		t.Fatalf("unknown key: %v", err)
	}
	if err := s.SetTenant(ctx, "meeting_migration_enabled", "maybe"); err == nil {
		t.Fatal("bad value accepted")
	}
}

func testOpenTwice(t *testing.T, dsn string) {
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			s, err := Open(context.Background(), dsn)
			if err == nil {
				s.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error("concurrent open:", err)
		}
	}
	s := open(t, dsn)
	var n, v int
	if err := queryRow(context.Background(), s.eng, `SELECT COUNT(*), MAX(version) FROM mms_migration`, nil, &n, &v); err != nil || n != len(migrations) || v != SchemaVersion() {
		t.Errorf("migrations recorded: %d up to %d (%v)", n, v, err)
	}
}

// testConcurrentWork: two stores (two processes) work one batch at once;
// each user is migrated once.
func testConcurrentWork(t *testing.T, dsn string) {
	ctx := context.Background()
	s1, s2 := open(t, dsn), open(t, dsn)
	var ids []string
	for i := range 40 {
		ids = append(ids, "user"+string(rune('a'+i/26))+string(rune('a'+i%26))+"@contoso.com")
	}
	b := newBatch(t, s1, pending(ids...)...)
	var c calls
	var mu sync.Mutex
	by := map[*Store]int{}
	work := func(s *Store) error {
		return s.Work(ctx, b.ID, fast(3), func(ctx context.Context, j Job) (Result, error) {
			c.add(j.UserID)
			mu.Lock()
			by[s]++
			mu.Unlock()
			time.Sleep(10 * time.Millisecond)
			return succeed(j), nil
		})
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, s := range []*Store{s1, s2} {
		wg.Go(func() { errs[i] = work(s) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if n := c.get(id); n != 1 {
			t.Errorf("%s migrated %d times", id, n)
		}
	}
	if sum, _ := s1.Summary(ctx, b.ID); sum[Succeeded] != len(ids) {
		t.Errorf("summary %v", sum)
	}
	if len(allMeetings(t, s2, b.ID)) != len(ids) {
		t.Error("meetings missing")
	}
	t.Logf("users per worker process: %d and %d", by[s1], by[s2])
}

// testResumeAfterCancel: a Work cancelled mid-batch leaves the interrupted
// users Pending without using an attempt; a new Work finishes the batch.
func testResumeAfterCancel(t *testing.T, dsn string) {
	s := open(t, dsn)
	ids := []string{"a@contoso.com", "b@contoso.com", "c@contoso.com", "d@contoso.com", "e@contoso.com", "f@contoso.com"}
	b := newBatch(t, s, pending(ids...)...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var c calls
	blocked := make(chan string, len(ids))
	err := s.Work(ctx, b.ID, fast(2), func(ctx context.Context, j Job) (Result, error) {
		c.add(j.UserID)
		if j.UserID == "a@contoso.com" || j.UserID == "b@contoso.com" {
			return succeed(j), nil
		}
		blocked <- j.UserID
		if len(blocked) == 2 {
			cancel()
		}
		<-ctx.Done()
		return Result{}, ctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Work returned %v", err)
	}
	close(blocked)
	var interrupted []string
	for id := range blocked {
		interrupted = append(interrupted, id)
	}
	got := usersByID(t, s, Filter{BatchID: b.ID})
	for _, id := range interrupted {
		if u := got[id]; u.State != Pending || u.RetryCount != 0 {
			t.Errorf("interrupted %s: %+v", id, u)
		}
	}

	s2 := open(t, dsn) // a new process
	var attempts sync.Map
	err = s2.Work(context.Background(), b.ID, fast(2), func(ctx context.Context, j Job) (Result, error) {
		c.add(j.UserID)
		attempts.Store(j.UserID, j.Attempt)
		return succeed(j), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum, _ := s2.Summary(context.Background(), b.ID); sum[Succeeded] != len(ids) {
		t.Errorf("summary after resume: %v", sum)
	}
	for _, id := range interrupted {
		if a, _ := attempts.Load(id); a != 1 || c.get(id) != 2 {
			t.Errorf("%s: resumed at attempt %v, %d calls", id, a, c.get(id))
		}
	}
	for _, id := range []string{"a@contoso.com", "b@contoso.com"} {
		if c.get(id) != 1 {
			t.Errorf("%s was done before the stop and ran again", id)
		}
	}
	assertNoOpenJobs(t, s2, b.ID)
}

// crash leaves the batch as a killed process would: its jobs running since
// an hour ago, its users InProgress.
func crash(t *testing.T, s *Store, batchID string) {
	t.Helper()
	ctx := context.Background()
	q := `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = datetime('now', '-1 hour'), attempted_by = '["dead-process"]'
		WHERE queue = ?`
	if s.eng.dialect().name == postgresDialect.name {
		q = `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() - interval '1 hour', attempted_by = ARRAY['dead-process']
			WHERE queue = ?`
	}
	if n, err := s.eng.exec(ctx, q, QueueName(batchID)); err != nil || n == 0 {
		t.Fatalf("simulating a crash: %d jobs, %v", n, err)
	}
	if _, err := s.eng.exec(ctx, `UPDATE mms_user SET state = ? WHERE batch_id = ?`, InProgress, batchID); err != nil {
		t.Fatal(err)
	}
}

func testRescueAfterCrash(t *testing.T, dsn string) {
	s := open(t, dsn)
	ids := []string{"a@contoso.com", "b@contoso.com", "c@contoso.com"}
	b := newBatch(t, s, pending(ids...)...)
	crash(t, s, b.ID)
	s2 := open(t, dsn)
	opts := fast(2)
	opts.JobTimeout, opts.RescueAfter = time.Second, time.Second
	var c calls
	start := time.Now()
	err := s2.Work(context.Background(), b.ID, opts, func(ctx context.Context, j Job) (Result, error) {
		c.add(j.UserID)
		if j.Attempt != 2 {
			t.Errorf("%s: attempt %d after a rescue", j.UserID, j.Attempt)
		}
		return succeed(j), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := usersByID(t, s2, Filter{BatchID: b.ID})
	for _, id := range ids {
		if u := got[id]; u.State != Succeeded || u.RetryCount != 1 || c.get(id) != 1 {
			t.Errorf("%s after rescue: %+v calls=%d", id, u, c.get(id))
		}
	}
	t.Logf("rescued and finished in %s", time.Since(start).Round(time.Millisecond))
}

// testBatchesKeepApart: Work for one batch leaves another batch's jobs.
func testBatchesKeepApart(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	first := newBatch(t, s, pending("first@contoso.com")...)
	second := newBatch(t, s, pending("second@contoso.com")...)
	var c calls
	fn := func(ctx context.Context, j Job) (Result, error) {
		c.add(j.BatchID + "/" + j.UserID)
		return succeed(j), nil
	}
	if err := s.Work(ctx, second.ID, fast(1), fn); err != nil {
		t.Fatal(err)
	}
	if c.get(first.ID+"/first@contoso.com") != 0 || c.get(second.ID+"/second@contoso.com") != 1 {
		t.Fatalf("work of the second batch: %v", c.n)
	}
	if err := s.Work(ctx, "", fast(1), fn); err != nil { // every batch with users left
		t.Fatal(err)
	}
	if c.get(first.ID+"/first@contoso.com") != 1 || c.get(second.ID+"/second@contoso.com") != 1 {
		t.Fatalf("work of all batches: %v", c.n)
	}
	if err := s.Work(ctx, "", fast(1), fn); err != nil { // nothing left
		t.Fatal(err)
	}
}

// testIntents: what a job records before writing survives its failure, and
// its original bytes survive its completion.
func testIntents(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	b := newBatch(t, s, pending("a@contoso.com", "b@contoso.com")...)
	orig := []byte("BEGIN:VEVENT\r\nUID:m1\r\nEND:VEVENT\r\n")
	err := s.Work(ctx, b.ID, fast(1), func(ctx context.Context, j Job) (Result, error) {
		if j.Attempt == 1 {
			if ms, _ := s.UserMeetings(ctx, j.BatchID, j.UserID); len(ms) != 0 {
				t.Errorf("%s: intents before any: %+v", j.UserID, ms)
			}
		}
		if err := s.RecordIntent(ctx, j.BatchID, j.UserID, Meeting{Meeting: report.Meeting{UserID: j.UserID, UID: "m1"}, Original: orig}); err != nil {
			return Result{}, err
		}
		if err := s.RecordCompleted(ctx, j.BatchID, j.UserID, "m1"); err != nil {
			return Result{}, err
		}
		if j.UserID == "a@contoso.com" {
			return Result{}, Permanent(errors.New("SMTP relay refused"))
		}
		ms, err := s.UserMeetings(ctx, j.BatchID, j.UserID)
		if err != nil || len(ms) != 1 || !ms[0].Intent || !ms[0].Completed {
			t.Errorf("intents during the job: %+v %v", ms, err)
		}
		return Result{State: Succeeded, TotalMeeting: 2, SucceededMeeting: 1, SkippedMeeting: 1, Meetings: []Meeting{
			{Meeting: report.Meeting{UserID: j.UserID, UID: "m0", Outcome: "skipped", Reason: "past"}},
			{Meeting: report.Meeting{UserID: j.UserID, UID: "m1", Outcome: "updated"}},
		}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := s.UserMeetings(ctx, b.ID, "a@contoso.com")
	if len(a) != 1 || !a[0].Completed || string(a[0].Original) != string(orig) {
		t.Errorf("a failed user keeps what it wrote: %+v", a)
	}
	bm, _ := s.UserMeetings(ctx, b.ID, "b@contoso.com")
	if len(bm) != 2 || bm[0].UID != "m0" || bm[0].Intent || bm[1].Outcome != "updated" || !bm[1].Completed || string(bm[1].Original) != string(orig) {
		t.Errorf("outcome keeps the intents: %+v", bm)
	}
	if err := s.RecordCompleted(ctx, b.ID, "b@contoso.com", "nope"); err == nil {
		t.Error("completion without intent accepted")
	}
}

// testOriginalsMoveOut: a store of schema 3 kept originals in the meeting
// rows; opening it moves them to mms_original, where UserMeetings and a
// rollback find them.
func testOriginalsMoveOut(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	d := s.eng.dialect()
	orig := []byte("BEGIN:VEVENT\r\nUID:m1\r\nEND:VEVENT\r\n")
	var undo []string // the columns of schemas 6 and 7
	for _, col := range strings.Split(meetingReadColumns, ", ") {
		undo = append(undo, `ALTER TABLE mms_meeting DROP COLUMN `+col)
	}
	for _, q := range append(undo, // back to schema 3
		`DROP TABLE mms_original`,
		`DROP TABLE mms_sent`,                             // schema 5
		`ALTER TABLE mms_user DROP COLUMN server_invites`, // schema 8
		`ALTER TABLE mms_user DROP COLUMN display`,        // schema 9
		`ALTER TABLE mms_meeting ADD COLUMN original {{bytes}}`,
		`DELETE FROM mms_migration WHERE version >= 4`,
	) {
		if _, err := s.eng.exec(ctx, d.ddl(q)); err != nil {
			t.Fatal(q, err)
		}
	}
	if _, err := s.eng.exec(ctx, `INSERT INTO mms_meeting (batch_id, user_id, seq, uid, summary, start, attendees, outcome, reason,
		provider, old_join_url, new_join_url, intent, completed, original) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		"b1", "a@contoso.com", 0, "m1", "", time.Time{}, 0, "updated", "", "", "", "", true, true, orig); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, dsn)
	ms, err := s.UserMeetings(ctx, "b1", "a@contoso.com")
	if err != nil || len(ms) != 1 || string(ms[0].Original) != string(orig) || !ms[0].Completed {
		t.Fatalf("after the upgrade: %+v, %v", ms, err)
	}
	var cols int
	q := `SELECT COUNT(*) FROM pragma_table_info('mms_meeting') WHERE name = 'original'`
	if d.name == postgresDialect.name {
		q = `SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'mms_meeting' AND column_name = 'original'`
	}
	if err := queryRow(ctx, s.eng, q, nil, &cols); err != nil || cols != 0 {
		t.Errorf("mms_meeting still has its original column (%d, %v)", cols, err)
	}
}

// testPlanDecisions: a plan's decided rows are kept beside its intents,
// a later attempt's decision replaces an earlier one, and never an intent.
func testPlanDecisions(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	b := newBatch(t, s, pending("a@contoso.com")...)
	row := func(uid, outcome, reason string, intent bool) Meeting {
		return Meeting{Meeting: report.Meeting{UserID: "a@contoso.com", UID: uid, Outcome: outcome, Reason: reason}, Intent: intent}
	}
	err := s.Work(ctx, b.ID, fast(1), func(ctx context.Context, j Job) (Result, error) {
		if err := s.RecordPlan(ctx, j.BatchID, j.UserID, []Meeting{row("u1", "updated", "", true), row("s1", "failed", "time-zone", false)}); err != nil {
			return Result{}, err
		}
		if err := s.RecordPlan(ctx, j.BatchID, j.UserID, []Meeting{row("s1", "skipped", "past", false), row("u1", "skipped", "past", false)}); err != nil {
			return Result{}, err
		}
		ms, err := s.UserMeetings(ctx, j.BatchID, j.UserID)
		if err != nil || len(ms) != 2 {
			t.Fatalf("%d rows, %v", len(ms), err)
		}
		for _, m := range ms {
			switch {
			case m.UID == "u1" && (!m.Intent || m.Outcome != "updated"):
				t.Errorf("the intent became %+v", m)
			case m.UID == "s1" && (m.Intent || m.Outcome != "skipped" || m.Reason != "past"):
				t.Errorf("the later decision did not replace the earlier: %s %s %q", m.UID, m.Outcome, m.Reason)
			}
		}
		return Result{State: Succeeded}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testManyIntents: intents over several INSERTs, recorded twice for some
// UIDs, keep one row per UID in order with the first original; the
// completion's rows, more than one INSERT holds, keep those flags.
func testManyIntents(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	b := newBatch(t, s, pending("a@contoso.com")...)
	meeting := func(i int, orig string) Meeting {
		return Meeting{Meeting: report.Meeting{UserID: "a@contoso.com", UID: fmt.Sprintf("m%03d", i), Summary: fmt.Sprint("meeting ", i), Outcome: "updated"}, Original: []byte(orig)}
	}
	err := s.Work(ctx, b.ID, fast(1), func(ctx context.Context, j Job) (Result, error) {
		var first, second []Meeting
		for i := range 120 {
			first = append(first, meeting(i, "first"))
		}
		for i := 100; i < 130; i++ { // 20 again, 10 new
			second = append(second, meeting(i, "second"))
		}
		if err := s.RecordIntents(ctx, j.BatchID, j.UserID, first); err != nil {
			return Result{}, err
		}
		if err := s.RecordIntents(ctx, j.BatchID, j.UserID, second); err != nil {
			return Result{}, err
		}
		ms, err := s.UserMeetings(ctx, j.BatchID, j.UserID)
		if err != nil || len(ms) != 130 {
			t.Fatalf("%d intent rows, %v", len(ms), err)
		}
		for i, m := range ms {
			want := "first"
			if i >= 120 {
				want = "second"
			}
			if m.UID != fmt.Sprintf("m%03d", i) || !m.Intent || string(m.Original) != want {
				t.Fatalf("row %d: %s intent=%v original %q, want m%03d %q", i, m.UID, m.Intent, m.Original, i, want)
			}
		}
		if err := s.RecordCompleted(ctx, j.BatchID, j.UserID, "m007"); err != nil {
			return Result{}, err
		}
		res := Result{State: Succeeded, TotalMeeting: 131, SucceededMeeting: 130, SkippedMeeting: 1}
		res.Meetings = append(res.Meetings, Meeting{Meeting: report.Meeting{UserID: j.UserID, UID: "past", Outcome: "skipped", Reason: "past"}})
		for i := range 130 {
			res.Meetings = append(res.Meetings, Meeting{Meeting: report.Meeting{UserID: j.UserID, UID: fmt.Sprintf("m%03d", i), Outcome: "updated"}})
		}
		return res, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := s.UserMeetings(ctx, b.ID, "a@contoso.com")
	if err != nil || len(ms) != 131 || ms[0].UID != "past" || ms[0].Intent || ms[130].UID != "m129" {
		t.Fatalf("%d rows after completion, %v", len(ms), err)
	}
	if m := ms[8]; m.UID != "m007" || !m.Intent || !m.Completed || string(m.Original) != "first" {
		t.Errorf("m007 after completion: %+v", m)
	}
	if m := ms[9]; m.UID != "m008" || !m.Intent || m.Completed {
		t.Errorf("m008 after completion: %+v", m)
	}
}

// testLostJob: a user whose job River discarded without an outcome (a
// worker died in its last attempt) is Failed when the batch ends, not
// left InProgress forever.
func testLostJob(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	b := newBatch(t, s, pending("lost@contoso.com", "fine@contoso.com")...)
	q := `UPDATE river_job SET state = 'discarded', finalized_at = created_at WHERE queue = ? AND json_extract(args, '$.user_id') = ?`
	if s.eng.dialect().name == postgresDialect.name {
		q = strings.Replace(q, "json_extract(args, '$.user_id')", "args->>'user_id'", 1)
	}
	if n, err := s.eng.exec(ctx, q, QueueName(b.ID), "lost@contoso.com"); err != nil || n != 1 {
		t.Fatalf("discarding a job: %d, %v", n, err)
	}
	if err := s.Work(ctx, b.ID, fast(1), func(ctx context.Context, j Job) (Result, error) { return succeed(j), nil }); err != nil {
		t.Fatal(err)
	}
	got := usersByID(t, s, Filter{BatchID: b.ID})
	if u := got["lost@contoso.com"]; u.State != Failed || !strings.Contains(u.LastMessage, "mms start --user") {
		t.Errorf("lost: %+v", u)
	}
	if got["fine@contoso.com"].State != Succeeded {
		t.Errorf("fine: %+v", got["fine@contoso.com"])
	}
}

// A password is never shown: neither in a URL's user part nor in its
// password parameters, nor in a keyword string, which Open refuses
// rather than take for a file's name.
func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"mms.db":                                                     "mms.db",
		"postgres://mms:s3cret@db:5432/mms":                          "postgres://mms:xxxxx@db:5432/mms",
		"postgresql://mms@db/mms?sslmode=off":                        "postgresql://mms@db/mms?sslmode=off",
		"postgres://mms:s3cret@db:port/mms":                          "postgres://(unreadable URL)",
		"postgres://db/mms?user=mms&password=s3cret&sslmode=disable": "postgres://db/mms?user=mms&password=xxxxx&sslmode=disable",
		"postgres://mms:a@db/mms?sslpassword=s3cret":                 "postgres://mms:xxxxx@db/mms?sslpassword=xxxxx",
		"host=db user=mms password=s3cret dbname=mms":                "host=db user=mms password=xxxxx dbname=mms",
		"host=db password='s3 cret' dbname=mms":                      "host=db password=xxxxx dbname=mms",
		"calendars/mms=1.db":                                         "calendars/mms=1.db",
		"postgres://db/mms?sslmode=disable&password=S3cret%PW":       "postgres://db/mms?sslmode=disable&password=xxxxx",
		"postgres://db/mms?sslmode=disable;Password=s3cret":          "postgres://db/mms?sslmode=disable;Password=xxxxx",
		"host = db user = mms password = s3cret":                     "host = db user = mms password = xxxxx",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
	dir := t.TempDir()
	dsn := "host=db user=mms password=s3cret dbname=" + dir + "/x"
	_, err := Open(context.Background(), dsn)
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "postgres://") {
		t.Errorf("Open(keyword string): %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("Open(keyword string) made %d files", len(entries))
	}
	if err := CheckDSN("host = db password= s3cret"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("CheckDSN(spaced keyword string): %v", err)
	}
	if err := CheckDSN("./user=bob.db"); err != nil {
		t.Errorf("CheckDSN(a path holding =): %v", err)
	}
}

// testGoneProcesses: jobs left running by a process registered on this host
// whose pid is gone, or on another host whose heartbeat is stale, are taken
// again at once; those of a live process (another host, fresh heartbeat)
// are left to it until its lease runs out.
func testGoneProcesses(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	b := newBatch(t, s, pending("dead@contoso.com", "stale@contoso.com", "live@contoso.com")...)
	host, _ := os.Hostname()
	self := newProcess()
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	owners := map[string]process{
		"dead@contoso.com":  {id: "dead", host: host, pid: gone.Process.Pid, token: "1"},
		"stale@contoso.com": {id: "stale", host: "elsewhere", pid: 1, token: "1"},
		"live@contoso.com":  {id: "live", host: "elsewhere", pid: 1, token: "1"},
	}
	for user, p := range owners {
		if err := s.register(ctx, p); err != nil {
			t.Fatal(err)
		}
		q := `UPDATE river_job SET state = 'running', attempt = 1, attempted_by = json_array(?) WHERE queue = ? AND json_extract(args, '$.user_id') = ?`
		if s.eng.dialect().name == postgresDialect.name {
			q = `UPDATE river_job SET state = 'running', attempt = 1, attempted_by = ARRAY[?::text] WHERE queue = ? AND args->>'user_id' = ?`
		}
		if n, err := s.eng.exec(ctx, q, p.id, QueueName(b.ID), user); err != nil || n != 1 {
			t.Fatalf("%s: %d jobs, %v", user, n, err)
		}
	}
	if _, err := s.eng.exec(ctx, `UPDATE mms_process SET heartbeat_at = ? WHERE id = ?`, time.Now().Add(-time.Minute), "stale"); err != nil {
		t.Fatal(err)
	}
	n, err := s.rescueOrphans(ctx, self, []string{QueueName(b.ID)}, 30*time.Second)
	if err != nil || n != 2 {
		t.Fatalf("rescued %d jobs (%v), want 2: the gone pid's and the stale heartbeat's", n, err)
	}
	var state string
	q := `SELECT state FROM river_job WHERE queue = ? AND json_extract(args, '$.user_id') = ?`
	if s.eng.dialect().name == postgresDialect.name {
		q = `SELECT state FROM river_job WHERE queue = ? AND args->>'user_id' = ?`
	}
	if err := queryRow(ctx, s.eng, q, []any{QueueName(b.ID), "live@contoso.com"}, &state); err != nil || state != "running" {
		t.Fatalf("the live process's job: %s %v", state, err)
	}
	if n, _ := s.rescueOrphans(ctx, self, []string{QueueName(b.ID)}, time.Nanosecond); n != 1 {
		t.Fatalf("after its lease, the silent process's job is taken: %d", n)
	}
	var c calls
	opts := fast(2)
	opts.RescueAfter = time.Hour // only our own rescue may take them
	opts.JobTimeout = time.Hour
	if err := s.Work(ctx, b.ID, opts, func(ctx context.Context, j Job) (Result, error) { c.add(j.UserID); return succeed(j), nil }); err != nil {
		t.Fatal(err)
	}
	for user := range owners {
		if c.get(user) != 1 {
			t.Errorf("%s migrated %d times", user, c.get(user))
		}
	}
}

// testResumableBatches: a batch made with its users in one transaction is
// found again by its fingerprint until it is finished; Record writes an
// outcome without a job.
func testResumableBatches(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	now := time.Date(2026, 1, 19, 8, 0, 0, 0, time.UTC)
	if _, ok, err := s.ResumableBatch(ctx, "fp1"); ok || err != nil {
		t.Fatalf("empty store: %v %v", ok, err)
	}
	b, err := s.CreateBatch(ctx, Batch{Now: now, Stamp: now, Fingerprint: "fp1", Kind: BatchRun, Options: json.RawMessage(`{"out":"o"}`)},
		append(pending("a@contoso.com", "b@contoso.com"), User{UserID: "c@contoso.com", State: InProgress}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateBatch(ctx, Batch{Now: now, Stamp: now, Fingerprint: "fp1"}, []User{{UserID: "x", State: "Done"}}); err == nil {
		t.Fatal("a bad user row was accepted")
	}
	got, ok, err := s.ResumableBatch(ctx, "fp1")
	if err != nil || !ok || got.ID != b.ID || got.Kind != BatchRun || got.Finished || !got.Stamp.Equal(now) || string(got.Options) == "" {
		t.Fatalf("resumable: %+v %v %v (want %s; the failed CreateBatch left nothing)", got, ok, err, b.ID)
	}
	if n, _ := s.Left(ctx, b.ID); n != 3 {
		t.Errorf("left: %d", n)
	}
	if err := s.Record(ctx, b.ID, "C@contoso.com", Result{TotalMeeting: 1, SucceededMeeting: 1, LastMessage: "done by hand",
		Meetings: []Meeting{{Meeting: report.Meeting{UserID: "c@contoso.com", UID: "m1", Outcome: "restored"}}}}); err != nil {
		t.Fatal(err)
	}
	if u := usersByID(t, s, Filter{BatchID: b.ID})["c@contoso.com"]; u.State != Succeeded || u.LastMessage != "done by hand" {
		t.Errorf("recorded: %+v", u)
	}
	if err := s.Work(ctx, b.ID, fast(2), func(ctx context.Context, j Job) (Result, error) { return succeed(j), nil }); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Left(ctx, b.ID); n != 0 {
		t.Errorf("left after work: %d", n)
	}
	if open, _ := s.UnfinishedBatches(ctx); len(open) != 1 || open[0].ID != b.ID {
		t.Errorf("unfinished: %+v", open)
	}
	if err := s.FinishBatch(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.ResumableBatch(ctx, "fp1"); ok {
		t.Error("a finished batch is resumable")
	}
	if open, _ := s.UnfinishedBatches(ctx); len(open) != 0 {
		t.Errorf("unfinished after finish: %+v", open)
	}
}

// TestOneOpenBatchPerFingerprint: a second unfinished batch of the same
// fingerprint is refused; once the first is finished, another may be made.
func TestOneOpenBatchPerFingerprint(t *testing.T) {
	ctx := context.Background()
	engines := map[string]string{"sqlite": filepath.Join(t.TempDir(), "mms.db")}
	if dsn := pgtest.Optional(t); dsn != "" {
		engines["postgres"] = dsn
	}
	for name, dsn := range engines {
		s := open(t, dsn)
		first, err := s.CreateBatch(ctx, Batch{Fingerprint: "same"}, pending("a@contoso.com"))
		if err != nil {
			t.Fatal(name, err)
		}
		if _, err := s.CreateBatch(ctx, Batch{Fingerprint: "same"}, pending("a@contoso.com")); err == nil {
			t.Errorf("%s: a second open batch of one fingerprint was made", name)
		}
		if _, err := s.CreateBatch(ctx, Batch{}, nil); err != nil {
			t.Errorf("%s: batches without a fingerprint: %v", name, err)
		}
		if _, err := s.CreateBatch(ctx, Batch{}, nil); err != nil {
			t.Errorf("%s: batches without a fingerprint: %v", name, err)
		}
		s.FinishBatch(ctx, first.ID)
		if _, err := s.CreateBatch(ctx, Batch{Fingerprint: "same"}, nil); err != nil {
			t.Errorf("%s: after the first finished: %v", name, err)
		}
	}
}

// testStoppedWhileStarting: a job whose run was stopped as it began goes
// back to Pending ("interrupted"), snoozed so the attempt does not count;
// never InProgress with no process working it.
func testStoppedWhileStarting(t *testing.T, dsn string) {
	s := open(t, dsn)
	b := newBatch(t, s, pending("a@contoso.com")...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := &worker{store: s, run: ctx, abort: func(error) {}, fn: func(context.Context, Job) (Result, error) {
		t.Error("the user was migrated after the stop")
		return Result{}, nil
	}}
	rj := &river.Job[userArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 3}, Args: userArgs{BatchID: b.ID, UserID: "a@contoso.com"}}
	err := w.Work(ctx, rj)
	if !errors.As(err, new(*rivertype.JobSnoozeError)) {
		t.Errorf("Work after the stop returned %v; want a snooze, the attempt not counted", err)
	}
	if u := usersByID(t, s, Filter{BatchID: b.ID})["a@contoso.com"]; u.State != Pending || !strings.Contains(u.LastMessage, "interrupted") {
		t.Errorf("user after the stop: %s %q; want Pending, interrupted", u.State, u.LastMessage)
	}
}

// TestRestoredUsersReadsBothFingerprints: the users finished rollbacks of a
// batch restored are found whether the rollback was recorded under this
// version's fingerprint or an earlier one's (SQLite kept those); users a
// rollback failed, and rollbacks of other batches, are not.
func TestRestoredUsersReadsBothFingerprints(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "mms.db"))
	ctx := context.Background()
	of := "0b1c2d3e-0000-4000-8000-000000000001"
	for i, rb := range []struct{ fp, user, state string }{
		{RollbackFingerprint(of, ""), "a@contoso.com", Succeeded},
		{legacyRollbackFingerprint(of, "b@contoso.com"), "b@contoso.com", Succeeded},
		{RollbackFingerprint(of, "c@contoso.com"), "c@contoso.com", Failed},
		{RollbackFingerprint("0b1c2d3e-0000-4000-8000-000000000002", ""), "d@contoso.com", Succeeded},
	} {
		b, err := s.NewBatch(ctx, Batch{Kind: BatchRollback, Fingerprint: rb.fp})
		if err != nil {
			t.Fatal(i, err)
		}
		if err := s.Enqueue(ctx, b.ID, []User{{UserID: rb.user, State: rb.state}}); err != nil {
			t.Fatal(i, err)
		}
		if err := s.FinishBatch(ctx, b.ID); err != nil {
			t.Fatal(i, err)
		}
	}
	got, err := s.RestoredUsers(ctx, of)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["a@contoso.com"].ID == "" || got["b@contoso.com"].ID == "" {
		t.Errorf("restored users: %v; want a and b", got)
	}
}

// testTimesOutOfRange: a meeting on .NET's last day, 9999-12-31, in a zone
// west of UTC starts in year 10000, and one on 0001-01-01 east of it in
// year 0: both are kept as the nearest time of years 1 to 9999 and read
// back; no report could be written for the batch once one was stored.
func testTimesOutOfRange(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	b := newBatch(t, s, pending("a@contoso.com")...)
	pst := time.FixedZone("PST", -8*3600)
	late := time.Date(9999, 12, 31, 20, 0, 0, 0, pst)
	early := time.Date(1, 1, 1, 0, 30, 0, 0, time.FixedZone("CET", 3600))
	normal := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	err := s.Work(ctx, b.ID, fast(1), func(ctx context.Context, j Job) (Result, error) {
		row := func(uid string, start, end time.Time) Meeting {
			return Meeting{Meeting: report.Meeting{UserID: j.UserID, UID: uid, Start: start, End: end, Outcome: "skipped", Reason: "no-meeting-block"}}
		}
		if err := s.RecordPlan(ctx, j.BatchID, j.UserID, []Meeting{row("late", late, late.Add(time.Hour)), row("early", early, early), row("normal", normal, normal.Add(time.Hour))}); err != nil {
			return Result{}, err
		}
		return Result{State: Succeeded}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]time.Time{
		"late":   {lastTime, lastTime},
		"early":  {firstTime, firstTime},
		"normal": {normal, normal.Add(time.Hour)},
	}
	ms := allMeetings(t, s, b.ID)
	if len(ms) != 3 {
		t.Fatalf("%d meetings read back, want 3", len(ms))
	}
	for _, m := range ms {
		if w := want[m.UID]; !m.Start.Equal(w[0]) || !m.End.Equal(w[1]) {
			t.Errorf("%s: %s to %s read back, want %s to %s", m.UID, m.Start, m.End, w[0], w[1])
		}
	}
}
