package caldav

import (
	"net/url"
	"strings"
)

// RedactURL returns u without any password in it, keeping the user name,
// for anything that is stored or shown (the batch's state store, reports,
// messages). Unlike url.URL.Redacted it leaves no placeholder: the
// password is gone. A string that does not parse as a URL but has a user
// part ("scheme://user:pass@…") loses that whole part. Other strings come
// back unchanged.
func RedactURL(u string) string {
	p, err := url.Parse(u)
	if err == nil {
		if _, has := p.User.Password(); !has {
			return u
		}
		p.User = url.User(p.User.Username())
		return p.String()
	}
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
		return scheme + "://" + rest[at+1:]
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 && strings.Contains(rest[:at], ":") {
		// a password holding '/' ("anna:Pa/ss@dav…"): a URL that does not
		// parse loses all up to its last '@', the path's too if need be
		return scheme + "://" + rest[at+1:]
	}
	return u
}
