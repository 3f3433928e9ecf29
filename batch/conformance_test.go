package batch

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/internal/davserver"
	"github.com/mms-project/mms/internal/davtest"
	"github.com/mms-project/mms/internal/smtpsink"
)

// conformanceServer is a CalDAV server the end-to-end suite runs against.
type conformanceServer struct {
	srv davtest.Server
	// bobRoot: bob's users-file row gives the server root (resolved to his
	// first calendar); otherwise his calendar's URL.
	bobRoot bool
	// storesNull: the server may acknowledge a write and keep "(null)"
	// (SOGo 5.8 with characters outside the BMP at a fold): such a
	// meeting fails, its original put back.
	storesNull bool
	fake       *davtest.Fake // the in-process server: its PUT bodies are checked too
}

// TestConformance runs one end-to-end suite against every CalDAV server
// people run (internal/davserver: Radicale, Xandikos, DAViCal, SOGo) and
// against an in-process server that stores LF endings only and closes
// the connection after each answer without saying so (issue 14).
func TestConformance(t *testing.T) {
	for _, kind := range davserver.Kinds {
		t.Run(kind, func(t *testing.T) {
			var s conformanceServer
			if kind == "radicale" {
				s = conformanceServer{srv: davserver.Start(t, "radicale"), bobRoot: true}
			} else {
				d := davserver.Start(t, kind)
				s = conformanceServer{srv: d, storesNull: d.StoresNull}
			}
			testConformance(t, s)
		})
	}
	t.Run("httptest-lf-closing", func(t *testing.T) {
		f := davtest.StartFake(t, nil)
		f.Store = davtest.LFOnly
		f.CloseEach = true
		testConformance(t, conformanceServer{srv: f, fake: f})
	})
}

// nonBMP are characters outside the Basic Multilingual Plane (4 bytes in
// UTF-8), with a 2- and a 3-byte one between them.
const nonBMP = "😀🎉𝄞🙂ä€👩‍💻🇸🇪"

// emojiObjects are copies of a rewritable demo meeting of user00000 whose
// DESCRIPTION starts with 0 to 3 ASCII characters and then characters
// outside the BMP: once mms folds the rewritten DESCRIPTION, a fold falls
// at every byte position of such a character.
func emojiObjects(t *testing.T) map[string][]byte {
	t.Helper()
	data, err := os.ReadFile("../fixtures/demo/calendars/user00000.ics")
	if err != nil {
		t.Fatal(err)
	}
	base := string(davtest.SplitObjects(t, data)["m00.ics"])
	out := map[string][]byte{}
	for k := range 4 {
		o := strings.Replace(base, "\t0100000001\r\n", fmt.Sprintf("\t01000000E%d\r\n", k), 1)
		o = strings.Replace(o, "DESCRIPTION:Hej alla", "DESCRIPTION:"+strings.Repeat("x", k)+strings.Repeat(nonBMP, 6)+" Hej alla", 1)
		o = strings.Replace(o, "SUMMARY;LANGUAGE=sv-se:Veckomöte", fmt.Sprintf("SUMMARY;LANGUAGE=sv-se:Emoji %d %s Veckomöte", k, nonBMP), 1)
		if o == base || !strings.Contains(o, "E"+fmt.Sprint(k)+"\r\n") {
			t.Fatal("the emoji fixture did not take")
		}
		out[fmt.Sprintf("emoji%d.ics", k)] = []byte(o)
	}
	return out
}

