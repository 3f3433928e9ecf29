package recur

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// maxSteps bounds how many occurrences one rule may walk, and maxTime for
// how long. Only a rule with COUNT walks from DTSTART; others start a
// period or two before now, and a meeting's rule finds its next occurrence
// within a few steps.
const (
	maxSteps = 1_000_000
	maxTime  = 2 * time.Second
)

// ruleNext returns the rule's first occurrence at or after now that skip
// does not remove. first is DTSTART in the series' zone, clock the time
// it is written with where that differs; the rule is expanded on the
// zone's wall clock (see zone).
func ruleNext(value string, first time.Time, clock wallClock, now time.Time, skip func(time.Time) bool, b *Budget) (time.Time, bool, error) {
	z := zone{first.Location()}
	opt, hasUntil, err := parseRuleUntil(value, z.loc)
	if err != nil {
		return time.Time{}, false, err
	}
	if picksNone(opt) {
		return time.Time{}, false, nil
	}
	start := z.start(first, clock)
	until := z.until(opt, hasUntil)
	if start.IsZero() {
		return shiftedNext(opt, until, start, now, skip, b, z)
	}
	return expand(opt, start, until, now, skip, b, z)
}

// bound is a rule's UNTIL, an instant (a local one read as DTSTART is),
// where it has one.
type bound struct {
	at  time.Time
	set bool
}

// after reports whether t is past the bound.
func (u bound) after(t time.Time) bool { return u.set && t.After(u.at) }

// untilSlack is more than any clock change: rrule-go, walking the wall
// clock, stops that long after UNTIL's wall time, and the walk compares
// each occurrence's instant with UNTIL itself (near a clock change the
// wall clock's order is not time's).
const untilSlack = 3 * time.Hour

// until returns the rule's UNTIL as a bound, and gives rrule-go its wall
// time with untilSlack.
func (z zone) until(opt *rrule.ROption, hasUntil bool) bound {
	if !hasUntil {
		return bound{}
	}
	u := bound{at: opt.Until, set: true}
	opt.Until = z.wall(opt.Until).Add(untilSlack)
	return u
}

// zone is where a series' rule is expanded: on the wall clock of its zone,
// read as UTC, each occurrence then put at its instant (inZone). rrule-go
// makes its days and times with time.Date in the zone it is given, which
// west of UTC puts a time the clock skips an hour early, and a day whose
// midnight the clock skips (Santiago, Havana, Cairo) on the day before;
// on the wall clock every day and hour is there.
type zone struct{ loc *time.Location }

// wall is the clock reading of t in the zone, as UTC.
func (z zone) wall(t time.Time) time.Time {
	t = t.In(z.loc)
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, m, d, h, mi, s, t.Nanosecond(), time.UTC)
}

// instant is the instant a wall clock reading stands for.
func (z zone) instant(w time.Time) time.Time { return inZone(w, z.loc) }

// start is DTSTART on the wall clock: as written, where the clock skips
// the time written (02:30 shows 03:30) and the rule's days keep it.
func (z zone) start(first time.Time, clock wallClock) time.Time {
	w := z.wall(first)
	if clock.set {
		w = time.Date(w.Year(), w.Month(), w.Day(), clock.h, clock.m, clock.s, 0, time.UTC)
	}
	return w
}

// picksNone reports whether a rule's BYSETPOS can pick no occurrence: a
// period of a daily or finer FREQ without a finer BY part holds one
// occurrence at most, which no position but 1 or -1 names. rrule-go
// would walk every period to the year 9999 in one step, seconds that no
// bound between steps can cut (found by fuzzing: FREQ=HOURLY;BYSETPOS=5
// from the year 0).
func picksNone(o *rrule.ROption) bool {
	if len(o.Bysetpos) == 0 {
		return false
	}
	switch o.Freq {
	case rrule.SECONDLY:
	case rrule.MINUTELY:
		if len(o.Bysecond) > 0 {
			return false
		}
	case rrule.HOURLY:
		if len(o.Byminute)+len(o.Bysecond) > 0 {
			return false
		}
	case rrule.DAILY:
		if len(o.Byhour)+len(o.Byminute)+len(o.Bysecond) > 0 {
			return false
		}
	default:
		return false
	}
	for _, p := range o.Bysetpos {
		if p == 1 || p == -1 {
			return false
		}
	}
	return true
}

