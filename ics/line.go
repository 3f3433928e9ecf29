package ics

import (
	"slices"
	"strings"
)

// line is one content line: its first physical line and every continuation,
// as offsets into the calendar's data.
type line struct {
	start, end int // data[start:end] is the raw text, line endings included
	num        int // 1-based number of the first physical line
	folded     bool
	blank      bool
}

// splitLines cuts data into content lines. A physical line that starts with
// a space or TAB continues the previous content line (a fold). A physical
// line that cannot start a content line (no NAME followed by ';' or ':')
// also continues it (see mayRunOn): some exporters write raw line breaks
// inside a text value. After BEGIN, END or a property whose value is a
// code or a time it is a line of its own, which its component fails on.
func splitLines(data string, from int) []line {
	lines := make([]line, 0, lineStarts(data[from:]))
	num := 1
	// whether the last content line takes raw line breaks, read once for
	// it: a hostile file's many raw lines do not each read its first again
	runOnLine, runOn := -1, false
	takesRaw := func() bool {
		if last := len(lines) - 1; runOnLine != last {
			runOnLine, runOn = last, mayRunOn(data[lines[last].start:])
		}
		return runOn
	}
	for pos := from; pos < len(data); {
		end := physicalEnd(data, pos)
		text := data[pos:end]
		switch {
		case isBlank(text):
			lines = append(lines, line{start: pos, end: end, num: num, blank: true})
		case len(lines) > 0 && !lines[len(lines)-1].blank && continues(text) &&
			(text[0] == ' ' || text[0] == '\t' || takesRaw()):
			lines[len(lines)-1].end = end
			lines[len(lines)-1].folded = true
		default:
			lines = append(lines, line{start: pos, end: end, num: num})
		}
		num++
		pos = end
	}
	return lines
}

// lineStarts counts the physical lines that do not start with a space or
// a TAB: at least as many as the content lines.
func lineStarts(data string) int {
	n := 1
	for {
		k := strings.IndexByte(data, '\n')
		if k < 0 {
			return n
		}
		data = data[k+1:]
		if data != "" && data[0] != ' ' && data[0] != '\t' {
			n++
		}
	}
}

// physicalEnd returns the offset just past the '\n' that ends the physical
// line starting at pos, or len(data).
func physicalEnd(data string, pos int) int {
	i := strings.IndexByte(data[pos:], '\n')
	if i < 0 {
		return len(data)
	}
	return pos + i + 1
}

func isBlank(text string) bool {
	for i := 0; i < len(text); i++ {
		if text[i] != '\r' && text[i] != '\n' {
			return false
		}
	}
	return true
}

// continues reports whether a physical line belongs to the content line
// before it.
func continues(text string) bool {
	return text[0] == ' ' || text[0] == '\t' || !startsContentLine(text)
}

// mayRunOn reports whether the content line that starts src may take a
// raw line break: any but BEGIN and END and the properties whose values
// are codes or times (CLASS, TRANSP, STATUS, PRIORITY, DTSTAMP, CREATED,
// LAST-MODIFIED), where a line that cannot start a content line is no
// part of them: taken as one, after BEGIN:VEVENT it hid a whole meeting
// (found by an audit). Text runs on, and so does a name a raw-broken text
// made up ("Agenda:" in a DESCRIPTION broken raw by its exporter); after
// ORGANIZER, a date or a rule the meeting then fails saying what ran on
// into what (unbrokenProps).
func mayRunOn(src string) bool {
	end := strings.IndexAny(src, ";:\n")
	if end < 0 {
		return false
	}
	return !slices.Contains(codeProps, strings.ToUpper(src[:end]))
}

// codeProps are the properties no raw line break runs on in.
var codeProps = []string{"BEGIN", "END", "CLASS", "TRANSP", "STATUS", "PRIORITY", "DTSTAMP", "CREATED", "LAST-MODIFIED"}

// startsContentLine reports whether text begins with a property name
// followed by ';' or ':'.
func startsContentLine(text string) bool {
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == ';' || c == ':':
			return i > 0
		case c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z': // '_': X-ENTOURAGE_UUID
		default:
			return false
		}
	}
	return false
}

// unfold joins the physical lines of one content line: a line break followed
// by one space or TAB disappears; a raw line break inside a value is kept as
// a single '\n'. The final line ending is dropped.
func unfold(raw string) string {
	if !strings.Contains(trimEOL(raw), "\n") {
		return trimEOL(raw)
	}
	var b strings.Builder
	b.Grow(len(raw))
	writeUnfolded(&b, raw)
	return b.String()
}

// writeUnfolded writes what unfold returns.
func writeUnfolded(b *strings.Builder, raw string) {
	raw = trimEOL(raw)
	for {
		k := strings.IndexByte(raw, '\n')
		if k < 0 {
			b.WriteString(raw)
			return
		}
		b.WriteString(strings.TrimSuffix(raw[:k], "\r"))
		raw = raw[k+1:]
		if raw != "" && (raw[0] == ' ' || raw[0] == '\t') {
			raw = raw[1:] // drop the fold's white space
		} else {
			b.WriteByte('\n')
		}
	}
}

func trimEOL(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return strings.TrimSuffix(s, "\r")
}
