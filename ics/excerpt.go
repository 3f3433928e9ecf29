package ics

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error messages name the file and line and say what is wrong; they quote
// the input only in short excerpts, so a hostile or broken file cannot put
// itself into a report or the state store.
const (
	maxExcerpt = 40   // bytes of input quoted in a message
	maxMessage = 1000 // bytes of one message, excerpts and wrapped causes included
)

// excerpt returns at most maxExcerpt bytes of s, cut at a character
// boundary, with "..." where it was cut.
func excerpt(s string) string {
	return visible(clip(s, maxExcerpt))
}

// visible writes the control characters of s other than TAB as Go writes
// them in a string ("\r", "\x00"): a file's stray CR quoted raw in a
// message sent the terminal's cursor back over it.
func visible(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f })
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		switch {
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\n':
			b.WriteString(`\n`)
		case r < 0x20 && r != '\t' || r == 0x7f:
			fmt.Fprintf(&b, `\x%02X`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// clip returns at most n bytes of s, cut at a character boundary, with
// "..." where it was cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// boundedError keeps an error's cause for errors.Is and errors.As but
// says at most maxMessage bytes of it.
type boundedError struct {
	msg string
	err error
}

func (e *boundedError) Error() string { return e.msg }
func (e *boundedError) Unwrap() error { return e.err }

// bound returns err with its message clipped to maxMessage bytes.
func bound(err error) error {
	if _, done := err.(*boundedError); err == nil || done {
		return err
	}
	if msg := err.Error(); len(msg) > maxMessage {
		return &boundedError{msg: clip(msg, maxMessage) + " (message cut)", err: err}
	}
	return err
}

// errCROnly says what a file whose lines end in CR alone needs.
func errCROnly(name string) error {
	return fmt.Errorf("%s: line 1: line endings are CR only (classic Mac OS); save the file with CRLF or LF line endings and run again", name)
}

// crOnly reports whether the data's lines end in a bare CR: it holds CRs
// and no LF at all.
func crOnly(data string) bool {
	return strings.IndexByte(data, '\n') < 0 && strings.IndexByte(data, '\r') >= 0
}
