package caldav

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestInside(t *testing.T) {
	const coll = "https://alice@cal.example.com/alice/work/"
	for _, c := range []struct{ href, want string }{
		{"/alice/work/a.ics", "https://alice@cal.example.com/alice/work/a.ics"},
		{"a.ics", "https://alice@cal.example.com/alice/work/a.ics"},
		{"https://cal.example.com/alice/work/a%20b.ics", "https://alice@cal.example.com/alice/work/a%20b.ics"},
		{"https://CAL.example.com:443/alice/work/b.ics", "https://alice@CAL.example.com:443/alice/work/b.ics"},
		{"/alice/work/sub/", "https://alice@cal.example.com/alice/work/sub/"}, // a member, itself a collection
	} {
		got, err := Inside(coll, c.href)
		if err != nil || got != c.want {
			t.Errorf("Inside(%q) = %q, %v; want %q", c.href, got, err, c.want)
		}
	}
	for _, href := range []string{
		"/victim/cal/x.ics",
		"../../escape/x.ics",
		"/alice/work/../../escape/x.ics",
		"/alice/work/%2e%2e/other/x.ics",
		"/alice/work/%2E%2E%2Fother%2Fx.ics",
		"/alice/work/..%5Cother/x.ics",
		"/alice/work\\..\\other/x.ics",
		"/alice/work",
		"/alice/work/",
		"/alice/workshop/x.ics",
		"http://cal.example.com/alice/work/x.ics",
		"https://cal.example.com:8443/alice/work/x.ics",
		"https://other-host/alice/work/x.ics",
		"//other-host/alice/work/x.ics",
		"https://mallory@cal.example.com/alice/work/x.ics",
		"mailto:alice@example.com",
		// deeper than a member: no object of the calendar (found by an
		// audit: a listing naming one had it read and written)
		"/alice/work/sub/c.ics",
		"/alice/work/a/b/",
	} {
		got, err := Inside(coll, href)
		if !errors.Is(err, ErrOutside) {
			t.Errorf("Inside(%q) = %q, %v; want ErrOutside", href, got, err)
			continue
		}
		if !strings.Contains(err.Error(), "cal.example.com/alice/work/") {
			t.Errorf("Inside(%q): %v does not name the collection", href, err)
		}
	}
}

// otherHost is a second server that must never be reached.
type otherHost struct {
	*httptest.Server
	mu   sync.Mutex
	hits []string
}

func newOtherHost(t *testing.T) *otherHost {
	o := &otherHost{}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.hits = append(o.hits, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization"))
		o.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(o.Close)
	return o
}

func (o *otherHost) requests() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.hits...)
}

// A REPORT listing objects outside the collection: each is a failed
// object naming its href, and none is requested.
func TestFetchHostileHrefs(t *testing.T) {
	s := newFakeServer(t)
	other := newOtherHost(t)
	seed(t, s, "a")
	hostile := []string{
		"/victim/cal/x.ics",
		workPath + "../../escape/y.ics",
		other.URL + "/steal/z.ics",
		workPath + "%2e%2e/%2e%2e/escape/w.ics",
	}
	s.inject(&fault{method: "REPORT", respond: func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">`)
		b.WriteString(`<D:response><D:href>` + workPath + `a.ics</D:href><D:propstat><D:prop><D:getetag>"1"</D:getetag><C:calendar-data>` +
			event("a", "Inside") + `</C:calendar-data></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`)
		for _, h := range hostile { // no data: a GET would follow
			b.WriteString(`<D:response><D:href>` + h + `</D:href><D:propstat><D:prop><D:getetag>"2"</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`)
		}
		b.WriteString(`</D:multistatus>`)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusMultiStatus)
		fmt.Fprint(w, b.String())
	}})
	c, _ := testClient(t, Options{})
	objs, bad, err := c.Fetch(context.Background(), s.url(workPath), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 || !strings.HasSuffix(objs[0].Href, workPath+"a.ics") {
		t.Errorf("objects %v, want only a.ics", objs)
	}
	if len(bad) != len(hostile) {
		t.Fatalf("%d failed objects, want %d: %v", len(bad), len(hostile), bad)
	}
	for i, e := range bad {
		if !errors.Is(e, ErrOutside) || !strings.Contains(e.Error(), hostile[i]) {
			t.Errorf("failed object %d: %v; want ErrOutside naming %s", i, e, hostile[i])
		}
	}
	for _, r := range s.log() {
		if !strings.HasPrefix(r, "REPORT ") {
			t.Errorf("requested %s", r)
		}
	}
	if hits := other.requests(); len(hits) != 0 {
		t.Errorf("the other host was reached: %v", hits)
	}
}

