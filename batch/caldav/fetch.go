package caldav

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"github.com/mms-project/mms/ics/recur"
	"github.com/mms-project/mms/ics/tz"
)

// Fetch returns the events of a calendar collection that have an
// occurrence at or after from (a series that began earlier but recurs
// into the range comes back whole); from zero returns every event. A
// calendar read whole (below) gives its other events too, marked Past.
// Objects come sorted by Href with the server's bytes.
//
// A small calendar (at most 1,000 objects of 32 MiB in all, by a PROPFIND
// depth 1) is read whole with calendar-multiget and the objects are
// sorted out here (see fetchListed): no time-range query, whose cost and
// reading of recurrence rules vary by server. Otherwise, or when the
// listing or the multiget fails, Fetch asks a time-range calendar-query
// (RFC 4791 7.8).
//
// A server whose time-range query was seen to leave out a series that
// recurs (Xandikos 0.2.8), or not yet seen to list one, is also asked for
// the recurring events (see withSeries). The first time a series is at
// hand (in the time-range answer, else in the recurring events'), the
// server is probed once (see probeExpansion); one that lists it, and
// whose two answers then agree on a calendar with series, is asked the
// one query from then on.
//
// When the multi-object answer cannot be decoded, or the server fails on
// it (500), Fetch lists the matching hrefs without their data (failing
// that, every object of the collection, PROPFIND depth 1) and GETs each
// one. Either way an object that cannot be read, or is not iCalendar at
// all, becomes an ObjectError naming its URL and the rest proceed. The
// error return is for the collection as a whole (auth, busy or
// unreachable server, not a calendar).
func (c *Client) Fetch(ctx context.Context, collection string, from time.Time) ([]Object, []ObjectError, error) {
	base, err := url.Parse(collection)
	if err != nil {
		return nil, nil, fmt.Errorf("caldav: calendar URL %q: %w", collection, err)
	}
	ctx = confined(ctx, collection)
	if !from.IsZero() && !c.timeRangeOnly {
		objs, bad, ok, err := c.fetchListed(ctx, base, from)
		if ok || err != nil {
			return objs, bad, err
		}
	}
	listed, err := c.list(ctx, collection, from)
	if err != nil {
		return nil, nil, err
	}
	if !from.IsZero() && c.expansion.get(base) == expandUnknown {
		c.probeExpansion(ctx, base, listedSeries(listed), from)
	}
	extra := map[string]bool{}
	askedSeries := !from.IsZero() && !c.expansion.trusted(base)
	hadSeries, missed := false, false
	if askedSeries {
		listed, extra, err = c.withSeries(ctx, collection, listed)
		if err != nil {
			return nil, nil, err
		}
		hadSeries = len(extra) > 0 || slices.ContainsFunc(listed, isSeries)
	}
	var (
		objs []Object
		bad  []ObjectError
	)
	for _, f := range listed {
		href, err := resolveHref(base, f.href)
		if err == nil && sameCollection(base, href) {
			continue
		}
		if href, err = Inside(collection, f.href); err != nil {
			bad = append(bad, ObjectError{Href: redact(f.href), Err: err}) // never requested
			continue
		}
		obj, err := c.object(ctx, href, f)
		if err != nil && (errors.Is(err, ErrAuth) || errors.Is(err, ErrTrickle) || Temporary(err) || ctx.Err() != nil) {
			return nil, nil, err // about the server, not this object
		}
		if err != nil {
			bad = append(bad, asObjectError(href, err))
			continue
		}
		if extra[f.href] {
			if !recursFrom(obj.Data, from) {
				continue // a series the server rightly left out: it ended
			}
			missed = true // one it should have listed
		}
		objs = append(objs, obj)
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].Href < objs[j].Href })
	if askedSeries {
		c.expansion.compared(base, hadSeries, missed)
		if c.expansion.get(base) == expandUnknown {
			c.probeExpansion(ctx, base, objs, from)
		}
	}
	return objs, bad, nil
}

