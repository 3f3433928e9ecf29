package ics

import "strings"

// unescape resolves iCalendar TEXT escapes (\\ \; \, \n \N) and returns, for
// every byte of the result, the offset of the escaped byte it came from, plus
// one final entry for the end. An unknown escape such as "\:" loses its
// backslash, as readers do.
func unescape(s string) (string, []int) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	at := make([]int, 0, len(s)+1)
	for i := 0; i < len(s); i++ {
		at = append(at, i)
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			b.WriteByte(s[i])
		}
	}
	at = append(at, len(s))
	return b.String(), at
}

// unescapeText resolves TEXT escapes without the offset table.
func unescapeText(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		if s[i] == 'n' || s[i] == 'N' {
			b.WriteByte('\n')
		} else {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// escapedOffset maps an offset in the unescaped text back to the escaped
// value; at is the table unescape returned (nil when nothing was escaped).
func escapedOffset(at []int, i int) int {
	if at == nil {
		return i
	}
	return at[i]
}

var escaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`)

// escape writes text as an iCalendar TEXT value.
func escape(s string) string { return escaper.Replace(s) }

// spliceText replaces text[start:end] of an escaped value, where start and
// end are offsets into the unescaped text, with replacement (unescaped).
// Everything outside the span keeps its bytes, escapes included.
func spliceText(value string, at []int, start, end int, replacement string) string {
	s, e := escapedOffset(at, start), escapedOffset(at, end)
	return value[:s] + escape(replacement) + value[e:]
}
