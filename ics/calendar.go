package ics

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"github.com/mms-project/mms/ics/block"
	"github.com/mms-project/mms/ics/recur"
	"github.com/mms-project/mms/ics/tz"
)

const bom = "\xEF\xBB\xBF"

// Calendar is a parsed iCalendar file that remembers its exact bytes.
type Calendar struct {
	Name          string // file name or URL, used in errors
	data          string
	lines         []line
	roots         []*Component // top-level components (usually one VCALENDAR)
	replace       map[int]string
	insertions    map[int]string // text inserted before a line
	unmarked      map[int]string // lines before SetScheduleAgentClient marked them
	touched       []bool         // by line: replaced, marked or with text inserted before it, maybe (see touch)
	vtimezones    []*Component   // see zoneComponents
	zonesRead     bool
	zones         *tz.Resolver
	calendarZones map[*Component]*tz.Resolver   // by VCALENDAR: see resolver
	zoneVariants  map[string]*tz.Resolver       // by what a VCALENDAR's own definitions say
	firstZones    map[string]string             // by TZID, what the file's first definition says
	floatZones    map[*Component]*time.Location // by VCALENDAR: see floating
	budget        *recur.Budget                 // the recurrence steps left for the calendar's meetings
	asIs          map[*Component]bool           // components updates carry unchanged: see withKept
	finder        block.Finder                  // links parsed while finding blocks, shared by the meetings
}

// Component is one BEGIN..END block.
type Component struct {
	Name     string // upper case
	Props    []Property
	Children []*Component
	Parent   *Component
	begin    int             // index of the BEGIN line
	end      int             // index of the END line; -1 when it never ends
	Err      error           // what is wrong with this component, if anything
	asICal   *ical.Component // toICal's value, made once
}

// Parse reads an iCalendar file. It fails only when the data is not an
// iCalendar file at all, or is over MaxCalendarBytes or MaxComponents
// (the calendar returned then is empty); problems inside a component are
// kept on that component (Component.Err) so they cost only what they
// touch.
func Parse(name string, data []byte) (*Calendar, error) {
	c := &Calendar{Name: name}
	if err := checkLimits(name, data); err != nil {
		return c, err
	}
	c.data = string(data)
	from := 0
	if strings.HasPrefix(c.data, bom) {
		from = len(bom)
	}
	c.lines = splitLines(c.data, from)
	c.build()
	if crOnly(c.data) {
		return c, errCROnly(name)
	}
	if utf16(data) {
		return c, fmt.Errorf("%s: the file is UTF-16 text; export the calendar again as UTF-8 (iCalendar files are UTF-8)", name)
	}
	return c, bound(c.check())
}

// build turns the lines into the component tree. The properties of all
// components share one array, and the unfolded text of all folded lines
// one buffer.
func (c *Calendar) build() {
	var stack []*Component
	a := c.newArena()
	for i, l := range c.lines {
		if l.blank {
			continue
		}
		text := a.unfold(c.data[l.start:l.end], l.folded)
		p, err := parseProperty(text)
		switch {
		case err != nil:
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.fail(fmt.Errorf("%s: line %d: %w", c.Name, l.num, err))
			}
		case p.Name == "BEGIN":
			comp := &Component{Name: strings.ToUpper(strings.TrimSpace(p.Value)), begin: i, end: -1}
			a.begin(len(stack))
			if len(stack) > 0 {
				comp.Parent = stack[len(stack)-1]
				comp.Parent.Children = append(comp.Parent.Children, comp)
			} else {
				c.roots = append(c.roots, comp)
			}
			stack = append(stack, comp)
		case p.Name == "END":
			stack = c.close(stack, strings.ToUpper(strings.TrimSpace(p.Value)), i, a)
		case len(stack) > 0:
			p.line = i
			a.add(len(stack)-1, p)
		}
	}
	for k, comp := range stack {
		comp.fail(fmt.Errorf("%s: line %d: BEGIN:%s never ends (the file is truncated)", c.Name, c.lines[comp.begin].num, excerpt(comp.Name)))
		comp.Props = a.props(k)
	}
}

// close pops the stack up to the component that END names. Components it
// closes on the way were never ended and are marked as failed.
func (c *Calendar) close(stack []*Component, name string, i int, a *arena) []*Component {
	for k := len(stack) - 1; k >= 0; k-- {
		if stack[k].Name != name {
			continue
		}
		for j, open := range stack[k+1:] {
			open.fail(fmt.Errorf("%s: line %d: BEGIN:%s is closed by END:%s at line %d", c.Name, c.lines[open.begin].num, excerpt(open.Name), excerpt(name), c.lines[i].num))
			open.Props = a.props(k + 1 + j)
		}
		stack[k].end = i
		stack[k].Props = a.props(k)
		return stack[:k]
	}
	if len(stack) > 0 {
		stack[len(stack)-1].fail(fmt.Errorf("%s: line %d: END:%s without BEGIN:%s", c.Name, c.lines[i].num, excerpt(name), excerpt(name)))
	}
	return stack
}

