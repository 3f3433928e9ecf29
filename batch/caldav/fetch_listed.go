package caldav

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"time"

	"github.com/emersion/go-ical"

	"github.com/mms-project/mms/ics/tz"
)

// Bounds of a calendar that Fetch reads whole (PROPFIND, then
// calendar-multiget) and sorts out itself instead of asking the server for
// a time range: at most listedObjects objects, adding up to at most
// listedBytes by their getcontentlength where the server gives it. The
// PROPFIND answer itself may take listedAnswerBytes per object; a larger
// one is a large calendar.
const (
	listedObjects     = 1000
	listedBytes       = 32 << 20
	listedAnswerBytes = 4 << 10
)

// fetchListed reads a small calendar whole and marks the objects that
// have no occurrence at or after from Past (see keepFrom), deciding
// itself, so that the server's reading of a time range, and of recurrence
// rules, does not matter; the past ones come too, for the report. Radicale answers a calendar-multiget of 50 objects
// in a twentieth of the time of a time-range query on them.
//
// ok is false when the calendar is not read so: the listing (PROPFIND
// depth 1) fails or is large (see listedObjects), or a multiget fails as
// a whole (refused, an answer that cannot be read or is too large); Fetch
// then asks for the time range. An object the multiget leaves out, or
// answers for with another status than 200, is read with a GET; an href
// of the listing outside the collection is never requested and becomes
// an ObjectError, as is one the multiget's answer names. The error return is about the server (ErrAuth, busy,
// ctx done), as for Fetch.
func (c *Client) fetchListed(ctx context.Context, base *url.URL, from time.Time) (objs []Object, bad []ObjectError, ok bool, err error) {
	collection := base.String()
	hrefs, bad, ok, err := c.listSmall(ctx, base)
	if !ok || err != nil {
		return nil, nil, false, err
	}
	// The answers' data kept, in all, stays within what the time-range
	// query's one answer may hold (maxObject), whatever sizes the listing
	// gave or left out: past that, the time-range query.
	budget := c.wholeBudget
	if budget == 0 {
		budget = maxObject
	}
	for start := 0; start < len(hrefs); start += multigetObjects {
		chunk := hrefs[start:min(start+multigetObjects, len(hrefs))]
		limit := int64(multigetSlack)
		for _, h := range chunk {
			if h.size < 0 {
				limit = maxObject
				break
			}
			limit += 8 * h.size
		}
		if limit = min(limit, budget); limit <= 0 {
			return nil, nil, false, nil
		}
		abs := make([]string, len(chunk))
		for k, h := range chunk {
			abs[k] = h.href
		}
		answers, stray, err := c.multiget(ctx, collection, abs, limit)
		if err != nil {
			if ctx.Err() != nil || serverDown(err) {
				return nil, nil, false, err
			}
			return nil, nil, false, nil // refused or unreadable: the time-range query
		}
		for _, e := range stray { // named in the answer, outside: never requested
			if !slices.ContainsFunc(bad, func(b ObjectError) bool { return b.Href == e.Href }) {
				bad = append(bad, e)
			}
		}
		for _, a := range answers {
			budget -= int64(len(a.data))
		}
		for k, a := range answers {
			href := abs[k]
			if a.ok && !keepFrom(a.data, from) {
				// Past: only reported, never written, so taken as the
				// multiget gave it, without the GET a write would need
				// (LF endings, no ETag).
				objs = append(objs, Object{Href: href, ETag: a.etag, Data: bytes.Clone(a.data), Past: true})
				continue
			}
			f := found{href: href, size: -1}
			if a.ok {
				data := string(a.data)
				f.data = &data
				if a.etag != "" {
					f.etag = &a.etag
				}
			}
			obj, err := c.object(ctx, href, f)
			if err != nil && aboutServer(ctx, err) {
				return nil, nil, false, err
			}
			if err != nil {
				bad = append(bad, asObjectError(href, err))
				continue
			}
			obj.Past = !keepFrom(obj.Data, from)
			objs = append(objs, obj)
		}
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].Href < objs[j].Href })
	return objs, bad, true, nil
}

