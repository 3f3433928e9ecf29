package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/fixtures/gen"
	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/internal/pgtest"
)

var batchIDRe = regexp.MustCompile(`batch ([0-9a-f-]{36})`)

func batchID(t *testing.T, stdout string) string {
	t.Helper()
	m := batchIDRe.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no batch id in %q", stdout)
	}
	return m[1]
}

func runDemo(t *testing.T, in, work string, extra ...string) result {
	t.Helper()
	args := append([]string{"run", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"),
		"--out", filepath.Join(work, "out"), "--report", filepath.Join(work, "run.csv"), "--now", demoNow, "--db", filepath.Join(work, "mms.db")}, extra...)
	r := mms(t, args...)
	if r.code != 0 {
		t.Fatalf("mms run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	return r
}

// mms work finishing a dry run's batch says what would be done, as mms
// run --dry-run does: nothing was written or sent.
func TestWorkOfADryRunSaysWould(t *testing.T) {
	in := demo(t)
	work := t.TempDir()
	db, out := filepath.Join(work, "mms.db"), filepath.Join(work, "out")
	r := mms(t, "start", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"), "--out", out,
		"--report", filepath.Join(work, "r.csv"), "--now", demoNow, "--dry-run", "--db", db)
	if r.code != 0 {
		t.Fatalf("start: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = mms(t, "work", "--db", db)
	if r.code != 0 || !strings.Contains(r.stdout, "meetings would be updated (dry run") || !strings.Contains(r.stdout, "updates would be written to the outbox") {
		t.Fatalf("work: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if exists(out) {
		t.Error("a dry run wrote --out")
	}
}

// mms start without --now says it takes the current time where the batch
// its rows come from had another.
func TestStartSaysItsNow(t *testing.T) {
	in := demo(t)
	work := t.TempDir()
	runDemo(t, in, work)
	r := mms(t, "start", "--user", "user00001@contoso.com", "--out", filepath.Join(work, "out3"), "--dry-run", "--db", filepath.Join(work, "mms.db"))
	if r.code != 0 || !strings.Contains(r.stdout, "(the current time); the earlier batch's was "+demoNow+" (give --now "+demoNow+" to decide as it did") {
		t.Errorf("start without --now said\n%s\n%s", r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "calendars:") { // a dry run writes nothing (a review)
		t.Errorf("a dry run's start names outputs:\n%s", r.stdout)
	}
	// mms work of that batch, which has no report, counts what it left
	// and warns that every meeting is past, as mms run does (a review)
	w := mms(t, "work", "--db", filepath.Join(work, "mms.db"))
	if w.code != 0 || !regexp.MustCompile(`would not be updated: \d+ skipped`).MatchString(w.stdout) || !strings.Contains(w.stderr, "start before --now") {
		t.Errorf("work: exit %d\n%s\n%s", w.code, w.stdout, w.stderr)
	}
}

// TestStartAndWork: mms start queues one user from its last rows in the
// store; mms work migrates it to the same output a run writes; the source
// meeting type leaves the other kind of meeting alone.
func TestStartAndWork(t *testing.T) {
	in := demo(t)
	work := t.TempDir()
	db := filepath.Join(work, "mms.db")
	runDemo(t, in, work)
	out2 := filepath.Join(work, "out2")
	r := mms(t, "start", "--user", "USER00000@contoso.com", "--out", out2, "--now", demoNow, "--report", filepath.Join(work, "start.csv"), "--db", db)
	if r.code != 0 || !strings.Contains(r.stdout, "queued user00000@contoso.com in batch") {
		t.Fatalf("start: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// it says its --now and where its outputs go (a newcomer's start took
	// the clock as --now, every demo meeting past, without a word)
	if want := "--now: " + demoNow + "\ncalendars: " + filepath.Join(out2, "calendars"); !strings.Contains(r.stdout, want) {
		t.Errorf("start said\n%s\nwant %q", r.stdout, want)
	}
	started := batchID(t, r.stdout)
	if s := mms(t, "status", "--batch", started, "--summary", "--format", "csv", "--db", db); !strings.Contains(s.stdout, "Pending,1") {
		t.Fatalf("status after start:\n%s", s.stdout)
	}
	// Switched off after the start, migration waits (found by an audit:
	// work migrated and sent).
	mms(t, "tenant", "set", "meeting_migration_enabled", "false", "--db", db)
	if r := mms(t, "work", "--db", db); r.code != exitInput || !strings.Contains(r.stderr, "meeting migration is disabled") {
		t.Fatalf("work while migration is disabled: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if s := mms(t, "status", "--batch", started, "--summary", "--format", "csv", "--db", db); !strings.Contains(s.stdout, "Pending,1") {
		t.Fatalf("status after work while disabled:\n%s", s.stdout)
	}
	mms(t, "tenant", "set", "meeting_migration_enabled", "true", "--db", db)
	r = mms(t, "work", "--db", db, "--workers", "2")
	if r.code != 0 || !strings.Contains(r.stdout, "batch "+started+" finished: 1 user, 0 failed") || !strings.Contains(r.stdout, "this process migrated 1 user\n") ||
		!strings.Contains(r.stdout, "written to the outbox") {
		t.Fatalf("work: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	want, _ := os.ReadFile(filepath.Join(work, "out", "calendars", "user00000.ics"))
	got, _ := os.ReadFile(filepath.Join(out2, "calendars", "user00000.ics"))
	if len(want) == 0 || string(got) != string(want) {
		t.Fatal("mms start + mms work wrote another calendar than mms run did")
	}
	if r := mms(t, "work", "--db", db); r.code != 0 || !strings.Contains(r.stdout, "no batch finished") {
		t.Fatalf("work on an empty queue: exit %d\n%s", r.code, r.stdout)
	}

	// Only Skype for Business meetings: the Teams ones are left alone.
	r = mms(t, "start", "--user", "user00000@contoso.com", "--source-meeting-type", "sfb", "--out", filepath.Join(work, "out3"),
		"--now", demoNow, "--report", filepath.Join(work, "sfb.csv"), "--db", db)
	if r.code != 0 {
		t.Fatalf("start sfb: %s", r.stderr)
	}
	if r := mms(t, "work", "--db", db); r.code != 0 {
		t.Fatalf("work: %s", r.stderr)
	}
	all, sfb := readCSV(t, filepath.Join(work, "start.meetings.csv")), readCSV(t, filepath.Join(work, "sfb.meetings.csv"))
	bySFB := map[string]map[string]string{}
	for _, m := range sfb {
		bySFB[m["UID"]] = m
	}
	kinds := map[string]int{}
	// The run before sent these updates already: the starts rewrite the
	// same meetings and skip sending them (already-sent).
	for _, m := range all {
		if m["Outcome"] != "updated" && m["Reason"] != "already-sent" {
			continue
		}
		kinds[m["Provider"]]++
		switch got := bySFB[m["UID"]]; {
		case m["Provider"] == "skype" && got["Outcome"] != "updated" && got["Reason"] != "already-sent":
			t.Errorf("sfb only: the Skype meeting %s was not updated: %v", m["UID"], got)
		case m["Provider"] == "teams" && got["Reason"] != "not-source-meeting-type":
			t.Errorf("sfb only: the Teams meeting %s was not left alone: %v", m["UID"], got)
		}
	}
	if kinds["skype"] == 0 || kinds["teams"] == 0 {
		t.Fatalf("the demo user needs both kinds of meeting: %v", kinds)
	}
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"start", "--db", db}, "--user is required"},
		{[]string{"start", "--user", "nobody@contoso.com", "--db", db}, "holds no migration of this user"},
		{[]string{"start", "--user", "user00000@contoso.com", "--source-meeting-type", "zoom", "--db", db}, `--source-meeting-type "zoom": use sfb, teams or all`},
		{[]string{"start", "--user", "user00000@contoso.com", "--target-meeting-type", "zoom", "--db", db}, `--target-meeting-type "zoom": use current, teams or skype`},
	}
	for _, tc := range bad {
		if r := mms(t, tc.args...); r.code != 1 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("mms %v: exit %d, stderr %q; want 1 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// TestTenantIsObeyed: with meeting migration disabled nothing migrates, in
// a run or a start; with automatic migration off, audio-conferencing
// changes do not trigger but moves do.
func TestTenantIsObeyed(t *testing.T) {
	in := demo(t)
	work := t.TempDir()
	db := filepath.Join(work, "mms.db")
	if r := mms(t, "tenant", "set", "meeting_migration_enabled", "false", "--db", db); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := runDemo(t, in, work)
	if !strings.Contains(r.stdout, "0 triggered") {
		t.Fatalf("run with migration disabled: %s", r.stdout)
	}
	users := readCSV(t, filepath.Join(work, "run.csv"))
	if count(users, "State", "NotTriggered") != len(users) {
		t.Fatalf("users: %v", users)
	}
	r = mms(t, "start", "--user", "user00000@contoso.com", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"),
		"--out", filepath.Join(work, "o"), "--db", db)
	if r.code != 1 || !strings.Contains(r.stderr, "meeting migration is disabled for the tenant") {
		t.Fatalf("start with migration disabled: exit %d %s", r.code, r.stderr)
	}
	mms(t, "tenant", "set", "meeting_migration_enabled", "true", "--db", db)
	mms(t, "tenant", "set", "automatically_migrate_user_meetings", "false", "--db", db)
	os.WriteFile(filepath.Join(in, "audio.csv"), []byte("user,change,conference_id\nuser00001@contoso.com,conference-id-changed,4242\n"), 0o644)
	r = mms(t, "start", "--user", "user00001@contoso.com", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "audio.csv"),
		"--out", filepath.Join(work, "o"), "--db", db)
	if r.code != 1 || !strings.Contains(r.stderr, "is not triggered") {
		t.Fatalf("start of an audio change with automatic migration off: exit %d %s", r.code, r.stderr)
	}
	r = mms(t, "start", "--user", "user00001@contoso.com", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"),
		"--out", filepath.Join(work, "o"), "--now", demoNow, "--db", db)
	if r.code != 0 {
		t.Fatalf("start of a move with automatic migration off: exit %d %s", r.code, r.stderr)
	}
}

// TestRollback: a rollback puts every rewritten component back byte for
// byte, but for SEQUENCE (one above the rewrite's), DTSTAMP and
// LAST-MODIFIED; it sends one update per meeting; a second rollback finds
// nothing to do.
func TestRollback(t *testing.T) {
	in := demo(t)
	work := t.TempDir()
	db := filepath.Join(work, "mms.db")
	id := batchID(t, runDemo(t, in, work).stdout)
	outbox := filepath.Join(work, "out", "outbox")
	before, _ := filepath.Glob(filepath.Join(outbox, "user00000*.eml"))
	dry := mms(t, "rollback", "--batch", id[:6], "--user", "user00000@contoso.com", "--dry-run", "--db", db)
	wouldSay := fmt.Sprintf("dry run: 1 user, %s would be restored, %s would be sent; nothing was written or sent", counted(len(before), "meeting"), counted(len(before), "update"))
	if dry.code != 0 || !strings.Contains(dry.stdout, wouldSay) {
		t.Fatalf("rollback --dry-run: exit %d\n%s\n%s", dry.code, dry.stdout, dry.stderr)
	}
	if again, _ := filepath.Glob(filepath.Join(outbox, "user00000*.eml")); len(again) != len(before) {
		t.Fatalf("rollback --dry-run sent %d messages", len(again)-len(before))
	}
	r := mms(t, "rollback", "--batch", id, "--user", "user00000@contoso.com", "--now", "2026-01-16T10:00:00Z", "--report", filepath.Join(work, "rb.csv"), "--db", db)
	if r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf("1 user, %s restored, %s written to the outbox, 0 users failed", counted(len(before), "meeting"), counted(len(before), "update"))) ||
		!strings.Contains(r.stdout, "calendars: "+filepath.Join(work, "out")+"/calendars (restored in place)  outbox: "+filepath.Join(work, "out")+"/outbox") {
		t.Fatalf("rollback: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	after, _ := filepath.Glob(filepath.Join(outbox, "user00000*.eml"))
	if len(after) != 2*len(before) {
		t.Errorf("%d messages after the rollback, %d before", len(after), len(before))
	}
	inData, _ := os.ReadFile(filepath.Join(in, "calendars", "user00000.ics"))
	outData, _ := os.ReadFile(filepath.Join(work, "out", "calendars", "user00000.ics"))
	if a, b := unstamped(string(inData)), unstamped(string(outData)); a != b {
		t.Fatal("the rolled back calendar differs from the input beyond SEQUENCE, DTSTAMP and LAST-MODIFIED")
	}
	inCal, _ := ics.Parse("in", inData)
	outCal, err := ics.Parse("out", outData)
	if err != nil {
		t.Fatal(err)
	}
	bumped := 0
	for i, c := range outCal.Components("VEVENT") {
		a, _ := inCal.Components("VEVENT")[i].Prop("SEQUENCE")
		b, _ := c.Prop("SEQUENCE")
		x, _ := strconv.Atoi(a.Value)
		y, _ := strconv.Atoi(b.Value)
		switch {
		case y == x:
		case y == x+2:
			bumped++
			if s, _ := c.Prop("DTSTAMP"); s.Value != "20260116T100000Z" {
				t.Errorf("DTSTAMP %s", s.Value)
			}
		default:
			t.Errorf("SEQUENCE %d -> %d", x, y)
		}
	}
	if bumped == 0 {
		t.Error("nothing restored")
	}
	if rows := readCSV(t, filepath.Join(work, "rb.meetings.csv")); count(rows, "Outcome", "restored") != len(before) {
		t.Errorf("rollback report: %v", rows)
	}
	r = mms(t, "rollback", "--batch", id, "--user", "user00000@contoso.com", "--db", db)
	if r.code != 0 || !strings.Contains(r.stdout, "was rolled back already, by rollback") {
		t.Fatalf("second rollback: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if again, _ := filepath.Glob(filepath.Join(outbox, "user00000*.eml")); len(again) != len(after) {
		t.Errorf("the second rollback sent %d messages", len(again)-len(after))
	}
	if r := mms(t, "rollback", "--batch", "nope-nope", "--db", db); r.code != 1 || !strings.Contains(r.stderr, "no batch nope-nope") {
		t.Errorf("unknown batch: %d %s", r.code, r.stderr)
	}
}

func unstamped(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\r\n") {
		if !strings.HasPrefix(l, "SEQUENCE:") && !strings.HasPrefix(l, "DTSTAMP:") && !strings.HasPrefix(l, "LAST-MODIFIED:") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\r\n")
}

// TestStatusMatchesTheTables checks mms status, in every format and
// filter, against the rows the state store holds.
func TestStatusMatchesTheTables(t *testing.T) {
	in := demo(t)
	work := t.TempDir()
	db := filepath.Join(work, "mms.db")
	os.WriteFile(filepath.Join(in, "calendars", "user00003.ics"), []byte("BEGIN:VCALENDAR\r\nVERSION:1.0\r\nEND:VCALENDAR\r\n"), 0o644)
	r := mms(t, "run", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"),
		"--out", filepath.Join(work, "out"), "--report", filepath.Join(work, "run.csv"), "--now", demoNow, "--db", db)
	if r.code != 3 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b, _ := st.LatestBatch(ctx)
	rows, _ := st.Users(ctx, store.Filter{BatchID: b.ID})
	var got []map[string]any
	if err := json.Unmarshal([]byte(mms(t, "status", "--format", "json", "--db", db).stdout), &got); err != nil || len(got) != len(rows) {
		t.Fatalf("status json: %d rows (%v), store %d", len(got), err, len(rows))
	}
	for i, u := range rows {
		want := map[string]string{"UserId": u.UserID, "State": u.State, "MigrationType": u.MigrationType, "TotalMeeting": strconv.Itoa(u.TotalMeeting),
			"SucceededMeeting": strconv.Itoa(u.SucceededMeeting), "FailedMeeting": strconv.Itoa(u.FailedMeeting), "SkippedMeeting": strconv.Itoa(u.SkippedMeeting),
			"InvitesUpdate": strconv.Itoa(u.InvitesUpdate), "RetryCount": strconv.Itoa(u.RetryCount), "LastMessage": u.LastMessage,
			"CreateDate": u.CreatedAt.Format(time.RFC3339), "ModifiedDate": u.ModifiedAt.Format(time.RFC3339), "CorrelationId": u.CorrelationID, "BatchId": b.ID}
		for k, v := range want {
			if fmt.Sprint(got[i][k]) != v {
				t.Errorf("status row %d %s = %v, store says %q", i, k, got[i][k], v)
			}
		}
		if _, isNumber := got[i]["TotalMeeting"].(float64); !isNumber {
			t.Errorf("status row %d: TotalMeeting %#v is not a JSON number", i, got[i]["TotalMeeting"])
		}
	}
	csvRows := readCSVText(t, mms(t, "status", "--format", "csv", "--db", db).stdout)
	if len(csvRows) != len(rows) || csvRows[0]["UserId"] != rows[0].UserID || csvRows[0]["LastMessage"] != rows[0].LastMessage {
		t.Errorf("status csv: %v", csvRows)
	}
	sum, _ := st.Summary(ctx, b.ID)
	text := mms(t, "status", "--summary", "--db", db).stdout
	for _, state := range store.States() {
		if !strings.Contains(text, fmt.Sprintf("%-13s %d\n", state, sum[state])) {
			t.Errorf("summary line for %s (%d) missing:\n%s", state, sum[state], text)
		}
	}
	var counts map[string]int
	if err := json.Unmarshal([]byte(mms(t, "status", "--summary", "--format", "json", "--db", db).stdout), &counts); err != nil || len(counts) != len(store.States()) {
		t.Errorf("summary json %v (%v): want every state, zeros included", counts, err)
	}
	for state, n := range sum {
		if counts[state] != n {
			t.Errorf("summary json %s = %d, store says %d", state, counts[state], n)
		}
	}
	if missing := mms(t, "status", "--db", filepath.Join(work, "none.db")); missing.code != 1 || !strings.Contains(missing.stderr, "none.db") {
		t.Errorf("status of a store that is not there: exit %d, %s", missing.code, missing.stderr)
	}
	if _, err := os.Stat(filepath.Join(work, "none.db")); err == nil {
		t.Error("status created a state store")
	}
	failed := readCSVText(t, mms(t, "status", "--state", "failed", "--format", "csv", "--db", db).stdout)
	if len(failed) != sum[store.Failed] || len(failed) != 1 || failed[0]["UserId"] != "user00003@contoso.com" ||
		!strings.Contains(failed[0]["LastMessage"], "vCalendar 1.0") {
		t.Errorf("--state Failed: %v", failed)
	}
	if one := readCSVText(t, mms(t, "status", "--user", "User00001@Contoso.com", "--format", "csv", "--db", db).stdout); len(one) != 1 || one[0]["State"] != "Succeeded" {
		t.Errorf("--user: %v", one)
	}
	later := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if none := readCSVText(t, mms(t, "status", "--since", later, "--format", "csv", "--db", db).stdout); len(none) != 0 {
		t.Errorf("--since the future: %v", none)
	}
	if all := readCSVText(t, mms(t, "status", "--until", later, "--format", "csv", "--db", db).stdout); len(all) != len(rows) {
		t.Errorf("--until the future: %d rows", len(all))
	}
}

func readCSVText(t *testing.T, text string) []map[string]string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.csv")
	os.WriteFile(p, []byte(text), 0o644)
	return readCSV(t, p)
}

// TestTwoWorkersOnPostgres: a batch queued with mms start is worked by two
// mms work processes on one PostgreSQL store; every user is migrated by
// exactly one of them, and the outputs are those of a plain run.
func TestTwoWorkersOnPostgres(t *testing.T) {
	dsn := pgtest.Start(t)
	in := t.TempDir()
	ref, _ := time.Parse(time.RFC3339, demoNow)
	const users = 60
	if err := gen.Write(in, gen.Options{Users: users, MeetingsPerUser: 2, Seed: 3, Ref: ref}); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	r := mms(t, "start", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"), "--out", filepath.Join(work, "out"),
		"--report", filepath.Join(work, "report.csv"), "--now", demoNow, "--db", dsn)
	if r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf("%d triggered", users)) {
		t.Fatalf("start: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i := range results {
		wg.Go(func() { results[i] = mms(t, "work", "--workers", "2", "--db", dsn) })
	}
	wg.Wait()
	total := 0
	for i, r := range results {
		m := regexp.MustCompile(`this process migrated (\d+) users`).FindStringSubmatch(r.stdout)
		if r.code != 0 || m == nil {
			t.Fatalf("worker %d: exit %d\n%s\n%s", i, r.code, r.stdout, r.stderr)
		}
		n, _ := strconv.Atoi(m[1])
		total += n
	}
	if total != users {
		t.Errorf("the two workers migrated %d users between them, want %d (each once)", total, users)
	}
	rows := readCSV(t, filepath.Join(work, "report.csv"))
	if count(rows, "State", "Succeeded") != users || count(rows, "RetryCount", "0") != users {
		t.Errorf("report: %d Succeeded, %d without retry", count(rows, "State", "Succeeded"), count(rows, "RetryCount", "0"))
	}
	refDir := t.TempDir()
	if r := mms(t, append(killArgs(in, refDir), "--db", filepath.Join(refDir, "mms.db"))...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	got, want := outputs(t, work), outputs(t, refDir)
	got.same(t, "two workers", want)
	t.Logf("users per worker: %s / %s", strings.TrimSpace(results[0].stdout), strings.TrimSpace(results[1].stdout))
}

// TestWorkerKilledOnPostgres: of two mms work processes on one PostgreSQL
// batch, one is killed with SIGKILL while it migrates; the other takes its
// users at once and finishes the batch as a plain run would.
func TestWorkerKilledOnPostgres(t *testing.T) {
	dsn := pgtest.Start(t)
	in := t.TempDir()
	ref, _ := time.Parse(time.RFC3339, demoNow)
	const users = 300
	if err := gen.Write(in, gen.Options{Users: users, MeetingsPerUser: 2, Seed: 5, Ref: ref}); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	r := mms(t, "start", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"), "--out", filepath.Join(work, "out"),
		"--report", filepath.Join(work, "report.csv"), "--now", demoNow, "--db", dsn)
	if r.code != 0 {
		t.Fatalf("start: %s", r.stderr)
	}
	victim := command(nil, "work", "--workers", "1", "--db", dsn)
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once it is under way, long before it could finish alone.
	waitSucceeded(t, dsn, 3)
	var survivor result
	done := make(chan struct{})
	go func() { defer close(done); survivor = mms(t, "work", "--workers", "2", "--db", dsn) }()
	_ = victim.Process.Kill()
	_ = victim.Wait()
	<-done
	if survivor.code != 0 || !strings.Contains(survivor.stdout, fmt.Sprintf("finished: %s, 0 failed", counted(users, "user"))) {
		t.Fatalf("the surviving worker: exit %d\n%s\n%s", survivor.code, survivor.stdout, survivor.stderr)
	}
	refDir := t.TempDir()
	if r := mms(t, append(killArgs(in, refDir), "--db", filepath.Join(refDir, "mms.db"))...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	outputs(t, work).same(t, "one worker killed", outputs(t, refDir))
	t.Logf("survivor: %s", strings.TrimSpace(survivor.stdout))
}

// waitSucceeded waits until the store's latest batch has at least n users
// Succeeded.
func waitSucceeded(t *testing.T, dsn string, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		r := mms(t, "status", "--summary", "--format", "json", "--db", dsn)
		var counts map[string]int
		if r.code == 0 && json.Unmarshal([]byte(r.stdout), &counts) == nil && counts["Succeeded"] >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %d users succeeded within two minutes", n)
}

// TestStatusSaysWhichBatchAndUser: status names on stderr the batch it
// shows; --user takes an alias as run --user does, and a user the batch
// lacks is said so; --since and --until take a bare date as UTC midnight;
// a batch rolled back says so.
func TestStatusSaysWhichBatchAndUser(t *testing.T) {
	in := demo(t)
	work := t.TempDir()
	db := filepath.Join(work, "mms.db")
	id := batchID(t, runDemo(t, in, work).stdout)
	r := mms(t, "status", "--db", db)
	if r.code != 0 || !strings.Contains(r.stderr, "batch "+id+" (run, ") {
		t.Errorf("status: exit %d, stderr %q; want the batch named", r.code, r.stderr)
	}
	alias := readCSVText(t, mms(t, "status", "--user", "Anna.Berg@contoso.com", "--format", "csv", "--db", db).stdout)
	if len(alias) != 1 || alias[0]["UserId"] != "user00000@contoso.com" {
		t.Errorf("status --user by alias: %v", alias)
	}
	r = mms(t, "status", "--user", "nobody@contoso.com", "--db", db)
	if r.code != 0 || !strings.Contains(r.stderr, "no user nobody@contoso.com in batch "+id) {
		t.Errorf("status --user of no user: exit %d, stderr %q", r.code, r.stderr)
	}
	for since, want := range map[string]int{"2020-01-15": 7, "2999-01-01": 0} {
		rows := readCSVText(t, mms(t, "status", "--since", since, "--format", "csv", "--db", db).stdout)
		if len(rows) != want {
			t.Errorf("status --since %s: %d rows, want %d", since, len(rows), want)
		}
	}
	if r := mms(t, "status", "--until", "2026-13-01", "--db", db); r.code != 1 || !strings.Contains(r.stderr, "or 2026-01-15 (midnight UTC)") {
		t.Errorf("status --until of no date: exit %d, %s", r.code, r.stderr)
	}
	if r := mms(t, "rollback", "--batch", id, "--user", "user00000@contoso.com", "--db", db); r.code != 0 {
		t.Fatalf("rollback: exit %d %s", r.code, r.stderr)
	}
	if r := mms(t, "status", "--db", db); !strings.Contains(r.stderr, "rolled back for 1 user by rollback ") {
		t.Errorf("status of a batch rolled back for one user: stderr %q", r.stderr)
	}
	// A start of one user is the latest real batch: another user of the
	// run is pointed at the batch that holds it.
	if r := mms(t, "start", "--user", "user00001@contoso.com", "--out", filepath.Join(work, "again"), "--db", db); r.code != 0 {
		t.Fatalf("start: exit %d %s", r.code, r.stderr)
	}
	r = mms(t, "status", "--user", "user00002@contoso.com", "--db", db)
	if want := "batch " + id + " holds it: mms status --batch " + id[:8] + " --user user00002@contoso.com"; r.code != 0 || !strings.Contains(r.stderr, want) {
		t.Errorf("status --user of a user the start does not hold: exit %d, stderr %q; want %q", r.code, r.stderr, want)
	}
}

// mms status shows a user as the users file spells it, found by --user in
// any case.
func TestStatusSpellsUsersAsTheUsersFile(t *testing.T) {
	in := demo(t)
	users := filepath.Join(in, "users.csv")
	data, err := os.ReadFile(users)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(users, []byte(strings.Replace(string(data), "\nuser00001@contoso.com,", "\nUser00001@Contoso.COM,", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	runDemo(t, in, work)
	rows := readCSVText(t, mms(t, "status", "--user", "user00001@CONTOSO.com", "--format", "csv", "--db", filepath.Join(work, "mms.db")).stdout)
	if len(rows) != 1 || rows[0]["UserId"] != "User00001@Contoso.COM" {
		t.Errorf("status --user: %v, want User00001@Contoso.COM", rows)
	}
}

// A run into an --out that a batch of another state store wrote is told
// so (a newcomer's run from another folder made a new mms.db there and
// wrote every update again): writing the outbox, it goes on, its messages
// written again in place under the same names; a dry run warns too (a run
// that sends over SMTP stops: TestOutStoreRefusesSending).
func TestOutOfAnotherStore(t *testing.T) {
	in := demo(t)
	work := t.TempDir()
	runDemo(t, in, work)
	out := filepath.Join(work, "out")
	other := filepath.Join(work, "elsewhere", "mms.db")
	args := []string{"run", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"),
		"--out", out, "--report", filepath.Join(work, "again.csv"), "--now", demoNow, "--db", other}
	before, _ := filepath.Glob(filepath.Join(out, "outbox", "*.eml"))
	if r := mms(t, append(args, "--dry-run")...); r.code != 0 || !strings.Contains(r.stderr, "a real run with this store stops (with --send smtp:// or server)") {
		t.Errorf("dry run: exit %d\n%s", r.code, r.stderr)
	}
	r := mms(t, args...)
	want := "whose state store was " + filepath.Join(work, "mms.db") + "; this run's, " + other + ", does not hold it: updates that batch wrote to the outbox are written there again, under the same names"
	if r.code != 0 || !strings.Contains(r.stderr, want) {
		t.Fatalf("exit %d, want 0 warning %q\n%s", r.code, want, r.stderr)
	}
	if after, _ := filepath.Glob(filepath.Join(out, "outbox", "*.eml")); len(after) != len(before) {
		t.Errorf("%d messages in the outbox, %d before: not written again in place", len(after), len(before))
	}
}
