package caldav

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/emersion/go-webdav/caldav"
)

// Resolve returns the calendar collection to read for u: u itself when it
// is a calendar collection; the first calendar holding events (by path)
// in the calendar home of u when u is a principal (/bob/); and for a
// server root or a calendar home (any other collection), that of the
// current user's principal: the account mms signs in as (RFC 4791 6.2.1,
// RFC 5397). An object is refused: reading the signed-in account's
// calendar instead would touch what the users file does not name. A bare host whose root says nothing of a principal is tried again
// at /.well-known/caldav (RFC 6764). Redirects are followed with the
// method kept, on the same server; one of a URL that is not a server's root
// or its /.well-known/caldav only to that URL or below it (a calendar named in the users file is not
// moved elsewhere by its server). The answer is an absolute URL keeping u's user name, so
// that later requests pick the same credentials.
func (c *Client) Resolve(ctx context.Context, u string) (string, error) {
	base, err := url.Parse(u)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return "", fmt.Errorf("caldav: %q is not an http(s) URL of a calendar or a CalDAV server", u)
	}
	if _, ok := base.User.Password(); ok {
		return "", fmt.Errorf("caldav: %s: the URL holds a password; put it in the netrc file or MMS_CALDAV_PASSWORD instead", base.Redacted())
	}
	named := ctx
	if !bareHost(base) && !isWellKnown(base) { // a redirect of the URL named keeps to it and what is below it
		named = confined(ctx, base.String())
	}
	id, err := c.identify(named, base)
	if bareHost(base) && (err == nil && id.coll == "" && id.itself == nil && id.principal == nil || wellKnownMay(err)) {
		id, err = c.identify(ctx, base.ResolveReference(&url.URL{Path: "/.well-known/caldav"}))
	}
	switch {
	case err != nil:
		return "", err
	case id.coll != "":
		return id.coll, nil
	case id.itself != nil:
		return c.discover(ctx, id.itself)
	case !id.collection && !bareHost(base):
		return "", fmt.Errorf("caldav: %s: an object, not a calendar collection; give the URL of the user's calendar collection", base.Redacted())
	case id.principal == nil:
		return "", fmt.Errorf("caldav: %s: neither a calendar collection nor a CalDAV server that names the current user's principal", base.Redacted())
	}
	return c.discover(ctx, id.principal)
}

// identity is what a URL is to Resolve.
type identity struct {
	coll       string   // a calendar collection, the URL as answered
	itself     *url.URL // a principal: the URL as answered
	collection bool     // a collection of any kind (a server's root, a calendar home)
	principal  *url.URL // the current user's principal it names, absolute
}

// identify asks what u is.
func (c *Client) identify(ctx context.Context, u *url.URL) (identity, error) {
	fs, at, err := c.propfind(ctx, u.String(), "0", `<D:resourcetype/><D:current-user-principal/><C:calendar-home-set/>`)
	if err != nil || len(fs) == 0 {
		return identity{}, err
	}
	switch {
	case fs[0].isCalendar:
		return identity{coll: at.String()}, nil
	case fs[0].isPrincipal:
		return identity{itself: at}, nil
	case fs[0].principal == "":
		return identity{collection: fs[0].isCollection}, nil
	}
	p, err := url.Parse(fs[0].principal)
	if err != nil {
		return identity{}, fmt.Errorf("caldav: %s: bad current-user-principal %q: %w", u.Redacted(), fs[0].principal, err)
	}
	pu := at.ResolveReference(p)
	if !sameOrigin(at, pu) {
		return identity{}, fmt.Errorf("%w: %s names its principal on %s; use a URL on that server in the users file", ErrRedirect, at.Redacted(), origin(pu))
	}
	return identity{collection: fs[0].isCollection, principal: pu}, nil
}

func bareHost(u *url.URL) bool { return u.Path == "" || u.Path == "/" }

// isWellKnown: RFC 6764's /.well-known/caldav, which redirects to wherever
// the server keeps its CalDAV root.
func isWellKnown(u *url.URL) bool { return strings.TrimSuffix(u.Path, "/") == "/.well-known/caldav" }

// wellKnownMay: answers after which /.well-known/caldav is worth a try.
func wellKnownMay(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && (se.Code == http.StatusNotFound || se.Code == http.StatusMethodNotAllowed || se.Code == http.StatusNotImplemented)
}

