package migrate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/caldav"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/internal/davtest"
	"github.com/mms-project/mms/report"
)

// fakeObjects is the suite's fixture cut into one object per meeting, each
// with LF endings only, as a REPORT delivers calendar data once XML
// parsing is done and as some servers store it.
func fakeObjects(t *testing.T) map[string][]byte {
	t.Helper()
	data, err := os.ReadFile(suiteFixture)
	if err != nil {
		t.Fatal(err)
	}
	objs := davtest.SplitObjects(t, data)
	for name, o := range objs {
		objs[name] = davtest.LFOnly(o)
	}
	return objs
}

func fakeDAV(t *testing.T, noReadBack bool) DAVCalendars {
	t.Helper()
	c, err := caldav.New(caldav.Options{Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return DAVCalendars{Client: c, From: demoNow, ClientScheduling: true, NoReadBack: noReadBack}
}

// The Calendars suite against the in-memory server, whose objects have LF
// endings only.
func TestDAVCalendarsFake(t *testing.T) {
	testCalendars(t, func(t *testing.T) calendarsEnv {
		f := davtest.StartFake(t, fakeObjects(t))
		return calendarsEnv{
			cals:    fakeDAV(t, false),
			load:    func(*testing.T, string) string { return f.Collection() },
			written: func(loc string) string { return loc },
			stored: func(t *testing.T, loc string) map[string]string {
				out := map[string]string{}
				for name := range fakeObjects(t) {
					for uid, ev := range byUID(strings.ReplaceAll(string(f.Object(name)), "\r\n", "\n")) {
						out[uid] += ev
					}
				}
				return out
			},
			editMeanwhile: func(t *testing.T, d *Doc) {
				name := d.Name[strings.LastIndexByte(d.Name, '/')+1:]
				data := string(f.Object(name))
				edited := strings.Replace(data, "SUMMARY;LANGUAGE=sv-se:", "SUMMARY:Edited meanwhile\nX-WAS-SUMMARY;LANGUAGE=sv-se:", 1)
				if edited == data {
					t.Fatalf("no SUMMARY to edit in %s", d.Name)
				}
				f.Set(name, []byte(edited))
			},
			missing: f.URL + "/no-such-calendar/",
		}
	})
}

// Issue 14.1: objects read with LF endings only are written with CRLF
// throughout, the rewritten lines and the untouched ones alike.
func TestDAVWriteCRLFThroughout(t *testing.T) {
	f := davtest.StartFake(t, fakeObjects(t))
	cals := fakeDAV(t, false)
	docs, err := cals.Read(context.Background(), f.Collection())
	if err != nil {
		t.Fatal(err)
	}
	d, _ := firstRewrite(t, docs)
	if err := cals.Write(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	name := d.Name[strings.LastIndexByte(d.Name, '/')+1:]
	puts := f.Puts(name)
	if len(puts) != 1 {
		t.Fatalf("%d PUTs of %s, want 1", len(puts), name)
	}
	body := puts[0]
	if n := davtest.BareLF(body); n != 0 {
		t.Errorf("the PUT body has %d bare LF endings:\n%s", n, body)
	}
	if got, want := bytes.Count(body, []byte("\r\n")), bytes.Count(fakeObjects(t)[name], []byte("\n")); got < want {
		t.Errorf("%d CRLF lines, want at least the %d lines read", got, want)
	}
}

func TestCRLFThroughout(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "",
		"A\r\nB\r\n":           "A\r\nB\r\n",
		"A\nB\n":               "A\r\nB\r\n",
		"A\r\nB\nC\r\n D\n":    "A\r\nB\r\nC\r\n D\r\n",
		"\nA":                  "\r\nA",
		"SUMMARY:😀 x\n ẞ\r\nZ": "SUMMARY:😀 x\r\n ẞ\r\nZ",
	} {
		if got := string(crlfThroughout([]byte(in))); got != want {
			t.Errorf("crlfThroughout(%q) = %q, want %q", in, got, want)
		}
	}
}

// otherHost is a server that must never be reached.
func otherHost(t *testing.T) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var hits []string
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits = append(hits, r.Method+" "+r.URL.Path)
		mu.Unlock()
	}))
	t.Cleanup(s.Close)
	return s, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), hits...) }
}

// Issue 12.1: a REPORT listing objects outside the collection (another
// collection, a path climbing out, another host): each is a failed meeting
// naming its href, only the objects inside are written, and the other host
// never hears from us.
func TestDAVHostileHrefsFailNamed(t *testing.T) {
	objs := fakeObjects(t)
	f := davtest.StartFake(t, objs)
	other, hits := otherHost(t)
	f.Hostile = []string{"/victim/cal/x.ics", davtest.CollectionPath + "../../escape/y.ics", other.URL + "/steal/z.ics"}
	w := &Worker{Now: demoNow, Stamp: demoNow, Calendars: fakeDAV(t, false), Mailer: &Recorder{}}
	out, err := w.Migrate(context.Background(), Assignment{User: "user00000@contoso.com", Aliases: []string{"anna.berg@contoso.com"},
		Calendar: f.Collection(), Change: suiteChange})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range f.Hostile {
		found := false
		for _, m := range out.Meetings {
			if m.Outcome == Failed && m.Reason == KindCalDAVOutside && strings.Contains(m.Detail, h) && strings.Contains(m.Detail, "outside") {
				found = true
			}
		}
		if !found {
			t.Errorf("no failed meeting names %s: %+v", h, out.Meetings)
		}
	}
	var written []string
	for _, r := range f.Requests() {
		if strings.HasPrefix(r, "PUT ") || strings.HasPrefix(r, "GET ") {
			if !strings.HasPrefix(r[strings.IndexByte(r, ' ')+1:], davtest.CollectionPath) || strings.Contains(r, "..") {
				t.Errorf("requested %s, outside the collection", r)
			}
		}
		if strings.HasPrefix(r, "PUT ") {
			written = append(written, r)
		}
	}
	if len(written) == 0 {
		t.Error("nothing inside the collection was written")
	}
	if h := hits(); len(h) != 0 {
		t.Errorf("the other host was reached: %v", h)
	}
	updated := 0
	for _, m := range out.Meetings {
		if m.Outcome == Updated {
			updated++
		}
	}
	if updated != len(written) {
		t.Errorf("%d meetings updated, %d objects written (%v)", updated, len(written), written)
	}
}

// A document whose URL is not inside the collection it came from is never
// written, whoever made it (a resumed attempt, a journal).
func TestDAVWriteChecksInside(t *testing.T) {
	f := davtest.StartFake(t, fakeObjects(t))
	cals := fakeDAV(t, false)
	docs, err := cals.Read(context.Background(), f.Collection())
	if err != nil {
		t.Fatal(err)
	}
	d, _ := firstRewrite(t, docs)
	d.Name = f.URL + "/victim/cal/x.ics"
	if err := cals.Write(context.Background(), d); !errors.Is(err, caldav.ErrOutside) || !store.IsPermanent(err) {
		t.Errorf("Write outside the collection: %v, want a permanent ErrOutside", err)
	}
	if _, err := cals.Reread(context.Background(), d); !errors.Is(err, caldav.ErrOutside) {
		t.Errorf("Reread outside the collection: %v, want ErrOutside", err)
	}
	for _, r := range f.Requests() {
		if strings.Contains(r, "/victim/") {
			t.Errorf("requested %s", r)
		}
	}
}