// list finds the objects to read: a calendar-query with their data;
// when one bad object spoils that answer (it cannot be decoded, or the
// server fails on it), the same query without data; failing that, every
// object of the collection (PROPFIND). Objects listed without data are
// read one by one.
func (c *Client) list(ctx context.Context, collection string, from time.Time) ([]found, error) {
	fs, err := c.report(ctx, collection, from, true)
	if !spoiled(err) {
		return fs, err
	}
	if fs, err = c.report(ctx, collection, from, false); !spoiled(err) {
		return fs, err
	}
	fs, _, err = c.propfind(ctx, collection, "1", `<D:resourcetype/><D:getetag/>`)
	var objs []found
	for _, f := range fs {
		if !f.isCollection {
			objs = append(objs, f)
		}
	}
	return objs, err
}

// withSeries adds the recurring events that the time-range query left
// out: some servers (Xandikos 0.2.8) test only a series' first instance
// against the range, and a series that began in the past but recurs
// would be missed. A second query asks for every event with an RRULE;
// those not listed yet come back marked extra, for Fetch to keep only
// when they recur at or after from by our own reckoning. A server that
// cannot answer that query leaves the first answer as it was.
func (c *Client) withSeries(ctx context.Context, collection string, listed []found) ([]found, map[string]bool, error) {
	filter := `<C:comp-filter name="VEVENT"><C:prop-filter name="RRULE"/></C:comp-filter>`
	series, err := c.query(ctx, collection, filter, true)
	if spoiled(err) { // one bad object: the hrefs alone, each read on its own
		series, err = c.query(ctx, collection, filter, false)
	}
	if err != nil {
		if errors.Is(err, ErrAuth) || errors.Is(err, ErrTrickle) || Temporary(err) || ctx.Err() != nil {
			return nil, nil, err
		}
		return listed, nil, nil
	}
	have := map[string]bool{}
	for _, f := range listed {
		have[f.href] = true
	}
	extra := map[string]bool{}
	for _, f := range series {
		if !have[f.href] {
			have[f.href], extra[f.href] = true, true
			listed = append(listed, f)
		}
	}
	return listed, extra, nil
}

// decodeObject decodes a server's calendar object with go-ical, whose
// decoder panics on some malformed lines: a panic is an error.
func decodeObject(data []byte) (cal *ical.Calendar, err error) {
	defer func() {
		if p := recover(); p != nil {
			cal, err = nil, fmt.Errorf("undecodable calendar object: %v", p)
		}
	}()
	return ical.NewDecoder(bytes.NewReader(data)).Decode()
}

// recursFrom reports whether a calendar object has an occurrence at or
// after from; an object we cannot judge counts as recurring, for the
// caller to decide with its own rules.
func recursFrom(data []byte, from time.Time) bool {
	cal, err := decodeObject(data)
	if err != nil {
		return true
	}
	var zones []*ical.Component
	byUID := map[string]*recur.Series{}
	for _, comp := range cal.Children {
		switch comp.Name {
		case ical.CompTimezone:
			zones = append(zones, comp)
		case ical.CompEvent:
			uid := comp.Props.Get(ical.PropUID)
			key := ""
			if uid != nil {
				key = uid.Value
			}
			s := byUID[key]
			if s == nil {
				s = &recur.Series{}
				byUID[key] = s
			}
			if comp.Props.Get(ical.PropRecurrenceID) != nil {
				s.Overrides = append(s.Overrides, comp)
			} else {
				s.Master = comp
			}
		}
	}
	r := tz.NewResolver(zones)
	for _, s := range byUID {
		if _, ok, err := s.NextAtOrAfter(from, r, time.UTC); ok || err != nil {
			return true
		}
	}
	return false
}

// floatingMargin widens the time from which objects are fetched: an
// event's floating time (no zone) is read by the server and by the listing
// here as UTC, but by mms in its calendar's zone (X-WR-TIMEZONE), which
// may be up to 12 hours behind UTC; a meeting fetched that is past after
// all is decided so by mms, as any is.
const floatingMargin = 14 * time.Hour

// spoiled: a multi-object answer that a single object may have broken.
func spoiled(err error) bool {
	var se *StatusError
	return !errors.Is(err, ErrTrickle) && (isDecodeError(err) || errors.As(err, &se) && se.Code == http.StatusInternalServerError)
}

// object takes one response's data when it is usable, else GETs the object.
func (c *Client) object(ctx context.Context, href string, f found) (Object, error) {
	if f.data != nil && f.etag != nil && !lfOnly(*f.data) {
		obj := Object{Href: href, ETag: quoteETag(*f.etag), Data: []byte(*f.data)}
		if check(obj) == nil {
			return obj, nil
		}
	}
	return c.Get(ctx, href)
}

