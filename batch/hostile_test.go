package batch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/store"
)

// stuck never gets one meeting's update out (a relay that keeps deferring
// it); the others go.
type stuck struct {
	mu   sync.Mutex
	uid  string // "" the first UID it is given
	sent map[string]int
}

func (s *stuck) Send(_ context.Context, m migrate.Message) (migrate.Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.uid == "" {
		s.uid = m.UID
	}
	if m.UID == s.uid {
		return migrate.Delivery{}, errors.New("451 try again later")
	}
	s.sent[m.UID]++
	return migrate.Delivery{}, nil
}

// A meeting whose update never went out is not reported updated: after
// the last attempt its row is failed ("update not sent"), the meetings
// whose updates went out stay updated, and the user's counts are those of
// its rows (the 256-character address once ended Failed with no meeting
// counted and rows saying updated).
func TestUpdateNeverSentIsNotUpdated(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	st, b := demoBatchOf(t, o, "user00000@contoso.com")
	mail := &stuck{sent: map[string]int{}}
	w := &migrate.Worker{Now: demoNow, Stamp: demoNow, Calendars: migrate.FileCalendars{Dir: filepath.Join(o.Out, "calendars")}, Mailer: mail,
		Journal: &migrate.Journal{Store: st, BatchID: b.ID}}
	if n := workAll(t, st, b.ID, w); n != store.MaxAttempts {
		t.Errorf("%d attempts, want %d", n, store.MaxAttempts)
	}
	u, _ := st.Users(ctx, store.Filter{BatchID: b.ID})
	ms, _ := st.UserMeetings(ctx, b.ID, "user00000@contoso.com")
	if len(u) != 1 || u[0].State != store.Failed || !strings.HasPrefix(u[0].LastMessage, "failed after 9 attempts: ") || len(mail.sent) == 0 {
		t.Fatalf("user %+v, %d sent", u, len(mail.sent))
	}
	var updated, failed, skipped int
	for _, m := range ms {
		switch {
		case m.Outcome == migrate.Skipped: // the meetings it decided to leave are reported too
			skipped++
		case m.UID == mail.uid:
			failed++
			if m.Outcome != migrate.Failed || m.Reason != migrate.KindNotSent || !strings.Contains(m.Detail, "update not sent") || !strings.Contains(m.Detail, "451") {
				t.Errorf("the meeting never sent: %s %q %q", m.Outcome, m.Reason, m.Detail)
			}
		case m.Outcome == migrate.Updated:
			updated++
			if mail.sent[m.UID] != 1 {
				t.Errorf("meeting %s updated, its update sent %d times", m.UID, mail.sent[m.UID])
			}
		default:
			t.Errorf("meeting %s: %s %q", m.UID, m.Outcome, m.Reason)
		}
	}
	if got := u[0]; got.TotalMeeting != len(ms) || got.FailedMeeting != failed || got.SucceededMeeting != updated || got.SkippedMeeting != skipped ||
		got.InvitesUpdate != len(mail.sent) || failed != 1 || skipped == 0 {
		t.Errorf("user counts total %d, failed %d, succeeded %d, skipped %d, invites %d; rows: %d, %d failed, %d updated, %d skipped; %d sent",
			got.TotalMeeting, got.FailedMeeting, got.SucceededMeeting, got.SkippedMeeting, got.InvitesUpdate, len(ms), failed, updated, skipped, len(mail.sent))
	}
}

