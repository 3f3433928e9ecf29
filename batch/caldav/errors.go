package caldav

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// ErrAuth matches (errors.Is) a *StatusError with code 401, or 403 to
// anything but a PUT (one object's write refused): the
// server refused the credentials for that URL. Retrying does not help; it
// stops the user whose calendar it is, not the batch.
var ErrAuth = errors.New("caldav: not authorised")

// ErrChanged matches (errors.Is) a *StatusError with code 412: the object
// changed on the server since it was read (If-Match failed) or, for a
// create, already exists. Re-read it and decide again; never overwrite.
var ErrChanged = errors.New("caldav: changed on the server since it was read")

// StatusError is an HTTP answer of 400 or more. go-webdav hides status
// codes; every request of a Client, go-webdav's included, surfaces them
// through this type.
type StatusError struct {
	Method     string
	URL        string        // user name kept, password redacted
	Code       int           // HTTP status code
	RetryAfter time.Duration // from Retry-After (429, 503), 0 when absent
	Body       string        // start of the answer's body, for the message
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("caldav: %s %s: %d %s", e.Method, e.URL, e.Code, http.StatusText(e.Code))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	switch {
	case e.Code == http.StatusForbidden && e.Method == http.MethodPut:
		msg += " (the server refuses to store this object: it may be read-only to this user, or the server refuses what it holds)"
	case e.Code == http.StatusUnauthorized || e.Code == http.StatusForbidden:
		msg += " (credentials come from MMS_CALDAV_USER/MMS_CALDAV_PASSWORD or the netrc file, $NETRC or ~/.netrc)"
	case e.RetryAfter > 0:
		msg += fmt.Sprintf(" (server asks to retry after %s)", e.RetryAfter)
	}
	return msg
}

// Is makes errors.Is(err, ErrAuth) and errors.Is(err, ErrChanged) work.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrAuth: // a PUT refused (403) is about that object: the credentials were good enough to read it
		return e.Code == http.StatusUnauthorized || e.Code == http.StatusForbidden && e.Method != http.MethodPut
	case ErrChanged:
		return e.Code == http.StatusPreconditionFailed
	}
	return false
}

// ObjectError is one calendar object that could not be read; the other
// objects of the same fetch are unaffected.
type ObjectError struct {
	Href string // absolute URL of the object
	Err  error
}

func (e ObjectError) Error() string {
	if msg := e.Err.Error(); strings.HasPrefix(msg, e.Href+":") { // named already (ics.Parse's errors)
		return "caldav: " + msg
	}
	return fmt.Sprintf("caldav: %s: %v", e.Href, e.Err)
}
func (e ObjectError) Unwrap() error { return e.Err }

// Temporary reports whether err may go away by itself: the server was
// busy (429, 503), failed (500, 502, 504) or did not answer in time, and
// the transport's own retries are used up. A caller may try again later;
// every other error (auth, 4xx, malformed data) is permanent.
func Temporary(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return retryableStatus(se.Code)
	}
	return retryableNetError(err) || errors.Is(err, io.EOF) // connection closed without an answer
}

// Unreachable reports whether err says the server could not be connected
// to at all: the connection refused, no route to it, no answer to the
// dial or to the name lookup, or a server that took a request and sent
// no answer to any of its attempts. Every object on it would meet the
// same. A name that does not exist is NoSuchHost instead.
func Unreachable(err error) bool {
	if NoSuchHost(err) {
		return false
	}
	var dns *net.DNSError
	if errors.As(err, &dns) || errors.As(err, new(silentServer)) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// NoSuchHost reports whether err says the server's name does not exist:
// a mistyped URL, which only the users file can fix.
func NoSuchHost(err error) bool {
	var dns *net.DNSError
	return errors.As(err, &dns) && dns.IsNotFound
}

// retryableStatus lists the answers that retrying can change.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryableNetError: timeouts and connections refused, reset or cut short.
func retryableNetError(err error) bool {
	if errors.As(err, new(errNoAnswer)) {
		return true // cut off by the transport, not by the caller
	}
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || NoSuchHost(err) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe) || errors.Is(err, io.ErrUnexpectedEOF)
}