// lfOnly: calendar data with bare line feeds and no carriage return at
// all. SOGo sends REPORT data so while GET gives CRLF; the GET has the
// object's real bytes, so the object is read again.
func lfOnly(data string) bool {
	return strings.Contains(data, "\n") && !strings.Contains(data, "\r")
}

func asObjectError(href string, err error) ObjectError {
	if oe, ok := err.(ObjectError); ok {
		return oe
	}
	return ObjectError{Href: redact(href), Err: err}
}

func sameCollection(base *url.URL, href string) bool {
	u, err := url.Parse(href)
	return err == nil && strings.TrimSuffix(u.Path, "/") == strings.TrimSuffix(base.Path, "/")
}

// decodeError marks a multi-status answer that arrived but could not be read.
type decodeError struct{ err error }

func (e decodeError) Error() string { return e.err.Error() }
func (e decodeError) Unwrap() error { return e.err }

func isDecodeError(err error) bool {
	_, ok := err.(decodeError)
	return ok
}

// report runs a calendar-query for VEVENTs from `from` on, with or
// without the objects' data.
func (c *Client) report(ctx context.Context, collection string, from time.Time, withData bool) ([]found, error) {
	filter := `<C:comp-filter name="VEVENT"/>`
	if !from.IsZero() {
		start := from.Add(-floatingMargin).UTC().Format("20060102T150405Z") // a floating time is the server's UTC
		filter = `<C:comp-filter name="VEVENT"><C:time-range start="` + start + `"/></C:comp-filter>`
	}
	return c.query(ctx, collection, filter, withData)
}

// query runs a calendar-query whose VCALENDAR comp-filter holds filter.
func (c *Client) query(ctx context.Context, collection, filter string, withData bool) ([]found, error) {
	prop := `<D:getetag/>`
	if withData {
		prop += `<C:calendar-data/>`
	}
	body := xmlHeader + `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">` +
		`<D:prop>` + prop + `</D:prop>` +
		`<C:filter><C:comp-filter name="VCALENDAR">` + filter + `</C:comp-filter></C:filter>` +
		`</C:calendar-query>`
	fs, _, err := c.multistatus(ctx, "REPORT", collection, "1", body)
	return fs, err
}

// propfind asks for props (XML elements in the D: and C: namespaces) and
// says where the answer came from after redirects.
func (c *Client) propfind(ctx context.Context, href, depth, props string) ([]found, *url.URL, error) {
	body := xmlHeader + `<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>` +
		props + `</D:prop></D:propfind>`
	return c.multistatus(ctx, "PROPFIND", href, depth, body)
}

const xmlHeader = `<?xml version="1.0" encoding="utf-8"?>` + "\n"

// multistatus sends a WebDAV request expecting a 207 answer; it returns
// the URL that answered (after redirects).
func (c *Client) multistatus(ctx context.Context, method, href, depth, body string) ([]found, *url.URL, error) {
	req, err := newRequest(ctx, method, href, []byte(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", `application/xml; charset="utf-8"`)
	req.Header.Set("Depth", depth)
	data, at, err := c.send(req, maxObject)
	if err != nil {
		return nil, nil, err
	}
	fs, err := decodeMultistatus(data)
	if err != nil {
		return nil, nil, decodeError{fmt.Errorf("caldav: %s %s: %w", method, redact(href), err)}
	}
	return fs, at, nil
}

// send does a WebDAV request expecting a 207 answer of at most limit
// bytes and returns its body and the URL that answered (after redirects).
func (c *Client) send(req *http.Request, limit int64) ([]byte, *url.URL, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusMultiStatus {
		return nil, nil, fmt.Errorf("caldav: %s %s: expected 207 Multi-Status, got %s", req.Method, req.URL.Redacted(), resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = fmt.Errorf("%w: more than %d bytes", errTooLarge, limit)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("caldav: %s %s: %w", req.Method, req.URL.Redacted(), err)
	}
	return data, resp.Request.URL, nil
}

// errTooLarge: an answer larger than its bound.
var errTooLarge = errors.New("answer too large")
