package ics

import (
	"fmt"

	"github.com/mms-project/mms/ics/recur"
)

// editedOnce are the properties a rewrite sets (SEQUENCE up by one,
// DTSTAMP and LAST-MODIFIED the run's time): with one twice, which one
// attendees' clients read cannot be told, and only the first would be set.
var editedOnce = []string{"SEQUENCE", "DTSTAMP", "LAST-MODIFIED"}

// checkUpdatable fails a meeting about to be sent whose update would carry
// what its attendees cannot read: a property the rewrite sets held twice
// by one component, or an end (DTEND, DURATION) that is not one. The
// start and the recurrence were read when the meeting was decided.
func (c *Calendar) checkUpdatable(m *Meeting, r Rules) error {
	for _, comp := range m.Components() {
		for _, name := range editedOnce {
			if all := comp.All(name); len(all) > 1 {
				return fmt.Errorf("%s: line %d: UID %s: the %s holds %s twice (lines %d and %d); it has one, so which one its update should set cannot be told; keep the right one and run again",
					c.Name, c.PropLine(all[1]), m.UID, comp.Name, name, c.PropLine(all[0]), c.PropLine(all[1]))
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
		_, _, err := recur.DateTime(&ep, c.resolver(), c.floating(r))
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
