package block

import (
	"html"
	"net/url"
	"regexp"
	"strings"
)

var (
	angleLink = regexp.MustCompile(`<(https?://[^<>]+|tel:[^<>\s]+)>`)
	bareLink  = regexp.MustCompile(`(?:https?://|tel:)[^\s<>"']+`)
	anchorTag = regexp.MustCompile(`(?is)<a\s[^>]*>`)
	attr      = regexp.MustCompile(`(?is)\b(originalsrc|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))`)
)

// textLinks finds the links of a plain-text body: "<url>" (Outlook may have
// broken the url over two lines) and bare urls.
func textLinks(text string) []link {
	var out []link
	taken := angleLink.FindAllStringSubmatchIndex(text, -1)
	for _, m := range taken {
		u := strings.Join(strings.Fields(text[m[2]:m[3]]), "")
		out = append(out, link{url: UnwrapSafeLink(u), pos: m[2]})
	}
	for _, m := range bareLink.FindAllStringIndex(text, -1) {
		if !inside(taken, m[0]) {
			out = append(out, link{url: UnwrapSafeLink(trimURL(text[m[0]:m[1]])), pos: m[0]})
		}
	}
	return out
}

func inside(spans [][]int, pos int) bool {
	for _, s := range spans {
		if pos >= s[0] && pos < s[1] {
			return true
		}
	}
	return false
}

func trimURL(u string) string {
	return strings.TrimRight(u, ".,;:)]>")
}

// htmlLinks finds the href of every anchor, preferring Safe Links'
// originalsrc, and bare urls in the text.
func htmlLinks(src string) []link {
	var out []link
	for _, m := range anchorTag.FindAllStringIndex(src, -1) {
		href, orig := "", ""
		for _, a := range attr.FindAllStringSubmatch(src[m[0]:m[1]], -1) {
			v := html.UnescapeString(a[2] + a[3] + a[4])
			if strings.EqualFold(a[1], "originalsrc") {
				orig = v
			} else {
				href = v
			}
		}
		if orig != "" {
			href = orig
		}
		if href != "" {
			out = append(out, link{url: UnwrapSafeLink(strings.TrimSpace(href)), pos: m[0]})
		}
	}
	return out
}

// UnwrapSafeLink returns the original of a Safe Links url
// (https://*.safelinks.protection.outlook.com/?url=...), or u itself.
func UnwrapSafeLink(u string) string {
	p, err := url.Parse(u)
	if err != nil || !strings.HasSuffix(strings.ToLower(p.Hostname()), "safelinks.protection.outlook.com") {
		return u
	}
	if orig := p.Query().Get("url"); orig != "" {
		return orig
	}
	return u
}

// host returns the lower-case host of a url, or "".
func host(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.ToLower(p.Hostname())
}

// pathSegments returns the unescaped path segments of a url.
func pathSegments(u string) []string {
	p, err := url.Parse(u)
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range strings.Split(p.EscapedPath(), "/") {
		if s == "" {
			continue
		}
		if d, err := url.PathUnescape(s); err == nil {
			s = d
		}
		out = append(out, s)
	}
	return out
}
