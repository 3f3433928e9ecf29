package recur

import (
	"fmt"
	"time"

	"github.com/emersion/go-ical"

	"github.com/mms-project/mms/ics/tz"
)

// maxLastSteps bounds the occurrences LastBefore walks per rule: it only
// explains a decision already made, so it gives up early.
const maxLastSteps = 100_000

// LastBefore returns the series' last occurrence starting before now,
// taken as NextAtOrAfter takes occurrences (excluded, replaced and
// cancelled ones left out). ok is false when there is none, or when a
// rule is too dense to walk to now.
func (s Series) LastBefore(now time.Time, r *tz.Resolver, floating *time.Location) (t time.Time, ok bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			t, ok, err = time.Time{}, false, asRecurrence(fmt.Errorf("expanding the recurrence: %v", p))
		}
	}()
	var last latest
	p, err := s.read(r, floating)
	if err != nil {
		return time.Time{}, false, err
	}
	for _, t := range p.overrides {
		last.consider(t, now)
	}
	if s.Master != nil && !cancelled(s.Master) {
		if err := s.masterLast(&last, p, now, r); err != nil {
			return time.Time{}, false, asRecurrence(err)
		}
	}
	return last.t, last.ok, nil
}

// masterLast shows last the master's occurrences that take place before
// now, moved as THISANDFUTURE overrides move them.
func (s Series) masterLast(last *latest, p seriesStarts, now time.Time, r *tz.Resolver) error {
	m := master{c: s.Master, first: p.first, allDay: p.allDay, replaced: p.replaced}
	skip, dates, err := m.read(r)
	if err != nil {
		return err
	}
	for _, t := range dates {
		if !skip.has(t) && !p.shifts.cancels(t) {
			last.consider(p.shifts.move(t), now)
		}
	}
	for _, rule := range s.Master.Props.Values(ical.PropRecurrenceRule) {
		if err := ruleLast(last, rule.Value, p.first, p.clock, now, skip.has, s.Budget, p.shifts); err != nil {
			return err
		}
	}
	return nil
}

// ruleLast shows last the rule's occurrences that take place before now,
// expanded on the zone's wall clock as ruleNext expands them.
func ruleLast(last *latest, value string, first time.Time, clock wallClock, now time.Time, skip func(time.Time) bool, b *Budget, moves shifts) error {
	z := zone{first.Location()}
	opt, hasUntil, err := parseRuleUntil(value, z.loc)
	start := z.start(first, clock)
	if err != nil || start.IsZero() || hasUntil && opt.Until.IsZero() {
		return err // (a DTSTART or UNTIL at the zero time explains nothing)
	}
	if err := b.overTime(0); err != nil || noSuchDay(opt) || picksNone(opt) {
		return err
	}
	opt.Dtstart = start
	until := z.until(opt, hasUntil)
	if none, err := countDTSTART(opt, b); none || err != nil {
		return err
	}
	// Only occurrences before now count, and those a THISANDFUTURE
	// override moves back before it.
	limit := now.Add(moves.back())
	if end := z.wall(limit.Add(26 * time.Hour)); !hasUntil || opt.Until.After(end) {
		opt.Until = end
	}
	rule, err := newRule(opt)
	if err != nil {
		return err
	}
	next := rule.Iterator()
	began := time.Now()
	defer func() { b.took(time.Since(began)) }()
	for steps := 1; steps <= maxLastSteps; steps++ {
		w, ok := next()
		t := z.instant(w)
		if err := b.spend(steps); err != nil {
			return err
		}
		if err := b.overTime(time.Since(began)); err != nil {
			return err
		}
		if !ok || !t.Before(limit) || until.after(t) {
			return nil
		}
		if !skip(t) && !moves.cancels(t) {
			last.consider(moves.move(t), now)
		}
	}
	return fmt.Errorf("more than %d occurrences before now", maxLastSteps)
}

// latest keeps the latest time before now it is shown.
type latest struct {
	t  time.Time
	ok bool
}

func (l *latest) consider(t, now time.Time) {
	if t.Before(now) && (!l.ok || t.After(l.t)) {
		l.t, l.ok = t, true
	}
}
