package ics

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// checkText refuses a meeting whose lines hold bytes an iCalendar file
// cannot: invalid UTF-8 (a Latin-1 export, say) or a control character
// other than TAB and the line endings (RFC 5545, 3.1 and 3.3.11). Its
// update would carry them to every attendee under "charset=utf-8"; the
// meeting fails instead, naming the line, and its rewrite is undone. Only
// a meeting rewritten is read: one left alone is not sent.
func (c *Calendar) checkText(m *Meeting) error {
	return c.eachLine(m, func(l line, raw string) error {
		k, what := badByte(raw)
		if k >= 0 && l.folded {
			k, what = badUnfolded(raw) // a fold may fall inside a character (RFC 5545, 3.1)
		}
		if k >= 0 {
			return fmt.Errorf("%s: line %d: UID %s: %s; an iCalendar file is UTF-8 text without control characters, so export the calendar again as UTF-8",
				c.Name, l.num+strings.Count(raw[:k], "\n"), m.UID, what)
		}
		return nil
	})
}

// checkBareCR fails a meeting whose lines hold a CR without a LF after
// it: a file mixing line endings, whose bare CR ends a line for some
// readers and not for others, so that what mms reads (an ORGANIZER running
// on into the next property, say) is not what the organiser's client
// showed. Decided on, the meeting would be skipped or rewritten for the
// wrong reason. A meeting to be skipped (anyHides false) fails only where
// a bare CR may hide a line, the text after it reading like a property
// ("ORGANIZER:", "X-ALT-DESC;"): a stray CR inside a text changes no
// reason to leave a meeting alone, and the meeting is not written.
func (c *Calendar) checkBareCR(m *Meeting, anyHides bool) error {
	return c.eachLine(m, func(l line, raw string) error {
		for i := 0; ; i++ {
			k := strings.IndexByte(raw[i:], '\r')
			if k < 0 {
				return nil
			}
			if i += k; i+1 < len(raw) && raw[i+1] == '\n' || i+1 == len(raw) && (l.end == len(c.data) || c.data[l.end] == '\n') {
				continue
			}
			if !anyHides && !startsProperty(unfoldHead(raw[i+1:])) {
				continue
			}
			return fmt.Errorf("%s: line %d: UID %s: a carriage return (CR) without a line feed after it: the file mixes line endings, so its lines cannot be told apart; save it with CRLF line endings and run again",
				c.Name, l.num+strings.Count(raw[:i], "\n"), excerpt(m.UID)) // a UID a CR ran on into the next line
		}
	})
}

// startsProperty reports whether s begins as a content line of a meeting
// does: the name of a property a meeting holds or an X- one, in any case
// (names are case-insensitive), then ':' or ';'. Text ("Note: bring",
// "https://") does not.
func startsProperty(s string) bool {
	n := 0
	for n < len(s) && (isLetter(s[n]) || n > 0 && (s[n] >= '0' && s[n] <= '9' || s[n] == '-')) {
		n++
	}
	if n == 0 || n >= len(s) || s[n] != ':' && s[n] != ';' {
		return false
	}
	name := strings.ToUpper(s[:n])
	return strings.HasPrefix(name, "X-") || slices.Contains(meetingProps, name)
}

// meetingProps are the properties of RFC 5545's VEVENT and the component
// lines around it.
var meetingProps = []string{"BEGIN", "END", "UID", "DTSTAMP", "DTSTART", "DTEND", "DURATION", "ORGANIZER", "ATTENDEE",
	"RRULE", "RDATE", "EXDATE", "RECURRENCE-ID", "SEQUENCE", "SUMMARY", "DESCRIPTION", "LOCATION", "STATUS", "CLASS",
	"TRANSP", "PRIORITY", "CREATED", "LAST-MODIFIED", "CATEGORIES", "COMMENT", "CONTACT", "GEO", "RESOURCES", "URL",
	"ATTACH", "RELATED-TO", "REQUEST-STATUS", "CONFERENCE", "TZID"}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

// unfoldHead is the start of s, enough for a property's name, with the
// folds in it taken out ("ORGA\r\n NIZER:").
func unfoldHead(s string) string {
	s = s[:min(len(s), 200)]
	if !strings.Contains(s, "\n") {
		return s
	}
	return folds.Replace(s)
}

// folds are a content line's folds (CRLF or LF, then a blank).
var folds = strings.NewReplacer("\r\n ", "", "\r\n\t", "", "\n ", "", "\n\t", "")

// eachLine calls fn with each content line of m's components, raw (folds
// included), and stops at its first error.
func (c *Calendar) eachLine(m *Meeting, fn func(l line, raw string) error) error {
	for _, comp := range m.Components() {
		for i := comp.begin; i <= comp.end; i++ { // none where end < begin
			l := c.lines[i]
			if err := fn(l, c.data[l.start:l.end]); err != nil {
				return err
			}
		}
	}
	return nil
}

// badByte returns the offset of the first byte of s that is not UTF-8 or
// is a control character other than TAB, CR and LF, and what it is; -1
// when there is none.
func badByte(s string) (int, string) {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b < 0x20 && b != '\t' && b != '\r' && b != '\n' || b == 0x7f {
				return i, fmt.Sprintf("a control character (byte 0x%02X)", b)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return i, fmt.Sprintf("a byte that is not UTF-8 (0x%02X)", b)
		}
		i += size
	}
	return -1, ""
}

// badUnfolded is badByte of a folded content line read unfolded, as RFC
// 5545 (3.1) reads it, "restoring the original sequence of octets": a
// fold inside a multi-octet character is no fault. The offset is raw's.
func badUnfolded(raw string) (int, string) {
	text := make([]byte, 0, len(raw))
	at := make([]int, 0, len(raw)) // raw's offset of each byte of text
	for i := 0; i < len(raw); i++ {
		if n := foldAt(raw, i); n > 0 {
			i += n - 1
			continue
		}
		text = append(text, raw[i])
		at = append(at, i)
	}
	k, what := badByte(string(text))
	if k < 0 {
		return -1, ""
	}
	return at[k], what
}

// foldAt is the length of the fold (a line break and one blank) at raw[i],
// or 0.
func foldAt(raw string, i int) int {
	n := 0
	if strings.HasPrefix(raw[i:], "\r\n") {
		n = 2
	} else if raw[i] == '\n' {
		n = 1
	}
	if n > 0 && i+n < len(raw) && (raw[i+n] == ' ' || raw[i+n] == '\t') {
		return n + 1
	}
	return 0
}
