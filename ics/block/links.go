package block

import (
	"html"
	"net/url"
	"regexp"
	"strings"
)

var (
	bareLink  = regexp.MustCompile(`(?:https?://|tel:)[^\s<>"']+`)
	anchorTag = regexp.MustCompile(`(?is)<a\s[^>]*>`)
	attr      = regexp.MustCompile(`(?is)\b(originalsrc|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))`)
)

// textLinks finds the links of a plain-text body: "<url>" (Outlook may have
// broken the url over two lines) and bare urls. It scans by hand: bodies
// are many and regular expressions are slow on them.
func textLinks(text string) []link {
	var out []link
	for i := 0; i < len(text); {
		k := nextLinkStart(text, i)
		if k < 0 {
			break
		}
		if k > 0 && text[k-1] == '<' {
			end := strings.IndexAny(text[k:], "<>")
			if end >= 0 && text[k+end] == '>' {
				u := strings.Join(strings.Fields(text[k:k+end]), "")
				out = append(out, link{url: UnwrapSafeLink(u), pos: k})
				i = k + end + 1
				continue
			}
		}
		end := k
		for end < len(text) && !strings.ContainsRune(" \t\r\n<>\"'", rune(text[end])) {
			end++
		}
		out = append(out, link{url: UnwrapSafeLink(trimURL(text[k:end])), pos: k})
		i = end
	}
	return out
}

// nextLinkStart returns the offset of the next "http://", "https://" or
// "tel:" at or after i, or -1.
func nextLinkStart(text string, i int) int {
	best := -1
	for _, p := range []string{"http://", "https://", "tel:", "HTTP://", "HTTPS://"} {
		if k := strings.Index(text[i:], p); k >= 0 && (best < 0 || i+k < best) {
			best = i + k
		}
	}
	return best
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
