package block

import (
	"html"
	"net/url"
	"strings"
)

// link is a URL found in a body, at a source offset, parsed once.
type link struct {
	url string // unescaped and Safe Links unwrapped
	pos int
	*parts
}

// parts are the pieces of a url that classifying and reading a block look
// at. A url that does not parse has no host, path or query.
type parts struct {
	host     string   // lower case, without port
	path     string   // as written (escaped)
	segs     []string // unescaped, non-empty path segments
	rawQuery string
}

func newLink(u string, pos int) link {
	return link{url: u, pos: pos, parts: parse(u)}
}

// linkCache remembers the parts of urls already parsed; nil remembers
// nothing. Parts are never changed once made, so links share them.
type linkCache map[string]*parts

// maxCachedLinks bounds a cache: a calendar's helper links (dial-in, help,
// options pages) repeat from meeting to meeting, its join links do not.
const maxCachedLinks = 4096

func (c linkCache) link(u string, pos int) link {
	if p, ok := c[u]; ok {
		return link{url: u, pos: pos, parts: p}
	}
	l := newLink(u, pos)
	if c != nil && len(c) < maxCachedLinks {
		c[u] = l.parts
	}
	return l
}

func parse(u string) *parts {
	p, err := url.Parse(u)
	if err != nil {
		return &parts{}
	}
	path := p.EscapedPath()
	return &parts{host: strings.ToLower(p.Hostname()), path: path, segs: segments(path), rawQuery: p.RawQuery}
}

// textLinks finds the links of a plain-text body: "<url>", which Outlook
// may have broken over lines, and bare urls.
func textLinks(text string) []link { return linkCache(nil).textLinks(text) }

func (c linkCache) textLinks(text string) []link {
	var out []link
	scanTextLinks(text, 0, func(u string, pos int) {
		out = append(out, c.link(UnwrapSafeLink(u), pos))
	})
	return out
}

// scanTextLinks calls visit with each url of a plain text, as written
// (line breaks of an angle-bracketed url dropped, trailing punctuation of a
// bare one trimmed), and its offset plus base.
func scanTextLinks(text string, base int, visit func(u string, pos int)) {
	for i := 0; i < len(text); {
		k := nextLinkStart(text, i)
		if k < 0 {
			break
		}
		if u, end, ok := angleLink(text, k); ok {
			visit(u, base+k)
			i = end
			continue
		}
		end := k
		for end < len(text) && !isLinkEnd(text[end]) {
			end++
		}
		visit(trimURL(text[k:end]), base+k)
		i = end
	}
}

// isLinkEnd tells the bytes that end a bare url: white space, angle
// brackets and quotes.
func isLinkEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '<', '>', '"', '\'':
		return true
	}
	return false
}

// MaxLinkBreaks bounds the line breaks Outlook's hard wrap (at 76
// columns) puts inside one "<url>" of a plain-text body: a Teams join link
// of some 230 characters takes four lines, one wrapped in Safe Links
// seven or eight.
const MaxLinkBreaks = 12

// maxAngleLink bounds the bytes read for one "<url>".
const maxAngleLink = 4096

// angleLink reads "<url>" whose url starts at text[k]; line breaks inside
// it are Outlook's hard wrap and are dropped.
func angleLink(text string, k int) (string, int, bool) {
	if k == 0 || text[k-1] != '<' {
		return "", 0, false
	}
	end := strings.IndexAny(text[k:min(len(text), k+maxAngleLink)], "<> \t")
	if end < 0 || text[k+end] != '>' {
		return "", 0, false
	}
	u := text[k : k+end]
	if strings.Count(u, "\n") > MaxLinkBreaks {
		return "", 0, false
	}
	return dropLineBreaks(u), k + end + 1, true
}

