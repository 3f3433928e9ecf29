// Package recur answers the one question mms asks of a meeting's time: does
// any occurrence start at or after now? It expands RRULE (rrule-go), RDATE
// and EXDATE in the event's own zone, so a 09:00 meeting stays at 09:00
// local time across DST changes, and lets overridden instances replace the
// occurrences they stand for (with RANGE=THISANDFUTURE, moving the later
// ones too).
//
// Times: a TZID is resolved by a tz.Resolver (Windows names, the file's
// VTIMEZONEs); floating times and all-day dates are read in the floating
// location the caller passes (midnight there, for a date). Floating
// EXDATE, RDATE and RECURRENCE-ID values of a series are read in the zone
// of its DTSTART.
package recur

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"github.com/mms-project/mms/ics/tz"
)

// Series is one meeting: the master and its overridden instances.
type Series struct {
	Master    *ical.Component   // nil when only instances were exported
	Overrides []*ical.Component // components with RECURRENCE-ID
	Budget    *Budget           // shared by the series of one calendar; nil: each rule is bounded alone
}

// Budget bounds the expansion of every series of one calendar together:
// Steps occurrences in all, and none once Done is closed (a cancelled
// run). It is not safe for concurrent use.
type Budget struct {
	Steps int64
	Done  <-chan struct{}
	// Time bounds the time the expansions take together (0: no bound):
	// one step of rrule-go's iterator can walk centuries.
	Time  time.Duration
	spent time.Duration
}

// overTime says why the expansions must stop once they took, with the
// one under way for running, longer than Time in all.
func (b *Budget) overTime(running time.Duration) error {
	if b == nil || b.Time == 0 || b.spent+running <= b.Time {
		return nil
	}
	return fmt.Errorf("the calendar's recurrences took more than %s in all to expand; refusing the rest", b.Time)
}

// took adds an expansion's time to what the budget spent.
func (b *Budget) took(d time.Duration) {
	if b != nil {
		b.spent += d
	}
}

// spend takes one step; it says why the expansion must stop, if it must.
func (b *Budget) spend(steps int) error {
	if b == nil {
		return nil
	}
	b.Steps--
	if b.Steps < 0 {
		return fmt.Errorf("the calendar's recurrences took more steps in all than mms allows one calendar; refusing the rest")
	}
	if steps%1024 == 0 && b.Done != nil {
		select {
		case <-b.Done:
			return ErrCancelled
		default:
		}
	}
	return nil
}

// ErrCancelled is returned when Budget.Done closed during an expansion.
var ErrCancelled = errors.New("expanding the recurrence: cancelled")

// ErrRecurrence is what an error of expanding a series' rules and dates
// is (errors.Is): an RRULE, RDATE or EXDATE that cannot be read or is too
// dense to walk. A time zone's error stays tz.ErrZone, a cancelled walk
// ErrCancelled. The message stays the error's own.
var ErrRecurrence = errors.New("recurrence")

type recurrenceError struct{ err error }

func (e recurrenceError) Error() string        { return e.err.Error() }
func (e recurrenceError) Unwrap() error        { return e.err }
func (e recurrenceError) Is(target error) bool { return target == ErrRecurrence }

// asRecurrence marks err, from expanding a series, as ErrRecurrence,
// unless it is a time zone's or a cancellation.
func asRecurrence(err error) error {
	if err == nil || errors.Is(err, tz.ErrZone) || errors.Is(err, ErrCancelled) {
		return err
	}
	return recurrenceError{err}
}

// NextAtOrAfter returns the series' first occurrence starting at or after
// now: the master's DTSTART, RRULE and RDATE occurrences less EXDATEs and
// those an override replaces, and every override not cancelled, at its own
// DTSTART; an override with RANGE=THISANDFUTURE moves the later ones too,
// and cancelled, cancels them. ok is false when no occurrence is left. A master with
// STATUS:CANCELLED contributes no occurrence.
func (s Series) NextAtOrAfter(now time.Time, r *tz.Resolver, floating *time.Location) (t time.Time, ok bool, err error) {
	n, err := s.Next(now, r, floating)
	return n.At, n.OK, err
}

// Next is what one walk of a series finds from now on: its first
// occurrence (as NextAtOrAfter), and whether the master has one of its
// own left (not one an override replaces): a series that ended may have
// an instance moved into the future.
type Next struct {
	At       time.Time
	OK       bool // an occurrence is left: At
	MasterOK bool // the master has an occurrence of its own left
}

