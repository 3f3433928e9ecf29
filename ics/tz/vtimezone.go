package tz

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// fromVTimezone builds a location from a VTIMEZONE. Its current rules (the
// latest STANDARD and DAYLIGHT with yearly rules) become the POSIX TZ
// footer of synthesized TZif data, which Go's own reader applies
// (time.LoadLocationFromTZData); onsets of earlier observances (those with
// DTSTART after 1900, as Google and Apple export them) become explicit
// transitions. A zone without yearly rules keeps the offset of its latest
// onset.
func fromVTimezone(name string, def *ical.Component, budget *int) (*time.Location, error) {
	obs, err := observances(def)
	if err != nil {
		return nil, fmt.Errorf("VTIMEZONE %q: %w", excerpt(name), err)
	}
	footer, eraStart, explicit := currentRules(obs)
	var onsets []onset
	for _, o := range obs {
		on, err := o.onsets(eraStart, budget)
		if err != nil {
			return nil, fmt.Errorf("VTIMEZONE %q: %w", excerpt(name), err)
		}
		onsets = append(onsets, on...)
	}
	// At one instant, STANDARD last: it holds (a fixed zone exported with
	// both observances starting together keeps its standard offset).
	sort.SliceStable(onsets, func(i, j int) bool {
		if onsets[i].at != onsets[j].at {
			return onsets[i].at < onsets[j].at
		}
		return onsets[i].obs.dst && !onsets[j].obs.dst
	})
	if explicit && len(onsets) > 0 {
		footer = posixZone(onsets[len(onsets)-1].obs)
	}
	return time.LoadLocationFromTZData(name, tzif(obs, onsets, footer))
}

// observance is one STANDARD or DAYLIGHT sub-component. Wall times are
// kept as UTC time.Time values holding the local clock reading.
type observance struct {
	dst      bool
	abbrev   string
	from, to int // UTC offsets in seconds
	start    time.Time
	rule     *rrule.ROption // nil without RRULE
	rdates   []time.Time
}

// onset is the moment an observance takes effect.
type onset struct {
	at  int64 // Unix seconds
	obs *observance
}

func observances(def *ical.Component) ([]*observance, error) {
	var out []*observance
	for _, c := range def.Children {
		if c.Name != ical.CompTimezoneStandard && c.Name != ical.CompTimezoneDaylight {
			continue
		}
		o, err := observanceOf(c)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		out = append(out, o)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("neither STANDARD nor DAYLIGHT")
	}
	// Latest first; at equal starts STANDARD first, so that a fixed zone
	// exported with both (as Exchange does) keeps its standard offset.
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].start.Equal(out[j].start) {
			return out[i].start.After(out[j].start)
		}
		return !out[i].dst && out[j].dst
	})
	return out, nil
}

func observanceOf(c *ical.Component) (*observance, error) {
	o := &observance{dst: c.Name == ical.CompTimezoneDaylight}
	var err error
	if o.to, err = offset(c, ical.PropTimezoneOffsetTo); err != nil {
		return nil, err
	}
	if o.from, err = offset(c, ical.PropTimezoneOffsetFrom); err != nil {
		o.from = o.to // tolerated: only the first onset would use it
	}
	start := c.Props.Get(ical.PropDateTimeStart)
	if start == nil {
		return nil, fmt.Errorf("no DTSTART")
	}
	if o.start, err = wall(start.Value); err != nil {
		return nil, fmt.Errorf("DTSTART %q: %w", excerpt(start.Value), err)
	}
	if p := c.Props.Get(ical.PropRecurrenceRule); p != nil {
		if o.rule, err = rrule.StrToROptionInLocation(strings.ToUpper(strings.TrimSpace(p.Value)), time.UTC); err != nil {
			return nil, fmt.Errorf("RRULE %q: %s", excerpt(p.Value), excerpt(err.Error())) // rrule-go quotes the rule whole
		}
		if o.rule.Freq > rrule.DAILY {
			return nil, fmt.Errorf("RRULE %q: a time zone changes its offset at most once a day; a rule of FREQ=%s is refused", excerpt(p.Value), o.rule.Freq)
		}
		if o.rule.Until.IsZero() && strings.Contains(strings.ToUpper(p.Value), "UNTIL=") {
			o.rule = nil // UNTIL 0001-01-01T00:00:00Z: it ended at once (rrule-go would read it as no UNTIL)
		} else if !o.rule.Until.IsZero() { // UNTIL is UTC; keep it as a wall time like the rest
			o.rule.Until = o.rule.Until.Add(time.Duration(o.from) * time.Second)
		}
	}
	for _, p := range c.Props.Values(ical.PropRecurrenceDates) {
		for _, v := range strings.Split(p.Value, ",") {
			v, _, _ = strings.Cut(strings.TrimSpace(v), "/")
			t, err := wall(v)
			if err != nil {
				return nil, fmt.Errorf("RDATE %q: %w", excerpt(p.Value), err)
			}
			o.rdates = append(o.rdates, t)
		}
	}
	if p := c.Props.Get(ical.PropTimezoneName); p != nil {
		o.abbrev = p.Value
	}
	return o, nil
}

