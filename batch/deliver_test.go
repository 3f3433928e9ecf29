package batch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/caldav"
	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/batch/trigger"
	"github.com/mms-project/mms/internal/davserver"
	"github.com/mms-project/mms/internal/davtest"
	"github.com/mms-project/mms/internal/smtpsink"
)

// mixedBatch is a batch of four demo users: user00000 and user00001 on
// CalDAV (Radicale users alice and bob; alice's row gives her calendar's
// URL, bob's the server root), user00002 and user00003 as files.
type mixedBatch struct {
	srv        davtest.Server
	bobRoot    bool // bob's row gives the server root, resolved to his first calendar
	dir        string
	colls      map[string]string // user -> collection URL
	davUser    map[string]string // mms user -> Radicale user
	users, chg string
}

func newMixedBatch(t *testing.T, srv *davserver.Server) *mixedBatch {
	return newMixedBatchOn(t, srv, true, nil)
}

// newMixedBatchOn makes the batch on any CalDAV server; extra objects go
// into alice's calendar besides the demo's.
func newMixedBatchOn(t *testing.T, srv davtest.Server, bobRoot bool, extra map[string][]byte) *mixedBatch {
	t.Helper()
	b := &mixedBatch{srv: srv, bobRoot: bobRoot, dir: t.TempDir(), colls: map[string]string{},
		davUser: map[string]string{"user00000@contoso.com": "alice", "user00001@contoso.com": "bob"}}
	for u, login := range b.davUser {
		// "0000-" sorts first among bob's calendars: his row gives the server root.
		data, err := os.ReadFile("../fixtures/demo/calendars/" + strings.TrimSuffix(u, "@contoso.com") + ".ics")
		if err != nil {
			t.Fatal(err)
		}
		objs := davtest.SplitObjects(t, data)
		if login == "alice" {
			for name, o := range extra {
				objs[name] = o
			}
		}
		b.colls[u] = davtest.CalendarOf(t, srv, login, "0000-mixed", objs)
	}
	b.users, b.chg = b.write(t, "", nil)
	return b
}

// write writes the users and changes files; files maps a file user to
// the calendar to use instead of the demo's.
func (b *mixedBatch) write(t *testing.T, suffix string, files map[string]string) (string, string) {
	t.Helper()
	var users bytes.Buffer
	users.WriteString("user,mailbox,calendar,audio_provider,aliases\r\n")
	for i := range 4 {
		u := fmt.Sprintf("user%05d@contoso.com", i)
		cal := b.colls[u]
		if u == "user00001@contoso.com" && b.bobRoot {
			cal = b.srv.UserURL("bob") // resolved to his first calendar
		}
		if cal == "" {
			cal = abs(fmt.Sprintf("../fixtures/demo/calendars/user%05d.ics", i))
		}
		if f := files[u]; f != "" {
			cal = f
		}
		fmt.Fprintf(&users, "%s,online,%s,microsoft,\r\n", u, cal)
	}
	demo, err := os.ReadFile("../fixtures/demo/changes.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(demo), "\n")
	changes := strings.Join(lines[:5], "\n") + "\n"
	up, cp := filepath.Join(b.dir, "users"+suffix+".csv"), filepath.Join(b.dir, "changes"+suffix+".csv")
	os.WriteFile(up, users.Bytes(), 0o644)
	os.WriteFile(cp, []byte(changes), 0o644)
	return up, cp
}

func (b *mixedBatch) server(t *testing.T) map[string]map[string]string {
	out := map[string]map[string]string{}
	for u, coll := range b.colls {
		out[u] = davtest.Objects(t, b.srv, b.davUser[u], coll)
	}
	return out
}

// changedLines lists, unfolded, the lines of before missing from after
// and those of after missing from before.
func changedLines(before, after string) (gone, added []string) {
	unfold := strings.NewReplacer("\r\n ", "", "\r\n\t", "")
	a := strings.Split(unfold.Replace(before), "\r\n")
	b := strings.Split(unfold.Replace(after), "\r\n")
	count := map[string]int{}
	for _, l := range a {
		count[l]++
	}
	for _, l := range b {
		if count[l] > 0 {
			count[l]--
		} else {
			added = append(added, l)
		}
	}
	for l, n := range count {
		for range n {
			gone = append(gone, l)
		}
	}
	return gone, added
}

func propName(line string) string {
	if i := strings.IndexAny(line, ";:"); i >= 0 {
		return line[:i]
	}
	return line
}

// rewrittenProps are the properties a migration may change.
var rewrittenProps = map[string]bool{"DESCRIPTION": true, "X-ALT-DESC": true, "SEQUENCE": true, "DTSTAMP": true, "LAST-MODIFIED": true,
	"LOCATION": true, "X-MICROSOFT-SKYPETEAMSMEETINGURL": true, "X-MICROSOFT-ONLINEMEETINGEXTERNALLINK": true,
	"X-MICROSOFT-ONLINEMEETINGCONFLINK": true, "ATTENDEE": true, "ORGANIZER": true}

// messageIDs counts the messages that arrived per migrate.Message-ID.
func messageIDs(t *testing.T, sink *smtpsink.Sink) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, m := range sink.Messages() {
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatalf("message from %s: %v", m.From, err)
		}
		out[msg.Header.Get("Message-Id")]++
	}
	return out
}

