package recur

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"github.com/mms-project/mms/ics/tz"
)

// DateTime reads a DATE or DATE-TIME property such as DTSTART, DTEND,
// RECURRENCE-ID or the first value of an EXDATE: UTC when it ends in Z,
// in the zone its TZID names (resolved by r, so Windows names and the
// file's VTIMEZONEs work), else floating, read in floating. A DATE
// (VALUE=DATE, or eight digits) is midnight in floating and reports allDay.
func DateTime(p *ical.Prop, r *tz.Resolver, floating *time.Location) (t time.Time, allDay bool, err error) {
	ts, allDay, err := values(p, r, floating)
	if err != nil {
		return time.Time{}, false, err
	}
	return ts[0], allDay, nil
}

// values reads every value of a property; EXDATE and RDATE hold
// comma-separated lists, and an RDATE PERIOD counts from its start.
// Floating values are read in floating, DATE values are midnight there.
func values(p *ical.Prop, r *tz.Resolver, floating *time.Location) ([]time.Time, bool, error) {
	loc := floating
	if id := p.Params.Get(ical.ParamTimezoneID); id != "" {
		l, err := r.Location(id)
		if err != nil {
			return nil, false, propError(p, fmt.Errorf("%s: %w", p.Name, err))
		}
		loc = l
	}
	kind := strings.ToUpper(strings.TrimSpace(p.Params.Get(ical.ParamValue)))
	allDay := kind == "DATE"
	var out []time.Time
	for _, v := range strings.Split(p.Value, ",") {
		v = strings.TrimSpace(v)
		if start, _, isPeriod := strings.Cut(v, "/"); isPeriod {
			v = start
		}
		t, isDate, err := parse(v, loc, floating, allDay)
		if err != nil {
			return nil, false, propError(p, fmt.Errorf("%s %q: %w", p.Name, excerpt(p.Value), err))
		}
		allDay = allDay || isDate
		out = append(out, t)
	}
	return out, allDay, nil
}

// parse reads one DATE or DATE-TIME value. A DATE is midnight in floating:
// an all-day event begins when the day begins where the user is.
func parse(v string, loc, floating *time.Location, wantDate bool) (time.Time, bool, error) {
	switch {
	case len(v) == 8:
		w, err := time.Parse("20060102", v)
		if err != nil {
			return w, true, fmt.Errorf("not a date like 20260115")
		}
		return inZone(w, floating), true, nil
	case wantDate:
		return time.Time{}, true, fmt.Errorf("VALUE=DATE but not a date like 20260115")
	case strings.HasSuffix(v, "Z") || strings.HasSuffix(v, "z"):
		t, err := time.Parse("20060102T150405", v[:len(v)-1])
		if err != nil {
			return t, false, fmt.Errorf("not a UTC date-time like 20260115T093000Z")
		}
		return t, false, nil
	default:
		w, err := time.Parse("20060102T150405", v)
		if err != nil {
			return w, false, fmt.Errorf("not a date or date-time like 20260115T093000")
		}
		return inZone(w, loc), false, nil
	}
}

// inZone returns the instant the local time w (its clock read as UTC's)
// stands for in loc: where the clock is turned back, the first of the two
// instants that show it (firstOccurrence); in the hour the clock skips
// (the start of summer time), the instant at the offset before the gap,
// which shows an hour later (RFC 5545, section 3.3.5: 02:30 in New York on
// the day summer time begins is 07:30 UTC, 03:30 EDT). Go's time.Date puts
// a skipped time there east of UTC, but an hour early west of it.
func inZone(w time.Time, loc *time.Location) time.Time {
	t := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc)
	if sameWall(t, w) {
		return firstOccurrence(t)
	}
	_, before := t.Add(-26 * time.Hour).Zone()
	return w.Add(-time.Duration(before) * time.Second).In(loc)
}

// start reads a component's DTSTART; an instance without one starts at its
// RECURRENCE-ID.
func start(c *ical.Component, r *tz.Resolver, floating *time.Location) (time.Time, bool, error) {
	p := c.Props.Get(ical.PropDateTimeStart)
	if p == nil {
		p = c.Props.Get(ical.PropRecurrenceID)
	}
	if p == nil {
		return time.Time{}, false, fmt.Errorf("%s has no DTSTART", c.Name)
	}
	return DateTime(p, r, floating)
}

// firstOccurrence returns the first instant that shows t's wall clock in t's
// zone. In the hour a clock is turned back a local time happens twice, and
// RFC 5545 (section 3.3.5) means the first; Go's time.Date picks either,
// depending on the side of UTC the zone lies. Every local time mms reads,
// and every occurrence a rule yields, goes through it (inZone), so that
// they stay comparable.
func firstOccurrence(t time.Time) time.Time { return repeated(t, false) }

// repeated returns the other instant that shows t's wall clock in t's
// zone, the later one or the earlier one as later says; t where there is
// none such.
func repeated(t time.Time, later bool) time.Time {
	if t.Location() == time.UTC {
		return t
	}
	_, off := t.Zone()
	for _, probe := range [2]time.Time{t.Add(-26 * time.Hour), t.Add(26 * time.Hour)} {
		_, o := probe.Zone()
		if o == off || o < off != later {
			continue // the other offset moves the wall clock the other way
		}
		if c := t.Add(time.Duration(off-o) * time.Second); sameWall(c, t) {
			return c
		}
	}
	return t
}

func sameWall(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	ah, ami, as := a.Clock()
	bh, bmi, bs := b.Clock()
	return ay == by && am == bm && ad == bd && ah == bh && ami == bmi && as == bs
}

// PropError is an error in the value of one property, Name and Value as
// read, of the component Comp (nil where unknown): the caller, which
// knows where the property stands, names its line.
type PropError struct {
	Name, Value string
	Comp        *ical.Component
	err         error // the message, wrapping the cause
}

func (e *PropError) Error() string { return e.err.Error() }
func (e *PropError) Unwrap() error { return e.err }

func propError(p *ical.Prop, err error) error {
	return &PropError{Name: p.Name, Value: p.Value, err: err}
}

// inComponent notes in a PropError the component its property is of.
func inComponent(c *ical.Component, err error) error {
	var pe *PropError
	if errors.As(err, &pe) && pe.Comp == nil {
		pe.Comp = c
	}
	return err
}