// A redirect to another server is refused for PROPFIND, REPORT and PUT,
// and the other server is never reached (with or without credentials).
func TestRedirectToAnotherServerRefused(t *testing.T) {
	s := newFakeServer(t)
	other := newOtherHost(t)
	s.inject(&fault{respond: func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusMovedPermanently)
	}})
	c, _ := testClient(t, Options{})
	ctx := context.Background()
	_, err1 := c.Resolve(ctx, s.url(workPath))
	_, _, err2 := c.Fetch(ctx, s.url(workPath), time.Time{})
	_, err3 := c.Put(ctx, s.url(workPath+"a.ics"), []byte(event("a", "A")), `"1"`)
	for i, err := range []error{err1, err2, err3} {
		if !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), other.URL) {
			t.Errorf("request %d: %v, want ErrRedirect naming %s", i+1, err, other.URL)
		}
	}
	if got := []string{"PROPFIND", "REPORT", "PUT"}; s.count(got[0]) != 1 || s.count(got[1]) != 1 || s.count(got[2]) != 1 {
		t.Errorf("requests %v", s.log())
	}
	if hits := other.requests(); len(hits) != 0 {
		t.Errorf("the other host was reached: %v", hits)
	}
}

// A principal on another server is not followed either.
func TestResolvePrincipalOnAnotherServer(t *testing.T) {
	s := newFakeServer(t)
	other := newOtherHost(t)
	s.inject(&fault{method: "PROPFIND", path: "/", respond: func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusMultiStatus)
		fmt.Fprint(w, `<?xml version="1.0"?><D:multistatus xmlns:D="DAV:"><D:response><D:href>/</D:href><D:propstat><D:prop>`+
			`<D:resourcetype><D:collection/></D:resourcetype><D:current-user-principal><D:href>`+other.URL+`/alice/</D:href></D:current-user-principal>`+
			`</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>`)
	}})
	c, _ := testClient(t, Options{})
	if _, err := c.Resolve(context.Background(), s.url("/")); !errors.Is(err, ErrRedirect) {
		t.Errorf("Resolve: %v, want ErrRedirect", err)
	}
	if hits := other.requests(); len(hits) != 0 {
		t.Errorf("the other host was reached: %v", hits)
	}
}

// A principal whose calendar home is on another server: Resolve refuses
// it, naming both URLs, rather than taking the home's path on the
// principal's server (which holds one, to be read and written) or going
// to the other server.
func TestResolveHomeOnAnotherServer(t *testing.T) {
	s := newFakeServer(t)
	other := newOtherHost(t)
	home := other.URL + homePath
	s.inject(&fault{method: "PROPFIND", path: "/alice/", respond: func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusMultiStatus)
		fmt.Fprint(w, `<?xml version="1.0"?><D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:response><D:href>/alice/</D:href><D:propstat><D:prop>`+
			`<D:resourcetype><D:collection/><D:principal/></D:resourcetype><C:calendar-home-set><D:href>`+home+`</D:href></C:calendar-home-set>`+
			`</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>`)
	}})
	c, _ := testClient(t, Options{})
	got, err := c.Resolve(context.Background(), s.url("/alice/"))
	if !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), s.url("/alice/")) || !strings.Contains(err.Error(), home) {
		t.Errorf("Resolve = %q, %v; want ErrRedirect naming %s and %s", got, err, s.url("/alice/"), home)
	}
	for _, r := range s.log() {
		if r != "PROPFIND /alice/" {
			t.Errorf("requested beyond the principal: %v", s.log())
			break
		}
	}
	if hits := other.requests(); len(hits) != 0 {
		t.Errorf("the other host was reached: %v", hits)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Credentials never go over plain http to a host that is not this
// machine, unless allowed; nothing is sent at all.
func TestPlainHTTPToRemoteHostRefused(t *testing.T) {
	var sent []string
	fake := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = append(sent, r.URL.String()+" auth="+r.Header.Get("Authorization"))
		return &http.Response{StatusCode: 404, Status: "404 Not Found", Body: http.NoBody, Header: http.Header{}, Request: r}, nil
	})}
	creds := Credentials{User: testUser, Password: testPassword}
	ctx := context.Background()
	c, _ := New(Options{HTTP: fake, Credentials: creds, Retries: -1})
	for _, u := range []string{"http://cal.example.com/alice/a.ics", "http://10.0.0.7:8008/alice/a.ics"} {
		if _, err := c.Get(ctx, u); !errors.Is(err, ErrPlainHTTP) || !strings.Contains(err.Error(), "MMS_CALDAV_INSECURE") {
			t.Errorf("GET %s: %v, want ErrPlainHTTP", u, err)
		}
	}
	if len(sent) != 0 {
		t.Fatalf("sent %v", sent)
	}
	for _, u := range []string{"https://cal.example.com/a.ics", "http://127.0.0.1:5232/a.ics", "http://localhost/a.ics", "http://[::1]:80/a.ics"} {
		c.Get(ctx, u)
	}
	if len(sent) != 4 || !strings.Contains(sent[0], "auth=Basic") {
		t.Errorf("https and loopback requests: %v", sent)
	}
	sent = nil
	anon, _ := New(Options{HTTP: fake, Retries: -1})
	anon.Get(ctx, "http://cal.example.com/a.ics")
	if len(sent) != 1 || strings.Contains(sent[0], "auth=Basic") {
		t.Errorf("without credentials: %v", sent)
	}
	sent = nil
	creds.PlainHTTP = true // MMS_CALDAV_INSECURE=1
	insecure, _ := New(Options{HTTP: fake, Credentials: creds, Retries: -1})
	insecure.Get(ctx, "http://cal.example.com/a.ics")
	if len(sent) != 1 || !strings.Contains(sent[0], "auth=Basic") {
		t.Errorf("with MMS_CALDAV_INSECURE=1: %v", sent)
	}
	env := map[string]string{"MMS_CALDAV_INSECURE": "1"}
	if got, _ := LoadCredentials(func(k string) string { return env[k] }); !got.PlainHTTP {
		t.Error("LoadCredentials ignores MMS_CALDAV_INSECURE=1")
	}
}

