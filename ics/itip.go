package ics

import (
	"strings"
)

// requestHead opens every iTIP request mms sends.
const requestHead = "BEGIN:VCALENDAR\r\nPRODID:-//mms//Meeting Migration//EN\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n"

// Request returns the iTIP METHOD:REQUEST (RFC 5546) that tells attendees of
// a rewritten meeting: the time zones it uses, then the changed components
// as they now stand in the calendar, with CRLF line endings. Attendees and
// their PARTSTAT and RSVP are carried unchanged.
func (c *Calendar) Request(changed []*Component) []byte {
	var b strings.Builder
	b.WriteString(requestHead)
	for _, zone := range c.zonesUsed(changed) {
		b.WriteString(crlf(c.unmarkedRaw(zone.begin, zone.end)))
	}
	for _, comp := range changed {
		b.WriteString(crlf(c.unmarkedRaw(comp.begin, comp.end)))
	}
	b.WriteString("END:VCALENDAR\r\n")
	return []byte(b.String())
}

// zonesUsed returns the VTIMEZONE components whose TZID the components
// name, in file order.
func (c *Calendar) zonesUsed(comps []*Component) []*Component {
	used := map[string]bool{}
	for _, comp := range comps {
		for _, p := range comp.Props {
			if id := p.Param("TZID"); id != "" {
				used[id] = true
			}
		}
	}
	var out []*Component
	for _, zone := range c.Components("VTIMEZONE") {
		if id, ok := zone.Prop("TZID"); ok && used[id.Value] && zone.end >= 0 && zone.Err == nil {
			out = append(out, zone)
		}
	}
	return out
}

// crlf gives every line a CRLF ending, as iMIP requires.
func crlf(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}
