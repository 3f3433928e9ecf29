package ics

import (
	"slices"
	"strings"
)

// setValue replaces a property's value, keeping its name and parameters
// exactly as written. The line is written again with CRLF, folded at 75
// octets.
func (c *Calendar) setValue(p Property, value string) {
	c.setFolded(p, foldPieces(p.head, ":", value))
}

// setFolded replaces a property's line with a folded content line.
func (c *Calendar) setFolded(p Property, folded string) {
	if c.replace == nil {
		c.replace = map[int]string{}
	}
	c.replace[p.line] = folded
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
}

// Edited reports whether any line was changed.
func (c *Calendar) Edited() bool {
	return len(c.replace) > 0 || len(c.insertions) > 0
}

// Bytes returns the calendar with its edits; an unedited calendar gives back
// exactly the bytes it was parsed from.
func (c *Calendar) Bytes() []byte {
	if !c.Edited() {
		return []byte(c.data)
	}
	b := make([]byte, 0, len(c.data)+c.growth())
	prev := 0
	for _, i := range c.editedLines() {
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

// editedLines returns the indexes of the lines replaced or with text
// inserted before them, in order.
func (c *Calendar) editedLines() []int {
	idx := make([]int, 0, len(c.replace)+len(c.insertions))
	for i := range c.replace {
		idx = append(idx, i)
	}
	for i := range c.insertions {
		if _, replaced := c.replace[i]; !replaced {
			idx = append(idx, i)
		}
	}
	slices.Sort(idx)
	for len(idx) > 0 && idx[0] < 0 { // never happens: edits are made on lines that exist
		idx = idx[1:]
	}
	for len(idx) > 0 && idx[len(idx)-1] >= len(c.lines) {
		idx = idx[:len(idx)-1]
	}
	return idx
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
	var b strings.Builder
	for i := begin; i <= end; i++ {
		b.WriteString(c.insertions[i])
		if text, ok := c.unmarked[i]; ok {
			b.WriteString(text)
		} else if rep, ok := c.replace[i]; ok {
			b.WriteString(rep)
		} else {
			b.WriteString(c.data[c.lines[i].start:c.lines[i].end])
		}
	}
	return b.String()
}
