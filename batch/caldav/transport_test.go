package caldav

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav/caldav"
)

func answer(code int, header ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		http.Error(w, http.StatusText(code), code)
	}
}

// 429 with Retry-After in seconds, then 503 with an HTTP date: waited
// for as asked, then the request succeeds.
func TestRetryAfter(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a")
	c, clock := testClient(t, Options{})
	at := clock.Now().Add(7*time.Second + 30*time.Second).UTC().Format(http.TimeFormat)
	s.inject(&fault{method: "REPORT", times: 1, respond: answer(http.StatusTooManyRequests, "Retry-After", "7")})
	s.inject(&fault{method: "REPORT", times: 1, respond: answer(http.StatusServiceUnavailable, "Retry-After", at)})
	objs, _, err := c.Fetch(context.Background(), s.url(workPath), time.Time{})
	if err != nil || len(objs) != 1 {
		t.Fatalf("Fetch: %v", err)
	}
	if got, want := clock.slept(), []time.Duration{7 * time.Second, 30 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("slept %v, want %v", got, want)
	}
	if got := s.count("REPORT"); got != 3 {
		t.Errorf("%d REPORTs, want 3", got)
	}
}

// A Retry-After longer than MaxWait is not slept through: the caller gets
// a temporary StatusError carrying it.
func TestRetryAfterTooLong(t *testing.T) {
	s := newFakeServer(t)
	c, clock := testClient(t, Options{MaxWait: time.Minute})
	s.inject(&fault{method: "REPORT", respond: answer(http.StatusTooManyRequests, "Retry-After", "3600")})
	_, _, err := c.Fetch(context.Background(), s.url(workPath), time.Time{})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != http.StatusTooManyRequests || se.RetryAfter != time.Hour {
		t.Fatalf("err = %v, want a 429 carrying RetryAfter 1h", err)
	}
	if !Temporary(err) {
		t.Error("429 must be temporary")
	}
	if len(clock.slept()) != 0 || s.count("REPORT") != 1 {
		t.Errorf("slept %v over %d requests; want no wait, one request", clock.slept(), s.count("REPORT"))
	}
}

// 5xx answers are retried with exponential backoff, Retries times.
func TestBackoffThenGiveUp(t *testing.T) {
	s := newFakeServer(t)
	c, clock := testClient(t, Options{Retries: 3, Backoff: time.Second})
	s.inject(&fault{method: "REPORT", respond: answer(http.StatusBadGateway)})
	_, _, err := c.Fetch(context.Background(), s.url(workPath), time.Time{})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != http.StatusBadGateway || !Temporary(err) {
		t.Fatalf("err = %v, want a temporary 502", err)
	}
	if got, want := clock.slept(), []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("slept %v, want %v", got, want)
	}
	if got := s.count("REPORT"); got != 4 {
		t.Errorf("%d attempts, want 4", got)
	}
}

// A PUT is retried with its body intact.
func TestRetryResendsBody(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a")
	c, _ := testClient(t, Options{})
	obj := fetchOne(t, c, s)
	s.inject(&fault{method: "PUT", times: 2, respond: answer(http.StatusServiceUnavailable)})
	if _, err := c.Put(context.Background(), obj.Href, []byte(event("a", "Retried")), obj.ETag); err != nil {
		t.Fatal(err)
	}
	got, _ := c.Get(context.Background(), obj.Href)
	if !strings.Contains(string(got.Data), "Retried") || s.count("PUT") != 3 {
		t.Errorf("after %d PUTs the server has %q", s.count("PUT"), got.Data)
	}
}

// 401 and 403 are ErrAuth naming the URL, never retried; 500 is not
// retried past the limit and other 4xx are not retried at all.
func TestAuthErrors(t *testing.T) {
	s := newFakeServer(t)
	c, _ := testClient(t, Options{Credentials: Credentials{User: testUser, Password: "wrong"}})
	_, err := c.Resolve(context.Background(), s.url("/"))
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), strings.TrimPrefix(s.URL, "http://")) || !strings.Contains(err.Error(), "netrc") {
		t.Fatalf("err = %v, want ErrAuth naming the URL with a hint", err)
	}
	if Temporary(err) || len(s.log()) != 1 {
		t.Errorf("auth failure retried: %v", s.log())
	}
	s2 := newFakeServer(t)
	s2.inject(&fault{respond: answer(http.StatusForbidden)})
	c2, _ := testClient(t, Options{})
	if _, _, err := c2.Fetch(context.Background(), s2.url(workPath), time.Time{}); !errors.Is(err, ErrAuth) {
		t.Errorf("403: %v, want ErrAuth", err)
	}
}