// countDTSTART counts DTSTART in the rule's COUNT where the rule does not
// yield it: it "always counts as the first occurrence" (RFC 5545 3.3.10),
// and occurs all the same (3.8.5.3), so the rule yields one fewer. A rule
// of COUNT=1 then yields none (none: rrule-go reads COUNT=0 as no COUNT).
func countDTSTART(opt *rrule.ROption, b *Budget) (none bool, err error) {
	if opt.Count <= 0 {
		return false, nil
	}
	began := time.Now()
	defer func() { b.took(time.Since(began)) }()
	probe := *opt
	// whether the rule yields DTSTART, not where it next meets: up to two
	// hours on, as DTSTART in a repeated hour (the end of summer time) may
	// come out of rrule-go as the later of its two instants
	probe.Until = opt.Dtstart.Add(2 * time.Hour)
	rule, err := rrule.NewRRule(probe)
	if err != nil {
		return false, err
	}
	if t, ok := rule.Iterator()(); ok && t.Equal(opt.Dtstart) { // on the wall clock: no repeated hour
		return false, nil
	}
	opt.Count--
	return opt.Count == 0, b.overTime(time.Since(began))
}

// endless stands for "no UNTIL": rrule-go reads a zero Until as DTSTART
// plus the longest time.Duration, about 292 years, and would end a series
// begun in 1700 with COUNT=500 in 1992.
var endless = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// newRule is rrule.NewRRule with a rule without UNTIL left endless.
func newRule(opt *rrule.ROption) (*rrule.RRule, error) {
	o := *opt
	if o.Until.IsZero() {
		o.Until = endless
	}
	return rrule.NewRRule(o)
}

// cycle is the Gregorian calendar's period: every 400 years the dates fall
// on the same weekdays again.
const cycle = 400

// shiftedNext expands a rule whose DTSTART on the wall clock is the zero
// time (0001-01-01T00:00:00), which rrule-go would read as unset (as the
// machine's clock), one Gregorian cycle later, and moves the answer back.
func shiftedNext(opt *rrule.ROption, until bound, start, now time.Time, skip func(time.Time) bool, b *Budget, z zone) (time.Time, bool, error) {
	later := func(t time.Time) time.Time { return t.AddDate(cycle, 0, 0) }
	earlier := func(t time.Time) time.Time { return t.AddDate(-cycle, 0, 0) }
	if until.set {
		opt.Until, until.at = later(opt.Until), later(until.at)
	}
	t, ok, err := expand(opt, later(start), until, later(now), func(t time.Time) bool { return skip(earlier(t)) }, b, z)
	if !ok || err != nil {
		return time.Time{}, ok, err
	}
	return earlier(t), true, nil
}

// wallClock is the clock a series' DTSTART is written with where the
// instant it stands for shows another (a time the clock skips, read at the
// offset before the gap: 02:30 shows 03:30): its rule makes its
// occurrences from the written time, as DTSTART's time is its default
// BYHOUR, BYMINUTE and BYSECOND (RFC 5545, section 3.3.10).
type wallClock struct {
	h, m, s int
	set     bool
}

// writtenClock is the wallClock of a master's DTSTART, read as first; not
// set where first shows the clock written. A DATE is written at midnight,
// which a zone may skip too (Santiago, Havana).
func writtenClock(master *ical.Component, first time.Time) wallClock {
	p := master.Props.Get(ical.PropDateTimeStart)
	if p == nil {
		return wallClock{}
	}
	v := strings.TrimSpace(p.Value)
	layout := "20060102T150405"
	if len(v) == len("20060102") {
		layout = "20060102"
	}
	if len(v) != len(layout) { // UTC: no gap
		return wallClock{}
	}
	w, err := time.Parse(layout, v)
	if err != nil || sameWall(first, w) {
		return wallClock{}
	}
	h, m, s := w.Clock()
	return wallClock{h: h, m: m, s: s, set: true}
}

