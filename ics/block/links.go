package block

import (
	"html"
	"net/url"
	"regexp"
	"strings"
)

var (
	bareLink = regexp.MustCompile(`(?:https?://|tel:)[^\s<>"']+`)
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
// originalsrc.
func htmlLinks(src string) []link {
	var out []link
	for i := 0; i < len(src); {
		k := indexAnchor(src, i)
		if k < 0 {
			break
		}
		end := strings.IndexByte(src[k:], '>')
		if end < 0 {
			break
		}
		tag := src[k : k+end]
		href := attrValue(tag, "originalsrc")
		if href == "" {
			href = attrValue(tag, "href")
		}
		if href != "" {
			out = append(out, link{url: UnwrapSafeLink(strings.TrimSpace(html.UnescapeString(href))), pos: k})
		}
		i = k + end + 1
	}
	return out
}

// indexAnchor finds the next "<a" followed by white space, at or after i.
func indexAnchor(src string, i int) int {
	for {
		k := strings.Index(src[i:], "<")
		if k < 0 {
			return -1
		}
		k += i
		if k+2 < len(src) && (src[k+1] == 'a' || src[k+1] == 'A') && strings.IndexByte(" \t\r\n", src[k+2]) >= 0 {
			return k
		}
		i = k + 1
	}
}

// attrValue returns the value of one attribute of a tag: quoted with " or
// ', or bare.
func attrValue(tag, name string) string {
	low := lowerASCII(tag) // same length as tag, so offsets agree
	for from := 0; ; {
		k := strings.Index(low[from:], name)
		if k < 0 {
			return ""
		}
		k += from
		from = k + len(name)
		if k == 0 || strings.IndexByte(" \t\r\n", tag[k-1]) < 0 {
			continue // part of a longer name
		}
		rest := strings.TrimLeft(tag[from:], " \t\r\n")
		if !strings.HasPrefix(rest, "=") {
			continue
		}
		rest = strings.TrimLeft(rest[1:], " \t\r\n")
		if rest == "" {
			return ""
		}
		if q := rest[0]; q == '"' || q == '\'' {
			if e := strings.IndexByte(rest[1:], q); e >= 0 {
				return rest[1 : 1+e]
			}
			return ""
		}
		if e := strings.IndexAny(rest, " \t\r\n>"); e >= 0 {
			return rest[:e]
		}
		return rest
	}
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

// lowerASCII lower-cases ASCII letters only, keeping every byte offset
// (strings.ToLower may change the length of non-ASCII text).
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