// timeoutTransport fails the first n requests with a network timeout.
type timeoutTransport struct {
	mu sync.Mutex
	n  int
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

var _ net.Error = timeoutErr{}

func (tt *timeoutTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	tt.mu.Lock()
	fail := tt.n > 0
	tt.n--
	tt.mu.Unlock()
	if fail {
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: timeoutErr{}}
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestTimeoutsRetried(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a")
	c, clock := testClient(t, Options{HTTP: &http.Client{Transport: &timeoutTransport{n: 2}}})
	objs, _, err := c.Fetch(context.Background(), s.url(workPath), time.Time{})
	if err != nil || len(objs) != 1 {
		t.Fatalf("Fetch after two timeouts: %v", err)
	}
	if got := clock.slept(); !slices.Equal(got, []time.Duration{500 * time.Millisecond, time.Second}) {
		t.Errorf("slept %v", got)
	}
	c2, _ := testClient(t, Options{Retries: 1, HTTP: &http.Client{Transport: &timeoutTransport{n: 5}}})
	_, _, err = c2.Fetch(context.Background(), s.url(workPath), time.Time{})
	if err == nil || !Temporary(err) {
		t.Errorf("after the retries: %v, want a temporary error", err)
	}
}

// No more than RequestsPerServer requests are in flight to one host.
func TestRequestsPerServer(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a")
	const limit, total = 2, 8
	var (
		mu                sync.Mutex
		inFlight, maxSeen int
	)
	entered := make(chan struct{}, total)
	gate := make(chan struct{})
	s.inject(&fault{method: "GET", respond: func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		maxSeen = max(maxSeen, inFlight)
		mu.Unlock()
		entered <- struct{}{}
		<-gate
		mu.Lock()
		inFlight--
		mu.Unlock()
		w.Header().Set("Content-Type", "text/calendar")
		w.Header().Set("ETag", `"1"`)
		fmt.Fprint(w, event("a", "x"))
	}})
	c, _ := testClient(t, Options{RequestsPerServer: limit})
	var wg sync.WaitGroup
	errs := make(chan error, total)
	for range total {
		wg.Go(func() {
			_, err := c.Get(context.Background(), s.url(workPath+"a.ics"))
			errs <- err
		})
	}
	for i := range total {
		<-entered // request i is in the handler
		if i+1 >= limit {
			gate <- struct{}{} // let one finish, making room for the next
		}
	}
	for range limit - 1 {
		gate <- struct{}{}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if maxSeen != limit {
		t.Errorf("at most %d requests in flight, want %d", maxSeen, limit)
	}
}

// A Retry-After pauses every request to that host, not just the one
// that got it.
func TestRetryAfterPausesTheHost(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	tr := &transport{limit: 2, sleep: clock.Sleep, now: clock.Now, hosts: map[string]*hostState{}}
	tr.host("a:1").pause(clock.Now().Add(10 * time.Second))
	if err := tr.acquire(context.Background(), tr.host("b:1")); err != nil || len(clock.slept()) != 0 {
		t.Fatalf("another host waited: %v %v", clock.slept(), err)
	}
	if err := tr.acquire(context.Background(), tr.host("a:1")); err != nil {
		t.Fatal(err)
	}
	if got := clock.slept(); !slices.Equal(got, []time.Duration{10 * time.Second}) {
		t.Errorf("slept %v, want 10s", got)
	}
}

// Certificates are verified by default; a caller may trust its own CA.
func TestTLSVerified(t *testing.T) {
	srv := httptest.NewUnstartedServer(&caldav.Handler{Backend: &memBackend{objects: map[string]*ical.Calendar{}}})
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.StartTLS()
	defer srv.Close()
	c, err := New(Options{Credentials: Credentials{User: testUser, Password: testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Resolve(context.Background(), srv.URL+"/")
	var cv *tls.CertificateVerificationError
	if !errors.As(err, &cv) || Temporary(err) {
		t.Fatalf("self-signed server: %v, want a permanent certificate error", err)
	}
	trusting, _ := New(Options{HTTP: srv.Client(), Credentials: Credentials{User: testUser, Password: testPassword}})
	if got, err := trusting.Resolve(context.Background(), srv.URL+"/"); err != nil || !strings.HasSuffix(got, workPath) {
		t.Errorf("with the server's CA trusted: %s %v", got, err)
	}
}

// A Client keeps as many connections to a server open between requests
// as it lets requests be in flight there: net/http's default of 2 idle
// connections per host closed and opened one for most requests when 4 or
// more were in flight.
func TestConnectionsKeptForRequestsInFlight(t *testing.T) {
	const inFlight, each = 8, 10
	var mu sync.Mutex
	opened := 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond) // the requests overlap
		w.Header().Set("Content-Type", "text/calendar")
		w.Header().Set("ETag", `"1"`)
		io.WriteString(w, event("a", "Meeting a"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			opened++
			mu.Unlock()
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := New(Options{RequestsPerServer: inFlight})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range inFlight {
		wg.Go(func() {
			for range each {
				if _, err := c.Get(context.Background(), srv.URL+"/a.ics"); err != nil {
					t.Error(err)
					return
				}
				time.Sleep(3 * time.Millisecond) // the worker's own work: its connection idles
			}
		})
	}
	wg.Wait()
	// a dial that lost the race to a connection handed back may add one
	if opened > 2*inFlight {
		t.Errorf("%d connections opened for %d requests, %d at a time; want about %d", opened, inFlight*each, inFlight, inFlight)
	}
}

// TestTrickledAnswerCutOff: a server that sends its headers, then its
// answer a byte at a time, is cut off at RequestTimeout (each attempt),
// and the request fails as a temporary error naming the URL, instead of
// hanging the run.
func TestTrickledAnswerCutOff(t *testing.T) {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusMultiStatus)
		for {
			select {
			case <-stop:
				return
			case <-r.Context().Done():
				return
			case <-time.After(20 * time.Millisecond):
				w.Write([]byte(" "))
				w.(http.Flusher).Flush()
			}
		}
	}))
	defer srv.Close()
	defer close(stop)
	c, _ := testClient(t, Options{RequestTimeout: 300 * time.Millisecond, Retries: 1})
	start := time.Now()
	_, _, err := c.Fetch(context.Background(), srv.URL+"/cal/", time.Time{})
	if err == nil || !Temporary(err) || !strings.Contains(err.Error(), srv.URL) {
		t.Errorf("Fetch of a trickled answer: %v; want a temporary error naming the URL", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Fetch took %s", d)
	}
}

// A server that trickles its answer is cut off once it comes slower than
// MinRate from RateGrace on, with ErrTrickle, which is not retried: a
// hostile server held a user for RequestTimeout at each of its attempts
// (nine times ten minutes). An answer that comes steadily, however long,
// is read whole.
func TestTrickleCutOffByRate(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	var asked atomic.Int32 // requests for the collection
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/trickle/" {
			asked.Add(1)
		}
		every, chunk := 20*time.Millisecond, []byte(" ") // 50 bytes a second
		if r.URL.Path == "/steady" {
			chunk = make([]byte, 400) // 20 KB a second, for 0.8 s
		}
		status := http.StatusOK
		if r.Method != http.MethodGet {
			w.Header().Set("Content-Type", "application/xml")
			status = http.StatusMultiStatus
		}
		w.WriteHeader(status)
		for i := 0; r.URL.Path != "/steady" || i < 40; i++ {
			select {
			case <-stop:
				return
			case <-r.Context().Done():
				return
			case <-time.After(every):
				w.Write(chunk)
				w.(http.Flusher).Flush()
			}
		}
	}))
	defer srv.Close()
	c, _ := testClient(t, Options{RequestTimeout: time.Minute, MinRate: 1000, RateGrace: 200 * time.Millisecond, Retries: 1})
	start := time.Now()
	resp, err := c.http.c.Get(srv.URL + "/trickle")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, ErrTrickle) || Temporary(err) || !strings.Contains(err.Error(), srv.URL+"/trickle") {
		t.Errorf("a trickled answer: %v; want ErrTrickle naming the URL, not temporary", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cut off after %s", d)
	}
	// through go-webdav's reading of a multistatus too
	for _, from := range []time.Time{{}, time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)} { // a query of its own; a listing first
		asked.Store(0)
		if _, _, err := c.Fetch(context.Background(), srv.URL+"/trickle/", from); !errors.Is(err, ErrTrickle) || Temporary(err) {
			t.Errorf("Fetch from %s of a trickled answer: %v; want ErrTrickle", from, err)
		}
		if n := asked.Load(); n != 1 { // no other way of asking tried: it would trickle again
			t.Errorf("Fetch from %s asked the trickling server %d times, want 1", from, n)
		}
	}
	resp, err = c.http.c.Get(srv.URL + "/steady")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || len(body) != 40*400 {
		t.Errorf("a steady answer: %d bytes, %v", len(body), err)
	}
}

