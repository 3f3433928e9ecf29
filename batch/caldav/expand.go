package caldav

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-ical"

	"github.com/mms-project/mms/ics/recur"
	"github.com/mms-project/mms/ics/tz"
)

// expansion is what a Client has seen of each server's time-range
// queries on recurring events (RFC 4791 9.9), by origin: whether they list
// a series through an occurrence only expanding its rule yields. Until a
// server has shown it does, Fetch asks it for the recurring events too
// (withSeries); a server that has, and whose answers to both queries
// were also compared on a calendar with series (verified), is not asked
// again. A server whose time-range answer was seen to leave out a series
// that recurs is asked both queries from then on, whatever its probe
// said. On Radicale that second query costs more than the first by far
// (it parses every object of the collection), about 2 s for 50 objects.
type expansion struct {
	mu       sync.Mutex
	state    map[string]expandState
	verified map[string]bool // both answers compared on real series, none missed
}

type expandState int

const (
	expandUnknown expandState = iota
	expandSeen                // a probe listed a series by an expanded occurrence
	expandNotSeen             // a probe did not: keep asking for the recurring events
)

func (e *expansion) get(u *url.URL) expandState {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state[origin(u)]
}

// trusted: the server's time-range answer is taken alone.
func (e *expansion) trusted(u *url.URL) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state[origin(u)] == expandSeen && e.verified[origin(u)]
}

// compared records a calendar on which both queries were asked: missed
// when the time-range answer left out a series that recurs from the
// range's start (by our reckoning), which settles that the server does not
// expand; else, where the calendar had series, a verification.
func (e *expansion) compared(u *url.URL, hadSeries, missed bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case missed:
		e.state[origin(u)] = expandNotSeen
	case hadSeries:
		e.verified[origin(u)] = true
	}
}

func (e *expansion) set(u *url.URL, s expandState) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state[origin(u)] == expandUnknown {
		e.state[origin(u)] = s
	}
}

// probeWindow is the length of the time range a probe asks for.
const probeWindow = time.Minute

// probeExpansion asks the server whether its time-range query expands
// recurring events, with one series among objs (events of collection
// base that occur from `from` on: those of the time-range answer, or
// those of the recurring events' answer): a one-minute time range at an
// occurrence of its rule that none of the object's own components
// overlaps (neither the series' first instance nor an override). A
// server that lists the object there expands recurrences, or ignores the
// range; either way its time-range query leaves no series out, and the
// Client stops asking it for the recurring events separately. A server
// that does not list it is asked for them as before, and not probed
// again. When no object can serve as a probe, or the probe fails,
// nothing is learnt.
func (c *Client) probeExpansion(ctx context.Context, base *url.URL, objs []Object, from time.Time) {
	for _, o := range objs {
		if !bytes.Contains(o.Data, []byte("RRULE")) {
			continue // not a series: not decoded for nothing
		}
		at, ok := expandedOccurrence(o.Data, from)
		if !ok {
			continue
		}
		filter := `<C:comp-filter name="VEVENT"><C:time-range start="` + at.UTC().Format("20060102T150405Z") +
			`" end="` + at.Add(probeWindow).UTC().Format("20060102T150405Z") + `"/></C:comp-filter>`
		fs, err := c.query(ctx, base.String(), filter, false)
		if err != nil {
			return
		}
		seen := expandNotSeen
		for _, f := range fs {
			if sameObject(base, f.href, o.Href) {
				seen = expandSeen
			}
		}
		c.expansion.set(base, seen)
		return
	}
}

// listedSeries are the objects of a time-range answer that carry their
// data and a rule, as probeExpansion takes them.
func listedSeries(listed []found) []Object {
	var out []Object
	for _, f := range listed {
		if isSeries(f) {
			out = append(out, Object{Href: f.href, Data: []byte(*f.data)})
		}
	}
	return out
}

// isSeries: a listed object carries its data and a rule.
func isSeries(f found) bool { return f.data != nil && strings.Contains(*f.data, "RRULE") }