// discover walks principal -> calendar-home-set -> calendars, the
// calendars with go-webdav.
func (c *Client) discover(ctx context.Context, principal *url.URL) (string, error) {
	root := &url.URL{Scheme: principal.Scheme, User: principal.User, Host: principal.Host, Path: "/"}
	dav, err := caldav.NewClient(c.http, root.String())
	if err != nil {
		return "", fmt.Errorf("caldav: %s: %w", root.Redacted(), err)
	}
	home, err := c.homeSet(ctx, principal)
	if err != nil {
		return "", err
	}
	cals, err := dav.FindCalendars(ctx, home)
	if err != nil {
		return "", fmt.Errorf("caldav: %s: listing the calendars in %s: %w", principal.Redacted(), home, err)
	}
	sort.Slice(cals, func(i, j int) bool { return cals[i].Path < cals[j].Path })
	inbox, outbox := c.scheduleBoxes(ctx, principal)
	var outboxCal string
	for _, cal := range cals {
		if len(cal.SupportedComponentSet) > 0 && !slices.ContainsFunc(cal.SupportedComponentSet, isEvent) {
			continue
		}
		switch p := strings.TrimSuffix(cal.Path, "/"); {
		case p == inbox: // DAViCal lists its scheduling inbox (.in) as a calendar
		case p == outbox && outboxCal == "":
			// SOGo names the user's own calendar as its outbox: taken
			// when it is the only calendar for events
			outboxCal = cal.Path
		case p != outbox:
			return root.ResolveReference(&url.URL{Path: cal.Path}).String(), nil
		}
	}
	if outboxCal != "" {
		return root.ResolveReference(&url.URL{Path: outboxCal}).String(), nil
	}
	return "", fmt.Errorf("caldav: %s: no calendar for events in %s (found %d calendars)", principal.Redacted(), home, len(cals))
}

// homeSet asks a principal for its calendar home (RFC 4791 6.2.1) and
// returns its path. A home on another server (scheme, host or port) is
// refused with an error matching ErrRedirect that names both URLs: taking
// its path on the principal's server (as go-webdav does) would read and
// write a collection nobody named, and following it would send the
// credentials there.
func (c *Client) homeSet(ctx context.Context, principal *url.URL) (string, error) {
	fs, at, err := c.propfind(ctx, principal.String(), "0", `<C:calendar-home-set/>`)
	if err != nil {
		return "", fmt.Errorf("caldav: %s: finding the calendar home: %w", principal.Redacted(), err)
	}
	if len(fs) == 0 || fs[0].homeSet == "" {
		return "", fmt.Errorf("caldav: %s: finding the calendar home: the principal names none", principal.Redacted())
	}
	ref, err := url.Parse(fs[0].homeSet)
	if err != nil {
		return "", fmt.Errorf("caldav: %s: bad calendar-home-set %q: %w", principal.Redacted(), redact(fs[0].homeSet), err)
	}
	home := at.ResolveReference(ref)
	if !sameOrigin(at, home) {
		return "", fmt.Errorf("%w: the principal %s names its calendar home on another server, %s; use the URL of the calendar collection in the users file",
			ErrRedirect, at.Redacted(), home.Redacted())
	}
	return home.Path, nil
}

// scheduleBoxes lists the paths of a principal's scheduling inbox and
// outbox (RFC 6638), which some servers (DAViCal: .in and .out) list as
// calendars. Failing to ask leaves the list empty.
func (c *Client) scheduleBoxes(ctx context.Context, principal *url.URL) (inbox, outbox string) {
	fs, at, err := c.propfind(ctx, principal.String(), "0", `<C:schedule-inbox-URL/><C:schedule-outbox-URL/>`)
	if err != nil {
		return "", ""
	}
	path := func(box string) string {
		if u, err := url.Parse(box); err == nil && box != "" {
			return strings.TrimSuffix(at.ResolveReference(u).Path, "/")
		}
		return ""
	}
	for _, f := range fs {
		inbox, outbox = cmp.Or(inbox, path(f.inbox)), cmp.Or(outbox, path(f.outbox))
	}
	return inbox, outbox
}

func isEvent(comp string) bool { return strings.EqualFold(comp, "VEVENT") }