// expand walks the rule from start (on the zone's wall clock) to its
// first occurrence at or after now that skip does not remove, and returns
// its instant.
//
// rrule-go walks a rule whose parts never meet to the year 9999 inside one
// step of its iterator, whatever its UNTIL (a minute at a time for
// FREQ=MINUTELY: half a second): a day of the month no month of the rule
// has is answered at once, and the budget's time is checked before each
// walk as well as at each step.
func expand(opt *rrule.ROption, start time.Time, until bound, now time.Time, skip func(time.Time) bool, b *Budget, z zone) (time.Time, bool, error) {
	if err := b.overTime(0); err != nil {
		return time.Time{}, false, err
	}
	if noSuchDay(opt) {
		return time.Time{}, false, nil
	}
	opt.Dtstart = start
	if none, err := countDTSTART(opt, b); none || err != nil {
		return time.Time{}, false, err
	}
	fastForward(opt, z.wall(now))
	rule, err := newRule(opt)
	if err != nil {
		return time.Time{}, false, err
	}
	next := rule.Iterator()
	began := time.Now()
	defer func() { b.took(time.Since(began)) }()
	for steps := 1; ; steps++ {
		w, ok := next()
		t := z.instant(w)
		if err := b.spend(steps); err != nil {
			return time.Time{}, false, err
		}
		switch {
		case !ok || until.after(t):
			return time.Time{}, false, nil
		case !t.Before(now) && !skip(t):
			return t, true, nil
		case steps > maxSteps:
			return time.Time{}, false, fmt.Errorf("more than %d occurrences from DTSTART %s before one at or after now; refusing to expand a series this dense", maxSteps, start.Format("2006-01-02"))
		case time.Since(began) > maxTime: // each step: one can be slow
			return time.Time{}, false, fmt.Errorf("expanding it from DTSTART %s took more than %s; refusing a series this dense", start.Format("2006-01-02"), maxTime)
		}
		if err := b.overTime(time.Since(began)); err != nil {
			return time.Time{}, false, err
		}
	}
}

// parseRule reads an RRULE value as exporters write it: any case, stray
// semicolons and spaces, X- parts (ignored), and UNTIL as UTC, local or a
// DATE (which includes that whole day).
func parseRule(value string, loc *time.Location) (*rrule.ROption, error) {
	opt, _, err := parseRuleUntil(value, loc)
	return opt, err
}

// parseRuleUntil is parseRule that also says whether the rule has an
// UNTIL: one at the zero time is a value, not the absence of one.
// maxRulePart bounds a rule's INTERVAL and COUNT: an iCalendar INTEGER
// (RFC 5545, section 3.3.8), more than any calendar writes.
const maxRulePart = 1<<31 - 1

func parseRuleUntil(value string, loc *time.Location) (*rrule.ROption, bool, error) {
	var parts []string
	var until string
	hasUntil := false
	for _, part := range strings.Split(strings.TrimPrefix(strings.TrimSpace(value), "RRULE:"), ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		k, v = strings.ToUpper(strings.TrimSpace(k)), strings.ToUpper(strings.TrimSpace(v))
		switch {
		case k == "" || strings.HasPrefix(k, "X-"):
		case k == "UNTIL":
			if v == "" { // not the absence of an end: a series may have ended
				return nil, false, errors.New("UNTIL= has no value (a date or date-time like 20260115T093000Z)")
			}
			until, hasUntil = v, true
		case k == "INTERVAL" || k == "COUNT":
			if n, err := strconv.Atoi(v); err != nil || n > maxRulePart {
				return nil, false, fmt.Errorf("%s=%s is not a whole number up to %d", k, excerpt(v), maxRulePart)
			}
			parts = append(parts, k+"="+v)
		default:
			parts = append(parts, k+"="+v)
		}
	}
	opt, err := rrule.StrToROptionInLocation(strings.Join(parts, ";"), loc)
	if err != nil {
		return nil, false, errors.New(excerpt(err.Error())) // rrule-go quotes the rule whole
	}
	if hasUntil {
		if opt.Until, err = parseUntil(until, loc); err != nil {
			return nil, false, err
		}
	}
	if opt.Interval < 0 || opt.Count < 0 {
		return nil, false, fmt.Errorf("INTERVAL and COUNT must not be negative")
	}
	return opt, hasUntil, nil
}

func parseUntil(v string, loc *time.Location) (time.Time, error) {
	var t time.Time
	var err error
	switch {
	case len(v) == 8:
		t, err = time.ParseInLocation("20060102", v, loc)
		t = t.AddDate(0, 0, 1).Add(-time.Second) // the whole day
	case strings.HasSuffix(v, "Z"):
		t, err = time.Parse("20060102T150405Z", v)
	default:
		if t, err = time.Parse("20060102T150405", v); err == nil {
			t = inZone(t, loc) // a skipped time as DTSTART reads it
		}
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("UNTIL %q is not a date or date-time like 20260115T093000Z", excerpt(v))
	}
	return firstOccurrence(t), nil
}