// listedHref is an object of a listing: its absolute URL inside the
// collection and its getcontentlength (-1 when not given).
type listedHref struct {
	href string
	size int64
}

// listSmall lists the objects of collection base with PROPFIND depth 1
// when they are few and small enough to be read whole (see
// listedObjects); ok is false otherwise, or when the listing fails. Hrefs
// outside the collection come back as ObjectErrors, never requested.
func (c *Client) listSmall(ctx context.Context, base *url.URL) ([]listedHref, []ObjectError, bool, error) {
	collection := base.String()
	body := xmlHeader + `<D:propfind xmlns:D="DAV:"><D:prop>` +
		`<D:resourcetype/><D:getetag/><D:getcontentlength/></D:prop></D:propfind>`
	req, err := newRequest(ctx, "PROPFIND", collection, []byte(body))
	if err != nil {
		return nil, nil, false, err
	}
	req.Header.Set("Content-Type", `application/xml; charset="utf-8"`)
	req.Header.Set("Depth", "1")
	data, _, err := c.send(req, (listedObjects+1)*listedAnswerBytes)
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, ErrAuth) || serverDown(err) {
			return nil, nil, false, err
		}
		return nil, nil, false, nil
	}
	var (
		hrefs []listedHref
		bad   []ObjectError
		total int64
		seen  = map[string]bool{}
		large = errors.New("large calendar")
	)
	n := 0
	err = eachResponse(data, func(r response) error {
		f, ok := foundOf(r)
		if !ok || f.isCollection {
			return nil
		}
		if abs, err := resolveHref(base, f.href); err == nil && sameCollection(base, abs) {
			return nil // the collection itself
		}
		if n++; n > listedObjects {
			return large
		}
		href, err := Inside(collection, f.href)
		if err != nil {
			bad = append(bad, ObjectError{Href: redact(f.href), Err: err}) // never requested
			return nil
		}
		if seen[href] {
			return nil
		}
		seen[href] = true
		if f.size > 0 {
			if total += f.size; total > listedBytes {
				return large
			}
		}
		hrefs = append(hrefs, listedHref{href: href, size: f.size})
		return nil
	})
	if err != nil {
		return nil, nil, false, nil // large, or an answer we cannot read: the time-range query
	}
	return hrefs, bad, true, nil
}

// serverDown: a busy or unreachable server, which the time-range query
// would find so too; a 500 may be about one request and is not.
func serverDown(err error) bool {
	var se *StatusError
	if errors.As(err, &se) && se.Code == http.StatusInternalServerError {
		return false
	}
	return Temporary(err) || errors.Is(err, ErrTrickle) // asking otherwise would trickle again
}

// keepFrom reports whether a calendar object is one a time-range query
// from `from` on (RFC 4791 9.9) would list: an event, or an occurrence of
// a series, that starts at or after from or is still going on then. It
// errs on the side of keeping: an occurrence counts as going on for as
// long as the object's longest event (a day for one without an end), and
// an object that cannot be read, or whose events cannot be, is kept, for
// the caller to read and report on as it does for any object.
func keepFrom(data []byte, from time.Time) bool {
	cal, err := decodeObject(data)
	if err != nil {
		return true
	}
	var zones []*ical.Component
	for _, comp := range cal.Children {
		if comp.Name == ical.CompTimezone {
			zones = append(zones, comp)
		}
	}
	r := tz.NewResolver(zones)
	var longest time.Duration
	for _, comp := range cal.Children {
		if comp.Name != ical.CompEvent {
			continue
		}
		start, end, ok := span(comp, r)
		if !ok {
			return true
		}
		longest = max(longest, end.Sub(start))
	}
	return recursFrom(data, from.Add(-longest-floatingMargin))
}
