// Package tz turns an iCalendar TZID into a *time.Location: IANA names,
// Windows names (quoted, numbered, cased or spelled as exporters write them,
// or their display names) through CLDR's windowsZones table, and zones the
// file defines only in its own VTIMEZONE.
//
// Precedence: a TZID that is an IANA name or exactly a Windows name (up to
// case, spaces, dots and quotes) resolves through IANA, which knows the
// zone's history, even when the file also defines it. A numbered variant
// ("Eastern Standard Time 1") is how Exchange names a definition that
// differs from the plain one, so the file's own VTIMEZONE wins for it when
// there is one; only without one is the number dropped. A name neither IANA
// nor Windows knows is read from the file's VTIMEZONE.
package tz

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // zone data on every machine, whatever its /usr/share/zoneinfo holds

	"github.com/emersion/go-ical"
)

// Resolver finds locations for the TZIDs of one calendar. It is safe for
// concurrent use and remembers every answer.
type Resolver struct {
	defs   map[string]*ical.Component // VTIMEZONE by normalized TZID
	parent *Resolver                  // Within's: reads the TZIDs defs lacks

	mu    sync.Mutex
	cache map[string]resolved
	steps *onsetBudget // shared with the resolvers Within makes
}

// onsetBudget is the onsets the VTIMEZONEs of one file may still walk,
// all together.
type onsetBudget struct {
	mu   sync.Mutex
	left int
}

// maxResolverSteps bounds the onsets walked for all the VTIMEZONEs of one
// calendar: a few hundred zones of real rules walk well under it.
const maxResolverSteps = 2_000_000

type resolved struct {
	loc *time.Location
	err error
}

// NewResolver knows the calendar's own VTIMEZONE definitions. When two
// share a TZID, the first wins.
func NewResolver(vtimezones []*ical.Component) *Resolver {
	r := &Resolver{defs: map[string]*ical.Component{}, cache: map[string]resolved{}, steps: &onsetBudget{left: maxResolverSteps}}
	r.define(vtimezones)
	return r
}

// Within returns a resolver for one VCALENDAR of a file that joins
// several, each with its own definitions: a TZID one of own defines is
// read from it (the first, as NewResolver's), any other as r reads it.
// It spends r's bound on the onsets walked.
func (r *Resolver) Within(own []*ical.Component) *Resolver {
	in := &Resolver{defs: map[string]*ical.Component{}, parent: r, cache: map[string]resolved{}, steps: r.steps}
	in.define(own)
	return in
}

// define knows the definitions of vtimezones, the first of each TZID.
func (r *Resolver) define(vtimezones []*ical.Component) {
	for _, c := range vtimezones {
		p := c.Props.Get(ical.PropTimezoneID)
		if p == nil {
			continue
		}
		ids := []string{p.Value} // as written, as some files write their parameters too
		if text, err := p.Text(); err == nil && text != p.Value {
			ids = append(ids, text) // the TEXT it is: "Contoso\, HQ" is a parameter's "Contoso, HQ"
		}
		for _, id := range ids {
			if k := key(id); k != "" && r.defs[k] == nil {
				r.defs[k] = c
			}
		}
	}
}