// testConformance is the end-to-end run on one server: half the users on
// CalDAV, half as files, updates through SMTP; one meeting is edited on
// the server between mms's read and its write. Only changed lines differ
// on the server; one mail per rewritten meeting; the edit meanwhile is
// kept; every object reads back whole; a rerun changes and sends nothing.
func testConformance(t *testing.T, s conformanceServer) {
	srv := s.srv
	b := newMixedBatchOn(t, srv, s.bobRoot, emojiObjects(t))
	sink := smtpsink.Start(t, "127.0.0.1:0")
	before := b.server(t)
	// Objects the server could not store as they were put (SOGo keeps
	// "(null)" for some with characters outside the BMP): their meetings
	// fail as unreadable, nothing else.
	broken := map[string]bool{}
	for u, objs := range before {
		for name, data := range objs {
			if _, err := ics.Parse(name, []byte(data)); err != nil {
				t.Logf("%s keeps %s of %s as %q", srv.UserURL(b.davUser[u]), name, u, excerptOf(data))
				broken[name] = true
			}
		}
	}
	if len(broken) > 0 && !s.storesNull {
		t.Fatalf("the server could not store the fixture: %v", broken)
	}

	// Someone changes alice's m02.ics just before mms's PUT of it.
	var once sync.Once
	edited := false
	alice, _ := url.Parse(b.colls["user00000@contoso.com"])
	h := &davtest.Hook{Base: http.DefaultTransport}
	h.Before = func(req *http.Request) {
		if req.Method != http.MethodPut || req.URL.Path != alice.Path+"m02.ics" {
			return
		}
		once.Do(func() {
			data := before["user00000@contoso.com"]["m02.ics"]
			other := strings.Replace(data, "PRIORITY:5", "PRIORITY:1", 1)
			if other == data {
				t.Errorf("no PRIORITY to edit in m02.ics")
			}
			srv.Put(inRequest{t}, "alice", b.colls["user00000@contoso.com"], "m02.ics", []byte(other))
			edited = true
		})
	}
	o := RunOptions{Users: b.users, Changes: b.chg, Out: filepath.Join(b.dir, "out"), Report: filepath.Join(b.dir, "r.csv"),
		Now: demoNow, DB: filepath.Join(b.dir, "mms.db"), Send: "smtp://" + sink.Addr,
		Tuning: Tuning{Workers: 4, RetryDelay: func(int) time.Duration { return time.Millisecond },
			CalDAVHTTP: &http.Client{Transport: h}, Getenv: davtest.NetrcEnv(t, nil, "alice", "bob")}}
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !edited {
		t.Fatalf("the edit meanwhile never happened: mms never PUT m02.ics; summary %+v", sum)
	}
	ms := batchMeetings(t, o.DB, sum.BatchID)
	refused := map[string]bool{} // UIDs whose write the server did not keep
	for _, m := range ms {
		if m.Outcome != migrate.Failed {
			continue
		}
		if s.storesNull && m.Reason == migrate.KindCalDAVReadBack && strings.Contains(m.Detail, "acknowledged the write") && strings.Contains(m.Detail, "original was put back") {
			refused[m.UID] = true
			continue
		}
		if m.UID == "" && m.Reason == migrate.KindInvalid && brokenNamed(broken, m.Detail) {
			continue // not iCalendar before the run
		}
		t.Errorf("%s UID %s failed: %s %s", m.UserID, m.UID, m.Reason, m.Detail)
	}
	if sum.Triggered != 4 || sum.Updated == 0 || (len(refused)+len(broken) == 0 && sum.Failed != 0) {
		t.Fatalf("summary %+v", sum)
	}

	// The server holds the rewrites: only the rewritten lines differ, and
	// each object reads back whole.
	after := b.server(t)
	davUpdated := 0
	for u, objs := range before {
		if len(after[u]) != len(objs) {
			t.Errorf("%s: %d objects after the run, %d before", u, len(after[u]), len(objs))
		}
		for name, data := range objs {
			if broken[name] {
				continue
			}
			checkWhole(t, u+" "+name, data, after[u][name])
			gone, added := changedLines(crlf(data), crlf(after[u][name]))
			if len(added) == 0 {
				continue
			}
			davUpdated++
			if !strings.Contains(after[u][name], "SCHEDULE-AGENT=CLIENT") {
				t.Errorf("%s %s: rewritten without SCHEDULE-AGENT=CLIENT", u, name)
			}
			for _, l := range append(gone, added...) {
				if !rewrittenProps[propName(l)] && !(name == "m02.ics" && u == "user00000@contoso.com" && propName(l) == "PRIORITY") {
					t.Errorf("%s %s: line %q changed", u, name, l)
				}
			}
		}
	}
	if got := crlf(after["user00000@contoso.com"]["m02.ics"]); !strings.Contains(got, "PRIORITY:1\r\n") || !strings.Contains(got, "SEQUENCE:1\r\n") {
		t.Errorf("the meeting edited meanwhile lost the edit or the rewrite:\n%s", got)
	}
	for k := range 4 {
		name := fmt.Sprintf("emoji%d.ics", k)
		got := after["user00000@contoso.com"][name]
		if broken[name] {
			continue
		}
		if !strings.Contains(unfoldText(got), nonBMP+nonBMP) {
			t.Errorf("%s: the characters outside the BMP did not survive:\n%s", name, got)
		}
	}
	updated, noted := 0, 0
	for _, m := range ms {
		if m.Outcome == migrate.Updated {
			updated++
		}
		if m.Outcome == migrate.Updated && m.Reason == "" && strings.Contains(m.Detail, "changed on the server meanwhile") {
			noted++
		}
	}
	if davUpdated == 0 || updated != sum.Updated || noted != 1 {
		t.Errorf("%d objects rewritten on the server, %d meetings updated (summary %d), %d noted as edited meanwhile (want 1)", davUpdated, updated, sum.Updated, noted)
	}
	t.Logf("summary %+v; %d objects rewritten on the server; %d messages; %d writes not kept", sum, davUpdated, len(sink.Messages()), len(refused))

	// One update per rewritten meeting arrived.
	ids := messageIDs(t, sink)
	if len(ids) != updated || sum.Invites != updated {
		t.Errorf("%d distinct messages, %d invites, %d meetings updated", len(ids), sum.Invites, updated)
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("message %s arrived %d times", id, n)
		}
	}
	if s.fake != nil {
		for _, body := range s.fake.AllPuts() {
			if n := davtest.BareLF(body); n != 0 {
				t.Errorf("a PUT body has %d bare LF endings:\n%s", n, body)
			}
		}
	}

	// A rerun, file users on the rewritten files, changes and sends nothing.
	users2, chg2 := b.write(t, "2", map[string]string{
		"user00002@contoso.com": filepath.Join(o.Out, "calendars", "user00002.ics"),
		"user00003@contoso.com": filepath.Join(o.Out, "calendars", "user00003.ics")})
	o2 := o
	o2.Users, o2.Changes, o2.Out, o2.Report = users2, chg2, filepath.Join(b.dir, "out2"), filepath.Join(b.dir, "r2.csv")
	sent := len(sink.Messages())
	sum2, err := Run(context.Background(), o2)
	if err != nil {
		t.Fatal(err)
	}
	if sum2.Updated != 0 || sum2.Invites != 0 || (len(refused)+len(broken) == 0 && sum2.Failed != 0) || len(sink.Messages()) != sent {
		t.Errorf("rerun: %+v, %d more messages", sum2, len(sink.Messages())-sent)
	}
	for u, objs := range b.server(t) {
		for name, data := range objs {
			if g, a := changedLines(crlf(after[u][name]), crlf(data)); len(g)+len(a) != 0 {
				t.Errorf("rerun changed %s %s: %q -> %q", u, name, g, a)
			}
		}
	}
	if s.bobRoot { // once is enough: rollback does not reach CalDAV
		checkRollback(t, o, sum, b)
	}
}

