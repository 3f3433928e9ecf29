package caldav

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// Options configure a Client. The zero value works: no credentials, a
// client of its own with TLS verified, 4 requests per server, 4 retries.
type Options struct {
	// HTTP is the client whose Transport gets wrapped (nil: a new client
	// on a clone of http.DefaultTransport, certificates verified,
	// RequestsPerServer connections kept open to each server). Its Timeout, if any,
	// covers a request with all its retries.
	HTTP *http.Client
	// Credentials for each server; see LoadCredentials.
	Credentials Credentials
	// RequestsPerServer bounds the requests in flight to one host across
	// everything using this Client (default 4).
	RequestsPerServer int
	// Retries is how often a request is repeated after 429, 5xx or a
	// network failure (default 4; negative: never).
	Retries int
	// Backoff is the first wait between attempts, doubling each time
	// (default 500ms).
	Backoff time.Duration
	// MaxWait caps a single wait (default 2 minutes). A server asking for
	// a longer Retry-After is not waited for: the caller gets a
	// *StatusError carrying RetryAfter.
	MaxWait time.Duration
	// RequestTimeout bounds one attempt of a request, its answer's body
	// read whole included (default 10 minutes: a 64 MiB answer at 110
	// KB/s): a server that sends its
	// answer a byte at a time is cut off, and the attempt retried.
	RequestTimeout time.Duration
	// HeaderTimeout bounds the wait for an answer to start, each attempt
	// (default 2 minutes): a server that takes requests and never
	// answers them is cut off, and when no attempt of a request got an
	// answer the server counts as unreachable (Unreachable).
	HeaderTimeout time.Duration
	// MinRate is the slowest an answer's body may come, in bytes a
	// second on average from its first RateGrace on (defaults 512 and
	// one minute): a server trickling its answer (a byte a second) is cut
	// off then, with ErrTrickle, not after RequestTimeout each attempt.
	MinRate   int
	RateGrace time.Duration
	// Sleep waits d or until ctx is done (default: a timer).
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used for Retry-After dates (default time.Now).
	Now func() time.Time
	// AllowPlainHTTP lets credentials go over plain http to a host that
	// is not this machine (also set by MMS_CALDAV_INSECURE=1, see
	// LoadCredentials). Without it such a request fails with ErrPlainHTTP
	// before anything is sent.
	AllowPlainHTTP bool
	// CAFile names a PEM bundle of CA certificates trusted for CalDAV
	// servers in addition to the system roots (the batch's --caldav-ca
	// FILE or MMS_CALDAV_CA).
	CAFile string
	// TLSSkipVerify accepts any certificate (--caldav-tls skip-verify),
	// for tests only. Credentials are then refused to any host that is
	// not this machine (ErrSkipVerify).
	TLSSkipVerify bool
}