// An --out whose calendars folder is a file fails each user at once (no
// retry can fix it), naming the path, with rows and counts that agree.
func TestPermanentLocalErrorFailsAtOnce(t *testing.T) {
	o := demoOptions(t)
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(o.Out, "calendars"), []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var retries int
	o.Events = func(e Event) {
		if e.Kind == UserRetry {
			mu.Lock()
			retries++
			mu.Unlock()
		}
	}
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != sum.Triggered || sum.Triggered == 0 || retries != 0 {
		t.Fatalf("%d of %d failed, %d retries", sum.Failed, sum.Triggered, retries)
	}
	st, err := store.Open(context.Background(), o.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	users, _ := st.Users(context.Background(), store.Filter{BatchID: sum.BatchID, State: store.Failed})
	for _, u := range users {
		if u.RetryCount != 0 || !strings.Contains(u.LastMessage, "not a directory") || !strings.Contains(u.LastMessage, "calendars") {
			t.Errorf("%s: %d retries, %q", u.UserID, u.RetryCount, u.LastMessage)
		}
		ms, _ := st.UserMeetings(context.Background(), sum.BatchID, u.UserID)
		failed := 0
		for _, m := range ms {
			if m.Outcome == migrate.Updated {
				t.Errorf("%s: meeting %s updated though its calendar could not be written", u.UserID, m.UID)
			}
			if m.Outcome == migrate.Failed {
				failed++
				if m.Reason != migrate.KindWrite || !strings.Contains(m.Detail, "not a directory") {
					t.Errorf("%s: meeting %s failed %q %q; want write-error with the system's message in Detail", u.UserID, m.UID, m.Reason, m.Detail)
				}
			}
		}
		if u.TotalMeeting != len(ms) || u.FailedMeeting != failed || failed == 0 {
			t.Errorf("%s: counts %d total, %d failed; rows %d, %d failed", u.UserID, u.TotalMeeting, u.FailedMeeting, len(ms), failed)
		}
	}
}

// A CalDAV calendar URL with a password is refused, and the password is
// nowhere in the state store: not in the user's payload, not in its
// message.
func TestPasswordInCalDAVURLNeverStored(t *testing.T) {
	dir := copyDemo(t)
	users := filepath.Join(dir, "users.csv")
	data, err := os.ReadFile(users)
	if err != nil {
		t.Fatal(err)
	}
	const secret = "s3cret-Pw-4711"
	data = bytes.Replace(data, []byte("calendars/user00001.ics"), []byte("https://anna:"+secret+"@dav.contoso.com/cal/anna/"), 1)
	if err := os.WriteFile(users, data, 0o644); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	o := RunOptions{Users: users, Changes: filepath.Join(dir, "changes.csv"), Out: filepath.Join(work, "out"), Report: filepath.Join(work, "r.csv"),
		Now: demoNow, DB: filepath.Join(work, "mms.db"), Tuning: Tuning{Workers: 2, Getenv: func(string) string { return "" }}}
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), o.DB)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.Users(context.Background(), store.Filter{BatchID: sum.BatchID, UserID: "user00001@contoso.com"})
	st.Close()
	if err != nil || len(u) != 1 || u[0].State != store.Failed || !strings.Contains(u[0].LastMessage, "holds a password") ||
		!strings.Contains(u[0].LastMessage, "https://anna@dav.contoso.com/cal/anna/") {
		t.Fatalf("user %+v, %v", u, err)
	}
	var a migrate.Assignment
	if len(u[0].Payload) > 0 && json.Unmarshal(u[0].Payload, &a) == nil && strings.Contains(a.Calendar, secret) {
		t.Errorf("payload calendar %s", a.Calendar)
	}
	for _, name := range []string{o.DB, o.DB + "-wal", o.DB + "-shm", o.Report, reportMeetings(o.Report)} {
		data, err := os.ReadFile(name)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("%s holds the password", name)
		}
	}
}

// A report (or its meetings CSV) that is the SQLite state store, or a
// store that is an input, is refused before anything is written: the
// store, its history and the rollback journal stay as they were.
func TestReportNeverReplacesTheStore(t *testing.T) {
	dir := copyDemo(t)
	work := t.TempDir()
	base := RunOptions{Users: filepath.Join(dir, "users.csv"), Changes: filepath.Join(dir, "changes.csv"), Out: filepath.Join(work, "out"), Now: demoNow}
	// A store with a batch in it, whose name is one a report could have.
	first := base
	first.DB, first.Report, first.DryRun = filepath.Join(work, "state.csv"), filepath.Join(work, "first.csv"), true
	if _, err := Run(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(work, "link.csv")
	if err := os.Symlink(first.DB, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, db, report, want string
	}{
		{"report is the store", first.DB, first.DB, "is the state store"},
		{"report links to the store", first.DB, link, "is the state store"},
		{"meetings CSV is the store", filepath.Join(work, "r.meetings.csv"), filepath.Join(work, "r.csv"), "is the state store"},
		{"store is the users file", base.Users, filepath.Join(work, "r2.csv"), "--db " + base.Users + " is the users file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, _ := os.ReadFile(c.db)
			o := base
			o.DB, o.Report = c.db, c.report
			_, err := Run(context.Background(), o)
			if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want bad input saying %q", err, c.want)
			}
			if after, _ := os.ReadFile(c.db); !bytes.Equal(before, after) {
				t.Errorf("%s changed", c.db)
			}
		})
	}
	_, err := Rollback(context.Background(), RollbackOptions{DB: first.DB, BatchID: "x", Report: first.DB})
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "is the state store") {
		t.Errorf("rollback --report over the store: %v", err)
	}
	_, err = Start(context.Background(), StartOptions{DB: first.DB, User: "user00000@contoso.com", Report: first.DB})
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "is the state store") {
		t.Errorf("start --report over the store: %v", err)
	}
	st, err := store.Open(context.Background(), first.DB)
	if err != nil {
		t.Fatalf("the store after all that: %v", err)
	}
	st.Close()
}