// Next walks the series once for NextAtOrAfter and the master's own.
func (s Series) Next(now time.Time, r *tz.Resolver, floating *time.Location) (n Next, err error) {
	defer func() { // rrule-go on input nobody tested it with: fail this meeting only
		if p := recover(); p != nil {
			n, err = Next{}, asRecurrence(fmt.Errorf("expanding the recurrence: %v", p))
		}
	}()
	var next earliest
	p, err := s.read(r, floating)
	if err != nil {
		return Next{}, err
	}
	for _, t := range p.overrides {
		next.consider(t, now)
	}
	if s.Master != nil && !cancelled(s.Master) {
		m := master{c: s.Master, first: p.first, clock: p.clock, allDay: p.allDay, replaced: p.replaced, shifts: p.shifts, budget: s.Budget}
		t, ok, err := m.next(now, r)
		if err != nil {
			return Next{}, asRecurrence(inComponent(s.Master, err))
		}
		if ok {
			next.consider(t, now)
			n.MasterOK = true
		}
	}
	n.At, n.OK = next.t, next.ok
	return n, nil
}

// seriesStarts is what both directions of a walk read first: the master's
// first start, the occurrences the overrides replace and the starts of
// the overrides not cancelled.
type seriesStarts struct {
	first     time.Time
	clock     wallClock // DTSTART's written clock, where first shows another
	allDay    bool
	replaced  skipSet
	shifts    shifts
	overrides []time.Time
}

func (s Series) read(r *tz.Resolver, floating *time.Location) (p seriesStarts, err error) {
	zone := floating
	p.replaced = skipSet{}
	if s.Master != nil {
		if p.first, p.allDay, err = start(s.Master, r, floating); err != nil {
			return p, inComponent(s.Master, err)
		}
		p.clock = writtenClock(s.Master, p.first)
		zone = p.first.Location()
	}
	for _, o := range s.Overrides {
		id, ok, err := p.replaced.addRecurrenceID(o, r, zone)
		if err != nil {
			return p, inComponent(o, err)
		}
		if ok && thisAndFuture(o) {
			if err := p.shifts.add(o, id, r, floating); err != nil {
				return p, inComponent(o, err)
			}
		}
		if cancelled(o) {
			continue
		}
		t, _, err := start(o, r, floating)
		if err != nil {
			return p, inComponent(o, err)
		}
		p.overrides = append(p.overrides, t)
	}
	return p, nil
}

// Replaced returns the occurrence an override of the series stands for,
// its RECURRENCE-ID, read as the walk reads it (floating, in the zone of
// the master's DTSTART); ok is false for a component without one.
func (s Series) Replaced(o *ical.Component, r *tz.Resolver, floating *time.Location) (t time.Time, ok bool, err error) {
	zone := floating
	if s.Master != nil {
		first, _, err := start(s.Master, r, floating)
		if err != nil {
			return time.Time{}, false, inComponent(s.Master, err)
		}
		zone = first.Location()
	}
	var skip skipSet
	t, ok, err = skip.addRecurrenceID(o, r, zone)
	return t, ok, inComponent(o, err)
}

// IsPast reports whether one component (a single event or one overridden
// instance) starts before now. An all-day date starts at midnight in
// floating.
func IsPast(c *ical.Component, now time.Time, r *tz.Resolver, floating *time.Location) (bool, error) {
	t, _, err := start(c, r, floating)
	if err != nil {
		return false, inComponent(c, err)
	}
	return t.Before(now), nil
}

// InstancePast reports whether one override of the series lies before
// now: it starts before now and, with RANGE=THISANDFUTURE, so does every
// occurrence of the master it moves (those up to the next such
// override's), which it stands for.
func (s Series) InstancePast(o *ical.Component, now time.Time, r *tz.Resolver, floating *time.Location) (past bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			past, err = false, asRecurrence(fmt.Errorf("expanding the recurrence: %v", p))
		}
	}()
	past, err = IsPast(o, now, r, floating)
	if err != nil || !past || s.Master == nil || cancelled(s.Master) || !thisAndFuture(o) {
		return past, err
	}
	p, err := s.read(r, floating)
	if err != nil {
		return false, err
	}
	g, ok := p.shifts.of(o)
	if !ok || g.cancelled {
		return true, nil
	}
	m := master{c: s.Master, first: p.first, clock: p.clock, allDay: p.allDay, replaced: p.replaced, shifts: p.shifts, budget: s.Budget}
	skip, dates, err := m.read(r)
	if err == nil {
		_, ok, err = m.nextIn(g, skip, dates, now)
	}
	if err != nil {
		return false, asRecurrence(inComponent(s.Master, err))
	}
	return !ok, nil
}

func cancelled(c *ical.Component) bool {
	p := c.Props.Get(ical.PropStatus)
	return p != nil && strings.EqualFold(strings.TrimSpace(p.Value), "CANCELLED")
}

