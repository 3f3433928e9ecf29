package caldav

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"
)

// The fast tests run go-webdav's real caldav.Handler over httptest, with
// an in-memory backend and a wrapper that injects the faults real servers
// show. Only the server is fake; the package under test runs unchanged.

const (
	testUser     = "alice"
	testPassword = "wonderland"
	homePath     = "/alice/calendars/"
	workPath     = "/alice/calendars/work/"
	tasksPath    = "/alice/calendars/a-tasks/" // sorts first; holds no events
)

// memBackend is a caldav.Backend keeping objects in memory.
type memBackend struct {
	mu      sync.Mutex
	objects map[string]*ical.Calendar // path -> calendar
}

func (b *memBackend) CurrentUserPrincipal(context.Context) (string, error) { return "/alice/", nil }
func (b *memBackend) CalendarHomeSetPath(context.Context) (string, error)  { return homePath, nil }
func (b *memBackend) CreateCalendar(context.Context, *caldav.Calendar) error {
	return webdav.NewHTTPError(http.StatusForbidden, nil)
}

func (b *memBackend) ListCalendars(context.Context) ([]caldav.Calendar, error) {
	return []caldav.Calendar{
		{Path: workPath, Name: "Work", SupportedComponentSet: []string{"VEVENT"}},
		{Path: tasksPath, Name: "Tasks", SupportedComponentSet: []string{"VTODO"}},
	}, nil
}

func (b *memBackend) GetCalendar(ctx context.Context, p string) (*caldav.Calendar, error) {
	cals, _ := b.ListCalendars(ctx)
	for _, c := range cals {
		if c.Path == p || c.Path == p+"/" {
			return &c, nil
		}
	}
	return nil, webdav.NewHTTPError(http.StatusNotFound, nil)
}

func etagOf(cal *ical.Calendar) string {
	var buf bytes.Buffer
	ical.NewEncoder(&buf).Encode(cal)
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:8])
}

func (b *memBackend) object(p string) caldav.CalendarObject {
	cal := b.objects[p]
	return caldav.CalendarObject{Path: p, ETag: etagOf(cal), Data: cal, ModTime: time.Unix(0, 0)}
}

func (b *memBackend) GetCalendarObject(_ context.Context, p string, _ *caldav.CalendarCompRequest) (*caldav.CalendarObject, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.objects[p] == nil {
		return nil, webdav.NewHTTPError(http.StatusNotFound, nil)
	}
	o := b.object(p)
	return &o, nil
}

func (b *memBackend) ListCalendarObjects(_ context.Context, dir string, _ *caldav.CalendarCompRequest) ([]caldav.CalendarObject, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []caldav.CalendarObject
	for p := range b.objects {
		if path.Dir(p)+"/" == dir || path.Dir(p) == dir {
			out = append(out, b.object(p))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// QueryCalendarObjects ignores the time range: the time-range semantics
// are checked against Radicale.
func (b *memBackend) QueryCalendarObjects(ctx context.Context, dir string, _ *caldav.CalendarQuery) ([]caldav.CalendarObject, error) {
	return b.ListCalendarObjects(ctx, dir, nil)
}

func (b *memBackend) PutCalendarObject(_ context.Context, p string, cal *ical.Calendar, opts *caldav.PutCalendarObjectOptions) (*caldav.CalendarObject, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	old := b.objects[p]
	switch {
	case opts.IfNoneMatch.IsWildcard() && old != nil:
		return nil, webdav.NewHTTPError(http.StatusPreconditionFailed, nil)
	case opts.IfMatch.IsSet():
		if old == nil {
			return nil, webdav.NewHTTPError(http.StatusPreconditionFailed, nil)
		}
		if ok, err := opts.IfMatch.MatchETag(etagOf(old)); err != nil || !ok {
			return nil, webdav.NewHTTPError(http.StatusPreconditionFailed, err)
		}
	}
	b.objects[p] = cal
	o := b.object(p)
	return &o, nil
}

func (b *memBackend) DeleteCalendarObject(_ context.Context, p string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.objects, p)
	return nil
}

// fault rewrites or replaces the answer to matching requests.
type fault struct {
	method, path string // "" matches any
	times        int    // how many requests it applies to; 0: all
	// respond answers instead of the handler when set.
	respond func(w http.ResponseWriter, r *http.Request)
	// before runs ahead of the handler when set (someone else's edit).
	before func(r *http.Request)
	// rewrite edits the handler's answer when set.
	rewrite func(rec *httptest.ResponseRecorder, r *http.Request)
}

// fakeServer is the handler plus faults, recording what it was asked.
type fakeServer struct {
	*httptest.Server
	backend *memBackend

	mu       sync.Mutex
	faults   []*fault
	requests []string // "METHOD path"
	sent     []string // their bodies
	unsigned int      // requests that came without the right credentials
}

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	s := startFakeServer()
	t.Cleanup(s.Close)
	return s
}

func startFakeServer() *fakeServer {
	s := &fakeServer{backend: &memBackend{objects: map[string]*ical.Calendar{}}}
	h := &caldav.Handler{Backend: s.backend}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serve(h, w, r)
	}))
	return s
}