// fail records the first error of a component and of its parents up to,
// but not including, the VCALENDAR.
func (comp *Component) fail(err error) {
	err = bound(err)
	for x := comp; x != nil && x.Name != "VCALENDAR"; x = x.Parent {
		if x.Err == nil {
			x.Err = err
		}
		if x.Name == "VEVENT" || x.Name == "VTODO" || x.Name == "VJOURNAL" {
			return
		}
	}
}

// check refuses data that is not an iCalendar 2.0 file, and a file cut
// short: a VCALENDAR that never ends has lost the meetings after the cut,
// which no one could tell from the meetings that are left.
func (c *Calendar) check() error {
	calendars := 0
	for _, root := range c.roots {
		if root.Name != "VCALENDAR" {
			continue
		}
		calendars++
		if v, ok := root.Prop("VERSION"); ok && strings.TrimSpace(v.Value) == "1.0" {
			return fmt.Errorf("%s: line %d: this is a vCalendar 1.0 file (VERSION:1.0), not iCalendar 2.0; export the calendar again as iCalendar (.ics, VERSION:2.0)", c.Name, c.lines[v.line].num)
		}
	}
	for _, root := range c.roots {
		if root.Name == "VCALENDAR" && root.end < 0 {
			return fmt.Errorf("%s: line %d: the file ends before END:VCALENDAR (truncated?) of the calendar begun at line %d; meetings after the cut are missing, so export the calendar again", c.Name, c.lastLine(), c.lines[root.begin].num)
		}
	}
	if calendars > 0 {
		return nil
	}
	if len(c.roots) == 0 && len(c.lines) > 0 {
		return fmt.Errorf("%s: line 1: not an iCalendar file (no BEGIN:VCALENDAR)", c.Name)
	}
	if len(c.lines) == 0 {
		return fmt.Errorf("%s: the file is empty", c.Name)
	}
	return fmt.Errorf("%s: line %d: not an iCalendar file (BEGIN:%s where BEGIN:VCALENDAR was expected)", c.Name, c.lines[c.roots[0].begin].num, excerpt(c.roots[0].Name))
}

// lastLine returns the number of the file's last physical line.
func (c *Calendar) lastLine() int {
	l := c.lines[len(c.lines)-1]
	return l.num + strings.Count(trimEOL(c.data[l.start:l.end]), "\n")
}

// Prop returns the first property of that name.
func (comp *Component) Prop(name string) (Property, bool) {
	for _, p := range comp.Props {
		if p.Name == name {
			return p, true
		}
	}
	return Property{}, false
}

// All returns every property of that name, in order.
func (comp *Component) All(name string) []Property {
	var out []Property
	for _, p := range comp.Props {
		if p.Name == name {
			out = append(out, p)
		}
	}
	return out
}

// Line returns the 1-based line number where the component begins.
func (c *Calendar) Line(comp *Component) int {
	return c.lines[comp.begin].num
}

// PropLine returns the 1-based line number of a property.
func (c *Calendar) PropLine(p Property) int {
	return c.lines[p.line].num
}

// brokenLine returns the number of the first physical line that continues
// p without a fold (a raw line break), or p's own line when there is none.
func (c *Calendar) brokenLine(p Property) int {
	l := c.lines[p.line]
	raw := c.data[l.start:l.end]
	for n := l.num; ; n++ {
		i := strings.IndexByte(raw, '\n')
		if i < 0 || i+1 >= len(raw) {
			return l.num
		}
		raw = raw[i+1:]
		if raw[0] != ' ' && raw[0] != '\t' {
			return n + 1
		}
	}
}

// Components returns every component of that name, depth first.
func (c *Calendar) Components(name string) []*Component {
	var out []*Component
	var walk func([]*Component)
	walk = func(list []*Component) {
		for _, comp := range list {
			if comp.Name == name {
				out = append(out, comp)
			}
			walk(comp.Children)
		}
	}
	walk(c.roots)
	return out
}

// zoneComponents is Components("VTIMEZONE"), walked once: every update
// looks its zones up.
func (c *Calendar) zoneComponents() []*Component {
	if !c.zonesRead {
		c.vtimezones, c.zonesRead = c.Components("VTIMEZONE"), true
	}
	return c.vtimezones
}

// utf16 reports whether data starts as UTF-16 text: a byte order mark, or
// "BEGIN" with a NUL after or before each letter.
func utf16(data []byte) bool {
	return bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) ||
		bytes.HasPrefix(data, []byte("B\x00E\x00G\x00")) || bytes.HasPrefix(data, []byte("\x00B\x00E\x00G"))
}