// A server that takes requests and never answers them is cut off after
// HeaderTimeout at each attempt, and once no attempt got an answer it
// counts as unreachable (the run stops, exit 4, and resumes when run
// again) instead of holding each of its users for hours: five attempts of
// two minutes at each of a user's nine.
func TestSilentServerUnreachable(t *testing.T) {
	stop := make(chan struct{})
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodOptions { // the probe of a live server
			asked.Add(1)
		}
		if r.URL.Path == "/slow" && asked.Load() > 1 {
			w.Write([]byte("BEGIN:VCALENDAR\r\n")) // answers a second attempt
			return
		}
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(stop) // first: a handler that has not read its request's body sees no hang-up
	c, _ := testClient(t, Options{HeaderTimeout: 100 * time.Millisecond, Retries: 2})
	start := time.Now()
	_, err := c.Get(context.Background(), srv.URL+"/cal/a.ics")
	if !Unreachable(err) || !strings.Contains(err.Error(), srv.URL+"/cal/a.ics") || !strings.Contains(err.Error(), "no answer within 100ms") {
		t.Errorf("Get from a silent server: %v; want it unreachable, naming the URL and the wait", err)
	}
	if n := asked.Load(); n != 3 {
		t.Errorf("asked %d times, want 3 (two retries)", n)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %s", d)
	}
	// the calendar's listing and query, through go-webdav
	if _, _, err := c.Fetch(context.Background(), srv.URL+"/cal/", time.Time{}); !Unreachable(err) {
		t.Errorf("Fetch from a silent server: %v; want it unreachable", err)
	}
	// an answer on a later attempt is read, and the server is not
	// unreachable for one attempt that went unanswered
	asked.Store(0)
	resp, err := c.http.c.Get(srv.URL + "/slow")
	if err != nil {
		t.Fatalf("a server answering the second attempt: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(body) != "BEGIN:VCALENDAR\r\n" {
		t.Errorf("the second attempt's answer: %q, %v", body, err)
	}
}

// One request a live server takes longer to answer than HeaderTimeout
// (a heavy query it computes first) fails as a timeout, to be tried
// again, and does not make the server unreachable, which would stop the
// run each time it is resumed (a review): a light request is answered.
func TestSlowRequestOnLiveServer(t *testing.T) {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodOptions {
			select {
			case <-stop:
			case <-r.Context().Done():
			}
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	defer close(stop)
	c, _ := testClient(t, Options{HeaderTimeout: 100 * time.Millisecond, Retries: 2})
	_, err := c.Get(context.Background(), srv.URL+"/cal/big.ics")
	if err == nil || Unreachable(err) || !Temporary(err) {
		t.Errorf("a heavy request on a live server: %v; want a temporary error, not unreachable", err)
	}
	// a server that answers a light request but none of the queries, a
	// few in a row, is unreachable: each user would wait for it in turn
	for i := 2; i <= maxSilent; i++ {
		_, err = c.Get(context.Background(), srv.URL+"/cal/big.ics")
	}
	if !Unreachable(err) {
		t.Errorf("request %d in a row unanswered: %v; want the server unreachable", maxSilent, err)
	}
}

// The wait for an answer starts once the request is sent: an upload
// slower than HeaderTimeout is not a silent server.
func TestSlowUploadNotCutOff(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	c, _ := testClient(t, Options{HeaderTimeout: 100 * time.Millisecond, Retries: 1})
	body := io.MultiReader(strings.NewReader("BEGIN:VCALENDAR\r\n"), slowReader{300 * time.Millisecond}, strings.NewReader("END:VCALENDAR\r\n"))
	req, err := http.NewRequest(http.MethodPut, srv.URL+"/cal/a.ics", body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.http.c.Do(req)
	if err != nil {
		t.Fatalf("a slow upload: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("status %d", resp.StatusCode)
	}
}

// slowReader gives nothing for a while, then ends.
type slowReader struct{ d time.Duration }

func (r slowReader) Read([]byte) (int, error) {
	time.Sleep(r.d)
	return 0, io.EOF
}