// Issue 14.3: a server that acknowledges a write and stores "(null)"
// (SOGo 5.8): the original goes back, the meeting fails quoting the
// server, and its update is not sent.
func TestDAVReadBackRestores(t *testing.T) {
	objs := fakeObjects(t)
	f := davtest.StartFake(t, objs)
	f.Store = func(body []byte) []byte { // the rewrite: the original has been read
		if bytes.Contains(body, []byte("SCHEDULE-AGENT=CLIENT")) {
			return []byte("(null)")
		}
		return body
	}
	mailer := &Recorder{}
	w := &Worker{Now: demoNow, Stamp: demoNow, Calendars: fakeDAV(t, false), Mailer: mailer}
	out, err := w.Migrate(context.Background(), Assignment{User: "user00000@contoso.com", Aliases: []string{"anna.berg@contoso.com"},
		Calendar: f.Collection(), Change: suiteChange})
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, m := range out.Meetings {
		if m.Outcome == Updated {
			t.Errorf("UID %s updated though the server kept (null)", m.UID)
		}
		if m.Outcome == Failed && m.Reason == KindCalDAVReadBack && strings.Contains(m.Detail, "(null)") && strings.Contains(m.Detail, "put back") {
			failed++
		}
	}
	if failed == 0 {
		t.Errorf("no meeting failed quoting the server's (null): %+v", out.Meetings)
	}
	if out.Invites != 0 || mailer.Messages != 0 {
		t.Errorf("%d updates sent (%d messages) for writes the server did not keep", out.Invites, mailer.Messages)
	}
	names := make([]string, 0, len(objs))
	for name := range objs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		got := f.Object(name)
		if bytes.Equal(got, []byte("(null)")) {
			t.Errorf("%s left as (null)", name)
			continue
		}
		if puts := f.Puts(name); len(puts) > 0 && !bytes.Equal(got, puts[len(puts)-1]) {
			t.Errorf("%s holds something else than the original put back", name)
		}
		if puts := f.Puts(name); len(puts) == 2 && (!bytes.Equal(davtest.LFOnly(puts[1]), objs[name]) || davtest.BareLF(puts[1]) != 0) {
			t.Errorf("%s: the second PUT is not the original:\n%s", name, puts[1])
		}
	}
}

// --caldav-readback=false: nothing but the PUT; by default the write is
// read back by Check, with one calendar-multiget REPORT, and the ETag it
// gives goes into the document's Version.
func TestDAVNoReadBack(t *testing.T) {
	ctx := context.Background()
	f := davtest.StartFake(t, fakeObjects(t))
	cals := fakeDAV(t, true)
	docs, err := cals.Read(ctx, f.Collection())
	if err != nil {
		t.Fatal(err)
	}
	d, _ := firstRewrite(t, docs)
	before := len(f.Requests())
	if err := cals.Write(ctx, d); err != nil {
		t.Fatal(err)
	}
	if errs, err := cals.Check(ctx, []*Doc{d}); err != nil || len(errs) != 1 || errs[0] != nil {
		t.Fatalf("Check: %v %v", errs, err)
	}
	if got := f.Requests()[before:]; len(got) != 1 || !strings.HasPrefix(got[0], "PUT ") {
		t.Errorf("requests of a write without read-back: %v, want one PUT", got)
	}
	cals.NoReadBack = false
	docs, _ = cals.Read(ctx, f.Collection())
	d, _ = firstRewrite(t, docs)
	before = len(f.Requests())
	if err := cals.Write(ctx, d); err != nil {
		t.Fatal(err)
	}
	if got := f.Requests()[before:]; len(got) != 1 || !strings.HasPrefix(got[0], "PUT ") {
		t.Errorf("requests of a write with read-back, before Check: %v, want one PUT", got)
	}
	d.Version = `"stale"`
	if errs, err := cals.Check(ctx, []*Doc{d}); err != nil || len(errs) != 1 || errs[0] != nil {
		t.Fatalf("Check: %v %v", errs, err)
	}
	if got := f.Requests()[before+1:]; len(got) != 1 || got[0] != "REPORT "+davtest.CollectionPath {
		t.Errorf("requests of the read-back: %v, want one REPORT of the collection", got)
	}
	if d.Version != `"e2"` {
		t.Errorf("Version after the read-back %s, want the stored object's \"e2\"", d.Version)
	}
	before = len(f.Requests())
	if errs, err := cals.Check(ctx, []*Doc{d}); err != nil || errs[0] != nil || len(f.Requests()) != before {
		t.Errorf("a second Check: %v %v, requests %v; want nothing done", errs, err, f.Requests()[before:])
	}
}

// Issue 16.3: a user's written objects are read back with one REPORT
// before any update is sent; the one the server mangled gets its original
// back, its meeting fails and no update goes out for it; the others are
// updated.
func TestDAVReadBackOneMultiget(t *testing.T) {
	objs := fakeObjects(t)
	f := davtest.StartFake(t, objs)
	var mangled string
	f.Store = func(body []byte) []byte {
		// the first rewrite the server gets is mangled: it keeps the
		// meeting with its old text
		if mangled == "" && bytes.Contains(body, []byte("SCHEDULE-AGENT=CLIENT")) {
			mangled = string(body)
			return bytes.ReplaceAll(body, []byte("teams.microsoft.com"), []byte("example.invalid"))
		}
		return body
	}
	mailer := &captured{}
	w := &Worker{Now: demoNow, Stamp: demoNow, Calendars: Router{DAV: fakeDAV(t, false)}, Mailer: mailer}
	out, err := w.Migrate(context.Background(), Assignment{User: "user00000@contoso.com", Aliases: []string{"anna.berg@contoso.com"},
		Calendar: f.Collection(), Change: suiteChange})
	if err != nil {
		t.Fatal(err)
	}
	puts, gets, reports, putBack := 0, 0, 0, ""
	for _, r := range f.Requests() {
		switch {
		case strings.HasPrefix(r, "PUT "):
			puts++
		case strings.HasPrefix(r, "GET ") && puts > 0: // not the reads of Read (LF only)
			gets++
		case strings.HasPrefix(r, "REPORT ") && puts > 0:
			reports++
		}
	}
	for name := range objs {
		if p := f.Puts(name); len(p) == 2 {
			if putBack != "" {
				t.Errorf("%s and %s both put back", putBack, name)
			}
			putBack = name
			if !bytes.Equal(davtest.LFOnly(p[1]), objs[name]) || !bytes.Equal(f.Object(name), p[1]) {
				t.Errorf("%s: the second PUT is not the original, or not what is stored", name)
			}
		}
	}
	if putBack == "" {
		t.Fatal("no object put back")
	}
	failed, updated := "", 0
	for _, m := range out.Meetings {
		switch {
		case m.Outcome == Failed && m.Reason == KindCalDAVReadBack:
			if failed != "" {
				t.Errorf("UIDs %s and %s failed", failed, m.UID)
			}
			failed = m.UID
			if !strings.Contains(m.Detail, davtest.CollectionPath+putBack) || !strings.Contains(m.Detail, "put back") {
				t.Errorf("detail %q names not %s or not the restore", m.Detail, putBack)
			}
		case m.Outcome == Updated:
			updated++
		case m.Outcome == Failed:
			t.Errorf("UID %s failed: %s", m.UID, m.Detail)
		}
	}
	if unfolded := strings.NewReplacer("\r\n ", "", "\r\n\t", "").Replace(mangled); failed == "" || !strings.Contains(unfolded, "UID:"+failed) {
		t.Errorf("failed %q, want the meeting of the mangled object", failed)
	}
	written := puts - 1
	if updated != written-1 || updated < 2 {
		t.Errorf("%d meetings updated, %d objects written (one mangled)", updated, written)
	}
	if len(mailer.msgs) != out.Invites || out.Invites < 2 {
		t.Errorf("%d messages, %d invites for %d meetings updated", len(mailer.msgs), out.Invites, updated)
	}
	for _, m := range mailer.msgs {
		if m.UID == failed {
			t.Errorf("an update went out for %s, which the server did not keep", failed)
		}
	}
	// after the writes, one REPORT for the read-back and no GET
	if reports != 1 || gets > 0 {
		t.Errorf("requests %v: %d REPORTs, %d GETs; want the read-back as one REPORT", f.Requests(), reports, gets)
	}
}