// Location returns the zone a TZID names, or an error naming the TZID.
func (r *Resolver) Location(tzid string) (*time.Location, error) {
	if r.parent != nil && r.defs[key(trimName(tzid))] == nil {
		return r.parent.Location(tzid)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if res, ok := r.cache[tzid]; ok {
		return res.loc, res.err
	}
	loc, err := r.resolve(tzid)
	if err != nil {
		err = zoneError{err}
	}
	r.cache[tzid] = resolved{loc, err}
	return loc, err
}

// ErrZone is what every error of Location is (errors.Is): a TZID that
// names no zone mms can use. The message stays the error's own.
var ErrZone = errors.New("time zone")

type zoneError struct{ err error }

func (e zoneError) Error() string        { return e.err.Error() }
func (e zoneError) Unwrap() error        { return e.err }
func (e zoneError) Is(target error) bool { return target == ErrZone }

func (r *Resolver) resolve(tzid string) (*time.Location, error) {
	name := trimName(tzid)
	if name == "" {
		return nil, fmt.Errorf("empty TZID")
	}
	if loc, ok := ianaLocation(name); ok {
		return loc, nil
	}
	if iana, ok := windowsExact(name); ok {
		return time.LoadLocation(iana)
	}
	def := r.defs[key(name)]
	if def != nil {
		r.steps.mu.Lock()
		loc, err := fromVTimezone(name, def, &r.steps.left)
		r.steps.mu.Unlock()
		if err == nil {
			return loc, nil
		}
		if iana, ok := windowsNumbered(name); ok {
			return time.LoadLocation(iana)
		}
		return nil, fmt.Errorf("time zone %q: %w", excerpt(tzid), err)
	}
	if iana, ok := windowsNumbered(name); ok {
		return time.LoadLocation(iana)
	}
	return nil, fmt.Errorf("unknown time zone %q: not an IANA or Windows name, and the file defines no VTIMEZONE for it", excerpt(tzid))
}

// trimName is a TZID without the spaces and quotes around it.
func trimName(tzid string) string {
	return strings.TrimSpace(strings.Trim(strings.TrimSpace(tzid), `"`))
}

// ianaLocation loads an IANA name, also when an old exporter prefixed it
// with a path ("/mozilla.org/20050126_1/America/New_York").
func ianaLocation(name string) (*time.Location, bool) {
	if strings.EqualFold(name, "tzone://Microsoft/Utc") {
		return time.UTC, true
	}
	candidates := []string{strings.TrimLeft(name, "/")}
	for i := range len(name) {
		if name[i] != '/' {
			continue
		}
		if rest := name[i+1:]; strings.Contains(rest, "/") || rest == "UTC" || rest == "GMT" {
			candidates = append(candidates, rest)
		}
	}
	for _, c := range candidates {
		if c == "" || c == "Local" || strings.ContainsAny(c, " \t") {
			continue
		}
		if loc, err := time.LoadLocation(c); err == nil {
			return loc, true
		}
		if iana, ok := ianaByLower[strings.ToLower(c)]; ok { // "europe/berlin"
			if loc, err := time.LoadLocation(iana); err == nil {
				return loc, true
			}
		}
	}
	return nil, false
}

// ianaByLower indexes the IANA zones the Windows tables name by their
// lower-cased names, for exporters that write "europe/berlin".
var ianaByLower = func() map[string]string {
	m := map[string]string{}
	for _, table := range []map[string]string{windowsAliases, windowsZones, windowsDisplayNames} {
		for _, iana := range table {
			m[strings.ToLower(iana)] = iana
		}
	}
	return m
}()

// windowsExact maps a Windows zone name, old or current, or its display
// name ("(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna";
// older Windows wrote "(GMT+01:00) ..."), to IANA, tolerating case,
// quotes, doubled spaces, missing dots and "Daylight" for "Standard".
func windowsExact(name string) (string, bool) {
	k := key(name)
	if iana, ok := windowsByKey[k]; ok {
		return iana, true
	}
	if rest, ok := strings.CutPrefix(k, "(gmt"); ok {
		if iana, ok := windowsByKey["(utc"+rest]; ok {
			return iana, true
		}
		// Outlook 2003: "(GMT+01.00) Amsterdam / Berlin / Bern / Rome /
		// Stockholm / Vienna"
		if len(rest) > 7 && rest[3] == ' ' && rest[6] == ')' {
			old := "(utc" + rest[:3] + ":" + strings.ReplaceAll(rest[4:], " / ", ", ")
			if iana, ok := windowsByKey[old]; ok {
				return iana, true
			}
		}
	}
	if base, ok := strings.CutSuffix(k, " daylight time"); ok {
		iana, ok := windowsByKey[base+" standard time"]
		return iana, ok
	}
	return "", false
}

// windowsNumbered maps Exchange's numbered variants ("Eastern Standard
// Time 1", "Eastern Standard Time2") to the zone of the plain name.
func windowsNumbered(name string) (string, bool) {
	k := key(name)
	trimmed := strings.TrimRight(strings.TrimRight(k, "0123456789"), " ")
	if trimmed == k || trimmed == "" {
		return "", false
	}
	return windowsExact(trimmed)
}

// windowsAliases are Windows names CLDR no longer lists, and the registry's
// StandardName spellings that differ from the zone ID, which some exporters
// write as the TZID.
var windowsAliases = map[string]string{
	"Mexico Standard Time":          "America/Mexico_City", // retired ID of Central Standard Time (Mexico)
	"Mexico Standard Time 2":        "America/Mazatlan",    // retired ID of Mountain Standard Time (Mexico)
	"Armenian Standard Time":        "Asia/Yerevan",        // retired; now Caucasus Standard Time
	"Jerusalem Standard Time":       "Asia/Jerusalem",      // StandardName of Israel Standard Time
	"Malay Peninsula Standard Time": "Asia/Singapore",      // StandardName of Singapore Standard Time
	"West Bank Gaza Standard Time":  "Asia/Hebron",         // StandardName of West Bank Standard Time
	"Coordinated Universal Time":    "Etc/UTC",             // StandardName of UTC
	"Russia TZ 1 Standard Time":     "Europe/Kaliningrad",
	"Russia TZ 2 Standard Time":     "Europe/Moscow",
	"Russia TZ 3 Standard Time":     "Europe/Samara",
	"Russia TZ 4 Standard Time":     "Asia/Yekaterinburg",
	"Russia TZ 6 Standard Time":     "Asia/Krasnoyarsk",
	"Russia TZ 7 Standard Time":     "Asia/Irkutsk",
	"Russia TZ 8 Standard Time":     "Asia/Yakutsk",
	"Russia TZ 9 Standard Time":     "Asia/Vladivostok",
	"Russia TZ 10 Standard Time":    "Asia/Srednekolymsk",
	"Russia TZ 11 Standard Time":    "Asia/Kamchatka",
}

// windowsByKey indexes windowsZones and windowsAliases by key. It is built
// once and only read.
var windowsByKey = func() map[string]string {
	m := make(map[string]string, len(windowsZones)+len(windowsAliases))
	for _, table := range []map[string]string{windowsAliases, windowsZones, windowsDisplayNames} {
		for name, iana := range table {
			m[key(name)] = iana
		}
	}
	return m
}()

var keyReplacer = strings.NewReplacer(`\,`, ",", `\;`, ";", `^'`, " ", `"`, " ", ".", " ", "(", " (", ")", ") ", "\t", " ")

// key normalizes a zone name for lookups: lower case, no quotes or dots,
// single spaces ("W.Europe  standard time" and "W. Europe Standard Time"
// share a key), a comma or semicolon escaped as TEXT writes it ("\,") or
// a quote as RFC 6868 writes one in a parameter ("^'") read as itself.
func key(name string) string {
	return strings.Join(strings.Fields(keyReplacer.Replace(strings.ToLower(name))), " ")
}
