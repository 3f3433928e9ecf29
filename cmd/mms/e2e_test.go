package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mms-project/mms/ics"
)

// The end-to-end tests run the built binary on the demo batch.

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mms-e2e")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "mms")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		panic(string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

// The one helper for the binary: command builds it, mms and mmsEnv run it.
// Tests of what needs no process of its own (flags to options, exit codes
// of error kinds) run the command in process instead: see run and parse.

// command is the binary with args and a clean environment: no state store
// or credentials from the caller's, only env.
func command(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "MMS_DB=", "MMS_SMTP_USER=", "MMS_SMTP_PASSWORD=", "MMS_CALDAV_USER=", "MMS_CALDAV_PASSWORD="), env...)
	return cmd
}

// mms runs the binary to its end.
func mms(t *testing.T, args ...string) result {
	t.Helper()
	return mmsEnv(t, nil, args...)
}

// mmsEnv runs the binary with extra environment variables.
func mmsEnv(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := command(env, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errOut.String(), code}
}

const demoNow = "2026-01-15T09:00:00Z"

// demo copies the demo batch so tests can check that inputs stay as they were.
func demo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyDir(t, filepath.Join("..", "..", "fixtures", "demo"), dir)
	return dir
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(p)
			out[p] = string(data)
		}
		return nil
	})
	return out
}

func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func count(rows []map[string]string, col, val string) int {
	n := 0
	for _, r := range rows {
		if r[col] == val {
			n++
		}
	}
	return n
}

func TestDryRunWritesOnlyTheReport(t *testing.T) {
	in := demo(t)
	work := t.TempDir()
	before := snapshot(t, in)
	r := mms(t, "run", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"),
		"--out", filepath.Join(work, "out"), "--report", filepath.Join(work, "dry.csv"), "--now", demoNow, "--dry-run", "--db", filepath.Join(work, "mms.db"))
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(work, "out")); !os.IsNotExist(err) {
		t.Fatal("a dry run created the output directory")
	}
	meetings := readCSV(t, filepath.Join(work, "dry.meetings.csv"))
	if n := count(meetings, "Outcome", "would-update"); n != 20 || count(meetings, "Outcome", "updated") != 0 {
		t.Fatalf("%d would-update rows", n)
	}
	for _, m := range meetings {
		if m["Outcome"] == "would-update" && (m["OldJoinUrl"] == "" || m["NewJoinUrl"] == "") {
			t.Errorf("would-update row without old and new links: %v", m)
		}
	}
	if !strings.Contains(r.stdout, "20 meetings would be updated (dry run: nothing written or sent)") {
		t.Errorf("stdout: %s", r.stdout)
	}
	// the meetings left alone are counted too, not hidden (a newcomer's
	// walkthrough), as the report's SkippedMeeting counts them (a review)
	skipped := 0
	for _, u := range readCSV(t, filepath.Join(work, "dry.csv")) {
		n, _ := strconv.Atoi(u["SkippedMeeting"])
		skipped += n
	}
	if want := fmt.Sprintf("; would not be updated: %d skipped: see the report\n", skipped); skipped == 0 || !strings.Contains(r.stdout, want) {
		t.Errorf("stdout: %s\nwant %q", r.stdout, want)
	}
	// the demo's Skype meetings moved to Teams by a join_url template get
	// a link made of their Skype id: said once on stderr, not only in each
	// Detail (a newcomer sent them unawares)
	borrowed := 0
	for _, m := range meetings {
		if strings.Contains(m["Detail"], "opens a meeting only if one was made with that id") {
			borrowed++
		}
	}
	if want := fmt.Sprintf("mms: warning: %d meetings moved to another service got a join link made from the join_url template", borrowed); borrowed == 0 || !strings.Contains(r.stderr, want) {
		t.Errorf("stderr: %s\nwant %q", r.stderr, want)
	}
	if after := snapshot(t, in); len(after) != len(before) {
		t.Fatal("inputs changed")
	} else {
		for p, data := range before {
			if after[p] != data {
				t.Fatalf("input %s changed", p)
			}
		}
	}
}

