package ics

import "strings"

// arena holds what build makes for every line, in few allocations: the
// properties of all components in one array (each component's Props is a
// slice of it) and the unfolded text of all folded lines in one buffer.
type arena struct {
	all        []Property   // the components' Props, back to back
	collecting [][]Property // properties of each open component, by depth
	unfolded   strings.Builder
}

// newArena sizes the arena for the calendar's lines.
func (c *Calendar) newArena() *arena {
	a := &arena{all: make([]Property, 0, len(c.lines))}
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
	for len(a.collecting) <= d {
		a.collecting = append(a.collecting, nil)
	}
	a.collecting[d] = a.collecting[d][:0]
}

// add collects one property of the open component at depth d.
func (a *arena) add(d int, p Property) {
	a.collecting[d] = append(a.collecting[d], p)
}

// props returns the collected properties of the component at depth d,
// moved to the shared array.
func (a *arena) props(d int) []Property {
	ps := a.collecting[d]
	if len(ps) == 0 {
		return nil
	}
	if cap(a.all)-len(a.all) < len(ps) { // cannot happen: one property per line at most
		return append([]Property(nil), ps...)
	}
	from := len(a.all)
	a.all = append(a.all, ps...)
	return a.all[from:len(a.all):len(a.all)]
}
