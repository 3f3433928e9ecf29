package ics

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mms-project/mms/ics/recur"
)

// editedOnce are the properties a rewrite sets (SEQUENCE up by one,
// DTSTAMP and LAST-MODIFIED the run's time): with one twice, which one
// attendees' clients read cannot be told, and only the first would be set.
var editedOnce = []string{"SEQUENCE", "DTSTAMP", "LAST-MODIFIED"}

// checkUpdatable fails a meeting about to be sent whose update would carry
// what its attendees cannot read: in a component it changed (and sends),
// a property the rewrite sets held more than once, or an end (DTEND,
// DURATION) that is not one. The start and the recurrence were read when
// the meeting was decided; the components left as they were are not sent.
func (c *Calendar) checkUpdatable(m *Meeting, changed []*Component, r Rules) error {
	if err := c.oneOfEachInstance(m, changed, r); err != nil {
		return err
	}
	for _, comp := range changed {
		for _, name := range editedOnce {
			if c.asIs[comp] {
				break // carried as it is: none is set
			}
			if all := comp.All(name); len(all) > 1 {
				return fmt.Errorf("%s: line %d: UID %s: the %s holds %s %d times (lines %s); it should hold one, so which one its update should set cannot be told; keep the right one and run again",
					c.Name, c.PropLine(all[1]), m.UID, comp.Name, name, len(all), c.lineList(all))
			}
		}
		if p, err := c.badEnd(comp, r); err != nil {
			return fmt.Errorf("%s: line %d: UID %s: %w", c.Name, c.PropLine(p), m.UID, err)
		}
	}
	return nil
}

// badEnd returns a component's DTEND or DURATION and why it cannot be read,
// if it cannot.
func (c *Calendar) badEnd(comp *Component, r Rules) (Property, error) {
	if p, ok := comp.Prop("DTEND"); ok {
		ep := p.toICal()
		_, _, err := recur.DateTime(&ep, c.resolver(comp), c.floating(comp, r))
		return p, err
	}
	if p, ok := comp.Prop("DURATION"); ok {
		dp := p.toICal()
		if _, err := dp.Duration(); err != nil {
			return p, fmt.Errorf("DURATION %q is not a duration like PT1H30M", p.Value)
		}
	}
	return Property{}, nil
}

// lineList lists the lines of props, the first three of them: "12, 15
// and 20", "12, 15, 20 and 4 more".
func (c *Calendar) lineList(props []Property) string {
	var lines []string
	for _, p := range props[:min(3, len(props))] {
		lines = append(lines, strconv.Itoa(c.PropLine(p)))
	}
	if more := len(props) - len(lines); more > 0 {
		return strings.Join(lines, ", ") + fmt.Sprintf(" and %d more", more)
	}
	return strings.Join(lines[:len(lines)-1], ", ") + " and " + lines[len(lines)-1]
}

// oneOfEachInstance fails an update that would carry two components of the
// same instance (two overrides of one RECURRENCE-ID, however written):
// which one stands cannot be told, and an iTIP message holds one.
func (c *Calendar) oneOfEachInstance(m *Meeting, changed []*Component, r Rules) error {
	seen := map[time.Time]Property{}
	for _, comp := range changed {
		p, ok := comp.Prop("RECURRENCE-ID")
		if !ok {
			continue
		}
		ip := p.toICal()
		at, _, err := recur.DateTime(&ip, c.resolver(comp), c.floating(comp, r))
		if err != nil {
			continue // read when the meeting was decided
		}
		if first, dup := seen[at.UTC()]; dup {
			return fmt.Errorf("%s: line %d: UID %s: the instance of %s is overridden twice (lines %d and %d); an update carries one component for it, so which one stands cannot be told; keep the right one and run again",
				c.Name, c.PropLine(p), m.UID, excerpt(p.Value), c.PropLine(first), c.PropLine(p))
		}
		seen[at.UTC()] = p
	}
	return nil
}