// Validate reports options that cannot work, saying what would.
func (o Options) Validate() error {
	switch {
	case o.RequestsPerServer < 0:
		return fmt.Errorf("caldav: RequestsPerServer is %d; use 1 or more (0 means the default, 4)", o.RequestsPerServer)
	case o.Backoff < 0 || o.MaxWait < 0:
		return errors.New("caldav: Backoff and MaxWait cannot be negative (0 means the default)")
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.HTTP == nil {
		o.HTTP = &http.Client{}
	}
	if o.RequestsPerServer == 0 {
		o.RequestsPerServer = 4
	}
	switch {
	case o.Retries == 0:
		o.Retries = 4
	case o.Retries < 0:
		o.Retries = 0
	}
	if o.Backoff == 0 {
		o.Backoff = 500 * time.Millisecond
	}
	if o.MaxWait == 0 {
		o.MaxWait = 2 * time.Minute
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 10 * time.Minute
	}
	if o.HeaderTimeout <= 0 {
		o.HeaderTimeout = 2 * time.Minute
	}
	if o.MinRate <= 0 {
		o.MinRate = 512
	}
	if o.RateGrace <= 0 {
		o.RateGrace = time.Minute
	}
	if o.Sleep == nil {
		o.Sleep = sleepContext
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Client talks CalDAV to any number of servers. It is safe for concurrent
// use; share one per batch so that the per-server limit holds.
type Client struct {
	http      doer
	now       func() time.Time
	expansion *expansion // what each server's time-range queries were seen to do
	// timeRangeOnly: Fetch never reads a calendar whole (fetchListed);
	// for the tests of the time-range query
	timeRangeOnly bool
	// wholeBudget bounds the data Fetch keeps from the multigets of one
	// calendar read whole; zero: maxObject. Lowered by tests.
	wholeBudget int64
	schedulers  *schedulers // which servers schedule by themselves (see AutoSchedules)
}

// New builds a Client whose every request, go-webdav's included, goes
// through one retry and throttle layer and reports HTTP failures as
// *StatusError.
func New(o Options) (*Client, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	base, err := o.baseTransport()
	if err != nil {
		return nil, err
	}
	hc := *o.HTTP
	if hc.CheckRedirect == nil {
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	hc.Transport = &transport{
		base: base, creds: o.Credentials, limit: o.RequestsPerServer, retries: o.Retries,
		backoff: o.Backoff, maxWait: o.MaxWait, deadline: o.RequestTimeout, headerWait: o.HeaderTimeout, minRate: o.MinRate, rateGrace: o.RateGrace, sleep: o.Sleep, now: o.Now,
		plainHTTP: o.AllowPlainHTTP || o.Credentials.PlainHTTP, skipVerify: o.TLSSkipVerify,
		hosts: map[string]*hostState{},
	}
	return &Client{http: doer{c: &hc, now: o.Now}, now: o.Now, expansion: &expansion{state: map[string]expandState{}, verified: map[string]bool{}},
		schedulers: &schedulers{seen: map[string]bool{}}}, nil
}

// baseTransport is the caller's transport, or a clone of
// http.DefaultTransport, with CAFile and TLSSkipVerify applied.
func (o Options) baseTransport() (http.RoundTripper, error) {
	base := o.HTTP.Transport
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// as many connections kept open between requests as may be in
		// flight (net/http keeps 2 per host and closes the rest)
		t.MaxIdleConnsPerHost = o.RequestsPerServer
		base = t
	}
	if o.CAFile == "" && !o.TLSSkipVerify {
		return base, nil
	}
	ht, ok := base.(*http.Transport)
	if !ok {
		return nil, fmt.Errorf("caldav: CAFile and TLSSkipVerify need an *http.Transport, not %T", base)
	}
	ht = ht.Clone()
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if ht.TLSClientConfig != nil {
		cfg = ht.TLSClientConfig.Clone()
	}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("caldav: CA bundle for CalDAV servers: %w", err)
		}
		roots, err := x509.SystemCertPool()
		if err != nil || roots == nil {
			roots = x509.NewCertPool()
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("caldav: CA bundle %s: no PEM certificate in it", o.CAFile)
		}
		cfg.RootCAs = roots
	}
	cfg.InsecureSkipVerify = o.TLSSkipVerify
	ht.TLSClientConfig = cfg
	return ht, nil
}

// doer is the webdav.HTTPClient handed to go-webdav and used by our own
// requests: any answer of 400 or more becomes a *StatusError.
type doer struct {
	c   *http.Client
	now func() time.Time
}

func (d doer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	for hops := 0; err == nil && hops < maxRedirects; hops++ {
		next, ok, rerr := redirect(req, resp)
		if rerr != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			return nil, rerr
		}
		if !ok {
			break
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		req = next
		resp, err = d.c.Do(req)
	}
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 400 {
		return resp, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	wait, _ := retryAfter(resp.Header.Get("Retry-After"), d.now())
	return nil, &StatusError{
		Method: req.Method, URL: req.URL.Redacted(), Code: resp.StatusCode, RetryAfter: wait,
		Body: oneLine(string(body)),
	}
}

const maxRedirects = 10

// redirect is the request that a 301, 302, 307 or 308 answer points to,
// with the same method and body: net/http would turn a PROPFIND or REPORT
// into a GET on 301 and 302. Only redirects on the same server (scheme,
// host and port) are followed, with the user name kept; one to another
// server is an error matching ErrRedirect, since the credentials would go
// along. So is a redirect of a PUT (the object would be written where it
// was not read), and one out of the calendar collection a request is
// confined to (see confined): only objects inside it are read or written.
func redirect(req *http.Request, resp *http.Response) (*http.Request, bool, error) {
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		return nil, false, nil
	}
	loc, err := req.URL.Parse(resp.Header.Get("Location"))
	if err != nil || resp.Header.Get("Location") == "" || (req.Body != nil && req.GetBody == nil) {
		return nil, false, nil
	}
	if !sameOrigin(req.URL, loc) {
		return nil, false, fmt.Errorf("%w: %s %s answered %d to %s; not followed, so that the credentials stay with %s (put the new URL in the users file if it is right)",
			ErrRedirect, req.Method, req.URL.Redacted(), resp.StatusCode, loc.Redacted(), origin(req.URL))
	}
	if req.Method == http.MethodPut || req.Method == http.MethodDelete {
		return nil, false, fmt.Errorf("%w: %s %s answered %d to %s; not followed: mms writes an object only at the URL it read it from",
			ErrRedirect, req.Method, req.URL.Redacted(), resp.StatusCode, loc.Redacted())
	}
	if collection, out := leaves(req, loc); out {
		return nil, false, fmt.Errorf("%w: %s %s answered %d to %s, outside the calendar collection %s; not followed: only objects inside it are read or written (put the new URL in the users file if it is right)",
			ErrRedirect, req.Method, req.URL.Redacted(), resp.StatusCode, loc.Redacted(), redact(collection))
	}
	if loc.User == nil {
		loc.User = req.URL.User
	}
	next := req.Clone(req.Context())
	next.URL, next.Host = loc, ""
	if req.GetBody != nil {
		if next.Body, err = req.GetBody(); err != nil {
			return nil, false, nil
		}
	}
	return next, true, nil
}

// oneLine squeezes an error body into one short line for a message.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
}
