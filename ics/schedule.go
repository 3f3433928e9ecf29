package ics

import "strings"

// scheduleAgentClient is the parameter that tells a CalDAV server not to
// schedule for an attendee or organiser (RFC 6638, section 7.1).
const scheduleAgentClient = "SCHEDULE-AGENT=CLIENT"

// SetScheduleAgentClient marks the ORGANIZER and every ATTENDEE of the
// given components (a Result's Changed) with SCHEDULE-AGENT=CLIENT, so that
// a CalDAV server storing the calendar leaves sending the update to us and
// attendees never get two copies. An existing SCHEDULE-AGENT parameter is
// replaced (duplicates dropped), except NONE (no scheduling for that
// attendee at all, which the server's too), the other parameters and the value keep
// their bytes; a line that already says SCHEDULE-AGENT=CLIENT is left
// alone. Marked lines are written again folded at 75 octets, like every
// edited line; all other lines keep their bytes.
//
// The mark is for the stored copy only: Request writes marked lines as they
// were before. It returns how many lines it changed.
func (c *Calendar) SetScheduleAgentClient(comps []*Component) int {
	return c.markClient(comps, func(p Property) bool { return p.Name == "ATTENDEE" || p.Name == "ORGANIZER" })
}

// SetScheduleAgentClientExcept marks, as SetScheduleAgentClient does, the
// ATTENDEEs of the components but those whose address is in except: the
// attendees a scheduling server delivers to itself. The ORGANIZER is left
// as it is, so that the server goes on scheduling for those.
func (c *Calendar) SetScheduleAgentClientExcept(comps []*Component, except []string) int {
	skip := map[string]bool{}
	for _, a := range except {
		skip[address(a)] = true
	}
	return c.markClient(comps, func(p Property) bool { return p.Name == "ATTENDEE" && !skip[userAddress(p)] })
}

// markClient marks the properties of the components that which accepts.
func (c *Calendar) markClient(comps []*Component, which func(Property) bool) int {
	n := 0
	for _, comp := range comps {
		if c.asIs[comp] {
			continue // carried as it was: the server has nothing new of it to schedule
		}
		for _, p := range comp.Props {
			if !which(p) {
				continue
			}
			cur := c.current(p)
			head, changed := withScheduleAgentClient(cur.head)
			if !changed {
				continue
			}
			c.keepUnmarked(p.line)
			c.setFolded(p, foldPieces(head, ":", cur.Value))
			n++
		}
	}
	return n
}

// current returns a property as its line now stands, edits included.
func (c *Calendar) current(p Property) Property {
	rep, ok := c.replace[p.line]
	if !ok {
		return p
	}
	cur, err := parseProperty(unfold(rep))
	if err != nil { // cannot happen: edited lines are written from parsed ones
		return p
	}
	cur.line = p.line
	return cur
}

// keepUnmarked remembers the text a line had before its first mark.
func (c *Calendar) keepUnmarked(i int) {
	if _, ok := c.unmarked[i]; ok {
		return
	}
	if c.unmarked == nil {
		c.unmarked = map[int]string{}
	}
	text, ok := c.replace[i]
	if !ok {
		text = c.data[c.lines[i].start:c.lines[i].end]
	}
	c.unmarked[i] = text
	c.touch(i)
}

// ClearScheduleAgentClient takes SCHEDULE-AGENT=CLIENT off the ATTENDEE
// and ORGANIZER lines of the components, so that a scheduling server
// delivers their update itself (--send server): a mark an earlier run's
// outbox or another client left would have it deliver nothing. It
// returns how many lines it changed.
func (c *Calendar) ClearScheduleAgentClient(comps []*Component) int {
	n := 0
	for _, comp := range comps {
		if c.asIs[comp] {
			continue
		}
		for _, p := range comp.Props {
			if p.Name != "ATTENDEE" && p.Name != "ORGANIZER" {
				continue
			}
			cur := c.current(p)
			params := headParams(cur.head)
			var b strings.Builder
			b.WriteString(params[0])
			cleared := false
			for _, q := range params[1:] {
				if name, _, _ := strings.Cut(q[1:], "="); strings.EqualFold(name, "SCHEDULE-AGENT") && isAgent(q, "CLIENT") {
					cleared = true
					continue
				}
				b.WriteString(q)
			}
			if !cleared {
				continue
			}
			c.setFolded(p, foldPieces(b.String(), ":", cur.Value))
			n++
		}
	}
	return n
}

// withScheduleAgentClient returns a head (name and parameters) with its
// SCHEDULE-AGENT parameter set to CLIENT, and whether that changed it.
func withScheduleAgentClient(head string) (string, bool) {
	params := headParams(head)
	var agents []string
	for _, p := range params[1:] {
		if name, _, _ := strings.Cut(p[1:], "="); strings.EqualFold(name, "SCHEDULE-AGENT") {
			agents = append(agents, p)
		}
	}
	if len(agents) == 1 && (isAgent(agents[0], "CLIENT") || isAgent(agents[0], "NONE")) {
		return head, false // NONE: nobody schedules for it, the server no more than we do
	}
	var b strings.Builder
	b.Grow(len(head) + len(scheduleAgentClient) + 1)
	b.WriteString(params[0])
	marked := false
	for _, p := range params[1:] {
		if name, _, _ := strings.Cut(p[1:], "="); !strings.EqualFold(name, "SCHEDULE-AGENT") {
			b.WriteString(p)
		} else if !marked {
			b.WriteString(";" + scheduleAgentClient)
			marked = true
		}
	}
	if !marked {
		b.WriteString(";" + scheduleAgentClient)
	}
	return b.String(), true
}

// isAgent reports whether a ";SCHEDULE-AGENT=..." parameter names agent,
// quoted or not, in any case.
func isAgent(param, agent string) bool {
	_, v, _ := strings.Cut(param, "=")
	return strings.EqualFold(strings.Trim(v, `"`), agent)
}

// headParams cuts a head into its name and its parameters, each with its
// leading ';', exactly as written. A head that does not parse is all name.
func headParams(head string) []string {
	end := strings.IndexByte(head, ';')
	if end < 0 {
		return []string{head}
	}
	out := []string{head[:end]}
	for pos := end; pos < len(head); {
		next, err := parseParam(head, pos+1, nil, true)
		if err != nil || next <= pos || (next < len(head) && head[next] != ';') {
			return []string{head} // cannot happen for a parsed line
		}
		out = append(out, head[pos:next])
		pos = next
	}
	return out
}