// fastForward moves the start of a rule without COUNT to the beginning of
// a period (day, week, month, year at the rule's INTERVAL) shortly before
// now, in phase with DTSTART, and spells out what DTSTART implied (time of
// day, weekday, day of month, month), so that the rule yields the same
// occurrences from there on without walking every one since DTSTART.
func fastForward(opt *rrule.ROption, now time.Time) {
	first := opt.Dtstart
	if opt.Count > 0 || !now.After(first) {
		return
	}
	loc, interval := first.Location(), max(opt.Interval, 1)
	fy, fm, fd := first.Date()
	ny, nm, _ := now.In(loc).Date()
	days := int((dayNumber(now.In(loc)) - dayNumber(first)))
	var k int
	var start time.Time
	switch opt.Freq {
	case rrule.YEARLY:
		k = (ny-fy)/interval - 1
		start = time.Date(fy+k*interval, 1, 1, 0, 0, 0, 0, loc)
	case rrule.MONTHLY:
		k = ((ny-fy)*12+int(nm-fm))/interval - 1
		start = time.Date(fy, fm+time.Month(k*interval), 1, 0, 0, 0, 0, loc)
	case rrule.WEEKLY:
		k = days/(7*interval) - 1
		start = time.Date(fy, fm, fd+k*7*interval, 0, 0, 0, 0, loc)
	case rrule.DAILY:
		k = days/interval - 1
		start = time.Date(fy, fm, fd+k*interval, 0, 0, 0, 0, loc)
	default:
		// HOURLY and finer: whole days that are a whole number of steps.
		step := interval * map[rrule.Frequency]int{rrule.HOURLY: 3600, rrule.MINUTELY: 60, rrule.SECONDLY: 1}[opt.Freq]
		period := step / gcd(step, 86400)
		k = days/period - 1
		h, m, s := first.Clock()
		start = time.Date(fy, fm, fd+k*period, h, m, s, 0, loc)
		if h2, m2, s2 := start.Clock(); h2 != h || m2 != m || s2 != s {
			return // landed in a DST gap: the clock, hence the phase, moved
		}
	}
	if k < 1 || !start.Before(now) {
		return
	}
	spellOutDefaults(opt)
	opt.Dtstart = start
}

// spellOutDefaults sets the BYxxx parts rrule-go would derive from DTSTART.
func spellOutDefaults(opt *rrule.ROption) {
	first := opt.Dtstart
	if len(opt.Byweekno)+len(opt.Byyearday)+len(opt.Bymonthday)+len(opt.Byweekday)+len(opt.Byeaster) == 0 {
		switch opt.Freq {
		case rrule.YEARLY:
			if len(opt.Bymonth) == 0 {
				opt.Bymonth = []int{int(first.Month())}
			}
			opt.Bymonthday = []int{first.Day()}
		case rrule.MONTHLY:
			opt.Bymonthday = []int{first.Day()}
		case rrule.WEEKLY:
			opt.Byweekday = []rrule.Weekday{weekdays[first.Weekday()]}
		}
	}
	if len(opt.Byhour) == 0 && opt.Freq < rrule.HOURLY {
		opt.Byhour = []int{first.Hour()}
	}
	if len(opt.Byminute) == 0 && opt.Freq < rrule.MINUTELY {
		opt.Byminute = []int{first.Minute()}
	}
	if len(opt.Bysecond) == 0 && opt.Freq < rrule.SECONDLY {
		opt.Bysecond = []int{first.Second()}
	}
}

var weekdays = [...]rrule.Weekday{rrule.SU, rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA}

// dayNumber counts days since 1970-01-01 of t's calendar date.
func dayNumber(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// noSuchDay reports whether a rule's days of the month fall in none of
// its months (February 30th): it has no occurrence but its DTSTART. A day
// no month has at all (0, 32) is left for rrule-go to refuse.
func noSuchDay(opt *rrule.ROption) bool {
	if len(opt.Bymonthday) == 0 || slices.ContainsFunc(opt.Bymonthday, func(d int) bool { return d == 0 || d > 31 || d < -31 }) {
		return false
	}
	months := opt.Bymonth
	if len(months) == 0 {
		months = []int{1, 3} // 31 days and 29 at most cover every other month
	}
	for _, m := range months {
		days := 31
		switch m {
		case 2:
			days = 29
		case 4, 6, 9, 11:
			days = 30
		}
		for _, d := range opt.Bymonthday {
			if d != 0 && d >= -days && d <= days {
				return false
			}
		}
	}
	return true
}
