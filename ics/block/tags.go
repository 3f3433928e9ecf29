package block

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tag is one piece of markup in an HTML source: a start or end tag, a
// comment or declaration, or a raw-text element (style, script, head's
// title) taken whole.
type tag struct {
	name       string // lower case, without '/'; "" for comments and declarations
	start, end int    // src[start:end] is the markup
	closing    bool   // an end tag
	void       bool   // never has content: a void element or "<x/>"
}

// tagAt reads the markup that starts at src[i], if any. A '<' that opens no
// tag is text.
func tagAt(src string, i int) (tag, bool) {
	if src[i] != '<' || i+1 >= len(src) {
		return tag{}, false
	}
	switch c := src[i+1]; {
	case strings.HasPrefix(src[i:], "<!--"):
		return tag{start: i, end: skipPast(src, i+4, "-->"), void: true}, true
	case c == '!' || c == '?':
		return tag{start: i, end: skipPast(src, i+2, ">"), void: true}, true
	case c == '/':
		if i+2 >= len(src) || !isLetter(src[i+2]) {
			return tag{}, false // "</" and no name: text, read without scanning on (each '<' of "</ </ ..." would scan to the end)
		}
		name, end := tagName(src, i+2)
		return tag{name: name, start: i, end: end, closing: true}, true
	case isLetter(c):
		name, end := tagName(src, i+1)
		t := tag{name: name, start: i, end: end, void: isVoid(name) || strings.HasSuffix(src[i:end], "/>")}
		if isRawText(name) && !t.void {
			t.end = skipPast(src, skipPastEndTag(src, end, name), ">")
			t.void = true
		}
		return t, true
	}
	return tag{}, false
}

// tagName reads a tag name at src[j] and returns it in lower case with the
// offset past the tag's closing '>', skipping quoted attribute values.
func tagName(src string, j int) (string, int) {
	k := j
	for k < len(src) && (isLetter(src[k]) || src[k] >= '0' && src[k] <= '9' || src[k] == ':' || src[k] == '-' || src[k] == '_') {
		k++
	}
	name := strings.ToLower(src[j:k])
	for quote := byte(0); k < len(src); k++ {
		switch c := src[k]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			if src[k-1] == '=' || src[k-1] == ' ' {
				quote = c
			}
		case c == '>':
			return name, k + 1
		}
	}
	return name, len(src)
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func skipPast(src string, i int, marker string) int {
	if i > len(src) {
		return len(src)
	}
	k := strings.Index(src[i:], marker)
	if k < 0 {
		return len(src)
	}
	return i + k + len(marker)
}

// skipPastEndTag returns the offset past "</name" at or after i, the name
// matched in any case (<HEAD> ... </HEAD>), or len(src) when there is none.
func skipPastEndTag(src string, i int, name string) int {
	for i < len(src) {
		k := strings.Index(src[i:], "</")
		if k < 0 {
			break
		}
		at := i + k + 2
		if at+len(name) <= len(src) && strings.EqualFold(src[at:at+len(name)], name) {
			return at + len(name)
		}
		i = at
	}
	return len(src)
}

// isVoid tells the elements that never have content.
func isVoid(name string) bool {
	switch name {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr":
		return true
	}
	return false
}

// isRawText tells the elements that hold no visible text: their content
// is skipped whole.
func isRawText(name string) bool {
	switch name {
	case "style", "script", "head", "title", "xml":
		return true
	}
	return false
}

// LowerSameLength lower-cases s where that keeps its bytes where they
// are: a rune whose lower case is as long as it is, in UTF-8, is lowered,
// others (Turkish İ, the Kelvin sign, bytes that are not UTF-8) stay as
// they are. An offset found in the result is the same offset in s, which
// strings.ToLower does not promise.
func LowerSameLength(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || 'A' <= c && c <= 'Z' {
			return lowerSameLength(s)
		}
	}
	return s
}

func lowerSameLength(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if l := unicode.ToLower(r); r != utf8.RuneError && utf8.RuneLen(l) == n {
			b = utf8.AppendRune(b, l)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return string(b)
}
