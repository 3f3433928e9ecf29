package ics

import "strings"

// arena holds what build makes for every line, in few allocations: the
// properties of all components in one array, in file order, and the
// unfolded text of all folded lines in one buffer. A component whose
// properties are not interrupted by a sub-component's (the usual case)
// gets a slice of the array as its Props; the others get a copy.
type arena struct {
	all      []Property
	last     int       // depth of the component that added the last property; -1 after a BEGIN
	open     []openRun // by depth
	unfolded strings.Builder
}

// openRun is where the properties of an open component are.
type openRun struct {
	start, end int        // its current run: all[start:end]
	earlier    []Property // its runs before a sub-component interrupted them
}

// newArena sizes the arena for the calendar's lines.
func (c *Calendar) newArena() *arena {
	a := &arena{all: make([]Property, 0, len(c.lines)), last: -1}
	n := 0
	for _, l := range c.lines {
		if l.folded {
			n += l.end - l.start
		}
	}
	a.unfolded.Grow(n)
	return a
}

// unfold returns the unfolded text of a raw content line.
func (a *arena) unfold(raw string, folded bool) string {
	if !folded {
		return trimEOL(raw)
	}
	from := a.unfolded.Len()
	writeUnfolded(&a.unfolded, raw)
	return a.unfolded.String()[from:]
}

// begin starts collecting the properties of a component at depth d.
func (a *arena) begin(d int) {
	for len(a.open) <= d {
		a.open = append(a.open, openRun{})
	}
	a.open[d] = openRun{}
	a.last = -1
}

// add collects one property of the open component at depth d.
func (a *arena) add(d int, p Property) {
	r := &a.open[d]
	if a.last != d { // a new run: keep the one before, if any
		r.earlier = append(r.earlier, a.all[r.start:r.end]...)
		r.start = len(a.all)
	}
	a.all = append(a.all, p)
	r.end, a.last = len(a.all), d
}

// props returns the collected properties of the component at depth d.
func (a *arena) props(d int) []Property {
	r := a.open[d]
	switch {
	case r.start == r.end && len(r.earlier) == 0:
		return nil
	case len(r.earlier) == 0:
		return a.all[r.start:r.end:r.end]
	}
	return append(r.earlier, a.all[r.start:r.end]...)
}
