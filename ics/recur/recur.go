// Package recur answers the one question mms asks of a meeting's time: does
// any occurrence start at or after now? It expands RRULE (rrule-go), RDATE
// and EXDATE in the event's own zone and lets overridden instances replace
// the occurrences they stand for.
package recur

import (
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"

	"github.com/mms-project/mms/ics/tz"
)

// Series is one meeting: the master and its overridden instances.
type Series struct {
	Master    *ical.Component   // nil when only instances were exported
	Overrides []*ical.Component // components with RECURRENCE-ID
}

// DateTime reads a DATE or DATE-TIME property: UTC, with a TZID resolved by
// r, or floating (read in floating). A DATE is midnight in floating.
func DateTime(p *ical.Prop, r *tz.Resolver, floating *time.Location) (time.Time, bool, error) {
	ts, allDay, err := dates(p, r, floating)
	if err != nil {
		return time.Time{}, false, err
	}
	if len(ts) == 0 {
		return time.Time{}, false, fmt.Errorf("%s has no value", p.Name)
	}
	return ts[0], allDay, nil
}

// dates reads every value of a property (EXDATE and RDATE hold lists).
func dates(p *ical.Prop, r *tz.Resolver, floating *time.Location) ([]time.Time, bool, error) {
	loc := floating
	if id := p.Params.Get(ical.ParamTimezoneID); id != "" {
		l, err := r.Location(id)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", p.Name, err)
		}
		loc = l
	}
	allDay := strings.EqualFold(p.Params.Get(ical.ParamValue), "DATE")
	var out []time.Time
	for _, v := range strings.Split(p.Value, ",") {
		v = strings.TrimSpace(v)
		if i := strings.IndexByte(v, '/'); i >= 0 { // PERIOD: its start
			v = v[:i]
		}
		t, isDate, err := parse(v, loc)
		if err != nil {
			return nil, false, fmt.Errorf("%s %q: %w", p.Name, p.Value, err)
		}
		allDay = allDay || isDate
		out = append(out, t)
	}
	return out, allDay, nil
}

func parse(v string, loc *time.Location) (time.Time, bool, error) {
	switch {
	case len(v) == 8:
		t, err := time.ParseInLocation("20060102", v, loc)
		return t, true, err
	case strings.HasSuffix(v, "Z"):
		t, err := time.Parse("20060102T150405Z", v)
		return t, false, err
	default:
		t, err := time.ParseInLocation("20060102T150405", v, loc)
		if err != nil {
			return t, false, fmt.Errorf("not a date or date-time like 20260115T093000")
		}
		return t, false, nil
	}
}

// start reads a component's DTSTART.
func start(c *ical.Component, r *tz.Resolver, floating *time.Location) (time.Time, error) {
	p := c.Props.Get(ical.PropDateTimeStart)
	if p == nil {
		return time.Time{}, fmt.Errorf("no DTSTART")
	}
	t, _, err := DateTime(p, r, floating)
	return t, err
}

// IsPast reports whether one component starts before now.
func IsPast(c *ical.Component, now time.Time, r *tz.Resolver, floating *time.Location) (bool, error) {
	t, err := start(c, r, floating)
	if err != nil {
		return false, err
	}
	return t.Before(now), nil
}

func cancelled(c *ical.Component) bool {
	p := c.Props.Get(ical.PropStatus)
	return p != nil && strings.EqualFold(strings.TrimSpace(p.Value), "CANCELLED")
}

// NextAtOrAfter returns the first occurrence starting at or after now.
func (s Series) NextAtOrAfter(now time.Time, r *tz.Resolver, floating *time.Location) (time.Time, bool, error) {
	var best time.Time
	found := false
	consider := func(t time.Time) {
		if !t.Before(now) && (!found || t.Before(best)) {
			best, found = t, true
		}
	}
	replaced := map[int64]bool{}
	for _, o := range s.Overrides {
		if id := o.Props.Get(ical.PropRecurrenceID); id != nil {
			t, _, err := DateTime(id, r, floating)
			if err != nil {
				return time.Time{}, false, err
			}
			replaced[t.Unix()] = true
		}
		if cancelled(o) {
			continue
		}
		t, err := start(o, r, floating)
		if err != nil {
			return time.Time{}, false, err
		}
		consider(t)
	}
	if s.Master != nil {
		t, ok, err := masterNext(s.Master, now, replaced, r, floating)
		if err != nil {
			return time.Time{}, false, err
		}
		if ok {
			consider(t)
		}
	}
	return best, found, nil
}