// checkRollback: a rollback restores the files and says it cannot restore
// CalDAV calendars; its dry run says the same beforehand.
func checkRollback(t *testing.T, o RunOptions, sum Summary, b *mixedBatch) {
	dry, err := Rollback(context.Background(), RollbackOptions{DB: o.DB, BatchID: sum.BatchID, Send: "none", Now: demoNow, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	rb, err := Rollback(context.Background(), RollbackOptions{DB: o.DB, BatchID: sum.BatchID, Send: "none", Now: demoNow})
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range []struct {
		users []store.User
		done  string // a file user's state
	}{{dry.Users, store.Succeeded}, {rb.Users, store.Succeeded}} {
		for _, u := range run.users {
			_, dav := b.colls[u.UserID]
			switch {
			case dav && (u.State != store.Failed || !strings.Contains(u.LastMessage, "is a CalDAV calendar; rollback restores only calendars written as files")):
				t.Errorf("rollback of %s: %s %q", u.UserID, u.State, u.LastMessage)
			case !dav && (u.State != run.done || u.SucceededMeeting == 0):
				t.Errorf("rollback of %s: %s %q", u.UserID, u.State, u.LastMessage)
			}
		}
	}
}

// checkWhole: the object the server gives back parses, with as many
// events as before, each UID still there.
func checkWhole(t *testing.T, what, before, after string) {
	t.Helper()
	a, err := ics.Parse(what, []byte(after))
	if err != nil {
		t.Errorf("%s does not read back whole: %v\n%s", what, err, after)
		return
	}
	b, _ := ics.Parse(what, []byte(before))
	if got, want := len(a.Components("VEVENT")), len(b.Components("VEVENT")); got != want {
		t.Errorf("%s: %d events read back, %d before", what, got, want)
	}
}

func excerptOf(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// inRequest is the test's TB for code run inside one of mms's requests
// (a Hook): a fatal failure there panics, which fails the user being
// migrated, instead of ending a goroutine that is not the test's and
// leaving the run waiting for it forever.
type inRequest struct{ testing.TB }

func (r inRequest) Fatal(args ...any) { r.Error(args...); panic(fmt.Sprint(args...)) }
func (r inRequest) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	panic(fmt.Sprintf(format, args...))
}
func (r inRequest) FailNow() { r.Fail(); panic("FailNow in a request") }

// crlf gives text CRLF endings throughout, for comparing what servers
// that store LF give back.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// unfoldText is calendar text unfolded.
func unfoldText(s string) string {
	return strings.NewReplacer("\r\n ", "", "\r\n\t", "", "\n ", "", "\n\t", "").Replace(s)
}

// brokenNamed reports whether detail ("CalDAV object could not be read:
// HREF: why") names one of the broken objects.
func brokenNamed(broken map[string]bool, detail string) bool {
	for name := range broken {
		if strings.Contains(detail, "/"+name+": ") {
			return true
		}
	}
	return false
}
