package caldav

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// ErrOutside matches (errors.Is) an object whose URL is not inside the
// calendar collection it was listed in: another collection, a path that
// climbs out with "..", or another scheme, host or port. Such an object is
// never requested, and no credentials go to it.
var ErrOutside = errors.New("caldav: the object's URL is outside the calendar collection")

// ErrRedirect matches (errors.Is) a redirect that is never followed: to
// another server (scheme, host or port), since the credentials would go
// along; out of the calendar collection a request was about, since only
// objects inside it are read or written; and any redirect of a write (PUT),
// since the object would be written where it was not read.
var ErrRedirect = errors.New("caldav: redirect not followed")

type confineKey struct{}

// confined returns ctx whose requests follow no redirect that leaves
// collection (an absolute URL): only one to the collection itself or to
// something below it (see Inside).
func confined(ctx context.Context, collection string) context.Context {
	return context.WithValue(ctx, confineKey{}, collection)
}

// leaves reports whether a redirect to loc leaves the collection the
// request's context is confined to; false when it is confined to none
// (finding a calendar from a server's root or well-known URL).
func leaves(req *http.Request, loc *url.URL) (string, bool) {
	collection, ok := req.Context().Value(confineKey{}).(string)
	if !ok {
		return "", false
	}
	base, err := url.Parse(collection)
	if err != nil {
		return collection, true
	}
	if sameOrigin(base, loc) && strings.TrimSuffix(loc.Path, "/") == strings.TrimSuffix(base.Path, "/") && !escapedSlash(loc.RawPath) {
		return collection, false // the collection itself, with or without its slash, its escapes as the server spells them
	}
	_, err = Inside(collection, loc.String())
	return collection, err != nil
}

// ErrPlainHTTP matches (errors.Is) a request refused because it would send
// a password over plain http to a host that is not this machine.
var ErrPlainHTTP = errors.New("caldav: refusing to send the password over plain http")

// ErrSkipVerify matches (errors.Is) a request refused because it would
// send credentials to a host that is not this machine while certificates
// are not verified (Options.TLSSkipVerify).
var ErrSkipVerify = errors.New("caldav: certificate checks are off")

// Inside returns href (absolute, or relative to collection) as an
// absolute URL when it names a member of collection: the same scheme,
// host and port, and a path one segment under the collection's once
// percent-escapes are decoded. A path with "." or ".." segments, an escaped slash or a
// backslash, which servers may read differently, is refused. The result
// carries collection's user name, so that the same credentials are used.
// Otherwise the error matches ErrOutside and names both URLs.
func Inside(collection, href string) (string, error) {
	base, err := url.Parse(collection)
	if err != nil {
		return "", fmt.Errorf("caldav: calendar URL %q: %w", collection, err)
	}
	ref, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return "", fmt.Errorf("%w: %s: bad href %q: %v", ErrOutside, base.Redacted(), href, err)
	}
	outside := func(why string) error {
		return fmt.Errorf("%w %s: %s (%s)", ErrOutside, base.Redacted(), redact(href), why)
	}
	if ref.Opaque != "" {
		return "", outside("not a hierarchical URL")
	}
	u := base.ResolveReference(ref)
	if !sameOrigin(base, u) {
		return "", outside("another server")
	}
	if escapedSlash(u.RawPath) {
		return "", outside("an escaped slash or backslash in the path")
	}
	if strings.ContainsAny(u.Path, "\\\x00") {
		return "", outside("a backslash or NUL in the path")
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return "", outside(`a "." or ".." in the path`)
		}
	}
	dir := base.Path
	if !strings.HasSuffix(dir, "/") {
		dir += "/"
	}
	if !strings.HasPrefix(u.Path, dir) || len(u.Path) == len(dir) {
		return "", outside("not below " + dir)
	}
	if strings.Contains(strings.TrimSuffix(u.Path[len(dir):], "/"), "/") {
		// a calendar collection holds calendar objects, no collection
		// of them (RFC 4791 4.2): what lies deeper is not the calendar's
		return "", outside("not a member of " + dir + " but below one of its members")
	}
	if ref.User != nil && ref.User.String() != base.User.String() {
		return "", outside("another user")
	}
	u.User = base.User
	return u.String(), nil
}

// origin is scheme://host:port with the default port made explicit and
// the host in lower case.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

func sameOrigin(a, b *url.URL) bool { return origin(a) == origin(b) }

// loopback reports whether host (no port) is this machine: localhost or
// a loopback address.
func loopback(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// plainHTTPRefused says why credentials must not go to u: plain http to a
// host that is not this machine, unless allowed.
func plainHTTPRefused(u *url.URL, allow bool) error {
	if allow || !strings.EqualFold(u.Scheme, "http") || loopback(u.Hostname()) {
		return nil
	}
	return fmt.Errorf("%w to %s, which is not this machine: use https, or set MMS_CALDAV_INSECURE=1 if the network is trusted", ErrPlainHTTP, u.Redacted())
}

// escapedSlash reports whether a raw path holds an escaped slash or
// backslash, which servers may read as a separator or not.
func escapedSlash(raw string) bool {
	return strings.Contains(raw, "%2f") || strings.Contains(raw, "%2F") || strings.Contains(raw, "%5c") || strings.Contains(raw, "%5C")
}