// masterNext returns the master's first occurrence at or after now that no
// instance replaces.
func masterNext(m *ical.Component, now time.Time, replaced map[int64]bool, r *tz.Resolver, floating *time.Location) (time.Time, bool, error) {
	if cancelled(m) {
		return time.Time{}, false, nil
	}
	first, err := start(m, r, floating)
	if err != nil {
		return time.Time{}, false, err
	}
	set, err := occurrences(m, first, now, r, floating)
	if err != nil {
		return time.Time{}, false, err
	}
	if set == nil { // a single event
		return first, !first.Before(now) && !replaced[first.Unix()], nil
	}
	for t := set.After(now, true); !t.IsZero(); t = set.After(t, false) {
		if !replaced[t.Unix()] {
			return t, true, nil
		}
	}
	return time.Time{}, false, nil
}

// occurrences builds the recurrence set of a master, or nil when it does not
// recur.
func occurrences(m *ical.Component, first, now time.Time, r *tz.Resolver, floating *time.Location) (*rrule.Set, error) {
	rules, rdates, exdates := m.Props.Values(ical.PropRecurrenceRule), m.Props.Values(ical.PropRecurrenceDates), m.Props.Values(ical.PropExceptionDates)
	if len(rules) == 0 && len(rdates) == 0 {
		return nil, nil
	}
	set := &rrule.Set{}
	set.DTStart(first)
	for _, p := range rules {
		opt, err := rrule.StrToROptionInLocation(p.Value, first.Location())
		if err != nil {
			return nil, fmt.Errorf("RRULE %q: %w", p.Value, err)
		}
		if err := checkSteps(opt, first, now); err != nil {
			return nil, fmt.Errorf("RRULE %q: %w", p.Value, err)
		}
		opt.Dtstart = first
		rule, err := rrule.NewRRule(*opt)
		if err != nil {
			return nil, fmt.Errorf("RRULE %q: %w", p.Value, err)
		}
		set.RRule(rule)
	}
	if len(rules) == 0 {
		set.RDate(first)
	}
	for _, p := range rdates {
		ts, _, err := dates(&p, r, first.Location())
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			set.RDate(t)
		}
	}
	for _, p := range exdates {
		ts, _, err := dates(&p, r, first.Location())
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			set.ExDate(t)
		}
	}
	return set, nil
}

// maxSteps bounds how many occurrences are expanded to reach now: a rule
// that recurs every second since 1601 would otherwise run for hours.
const maxSteps = 5_000_000

var stepOf = map[rrule.Frequency]time.Duration{
	rrule.SECONDLY: time.Second, rrule.MINUTELY: time.Minute, rrule.HOURLY: time.Hour,
	rrule.DAILY: 24 * time.Hour, rrule.WEEKLY: 7 * 24 * time.Hour,
}

// checkSteps refuses a rule whose expansion from its first occurrence to now
// would take more than maxSteps steps.
func checkSteps(opt *rrule.ROption, first, now time.Time) error {
	step, ok := stepOf[opt.Freq]
	if !ok || !now.After(first) {
		return nil
	}
	steps := int64(now.Sub(first) / (step * time.Duration(max(opt.Interval, 1))))
	if opt.Count > 0 && int64(opt.Count) < steps {
		return nil
	}
	if !opt.Until.IsZero() && opt.Until.Sub(first)/(step*time.Duration(max(opt.Interval, 1))) < maxSteps {
		return nil
	}
	if steps > maxSteps {
		return fmt.Errorf("recurs %d times between its start (%s) and now; refusing to expand a series this dense", steps, first.Format("2006-01-02"))
	}
	return nil
}