func TestRunThenRerunOnItsOutput(t *testing.T) {
	in := demo(t)
	work := t.TempDir()
	out := filepath.Join(work, "out")
	r := mms(t, "run", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"),
		"--out", out, "--report", filepath.Join(work, "run.xlsx"), "--now", demoNow, "--db", filepath.Join(work, "mms.db"), "--workers", "3")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	eml, _ := filepath.Glob(filepath.Join(out, "outbox", "*.eml"))
	if len(eml) != 20 {
		t.Fatalf("%d messages in the outbox, want 20", len(eml))
	}
	for _, p := range eml {
		checkMessage(t, p)
	}
	cals, _ := filepath.Glob(filepath.Join(out, "calendars", "*.ics"))
	if len(cals) != 5 {
		t.Fatalf("%d calendars written, want 5 (two users not triggered)", len(cals))
	}
	for _, p := range cals {
		checkRewrite(t, filepath.Join(in, "calendars", filepath.Base(p)), p)
	}

	// A second run over its own output finds everything current.
	// Its users file lists the five users whose calendars were rewritten.
	keep := func(name string) {
		data, _ := os.ReadFile(filepath.Join(in, name))
		var lines []string
		for _, l := range strings.Split(string(data), "\r\n") {
			if !strings.HasPrefix(l, "user00004") && !strings.HasPrefix(l, "user00005") {
				lines = append(lines, l)
			}
		}
		os.WriteFile(filepath.Join(out, name), []byte(strings.Join(lines, "\r\n")), 0o644)
	}
	keep("users.csv")
	keep("changes.csv")
	r = mms(t, "run", "--users", filepath.Join(out, "users.csv"), "--changes", filepath.Join(out, "changes.csv"),
		"--out", filepath.Join(work, "out2"), "--report", filepath.Join(work, "rerun.csv"), "--now", demoNow, "--db", filepath.Join(work, "mms.db"))
	if r.code != 0 {
		t.Fatalf("rerun exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	meetings := readCSV(t, filepath.Join(work, "rerun.meetings.csv"))
	if count(meetings, "Outcome", "updated") != 0 || count(meetings, "Reason", "already-current") != 20 {
		t.Fatalf("rerun: %d updated, %d already-current", count(meetings, "Outcome", "updated"), count(meetings, "Reason", "already-current"))
	}
	if again, _ := filepath.Glob(filepath.Join(work, "out2", "outbox", "*.eml")); len(again) != 0 {
		t.Fatalf("rerun sent %d messages", len(again))
	}
}

// checkMessage parses an outbox message: multipart/alternative with a text
// part, an HTML part where the meeting has one, and a text/calendar
// METHOD:REQUEST part.
func checkMessage(t *testing.T, path string) {
	t.Helper()
	f, _ := os.Open(path)
	defer f.Close()
	msg, err := mail.ReadMessage(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if msg.Header.Get("From") == "" || msg.Header.Get("To") == "" || !strings.HasPrefix(subject, "Updated: ") {
		t.Errorf("%s: headers %v", path, msg.Header)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("%s: content type %s", path, mt)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, cp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		types = append(types, ct)
		if ct == "text/calendar" {
			if cp["method"] != "REQUEST" {
				t.Errorf("%s: method=%s", path, cp["method"])
			}
			body, _ := io.ReadAll(p) // multipart decodes quoted-printable only; calendar is base64
			_ = body
		}
	}
	if got := strings.Join(types, ","); got != "text/plain,text/calendar" && got != "text/plain,text/html,text/calendar" {
		t.Errorf("%s: parts %v", path, types)
	}
}

// checkRewrite checks an output calendar against its input: readable, every
// rewritten component's SEQUENCE up by exactly one.
func checkRewrite(t *testing.T, inPath, outPath string) {
	t.Helper()
	inData, _ := os.ReadFile(inPath)
	outData, _ := os.ReadFile(outPath)
	in, err1 := ics.Parse(inPath, inData)
	out, err2 := ics.Parse(outPath, outData)
	if err1 != nil || err2 != nil {
		t.Fatalf("%v %v", err1, err2)
	}
	a, b := out.Components("VEVENT"), in.Components("VEVENT")
	if len(a) != len(b) {
		t.Fatalf("%s: %d events, input had %d", outPath, len(a), len(b))
	}
	bumped := 0
	for i := range a {
		sa, _ := a[i].Prop("SEQUENCE")
		sb, _ := b[i].Prop("SEQUENCE")
		switch {
		case sa.Value == sb.Value:
		case sb.Value == "0" && sa.Value == "1":
			bumped++
		default:
			t.Errorf("%s: SEQUENCE %s -> %s", outPath, sb.Value, sa.Value)
		}
	}
	if bumped == 0 {
		t.Errorf("%s: nothing rewritten", outPath)
	}
}

func TestBadInput(t *testing.T) {
	in := demo(t)
	work := t.TempDir()
	os.WriteFile(filepath.Join(in, "changes.csv"), []byte("user,change\nuser00001@contoso.com,moved\nnobody@contoso.com,moved-to-online\nuser00002@contoso.com,moved-to-online\n"), 0o644)
	os.WriteFile(filepath.Join(in, "calendars", "user00003.ics"), []byte("BEGIN:VCALENDAR\r\nVERSION:1.0\r\nEND:VCALENDAR\r\n"), 0o644)
	os.WriteFile(filepath.Join(in, "changes2.csv"), []byte("user,change\nuser00003@contoso.com,moved-to-online\n"), 0o644)
	r := mms(t, "run", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"),
		"--out", filepath.Join(work, "out"), "--report", filepath.Join(work, "r.csv"), "--now", demoNow, "--db", filepath.Join(work, "mms.db"))
	if r.code != 3 {
		t.Fatalf("exit %d, want 3 (user00001 failed by its row)\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	want := filepath.Join(in, "changes.csv") + `:3: column "user": nobody@contoso.com is not in the users file`
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
	users := readCSV(t, filepath.Join(work, "r.csv"))
	for _, u := range users {
		switch u["UserId"] {
		case "user00001@contoso.com":
			if u["State"] != "Failed" || !strings.Contains(u["LastMessage"], `changes.csv:2: column "change": "moved" is not a change kind`) {
				t.Errorf("user00001: %v", u)
			}
		case "user00002@contoso.com":
			if u["State"] != "Succeeded" {
				t.Errorf("user00002 should still be migrated: %v", u)
			}
		}
	}
	// A vCalendar 1.0 file fails its user, naming file and line.
	r = mms(t, "run", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes2.csv"),
		"--out", filepath.Join(work, "out2"), "--report", filepath.Join(work, "r2.csv"), "--now", demoNow, "--db", filepath.Join(work, "mms.db"))
	users = readCSV(t, filepath.Join(work, "r2.csv"))
	if r.code != 3 || count(users, "State", "Failed") != 1 || !strings.Contains(strings.Join(column(users, "LastMessage"), "|"), "user00003.ics: line 2: this is a vCalendar 1.0 file") {
		t.Errorf("exit %d, users %v", r.code, users)
	}
}

func column(rows []map[string]string, col string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r[col])
	}
	return out
}

func TestInvocationErrors(t *testing.T) {
	work := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run"}, "--users is required (the users file, CSV or XLSX)"},
		{[]string{"run", "--users", "u.csv", "--changes", "c.csv", "--out", "o", "--report", "r.pdf"}, "--report r.pdf: use a name ending in .xlsx, .csv or .html (.htm)"},
		{[]string{"run", "--users", filepath.Join(work, "none.csv"), "--changes", "c.csv", "--out", "o", "--report", "r.csv"}, "none.csv: no such file or directory"},
		{[]string{"run", "--users", "u.csv", "--changes", "c.csv", "--out", "o", "--report", "r.csv", "--now", "tomorrow"}, `--now (or MMS_NOW) "tomorrow" is not an RFC 3339 time like 2026-01-15T09:00:00Z`},
		{[]string{"run", "--users", "u.csv", "--changes", "c.csv", "--out", "o", "--report", "r.csv", "--now", "2026-01-15T09:00:00"}, `--now (or MMS_NOW) "2026-01-15T09:00:00" has no time zone: add Z (UTC) or an offset`},
		{[]string{"status", "--state", "Done", "--db", filepath.Join(work, "s.db")}, `--state "Done": use Pending, InProgress, Failed, Succeeded or NotTriggered`},
	}
	for _, tc := range cases {
		r := mms(t, tc.args...)
		if r.code != 1 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("mms %v: exit %d, stderr %q; want 1 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(work, "r.csv")); !os.IsNotExist(err) {
		t.Error("a refused run left a report")
	}
}

func TestStatusAndTenant(t *testing.T) {
	in := demo(t)
	work := t.TempDir()
	db := filepath.Join(work, "mms.db")
	if r := mms(t, "tenant", "set", "automatically_replace_acp_provider", "true", "--db", db); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := mms(t, "tenant", "show", "--db", db); !strings.Contains(r.stdout, "automatically_replace_acp_provider: true") {
		t.Fatalf("tenant show: %s", r.stdout)
	}
	os.WriteFile(filepath.Join(in, "acp.csv"), []byte("user,change,target,join_url,toll_number,conference_id\nuser00004@contoso.com,license-assigned,teams,https://teams.microsoft.com/l/meetup-join/{meeting}/1,+46 8 505 248 89,123456789\n"), 0o644)
	r := mms(t, "run", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "acp.csv"), "--out", filepath.Join(work, "o"),
		"--report", filepath.Join(work, "r.csv"), "--now", demoNow, "--db", db)
	if r.code != 0 {
		t.Fatalf("%d %s", r.code, r.stderr)
	}
	r = mms(t, "status", "--summary", "--db", db)
	if !strings.Contains(r.stdout, "Succeeded     1") || !strings.Contains(r.stdout, "NotTriggered  6") {
		t.Fatalf("status --summary:\n%s", r.stdout)
	}
	r = mms(t, "status", "--user", "user00004@contoso.com", "--format", "csv", "--db", db)
	rows, _ := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if len(rows) != 2 || rows[1][1] != "Succeeded" || rows[1][3] != "10" {
		t.Fatalf("status --user: %v", rows)
	}
}
