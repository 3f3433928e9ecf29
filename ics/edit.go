package ics

import (
	"bytes"
)

// setValue replaces a property's value, keeping its name and parameters
// exactly as written. The line is written again with CRLF, folded at 75
// octets.
func (c *Calendar) setValue(p Property, value string) {
	if _, edited := c.replace[p.line]; !edited && value == p.Value {
		return // the line stays as written, its folding too
	}
	c.setFolded(p, foldPieces(p.head, ":", value))
}

// setFolded replaces a property's line with a folded content line.
func (c *Calendar) setFolded(p Property, folded string) {
	if c.replace == nil {
		c.replace = map[int]string{}
	}
	c.replace[p.line] = folded
	c.touch(p.line)
}

// touch notes that line i may have an edit (a replacement, an insertion
// before it, a mark). An edit taken back leaves the note: a line noted but
// in none of the maps is written as read.
func (c *Calendar) touch(i int) {
	if i < 0 || i >= len(c.lines) {
		return
	}
	if c.touched == nil {
		c.touched = make([]bool, len(c.lines))
	}
	c.touched[i] = true
}

// remove takes a property's line out of the calendar, continuation lines
// included; every other line keeps its bytes and its place.
func (c *Calendar) remove(p Property) {
	c.setFolded(p, "")
}

// insertBefore adds a content line before the line at index i.
func (c *Calendar) insertBefore(i int, text string) {
	if c.insertions == nil {
		c.insertions = map[int]string{}
	}
	c.insertions[i] += fold(text)
	c.touch(i)
}

// Current returns the first property called name (upper case) of comp as
// the calendar now stands: as edited, as inserted (a SEQUENCE or DTSTAMP
// added where missing), or as read; ok is false when comp has none or it
// was removed.
func (c *Calendar) Current(comp *Component, name string) (Property, bool) {
	for _, p := range comp.Props {
		if p.Name != name {
			continue
		}
		text, replaced := c.replace[p.line]
		if !replaced {
			return p, true
		}
		if q, ok := editedProperty(text, name); ok {
			q.line = p.line
			return q, true
		}
	}
	inserted := c.insertions[c.tail(comp)]
	for inserted != "" {
		var line string
		line, inserted = nextContentLine(inserted)
		if q, ok := editedProperty(line, name); ok {
			q.line = -1
			return q, true
		}
	}
	return Property{}, false
}

// editedProperty parses an edited or inserted content line (folded, with
// its ending) when it is a property called name.
func editedProperty(text, name string) (Property, bool) {
	if text == "" { // removed
		return Property{}, false
	}
	p, err := parseProperty(unfold(text))
	return p, err == nil && p.Name == name
}

// nextContentLine splits folded text at the end of its first content line.
func nextContentLine(text string) (string, string) {
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' && (i+1 == len(text) || text[i+1] != ' ' && text[i+1] != '\t') {
			return text[:i+1], text[i+1:]
		}
	}
	return text, ""
}

// Edited reports whether any line was changed.
func (c *Calendar) Edited() bool {
	return len(c.replace) > 0 || len(c.insertions) > 0
}

// Bytes returns the calendar with its edits; an unedited calendar gives back
// exactly the bytes it was parsed from. Every line not edited keeps its
// bytes, its ending included; an edited or inserted line ends in CRLF, as
// SPEC and RFC 5545 say, also in a file whose other lines end in LF alone.
func (c *Calendar) Bytes() []byte {
	if !c.Edited() {
		return []byte(c.data)
	}
	b := make([]byte, 0, len(c.data)+c.growth())
	prev := 0
	for _, i := range c.editIndex() { // a marked line is a replaced one too
		l := c.lines[i]
		b = append(b, c.data[prev:l.start]...)
		b = append(b, c.insertions[i]...)
		if rep, replaced := c.replace[i]; replaced {
			b = append(b, rep...)
		} else {
			b = append(b, c.data[l.start:l.end]...)
		}
		prev = l.end
	}
	return append(b, c.data[prev:]...)
}

// growth is how many bytes the edits add, at most.
func (c *Calendar) growth() int {
	n := 0
	for i, r := range c.replace {
		n += len(r) - (c.lines[i].end - c.lines[i].start)
	}
	for _, ins := range c.insertions {
		n += len(ins)
	}
	return max(n, 0)
}

// unmarkedRaw returns the lines begin..end (inclusive) with edits applied,
// except the marks of SetScheduleAgentClient.
func (c *Calendar) unmarkedRaw(begin, end int) string {
	return string(c.appendUnmarked(nil, begin, end, nil))
}

// appendUnmarked is unmarkedRaw appending to dst, with the lines of
// override (by line) in their place: the bytes between edited lines are
// copied in one piece each.
func (c *Calendar) appendUnmarked(dst []byte, begin, end int, override map[int]string) []byte {
	prev := c.lines[begin].start
	for i := begin; i <= end; i++ {
		text, over := override[i]
		if !over && (c.touched == nil || !c.touched[i]) {
			continue
		}
		l := c.lines[i]
		dst = append(dst, c.data[prev:l.start]...)
		dst = append(dst, c.insertions[i]...)
		if over {
			dst = append(dst, text...)
		} else if text, ok := c.unmarked[i]; ok {
			dst = append(dst, text...)
		} else if rep, ok := c.replace[i]; ok {
			dst = append(dst, rep...)
		} else {
			dst = append(dst, c.data[l.start:l.end]...)
		}
		prev = l.end
	}
	return append(dst, c.data[prev:c.lines[end].end]...)
}

// editIndex returns, in order, the lines replaced, marked or with text
// inserted before them (and maybe lines whose edits were taken back): one
// pass over the lines, however many meetings were edited.
func (c *Calendar) editIndex() []int {
	var idx []int
	for i, t := range c.touched {
		if t {
			idx = append(idx, i)
		}
	}
	return idx
}

// BytesCRLF returns the calendar as Bytes does, with every line ending in
// CRLF as RFC 5545 requires: what a CalDAV server is sent, whatever the
// ending of the data it served (a REPORT's calendar data arrives LF-only,
// XML parsing having turned CRLF into LF).
func (c *Calendar) BytesCRLF() []byte {
	b := c.Bytes()
	if bytes.Count(b, []byte("\n")) == bytes.Count(b, []byte("\r\n")) {
		return b
	}
	return []byte(crlf(string(b)))
}
