package caldav

import (
	"cmp"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// ReadBackItem is one object written with Put, to be read back by
// ReadBackAll.
type ReadBackItem struct {
	Href     string // absolute URL inside the collection (see Inside)
	ETag     string // the entity tag Put returned
	Original []byte // the bytes read before the write: put back when the write was not kept
	// Check gets the stored bytes, as for ReadBack.
	Check func(stored []byte) error
}

// Bounds of one calendar-multiget of ReadBackAll: the objects asked for,
// the bytes written that they may add up to, and how far the answer may
// outgrow them. A larger batch is asked for in several requests.
const (
	multigetObjects = 200
	multigetWritten = 8 << 20
	multigetSlack   = 1 << 20
)

// ReadBackAll checks writes that Put reported done, as ReadBack does for
// one, reading the objects of one collection back together: one
// calendar-multiget REPORT (RFC 4791, 7.9) for up to 200 objects. It
// returns, by item, the entity tag now stored (the answer's getetag, else
// the one Put returned, else one asked for), and nil or the item's error:
// one matching ErrReadBack when the server returns something that does
// not parse or that Check refuses, the original then put back with
// If-Match as ReadBack does.
//
// An object the answer leaves out, answers twice or with another status
// than 200, is read back alone with a GET (ReadBack); so is every object
// of a multiget that fails as a whole (not supported, 403, 405, 501, a
// server error, an answer that cannot be read or is larger than
// 1 MiB plus 8 times what was written, more responses than twice the
// objects asked for plus 64). Only responses naming a requested object,
// matched by their decoded path, are taken; no other href is ever
// requested. An item whose Href is not inside collection is an error
// matching ErrOutside and is never requested.
//
// The error return is about the server rather than an object (refused
// credentials, a busy or unreachable server, ctx done): the objects not
// checked yet are then left as they are, as ReadBack leaves one whose GET
// fails.
func (c *Client) ReadBackAll(ctx context.Context, collection string, items []ReadBackItem) ([]string, []error, error) {
	ctx = confined(ctx, collection)
	etags, errs := make([]string, len(items)), make([]error, len(items))
	items = slices.Clone(items) // their Hrefs made absolute
	var batch []int
	written := 0
	flush := func() error {
		err := c.readBackBatch(ctx, collection, items, batch, etags, errs)
		batch, written = batch[:0], 0
		return err
	}
	for i, it := range items {
		href, err := Inside(collection, it.Href)
		if err != nil {
			errs[i] = err
			continue
		}
		items[i].Href = href
		if len(batch) > 0 && (len(batch) == multigetObjects || written+len(it.Original) > multigetWritten) {
			if err := flush(); err != nil {
				return etags, errs, err
			}
		}
		batch = append(batch, i)
		written += len(it.Original)
	}
	if len(batch) > 0 {
		if err := flush(); err != nil {
			return etags, errs, err
		}
	}
	return etags, errs, nil
}

// readBackBatch reads back items[at...] with one multiget, and those it
// does not answer for one by one.
func (c *Client) readBackBatch(ctx context.Context, collection string, items []ReadBackItem, at []int, etags []string, errs []error) error {
	hrefs := make([]string, len(at))
	limit := int64(multigetSlack)
	for k, i := range at {
		hrefs[k] = items[i].Href
		limit += 8 * int64(len(items[i].Original))
	}
	answers, _, err := c.multiget(ctx, collection, hrefs, min(limit, maxObject))
	if err != nil && ctx.Err() != nil {
		return err
	}
	for k, i := range at {
		it := items[i]
		var a multigetAnswer
		if err == nil {
			a = answers[k]
		}
		var tag string
		var err error
		if a.ok {
			tag, err = c.kept(ctx, it, a)
		} else {
			tag, err = c.ReadBack(ctx, it.Href, it.ETag, it.Original, it.Check)
		}
		if err != nil && aboutServer(ctx, err) {
			return err
		}
		etags[i], errs[i] = tag, err
	}
	return nil
}

// kept judges an object from its multiget answer (see judge) and returns
// its entity tag: the answer's, else the one Put returned, else asked for.
func (c *Client) kept(ctx context.Context, it ReadBackItem, a multigetAnswer) (string, error) {
	if err := c.judge(ctx, it.Href, it.ETag, a.etag, a.data, it.Original, it.Check); err != nil {
		return "", err
	}
	if tag := cmp.Or(a.etag, it.ETag); tag != "" {
		return tag, nil
	}
	return c.etag(ctx, it.Href)
}

// aboutServer: an error that says nothing of one object but of the
// server (refused credentials, busy, unreachable) or the caller (ctx).
func aboutServer(ctx context.Context, err error) bool {
	return errors.Is(err, ErrAuth) || errors.Is(err, ErrTrickle) || Temporary(err) || ctx.Err() != nil
}

// multigetAnswer is what a calendar-multiget says of one object: ok when
// it answered 200 with its data, exactly once.
type multigetAnswer struct {
	ok   bool
	etag string // quoted; "" when not given
	data []byte
}

// multiget asks collection for the data and entity tags of hrefs
// (absolute URLs inside it) in one calendar-multiget REPORT and returns
// the answer for each href, in order, and an ObjectError for each
// response naming an href outside collection (never requested). An
// answer larger than limit bytes, or with more responses than
// 2*len(hrefs)+64, is an error.
func (c *Client) multiget(ctx context.Context, collection string, hrefs []string, limit int64) ([]multigetAnswer, []ObjectError, error) {
	index := make(map[string]int, len(hrefs))
	var body strings.Builder
	body.WriteString(xmlHeader + `<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">` +
		`<D:prop><D:getetag/><C:calendar-data/></D:prop>`)
	for k, h := range hrefs {
		u, err := url.Parse(h)
		if err != nil {
			return nil, nil, fmt.Errorf("caldav: %s: %w", redact(h), err)
		}
		index[u.Path] = k
		body.WriteString(`<D:href>`)
		xml.EscapeText(&body, []byte(u.EscapedPath()))
		body.WriteString(`</D:href>`)
	}
	body.WriteString(`</C:calendar-multiget>`)
	req, err := newRequest(ctx, "REPORT", collection, []byte(body.String()))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", `application/xml; charset="utf-8"`)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	fail := func(err error) error {
		return fmt.Errorf("caldav: calendar-multiget REPORT %s: %w", redact(collection), err)
	}
	if resp.StatusCode != http.StatusMultiStatus {
		return nil, nil, fail(fmt.Errorf("expected 207 Multi-Status, got %s", resp.Status))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, nil, fail(err)
	}
	if int64(len(data)) > limit {
		return nil, nil, fail(fmt.Errorf("answer larger than %d bytes for %d objects", limit, len(hrefs)))
	}
	out := make([]multigetAnswer, len(hrefs))
	seen := make([]int, len(hrefs))
	var stray []ObjectError
	n, most := 0, 2*len(hrefs)+64
	err = eachResponse(data, func(r response) error {
		if n++; n > most {
			return fmt.Errorf("more than %d responses for %d objects", most, len(hrefs))
		}
		f, ok := foundOf(r)
		if !ok {
			return nil
		}
		href, err := Inside(collection, f.href)
		if err != nil {
			stray = append(stray, ObjectError{Href: redact(f.href), Err: err})
			return nil // not one asked for; never requested
		}
		u, err := url.Parse(href)
		if err != nil {
			return nil
		}
		k, ok := index[u.Path]
		if !ok {
			return nil
		}
		seen[k]++
		if f.data != nil {
			out[k] = multigetAnswer{ok: true, data: []byte(*f.data)}
			if f.etag != nil {
				out[k].etag = quoteETag(*f.etag)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fail(err)
	}
	for k := range out {
		if seen[k] != 1 {
			out[k] = multigetAnswer{} // left out or answered twice: read alone
		}
	}
	return out, stray, nil
}
