// Package tz turns an iCalendar TZID into a *time.Location: IANA names,
// Windows names (quoted, numbered or cased as exporters write them) through
// CLDR's windowsZones table, and zones the file defines only in its own
// VTIMEZONE.
package tz

import (
	"fmt"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // zone data on every machine

	"github.com/emersion/go-ical"
)

// Resolver finds locations for the TZIDs of one calendar.
type Resolver struct {
	defs  map[string]*ical.Component // VTIMEZONE by TZID
	mu    sync.Mutex
	cache map[string]*time.Location
}

// NewResolver knows the calendar's own VTIMEZONE definitions.
func NewResolver(vtimezones []*ical.Component) *Resolver {
	r := &Resolver{defs: map[string]*ical.Component{}, cache: map[string]*time.Location{}}
	for _, c := range vtimezones {
		if p := c.Props.Get(ical.PropTimezoneID); p != nil {
			r.defs[strings.TrimSpace(p.Value)] = c
		}
	}
	return r
}

// Location returns the zone a TZID names.
func (r *Resolver) Location(tzid string) (*time.Location, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if loc, ok := r.cache[tzid]; ok {
		return loc, nil
	}
	loc, err := r.resolve(tzid)
	if err != nil {
		return nil, err
	}
	r.cache[tzid] = loc
	return loc, nil
}

func (r *Resolver) resolve(tzid string) (*time.Location, error) {
	name := strings.Trim(strings.TrimSpace(tzid), `"`)
	if iana, ok := Windows(name); ok {
		return time.LoadLocation(iana)
	}
	if name != "" && name != "Local" && !strings.ContainsAny(name, " ") {
		if loc, err := time.LoadLocation(strings.TrimPrefix(name, "/")); err == nil {
			return loc, nil
		}
	}
	if def, ok := r.defs[tzid]; ok {
		return fromVTimezone(name, def)
	}
	if def, ok := r.defs[name]; ok {
		return fromVTimezone(name, def)
	}
	return nil, fmt.Errorf("unknown time zone %q: not an IANA or Windows name, and the file defines no VTIMEZONE for it", tzid)
}

// Windows maps a Windows zone name to IANA, tolerating case, extra spaces
// and Exchange's trailing numbers ("Eastern Standard Time 1").
func Windows(name string) (string, bool) {
	key := normalize(name)
	if iana, ok := byKey[key]; ok {
		return iana, true
	}
	trimmed := strings.TrimRight(key, "0123456789 ")
	iana, ok := byKey[trimmed]
	return iana, ok
}

var byKey = func() map[string]string {
	m := make(map[string]string, len(windowsZones))
	for k, v := range windowsZones {
		m[normalize(k)] = v
	}
	return m
}()

func normalize(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(strings.Trim(s, `"`)), " "))
}
