package caldav

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// transport is the one retry and throttle layer: it signs every request
// (credentials on the first request, since some servers answer an
// unauthenticated PROPFIND with 207 instead of 401), holds at most limit
// requests per host in flight, waits out Retry-After on 429 and 503 for
// every request to that host, and retries 5xx answers and network
// failures with exponential backoff, at most retries times.
type transport struct {
	base    http.RoundTripper
	creds   Credentials
	limit   int
	retries int
	backoff time.Duration // first backoff; doubles per attempt up to maxWait
	maxWait time.Duration // longest wait honoured in place
	// deadline bounds one attempt, from sending the request to the end
	// of its answer's body: a server trickling its answer is cut off.
	deadline time.Duration
	// headerWait bounds the wait for an answer's headers: a server that
	// takes the request and never answers is cut off then (errNoAnswer).
	headerWait time.Duration
	// minRate and rateGrace: an answer's body slower than minRate bytes
	// a second on average, from rateGrace on, is cut off (ErrTrickle).
	minRate   int
	rateGrace time.Duration
	sleep     func(context.Context, time.Duration) error
	now       func() time.Time
	// plainHTTP lets credentials go over http to a non-loopback host.
	plainHTTP bool
	// skipVerify: certificates are not checked, so no credentials leave
	// this machine.
	skipVerify bool

	mu    sync.Mutex
	hosts map[string]*hostState
}

// hostState is what the transport knows of one server.
type hostState struct {
	slots chan struct{}
	mu    sync.Mutex
	until time.Time // no request before this (Retry-After)
	// silent counts the requests in a row that no attempt got an answer
	// to, though the server answered a light one: one is a slow query,
	// maxSilent a server that takes queries and never answers them
	silent int
}

// maxSilent is how many requests in a row to one server may go
// unanswered before it counts as unreachable, a light request answered or
// not.
const maxSilent = 3

// unanswered records whether a request got an answer, and reports whether
// the server has now left maxSilent requests in a row without one.
func (h *hostState) unanswered(none bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !none {
		h.silent = 0
		return false
	}
	h.silent++
	return h.silent >= maxSilent
}