// checkFails is DAVCalendars whose read-back fails as a whole, as when
// the server stops answering after the writes.
type checkFails struct {
	DAVCalendars
	err   error
	first bool // err is the first document's, not the whole check's
}

func (c checkFails) Check(_ context.Context, docs []*Doc) ([]error, error) {
	if !c.first {
		return nil, c.err
	}
	errs := make([]error, len(docs))
	errs[0] = c.err
	return errs, nil
}

// A read-back that fails as a whole fails the attempt before any update
// is sent; one that fails for one document only with an error that is not
// Permanent (a busy server) does too.
func TestDAVReadBackFailureSendsNothing(t *testing.T) {
	busy := &caldav.StatusError{Method: "REPORT", URL: "http://dav/cal/", Code: http.StatusServiceUnavailable}
	for _, cals := range []Calendars{
		checkFails{DAVCalendars: fakeDAV(t, false), err: busy},
		Router{DAV: checkFails{DAVCalendars: fakeDAV(t, false), err: busy}},
		checkFails{DAVCalendars: fakeDAV(t, false), err: busy, first: true},
	} {
		f := davtest.StartFake(t, fakeObjects(t))
		mailer := &captured{}
		w := &Worker{Now: demoNow, Stamp: demoNow, Calendars: cals, Mailer: mailer}
		_, err := w.Migrate(context.Background(), Assignment{User: "user00000@contoso.com", Aliases: []string{"anna.berg@contoso.com"},
			Calendar: f.Collection(), Change: suiteChange})
		if !errors.Is(err, busy) || store.IsPermanent(err) {
			t.Errorf("%T: Migrate: %v, want the busy server's error, not permanent", cals, err)
		}
		if len(mailer.msgs) != 0 {
			t.Errorf("%T: %d updates sent though the read-back failed", cals, len(mailer.msgs))
		}
	}
}

// A dry run writes nothing and reads nothing back: DryRun is no Checker.
func TestDAVReadBackDryRun(t *testing.T) {
	f := davtest.StartFake(t, fakeObjects(t))
	rec := &Recorder{}
	var cals Calendars = DryRun{Calendars: Router{DAV: fakeDAV(t, false)}, Recorder: rec}
	if _, ok := cals.(Checker); ok {
		t.Fatal("DryRun is a Checker")
	}
	w := &Worker{Now: demoNow, Stamp: demoNow, DryRun: true, Calendars: cals, Mailer: rec}
	out, err := w.Migrate(context.Background(), Assignment{User: "user00000@contoso.com", Aliases: []string{"anna.berg@contoso.com"},
		Calendar: f.Collection(), Change: suiteChange})
	if err != nil || rec.Calendars == 0 || out.Invites == 0 {
		t.Fatalf("%v: %d writes recorded, %d invites", err, rec.Calendars, out.Invites)
	}
	reads := f.Requests()
	f2 := davtest.StartFake(t, fakeObjects(t))
	if _, err := fakeDAV(t, false).Read(context.Background(), f2.Collection()); err != nil {
		t.Fatal(err)
	}
	if len(reads) != len(f2.Requests()) {
		t.Errorf("dry run requests %v, a Read alone %v", reads, f2.Requests())
	}
}