// earliest keeps the earliest time at or after now it is shown.
type earliest struct {
	t  time.Time
	ok bool
}

func (e *earliest) consider(t, now time.Time) {
	if !t.Before(now) && (!e.ok || t.Before(e.t)) {
		e.t, e.ok = t, true
	}
}

// skipSet holds occurrences that do not happen as the master says:
// excluded (EXDATE) or replaced by an override (RECURRENCE-ID). A DATE
// value skips every occurrence on that day.
type skipSet struct {
	instants map[int64]bool
	days     map[civilDay]bool
}

type civilDay struct {
	y int
	m time.Month
	d int
}

func (s *skipSet) add(ts []time.Time, allDay bool) {
	for _, t := range ts {
		if allDay {
			if s.days == nil {
				s.days = map[civilDay]bool{}
			}
			y, m, d := t.Date()
			s.days[civilDay{y, m, d}] = true
		}
		if s.instants == nil {
			s.instants = map[int64]bool{}
		}
		s.instants[t.Unix()] = true
	}
}

// addRecurrenceID skips the occurrence an override replaces, and returns
// it.
func (s *skipSet) addRecurrenceID(o *ical.Component, r *tz.Resolver, zone *time.Location) (time.Time, bool, error) {
	p := o.Props.Get(ical.PropRecurrenceID)
	if p == nil {
		return time.Time{}, false, nil
	}
	ts, allDay, err := values(p, r, zone)
	if err != nil {
		return time.Time{}, false, err
	}
	s.add(ts[:1], allDay)
	return ts[0], true, nil
}

// has reports whether t, an occurrence in the series' zone, is skipped.
func (s *skipSet) has(t time.Time) bool {
	if s.instants[t.Unix()] {
		return true
	}
	if len(s.days) == 0 {
		return false
	}
	y, m, d := t.Date()
	return s.days[civilDay{y, m, d}]
}

// master is a series master being expanded.
type master struct {
	c        *ical.Component
	first    time.Time // DTSTART, in the series' zone
	clock    wallClock // DTSTART's written clock, where first shows another
	allDay   bool
	replaced skipSet
	shifts   shifts // its THISANDFUTURE overrides
	budget   *Budget
}

// next returns the master's first occurrence at or after now that is
// neither excluded nor replaced, where it takes place.
func (m master) next(now time.Time, r *tz.Resolver) (time.Time, bool, error) {
	skip, dates, err := m.read(r)
	if err != nil {
		return time.Time{}, false, err
	}
	var next earliest
	for _, g := range m.shifts.segments() {
		if g.cancelled {
			continue
		}
		t, ok, err := m.nextIn(g, skip, dates, now)
		if err != nil {
			return time.Time{}, false, err
		}
		if ok {
			next.consider(t, now)
		}
	}
	return next.t, next.ok, nil
}

// read returns the occurrences the master skips (EXDATE, and those
// overrides replace) and its dates: DTSTART, always its first occurrence
// (RFC 5545 3.8.5.3), and every RDATE.
func (m master) read(r *tz.Resolver) (skipSet, []time.Time, error) {
	zone := m.first.Location()
	skip := m.replaced
	for _, p := range m.c.Props.Values(ical.PropExceptionDates) {
		ts, allDay, err := values(&p, r, zone)
		if err != nil {
			return skip, nil, err
		}
		skip.add(ts, allDay && !m.allDay) // a date in a timed series skips its day
	}
	dates := []time.Time{m.first}
	for _, p := range m.c.Props.Values(ical.PropRecurrenceDates) {
		ts, _, err := values(&p, r, zone)
		if err != nil {
			return skip, nil, err
		}
		dates = append(dates, ts...)
	}
	return skip, dates, nil
}

// nextIn returns the first occurrence of those g holds that takes place
// at or after now, moved as g moves them.
func (m master) nextIn(g segment, skip skipSet, dates []time.Time, now time.Time) (time.Time, bool, error) {
	var next earliest
	for _, t := range dates {
		if g.holds(t) && !skip.has(t) {
			next.consider(t.Add(g.by), now)
		}
	}
	from := now.Add(-g.by)
	if from.Before(g.from) {
		from = g.from
	}
	if !g.to.IsZero() && !from.Before(g.to) {
		return next.t, next.ok, nil
	}
	for _, p := range m.c.Props.Values(ical.PropRecurrenceRule) {
		t, ok, err := ruleNext(p.Value, m.first, m.clock, from, skip.has, m.budget)
		if err != nil {
			return time.Time{}, false, propError(&p, fmt.Errorf("RRULE %q: %w", excerpt(p.Value), err))
		}
		if ok && g.holds(t) {
			next.consider(t.Add(g.by), now)
		}
	}
	return next.t, next.ok, nil
}
