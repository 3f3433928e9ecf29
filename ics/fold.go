package ics

import (
	"slices"
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
	return foldPieces(text)
}

// foldPieces folds the content line that is the concatenation of pieces,
// as fold does, without joining them first.
func foldPieces(pieces ...string) string {
	for i, p := range pieces {
		if strings.IndexByte(p, '\n') >= 0 || strings.IndexByte(p, '\r') >= 0 { // rare: copy, never edit the caller's slice
			pieces = slices.Clone(pieces)
			for j := i; j < len(pieces); j++ {
				pieces[j] = rawBreaks.Replace(pieces[j])
			}
			break
		}
	}
	r := rope(pieces)
	n := r.len()
	var b strings.Builder
	b.Grow(n + n/foldWidth*3 + 2)
	start, width := 0, foldWidth
	for n-start > width {
		cut := r.foldCut(start, width)
		r.writeTo(&b, start, start+cut)
		b.WriteString("\r\n ")
		start += cut
		width = foldWidth - 1
	}
	r.writeTo(&b, start, n)
	b.WriteString("\r\n")
	return b.String()
}

var rawBreaks = strings.NewReplacer("\r\n", `\n`, "\n", `\n`, "\r", `\n`)

// rope is a string held as consecutive pieces.
type rope []string

func (r rope) len() int {
	n := 0
	for _, p := range r {
		n += len(p)
	}
	return n
}

// at returns the byte at offset i.
func (r rope) at(i int) byte {
	for _, p := range r {
		if i < len(p) {
			return p[i]
		}
		i -= len(p)
	}
	panic("ics: rope offset out of range")
}

// writeTo writes the bytes from offset i to j.
func (r rope) writeTo(b *strings.Builder, i, j int) {
	for _, p := range r {
		if i < len(p) && j > 0 {
			b.WriteString(p[max(i, 0):min(j, len(p))])
		}
		i, j = i-len(p), j-len(p)
	}
}

// foldCut returns where to cut the text that starts at offset start so the
// piece is at most width octets and ends neither inside a UTF-8 character
// nor between '\' and its escaped character.
func (r rope) foldCut(start, width int) int {
	cut := width
	for cut > 0 && !utf8.RuneStart(r.at(start+cut)) {
		cut--
	}
	if r.backslashes(start, start+cut)%2 == 1 {
		cut--
	}
	if cut == 0 { // cannot happen for valid input; never loop forever
		return width
	}
	return cut
}

// backslashes counts the '\' that end the text from offset i to j.
func (r rope) backslashes(i, j int) int {
	n := 0
	for j-1-n >= i && r.at(j-1-n) == '\\' {
		n++
	}
	return n
}