// An attempt that stops between the writes and their read-back (here the
// read-back fails as a whole) sends nothing; the next one reads the
// objects again, finds the rewrites there (the journal has their intents)
// and sends each update once, writing nothing more.
func TestDAVReadBackStoppedAttemptSendsOnce(t *testing.T) {
	ctx := context.Background()
	journal := newJournal(t)
	f := davtest.StartFake(t, fakeObjects(t))
	a := Assignment{User: "user00000@contoso.com", Aliases: []string{"anna.berg@contoso.com"}, Calendar: f.Collection(), Change: suiteChange}
	busy := &caldav.StatusError{Method: "REPORT", URL: f.Collection(), Code: http.StatusServiceUnavailable}
	first := &captured{}
	w := &Worker{Now: demoNow, Stamp: demoNow, Calendars: checkFails{DAVCalendars: fakeDAV(t, false), err: busy}, Mailer: first,
		Journal: journal}
	if _, err := w.Migrate(ctx, a); !errors.Is(err, busy) {
		t.Fatalf("first attempt: %v", err)
	}
	puts := 0
	for _, r := range f.Requests() {
		if strings.HasPrefix(r, "PUT ") {
			puts++
		}
	}
	if puts < 2 || len(first.msgs) != 0 {
		t.Fatalf("first attempt: %d PUTs, %d updates sent", puts, len(first.msgs))
	}
	again := &captured{}
	w.Calendars, w.Mailer = fakeDAV(t, false), again
	before := len(f.Requests())
	out, err := w.Migrate(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range f.Requests()[before:] {
		if strings.HasPrefix(r, "PUT ") {
			t.Errorf("second attempt wrote again: %s", r)
		}
	}
	sent := map[string]int{}
	for _, m := range again.msgs {
		sent[m.UID]++
	}
	updated := 0
	for _, m := range out.Meetings {
		if m.Outcome == Updated {
			updated++
		}
	}
	if updated != puts || out.Invites != len(again.msgs) || len(sent) != len(again.msgs) || len(sent) == 0 {
		t.Errorf("second attempt: %d updated for %d objects written, %d invites, sent %v", updated, puts, out.Invites, sent)
	}
}

// seriesWithPastInstance turns the fake's meeting of 2026-01-16 into a
// weekly series begun a week earlier, whose first, past instance is
// overridden and has an attendee of its own.
func seriesWithPastInstance(t *testing.T, objs map[string][]byte) string {
	t.Helper()
	const start = `DTSTART;TZID="W. Europe Standard Time":20260116T190000`
	for name, obj := range objs {
		text := string(obj)
		if !strings.Contains(text, start) {
			continue
		}
		from, to := strings.Index(text, "BEGIN:VEVENT\n"), strings.Index(text, "END:VEVENT\n")+len("END:VEVENT\n")
		ev := strings.NewReplacer("20260116T190000", "20260109T190000", "20260116T200000", "20260109T200000").Replace(text[from:to])
		master := strings.Replace(ev, "BEGIN:VEVENT\n", "BEGIN:VEVENT\nRRULE:FREQ=WEEKLY;COUNT=4\n", 1)
		past := strings.Replace(ev, "BEGIN:VEVENT\n", "BEGIN:VEVENT\nRECURRENCE-ID;TZID=\"W. Europe Standard Time\":20260109T190000\nATTENDEE:mailto:pastonly@fabrikam.com\n", 1)
		objs[name] = []byte(text[:from] + master + past + text[to:])
		return name
	}
	t.Fatal("no meeting of 2026-01-16 in the fixture")
	return ""
}

// An attempt that stopped after writing a series in place sends, the next
// time, what a run that did not stop sends: the series, without its past
// instance (found by a review: the update carried the whole meeting, and
// went to an attendee of the past instance alone).
func TestDAVStoppedAttemptSendsWhatWasRewritten(t *testing.T) {
	ctx := context.Background()
	a := func(f *davtest.Fake) Assignment {
		return Assignment{User: "user00000@contoso.com", Aliases: []string{"anna.berg@contoso.com"}, Calendar: f.Collection(), Change: suiteChange}
	}
	objs := fakeObjects(t)
	seriesWithPastInstance(t, objs)
	straight := &captured{}
	f1 := davtest.StartFake(t, objs)
	first, err := (&Worker{Now: demoNow, Stamp: demoNow, Calendars: fakeDAV(t, false), Mailer: straight, Journal: newJournal(t)}).Migrate(ctx, a(f1))
	if err != nil {
		t.Fatal(err)
	}
	f2 := davtest.StartFake(t, objs)
	busy := &caldav.StatusError{Method: "REPORT", URL: f2.Collection(), Code: http.StatusServiceUnavailable}
	w := &Worker{Now: demoNow, Stamp: demoNow, Calendars: checkFails{DAVCalendars: fakeDAV(t, false), err: busy}, Mailer: &captured{}, Journal: newJournal(t)}
	if _, err := w.Migrate(ctx, a(f2)); !errors.Is(err, busy) {
		t.Fatalf("first attempt: %v", err)
	}
	resumed := &captured{}
	w.Calendars, w.Mailer = fakeDAV(t, false), resumed
	out, err := w.Migrate(ctx, a(f2))
	if err != nil {
		t.Fatal(err)
	}
	// The report says what the rewrite changed, as the straight run's does
	// (found by an audit: Changes empty, Detail "the block already shows").
	rows := map[string]report.Meeting{}
	for _, r := range first.Meetings {
		rows[r.UID] = r
	}
	for _, r := range out.Meetings {
		want := rows[r.UID]
		if r.Outcome == Updated && (r.Changes != want.Changes || strings.Contains(r.Detail, "already shows") || r.NewBlock != want.NewBlock || r.OldBlock != want.OldBlock || r.Changes == "") {
			t.Errorf("%s resumed: Changes %q Detail %q; the straight run's: %q %q", r.UID, r.Changes, r.Detail, want.Changes, want.Detail)
		}
	}
	sent := map[string]Message{}
	for _, m := range straight.msgs {
		sent[m.UID] = m
	}
	series := 0
	for _, m := range resumed.msgs {
		want, ok := sent[m.UID]
		if !ok || !bytes.Equal(m.Calendar, want.Calendar) || !slices.Equal(m.To, want.To) {
			t.Errorf("UID %s: the resumed update differs from the one sent straight away:\n%s\nwant\n%s", m.UID, m.Calendar, want.Calendar)
		}
		if strings.Contains(string(m.Calendar), "RRULE:FREQ=WEEKLY;COUNT=4") {
			series++
			if strings.Contains(string(m.Calendar), "pastonly@") || slices.Contains(m.To, "pastonly@fabrikam.com") {
				t.Errorf("the series' update carries its past instance")
			}
		}
	}
	if series != 1 || len(resumed.msgs) != len(straight.msgs) {
		t.Errorf("%d updates resumed (%d of the series), %d sent straight away", len(resumed.msgs), series, len(straight.msgs))
	}
}

// TestDAVErrorKinds: a server that refuses the connection stops the run
// (every user on it would meet the same); a host name that does not exist
// fails only its user, at once (the users file is wrong), naming the URL.
func TestDAVErrorKinds(t *testing.T) {
	ctx := context.Background()
	dial := func(e error) error {
		return fmt.Errorf("caldav: PROPFIND https://dav.example.com/cal/: %w", &net.OpError{Op: "dial", Net: "tcp", Err: e})
	}
	refused := davError(ctx, dial(syscall.ECONNREFUSED))
	if !StopsRun(refused) || !strings.Contains(refused.Error(), "https://dav.example.com/cal/") {
		t.Errorf("connection refused: %v; want the run stopped, naming the URL", refused)
	}
	missing := davError(ctx, dial(&net.DNSError{Err: "no such host", Name: "dav.example.com", IsNotFound: true}))
	if StopsRun(missing) || !store.IsPermanent(missing) || !strings.Contains(missing.Error(), "host name") {
		t.Errorf("no such host: %v; want the user failed at once, not the run stopped", missing)
	}
	if caldav.Temporary(dial(&net.DNSError{Err: "no such host", Name: "x", IsNotFound: true})) {
		t.Error("a host name that does not exist is retried")
	}
	// A PUT refused (403) fails that object's meetings only; a 403 to
	// reading stops the user, as refused credentials do (found by an
	// audit: one read-only object failed its user, and the meetings
	// written before it were never sent).
	put := davError(ctx, fmt.Errorf("writing: %w", &caldav.StatusError{Method: "PUT", URL: "https://dav.example.com/cal/m.ics", Code: 403}))
	if stopsUser(put) || !store.IsPermanent(put) || strings.Contains(put.Error(), "credentials") {
		t.Errorf("PUT 403: %v; want the meeting failed, the user going on", put)
	}
	read := davError(ctx, &caldav.StatusError{Method: "PROPFIND", URL: "https://dav.example.com/cal/", Code: 403})
	if !stopsUser(read) || !strings.Contains(read.Error(), "credentials") {
		t.Errorf("PROPFIND 403: %v; want the user stopped, naming the credentials", read)
	}
}

// A meeting whose attendees carry SCHEDULE-STATUS (a server delivered to
// them once, perhaps another server the calendar was imported from) is
// left to the server only when the server says it schedules (OPTIONS:
// calendar-auto-schedule); otherwise mms marks it SCHEDULE-AGENT=CLIENT
// and sends its update itself, so attendees are never left without one.
func TestServerScheduledOnlyWhereTheServerSchedules(t *testing.T) {
	obj := []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:sched-1\r\nDTSTART:20260301T100000Z\r\n" +
		"ORGANIZER:mailto:anna@contoso.com\r\nATTENDEE;SCHEDULE-STATUS=1.2:mailto:bo@fabrikam.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	for _, auto := range []bool{false, true} {
		f := davtest.StartFake(t, map[string][]byte{"sched-1.ics": obj})
		f.AutoSchedule = auto
		docs, err := fakeDAV(t, true).Read(context.Background(), f.Collection())
		if err != nil {
			t.Fatal(err)
		}
		if len(docs) != 1 || docs[0].Err != nil {
			t.Fatalf("auto-schedule %v: docs %+v", auto, docs)
		}
		if d := docs[0]; d.ServerDelivers != auto || (d.Note != "") != auto {
			t.Errorf("auto-schedule %v: ServerDelivers %v, Note %q", auto, d.ServerDelivers, d.Note)
		}
		if n := slices.Index(f.Requests(), "OPTIONS "+davtest.CollectionPath); n < 0 {
			t.Errorf("auto-schedule %v: the server was not asked (%q)", auto, f.Requests())
		}
	}
}