// batchUsers returns the users' rows the filter selects in the store db.
func batchUsers(t *testing.T, db string, f store.Filter) []store.User {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	users, err := st.Users(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return users
}

func batchMeetings(t *testing.T, db, batchID string) []store.Meeting {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ms []store.Meeting
	if err := st.Meetings(context.Background(), batchID, true, func(m store.Meeting) error { ms = append(ms, m); return nil }); err != nil {
		t.Fatal(err)
	}
	return ms
}

// TestDAVFaults: refused CalDAV credentials fail that user at once, with
// a message that says where credentials come from; a busy server (503)
// fails the attempt, which the queue tries again; the other users proceed.
func TestDAVFaults(t *testing.T) {
	srv := davserver.Start(t, "radicale")
	b := newMixedBatch(t, srv)
	var mu sync.Mutex
	busyLeft := 5 // the transport's own retries (4) used up once
	h := &davtest.Hook{Base: http.DefaultTransport, Answer: func(req *http.Request) *http.Response {
		mu.Lock()
		defer mu.Unlock()
		if req.Method == "REPORT" && strings.Contains(req.URL.Path, "/bob/") && busyLeft > 0 {
			busyLeft--
			return davtest.Busy(req)
		}
		return nil
	}}
	getenv := davtest.NetrcEnv(t, nil, "bob")
	netrc, _ := os.ReadFile(getenv("NETRC"))
	os.WriteFile(getenv("NETRC"), append(netrc, "machine 127.0.0.1 login alice password wrong\n"...), 0o600)
	o := RunOptions{Users: b.users, Changes: b.chg, Out: filepath.Join(b.dir, "out"), Report: filepath.Join(b.dir, "r.csv"),
		Now: demoNow, DB: filepath.Join(b.dir, "mms.db"), Send: "none", Tuning: Tuning{Workers: 2, RetryDelay: func(int) time.Duration { return time.Millisecond }, CalDAVHTTP: &http.Client{Transport: h}, Getenv: getenv}}
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range batchUsers(t, o.DB, store.Filter{BatchID: sum.BatchID}) {
		switch u.UserID {
		case "user00000@contoso.com":
			if u.State != store.Failed || u.RetryCount != 0 || !strings.Contains(u.LastMessage, "401") || !strings.Contains(u.LastMessage, "MMS_CALDAV_USER") {
				t.Errorf("alice's user: %s after %d retries: %s; want migrate.Failed at once, naming the credentials", u.State, u.RetryCount, u.LastMessage)
			}
		case "user00001@contoso.com":
			if u.State != store.Succeeded || u.RetryCount != 1 || u.SucceededMeeting == 0 {
				t.Errorf("bob's user: %s after %d retries, %d meetings: %s; want Succeeded on the second attempt", u.State, u.RetryCount, u.SucceededMeeting, u.LastMessage)
			}
		default:
			if u.State != store.Succeeded {
				t.Errorf("%s: %s %s", u.UserID, u.State, u.LastMessage)
			}
		}
	}
}

// TestDAVWrittenByStoppedAttempt: an attempt that wrote the objects back
// to the server and stopped before its first send leaves them current;
// the next attempt reports them updated and sends each update once.
func TestDAVWrittenByStoppedAttempt(t *testing.T) {
	srv := davserver.Start(t, "radicale")
	ctx := context.Background()
	o := demoOptions(t)
	coll := davtest.Calendar(t, srv, "carol", "stopped", "../fixtures/demo/calendars/user00000.ics")
	st, err := store.Open(ctx, o.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	users, changes, rowErrs, _ := readInputs(o)
	records, _ := plan(users, changes, rowErrs, trigger.DefaultTenant(), "")
	rec := onlyUser(records, "user00000@contoso.com")
	var a migrate.Assignment
	json.Unmarshal(rec[0].Payload, &a)
	a.Calendar = coll
	rec[0].Payload, _ = json.Marshal(a)
	b, err := st.CreateBatch(ctx, store.Batch{Now: demoNow, Stamp: demoNow}, rec)
	if err != nil {
		t.Fatal(err)
	}
	c, err := caldav.New(caldav.Options{Credentials: davtest.Creds("carol")})
	if err != nil {
		t.Fatal(err)
	}
	mail := &flaky{failOn: 1, sent: map[string]int{}}
	w := &migrate.Worker{Now: demoNow, Stamp: demoNow, Calendars: migrate.DAVCalendars{Client: c, From: demoNow, ClientScheduling: true}, Mailer: mail,
		Journal: &migrate.Journal{Store: st, BatchID: b.ID}}
	if n := workAll(t, st, b.ID, w); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
	u, _ := st.Users(ctx, store.Filter{BatchID: b.ID})
	if len(u) != 1 || u[0].State != store.Succeeded || u[0].SucceededMeeting == 0 || u[0].SucceededMeeting != len(mail.sent) || u[0].InvitesUpdate != len(mail.sent) {
		t.Fatalf("user %+v; sent %v", u, mail.sent)
	}
	for uid, n := range mail.sent {
		if n != 1 {
			t.Errorf("UID %s sent %d times", uid, n)
		}
	}
}

// TestDAVBadObjectAndDryRun: an object that is not iCalendar fails only
// its own meeting, its row naming the URL; a dry run reads the server and
// PUTs nothing.
func TestDAVBadObjectAndDryRun(t *testing.T) {
	srv := davserver.Start(t, "radicale")
	b := newMixedBatch(t, srv)
	var mu sync.Mutex
	puts := 0
	h := &davtest.Hook{Base: http.DefaultTransport}
	h.Answer = func(req *http.Request) *http.Response {
		mu.Lock()
		defer mu.Unlock()
		bad := strings.Contains(req.URL.Path, "/alice/")
		switch {
		case req.Method == http.MethodPut:
			puts++
		case bad && req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/m03.ics"):
			return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Request: req,
				Header: http.Header{"Content-Type": {"text/calendar"}, "Etag": {`"x"`}}, Body: io.NopCloser(strings.NewReader("BEGIN:VCARD\r\nEND:VCARD\r\n"))}
		case bad && req.Method == "REPORT":
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				return nil
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			i := bytes.Index(body, []byte("m03.ics</"))
			if j := bytes.Index(body[max(i, 0):], []byte("BEGIN:VCALENDAR")); i >= 0 && j >= 0 {
				copy(body[i+j:], "BEGIN:VCARD-NOT")
			}
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			return resp
		}
		return nil
	}
	o := RunOptions{Users: b.users, Changes: b.chg, Out: filepath.Join(b.dir, "out"), Report: filepath.Join(b.dir, "r.csv"),
		Now: demoNow, DB: filepath.Join(b.dir, "mms.db"), Send: "none", DryRun: true,
		Tuning: Tuning{Workers: 2, RetryDelay: func(int) time.Duration { return time.Millisecond }, CalDAVHTTP: &http.Client{Transport: h}, Getenv: davtest.NetrcEnv(t, nil, "alice", "bob")}}
	before := b.server(t)
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if puts != 0 {
		t.Errorf("the dry run sent %d PUTs", puts)
	}
	for u, objs := range b.server(t) {
		for name, data := range objs {
			if data != before[u][name] {
				t.Errorf("the dry run changed %s %s", u, name)
			}
		}
	}
	failed, would := 0, map[string]int{}
	for _, m := range batchMeetings(t, o.DB, sum.BatchID) {
		if m.Outcome == migrate.Failed {
			failed++
			if m.UserID != "user00000@contoso.com" || !strings.Contains(m.Detail, "/m03.ics") || m.Reason != migrate.KindInvalid || strings.Count(m.Detail, "/m03.ics") != 1 {
				t.Errorf("failed row %s %s: %s %s; want a short kind and alice's m03.ics named", m.UserID, m.UID, m.Reason, m.Detail)
			}
		}
		if m.Outcome == migrate.WouldUpdate {
			would[m.UserID]++
		}
	}
	if failed != 1 || sum.Failed != 1 || would["user00000@contoso.com"] == 0 || len(would) != 4 {
		t.Errorf("%d failed rows, %d failed users; would-update per user %v", failed, sum.Failed, would)
	}
}

// TestDAVKeepsChanging: a meeting edited on the server before each of
// mms's writes is read and decided again three times, then fails with a
// message saying so; the last edit is on the server, nothing of mms's.
func TestDAVKeepsChanging(t *testing.T) {
	srv := davserver.Start(t, "radicale")
	b := newMixedBatch(t, srv)
	coll := b.colls["user00000@contoso.com"]
	original := davtest.Objects(t, srv, "alice", coll)["m02.ics"]
	var mu sync.Mutex
	edits := 0
	h := &davtest.Hook{Base: http.DefaultTransport, Before: func(req *http.Request) {
		if req.Method != http.MethodPut || !strings.Contains(req.URL.Path, "/alice/") || !strings.HasSuffix(req.URL.Path, "/m02.ics") {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		edits++
		srv.Put(t, "alice", coll, "m02.ics", []byte(strings.Replace(original, "PRIORITY:5", fmt.Sprintf("PRIORITY:%d", edits), 1)))
	}}
	o := RunOptions{Users: b.users, Changes: b.chg, Out: filepath.Join(b.dir, "out"), Report: filepath.Join(b.dir, "r.csv"),
		Now: demoNow, DB: filepath.Join(b.dir, "mms.db"), Send: "none", Tuning: Tuning{Workers: 2, RetryDelay: func(int) time.Duration { return time.Millisecond }, CalDAVHTTP: &http.Client{Transport: h}, Getenv: davtest.NetrcEnv(t, nil, "alice", "bob")}}
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if edits != migrate.MaxReads || sum.Failed != 1 {
		t.Errorf("%d edits meanwhile (want %d), %d users failed (want 1)", edits, migrate.MaxReads, sum.Failed)
	}
	var failed []store.Meeting
	for _, m := range batchMeetings(t, o.DB, sum.BatchID) {
		if m.Outcome == migrate.Failed {
			failed = append(failed, m)
		}
	}
	if len(failed) != 1 || failed[0].Reason != migrate.KindCalDAVChanged || !strings.Contains(failed[0].Detail, "m02.ics changed on the server each of the 3 times it was read and rewritten") {
		t.Errorf("failed rows %+v", failed)
	}
	got := davtest.Objects(t, srv, "alice", coll)["m02.ics"]
	if !strings.Contains(got, fmt.Sprintf("PRIORITY:%d\r\n", migrate.MaxReads)) || strings.Contains(got, "SEQUENCE:1\r\n") {
		t.Errorf("the server should hold the last edit and no rewrite:\n%s", got)
	}
}

// TestDAVReportListsWhatAFileWould: a calendar on a CalDAV server (small
// enough to be read whole) is reported meeting for meeting as the same
// calendar as a file: its past meetings too, skipped as past, not left
// out of the report.
func TestDAVReportListsWhatAFileWould(t *testing.T) {
	srv := davserver.Start(t, "radicale")
	b := newMixedBatch(t, srv)
	files := map[string]string{}
	for u := range b.davUser {
		files[u] = abs("../fixtures/demo/calendars/" + strings.TrimSuffix(u, "@contoso.com") + ".ics")
	}
	fileUsers, fileChanges := b.write(t, "-files", files)
	decisions := func(users, changes, name string) map[string][]string {
		o := RunOptions{Users: users, Changes: changes, Out: filepath.Join(b.dir, "out-"+name), Report: filepath.Join(b.dir, name+".csv"),
			Now: demoNow, DB: filepath.Join(b.dir, name+".db"), Send: "none", DryRun: true,
			Tuning: Tuning{Workers: 2, RetryDelay: func(int) time.Duration { return time.Millisecond }, Getenv: davtest.NetrcEnv(t, nil, "alice", "bob")}}
		sum, err := Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]string{}
		for _, m := range batchMeetings(t, o.DB, sum.BatchID) {
			if _, dav := b.davUser[m.UserID]; dav {
				out[m.UserID] = append(out[m.UserID], m.UID+" "+m.Start.UTC().Format(time.RFC3339)+" "+string(m.Outcome)+" "+m.Reason)
			}
		}
		for _, d := range out {
			slices.Sort(d)
		}
		return out
	}
	dav, file := decisions(b.users, b.chg, "dav"), decisions(fileUsers, fileChanges, "files")
	past := 0
	for u, want := range file {
		if got := dav[u]; !slices.Equal(got, want) {
			t.Errorf("%s on CalDAV:\n%s\nas a file:\n%s", u, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		for _, d := range want {
			if strings.HasSuffix(d, " skipped past") {
				past++
			}
		}
	}
	if past == 0 || len(file) != 2 {
		t.Errorf("the demo's CalDAV users have %d past meetings as files (%d users): the test proves nothing", past, len(file))
	}
}