// wall reads a local DATE-TIME (or DATE) as a clock reading.
func wall(v string) (time.Time, error) {
	v = strings.TrimSuffix(strings.TrimSpace(v), "Z")
	if len(v) == 8 {
		return time.Parse("20060102", v)
	}
	return time.Parse("20060102T150405", v)
}

// offset reads a UTC offset such as +0100, -0530 or +053045 in seconds.
func offset(c *ical.Component, prop string) (int, error) {
	p := c.Props.Get(prop)
	if p == nil {
		return 0, fmt.Errorf("no %s", prop)
	}
	v := strings.TrimSpace(p.Value)
	bad := fmt.Errorf("%s %q is not an offset like +0100", prop, excerpt(p.Value))
	if len(v) != 5 && len(v) != 7 || v[0] != '+' && v[0] != '-' {
		return 0, bad
	}
	n, err := strconv.Atoi(v[1:])
	if err != nil || n < 0 {
		return 0, bad
	}
	if len(v) == 5 {
		n *= 100
	}
	h, m, s := n/10000, n/100%100, n%100
	if m > 59 || s > 59 || h > 18 {
		return 0, bad
	}
	sec := h*3600 + m*60 + s
	if v[0] == '-' {
		sec = -sec
	}
	return sec, nil
}

// currentRules returns the POSIX TZ string of the zone's rules in force at
// the latest onset, and the wall time from which that string alone
// describes the zone (explicit transitions cover what came before). A
// zone whose rules all end (onsets listed by RDATE, rules with UNTIL) is
// explicit: its onsets are listed up to 2100, and the offset of the last
// one holds after it (the footer is then the latest observance's, until
// the onsets are known). So are those of a zone whose rules POSIX cannot
// say, or that lists onsets beside a rule without end.
func currentRules(obs []*observance) (footer string, eraStart time.Time, explicit bool) {
	latest := obs[0]
	var std, dst *observance
	for _, o := range obs {
		if o.dst && dst == nil {
			dst = o
		}
		if !o.dst && std == nil {
			std = o
		}
	}
	if std != nil && dst != nil && ongoing(std) && ongoing(dst) {
		toDST, ok1 := posixRule(dst)
		toSTD, ok2 := posixRule(std)
		if ok1 && ok2 {
			return posixZone(std) + posixZone(dst) + "," + toDST + "," + toSTD, latest.start, false
		}
	}
	listed := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	if slices.ContainsFunc(obs, ongoing) {
		// Yearly rules POSIX cannot say, or a rule without end beside
		// onsets another observance lists (RFC 5545, section 3.6.5: an
		// observance's onsets are its DTSTART, RRULE and RDATE together,
		// whichever observance began last): list every onset up to 2100.
		return "", listed, false
	}
	return posixZone(latest), listed, true
}

// ongoing reports whether an observance recurs without end.
func ongoing(o *observance) bool {
	return o.rule != nil && o.rule.Count == 0 && o.rule.Until.IsZero()
}

// Bounds of one observance's expansion: a real zone has a few hundred
// onsets, found in well under a millisecond.
const (
	maxOnsets     = 1000    // onsets kept from 1900 to the era start
	maxOnsetSteps = 200_000 // occurrences walked, kept or not (DAILY from 1601 to 2100: 183,000)
	maxOnsetTime  = time.Second
)