// dropLineBreaks removes every CR and LF.
func dropLineBreaks(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\r' && s[i] != '\n' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// nextLinkStart returns the offset of the next "http://", "https://" or
// "tel:" at or after i, in any case, or -1. It looks only around the
// colons, which are rare in text.
func nextLinkStart(text string, i int) int {
	for from := i; ; {
		k := strings.IndexByte(text[from:], ':')
		if k < 0 {
			return -1
		}
		colon := from + k
		for _, scheme := range [...]string{"https", "http", "tel"} {
			start := colon - len(scheme)
			if start >= i && hasPrefixFold(text[start:], scheme) && (scheme == "tel" || strings.HasPrefix(text[colon:], "://")) {
				return start
			}
		}
		from = colon + 1
	}
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func trimURL(u string) string {
	return strings.TrimRight(u, ".,;:!?)]>")
}

// htmlLinks finds the links of an HTML body: the targets of <a> tags,
// preferring Safe Links' originalsrc over href, and bare urls in its text
// (the text between tags).
func htmlLinks(src string) []link { return linkCache(nil).htmlLinks(src) }

func (c linkCache) htmlLinks(src string) []link {
	var anchors, bare []link
	text := 0 // start of the text since the last tag
	for i := 0; i < len(src); {
		if src[i] != '<' {
			k := strings.IndexByte(src[i:], '<')
			if k < 0 {
				break
			}
			i += k
		}
		t, ok := tagAt(src, i)
		if !ok {
			i++
			continue
		}
		bare = c.appendBareLinks(bare, src[text:t.start], text)
		if t.name == "a" && !t.closing {
			if target := anchorTarget(src[t.start:t.end]); target != "" {
				anchors = append(anchors, c.link(target, t.start))
			}
		}
		i, text = t.end, t.end
	}
	bare = c.appendBareLinks(bare, src[text:], text)
	return mergeLinks(anchors, bare)
}

// appendBareLinks adds the urls written in a stretch of HTML text, which
// starts at offset base of the source.
func (c linkCache) appendBareLinks(out []link, text string, base int) []link {
	if nextLinkStart(text, 0) < 0 {
		return out
	}
	scanTextLinks(text, base, func(u string, pos int) {
		u, _, _ = strings.Cut(html.UnescapeString(UnwrapSafeLink(u)), "\u00a0")
		out = append(out, c.link(UnwrapSafeLink(trimURL(u)), pos))
	})
	return out
}

// mergeLinks merges two lists of links in source order into one in source
// order; of two at one offset, a's comes first.
func mergeLinks(a, b []link) []link {
	if len(b) == 0 {
		return a
	}
	out := make([]link, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if b[0].pos < a[0].pos {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// anchorTarget returns the unwrapped target of an <a> tag.
func anchorTarget(tag string) string {
	href := attrValue(tag, "originalsrc")
	if href == "" {
		href = attrValue(tag, "href")
	}
	return UnwrapSafeLink(strings.TrimSpace(html.UnescapeString(href)))
}

// attrValue returns the value of one attribute of a tag: quoted with " or
// ', or bare.
func attrValue(tag, name string) string {
	index := func(from int) int { return indexLowerASCII(tag[from:], name) } // names are ASCII: other bytes stay where they are
	for from := 0; ; {
		k := index(from)
		if k < 0 {
			return ""
		}
		k += from
		from = k + len(name)
		if k == 0 || !strings.ContainsRune(" \t\r\n", rune(tag[k-1])) {
			continue // part of a longer name or of a value
		}
		rest := strings.TrimLeft(tag[from:], " \t\r\n")
		if !strings.HasPrefix(rest, "=") {
			continue
		}
		return attrText(strings.TrimLeft(rest[1:], " \t\r\n"))
	}
}

// indexLowerASCII returns where the ASCII string s, lower-cased, first
// holds lower, or -1, without copying s.
func indexLowerASCII(s, lower string) int {
	for i := 0; i+len(lower) <= len(s); i++ {
		if equalLowerASCII(s[i:i+len(lower)], lower) {
			return i
		}
	}
	return -1
}

func equalLowerASCII(s, lower string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// attrText reads an attribute value at the start of s.
func attrText(s string) string {
	if s == "" {
		return ""
	}
	if q := s[0]; q == '"' || q == '\'' {
		if e := strings.IndexByte(s[1:], q); e >= 0 {
			return s[1 : 1+e]
		}
		return ""
	}
	if e := strings.IndexAny(s, " \t\r\n>"); e >= 0 {
		return s[:e]
	}
	return s
}

// UnwrapSafeLink returns the original url of a Microsoft Defender Safe
// Links url (https://<region>.safelinks.protection.outlook.com/?url=...),
// or u itself when it is not one.
func UnwrapSafeLink(u string) string {
	for range 3 { // links wrapped more than once, by forwarding
		if !maybeSafeLink(u) {
			return u
		}
		p, err := url.Parse(u)
		if err != nil || !isSafeLinksHost(p.Hostname()) {
			return u
		}
		orig := queryParam(p.RawQuery, "url", false)
		if orig == "" {
			return u
		}
		u = orig
	}
	return u
}

// maybeSafeLink tells, without parsing, whether u can have a Safe Links
// host: its authority (after the first "//", up to the next '/') names
// "safelinks", or holds a percent-escape or a non-ASCII character (which
// may lower-case to ASCII) that might.
func maybeSafeLink(u string) bool {
	i := strings.Index(u, "//")
	if i < 0 {
		return false
	}
	auth := u[i+2:]
	if k := strings.IndexByte(auth, '/'); k >= 0 {
		auth = auth[:k]
	}
	for i := 0; i < len(auth); i++ {
		if auth[i] == '%' || auth[i] >= 0x80 {
			return true
		}
	}
	return strings.Contains(strings.ToLower(auth), "safelinks")
}

func isSafeLinksHost(h string) bool {
	h = strings.ToLower(h)
	return strings.HasSuffix(h, ".safelinks.protection.outlook.com") || strings.HasSuffix(h, ".safelinks.protection.office365.us")
}

// segments returns the unescaped, non-empty segments of an escaped path.
func segments(path string) []string {
	var out []string
	for s := range strings.SplitSeq(path, "/") {
		if s == "" {
			continue
		}
		if strings.IndexByte(s, '%') >= 0 {
			if d, err := url.PathUnescape(s); err == nil {
				s = d
			}
		}
		if out == nil {
			out = make([]string, 0, strings.Count(path, "/"))
		}
		out = append(out, s)
	}
	return out
}

// param returns the first value of one query parameter of a link, its
// name compared without case, or "".
func (l link) param(name string) string { return queryParam(l.rawQuery, name, true) }

// queryParam reads a raw query as url.ParseQuery does (pairs split at '&',
// pairs holding ';' or bad escapes skipped, at most 10,000 pairs) and
// returns the first value of the parameter called name.
func queryParam(q, name string, fold bool) string {
	if q == "" || strings.Count(q, "&")+1 > 10000 {
		return ""
	}
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(key)
		if err != nil || !(key == name || fold && strings.EqualFold(key, name)) {
			continue
		}
		if value, err = url.QueryUnescape(value); err == nil {
			return value
		}
	}
	return ""
}