// sameObject: href and want (from answers, maybe relative) name the same
// object of the collection base.
func sameObject(base *url.URL, href, want string) bool {
	a, err1 := url.Parse(href)
	b, err2 := url.Parse(want)
	if err1 != nil || err2 != nil {
		return false
	}
	got, w := base.ResolveReference(a), base.ResolveReference(b)
	return sameOrigin(got, w) && strings.TrimSuffix(got.Path, "/") == strings.TrimSuffix(w.Path, "/")
}

// maxProbeTries bounds the occurrences expandedOccurrence looks at.
const maxProbeTries = 4

// expandedOccurrence finds in a calendar object holding one series an
// occurrence of its rule at or after from that only expanding the rule
// yields: after the series' first instance, not replaced by an override,
// and overlapped by none of the object's components as they stand. The
// series must start at a definite time (UTC or a TZID), so that the
// server and we agree on when its occurrences are.
func expandedOccurrence(data []byte, from time.Time) (time.Time, bool) {
	cal, err := decodeObject(data)
	if err != nil {
		return time.Time{}, false
	}
	var zones []*ical.Component
	var master *ical.Component
	var events []*ical.Component
	for _, comp := range cal.Children {
		switch comp.Name {
		case ical.CompTimezone:
			zones = append(zones, comp)
		case ical.CompEvent:
			events = append(events, comp)
			if comp.Props.Get(ical.PropRecurrenceID) == nil {
				if master != nil {
					return time.Time{}, false // two series: not a probe
				}
				master = comp
			}
		}
	}
	if master == nil || master.Props.Get(ical.PropRecurrenceRule) == nil || !definite(master.Props.Get(ical.PropDateTimeStart)) {
		return time.Time{}, false
	}
	r := tz.NewResolver(zones)
	first, _, err := recur.DateTime(master.Props.Get(ical.PropDateTimeStart), r, time.UTC)
	if err != nil {
		return time.Time{}, false
	}
	s := recur.Series{Master: master}
	at := from
	for range maxProbeTries {
		t, ok, err := s.NextAtOrAfter(at, r, time.UTC)
		if err != nil || !ok {
			return time.Time{}, false
		}
		if t.After(first) && !covered(events, t, r) {
			return t, true
		}
		at = t.Add(time.Second)
	}
	return time.Time{}, false
}

// definite: a DATE-TIME in UTC or with a TZID, not floating, not a DATE.
func definite(p *ical.Prop) bool {
	if p == nil || strings.EqualFold(p.Params.Get(ical.ParamValue), "DATE") {
		return false
	}
	v := strings.TrimSpace(p.Value)
	return len(v) > 8 && (strings.HasSuffix(v, "Z") || p.Params.Get(ical.ParamTimezoneID) != "")
}

// covered: some component's own time (its DTSTART to its DTEND or
// DURATION, a day when it has neither) overlaps [t, t+probeWindow), or an
// override replaces the occurrence at t. What cannot be read counts as
// covering.
func covered(events []*ical.Component, t time.Time, r *tz.Resolver) bool {
	end := t.Add(probeWindow)
	for _, ev := range events {
		if rid := ev.Props.Get(ical.PropRecurrenceID); rid != nil {
			at, _, err := recur.DateTime(rid, r, time.UTC)
			if err != nil || at.Equal(t) {
				return true
			}
		}
		start, stop, ok := span(ev, r)
		if !ok || start.Before(end) && stop.After(t) || start.Equal(t) {
			return true
		}
	}
	return false
}

// span is a component's own start and end.
func span(ev *ical.Component, r *tz.Resolver) (time.Time, time.Time, bool) {
	p := ev.Props.Get(ical.PropDateTimeStart)
	if p == nil {
		return time.Time{}, time.Time{}, false
	}
	start, _, err := recur.DateTime(p, r, time.UTC)
	if err != nil {
		return time.Time{}, time.Time{}, false
	}
	if e := ev.Props.Get(ical.PropDateTimeEnd); e != nil {
		end, _, err := recur.DateTime(e, r, time.UTC)
		return start, end, err == nil
	}
	if d := ev.Props.Get(ical.PropDuration); d != nil {
		dur, err := d.Duration()
		return start, start.Add(dur), err == nil
	}
	return start, start.Add(24 * time.Hour), true
}