// onsets lists the observance's onsets from 1900 up to and including the
// era start; later ones are the footer's business. A rule that walks more
// than maxOnsetSteps occurrences, or for longer than maxOnsetTime, is an
// error.
func (o *observance) onsets(eraStart time.Time, budget *int) ([]onset, error) {
	from := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	var walls []time.Time
	add := func(t time.Time) {
		if !t.Before(from) && !t.After(eraStart) {
			walls = append(walls, t)
		}
	}
	add(o.start)
	for _, t := range o.rdates {
		add(t)
	}
	if o.rule != nil && o.start.Before(eraStart) {
		opt := *o.rule
		opt.Dtstart = o.start
		if opt.Dtstart.IsZero() {
			// rrule-go reads a zero DTSTART (0001-01-01T00:00:00) as the
			// machine's clock; the Gregorian calendar repeats every 400
			// years, so the onsets from 1900 are those of a start 400 years
			// later.
			opt.Dtstart = opt.Dtstart.AddDate(400, 0, 0)
		}
		if o.start.Before(from) && opt.Count == 0 && opt.Freq == rrule.YEARLY && opt.Interval <= 1 {
			// Skip the centuries since 1601: spell out what DTSTART implied.
			if len(opt.Bymonth) == 0 {
				opt.Bymonth = []int{int(o.start.Month())}
			}
			if len(opt.Byweekday)+len(opt.Bymonthday)+len(opt.Byyearday)+len(opt.Byweekno) == 0 {
				opt.Bymonthday = []int{o.start.Day()}
			}
			opt.Byhour, opt.Byminute, opt.Bysecond = []int{o.start.Hour()}, []int{o.start.Minute()}, []int{o.start.Second()}
			opt.Dtstart = from
		}
		if opt.Until.IsZero() || opt.Until.After(eraStart) {
			opt.Until = eraStart
		}
		if err := expandRule(opt, add, func() bool { return len(walls) >= maxOnsets }, budget); err != nil {
			return nil, err
		}
	}
	out := make([]onset, len(walls))
	for i, t := range walls {
		out[i] = onset{at: t.Unix() - int64(o.from), obs: o}
	}
	return out, nil
}

// expandRule walks the occurrences of opt (see walk). rrule-go panics on
// some rules a hostile file can hold (an index out of range in its day
// set): that is an error for the zone, never a crash.
func expandRule(opt rrule.ROption, add func(time.Time), enough func() bool, budget *int) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("its rule cannot be expanded (%v); refusing it", p)
		}
	}()
	r, err := rrule.NewRRule(opt)
	if err != nil {
		return nil // an unusable rule adds no onsets, as before
	}
	return walk(r.Iterator(), add, enough, budget)
}

// walk feeds the rule's occurrences to add until the rule ends or enough
// says so, within maxOnsetSteps and maxOnsetTime, and the calendar's
// budget, which it spends.
func walk(next rrule.Next, add func(time.Time), enough func() bool, budget *int) error {
	began := time.Now()
	steps := 0
	for t, ok := next(); ok && !enough(); t, ok = next() {
		add(t)
		steps++
		if *budget--; *budget < 0 {
			return fmt.Errorf("the calendar's time zones walk more than %d onsets in all; refusing the rest", maxResolverSteps)
		}
		if steps > maxOnsetSteps {
			return fmt.Errorf("its rule has more than %d onsets; refusing a zone this dense", maxOnsetSteps)
		}
		if steps%1024 == 0 && time.Since(began) > maxOnsetTime {
			return fmt.Errorf("its rule took more than %s to expand; refusing it", maxOnsetTime)
		}
	}
	return nil
}

// posixZone writes an observance's abbreviation and offset the POSIX way:
// the sign is inverted (UTC+1 is "-1").
func posixZone(o *observance) string {
	off, sign := o.to, "-"
	if off < 0 {
		sign, off = "+", -off
	}
	return fmt.Sprintf("<%s>%s%d:%02d:%02d", abbrev(o), sign, off/3600, off%3600/60, off%60)
}

