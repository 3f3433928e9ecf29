package caldav

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// schedulers remembers, per server (scheme, host and port), whether it
// schedules by itself.
type schedulers struct {
	mu     sync.Mutex
	seen   map[string]bool
	partly map[string]bool // see SchedulesPartly
}

// AutoSchedules reports whether the server of a collection delivers
// scheduling messages itself (RFC 6638 section 2: "calendar-auto-schedule"
// in the DAV header of its OPTIONS answer). It is asked once per server.
// An attendee's SCHEDULE-STATUS says a server delivered to them once; only
// a server that says it schedules will deliver an update too. A server that
// cannot be asked (unreachable, busy, credentials refused) is an error, so
// that no meeting is handled on a guess; one that refuses the method
// (404, 405, 501) does not say it schedules.
func (c *Client) AutoSchedules(ctx context.Context, collection string) (bool, error) {
	u, err := url.Parse(collection)
	if err != nil {
		return false, fmt.Errorf("caldav: calendar URL %q: %w", redact(collection), err)
	}
	key := u.Scheme + "://" + u.Host
	c.schedulers.mu.Lock()
	auto, ok := c.schedulers.seen[key]
	c.schedulers.mu.Unlock()
	if ok {
		return auto, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodOptions, u.String(), nil)
	if err != nil {
		return false, err
	}
	resp, err := c.http.Do(req)
	var status *StatusError
	switch {
	case errors.As(err, &status) && refusesOptions(status.Code):
		auto = false // a server (or proxy) that will not answer OPTIONS says nothing of scheduling
	case err != nil:
		return false, err
	default:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		auto = davClass(resp.Header, "calendar-auto-schedule")
		if auto && resp.Header.Get("X-DAViCal-Version") != "" {
			c.schedulers.mu.Lock()
			if c.schedulers.partly == nil {
				c.schedulers.partly = map[string]bool{}
			}
			c.schedulers.partly[key] = true
			c.schedulers.mu.Unlock()
		}
	}
	c.schedulers.mu.Lock()
	c.schedulers.seen[key] = auto
	c.schedulers.mu.Unlock()
	return auto, nil
}

// SchedulesPartly reports whether the server of a collection, asked by
// AutoSchedules, is one whose scheduling carries only part of an update
// to the attendees it delivers to: DAViCal copies a fixed list of
// properties (SUMMARY, DESCRIPTION, times, ...) into an attendee's copy and
// inbox, not X-ALT-DESC, so its users would keep the old block in the HTML
// body. It delivers nothing to an attendee marked SCHEDULE-AGENT=CLIENT,
// and sends no cancellation for one so marked (caldav-PUT-functions.php).
func (c *Client) SchedulesPartly(collection string) bool {
	u, err := url.Parse(collection)
	if err != nil {
		return false
	}
	c.schedulers.mu.Lock()
	defer c.schedulers.mu.Unlock()
	return c.schedulers.partly[u.Scheme+"://"+u.Host]
}

// refusesOptions: answers of a server that does not do OPTIONS on a
// collection, rather than one that failed.
func refusesOptions(code int) bool {
	return code == http.StatusNotFound || code == http.StatusMethodNotAllowed || code == http.StatusNotImplemented
}

// davClass reports whether the DAV headers of an answer name a class
// (RFC 4918 10.1: a comma-separated list, possibly over several headers).
func davClass(h http.Header, class string) bool {
	for _, v := range h.Values("DAV") {
		for _, c := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(c), class) {
				return true
			}
		}
	}
	return false
}
