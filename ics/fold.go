package ics

import (
	"strings"
	"unicode/utf8"
)

const foldWidth = 75 // octets per physical line, line ending excluded

// fold writes one content line folded at 75 octets with CRLF endings. A fold
// never splits a UTF-8 character or an escape sequence; continuation lines
// start with one space. A raw line break kept from the input (some
// exporters write them inside values) is written as the escape \n, so the
// line stays one content line.
func fold(text string) string {
	if strings.ContainsAny(text, "\r\n") {
		text = rawBreaks.Replace(text)
	}
	var b strings.Builder
	b.Grow(len(text) + len(text)/foldWidth*3 + 2)
	width := foldWidth
	for len(text) > width {
		cut := foldCut(text, width)
		b.WriteString(text[:cut])
		b.WriteString("\r\n ")
		text = text[cut:]
		width = foldWidth - 1
	}
	b.WriteString(text)
	b.WriteString("\r\n")
	return b.String()
}

var rawBreaks = strings.NewReplacer("\r\n", `\n`, "\n", `\n`, "\r", `\n`)

// foldCut returns where to cut text so the piece is at most width octets and
// ends neither inside a UTF-8 character nor between '\' and its escaped
// character.
func foldCut(text string, width int) int {
	cut := width
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	if backslashes(text[:cut])%2 == 1 {
		cut--
	}
	if cut == 0 { // cannot happen for valid input; never loop forever
		return width
	}
	return cut
}

// backslashes counts the '\' at the end of s.
func backslashes(s string) int {
	n := 0
	for n < len(s) && s[len(s)-1-n] == '\\' {
		n++
	}
	return n
}
