package tz

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// fromVTimezone builds a location from a VTIMEZONE's STANDARD and DAYLIGHT
// rules. The yearly rules become a POSIX TZ string, which Go's own TZif
// reader applies (time.LoadLocationFromTZData); a zone without yearly rules
// is a fixed offset.
func fromVTimezone(name string, def *ical.Component) (*time.Location, error) {
	std, dst := latest(def, ical.CompTimezoneStandard), latest(def, ical.CompTimezoneDaylight)
	if std == nil && dst == nil {
		return nil, fmt.Errorf("VTIMEZONE %q has neither STANDARD nor DAYLIGHT", name)
	}
	if std == nil {
		std, dst = dst, nil
	}
	stdOff, err := offset(std, "TZOFFSETTO")
	if err != nil {
		return nil, fmt.Errorf("VTIMEZONE %q: %w", name, err)
	}
	posix := posixOffset("STD", stdOff)
	if dst != nil {
		dstOff, err := offset(dst, "TZOFFSETTO")
		if err != nil {
			return nil, fmt.Errorf("VTIMEZONE %q: %w", name, err)
		}
		toDST, ok1 := posixRule(dst)
		toSTD, ok2 := posixRule(std)
		if ok1 && ok2 {
			posix += posixOffset("DST", dstOff) + "," + toDST + "," + toSTD
		}
	}
	return time.LoadLocationFromTZData(name, tzif(stdOff, posix))
}

// latest returns the sub-component of that kind with the latest DTSTART.
func latest(def *ical.Component, kind string) *ical.Component {
	var best *ical.Component
	bestStart := ""
	for _, c := range def.Children {
		if c.Name != kind {
			continue
		}
		start := ""
		if p := c.Props.Get(ical.PropDateTimeStart); p != nil {
			start = p.Value
		}
		if best == nil || start > bestStart {
			best, bestStart = c, start
		}
	}
	return best
}

// offset reads a UTC offset such as +0100 or -0530 in seconds.
func offset(c *ical.Component, prop string) (int, error) {
	p := c.Props.Get(prop)
	if p == nil {
		return 0, fmt.Errorf("%s without %s", c.Name, prop)
	}
	v := strings.TrimSpace(p.Value)
	if len(v) != 5 && len(v) != 7 || (v[0] != '+' && v[0] != '-') {
		return 0, fmt.Errorf("%s %q is not an offset like +0100", prop, v)
	}
	h, err1 := strconv.Atoi(v[1:3])
	m, err2 := strconv.Atoi(v[3:5])
	s := 0
	var err3 error
	if len(v) == 7 {
		s, err3 = strconv.Atoi(v[5:7])
	}
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, fmt.Errorf("%s %q is not an offset like +0100", prop, v)
	}
	sec := h*3600 + m*60 + s
	if v[0] == '-' {
		sec = -sec
	}
	return sec, nil
}

// posixOffset writes a zone's name and offset the POSIX way: the sign is
// inverted (UTC+1 is "-1").
func posixOffset(name string, off int) string {
	sign := "-"
	if off < 0 {
		sign, off = "+", -off
	}
	return fmt.Sprintf("<%s>%s%d:%02d:%02d", name, sign, off/3600, off%3600/60, off%60)
}

// posixRule turns "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" with DTSTART
// 02:00 into "M3.5.0/02:00:00".
func posixRule(c *ical.Component) (string, bool) {
	rule, start := c.Props.Get(ical.PropRecurrenceRule), c.Props.Get(ical.PropDateTimeStart)
	if rule == nil || start == nil || len(start.Value) < 15 {
		return "", false
	}
	parts := map[string]string{}
	for _, kv := range strings.Split(strings.ToUpper(rule.Value), ";") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			parts[k] = v
		}
	}
	month, err := strconv.Atoi(parts["BYMONTH"])
	day := parts["BYDAY"]
	if err != nil || parts["FREQ"] != "YEARLY" || len(day) < 3 {
		return "", false
	}
	week, err := strconv.Atoi(day[:len(day)-2])
	weekday := strings.Index("SUMOTUWETHFRSA", day[len(day)-2:])
	if err != nil || weekday < 0 || weekday%2 != 0 || week == 0 || week < -1 || week > 5 {
		return "", false
	}
	if week == -1 {
		week = 5
	}
	t := start.Value[9:15]
	return fmt.Sprintf("M%d.%d.%d/%s:%s:%s", month, week, weekday/2, t[0:2], t[2:4], t[4:6]), true
}

// tzif returns TZif version 2 data with no transitions, one local time type
// and the POSIX TZ footer that carries the rules.
func tzif(stdOff int, posix string) []byte {
	var b bytes.Buffer
	for range 2 { // the version 1 block, then the version 2 block
		b.WriteString("TZif2")
		b.Write(make([]byte, 15))
		for _, n := range []uint32{0, 0, 0, 0, 1, 4} { // isut, isstd, leap, time, type, char counts
			binary.Write(&b, binary.BigEndian, n)
		}
		binary.Write(&b, binary.BigEndian, int32(stdOff))
		b.Write([]byte{0, 0}) // isdst, abbreviation index
		b.WriteString("STD\x00")
	}
	b.WriteString("\n" + posix + "\n")
	return b.Bytes()
}
