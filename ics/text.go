package ics

import "strings"

// unescapeText resolves iCalendar TEXT escapes (\\ \; \, \n \N). An
// unknown escape such as "\:" loses its backslash, as readers do.
func unescapeText(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for {
		k := strings.IndexByte(s, '\\')
		if k < 0 || k+1 == len(s) { // no escape left, or a lone '\' at the end
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:k])
		if c := s[k+1]; c == 'n' || c == 'N' {
			b.WriteByte('\n')
		} else {
			b.WriteByte(c)
		}
		s = s[k+2:]
	}
}

// escape writes text as an iCalendar TEXT value: a backslash, ';' and ','
// get a backslash; a line break (CRLF or LF) becomes `\n`.
func escape(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	writeEscaped(&b, s)
	return b.String()
}

func writeEscaped(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		if k := strings.IndexAny(s[i:], "\\;,\r\n"); k < 0 {
			b.WriteString(s[i:])
			return
		} else if k > 0 {
			b.WriteString(s[i : i+k])
			i += k
		}
		switch c := s[i]; c {
		case '\\', ';', ',':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				b.WriteString(`\n`)
				i++
			} else {
				b.WriteByte(c)
			}
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
}

// spliceText replaces text[start:end] of an escaped value, where start and
// end are offsets into the unescaped text, with replacement (unescaped).
// Everything outside the span keeps its bytes, escapes included.
func spliceText(value string, start, end int, replacement string) string {
	before, after := spliceParts(value, start, end)
	return before + escape(replacement) + after
}

// spliceParts returns what an escaped value keeps around a span given by
// offsets into its unescaped text: its bytes before and after the span.
func spliceParts(value string, start, end int) (before, after string) {
	s, e := escapedOffsets(value, start, end)
	return value[:s], value[e:]
}

// escapedOffsets maps two offsets of the unescaped text back to the escaped
// value in one walk, with the same escape rules as unescape; an offset past
// the text, or a start after the end, maps to len(value).
func escapedOffsets(value string, start, end int) (int, int) {
	s := -1
	u, i := 0, 0 // offsets in the unescaped text and in value, in step
	for {
		run := strings.IndexByte(value[i:], '\\') // bytes that stand for themselves
		if run < 0 {
			run = len(value) - i
		}
		if s < 0 && start >= u && start <= u+run && start <= end {
			s = i + start - u
		}
		if end >= u && end <= u+run {
			if s < 0 {
				s = len(value)
			}
			return s, i + end - u
		}
		i, u = i+run, u+run
		if i >= len(value) {
			if s < 0 {
				s = len(value)
			}
			return s, len(value)
		}
		i, u = min(i+2, len(value)), u+1 // an escape, or a lone '\' at the end
	}
}
