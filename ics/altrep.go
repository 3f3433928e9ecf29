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
// The HTML is percent-encoded; a rewrite encodes only the new block and
// keeps every other byte as written. A base64 data URI, or an ALTREP of
// several URIs, is not read (it could not be edited in place).
type altrep struct {
	head       string // the DESCRIPTION's head
	start, end int    // head[start:end] is the encoded HTML
	html       string // decoded
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
		if strings.IndexByte(v, '"') >= 0 { // "data:...","cid:..."
			return altrep{}, false
		}
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
		if a.html, ok = percentDecode(p.head[a.start:a.end]); !ok || !utf8.ValidString(a.html) {
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

// spliced returns the head with each span of html (in order, apart)
// replaced by replacement, encoded as encodeURIComponent does; the rest
// keeps its encoding.
func (a altrep) spliced(spans []block.Block, replacement string) string {
	enc := a.head[a.start:a.end]
	rep := percentEncode(replacement)
	var b strings.Builder
	b.WriteString(a.head[:a.start])
	k, u := 0, 0 // offsets in enc and in the decoded HTML, in step
	for _, sp := range spans {
		s := k + encodedOffset(enc[k:], sp.Start-u)
		e := s + encodedOffset(enc[s:], sp.End-sp.Start)
		b.WriteString(enc[k:s])
		b.WriteString(rep)
		k, u = e, sp.End
	}
	b.WriteString(enc[k:])
	b.WriteString(a.head[a.end:])
	return b.String()
}

// encodedOffset returns where the byte at offset i of the decoded text
// was written in the percent-encoded s (len(s) past its end).
func encodedOffset(s string, i int) int {
	k := 0
	for ; i > 0 && k < len(s); i-- {
		if s[k] == '%' {
			k += 3
		} else {
			k++
		}
	}
	return min(k, len(s))
}

// percentDecode decodes %XX escapes. A '%' not followed by two hex digits
// fails it.
func percentDecode(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] != '%' {
			b.WriteByte(s[i])
			i++
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return "", false
		}
		b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
		i += 3
	}
	return b.String(), true
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
