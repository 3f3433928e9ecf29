package ics

import (
	"bytes"
	"slices"
	"strings"
	"time"

	"github.com/mms-project/mms/ics/tz"
)

// requestHead opens every iTIP request mms sends.
const requestHead = "BEGIN:VCALENDAR\r\nPRODID:-//mms//Meeting Migration//EN\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n"

// Request returns the iTIP METHOD:REQUEST (RFC 5546) that tells attendees of
// a rewritten meeting: the time zones it uses, then the changed components
// as they now stand in the calendar, with CRLF line endings. Attendees and
// their PARTSTAT and RSVP are carried unchanged.
func (c *Calendar) Request(changed []*Component) []byte {
	zones := c.zonesUsed(changed)
	made := c.zonesMade(changed, zones)
	comps := append(zones, changed...)
	size := len(requestHead) + len(requestTail)
	for _, comp := range comps {
		size += c.lines[comp.end].end - c.lines[comp.begin].start
	}
	for _, z := range made {
		size += len(z)
	}
	b := make([]byte, 0, size+size/8) // room for edits
	b = append(b, requestHead...)
	stripped := c.withoutSchedulingParams(changed)
	for _, comp := range zones {
		b = c.appendCRLF(b, comp, stripped)
	}
	for _, z := range made {
		b = append(b, z...)
	}
	for _, comp := range changed {
		b = c.appendCRLF(b, comp, stripped)
	}
	return append(b, requestTail...)
}

// zonesMade returns a VTIMEZONE (tz.Define) for each TZID the components
// name that the calendar does not define (have holds those it does) and
// mms resolves, a Windows or IANA name: RFC 5545 wants every TZID of an
// iCalendar object defined in it, and a recipient reads the update's
// times from the definition. The rules are those of the year of the
// components' DTSTAMP (the run's time).
func (c *Calendar) zonesMade(comps, have []*Component) []string {
	defined := map[string]bool{}
	for _, zone := range have {
		if id, ok := zone.Prop("TZID"); ok {
			defined[id.Value], defined[id.Text()] = true, true // "Contoso\, HQ" defines "Contoso, HQ" too
		}
	}
	year := 0
	var out []string
	for _, comp := range comps {
		for _, p := range comp.Props {
			id := p.Param("TZID")
			if id == "" || defined[id] {
				continue
			}
			defined[id] = true
			loc, err := c.resolver(comp).Location(id)
			if err != nil || loc == time.UTC {
				continue
			}
			if year == 0 {
				year = stampYear(comps)
			}
			if z, ok := tz.Define(id, loc, year); ok {
				out = append(out, z)
			}
		}
	}
	return out
}

// stampYear is the year of the first DTSTAMP of comps, else this year.
func stampYear(comps []*Component) int {
	for _, comp := range comps {
		if p, ok := comp.Prop("DTSTAMP"); ok {
			if t, err := time.Parse("20060102T150405Z", strings.TrimSpace(p.Value)); err == nil {
				return t.Year()
			}
		}
	}
	return time.Now().Year()
}

// schedulingParams are RFC 6638's parameters of a calendar stored on a
// server (sections 7.1 to 7.3): an iTIP message carries none of them.
var schedulingParams = []string{"SCHEDULE-AGENT", "SCHEDULE-FORCE-SEND", "SCHEDULE-STATUS"}

// withoutSchedulingParams returns, by line, the ORGANIZER and ATTENDEE
// lines of the components that carry a scheduling parameter, written
// again without them.
func (c *Calendar) withoutSchedulingParams(comps []*Component) map[int]string {
	var out map[int]string
	for _, comp := range comps {
		for _, p := range comp.Props {
			if p.Name != "ATTENDEE" && p.Name != "ORGANIZER" {
				continue
			}
			cur := c.current(p)
			if text, ok := c.unmarked[p.line]; ok { // as it was before mms marked it
				if u, err := parseProperty(unfold(text)); err == nil {
					cur = u
				}
			}
			if !slices.ContainsFunc(schedulingParams, func(n string) bool { return mayHaveParam(cur.head, n) }) {
				continue
			}
			params := headParams(cur.head)
			head := params[0]
			for _, q := range params[1:] {
				if name, _, _ := strings.Cut(q[1:], "="); !slices.ContainsFunc(schedulingParams, func(n string) bool { return strings.EqualFold(name, n) }) {
					head += q
				}
			}
			if out == nil {
				out = map[int]string{}
			}
			out[p.line] = foldPieces(head, ":", cur.Value)
		}
	}
	return out
}

const requestTail = "END:VCALENDAR\r\n"

// appendCRLF appends a component as it now stands, without marks and
// with the lines of override in their place, every line ending in CRLF
// as iMIP requires.
func (c *Calendar) appendCRLF(b []byte, comp *Component, override map[int]string) []byte {
	start := len(b)
	b = c.appendUnmarked(b, comp.begin, comp.end, override)
	if text := b[start:]; bytes.Count(text, []byte("\n")) != bytes.Count(text, []byte("\r\n")) {
		b = append(b[:start], crlf(string(text))...)
	}
	return b
}

// zonesUsed returns the VTIMEZONE components whose TZID the components
// name, in file order, one for each TZID: a file of several VCALENDARs
// (exports joined together) defines a zone once in each. The one kept is
// the one their times were read in (see Calendar.resolver): the
// components' own VCALENDAR's, else the file's first.
func (c *Calendar) zonesUsed(comps []*Component) []*Component {
	used := map[string]bool{}
	for _, comp := range comps {
		for _, p := range comp.Props {
			if !mayHaveParam(p.head, "TZID") {
				continue
			}
			if id := p.Param("TZID"); id != "" {
				used[id] = true
			}
		}
	}
	if len(used) == 0 {
		return nil
	}
	own := comps[0].Parent
	chosen := map[string]*Component{}
	for _, zone := range c.zoneComponents() {
		id, ok := usedID(zone, used)
		if !ok || zone.end < 0 || zone.Err != nil {
			continue
		}
		had := chosen[id]
		switch {
		case had != nil && had.Parent == own && own != nil: // the meeting's own VCALENDAR's: kept
		case had == nil, zone.Parent == own && own != nil:
			chosen[id] = zone
		}
	}
	var out []*Component
	for _, zone := range c.zoneComponents() {
		if id, ok := usedID(zone, used); ok && chosen[id] == zone {
			out = append(out, zone)
		}
	}
	return out
}

// usedID returns the TZID a VTIMEZONE defines as the components' TZID
// parameters write it: as its value is written, or as the TEXT it is
// ("Contoso\, HQ" is the "Contoso, HQ" of a parameter), if one is used.
func usedID(zone *Component, used map[string]bool) (string, bool) {
	id, ok := zone.Prop("TZID")
	switch {
	case !ok:
		return "", false
	case used[id.Value]:
		return id.Value, true
	case used[id.Text()]:
		return id.Text(), true
	}
	return "", false
}

// mayHaveParam is a quick test before parsing a head's parameters: false
// when no ";NAME=" (in any case) is in it.
func mayHaveParam(head, name string) bool {
	for i := strings.IndexByte(head, ';'); i >= 0; {
		rest := head[i+1:]
		if len(rest) > len(name) && rest[len(name)] == '=' && strings.EqualFold(rest[:len(name)], name) {
			return true
		}
		j := strings.IndexByte(rest, ';')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

// crlf gives every line a CRLF ending, as iMIP requires.
func crlf(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}
