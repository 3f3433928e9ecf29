package ics

import (
	"net/url"
	"strings"

	"github.com/mms-project/mms/ics/block"
)

// canonicalLink is a join link as sameLink compares it: Safe Links
// unwrapped, scheme and host lower-cased, path and query unescaped, a
// trailing slash and any fragment dropped. A link that does not parse is
// compared as written.
func canonicalLink(s string) string {
	s = block.UnwrapSafeLink(strings.TrimSpace(s))
	if c, ok := plainCanonicalLink(s); ok {
		return c
	}
	return parsedCanonicalLink(s)
}

// parsedCanonicalLink is canonicalLink of an unwrapped link, by url.Parse.
func parsedCanonicalLink(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	path, err := url.PathUnescape(u.EscapedPath())
	if err != nil {
		path = u.Path
	}
	query, err := url.QueryUnescape(u.RawQuery)
	if err != nil {
		query = u.RawQuery
	}
	return strings.ToLower(u.Scheme+"://"+u.Host) + strings.TrimSuffix(path, "/") + "?" + query
}

// plainCanonicalLink is parsedCanonicalLink without url.Parse, for the
// links a block holds: http or https, a host of letters, digits, dots and
// hyphens, and a path and query of printable ASCII that url.Parse takes as
// written (no fragment, user, port, space or backslash). It reports false
// for any other link; FuzzPlainCanonicalLink holds it to the parsed one.
func plainCanonicalLink(s string) (string, bool) {
	rest, ok := cutScheme(s)
	if !ok {
		return "", false
	}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	host := rest[:end]
	if host == "" || !allBytes(host, &hostBytes) || !allBytes(rest[end:], &plainURLBytes) {
		return "", false
	}
	rawPath, rawQuery, _ := strings.Cut(rest[end:], "?")
	path, err := url.PathUnescape(rawPath)
	if err != nil {
		return "", false // url.Parse refuses it too: parsedCanonicalLink says so
	}
	query, err := url.QueryUnescape(rawQuery)
	if err != nil {
		query = rawQuery
	}
	return strings.ToLower(s[:len(s)-len(rest)]+host) + strings.TrimSuffix(path, "/") + "?" + query, true
}

// cutScheme returns what follows "http://" or "https://" (any case).
func cutScheme(s string) (string, bool) {
	for _, scheme := range []string{"https://", "http://"} {
		if len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			return s[len(scheme):], true
		}
	}
	return "", false
}

// hostBytes and plainURLBytes are isHostByte and isPlainURLByte as tables:
// a join link is checked byte by byte several times per meeting.
var hostBytes, plainURLBytes = byteTable(isHostByte), byteTable(isPlainURLByte)

func byteTable(ok func(byte) bool) (t [256]bool) {
	for c := range 256 {
		t[c] = ok(byte(c))
	}
	return t
}

func allBytes(s string, ok *[256]bool) bool {
	for i := range len(s) {
		if !ok[s[i]] {
			return false
		}
	}
	return true
}

func isHostByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-'
}

// isPlainURLByte: unreserved and sub-delimiter characters, ':', '@', '/',
// '?' and '%' (escapes are checked by unescaping).
func isPlainURLByte(c byte) bool {
	return isHostByte(c) || strings.IndexByte("_~!$&'()*+,;=:@/?%", c) >= 0
}
