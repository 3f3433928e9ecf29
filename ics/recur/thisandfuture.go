package recur

import (
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"github.com/mms-project/mms/ics/tz"
)

// shift is what an override with RANGE=THISANDFUTURE does to the master
// (RFC 5545 3.2.13, 3.8.4.4): it stands for its own occurrence and moves
// every later one by as much as its DTSTART moves its RECURRENCE-ID, up
// to the next such override's. The offset is an instant's: an occurrence
// moves by that much time.
type shift struct {
	from      time.Time     // the RECURRENCE-ID
	by        time.Duration // DTSTART less RECURRENCE-ID
	cancelled bool          // STATUS:CANCELLED: the occurrences it moves are cancelled too
	o         *ical.Component
}

// shifts are a series' THISANDFUTURE overrides by RECURRENCE-ID.
type shifts []shift

// thisAndFuture reports whether an override's RECURRENCE-ID has
// RANGE=THISANDFUTURE.
func thisAndFuture(o *ical.Component) bool {
	p := o.Props.Get(ical.PropRecurrenceID)
	return p != nil && strings.EqualFold(strings.TrimSpace(p.Params.Get(ical.ParamRange)), "THISANDFUTURE")
}

// add records a THISANDFUTURE override whose RECURRENCE-ID is from; one
// without a DTSTART moves nothing.
func (s *shifts) add(o *ical.Component, from time.Time, r *tz.Resolver, floating *time.Location) error {
	by := time.Duration(0)
	if p := o.Props.Get(ical.PropDateTimeStart); p != nil {
		to, _, err := DateTime(p, r, floating)
		if err != nil {
			return err
		}
		by = to.Sub(from)
	}
	i, _ := slices.BinarySearchFunc(*s, from, func(x shift, t time.Time) int { return x.from.Compare(t) })
	*s = slices.Insert(*s, i, shift{from: from, by: by, cancelled: cancelled(o), o: o})
	return nil
}

// segment is a span of the master's occurrences one offset moves: from
// (zero: the series' start) up to to (zero: its end).
type segment struct {
	from, to  time.Time
	by        time.Duration
	cancelled bool // the occurrences it holds are cancelled
}

func (g segment) holds(t time.Time) bool {
	return (g.from.IsZero() || !t.Before(g.from)) && (g.to.IsZero() || t.Before(g.to))
}

// segments are the spans of the master's occurrences: before the first
// THISANDFUTURE override, unmoved, then one for each.
func (s shifts) segments() []segment {
	out := make([]segment, 0, len(s)+1)
	out = append(out, segment{})
	for _, x := range s {
		out[len(out)-1].to = x.from
		out = append(out, segment{from: x.from, by: x.by, cancelled: x.cancelled})
	}
	return out
}

// of returns the segment an override of s stands for, if it is one.
func (s shifts) of(o *ical.Component) (segment, bool) {
	for i, x := range s {
		if x.o != o {
			continue
		}
		g := segment{from: x.from, by: x.by, cancelled: x.cancelled}
		if i+1 < len(s) {
			g.to = s[i+1].from
		}
		return g, true
	}
	return segment{}, false
}

// move returns where an occurrence of the master takes place.
func (s shifts) move(t time.Time) time.Time {
	for i := len(s) - 1; i >= 0; i-- {
		if !t.Before(s[i].from) {
			return t.Add(s[i].by)
		}
	}
	return t
}

// cancels reports whether an occurrence of the master is cancelled by
// the THISANDFUTURE override it falls under.
func (s shifts) cancels(t time.Time) bool {
	for i := len(s) - 1; i >= 0; i-- {
		if !t.Before(s[i].from) {
			return s[i].cancelled
		}
	}
	return false
}

// back is the largest move back (0 for none): an occurrence up to
// that much after now may take place before it.
func (s shifts) back() time.Duration {
	var most time.Duration
	for _, x := range s {
		most = max(most, -x.by)
	}
	return most
}
