package tz

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Define writes a VTIMEZONE for tzid from loc's rules as they stand in
// year, with CRLF line endings: what an iTIP message carries for a TZID
// its calendar names but does not define (a Windows or IANA name), so that
// a recipient reads the meeting's times as mms did. A zone that changes
// its offset twice in year, and the next year on the same weekdays of the
// same months at the same times, gets two yearly rules (BYMONTH, BYDAY)
// from 1970 on; one that does not change keeps its offset; any other
// lists its changes of those two years as they are, its offset before
// them holding since 1970. The TZID is written as the TEXT value it is
// ("(UTC+01:00) Amsterdam\, Berlin"); Define reports false for one no
// TZID parameter can hold (a quote or a line break).
func Define(tzid string, loc *time.Location, year int) (string, bool) {
	if tzid == "" || strings.ContainsAny(tzid, "\"\r\n") || loc == nil {
		return "", false
	}
	start := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	changes := transitions(loc, start, start.AddDate(1, 0, 0))
	next := transitions(loc, start.AddDate(1, 0, 0), start.AddDate(2, 0, 0))
	since1970 := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	var b strings.Builder
	b.WriteString("BEGIN:VTIMEZONE\r\n" + folded("TZID:"+textEscaper.Replace(tzid)))
	before := start.In(loc)
	switch {
	case len(changes) == 0 && len(next) == 0:
		writeObservance(&b, before, before, since1970, "")
	case len(changes) == 2 && len(next) == 2 && ruleOf(loc, changes[0]) == ruleOf(loc, next[0]) && ruleOf(loc, changes[1]) == ruleOf(loc, next[1]):
		for _, at := range changes {
			r := ruleOf(loc, at)
			first := time.Date(1970, r.month, nthWeekday(1970, r.month, r.weekday, r.n), 0, 0, 0, 0, time.UTC).Add(r.clock)
			writeObservance(&b, at.Add(-time.Second).In(loc), at.In(loc), first,
				fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", int(r.month), r.n, weekdays[r.weekday]))
		}
	default:
		writeObservance(&b, before, before, since1970, "")
		for _, at := range append(changes, next...) {
			from := at.Add(-time.Second).In(loc)
			_, off := from.Zone()
			writeObservance(&b, from, at.In(loc), at.UTC().Add(time.Duration(off)*time.Second), "")
		}
	}
	b.WriteString("END:VTIMEZONE\r\n")
	return b.String(), true
}

// textEscaper writes a TEXT value (RFC 5545, section 3.3.11).
var textEscaper = strings.NewReplacer(`\`, `\\`, ",", `\,`, ";", `\;`)

// folded is a content line folded at 75 octets, never inside a UTF-8
// character, with CRLF endings.
func folded(line string) string {
	var b strings.Builder
	for width := 75; len(line) > width; width = 74 { // a continuation's blank counts
		cut := width
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut] + "\r\n ")
		line = line[cut:]
	}
	b.WriteString(line + "\r\n")
	return b.String()
}

// yearlyRule is when in its year a change happens: the nth (-1: last)
// weekday of a month, at a local time (in the offset before it).
type yearlyRule struct {
	month   time.Month
	weekday time.Weekday
	n       int
	clock   time.Duration
}

func ruleOf(loc *time.Location, at time.Time) yearlyRule {
	_, off := at.Add(-time.Second).In(loc).Zone()
	local := at.UTC().Add(time.Duration(off) * time.Second)
	r := yearlyRule{month: local.Month(), weekday: local.Weekday(), n: (local.Day()-1)/7 + 1,
		clock: local.Sub(time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC))}
	if local.AddDate(0, 0, 7).Month() != r.month {
		r.n = -1 // the last such weekday of its month
	}
	return r
}

var weekdays = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// writeObservance writes one STANDARD or DAYLIGHT: from its onset (local wall
// time in the offset before it), the offsets before and after, its name.
func writeObservance(b *strings.Builder, from, to time.Time, onset time.Time, rule string) {
	kind := "STANDARD"
	_, fromOff := from.Zone()
	name, toOff := to.Zone()
	if to.IsDST() {
		kind = "DAYLIGHT"
	}
	b.WriteString("BEGIN:" + kind + "\r\nDTSTART:" + onset.Format("20060102T150405") + "\r\n")
	if rule != "" {
		b.WriteString("RRULE:" + rule + "\r\n")
	}
	b.WriteString("TZOFFSETFROM:" + utcOffset(fromOff) + "\r\nTZOFFSETTO:" + utcOffset(toOff) + "\r\n")
	if name != "" && !strings.ContainsAny(name, ",;\\\"\r\n") {
		b.WriteString("TZNAME:" + name + "\r\n")
	}
	b.WriteString("END:" + kind + "\r\n")
}

// utcOffset is RFC 5545's UTC-OFFSET: +hhmm, or +hhmmss with seconds.
func utcOffset(seconds int) string {
	sign := "+"
	if seconds < 0 {
		sign, seconds = "-", -seconds
	}
	s := fmt.Sprintf("%s%02d%02d", sign, seconds/3600, seconds/60%60)
	if seconds%60 != 0 {
		s += fmt.Sprintf("%02d", seconds%60)
	}
	return s
}

// transitions returns the instants in [from, to) at which loc's offset
// changes, to the second: a day at a time, then halving the day that holds
// a change (a zone changes at most a few times a year: bounded by the
// days walked).
func transitions(loc *time.Location, from, to time.Time) []time.Time {
	var out []time.Time
	offsetAt := func(t time.Time) int { _, off := t.In(loc).Zone(); return off }
	for day := from; day.Before(to); day = day.Add(24 * time.Hour) {
		next := day.Add(24 * time.Hour)
		if offsetAt(day) == offsetAt(next) {
			continue
		}
		lo, hi := day, next // offsetAt(lo) differs from offsetAt(hi)
		for hi.Sub(lo) > time.Second {
			mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
			if offsetAt(mid) == offsetAt(lo) {
				lo = mid
			} else {
				hi = mid
			}
		}
		if hi.Before(to) {
			out = append(out, hi)
		}
	}
	return out
}

// nthWeekday is the day of month of the nth weekday (n -1: the last) in
// that month of year.
func nthWeekday(year int, month time.Month, weekday time.Weekday, n int) int {
	if n < 0 {
		last := time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC)
		return last.Day() - (int(last.Weekday())-int(weekday)+7)%7
	}
	first := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	return 1 + (int(weekday)-int(first.Weekday())+7)%7 + 7*(n-1)
}
