package caldav

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/mms-project/mms/ics"
)

// maxObject bounds one calendar object or multi-status answer read into
// memory; a larger object fails alone.
const maxObject = 64 << 20

// Object is one calendar object resource as the server sent it.
type Object struct {
	Href string // absolute URL (user name kept, never a password)
	ETag string // entity tag as on the wire, quotes included ("abc"); a bare one from the server gets quotes
	Data []byte // the server's bytes, never re-encoded
	// Past: the object has no occurrence at or after Fetch's from (see
	// keepFrom). Only a calendar read whole gives such objects, so that
	// its report lists its past meetings as a file's does; a time-range
	// answer leaves them out. A past object is for reading only: its
	// Data may have the LF endings of a REPORT and its ETag may be empty,
	// where the objects to write were read again with GET.
	Past bool
}

// Get reads one object; href is an absolute URL, as in Object.Href.
func (c *Client) Get(ctx context.Context, href string) (Object, error) {
	if _, ok := ctx.Value(confineKey{}).(string); !ok { // a redirect stays in the object's own collection
		if u, err := url.Parse(href); err == nil {
			dir := *u
			dir.Path, dir.RawPath, dir.RawQuery, dir.Fragment = path.Dir(strings.TrimSuffix(u.Path, "/"))+"/", "", "", ""
			ctx = confined(ctx, dir.String())
		}
	}
	req, err := newRequest(ctx, http.MethodGet, href, nil)
	if err != nil {
		return Object{}, err
	}
	req.Header.Set("Accept", "text/calendar")
	resp, err := c.http.Do(req)
	if err != nil {
		return Object{}, err
	}
	data, err := readAll(resp.Body)
	resp.Body.Close() // frees the host slot before any further request
	if err != nil {
		return Object{}, fmt.Errorf("caldav: GET %s: %w", redact(href), err)
	}
	if resp.StatusCode != http.StatusOK {
		return Object{}, fmt.Errorf("caldav: GET %s: expected 200 OK, got %s", redact(href), resp.Status)
	}
	if t, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); t != "" && t != "text/calendar" {
		return Object{}, fmt.Errorf("caldav: GET %s: the server answered %s, not text/calendar", redact(href), t)
	}
	obj := Object{Href: href, ETag: quoteETag(resp.Header.Get("ETag")), Data: data}
	if err := check(obj); err != nil {
		return Object{}, err
	}
	if obj.ETag == "" {
		obj.ETag, err = c.etag(ctx, href)
	}
	return obj, err
}

// Put stores data at href only if the object there still has the entity
// tag ifMatch (If-Match); ifMatch "" creates it only if nothing is there
// (If-None-Match: *). It never overwrites unconditionally. The data goes
// as given. A 412 answer matches ErrChanged: re-read the object and decide
// again. Both 201 and 204 are success; when the answer carries no ETag
// (the server changed what it stored), the new one is read back. A PUT
// retried after a lost answer whose first attempt did land gets 412 too:
// the re-read then shows the change already made.
func (c *Client) Put(ctx context.Context, href string, data []byte, ifMatch string) (string, error) {
	req, err := newRequest(ctx, http.MethodPut, href, data)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "text/calendar; charset=utf-8")
	if ifMatch == "" {
		// SOGo ignores If-None-Match: ask first whether anything is there
		if _, err := c.etag(ctx, href); !errors.Is(err, errNotFound) {
			if err == nil {
				err = &StatusError{Method: http.MethodPut, URL: redact(href), Code: http.StatusPreconditionFailed,
					Body: "an object is already there (found before creating it)"}
			}
			return "", err
		}
		req.Header.Set("If-None-Match", "*")
	} else {
		req.Header.Set("If-Match", quoteETag(ifMatch))
	}
	resp, err := c.http.Do(req)
	if errors.Is(err, ErrChanged) && weakETag(ifMatch) {
		return c.putWeak(ctx, href, data, quoteETag(ifMatch), err)
	}
	var se *StatusError
	if errors.As(err, &se) && se.Code == http.StatusConflict && ifMatch != "" {
		return "", conflictError{se} // SOGo: gone, or its SEQUENCE raised meanwhile
	}
	if err != nil {
		return "", err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("caldav: PUT %s: expected 201 or 204, got %s", redact(href), resp.Status)
	}
	if ifMatch == "" && resp.StatusCode == http.StatusNoContent {
		return "", fmt.Errorf("caldav: PUT %s: asked to create it only if absent, the server answered 204 No Content: it replaced an object made meanwhile (it ignores If-None-Match)", redact(href))
	}
	if etag := quoteETag(resp.Header.Get("ETag")); etag != "" {
		return etag, nil
	}
	return c.etag(ctx, href)
}