// abbrev is the observance's TZNAME where it is usable, else STD or DST.
func abbrev(o *observance) string {
	s := strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '-' {
			return r
		}
		return -1
	}, o.abbrev)
	switch {
	case len(s) >= 3 && len(s) <= 10:
		return s
	case o.dst:
		return "DST"
	default:
		return "STD"
	}
}

// posixRule turns a yearly rule such as "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"
// with DTSTART at 02:00 into "M3.5.0/2:00:00". Outlook's older spelling of
// the n-th weekday as BYDAY=SU;BYMONTHDAY=8,9,10,11,12,13,14 is understood.
func posixRule(o *observance) (string, bool) {
	r := o.rule
	if r.Freq != rrule.YEARLY || r.Interval > 1 || len(r.Bymonth) != 1 || len(r.Byweekday) != 1 ||
		len(r.Bysetpos) > 0 || len(r.Byyearday) > 0 || len(r.Byweekno) > 0 || len(r.Byhour) > 0 || len(r.Byminute) > 0 {
		return "", false
	}
	wd := r.Byweekday[0]
	week := wd.N()
	if week == 0 {
		week = weekOfMonthDays(r.Bymonthday)
	} else if len(r.Bymonthday) > 0 {
		return "", false
	}
	switch {
	case week == -1:
		week = 5
	case week < 1 || week > 4:
		return "", false
	}
	day := (wd.Day() + 1) % 7 // rrule-go counts from Monday, POSIX from Sunday
	h, m, s := o.start.Clock()
	return fmt.Sprintf("M%d.%d.%d/%d:%02d:%02d", r.Bymonth[0], week, day, h, m, s), true
}

// weekOfMonthDays reads a BYMONTHDAY list of seven consecutive days as the
// week of the month it spans: 1-7 is 1, 8-14 is 2, ..., -7..-1 is -1.
func weekOfMonthDays(days []int) int {
	if len(days) != 7 {
		return 0
	}
	sorted := append([]int(nil), days...)
	sort.Ints(sorted)
	for i := 1; i < 7; i++ {
		if sorted[i] != sorted[0]+i {
			return 0
		}
	}
	switch first := sorted[0]; {
	case first == -7:
		return -1
	case first > 0 && (first-1)%7 == 0 && first <= 22:
		return (first-1)/7 + 1
	}
	return 0
}

// tzif returns TZif version 2 data: one local time type per observance,
// the onsets as transitions, and the POSIX TZ footer (RFC 8536).
func tzif(obs []*observance, onsets []onset, footer string) []byte {
	types := make([]*observance, 0, len(obs))
	for _, o := range obs { // standard types first: Go uses the first for times before any transition
		if !o.dst {
			types = append(types, o)
		}
	}
	for _, o := range obs {
		if o.dst {
			types = append(types, o)
		}
	}
	index := map[*observance]byte{}
	var chars []byte
	ttinfo := make([]byte, 0, 6*len(types))
	for i, o := range types {
		index[o] = byte(i)
		ttinfo = binary.BigEndian.AppendUint32(ttinfo, uint32(int32(o.to)))
		ttinfo = append(ttinfo, boolByte(o.dst), byte(len(chars)))
		chars = append(append(chars, abbrev(o)...), 0)
	}
	var b []byte
	b = tzifHeader(b, 0, len(types), len(chars)) // version 1 block: no transitions
	b = append(append(b, ttinfo...), chars...)
	b = tzifHeader(b, len(onsets), len(types), len(chars))
	for _, on := range onsets {
		b = binary.BigEndian.AppendUint64(b, uint64(on.at))
	}
	for _, on := range onsets {
		b = append(b, index[on.obs])
	}
	b = append(append(b, ttinfo...), chars...)
	return append(b, "\n"+footer+"\n"...)
}

func tzifHeader(b []byte, transitions, types, chars int) []byte {
	b = append(b, "TZif2"...)
	b = append(b, make([]byte, 15)...)
	for _, n := range []int{0, 0, 0, transitions, types, chars} { // isut, isstd, leap, time, type, char counts
		b = binary.BigEndian.AppendUint32(b, uint32(n))
	}
	return b
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}