func (t *transport) host(name string) *hostState {
	t.mu.Lock()
	defer t.mu.Unlock()
	h, ok := t.hosts[name]
	if !ok {
		h = &hostState{slots: make(chan struct{}, t.limit)}
		t.hosts[name] = h
	}
	return h
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	req, err := t.sign(req)
	if err != nil {
		return nil, err
	}
	h := t.host(req.URL.Host)
	unanswered := 0 // attempts that got no answer at all (errNoAnswer)
	for attempt := 0; ; attempt++ {
		r, err := rewind(req, attempt)
		if err != nil {
			return nil, err
		}
		if err := t.acquire(r.Context(), h); err != nil {
			return nil, err
		}
		timed, cancelTimed := context.WithTimeoutCause(r.Context(), t.deadline, errSlowAnswer{r.URL.Redacted(), t.deadline})
		ctx, cancelCause := context.WithCancelCause(timed)
		cancel := func() { cancelCause(nil); cancelTimed() }
		headers := t.awaitHeaders(cancelCause, r.URL.Redacted())
		r = r.WithContext(ctx)
		if r.Body != nil && r.Body != http.NoBody {
			// the wait starts once the request is sent, as net/http's
			// ResponseHeaderTimeout does: a slow upload is not a silent server
			r.Body = &sentBody{ReadCloser: r.Body, sent: headers.start}
		} else {
			headers.start()
		}
		resp, err := t.base.RoundTrip(r)
		if !headers.stop() && err == nil {
			resp.Body.Close() // came as the wait ran out: its body is cut off
			resp, err = nil, context.Cause(ctx)
		}
		if cause := context.Cause(ctx); err != nil && cause != nil && r.Context().Err() == nil && !errors.Is(err, cause) {
			err = fmt.Errorf("%w: %w", cause, err)
		}
		if errors.As(err, new(errNoAnswer)) {
			unanswered++
		}
		var cv *tls.CertificateVerificationError
		if errors.As(err, &cv) {
			err = fmt.Errorf("%w (trust the server's CA with --caldav-ca FILE or MMS_CALDAV_CA; --caldav-tls skip-verify is for tests only)", err)
		}
		wait, again := t.verdict(resp, err, attempt)
		if err != nil && !again && closedUnanswered(err) && safeToRepeat(req) {
			wait, again = min(t.backoff<<attempt, t.maxWait), true
		}
		if !again || attempt >= t.retries || (req.Body != nil && req.GetBody == nil) {
			none := unanswered > 1 && unanswered == attempt+1
			if h.unanswered(none) || none && !t.answers(req) {
				err = silentServer{err, unanswered}
			}
			return t.watchRate(release(resp, h, cancel), ctx, cancelCause, r.URL.Redacted()), err
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		cancel()
		<-h.slots
		if resp != nil && resp.Header.Get("Retry-After") != "" {
			h.pause(t.now().Add(wait)) // every request to the host waits (acquire)
			continue
		}
		if err := t.sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// sign returns a copy of req carrying the credentials for its host; it
// refuses to send them over plain http to a host that is not this machine
// unless allowed. Other hosts are never reached with them: objects are
// confined to their collection (Inside) and redirects to their server.
func (t *transport) sign(req *http.Request) (*http.Request, error) {
	login, password, ok := t.creds.For(req.URL.Host, req.URL.User.Username())
	if !ok {
		return req, nil
	}
	if err := plainHTTPRefused(req.URL, t.plainHTTP); err != nil {
		return nil, err
	}
	if t.skipVerify && !loopback(req.URL.Hostname()) {
		return nil, fmt.Errorf("%w: not sending the password for %s to %s, whose certificate is not checked; trust its CA with --caldav-ca FILE (MMS_CALDAV_CA) instead", ErrSkipVerify, login, req.URL.Redacted())
	}
	r := req.Clone(req.Context())
	r.SetBasicAuth(login, password)
	return r, nil
}

// closedUnanswered: the server closed the connection and the request got
// no answer: io.EOF when it was sent, or net/http's "server closed idle
// connection" (unexported) when the close was seen as it went out.
func closedUnanswered(err error) bool {
	return errors.Is(err, io.EOF) || strings.Contains(err.Error(), "server closed idle connection")
}

// safeToRepeat: requests that may be sent again after the server closed
// the connection without an answer (io.EOF: sogod closes it after every
// response without saying Connection: close, and a request sent on it
// meanwhile is lost). Reads are; a PUT or DELETE is when it is
// conditional: if the first attempt did land, the second gets 412 and
// the caller reads the object again.
func safeToRepeat(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, "PROPFIND", "REPORT":
		return true
	case http.MethodPut, http.MethodDelete:
		return req.Header.Get("If-Match") != "" || req.Header.Get("If-None-Match") != ""
	}
	return false
}

// rewind gives the request for one attempt, with a fresh body after the first.
func rewind(req *http.Request, attempt int) (*http.Request, error) {
	if attempt == 0 || req.GetBody == nil {
		return req, nil
	}
	r := req.Clone(req.Context())
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r.Body = body
	return r, nil
}

// acquire waits for the host's Retry-After pause, then for a free slot.
func (t *transport) acquire(ctx context.Context, h *hostState) error {
	for {
		h.mu.Lock()
		d := h.until.Sub(t.now())
		h.mu.Unlock()
		if d <= 0 {
			break
		}
		if err := t.sleep(ctx, d); err != nil {
			return err
		}
	}
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *hostState) pause(until time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if until.After(h.until) {
		h.until = until
	}
}

// verdict says whether an attempt is worth repeating and after how long.
// A Retry-After longer than maxWait is not waited for: the answer goes to
// the caller as a *StatusError carrying it.
func (t *transport) verdict(resp *http.Response, err error, attempt int) (time.Duration, bool) {
	backoff := min(t.backoff<<attempt, t.maxWait)
	if err != nil {
		return backoff, retryableNetError(err)
	}
	if !retryableStatus(resp.StatusCode) {
		return 0, false
	}
	if d, ok := retryAfter(resp.Header.Get("Retry-After"), t.now()); ok {
		return d, d <= t.maxWait
	}
	return backoff, true
}

// retryAfter parses a Retry-After value: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// release frees the host slot when the answer's body is closed.
func release(resp *http.Response, h *hostState, cancel context.CancelFunc) *http.Response {
	if resp == nil {
		cancel()
		<-h.slots
		return nil
	}
	resp.Body = &slotBody{ReadCloser: resp.Body, free: func() { cancel(); <-h.slots }}
	return resp
}

// ErrTrickle: a server sent an answer's body slower than any calendar
// server does (a byte at a time): the request is cut off, not retried,
// and what it was for fails.
var ErrTrickle = errors.New("the server sends its answer too slowly")

// watchRate cuts resp's body off once it comes slower than t.minRate
// bytes a second on average, checked from t.rateGrace after the answer
// began, every tenth of it after: cancel's cause is then ErrTrickle, and
// reading the body says so.
func (t *transport) watchRate(resp *http.Response, ctx context.Context, cancel context.CancelCauseFunc, url string) *http.Response {
	if resp == nil || t.minRate <= 0 {
		return resp
	}
	b := &rateBody{ReadCloser: resp.Body, ctx: ctx}
	began := time.Now()
	var check func()
	var timer *time.Timer
	var mu sync.Mutex
	check = func() {
		elapsed := time.Since(began)
		got := b.read.Load()
		if float64(got) < float64(t.minRate)*elapsed.Seconds() {
			cancel(fmt.Errorf("%w: %s: %d bytes of its answer in %s (at least %d a second expected)", ErrTrickle, url, got, elapsed.Round(time.Second), t.minRate))
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if !b.closed {
			timer.Reset(t.rateGrace / 10)
		}
	}
	mu.Lock()
	timer = time.AfterFunc(t.rateGrace, check)
	mu.Unlock()
	b.stop = func() {
		mu.Lock()
		b.closed = true
		timer.Stop()
		mu.Unlock()
	}
	resp.Body = b
	return resp
}

// rateBody counts what is read of an answer's body for watchRate, and
// says ErrTrickle where watchRate cut it off.
type rateBody struct {
	io.ReadCloser
	ctx    context.Context
	read   atomic.Int64
	stop   func()
	closed bool // under watchRate's lock
}

func (b *rateBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.read.Add(int64(n))
	if err == io.EOF {
		b.stop() // whole: nothing left to watch
	}
	if err != nil && err != io.EOF {
		if cause := context.Cause(b.ctx); errors.Is(cause, ErrTrickle) {
			err = cause
		}
	}
	return n, err
}

func (b *rateBody) Close() error {
	b.stop()
	return b.ReadCloser.Close()
}

// errSlowAnswer: a server took longer than the transport's deadline to
// send an answer whole (one byte every few seconds never ends a
// calendar); the request is retried as a timeout.
type errSlowAnswer struct {
	url   string
	limit time.Duration
}

func (e errSlowAnswer) Error() string {
	return fmt.Sprintf("%s: no whole answer within %s", e.url, e.limit)
}

func (errSlowAnswer) Timeout() bool   { return true }
func (errSlowAnswer) Temporary() bool { return true }

// answers reports whether the server of a request that got no answer
// answers a light one (OPTIONS of the same URL) in time: one heavy query
// it computes before answering does not make it unreachable.
func (t *transport) answers(req *http.Request) bool {
	ctx, cancel := context.WithTimeout(req.Context(), t.headerWait)
	defer cancel()
	probe, err := http.NewRequestWithContext(ctx, http.MethodOptions, req.URL.String(), nil)
	if err != nil {
		return false
	}
	if probe, err = t.sign(probe); err != nil {
		return false
	}
	resp, err := t.base.RoundTrip(probe)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

// errNoAnswer: a server took the request and sent no answer's headers
// within the transport's headerWait; the request is retried as a timeout.
type errNoAnswer struct {
	url   string
	limit time.Duration
}

func (e errNoAnswer) Error() string {
	return fmt.Sprintf("%s: no answer within %s", e.url, e.limit)
}

func (errNoAnswer) Timeout() bool   { return true }
func (errNoAnswer) Temporary() bool { return true }

// silentServer: every attempt of a request got no answer at all: the
// server takes connections but does not serve them, which every request
// to it would meet (Unreachable).
type silentServer struct {
	err      error
	attempts int
}

func (e silentServer) Error() string {
	return fmt.Sprintf("%v (%d attempts, none answered)", e.err, e.attempts)
}
func (e silentServer) Unwrap() error { return e.err }

// headerWatch cuts off an attempt whose answer does not start in time
// once its request is sent.
type headerWatch struct {
	mu       sync.Mutex
	started  bool
	answered bool
	fired    bool
	timer    *time.Timer
	wait     time.Duration
}

// awaitHeaders returns the watch of one attempt: once started, it cancels
// the attempt, with errNoAnswer as its cause, unless stop is called first.
func (t *transport) awaitHeaders(cancel context.CancelCauseFunc, url string) *headerWatch {
	w := &headerWatch{wait: t.headerWait}
	w.timer = time.AfterFunc(time.Hour, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if !w.answered {
			w.fired = true
			cancel(errNoAnswer{url, t.headerWait})
		}
	})
	w.timer.Stop()
	return w
}

// start begins the wait, once.
func (w *headerWatch) start() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.started && !w.answered {
		w.started = true
		w.timer.Reset(w.wait)
	}
}

// stop ends the wait; false when it ran out first.
func (w *headerWatch) stop() bool {
	w.timer.Stop()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.answered = true
	return !w.fired
}

// sentBody is a request's body that says when it has been read whole.
type sentBody struct {
	io.ReadCloser
	sent func()
}

func (b *sentBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.sent()
	}
	return n, err
}

type slotBody struct {
	io.ReadCloser
	once sync.Once
	free func()
}

func (b *slotBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.free)
	return err
}

// sleepContext waits d or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
