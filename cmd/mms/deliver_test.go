package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mms-project/mms/internal/davserver"
	"github.com/mms-project/mms/internal/davtest"
	"github.com/mms-project/mms/internal/smtpsink"
)

func TestDeliveryFlagsRefused(t *testing.T) {
	in := demo(t)
	work := t.TempDir()
	base := []string{"run", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"),
		"--out", filepath.Join(work, "out"), "--report", filepath.Join(work, "r.csv"), "--now", demoNow, "--db", filepath.Join(work, "mms.db")}
	cases := []struct {
		env  []string
		args []string
		want string
	}{
		{nil, []string{"--send", "smtp://relay.example.com"}, "--send smtp://relay.example.com: write smtp://host:port"},
		{nil, []string{"--send", "smtp://me:secret@relay.example.com:587"}, "credentials do not belong in the URL; set MMS_SMTP_USER and MMS_SMTP_PASSWORD"},
		{nil, []string{"--send", "mail"}, "--send mail: use outbox, none, server or smtp://host:port"},
		{nil, []string{"--smtp-sessions", "-1"}, "--smtp-sessions -1: use 1 or more sessions with the mail relay (0 or nothing: the default, 4)"},
		{[]string{"MMS_SMTP_SESSIONS=-2"}, nil, "--smtp-sessions -2: use 1 or more"},
		{nil, []string{"--caldav-requests", "-3"}, "--caldav-requests -3: use 1 or more requests in flight per CalDAV server (0 or nothing: the default, 4)"},
		{[]string{"MMS_CALDAV_REQUESTS=-1"}, nil, "--caldav-requests -1"},
		{[]string{"MMS_SMTP_USER=mms"}, []string{"--send", "smtp://127.0.0.1:2525"}, "set both MMS_SMTP_USER and MMS_SMTP_PASSWORD, or neither"},
		{nil, []string{"--send", "server"}, "--send server leaves delivery to the CalDAV server's scheduling, but the calendars of user00000@contoso.com"},
		{nil, []string{"--send", "server", "--dry-run"}, "--send server leaves delivery to the CalDAV server's scheduling"},
	}
	for _, tc := range cases { // in process: what is checked is the flags and the options they make
		t.Run(strings.Join(append(tc.env, tc.args...), " "), func(t *testing.T) {
			r := runEnv(t, tc.env, append(append([]string{}, base...), tc.args...)...)
			if r.code != 1 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("mms run %v (env %v): exit %d, stderr %q; want 1 and %q", tc.args, tc.env, r.code, r.stderr, tc.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(work, "out")); !os.IsNotExist(err) {
		t.Error("a refused run wrote output")
	}
	davUsers := filepath.Join(work, "dav.csv")
	os.WriteFile(davUsers, []byte("user,calendar\nuser00000@contoso.com,https://dav.example.com/\n"), 0o644)
	t.Run("MMS_CALDAV_USER without a password", func(t *testing.T) {
		r := runEnv(t, []string{"MMS_CALDAV_USER=mms"}, "run", "--users", davUsers, "--changes", filepath.Join(in, "changes.csv"),
			"--out", filepath.Join(work, "out"), "--report", filepath.Join(work, "r.csv"), "--db", filepath.Join(work, "mms.db"))
		if r.code != 1 || !strings.Contains(r.stderr, "set both MMS_CALDAV_USER and MMS_CALDAV_PASSWORD") {
			t.Errorf("MMS_CALDAV_USER without a password: exit %d, %q", r.code, r.stderr)
		}
	})
	r := run(t, context.Background(), "work", "--caldav-requests", "-1", "--db", filepath.Join(work, "mms.db"))
	if r.code != 1 || !strings.Contains(r.stderr, "--caldav-requests -1") {
		t.Errorf("mms work --caldav-requests -1: exit %d, %q", r.code, r.stderr)
	}
	for _, verb := range []string{"run", "work"} {
		help := run(t, context.Background(), verb, "--help").stdout
		for _, want := range []string{"--caldav-requests", "MMS_CALDAV_REQUESTS", "--smtp-sessions", "MMS_SMTP_SESSIONS"} {
			if !strings.Contains(help, want) {
				t.Errorf("mms %s --help lacks %s", verb, want)
			}
		}
	}
	if help := run(t, context.Background(), "run", "--help").stdout; !strings.Contains(help, "smtp://host:port") || !strings.Contains(help, "MMS_CALDAV_USER") {
		t.Errorf("mms run --help does not explain --send smtp:// and CalDAV credentials:\n%s", help)
	}
}

// TestRunCalDAVThroughSMTP: the binary on a CalDAV calendar (each server
// of internal/davserver, credentials from MMS_CALDAV_USER/MMS_CALDAV_PASSWORD) with --send
// smtp://: each rewritten meeting's update arrives once, and a second run
// of a new batch finds everything current and sends nothing.
func TestRunCalDAVThroughSMTP(t *testing.T) {
	for _, kind := range davserver.Kinds {
		t.Run(kind, func(t *testing.T) {
			if kind == "radicale" {
				runCalDAVThroughSMTP(t, davserver.Start(t, "radicale"))
				return
			}
			runCalDAVThroughSMTP(t, davserver.Start(t, kind))
		})
	}
}

func runCalDAVThroughSMTP(t *testing.T, srv davtest.Server) {
	sink := smtpsink.Start(t, "127.0.0.1:0")
	in := demo(t)
	work := t.TempDir()
	coll := srv.MakeCalendar(t, "dave", "cli")
	for i, obj := range perUID(mustRead(t, filepath.Join(in, "calendars", "user00001.ics"))) {
		srv.Put(t, "dave", coll, fmt.Sprintf("m%02d.ics", i), obj)
	}
	users := "user,mailbox,calendar\r\nuser00001@contoso.com,online," + coll + "\r\n"
	os.WriteFile(filepath.Join(in, "dav-users.csv"), []byte(users), 0o644)
	changes := strings.Split(string(mustRead(t, filepath.Join(in, "changes.csv"))), "\n")
	os.WriteFile(filepath.Join(in, "dav-changes.csv"), []byte(changes[0]+"\n"+changes[2]+"\n"), 0o644)
	env := []string{"MMS_CALDAV_USER=dave", "MMS_CALDAV_PASSWORD=" + davserver.Password("dave"), "MMS_SEND=smtp://" + sink.Addr, "MMS_SMTP_SESSIONS=2"}
	run := func(n int) result {
		return mmsEnv(t, env, "run", "--users", filepath.Join(in, "dav-users.csv"), "--changes", filepath.Join(in, "dav-changes.csv"),
			"--out", filepath.Join(work, fmt.Sprint("out", n)), "--report", filepath.Join(work, fmt.Sprint("r", n, ".csv")), "--now", demoNow,
			"--db", filepath.Join(work, "mms.db"))
	}
	r := run(1)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	meetings := readCSV(t, filepath.Join(work, "r1.meetings.csv"))
	updated := count(meetings, "Outcome", "updated")
	if updated == 0 || len(sink.Messages()) != updated || !strings.Contains(r.stdout, fmt.Sprintf("%d updates submitted to smtp://%s", updated, sink.Addr)) {
		t.Fatalf("%d meetings updated, %d messages arrived\n%s", updated, len(sink.Messages()), r.stdout)
	}
	r = run(2)
	if r.code != 0 || len(sink.Messages()) != updated {
		t.Fatalf("second run: exit %d, %d messages in all (want %d)\n%s%s", r.code, len(sink.Messages()), updated, r.stdout, r.stderr)
	}
	if m := readCSV(t, filepath.Join(work, "r2.meetings.csv")); count(m, "Outcome", "updated") != 0 || count(m, "Reason", "already-current") != updated {
		t.Errorf("second run: %d updated, %d already-current; want 0 and %d", count(m, "Outcome", "updated"), count(m, "Reason", "already-current"), updated)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// perUID cuts an exported calendar into one calendar per UID, as a CalDAV
// server keeps them: header (time zones, no METHOD), events, end.
func perUID(data []byte) [][]byte {
	text := string(data)
	first := strings.Index(text, "BEGIN:VEVENT\r\n")
	header := strings.Replace(text[:first], "METHOD:PUBLISH\r\n", "", 1)
	var order []string
	events := map[string]string{}
	for _, ev := range strings.SplitAfter(text[first:], "END:VEVENT\r\n") {
		start := strings.Index(ev, "BEGIN:VEVENT\r\n")
		if start < 0 {
			continue
		}
		ev = ev[start:]
		unfolded := strings.NewReplacer("\r\n ", "", "\r\n\t", "").Replace(ev)
		uid := unfolded[strings.Index(unfolded, "\r\nUID:")+7:]
		uid = uid[:strings.Index(uid, "\r\n")]
		if _, ok := events[uid]; !ok {
			order = append(order, uid)
		}
		events[uid] += ev
	}
	var out [][]byte
	for _, uid := range order {
		out = append(out, []byte(header+events[uid]+"END:VCALENDAR\r\n"))
	}
	return out
}

// TestSecondInterruptStopsAtOnce: the first Ctrl-C waits for a relay
// taking a message (it may keep it); a second ends mms at once, and the
// same command then finishes the batch, each update arriving once.
func TestSecondInterruptStopsAtOnce(t *testing.T) {
	taken := make(chan struct{}, 1)
	release := make(chan struct{})
	var hold atomic.Bool
	hold.Store(true)
	sink := smtpsink.StartWith(t, "127.0.0.1:0", smtpsink.Hooks{Taken: func(smtpsink.Message) {
		if hold.Load() {
			select {
			case taken <- struct{}{}:
			default:
			}
			<-release // a relay that never answers the message it holds
		}
	}})
	defer close(release)
	in := demo(t)
	work := t.TempDir()
	args := []string{"run", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"),
		"--out", filepath.Join(work, "out"), "--report", filepath.Join(work, "r.csv"), "--now", demoNow,
		"--db", filepath.Join(work, "mms.db"), "--send", "smtp://" + sink.Addr}
	cmd := command(nil, args...)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-taken:
	case err := <-done:
		t.Fatalf("mms ended before the relay took a message: %v\n%s", err, errOut.String())
	case <-time.After(time.Minute):
		t.Fatal("no message reached the relay in a minute")
	}
	cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-done:
		t.Fatalf("the first Ctrl-C did not wait for the relay's answer: %v\n%s", err, errOut.String())
	case <-time.After(time.Second):
	}
	cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-done:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupted {
			t.Errorf("the second Ctrl-C: %v, want exit %d", err, exitInterrupted)
		}
	case <-time.After(3 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the second Ctrl-C did not stop mms at once\n%s", errOut.String())
	}
	if !strings.Contains(errOut.String(), "press Ctrl-C again to stop at once") {
		t.Errorf("the first Ctrl-C said nothing of the second:\n%s", errOut.String())
	}
	hold.Store(false)
	r := mms(t, args...)
	if r.code != 0 || !strings.Contains(r.stdout, "resumed batch") {
		t.Fatalf("the same command after the stop: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// It claims no more than the journal knows: a kill between the
	// relay's answer and the record repeats one message (found by an
	// audit: it said "no update was sent twice" over such a duplicate).
	if strings.Contains(r.stdout, "sent twice") || !strings.Contains(r.stdout, "no update recorded as sent") {
		t.Errorf("the resumed run's words:\n%s", r.stdout)
	}
	for id, n := range sink.Arrivals() {
		if n != 1 && id != "" {
			t.Errorf("%s arrived %d times", id, n)
		}
	}
}

// TestSummarySaysWhatTheServerSends: a CalDAV meeting the server
// scheduled before (its attendees carry SCHEDULE-STATUS 1.2, the server
// says it schedules) is left to the server; the run's summary counts it
// apart from the updates mms writes to the outbox, dry run and run alike.
func TestSummarySaysWhatTheServerSends(t *testing.T) {
	in := demo(t)
	objs := davtest.SplitObjects(t, mustRead(t, filepath.Join(in, "calendars", "user00001.ics")))
	scheduled := 0
	for name, o := range objs { // the first meeting, which is updated
		if bytes.Contains(o, []byte("UID:040000008200E00074C5B7101A82E008000000000000000100000000000000000000000")) {
			objs[name] = bytes.ReplaceAll(o, []byte("ATTENDEE;"), []byte("ATTENDEE;SCHEDULE-STATUS=1.2;"))
			scheduled++
		}
	}
	if scheduled != 1 {
		t.Fatalf("%d objects hold the first meeting", scheduled)
	}
	f := davtest.StartFake(t, objs)
	f.AutoSchedule = true
	os.WriteFile(filepath.Join(in, "dav-users.csv"), []byte("user,calendar\r\nuser00001@contoso.com,"+f.Collection()+"\r\n"), 0o644)
	changes := strings.Split(string(mustRead(t, filepath.Join(in, "changes.csv"))), "\n")
	os.WriteFile(filepath.Join(in, "dav-changes.csv"), []byte(changes[0]+"\n"+changes[2]+"\n"), 0o644)
	work := t.TempDir()
	for _, dry := range []bool{true, false} {
		args := []string{"run", "--users", filepath.Join(in, "dav-users.csv"), "--changes", filepath.Join(in, "dav-changes.csv"),
			"--out", filepath.Join(work, "out"), "--report", filepath.Join(work, "r.csv"), "--now", demoNow, "--db", filepath.Join(work, "mms.db")}
		would := ""
		if dry {
			args, would = append(args, "--dry-run"), "would be "
		}
		r := runEnv(t, nil, args...)
		if r.code != 0 {
			t.Fatalf("dry run %v: exit %d\n%s\n%s", dry, r.code, r.stdout, r.stderr)
		}
		updated := count(readCSV(t, filepath.Join(work, "r.meetings.csv")), "Outcome", map[bool]string{true: "would-update", false: "updated"}[dry])
		want := fmt.Sprintf("%d updates %swritten to the outbox, 1 %sleft to the CalDAV server's scheduling", updated-1, would, would)
		if updated < 2 || !strings.Contains(r.stdout, want) {
			t.Errorf("dry run %v: %d meetings updated; stdout lacks %q:\n%s", dry, updated, want, r.stdout)
			for _, row := range readCSV(t, filepath.Join(work, "r.meetings.csv")) {
				t.Logf("%v", row)
			}
		}
	}
	if n, err := os.ReadDir(filepath.Join(work, "out", "outbox")); err != nil || len(n) == 0 {
		t.Errorf("outbox: %d files, %v", len(n), err)
	}
}
