package ics

import (
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-ical"
)

// Meeting is every VEVENT of one UID in a calendar: the series master (the
// component without RECURRENCE-ID) and its overridden instances.
type Meeting struct {
	UID       string
	Master    *Component   // nil when only instances were exported
	Overrides []*Component // components with RECURRENCE-ID, in file order
	Err       error        // the first error of any of its components
}

// Components returns the master (if any) and the overrides.
func (m *Meeting) Components() []*Component {
	if m.Master == nil {
		return m.Overrides
	}
	return append([]*Component{m.Master}, m.Overrides...)
}

// First returns the component that speaks for the meeting: the master, or
// the first override.
func (m *Meeting) First() *Component {
	if m.Master != nil {
		return m.Master
	}
	return m.Overrides[0]
}

// Meetings groups the calendar's VEVENTs by UID, in order of first
// appearance. A VEVENT without a UID is a meeting of its own whose Err says
// so.
func (c *Calendar) Meetings() []*Meeting {
	var out []*Meeting
	byUID := map[string]*Meeting{}
	for _, ev := range c.Components("VEVENT") {
		uid := ""
		if p, ok := ev.Prop("UID"); ok {
			uid = strings.TrimSpace(p.Value)
		}
		m := byUID[uid]
		if m == nil || uid == "" {
			m = &Meeting{UID: uid}
			out = append(out, m)
			if uid != "" {
				byUID[uid] = m
			}
		}
		c.addToMeeting(m, ev)
	}
	return out
}

func (c *Calendar) addToMeeting(m *Meeting, ev *Component) {
	switch _, isInstance := ev.Prop("RECURRENCE-ID"); {
	case isInstance:
		m.Overrides = append(m.Overrides, ev)
	case m.Master == nil:
		m.Master = ev
	default:
		ev.fail(readable{fmt.Errorf("%s: line %d: a second VEVENT without RECURRENCE-ID for UID %s (the first is at line %d)", c.Name, c.Line(ev), m.UID, c.Line(m.Master))})
		m.Overrides = append(m.Overrides, ev)
	}
	if m.UID == "" && ev.Err == nil {
		ev.fail(fmt.Errorf("%s: line %d: VEVENT has no UID", c.Name, c.Line(ev)))
	}
	c.checkSingle(ev)
	for _, p := range ev.Props {
		if quotedPrintable(p.head) {
			ev.fail(readable{fmt.Errorf("%s: line %d: %s is QUOTED-PRINTABLE encoded (vCalendar 1.0); export the calendar again as iCalendar 2.0", c.Name, c.PropLine(p), p.Name)})
		}
		if slices.Contains(unbrokenProps, p.Name) && strings.Contains(p.Value, "\n") {
			ev.fail(fmt.Errorf("%s: line %d: this line is not an iCalendar line (NAME:value), and %s (line %d) runs on into it; a raw line break belongs only in text, so what the meeting's %s is cannot be told", c.Name, c.brokenLine(p), p.Name, c.PropLine(p), p.Name))
		}
	}
	if m.Err == nil && ev.Err != nil {
		m.Err = ev.Err
	}
}

// readable marks a fault of a VEVENT that leaves who organises it and
// when it takes place as readable as ever (a copy of the meeting, an
// X- property in QUOTED-PRINTABLE): a meeting that is not the user's, or
// past, in every copy is skipped as such, not failed.
type readable struct{ error }

func (e readable) Unwrap() error { return e.error }

// unbrokenProps are the properties whose value a raw line break (a line
// without NAME: after it, taken as part of the value, as some exporters
// break text) would corrupt: who organises and attends, and when.
var unbrokenProps = []string{"ORGANIZER", "ATTENDEE", "UID", "DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "RRULE", "RDATE", "EXDATE", "SEQUENCE"}

// singleTimeProps may appear at most once in a VEVENT (RFC 5545, 3.6.1):
// with two, which one the meeting starts at is anyone's guess.
var singleTimeProps = []string{"DTSTART", "DTEND", "DURATION", "RECURRENCE-ID"}

// checkSingle fails a VEVENT that holds one of singleTimeProps twice.
func (c *Calendar) checkSingle(ev *Component) {
	for _, name := range singleTimeProps {
		if all := ev.All(name); len(all) > 1 {
			ev.fail(fmt.Errorf("%s: line %d: the VEVENT holds %s twice (lines %d and %d); a meeting has one, so which one it means cannot be told; keep the right one and run again", c.Name, c.PropLine(all[1]), name, c.PropLine(all[0]), c.PropLine(all[1])))
		}
	}
}

// quotedPrintable reports whether a head, upper-cased, says
// ENCODING=QUOTED-PRINTABLE; an ASCII head is not copied.
func quotedPrintable(head string) bool {
	const enc, qp = "ENCODING", "QUOTED-PRINTABLE"
	if hasNonASCII(head) {
		return strings.Contains(strings.ToUpper(head), enc+"="+qp)
	}
	for i := strings.IndexByte(head, '='); i >= 0; {
		if i >= len(enc) && i+1+len(qp) <= len(head) && asciiUpperEqual(head[i-len(enc):i], enc) && asciiUpperEqual(head[i+1:i+1+len(qp)], qp) {
			return true
		}
		k := strings.IndexByte(head[i+1:], '=')
		if k < 0 {
			break
		}
		i += k + 1
	}
	return false
}

func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}

// asciiUpperEqual reports whether the ASCII string s, upper-cased, is upper.
func asciiUpperEqual(s, upper string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != upper[i] {
			return false
		}
	}
	return true
}

// isTimeProp tells the properties dates and recurrence are read from.
func isTimeProp(name string) bool {
	switch name {
	case "DTSTART", "DTEND", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID", "STATUS", "TZID", "TZOFFSETFROM", "TZOFFSETTO", "DURATION":
		return true
	}
	return false
}

// toICal converts a component (and its children) to a go-ical value with
// the properties dates and recurrence need, once: the value is only read,
// never changed or encoded.
func (comp *Component) toICal() *ical.Component {
	if comp.asICal != nil {
		return comp.asICal
	}
	out := &ical.Component{Name: comp.Name, Props: ical.Props{}}
	comp.asICal = out
	for _, p := range comp.Props {
		if isTimeProp(p.Name) {
			out.Props[p.Name] = append(out.Props[p.Name], p.toICal())
		}
	}
	for _, child := range comp.Children {
		out.Children = append(out.Children, child.toICal())
	}
	return out
}

// timezones returns the calendar's VTIMEZONE components as go-ical values.
func (c *Calendar) timezones() []*ical.Component {
	var out []*ical.Component
	for _, tz := range c.zoneComponents() {
		if tz.Err == nil {
			out = append(out, tz.toICal())
		}
	}
	return out
}
