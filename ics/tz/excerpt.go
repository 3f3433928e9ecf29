package tz

import "unicode/utf8"

// excerpt returns at most 40 bytes of an input value, cut at a character
// boundary, for an error message: messages never copy the input whole.
func excerpt(s string) string {
	n := 40
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
