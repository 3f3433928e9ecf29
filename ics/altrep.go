package ics

import (
	"strings"
	"unicode/utf8"

	"github.com/mms-project/mms/ics/block"
)

// altrep is an HTML body kept in a DESCRIPTION's ALTREP parameter as a
// data: URI, as Thunderbird writes it when there is no X-ALT-DESC:
//
//	DESCRIPTION;ALTREP="data:text/html,%3Cp%3EAgenda%3C%2Fp%3E...":Agenda...
//
// The HTML is percent-encoded; at maps it back to the encoding, so that a
// rewrite encodes only the new block and keeps every other byte as
// written. A base64 data URI is not read (it could not be edited in
// place).
type altrep struct {
	head       string // the DESCRIPTION's head
	start, end int    // head[start:end] is the encoded HTML
	html       string // decoded
	at         []int  // at[i] is where html[i] was encoded, relative to start; at[len(html)] is the end
}

// readAltrep reads the HTML of a DESCRIPTION's ALTREP data: URI.
func readAltrep(p Property) (altrep, bool) {
	if !mayHaveParam(p.head, "ALTREP") {
		return altrep{}, false
	}
	pos := 0
	for _, q := range headParams(p.head) {
		at := pos
		pos += len(q)
		name, v, ok := strings.Cut(strings.TrimPrefix(q, ";"), "=")
		if !ok || at == 0 || !strings.EqualFold(name, "ALTREP") {
			continue
		}
		if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return altrep{}, false
		}
		v = v[1 : len(v)-1]
		comma := strings.IndexByte(v, ',')
		if comma < 0 {
			return altrep{}, false
		}
		media := strings.ToLower(v[:comma])
		if !strings.HasPrefix(media, "data:text/html") || strings.Contains(media, ";base64") {
			return altrep{}, false
		}
		a := altrep{head: p.head, end: pos - 1}
		a.start = a.end - (len(v) - comma - 1)
		if a.html, a.at, ok = percentDecode(p.head[a.start:a.end]); !ok || !utf8.ValidString(a.html) {
			return altrep{}, false
		}
		return a, true
	}
	return altrep{}, false
}

// AltrepHTML returns the HTML of a DESCRIPTION's ALTREP data: URI: the
// meeting's HTML body where it has no X-ALT-DESC (Thunderbird's).
func AltrepHTML(p Property) (string, bool) {
	a, ok := readAltrep(p)
	return a.html, ok
}

// spliced returns the head with html[b.Start:b.End] replaced by
// replacement, encoded as encodeURIComponent does; the rest keeps its
// encoding.
func (a altrep) spliced(b block.Block, replacement string) string {
	return a.head[:a.start+a.at[b.Start]] + percentEncode(replacement) + a.head[a.start+a.at[b.End]:]
}

// percentDecode decodes %XX escapes; at gives where each decoded byte was
// written. A '%' not followed by two hex digits fails it.
func percentDecode(s string) (string, []int, bool) {
	var b strings.Builder
	b.Grow(len(s))
	at := make([]int, 0, len(s)+1)
	for i := 0; i < len(s); {
		at = append(at, i)
		if s[i] != '%' {
			b.WriteByte(s[i])
			i++
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return "", nil, false
		}
		b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
		i += 3
	}
	return b.String(), append(at, len(s)), true
}

// percentEncode escapes what encodeURIComponent escapes: all but ASCII
// letters, digits and - _ . ! ~ * ' ( ).
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) * 2)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