func (s *fakeServer) inject(f *fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

func (s *fakeServer) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *fakeServer) count(method string) int {
	n := 0
	for _, r := range s.log() {
		if strings.HasPrefix(r, method+" ") {
			n++
		}
	}
	return n
}

// bodies are the bodies of the requests of one method, in order.
func (s *fakeServer) bodies(method string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, b := range s.sent {
		if rest, ok := strings.CutPrefix(b, method+" "); ok {
			out = append(out, rest)
		}
	}
	return out
}

// take returns the first fault matching r and uses it up.
func (s *fakeServer) take(r *http.Request) *fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path)
	for _, f := range s.faults {
		if (f.method == "" || f.method == r.Method) && (f.path == "" || f.path == r.URL.Path) && f.times >= 0 {
			if f.times > 0 {
				f.times--
				if f.times == 0 {
					f.times = -1
				}
			}
			return f
		}
	}
	return nil
}

func (s *fakeServer) serve(h http.Handler, w http.ResponseWriter, r *http.Request) {
	user, pw, ok := r.BasicAuth()
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.mu.Lock()
	s.sent = append(s.sent, r.Method+" "+string(body))
	s.mu.Unlock()
	f := s.take(r)
	if !ok || user != testUser || pw != testPassword {
		s.mu.Lock()
		s.unsigned++
		s.mu.Unlock()
		w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
		http.Error(w, "who are you?", http.StatusUnauthorized)
		return
	}
	if f != nil && f.respond != nil {
		f.respond(w, r)
		return
	}
	if f != nil && f.before != nil {
		f.before(r)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if f != nil && f.rewrite != nil {
		f.rewrite(rec, r)
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// put stores an object directly in the backend (as someone else's client would).
func (s *fakeServer) put(t testing.TB, p, data string) {
	cal, err := ical.NewDecoder(strings.NewReader(data)).Decode()
	if err != nil {
		t.Fatalf("fixture %s: %v", p, err)
	}
	s.backend.mu.Lock()
	defer s.backend.mu.Unlock()
	s.backend.objects[p] = cal
}

func (s *fakeServer) url(p string) string {
	return strings.Replace(s.URL, "http://", "http://"+testUser+"@", 1) + p
}

// event is a small valid VEVENT calendar with CRLF line endings.
func event(uid, summary string) string {
	return strings.ReplaceAll(fmt.Sprintf(`BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//mms//test//EN
BEGIN:VEVENT
UID:%s
DTSTAMP:20260101T000000Z
DTSTART:20270105T100000Z
DTEND:20270105T110000Z
SUMMARY:%s
END:VEVENT
END:VCALENDAR
`, uid, summary), "\n", "\r\n")
}

// testClient returns a Client for s whose sleeps advance a fake clock
// and are recorded instead of waited.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func (c *fakeClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

func testClient(t *testing.T, o Options) (*Client, *fakeClock) {
	t.Helper()
	clock := &fakeClock{now: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	if o.Credentials.User == "" && o.Credentials.Netrc == nil {
		o.Credentials = Credentials{User: testUser, Password: testPassword}
	}
	o.Sleep, o.Now = clock.Sleep, clock.Now
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c, clock
}

var etagElem = regexp.MustCompile(`(<getetag[^>]*>)(?:&#34;|")([^<&"]*)(?:&#34;|")(</getetag>)`)
