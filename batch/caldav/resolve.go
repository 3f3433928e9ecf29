package caldav

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/emersion/go-webdav/caldav"
)

// Resolve returns the calendar collection to read for u: u itself when it
// is a calendar collection; otherwise u is taken as a server root (or any
// resource on it) and the current user's principal, its calendar home set
// and the first calendar there holding events (by path) are looked up
// (RFC 4791 6.2.1, RFC 5397). The answer is an absolute URL keeping u's
// user name, so that later requests pick the same credentials.
func (c *Client) Resolve(ctx context.Context, u string) (string, error) {
	base, err := url.Parse(u)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return "", fmt.Errorf("caldav: %q is not an http(s) URL of a calendar or a CalDAV server", u)
	}
	if _, ok := base.User.Password(); ok {
		return "", fmt.Errorf("caldav: %s: the URL holds a password; put it in the netrc file or MMS_CALDAV_PASSWORD instead", base.Redacted())
	}
	fs, err := c.propfind(ctx, u, "0", `<D:resourcetype/><D:current-user-principal/>`)
	if err != nil {
		return "", err
	}
	if len(fs) == 0 {
		return "", fmt.Errorf("caldav: %s: the server said nothing about the URL (PROPFIND)", base.Redacted())
	}
	if fs[0].isCalendar {
		return u, nil
	}
	if fs[0].principal == "" {
		return "", fmt.Errorf("caldav: %s: neither a calendar collection nor a CalDAV server that names the current user's principal", base.Redacted())
	}
	principal, err := url.Parse(fs[0].principal)
	if err != nil {
		return "", fmt.Errorf("caldav: %s: bad current-user-principal %q: %w", base.Redacted(), fs[0].principal, err)
	}
	return c.discover(ctx, base, base.ResolveReference(principal).Path)
}

// discover walks principal -> calendar-home-set -> calendars with go-webdav.
func (c *Client) discover(ctx context.Context, base *url.URL, principal string) (string, error) {
	dav, err := caldav.NewClient(c.http, base.String())
	if err != nil {
		return "", fmt.Errorf("caldav: %s: %w", base.Redacted(), err)
	}
	home, err := dav.FindCalendarHomeSet(ctx, principal)
	if err != nil {
		return "", fmt.Errorf("caldav: %s: finding the calendar home of %s: %w", base.Redacted(), principal, err)
	}
	cals, err := dav.FindCalendars(ctx, home)
	if err != nil {
		return "", fmt.Errorf("caldav: %s: listing the calendars in %s: %w", base.Redacted(), home, err)
	}
	sort.Slice(cals, func(i, j int) bool { return cals[i].Path < cals[j].Path })
	for _, cal := range cals {
		if len(cal.SupportedComponentSet) == 0 || slices.ContainsFunc(cal.SupportedComponentSet, isEvent) {
			return base.ResolveReference(&url.URL{Path: cal.Path}).String(), nil
		}
	}
	return "", fmt.Errorf("caldav: %s: no calendar for events in %s (found %d calendars)", base.Redacted(), home, len(cals))
}

func isEvent(comp string) bool { return strings.EqualFold(comp, "VEVENT") }