// Rewritten calendars and outbox messages are made 0666 less the umask,
// to be shared as the user's other files are; the state store stays
// readable by its owner only.
func TestOutputsHonourUmask(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0o022))
	o := demoOptions(t)
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	var outputs int
	for _, dir := range []string{"calendars", "outbox"} {
		entries, err := os.ReadDir(filepath.Join(o.Out, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			info, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			outputs++
			if info.Mode().Perm() != 0o644 {
				t.Errorf("%s/%s: mode %v, want 0644", dir, e.Name(), info.Mode().Perm())
			}
		}
	}
	if outputs == 0 {
		t.Fatal("no output")
	}
	for _, name := range []string{o.DB, o.DB + "-wal", o.DB + "-shm"} {
		if info, err := os.Stat(name); err == nil && info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", name, info.Mode().Perm())
		}
	}
}

func reportMeetings(path string) string {
	return strings.TrimSuffix(path, ".csv") + ".meetings.csv"
}

// A state store that fills up mid-run stops the run at once with SQLite's
// message, as ErrUnavailable (exit 4), not silent retries; the same
// command, once space is freed, resumes and finishes the batch, each
// update written once.
func TestStoreFullMidRun(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	var st *store.Store
	storeOpened = func(s *store.Store) { st = s }
	defer func() { storeOpened = func(*store.Store) {} }()
	var retries int
	var mu sync.Mutex // Events comes from the workers, at once
	o.Events = func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		switch e.Kind {
		case BatchStarted: // the batch is planned and stored: the disk fills up now
			if err := st.LimitGrowth(ctx, 1); err != nil {
				t.Error(err)
			}
		case UserRetry:
			retries++
		}
	}
	start := time.Now()
	_, err := Run(ctx, o)
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "database or disk is full") || !strings.Contains(err.Error(), "run the same command again") {
		t.Fatalf("run on a full store: %v, want ErrUnavailable with SQLite's message", err)
	}
	if took := time.Since(start); took > 30*time.Second || retries > 0 {
		t.Errorf("stopped after %s and %d retries", took, retries)
	}
	storeOpened = func(*store.Store) {}
	o.Events = nil
	sum, err := Run(ctx, o)
	if err != nil || !sum.Resumed || sum.Triggered == 0 {
		t.Fatalf("run again: %+v %v", sum, err)
	}
	check, err := store.Open(ctx, o.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	if left, err := check.Left(ctx, sum.BatchID); err != nil || left != 0 {
		t.Errorf("%d users left, %v", left, err)
	}
	users, _ := check.Users(ctx, store.Filter{BatchID: sum.BatchID})
	sent := 0
	for _, u := range users {
		sent += u.InvitesUpdate
	}
	eml, _ := filepath.Glob(filepath.Join(o.Out, "outbox", "*.eml"))
	if sent == 0 || len(eml) != sent {
		t.Errorf("%d messages in the outbox, %d updates counted", len(eml), sent)
	}
}

// mms start refuses a calendar URL with a password before anything is
// queued: no batch holds it.
func TestStartRefusesPasswordInURL(t *testing.T) {
	db := filepath.Join(t.TempDir(), "mms.db")
	const secret = "s3cret-Pw-4711"
	_, err := Start(context.Background(), StartOptions{DB: db, User: "anna@contoso.com", Calendar: "https://anna:" + secret + "@dav.contoso.com/cal/anna/",
		JoinURL: "https://teams.microsoft.com/l/meetup-join/x", Out: t.TempDir()})
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "holds a password") || strings.Contains(err.Error(), secret) {
		t.Fatalf("start: %v, want bad input saying the URL holds a password, without it", err)
	}
	for _, name := range []string{db, db + "-wal"} {
		data, _ := os.ReadFile(name)
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("%s holds the password", name)
		}
	}
}