// putWeak follows a 412 answer (changed) to a PUT whose If-Match was a
// weak entity tag (W/"…"), which a server following RFC 9110 (13.1.1:
// If-Match compares strongly) never matches, however often the object is
// read again. The object's entity tag is asked for (PROPFIND): a strong
// one with the same opaque value (a proxy such as nginx's gzip weakens the
// ETag of a GET, not the getetag of the server) is the same version, and
// the PUT is sent again with it. A weak one with the same value fails the
// object, naming its URL and that tag: it cannot be written conditionally,
// and is never written otherwise. Any other tag: it changed since it was
// read, and changed (412) is the answer.
func (c *Client) putWeak(ctx context.Context, href string, data []byte, weak string, changed error) (string, error) {
	now, err := c.etag(ctx, href)
	switch {
	case err != nil:
		return "", err
	case opaqueETag(now) != opaqueETag(weak):
		return "", changed
	case !weakETag(now):
		return c.Put(ctx, href, data, now)
	}
	return "", ObjectError{Href: redact(href), Err: fmt.Errorf("%w: the server gives the object only the weak ETag %s and refused it in If-Match (412), "+
		"as RFC 9110 has it: a weak ETag never matches; nothing was written", ErrWeakETag, weak)}
}

// ErrWeakETag matches (errors.Is) an object that cannot be written because
// the server gives it only a weak entity tag and refuses that in If-Match.
// It is not ErrChanged: reading the object again would not help.
var ErrWeakETag = errors.New("caldav: only a weak ETag, which If-Match cannot use")

// weakETag: an entity tag marked weak (W/"…").
func weakETag(tag string) bool { return strings.HasPrefix(strings.TrimSpace(tag), "W/") }

// opaqueETag is an entity tag without its weakness mark, quoted, for the
// weak comparison of RFC 9110 8.8.3.2.
func opaqueETag(tag string) string {
	return quoteETag(strings.TrimPrefix(strings.TrimSpace(tag), "W/"))
}

// conflictError is a 409 answer to a PUT with If-Match. SOGo gives it
// instead of 412 when the object is gone, and when the stored SEQUENCE
// is higher than the one written ("sequences don't match"): either way
// the object changed since it was read.
type conflictError struct{ *StatusError }

func (e conflictError) Error() string {
	return e.StatusError.Error() + " (taken as changed on the server since it was read)"
}
func (e conflictError) Is(target error) bool { return target == ErrChanged }
func (e conflictError) Unwrap() error        { return e.StatusError }

// errNotFound marks a 404 (or 410) from etag: nothing is there.
var errNotFound = errors.New("caldav: no object there")

// etag asks the server for an object's entity tag (PROPFIND, depth 0).
func (c *Client) etag(ctx context.Context, href string) (string, error) {
	fs, _, err := c.propfind(ctx, href, "0", `<D:getetag/>`)
	var se *StatusError
	if errors.As(err, &se) && (se.Code == http.StatusNotFound || se.Code == http.StatusGone) {
		return "", fmt.Errorf("%w: %w", errNotFound, err)
	}
	if err != nil {
		return "", err
	}
	for _, f := range fs {
		if f.etag != nil {
			return quoteETag(*f.etag), nil
		}
	}
	return "", fmt.Errorf("caldav: %s: the server gives no ETag for the object", redact(href))
}

// quoteETag brings an entity tag into its quoted form (RFC 9110, 8.8.3);
// some servers send it bare.
func quoteETag(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, `"`) || strings.HasPrefix(s, `W/"`) {
		return s
	}
	return `"` + s + `"`
}

// check fails an object whose data is not iCalendar at all (problems
// inside one event are left to package ics, which keeps them on that event).
func check(o Object) error {
	if len(bytes.TrimSpace(o.Data)) == 0 {
		return ObjectError{Href: redact(o.Href), Err: fmt.Errorf("%w: empty calendar object", ErrNotICalendar)}
	}
	if _, err := ics.Parse(redact(o.Href), o.Data); err != nil {
		return ObjectError{Href: redact(o.Href), Err: notICalendar{err}}
	}
	return nil
}

// ErrNotICalendar marks an object whose data is not a calendar mms can
// read: its meeting fails as an invalid calendar, not a server's fault.
var ErrNotICalendar = errors.New("not an iCalendar object")

// notICalendar is ics.Parse's error (which names the object), as
// ErrNotICalendar.
type notICalendar struct{ err error }

func (e notICalendar) Error() string        { return e.err.Error() }
func (e notICalendar) Unwrap() error        { return e.err }
func (e notICalendar) Is(target error) bool { return target == ErrNotICalendar }

func newRequest(ctx context.Context, method, href string, body []byte) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, href, r)
	if err != nil {
		return nil, fmt.Errorf("caldav: %s: %w", redact(href), err)
	}
	return req, nil
}

func readAll(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxObject+1))
	if err == nil && len(data) > maxObject {
		err = fmt.Errorf("answer larger than %d MiB", maxObject>>20)
	}
	return data, err
}

// redact hides a password in a URL for messages.
func redact(href string) string {
	u, err := url.Parse(href)
	if err != nil {
		return href
	}
	return u.Redacted()
}

// resolveHref turns an href of a multi-status answer into an absolute URL.
func resolveHref(base *url.URL, href string) (string, error) {
	ref, err := url.Parse(href)
	if err != nil {
		return "", fmt.Errorf("caldav: %s: bad href %q in the answer: %w", base.Redacted(), href, err)
	}
	return base.ResolveReference(ref).String(), nil
}