// On CalDAV, a rewritten meeting whose update cannot be sent gets its
// original back on the server, with the SEQUENCE the rewrite gave it
// (a server may refuse a lower one) and SCHEDULE-AGENT=CLIENT as the
// rewrite had, so that a later batch rewrites it
// and sends the update instead of finding it already current.
func TestDAVUnsentMeetingPutBack(t *testing.T) {
	ctx := context.Background()
	objs, a, probe := probeSent(t)
	uid := probe[0].UID
	f := davtest.StartFake(t, objs)
	a.Calendar = f.Collection()
	w := &Worker{Now: demoNow, Stamp: demoNow, Calendars: fakeDAV(t, true), Mailer: &refusing{uid: uid}}
	out, err := w.Migrate(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range out.Meetings {
		if m.UID == uid && (m.Outcome != Failed || !strings.Contains(m.Detail, "its calendar copy is left as it was")) {
			t.Errorf("%s: Detail %q", m.Outcome, m.Detail)
		}
	}
	for name, orig := range objs {
		if !strings.Contains(strings.NewReplacer("\r\n ", "", "\r\n\t", "", "\n ", "", "\n\t", "").Replace(string(orig)), "UID:"+uid) {
			continue
		}
		// marked as the rewrite was, so that the server sends nothing
		unfold := strings.NewReplacer("\r\n ", "", "\r\n\t", "", "\n ", "", "\n\t", "", "\r\n", "\n")
		marked := unfold.Replace(string(f.Object(name)))
		stored := strings.ReplaceAll(marked, ";SCHEDULE-AGENT=CLIENT", "")
		want := unfold.Replace(string(orig))
		seq := 0
		if i := strings.Index(want, "\nSEQUENCE:"); i >= 0 {
			fmt.Sscanf(want[i+len("\nSEQUENCE:"):], "%d", &seq)
		}
		if !strings.Contains(stored, fmt.Sprintf("\nSEQUENCE:%d\n", seq+1)) {
			t.Errorf("%s: SEQUENCE is not the rewrite's, %d:\n%s", name, seq+1, stored)
		}
		if !strings.Contains(marked, "ORGANIZER;CN=\"user00000\";SCHEDULE-AGENT=CLIENT:") {
			t.Errorf("%s: the original put back is not marked SCHEDULE-AGENT=CLIENT:\n%s", name, marked)
		}
		if n := len(f.Puts(name)); n != 2 {
			t.Errorf("%d PUTs of %s, want the rewrite and the original", n, name)
		}
		for _, line := range strings.Split(want, "\n") {
			if strings.HasPrefix(line, "SEQUENCE:") || strings.HasPrefix(line, "DTSTAMP:") || strings.HasPrefix(line, "LAST-MODIFIED:") {
				continue
			}
			if !strings.Contains(stored, line+"\n") {
				t.Errorf("%s: line %q not put back", name, line)
			}
		}
		return
	}
	t.Fatalf("no object holds UID %s", uid)
}

// An attempt that stored a rewrite and stopped leaves the server's copy
// rewritten; when the next attempt's send of that meeting fails, the
// original comes back from the journal and is put back all the same.
func TestDAVUnsentAfterAStoppedAttemptPutBack(t *testing.T) {
	ctx := context.Background()
	f, w, a, objs, name, uid := stoppedAfterWriting(t)
	w.Calendars, w.Mailer = fakeDAV(t, false), &refusing{uid: uid}
	out, err := w.Migrate(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range out.Meetings {
		if m.UID == uid && (m.Outcome != Failed || !strings.Contains(m.Detail, "its calendar copy is left as it was")) {
			t.Errorf("%s: %s, Detail %q", uid, m.Outcome, m.Detail)
		}
	}
	if n := len(f.Puts(name)); n != 2 {
		t.Fatalf("%d PUTs of %s, want the rewrite and the original", n, name)
	}
	unfold := strings.NewReplacer("\r\n ", "", "\r\n\t", "", "\n ", "", "\n\t", "", "\r\n", "\n", ";SCHEDULE-AGENT=CLIENT", "")
	stored, want := unfold.Replace(string(f.Object(name))), unfold.Replace(string(objs[name]))
	for _, line := range strings.Split(want, "\n") {
		if !strings.HasPrefix(line, "SEQUENCE:") && !strings.HasPrefix(line, "DTSTAMP:") && !strings.HasPrefix(line, "LAST-MODIFIED:") && !strings.Contains(stored, line+"\n") {
			t.Errorf("%s: line %q not put back", name, line)
		}
	}
}

// partlyScheduled serves, from a scheduling server, one object of the
// fixtures' holding a meeting the suite's change rewrites, whose attendee
// guest000 the server delivered to (SCHEDULE-STATUS 1.2) and guest001 it
// could not (3.7); a is the assignment of its organiser.
func partlyScheduled(t *testing.T) (string, *davtest.Fake, Assignment) {
	t.Helper()
	objs := fakeObjects(t)
	probe := &captured{} // which objects hold a meeting the suite's change rewrites
	a := Assignment{User: "user00000@contoso.com", Aliases: []string{"anna.berg@contoso.com"}, Change: suiteChange}
	a.Calendar = davtest.StartFake(t, objs).Collection()
	if _, err := (&Worker{Now: demoNow, Stamp: demoNow, Calendars: fakeDAV(t, true), Mailer: probe}).Migrate(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	unfold := strings.NewReplacer("\n ", "", "\n\t", "")
	var name string
	for _, n := range slices.Sorted(maps.Keys(objs)) {
		o := unfold.Replace(string(objs[n]))
		if name == "" && strings.Contains(o, "RSVP=TRUE:mailto:guest000@fabrikam.com") && strings.Contains(o, "RSVP=TRUE:mailto:guest001@fabrikam.com") &&
			slices.ContainsFunc(probe.msgs, func(m Message) bool { return strings.Contains(o, "UID:"+m.UID+"\n") }) {
			name = n
		}
	}
	if name == "" {
		t.Fatal("no rewritten meeting with guest000 and guest001")
	}
	objs = map[string][]byte{name: []byte(strings.NewReplacer(
		"RSVP=TRUE:mailto:guest000@", "RSVP=TRUE;SCHEDULE-STATUS=1.2:mailto:guest000@",
		"RSVP=TRUE:mailto:guest001@", "RSVP=TRUE;SCHEDULE-STATUS=3.7:mailto:guest001@").Replace(string(objs[name])))}
	f := davtest.StartFake(t, objs)
	f.AutoSchedule = true
	a.Calendar = f.Collection()
	return name, f, a
}

// On a scheduling server that delivered to some attendees and not to
// others (DAViCal delivers to its own users, 1.2, and marks outside ones
// 3.7 "could not deliver"), the server keeps delivering to the first and
// mms sends the update to the others: only their lines are marked
// SCHEDULE-AGENT=CLIENT, the organiser's left for the server to go on.
func TestServerDeliversToSomeAttendees(t *testing.T) {
	name, f, a := partlyScheduled(t)
	got := &captured{}
	w := &Worker{Now: demoNow, Stamp: demoNow, Calendars: fakeDAV(t, true), Mailer: got}
	out, err := w.Migrate(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.msgs) != 1 {
		t.Fatalf("%d updates sent, want 1", len(got.msgs))
	}
	to := strings.Join(got.msgs[0].To, ",")
	if strings.Contains(to, "guest000@") || !strings.Contains(to, "guest001@") {
		t.Errorf("To %s: want every attendee but guest000, whom the server delivers to", to)
	}
	for _, m := range out.Meetings {
		if m.Outcome == Updated && !strings.Contains(m.Detail, "update to guest000@fabrikam.com left to the CalDAV server") {
			t.Errorf("Detail %q", m.Detail)
		}
	}
	stored := strings.NewReplacer("\r\n ", "", "\r\n\t", "", "\n ", "", "\n\t", "").Replace(string(f.Object(name)))
	for line, marked := range map[string]bool{"guest000@": false, "guest001@": true, "guest002@": true, "ORGANIZER": false} {
		i := strings.Index(stored, line)
		if i < 0 {
			t.Fatalf("no %s in the stored object", line)
		}
		start, end := strings.LastIndex(stored[:i], "\n")+1, i+strings.Index(stored[i:], "\n")
		if got := strings.Contains(stored[start:end], "SCHEDULE-AGENT=CLIENT"); got != marked {
			t.Errorf("%s: marked %v, want %v: %s", line, got, marked, stored[start:end])
		}
	}
}

// On DAViCal, whose scheduling copies an update's text but not its HTML
// body to its own users, those are marked SCHEDULE-AGENT=CLIENT and mailed
// the update like everyone else (found by an audit: they kept the old
// block in the HTML body); the row says so.
func TestDAViCalUsersMailedToo(t *testing.T) {
	name, f, a := partlyScheduled(t)
	f.Header = http.Header{"X-Davical-Version": {"DAViCal/1.1.12; DB/1.3.5"}}
	got := &captured{}
	out, err := (&Worker{Now: demoNow, Stamp: demoNow, Calendars: fakeDAV(t, true), Mailer: got}).Migrate(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.msgs) != 1 || !strings.Contains(strings.Join(got.msgs[0].To, ","), "guest000@") || !strings.Contains(strings.Join(got.msgs[0].To, ","), "guest001@") {
		t.Fatalf("%d updates sent, want 1 to guest000 and guest001: %v", len(got.msgs), got.msgs)
	}
	for _, m := range out.Meetings {
		if m.Outcome == Updated && !strings.Contains(m.Detail, "mailed by mms to guest000@fabrikam.com too") {
			t.Errorf("Detail %q", m.Detail)
		}
	}
	stored := strings.NewReplacer("\r\n ", "", "\r\n\t", "", "\n ", "", "\n\t", "").Replace(string(f.Object(name)))
	for _, line := range []string{"guest000@", "guest001@", "ORGANIZER"} {
		i := strings.Index(stored, line)
		start, end := strings.LastIndex(stored[:i], "\n")+1, i+strings.Index(stored[i:], "\n")
		if !strings.Contains(stored[start:end], "SCHEDULE-AGENT=CLIENT") {
			t.Errorf("%s: not marked: %s", line, stored[start:end])
		}
	}
}

// newJournal is a journal of a new batch (at demoNow) in a state store of
// its own, closed when the test ends.
func newJournal(t *testing.T) *Journal {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "mms.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b, err := st.NewBatch(ctx, store.Batch{Now: demoNow, Stamp: demoNow})
	if err != nil {
		t.Fatal(err)
	}
	return &Journal{Store: st, BatchID: b.ID}
}

// --send server on a server that does not say it schedules (Radicale:
// no calendar-auto-schedule in OPTIONS) fails the user at once, before
// anything is read or written: its attendees would get no update. On one
// that schedules, the calendar is read as ever.
func TestSendServerNeedsAServerThatSchedules(t *testing.T) {
	for _, auto := range []bool{false, true} {
		f := davtest.StartFake(t, fakeObjects(t))
		f.AutoSchedule = auto
		cals := fakeDAV(t, true)
		cals.ClientScheduling = false // --send server
		docs, err := cals.Read(context.Background(), f.Collection())
		if auto {
			if err != nil || len(docs) == 0 {
				t.Errorf("a server that schedules: %d documents, %v", len(docs), err)
			}
			continue
		}
		if !store.IsPermanent(err) || !strings.Contains(err.Error(), "does not say it schedules") || !strings.Contains(err.Error(), "--send outbox") {
			t.Errorf("a server that does not schedule: %v; want the user failed, saying why and what to use", err)
		}
		for _, r := range f.Requests() {
			if strings.HasPrefix(r, "REPORT") || strings.HasPrefix(r, "PUT") {
				t.Errorf("asked %s of a server that does not schedule", r)
			}
		}
	}
}

// Two objects of one collection holding the same UID (RFC 4791 4.1 wants
// it unique): which copy is current cannot be told, so each fails as a
// meeting of that UID naming the other's URL; neither is written and no
// update is sent for the UID, while the calendar's other meetings are
// rewritten and sent as usual. The summary claims no send that did not
// happen.
func TestDAVSameUIDTwiceFailsBoth(t *testing.T) {
	ctx := context.Background()
	a := Assignment{User: "user00000@contoso.com", Aliases: []string{"anna.berg@contoso.com"}, Change: suiteChange}
	plain := davtest.StartFake(t, fakeObjects(t))
	a.Calendar = plain.Collection()
	w := &Worker{Now: demoNow, Stamp: demoNow, Calendars: fakeDAV(t, false), Mailer: &captured{}}
	out, err := w.Migrate(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	var uid string
	for _, m := range out.Meetings {
		if m.Outcome == Updated {
			uid = m.UID
			break
		}
	}
	objs := fakeObjects(t)
	var name string
	for n, o := range objs {
		if _, ok := byUID(string(o))[uid]; ok {
			name = n
		}
	}
	if uid == "" || name == "" {
		t.Fatalf("no object of an updated meeting (UID %q) in %v", uid, slices.Collect(maps.Keys(objs)))
	}
	objs["zz-copy.ics"] = objs[name]
	f := davtest.StartFake(t, objs)
	a.Calendar = f.Collection()
	mailer := &captured{}
	w = &Worker{Now: demoNow, Stamp: demoNow, Calendars: fakeDAV(t, false), Mailer: mailer}
	dup, err := w.Migrate(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, m := range dup.Meetings {
		if m.UID != uid {
			continue
		}
		if m.Outcome != Failed || m.Reason != KindInvalid || !strings.Contains(m.Detail, "also at") {
			t.Errorf("row of the shared UID: %s %s %q; want failed, %s, naming the other copy", m.Outcome, m.Reason, m.Detail, KindInvalid)
		}
		failed = append(failed, m.Detail)
	}
	copyURL, origURL := f.Collection()+"zz-copy.ics", f.Collection()+name
	if len(failed) != 2 || !slices.ContainsFunc(failed, func(d string) bool { return strings.Contains(d, "also at "+copyURL) }) ||
		!slices.ContainsFunc(failed, func(d string) bool { return strings.Contains(d, "also at "+origURL) }) {
		t.Errorf("rows of UID %s: %q; want two, each naming the other copy (%s, %s)", uid, failed, origURL, copyURL)
	}
	for _, r := range f.Requests() {
		if strings.HasPrefix(r, "PUT ") && (strings.HasSuffix(r, "/"+name) || strings.HasSuffix(r, "/zz-copy.ics")) {
			t.Errorf("a copy was written: %s", r)
		}
	}
	sent := map[string]bool{}
	for _, m := range mailer.msgs {
		if m.UID == uid {
			t.Errorf("an update of the shared UID was sent")
		}
		sent[m.UID] = true
	}
	updated := 0
	for _, m := range dup.Meetings {
		if m.Outcome == Updated {
			updated++
		}
	}
	if updated != out.Invites-1 || dup.Invites != updated || len(sent) != updated {
		t.Errorf("%d updated, %d invites counted, %d UIDs sent; want %d of each", updated, dup.Invites, len(sent), out.Invites-1)
	}
}

// A user stopped at its first write (the server refuses the credentials
// for PUT) reports every meeting of its calendar when given up on: the
// objects it had not reached as they would have been decided, those it
// would have rewritten failed, their update not sent.
func TestDAVStoppedUserReportsEveryMeeting(t *testing.T) {
	ctx := context.Background()
	f := davtest.StartFake(t, fakeObjects(t))
	hook := &davtest.Hook{Base: http.DefaultTransport, Answer: func(req *http.Request) *http.Response {
		if req.Method != http.MethodPut {
			return nil
		}
		return &http.Response{StatusCode: http.StatusUnauthorized, Status: "401 Unauthorized", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: io.NopCloser(strings.NewReader("no")), Request: req}
	}}
	c, err := caldav.New(caldav.Options{Retries: -1, HTTP: &http.Client{Transport: hook}})
	if err != nil {
		t.Fatal(err)
	}
	a := Assignment{User: "user00000@contoso.com", Aliases: []string{"anna.berg@contoso.com"}, Change: suiteChange, Calendar: f.Collection()}
	w := &Worker{Now: demoNow, Stamp: demoNow, Calendars: DAVCalendars{Client: c, From: demoNow, ClientScheduling: true}, Mailer: &captured{},
		Journal: newJournal(t)}
	_, cause := w.Migrate(ctx, a)
	if cause == nil {
		t.Fatal("the attempt succeeded; want the refused PUT to stop it")
	}
	res, err := w.Abandon(ctx, a, cause, 1)
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{}
	for _, o := range fakeObjects(t) {
		for uid := range byUID(string(o)) {
			all[uid] = true
		}
	}
	got := map[string]string{}
	for _, m := range res.Meetings {
		got[m.UID] = m.Outcome
	}
	skipped := 0
	for uid := range all {
		switch o, ok := got[uid]; {
		case !ok:
			t.Errorf("meeting %s is not in the stopped user's rows", uid)
		case o == Skipped:
			skipped++
		}
	}
	if skipped == 0 || res.TotalMeeting != len(all) {
		t.Errorf("%d skipped, total %d of %d meetings", skipped, res.TotalMeeting, len(all))
	}
}

// editingRefuser changes the stored object of the meeting it refuses
// before refusing it, as the organiser editing it meanwhile would.
type editingRefuser struct {
	refusing
	edit func()
}

func (r *editingRefuser) Send(ctx context.Context, m Message) (Delivery, error) {
	if m.UID == r.uid {
		r.edit()
	}
	return r.refusing.Send(ctx, m)
}

// A meeting whose update cannot be sent is put back only over what mms
// wrote: one edited on the server since is left as the server has it,
// and not tried again (found by an audit: the put back got 412, the
// attempt was retried, and the retry put the original over the edit).
func TestDAVUnsentMeetingEditedMeanwhileKept(t *testing.T) {
	ctx := context.Background()
	objs, a, probe := probeSent(t)
	f, a, uid, name := afreshWithOneRewritten(t, objs, a, probe)
	var edited []byte
	refuser := &editingRefuser{refusing: refusing{uid: uid}, edit: func() {
		edited = bytes.Replace(f.Object(name), []byte("SUMMARY"), []byte("SUMMARY;X-EDITED=1"), 1)
		f.Set(name, edited)
	}}
	w := &Worker{Now: demoNow, Stamp: demoNow, Calendars: fakeDAV(t, true), Mailer: refuser}
	out, err := w.Migrate(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range out.Meetings {
		if m.UID == uid && (m.Outcome != Failed || !strings.Contains(m.Detail, "changed on the server since mms wrote it")) {
			t.Errorf("%s: Detail %q", m.Outcome, m.Detail)
		}
	}
	if got := f.Object(name); !bytes.Equal(got, edited) {
		t.Errorf("the edit made meanwhile was not kept:\n%s", got)
	}
}

// An attempt stored a rewrite and stopped; another client then edited the
// meeting (a new DTSTAMP); the next attempt's send of it fails: the
// journal's original is not put back over the edit (found by a review).
func TestDAVUnsentAfterAStoppedAttemptKeepsAnEdit(t *testing.T) {
	ctx := context.Background()
	f, w, a, _, name, uid := stoppedAfterWriting(t)
	stamp := regexp.MustCompile(`(?m)^DTSTAMP:\S+`)
	edited := stamp.ReplaceAll(f.Object(name), []byte("DTSTAMP:20260116T080000Z"))
	f.Set(name, edited)
	w.Calendars, w.Mailer = fakeDAV(t, false), &refusing{uid: uid}
	out, err := w.Migrate(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range out.Meetings {
		if m.UID == uid && (m.Outcome != Failed || !strings.Contains(m.Detail, "changed on the server since mms wrote it")) {
			t.Errorf("%s: %s, Detail %q", uid, m.Outcome, m.Detail)
		}
	}
	if got := f.Object(name); !bytes.Equal(got, edited) {
		t.Errorf("the edit was not kept:\n%s", got)
	}
}

// stoppedAfterWriting runs an attempt that stores a rewrite on a fake
// server and stops before reading it back (the server busy): the worker
// and its journal, the objects as they were, and the name and UID of an
// object the attempt wrote.
func stoppedAfterWriting(t *testing.T) (*davtest.Fake, *Worker, Assignment, map[string][]byte, string, string) {
	t.Helper()
	ctx := context.Background()
	journal := newJournal(t)
	objs := fakeObjects(t)
	f := davtest.StartFake(t, objs)
	a := Assignment{User: "user00000@contoso.com", Aliases: []string{"anna.berg@contoso.com"}, Calendar: f.Collection(), Change: suiteChange}
	busy := &caldav.StatusError{Method: "REPORT", URL: f.Collection(), Code: http.StatusServiceUnavailable}
	w := &Worker{Now: demoNow, Stamp: demoNow, Calendars: checkFails{DAVCalendars: fakeDAV(t, false), err: busy}, Mailer: &captured{},
		Journal: journal}
	if _, err := w.Migrate(ctx, a); !errors.Is(err, busy) {
		t.Fatalf("first attempt: %v", err)
	}
	var name, uid string
	for n, orig := range objs {
		if got := f.Object(n); !bytes.Equal(got, orig) && len(f.Puts(n)) == 1 {
			name = n
			uid = strings.TrimSpace(strings.SplitN(strings.SplitN(strings.NewReplacer("\n\t", "", "\n ", "").Replace(string(orig)), "\nUID:", 2)[1], "\n", 2)[0])
			break
		}
	}
	if name == "" {
		t.Fatal("the first attempt stored no rewrite")
	}
	return f, w, a, objs, name, uid
}

// editedBeforeCheck is a CalDAV calendar on which another client edits an
// object between mms's write and its read-back.
type editedBeforeCheck struct {
	DAVCalendars
	edit func()
}

func (c editedBeforeCheck) Check(ctx context.Context, docs []*Doc) ([]error, error) {
	c.edit()
	return c.DAVCalendars.Check(ctx, docs)
}

// A batch ran to the end, one meeting's update not sent: another client
// edited it right after mms's write, keeping the new block (the read-back
// left it as that client wrote it). The next batch over the same store
// finds it current on the server, and sends that update (found by a
// re-check of the audits: attendees never got it), once: a third batch
// sends nothing; the others, sent by the first batch, are not sent again.
// While the first batch is unfinished, or under --send server (nothing is
// written, so the server would deliver nothing), none is sent.
func TestStrandedUpdatesSentByTheNextBatch(t *testing.T) {
	ctx := context.Background()
	objs, a, probe := probeSent(t)
	f, a, uid, name := afreshWithOneRewritten(t, objs, a, probe)
	journal := newJournal(t)
	st := journal.Store
	edit := editedBeforeCheck{DAVCalendars: fakeDAV(t, false), edit: func() {
		f.Set(name, regexp.MustCompile(`(?m)^(SUMMARY[^:\r\n]*:)`).ReplaceAll(f.Object(name), []byte("${1}[edited] ")))
	}}
	first := &captured{}
	w := &Worker{Now: demoNow, Stamp: demoNow, Calendars: edit, Mailer: first, Journal: journal}
	out, err := w.Migrate(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.msgs) != len(probe)-1 {
		t.Fatalf("the first batch sent %d updates, want all but the edited one's (%d)", len(first.msgs), len(probe)-1)
	}
	if err := st.Record(ctx, journal.BatchID, a.User, Result(a, out, false)); err != nil {
		t.Fatal(err)
	}
	later := demoNow.Add(time.Hour)
	for round, c := range []struct {
		finished, server bool
		want             int
	}{{false, false, 0}, {true, true, 0}, {true, false, 1}, {true, false, 0}} {
		if c.finished {
			if err := st.FinishBatch(ctx, journal.BatchID); err != nil {
				t.Fatal(err)
			}
		}
		b, err := st.NewBatch(ctx, store.Batch{Now: later, Stamp: later})
		if err != nil {
			t.Fatal(err)
		}
		got := &captured{}
		next := &Worker{Now: later, Stamp: later, Calendars: fakeDAV(t, false), Mailer: got, Journal: &Journal{Store: st, BatchID: b.ID}}
		if c.server {
			dav := fakeDAV(t, false)
			dav.ClientScheduling = false
			next.Calendars, next.Mailer = dav, ServerScheduling{}
		}
		f.AutoSchedule = c.server
		out, err := next.Migrate(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.msgs) != c.want || c.want == 1 && got.msgs[0].UID != uid || c.server && out.Invites != 0 {
			t.Errorf("round %d (%+v): %d updates sent (%d invites), want %d of %s", round, c, len(got.msgs), out.Invites, c.want, uid)
		}
		for _, m := range out.Meetings {
			if c.want == 1 && m.UID == uid && (m.Outcome != Updated || !strings.Contains(m.Detail, "which did not send its update: sent now")) {
				t.Errorf("the stranded meeting: %s %q", m.Outcome, m.Detail)
			}
		}
		if err := st.Record(ctx, b.ID, a.User, Result(a, out, false)); err != nil {
			t.Fatal(err)
		}
		st.FinishBatch(ctx, b.ID)
	}
}

// probeSent migrates the fake objects' user once, on a server of its own:
// the objects, the user's assignment and the updates sent (whose UIDs
// name the meetings a migration rewrites).
func probeSent(t *testing.T) (map[string][]byte, Assignment, []Message) {
	t.Helper()
	objs := fakeObjects(t)
	f := davtest.StartFake(t, objs)
	a := Assignment{User: "user00000@contoso.com", Aliases: []string{"anna.berg@contoso.com"}, Calendar: f.Collection(), Change: suiteChange}
	probe := &captured{}
	w := &Worker{Now: demoNow, Stamp: demoNow, Calendars: fakeDAV(t, true), Mailer: probe}
	if _, err := w.Migrate(context.Background(), a); err != nil || len(probe.msgs) == 0 {
		t.Fatalf("probe: %v, %d sent", err, len(probe.msgs))
	}
	return objs, a, probe.msgs
}

// afreshWithOneRewritten starts a new fake server with objs for a, and
// names a meeting the probe rewrote and the object that holds it.
func afreshWithOneRewritten(t *testing.T, objs map[string][]byte, a Assignment, probe []Message) (*davtest.Fake, Assignment, string, string) {
	t.Helper()
	uid := probe[0].UID
	f := davtest.StartFake(t, objs)
	a.Calendar = f.Collection()
	for n, orig := range objs {
		if strings.Contains(strings.NewReplacer("\r\n ", "", "\r\n\t", "", "\n ", "", "\n\t", "").Replace(string(orig)), "UID:"+uid) {
			return f, a, uid, n
		}
	}
	t.Fatalf("no object holds UID %s", uid)
	return nil, a, "", ""
}

// A server cut off for trickling its answer fails what it was asked for at
// once: its user is not tried again nine times over (each attempt held a
// minute or more).
func TestTrickleIsPermanent(t *testing.T) {
	err := davError(context.Background(), fmt.Errorf("caldav: PROPFIND: %w", fmt.Errorf("%w: https://dav.example/cal/: 12 bytes of its answer in 1m0s", caldav.ErrTrickle)))
	if !store.IsPermanent(err) || StopsRun(err) || !errors.Is(err, caldav.ErrTrickle) {
		t.Errorf("davError = %v (permanent %v, stops the run %v)", err, store.IsPermanent(err), StopsRun(err))
	}
}