// A redirect on the same server that leaves the calendar collection is
// not followed either: not for finding it (the users file names it: its
// server does not move it elsewhere), nor reading it (PROPFIND, REPORT,
// GET), and no
// PUT is sent again anywhere, even inside it (the object would be written
// where it was not read). The server's other paths are never requested.
// A GET redirected to another object of the same collection is followed.
func TestRedirectOutOfTheCollectionRefused(t *testing.T) {
	s := newFakeServer(t)
	s.put(t, workPath+"a.ics", event("a", "A"))
	s.put(t, workPath+"b.ics", event("b", "B"))
	s.put(t, workPath+"d.ics", event("d", "D"))
	to := func(p string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, p, http.StatusTemporaryRedirect) }
	}
	for _, m := range []string{"PROPFIND", "REPORT"} {
		s.inject(&fault{method: m, path: workPath, respond: to("/other" + workPath)})
	}
	s.inject(&fault{method: "GET", path: workPath + "a.ics", respond: to("/other" + workPath + "a.ics")})
	s.inject(&fault{method: "PUT", path: workPath + "a.ics", respond: to("/other" + workPath + "a.ics")})
	s.inject(&fault{method: "PUT", path: workPath + "b.ics", respond: to(workPath + "c.ics")}) // inside, but a write
	s.inject(&fault{method: "GET", path: workPath + "b.ics", respond: to(workPath + "d.ics")}) // inside: followed
	c, _ := testClient(t, Options{})
	ctx := context.Background()
	_, errResolve := c.Resolve(ctx, s.url(workPath))
	_, _, errFetch := c.Fetch(ctx, s.url(workPath), time.Time{})
	_, _, errFetchFrom := c.Fetch(ctx, s.url(workPath), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	_, errGet := c.Get(ctx, s.url(workPath+"a.ics"))
	_, errPut := c.Put(ctx, s.url(workPath+"a.ics"), []byte(event("a", "A2")), `"1"`)
	_, errPutInside := c.Put(ctx, s.url(workPath+"b.ics"), []byte(event("b", "B2")), `"1"`)
	for name, err := range map[string]error{"Resolve": errResolve, "Fetch": errFetch, "Fetch from a time": errFetchFrom, "GET": errGet, "PUT": errPut, "PUT inside": errPutInside} {
		if !errors.Is(err, ErrRedirect) {
			t.Errorf("%s: %v, want ErrRedirect", name, err)
		}
	}
	if err := errGet; err != nil && !strings.Contains(err.Error(), "outside the calendar collection") {
		t.Errorf("GET: %v; want it to say it left the collection", err)
	}
	for _, r := range s.log() {
		if strings.Contains(r, "/other/") || strings.HasSuffix(r, "/c.ics") {
			t.Errorf("requested %s", r)
		}
	}
	obj, err := c.Get(ctx, s.url(workPath+"b.ics"))
	if err != nil || !strings.Contains(string(obj.Data), "UID:d") {
		t.Errorf("GET redirected inside the collection: %v %q", err, obj.Data)
	}
}

// A redirect to the collection itself, spelled with a slash added or
// with escapes the server prefers (an address in the path as %40), is
// followed; one with an escaped slash is not.
func TestRedirectToTheCollectionItselfFollowed(t *testing.T) {
	for _, c := range []struct {
		collection, loc string
		leaves          bool
	}{
		{"http://h/alice%40ex.com/cal", "http://h/alice%40ex.com/cal/", false},
		{"http://h/alice@ex.com/cal", "http://h/alice%40ex.com/cal/", false},
		{"http://h/cal", "http://h/cal/", false},
		{"http://h/cal/", "http://h/cal/x.ics", false},
		{"http://h/cal/", "http://h/cal%2F", true},
		{"http://h/cal/", "http://h/other/cal/", true},
		{"http://h/cal/", "http://h/", true},
	} {
		req, _ := http.NewRequestWithContext(confined(context.Background(), c.collection), "PROPFIND", c.collection, nil)
		loc, err := url.Parse(c.loc)
		if err != nil {
			t.Fatal(err)
		}
		if _, got := leaves(req, loc); got != c.leaves {
			t.Errorf("collection %s, redirect to %s: leaves %v, want %v", c.collection, c.loc, got, c.leaves)
		}
	}
}
