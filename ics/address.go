package ics

import "strings"

// address returns the e-mail address of a CAL-ADDRESS value: lower case,
// without "mailto:".
func address(value string) string {
	v := strings.TrimSpace(value)
	if len(v) >= 7 && strings.EqualFold(v[:7], "mailto:") {
		v = v[7:]
	}
	return strings.ToLower(strings.TrimSpace(v))
}

// localPart returns what stands before the '@'.
func localPart(addr string) string {
	if i := strings.IndexByte(addr, '@'); i >= 0 {
		return addr[:i]
	}
	return addr
}

// isOrganizer reports whether the ORGANIZER of a component is one of addrs.
func isOrganizer(comp *Component, addrs []string) bool {
	p, ok := comp.Prop("ORGANIZER")
	if !ok {
		return false
	}
	org := address(p.Value)
	for _, a := range addrs {
		if address(a) == org {
			return true
		}
	}
	return false
}

// people returns the distinct attendee addresses of the components, the
// organiser excluded, and the organiser's address.
func people(comps []*Component) (attendees []string, organizer string) {
	n := 0
	for _, comp := range comps {
		if p, ok := comp.Prop("ORGANIZER"); ok && organizer == "" {
			organizer = address(p.Value)
		}
		for _, p := range comp.Props {
			if p.Name == "ATTENDEE" {
				n++
			}
		}
	}
	if n == 0 {
		return nil, organizer
	}
	seen := make(map[string]bool, n)
	attendees = make([]string, 0, n)
	for _, comp := range comps {
		for _, p := range comp.Props {
			if p.Name != "ATTENDEE" {
				continue
			}
			a := address(p.Value)
			if a == "" || a == organizer || seen[a] {
				continue
			}
			seen[a] = true
			attendees = append(attendees, a)
		}
	}
	if len(attendees) == 0 {
		return nil, organizer
	}
	return attendees, organizer
}
