package block

import (
	"html"
	"net/url"
	"sort"
	"strings"
)

// link is a URL found in a body, at a source offset.
type link struct {
	url string // unescaped and Safe Links unwrapped
	pos int
}

// textLinks finds the links of a plain-text body: "<url>", which Outlook
// may have broken over lines, and bare urls.
func textLinks(text string) []link {
	var out []link
	for i := 0; i < len(text); {
		k := nextLinkStart(text, i)
		if k < 0 {
			break
		}
		if u, end, ok := angleLink(text, k); ok {
			out = append(out, link{url: UnwrapSafeLink(u), pos: k})
			i = end
			continue
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

// angleLink reads "<url>" whose url starts at text[k]; line breaks inside
// it are Outlook's hard wrap and are dropped.
func angleLink(text string, k int) (string, int, bool) {
	if k == 0 || text[k-1] != '<' {
		return "", 0, false
	}
	end := strings.IndexAny(text[k:], "<> \t")
	if end < 0 || text[k+end] != '>' {
		return "", 0, false
	}
	u := text[k : k+end]
	if strings.Count(u, "\n") > 2 {
		return "", 0, false
	}
	return strings.NewReplacer("\r", "", "\n", "").Replace(u), k + end + 1, true
}

// nextLinkStart returns the offset of the next "http://", "https://" or
// "tel:" at or after i, in any case, or -1.
func nextLinkStart(text string, i int) int {
	for ; i < len(text); i++ {
		switch text[i] {
		case 'h', 'H':
			if hasPrefixFold(text[i:], "http://") || hasPrefixFold(text[i:], "https://") {
				return i
			}
		case 't', 'T':
			if hasPrefixFold(text[i:], "tel:") {
				return i
			}
		}
	}
	return -1
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func trimURL(u string) string {
	return strings.TrimRight(u, ".,;:!?)]>")
}

// htmlLinks finds the links of an HTML body: the targets of <a> tags,
// preferring Safe Links' originalsrc over href, and bare urls in its text.
func htmlLinks(src string) []link {
	var out []link
	visible := []byte(src)
	for i := 0; i < len(src); {
		t, ok := tagAt(src, i)
		if !ok {
			i++
			continue
		}
		if t.name == "a" && !t.closing {
			if target := anchorTarget(src[t.start:t.end]); target != "" {
				out = append(out, link{url: target, pos: t.start})
			}
		}
		for j := t.start; j < t.end; j++ {
			visible[j] = ' '
		}
		i = t.end
	}
	for _, l := range textLinks(string(visible)) {
		u, _, _ := strings.Cut(html.UnescapeString(l.url), "\u00a0")
		out = append(out, link{url: UnwrapSafeLink(trimURL(u)), pos: l.pos})
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].pos < out[b].pos })
	return out
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
	low := strings.ToLower(tag)
	for from := 0; ; {
		k := strings.Index(low[from:], name)
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
		p, err := url.Parse(u)
		if err != nil || !isSafeLinksHost(p.Hostname()) {
			return u
		}
		orig := p.Query().Get("url")
		if orig == "" {
			return u
		}
		u = orig
	}
	return u
}

func isSafeLinksHost(h string) bool {
	h = strings.ToLower(h)
	return strings.HasSuffix(h, ".safelinks.protection.outlook.com") || strings.HasSuffix(h, ".safelinks.protection.office365.us")
}

// host returns the lower-case host of a url, or "".
func host(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.ToLower(p.Hostname())
}

// pathSegments returns the unescaped, non-empty path segments of a url.
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

// query returns one query parameter of a url, or "".
func query(u, name string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	for k, v := range p.Query() {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}
