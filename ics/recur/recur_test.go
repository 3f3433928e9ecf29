package recur

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/mms-project/mms/ics/tz"
)

// event builds a VEVENT from "NAME;PARAMS:VALUE" lines.
func event(lines ...string) *ical.Component {
	c := ical.NewComponent("VEVENT")
	for _, l := range lines {
		head, value, _ := strings.Cut(l, ":")
		parts := strings.Split(head, ";")
		p := &ical.Prop{Name: parts[0], Params: ical.Params{}, Value: value}
		for _, kv := range parts[1:] {
			k, v, _ := strings.Cut(kv, "=")
			p.Params[k] = []string{strings.Trim(v, `"`)}
		}
		c.Props.Add(p)
	}
	return c
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func TestDateTime(t *testing.T) {
	stockholm := mustLoad("Europe/Stockholm")
	cases := []struct {
		line   string
		want   string
		allDay bool
	}{
		{"DTSTART:20260115T093000Z", "2026-01-15T09:30:00Z", false},
		{`DTSTART;TZID="W. Europe Standard Time":20260115T093000`, "2026-01-15T08:30:00Z", false},
		{`DTSTART;TZID="W. Europe Standard Time":20260715T093000`, "2026-07-15T07:30:00Z", false},
		{"DTSTART;TZID=Eastern Standard Time 1:20260115T093000", "2026-01-15T14:30:00Z", false},
		{"DTSTART;TZID=America/New_York:20260115T093000", "2026-01-15T14:30:00Z", false},
		{"DTSTART:20260115T093000", "2026-01-15T08:30:00Z", false}, // floating: Stockholm
		{"DTSTART;VALUE=DATE:20260115", "2026-01-14T23:00:00Z", true},
		{"DTSTART:20260115", "2026-01-14T23:00:00Z", true},
		{"EXDATE;TZID=Pacific Standard Time:20260115T090000,20260122T090000", "2026-01-15T17:00:00Z", false},
		{"RDATE;VALUE=PERIOD:20260115T090000Z/20260115T100000Z", "2026-01-15T09:00:00Z", false},
	}
	r := tz.NewResolver(nil)
	for _, tc := range cases {
		c := event(tc.line)
		for _, p := range c.Props {
			got, allDay, err := DateTime(&p[0], r, stockholm)
			if err != nil || !got.Equal(at(tc.want)) || allDay != tc.allDay {
				t.Errorf("%s: %s %v %v, want %s %v", tc.line, got.UTC().Format(time.RFC3339), allDay, err, tc.want, tc.allDay)
			}
		}
	}
}

func TestDateTimeErrorsNameThePropertyAndValue(t *testing.T) {
	r := tz.NewResolver(nil)
	for line, want := range map[string]string{
		"DTSTART;TZID=Mars Standard Time:20260101T100000": `DTSTART: unknown time zone "Mars Standard Time"`,
		"DTSTART:2026-01-01":                              `DTSTART "2026-01-01"`,
		"DTEND:20260101T1000":                             `DTEND "20260101T1000"`,
		"DTSTART;VALUE=DATE:20260101T100000":              `DTSTART "20260101T100000": VALUE=DATE`,
		"EXDATE:20260101T100000Z,tomorrow":                `EXDATE "20260101T100000Z,tomorrow"`,
	} {
		for _, p := range event(line).Props {
			_, _, err := DateTime(&p[0], r, time.UTC)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: err = %v, want it to say %s", line, err, want)
			}
		}
	}
	_, _, err := Series{Master: event("DTSTART:20260101T100000Z", "RRULE:FREQ=FORTNIGHTLY")}.NextAtOrAfter(at("2026-01-15T00:00:00Z"), r, time.UTC)
	if err == nil || !strings.Contains(err.Error(), `RRULE "FREQ=FORTNIGHTLY"`) {
		t.Errorf("bad RRULE: err = %v", err)
	}
	_, _, err = Series{Master: event("DTSTART:20260101T100000Z", "RRULE:FREQ=DAILY;BYMONTH=13")}.NextAtOrAfter(at("2026-01-15T00:00:00Z"), r, time.UTC)
	if err == nil || !strings.Contains(err.Error(), `RRULE "FREQ=DAILY;BYMONTH=13": bymonth must be between 1 and 12`) {
		t.Errorf("RRULE out of bounds: err = %v", err)
	}
	_, _, err = Series{Master: event("SUMMARY:no start")}.NextAtOrAfter(at("2026-01-15T00:00:00Z"), r, time.UTC)
	if err == nil || !strings.Contains(err.Error(), "no DTSTART") {
		t.Errorf("no DTSTART: err = %v", err)
	}
}

// A start a few minutes either side of now in a Windows zone on the days
// the clocks change: reading the wall time with the wrong offset would put
// one of each pair on the wrong side.
func TestAroundDSTChanges(t *testing.T) {
	const w = `DTSTART;TZID="W. Europe Standard Time":`
	r := tz.NewResolver(nil)
	cases := []struct {
		start, now string
		past       bool
	}{
		// 2026-03-29 02:00 CET becomes 03:00 CEST: now is 03:03 CEST.
		{w + "20260329T030000", "2026-03-29T01:03:00Z", true},
		{w + "20260329T030600", "2026-03-29T01:03:00Z", false},
		{w + "20260329T015900", "2026-03-29T01:03:00Z", true},
		// 2026-10-25 03:00 CEST becomes 02:00 CET: now is 03:03 CET.
		{w + "20261025T030000", "2026-10-25T02:03:00Z", true},
		{w + "20261025T030600", "2026-10-25T02:03:00Z", false},
	}
	for _, tc := range cases {
		c := event(tc.start)
		past, err := IsPast(c, at(tc.now), r, time.UTC)
		if err != nil || past != tc.past {
			t.Errorf("%s at %s: past=%v %v, want %v", tc.start, tc.now, past, err, tc.past)
		}
		_, future, err := Series{Master: c}.NextAtOrAfter(at(tc.now), r, time.UTC)
		if err != nil || future == tc.past {
			t.Errorf("%s at %s: NextAtOrAfter ok=%v %v, want %v", tc.start, tc.now, future, err, !tc.past)
		}
	}
}

func TestIsPast(t *testing.T) {
	r, tokyo := tz.NewResolver(nil), mustLoad("Asia/Tokyo")
	cases := []struct {
		c    *ical.Component
		now  string
		want bool
	}{
		{event("DTSTART:20260115T100000Z"), "2026-01-15T10:00:00Z", false}, // at now is not past
		{event("DTSTART:20260115T100000Z"), "2026-01-15T10:00:01Z", true},
		// all-day: midnight in the floating zone (Tokyo, UTC+9)
		{event("DTSTART;VALUE=DATE:20260115"), "2026-01-14T15:00:00Z", false},
		{event("DTSTART;VALUE=DATE:20260115"), "2026-01-14T15:00:01Z", true},
		// an override is judged by its own DTSTART, not its RECURRENCE-ID
		{event("RECURRENCE-ID:20260101T100000Z", "DTSTART:20260201T100000Z"), "2026-01-15T00:00:00Z", false},
		{event("RECURRENCE-ID:20260101T100000Z"), "2026-01-15T00:00:00Z", true}, // no DTSTART: its RECURRENCE-ID
	}
	for i, tc := range cases {
		got, err := IsPast(tc.c, at(tc.now), r, tokyo)
		if err != nil || got != tc.want {
			t.Errorf("case %d: %v %v, want %v", i, got, err, tc.want)
		}
	}
}

func overrides(cs ...*ical.Component) []*ical.Component { return cs }

func TestNextAtOrAfter(t *testing.T) {
	const (
		w   = `DTSTART;TZID="W. Europe Standard Time":`
		pst = `DTSTART;TZID="Pacific Standard Time":`
	)
	cases := []struct {
		name   string
		series Series
		now    string
		want   string // "" means no occurrence left
	}{
		{"single future", Series{Master: event(w + "20260120T100000")}, "2026-01-15T00:00:00Z", "2026-01-20T09:00:00Z"},
		{"single past", Series{Master: event(w + "20260110T100000")}, "2026-01-15T00:00:00Z", ""},
		{"at now counts", Series{Master: event("DTSTART:20260115T000000Z")}, "2026-01-15T00:00:00Z", "2026-01-15T00:00:00Z"},
		{"all-day in the floating zone", Series{Master: event("DTSTART;VALUE=DATE:20260115")}, "2026-01-15T00:00:00Z", "2026-01-15T00:00:00Z"},
		{"cancelled single", Series{Master: event("DTSTART:20260120T100000Z", "STATUS:CANCELLED")}, "2026-01-15T00:00:00Z", ""},

		{"count not exhausted", Series{Master: event(w+"20260101T100000", "RRULE:FREQ=WEEKLY;COUNT=3")}, "2026-01-10T00:00:00Z", "2026-01-15T09:00:00Z"},
		{"count exhausted before now", Series{Master: event(w+"20260101T100000", "RRULE:FREQ=WEEKLY;COUNT=2")}, "2026-01-10T00:00:00Z", ""},
		{"until includes its instant", Series{Master: event("DTSTART:20260101T100000Z", "RRULE:FREQ=DAILY;UNTIL=20260116T100000Z")}, "2026-01-15T12:00:00Z", "2026-01-16T10:00:00Z"},
		{"until passed", Series{Master: event("DTSTART:20260101T100000Z", "RRULE:FREQ=DAILY;UNTIL=20260115T100000Z")}, "2026-01-15T12:00:00Z", ""},
		{"until as a date includes the day", Series{Master: event(w+"20260101T100000", "RRULE:FREQ=DAILY;UNTIL=20260116")}, "2026-01-15T12:00:00Z", "2026-01-16T09:00:00Z"},
		{"interval", Series{Master: event("DTSTART:20260101T100000Z", "RRULE:FREQ=DAILY;INTERVAL=10")}, "2026-01-12T00:00:00Z", "2026-01-21T10:00:00Z"},
		// more than 292 years (a time.Duration) after DTSTART: rrule-go's
		// own end for a rule without UNTIL
		{"count beyond 292 years", Series{Master: event("DTSTART:17000101T100000Z", "RRULE:FREQ=YEARLY;COUNT=500")}, "2026-01-15T00:00:00Z", "2027-01-01T10:00:00Z"},
		{"count beyond 292 years, weekly", Series{Master: event("DTSTART:17000104T100000Z", "RRULE:FREQ=WEEKLY;COUNT=30000")}, "2026-01-15T00:00:00Z", "2026-01-19T10:00:00Z"},
		{"lower-case rule, stray semicolon", Series{Master: event("DTSTART:20260101T100000Z", "RRULE:freq=daily;interval=10;")}, "2026-01-12T00:00:00Z", "2026-01-21T10:00:00Z"},

		{"weekly keeps local time across DST", Series{Master: event(pst+"20260105T090000", "RRULE:FREQ=WEEKLY;BYDAY=MO")}, "2026-03-10T00:00:00Z", "2026-03-16T16:00:00Z"},
		{"weekly before DST is 17:00 UTC", Series{Master: event(pst+"20260105T090000", "RRULE:FREQ=WEEKLY;BYDAY=MO")}, "2026-02-24T00:00:00Z", "2026-03-02T17:00:00Z"},
		{"second Wednesday (BYSETPOS=2)", Series{Master: event(`DTSTART;TZID="Central Standard Time":20220413T160000`, "RRULE:FREQ=MONTHLY;COUNT=22;BYDAY=WE;BYSETPOS=2")}, "2022-04-14T00:00:00Z", "2022-05-11T21:00:00Z"},
		{"last Tuesday (BYSETPOS=-1)", Series{Master: event("DTSTART:20260127T160000Z", "RRULE:FREQ=MONTHLY;BYDAY=TU;BYSETPOS=-1")}, "2026-01-28T00:00:00Z", "2026-02-24T16:00:00Z"},
		{"last Sunday (BYDAY=-1SU)", Series{Master: event("DTSTART:20260125T160000Z", "RRULE:FREQ=MONTHLY;BYDAY=-1SU")}, "2026-01-26T00:00:00Z", "2026-02-22T16:00:00Z"},
		{"second Friday (BYDAY=2FR)", Series{Master: event("DTSTART:20260109T160000Z", "RRULE:FREQ=MONTHLY;BYDAY=2FR")}, "2026-01-10T00:00:00Z", "2026-02-13T16:00:00Z"},
		// RFC 5545's WKST example: every other week on Tuesday and Sunday.
		{"WKST=MO", Series{Master: event("DTSTART:19970805T090000Z", "RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO")}, "1997-08-11T00:00:00Z", "1997-08-19T09:00:00Z"},
		{"WKST=SU", Series{Master: event("DTSTART:19970805T090000Z", "RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU")}, "1997-08-11T00:00:00Z", "1997-08-17T09:00:00Z"},
		{"DTSTART off the rule still occurs", Series{Master: event("DTSTART:20260120T100000Z", "RRULE:FREQ=MONTHLY;BYMONTHDAY=1")}, "2026-01-15T00:00:00Z", "2026-01-20T10:00:00Z"},
		// RFC 5545 3.3.10: DTSTART "always counts as the first occurrence"
		{"DTSTART off the rule is the first of its COUNT", Series{Master: event("DTSTART:20260305T100000Z", "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=1")}, "2026-03-06T00:00:00Z", ""},
		{"DTSTART off the rule, COUNT=2", Series{Master: event("DTSTART:20260305T100000Z", "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=2")}, "2026-03-06T00:00:00Z", "2026-03-10T10:00:00Z"},
		{"DTSTART off the rule, COUNT=2, over", Series{Master: event("DTSTART:20260305T100000Z", "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=2")}, "2026-03-11T00:00:00Z", ""},
		{"DTSTART on the rule, COUNT=2", Series{Master: event("DTSTART:20260303T100000Z", "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=2")}, "2026-03-04T00:00:00Z", "2026-03-10T10:00:00Z"},

		{"exdate removes the only future one", Series{Master: event("DTSTART:20260101T100000Z", "RRULE:FREQ=WEEKLY;COUNT=3", "EXDATE:20260115T100000Z")}, "2026-01-10T00:00:00Z", ""},
		{"exdate list with commas", Series{Master: event("DTSTART:20260101T100000Z", "RRULE:FREQ=WEEKLY;COUNT=4", "EXDATE:20260108T100000Z,20260115T100000Z")}, "2026-01-02T00:00:00Z", "2026-01-22T10:00:00Z"},
		{"several exdates with a Windows TZID", Series{Master: event(w+"20260101T100000", "RRULE:FREQ=WEEKLY;COUNT=4",
			`EXDATE;TZID="W. Europe Standard Time":20260108T100000`, `EXDATE;TZID="W. Europe Standard Time":20260115T100000,20260122T100000`)}, "2026-01-02T00:00:00Z", ""},
		{"exdate in another zone, same instant", Series{Master: event(w+"20260101T100000", "RRULE:FREQ=WEEKLY;COUNT=2", "EXDATE:20260108T090000Z")}, "2026-01-02T00:00:00Z", ""},
		{"exdate as a date in a timed series", Series{Master: event(w+"20260101T100000", "RRULE:FREQ=WEEKLY;COUNT=2", "EXDATE;VALUE=DATE:20260108")}, "2026-01-02T00:00:00Z", ""},
		{"exdate of an all-day series", Series{Master: event("DTSTART;VALUE=DATE:20260101", "RRULE:FREQ=WEEKLY;COUNT=2", "EXDATE;VALUE=DATE:20260108")}, "2026-01-02T00:00:00Z", ""},
		{"exdate removes DTSTART", Series{Master: event("DTSTART:20260120T100000Z", "EXDATE:20260120T100000Z")}, "2026-01-15T00:00:00Z", ""},

		{"rdate adds a future one", Series{Master: event("DTSTART:20260101T100000Z", "RRULE:FREQ=WEEKLY;COUNT=1", "RDATE:20260301T100000Z")}, "2026-01-02T00:00:00Z", "2026-03-01T10:00:00Z"},
		{"rdate list and several properties", Series{Master: event(w+"20260101T100000", "RDATE:20260201T100000Z,20260401T100000Z", `RDATE;TZID="W. Europe Standard Time":20260301T100000`)}, "2026-02-02T00:00:00Z", "2026-03-01T09:00:00Z"},
		{"rdate as a date", Series{Master: event("DTSTART;VALUE=DATE:20260101", "RDATE;VALUE=DATE:20260301")}, "2026-01-02T00:00:00Z", "2026-03-01T00:00:00Z"},
		{"rdate as a period", Series{Master: event("DTSTART:20260101T100000Z", "RDATE;VALUE=PERIOD:20260301T100000Z/PT1H")}, "2026-01-02T00:00:00Z", "2026-03-01T10:00:00Z"},
		{"exdate beats rdate", Series{Master: event("DTSTART:20260101T100000Z", "RDATE:20260301T100000Z", "EXDATE:20260301T100000Z")}, "2026-01-02T00:00:00Z", ""},

		{"override moves the last into the future", Series{
			Master:    event("DTSTART:20260101T100000Z", "RRULE:FREQ=WEEKLY;COUNT=2"),
			Overrides: overrides(event("DTSTART:20260201T100000Z", "RECURRENCE-ID:20260108T100000Z")),
		}, "2026-01-10T00:00:00Z", "2026-02-01T10:00:00Z"},
		{"override moves the last into the past", Series{
			Master:    event("DTSTART:20260101T100000Z", "RRULE:FREQ=WEEKLY;COUNT=2"),
			Overrides: overrides(event("DTSTART:20260102T100000Z", "RECURRENCE-ID:20260108T100000Z")),
		}, "2026-01-05T00:00:00Z", ""},
		{"override with a Windows TZID replaces the occurrence", Series{
			Master:    event(w+"20260101T100000", "RRULE:FREQ=WEEKLY;COUNT=2"),
			Overrides: overrides(event("DTSTART:20260102T100000Z", `RECURRENCE-ID;TZID="W. Europe Standard Time":20260108T100000`)),
		}, "2026-01-05T00:00:00Z", ""},
		{"floating RECURRENCE-ID is read in the series' zone", Series{
			Master:    event(w+"20260101T100000", "RRULE:FREQ=WEEKLY;COUNT=2"),
			Overrides: overrides(event("DTSTART:20260102T100000Z", "RECURRENCE-ID:20260108T100000")),
		}, "2026-01-05T00:00:00Z", ""},
		{"cancelled override", Series{
			Master:    event("DTSTART:20260101T100000Z", "RRULE:FREQ=WEEKLY;COUNT=2"),
			Overrides: overrides(event("DTSTART:20260108T100000Z", "RECURRENCE-ID:20260108T100000Z", "STATUS:CANCELLED")),
		}, "2026-01-05T00:00:00Z", ""},
		{"override earlier than the next occurrence", Series{
			Master:    event("DTSTART:20260101T100000Z", "RRULE:FREQ=WEEKLY"),
			Overrides: overrides(event("DTSTART:20260113T080000Z", "RECURRENCE-ID:20260115T100000Z")),
		}, "2026-01-09T00:00:00Z", "2026-01-13T08:00:00Z"},
		{"instances only: the next one", Series{Overrides: overrides(
			event("DTSTART:20260401T100000Z", "RECURRENCE-ID:20260401T100000Z"),
			event("DTSTART:20260301T100000Z", "RECURRENCE-ID:20260301T100000Z"),
			event("DTSTART:20260101T100000Z", "RECURRENCE-ID:20260101T100000Z"))}, "2026-01-05T00:00:00Z", "2026-03-01T10:00:00Z"},
		{"instances only, all past", Series{Overrides: overrides(event("DTSTART:20260101T100000Z", "RECURRENCE-ID:20260101T100000Z"))}, "2026-01-05T00:00:00Z", ""},
	}
	r := tz.NewResolver(nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := tc.series.NextAtOrAfter(at(tc.now), r, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if ok {
					t.Fatalf("got %s, want none", got.UTC())
				}
				return
			}
			if !ok || !got.Equal(at(tc.want)) {
				t.Fatalf("got %s (%v), want %s", got.UTC(), ok, tc.want)
			}
		})
	}
}

// A DTSTART the rule does not yield is the first of its COUNT (RFC 5545
// 3.3.10): FREQ=WEEKLY;BYDAY=TU;COUNT=2 from a Thursday meets that
// Thursday and the next Tuesday, no more (found by an audit: it met a
// Tuesday more, so a series over was taken for one to come).
func TestCountIncludesAnOffRuleDTSTART(t *testing.T) {
	s := Series{Master: event("DTSTART:20260305T100000Z", "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=2")}
	r := tz.NewResolver(nil)
	last, ok, err := s.LastBefore(at("2026-04-01T00:00:00Z"), r, time.UTC)
	if err != nil || !ok || !last.Equal(at("2026-03-10T10:00:00Z")) {
		t.Errorf("last %s (%v), %v; want 2026-03-10T10:00:00Z", last.UTC(), ok, err)
	}
	s.Master = event("DTSTART:20260305T100000Z", "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=1")
	last, ok, err = s.LastBefore(at("2026-04-01T00:00:00Z"), r, time.UTC)
	if err != nil || !ok || !last.Equal(at("2026-03-05T10:00:00Z")) {
		t.Errorf("COUNT=1: last %s (%v), %v; want DTSTART, 2026-03-05T10:00:00Z", last.UTC(), ok, err)
	}
	// a DTSTART the rule yields, in the hour summer time repeats, is no
	// DTSTART off the rule (found by a review: the series lost its last)
	s.Master = event("DTSTART;TZID=Europe/Berlin:20261025T023000", "RRULE:FREQ=DAILY;COUNT=2")
	last, ok, err = s.LastBefore(at("2026-11-01T00:00:00Z"), r, time.UTC)
	if err != nil || !ok || !last.Equal(at("2026-10-26T01:30:00Z")) {
		t.Errorf("DTSTART in the repeated hour: last %s (%v), %v; want 2026-10-26T01:30:00Z", last.UTC(), ok, err)
	}
}

// One walk says whether the master has an occurrence of its own left: a
// weekly series of three in January, its second moved to April, has none
// in February, though the series has one.
func TestNextSaysWhetherTheMasterHasItsOwn(t *testing.T) {
	r := tz.NewResolver(nil)
	s := Series{
		Master:    event("DTSTART:20260105T100000Z", "RRULE:FREQ=WEEKLY;COUNT=3"),
		Overrides: []*ical.Component{event("RECURRENCE-ID:20260112T100000Z", "DTSTART:20260401T100000Z")},
	}
	for now, want := range map[string]Next{
		"2026-01-10T00:00:00Z": {At: at("2026-01-19T10:00:00Z"), OK: true, MasterOK: true},
		"2026-02-01T00:00:00Z": {At: at("2026-04-01T10:00:00Z"), OK: true, MasterOK: false},
		"2026-05-01T00:00:00Z": {},
	} {
		got, err := s.Next(at(now), r, time.UTC)
		if err != nil || got.OK != want.OK || got.MasterOK != want.MasterOK || !got.At.Equal(want.At) {
			t.Errorf("now %s: %+v, %v; want %+v", now, got, err, want)
		}
	}
}

// An override with RANGE=THISANDFUTURE moves its own occurrence and every
// later one of the master by as much as its DTSTART moves its
// RECURRENCE-ID (RFC 5545 3.2.13, 3.8.4.4): a weekly series at 09:00Z
// moved from February 23rd on to 15:00Z still meets on March 9th at
// 15:00Z; moved to 03:00Z, it met that day before 06:00Z (found by an
// audit: both were read at 09:00Z).
func TestThisAndFutureMovesLaterOccurrences(t *testing.T) {
	series := func(moved string) Series {
		return Series{
			Master:    event("DTSTART:20260202T090000Z", "RRULE:FREQ=WEEKLY;COUNT=6"),
			Overrides: overrides(event("RECURRENCE-ID;RANGE=THISANDFUTURE:20260223T090000Z", "DTSTART:"+moved)),
		}
	}
	r := tz.NewResolver(nil)
	cases := []struct {
		name, moved, now string
		next, last       string // "": none
	}{
		{"later", "20260223T150000Z", "2026-03-09T12:00:00Z", "2026-03-09T15:00:00Z", "2026-03-02T15:00:00Z"},
		{"earlier", "20260223T030000Z", "2026-03-09T06:00:00Z", "", "2026-03-09T03:00:00Z"},
		{"before its range", "20260223T150000Z", "2026-02-10T00:00:00Z", "2026-02-16T09:00:00Z", "2026-02-09T09:00:00Z"},
		{"its own occurrence", "20260223T150000Z", "2026-02-23T12:00:00Z", "2026-02-23T15:00:00Z", "2026-02-16T09:00:00Z"},
	}
	for _, tc := range cases {
		s := series(tc.moved)
		n, err := s.Next(at(tc.now), r, time.UTC)
		if err != nil || n.OK != (tc.next != "") || n.OK && !n.At.Equal(at(tc.next)) {
			t.Errorf("%s: next %s (%v), %v; want %q", tc.name, n.At.UTC(), n.OK, err, tc.next)
		}
		if tc.next != "" && tc.next != "2026-02-23T15:00:00Z" && !n.MasterOK {
			t.Errorf("%s: a moved occurrence is the master's own", tc.name)
		}
		last, ok, err := s.LastBefore(at(tc.now), r, time.UTC)
		if err != nil || ok != (tc.last != "") || ok && !last.Equal(at(tc.last)) {
			t.Errorf("%s: last %s (%v), %v; want %q", tc.name, last.UTC(), ok, err, tc.last)
		}
	}
}

// An override with RANGE=THISANDFUTURE is past only when its own start
// and every later occurrence it moves are: it stands for them (up to the
// next such override's).
func TestThisAndFutureOverrideIsPastWithItsRange(t *testing.T) {
	taf := event("RECURRENCE-ID;RANGE=THISANDFUTURE:20260223T090000Z", "DTSTART:20260223T150000Z")
	next := event("RECURRENCE-ID;RANGE=THISANDFUTURE:20260309T090000Z", "DTSTART:20260309T100000Z")
	plain := event("RECURRENCE-ID:20260216T090000Z", "DTSTART:20260216T100000Z")
	s := Series{Master: event("DTSTART:20260202T090000Z", "RRULE:FREQ=WEEKLY;COUNT=6"), Overrides: overrides(plain, taf, next)}
	r := tz.NewResolver(nil)
	for _, tc := range []struct {
		c    *ical.Component
		now  string
		want bool
	}{
		{taf, "2026-02-25T00:00:00Z", false}, // March 2nd at 15:00Z is its
		{taf, "2026-03-03T00:00:00Z", true},  // March 9th is the next one's
		{next, "2026-03-09T09:30:00Z", false},
		{next, "2026-03-09T10:30:00Z", true},
		{plain, "2026-02-17T00:00:00Z", true},
	} {
		got, err := s.InstancePast(tc.c, at(tc.now), r, time.UTC)
		if err != nil || got != tc.want {
			t.Errorf("%s at %s: past %v, %v; want %v", tc.c.Props.Get(ical.PropRecurrenceID).Value, tc.now, got, err, tc.want)
		}
	}
}

// A cancelled override with RANGE=THISANDFUTURE cancels the occurrences
// it stands for, up to the next such override's (found by an audit
// against ical.js: the series was taken for not past).
func TestThisAndFutureCancelled(t *testing.T) {
	cancel := event("RECURRENCE-ID;RANGE=THISANDFUTURE:20260223T090000Z", "DTSTART:20260223T090000Z", "STATUS:CANCELLED")
	again := event("RECURRENCE-ID;RANGE=THISANDFUTURE:20260309T090000Z", "DTSTART:20260309T100000Z")
	r := tz.NewResolver(nil)
	for _, tc := range []struct {
		name       string
		overrides  []*ical.Component
		now        string
		next, last string // "": none
		past       bool   // InstancePast of cancel
	}{
		{"the rest cancelled", overrides(cancel), "2026-02-20T00:00:00Z", "", "2026-02-16T09:00:00Z", true},
		{"before it", overrides(cancel), "2026-02-16T08:00:00Z", "2026-02-16T09:00:00Z", "2026-02-09T09:00:00Z", true},
		{"up to the next", overrides(cancel, again), "2026-02-20T00:00:00Z", "2026-03-09T10:00:00Z", "2026-02-16T09:00:00Z", true},
		{"after the next", overrides(cancel, again), "2026-03-20T00:00:00Z", "", "2026-03-09T10:00:00Z", true},
	} {
		s := Series{Master: event("DTSTART:20260202T090000Z", "RRULE:FREQ=WEEKLY;COUNT=6"), Overrides: tc.overrides}
		n, err := s.Next(at(tc.now), r, time.UTC)
		if err != nil || n.OK != (tc.next != "") || n.OK && !n.At.Equal(at(tc.next)) {
			t.Errorf("%s: next %s (%v), %v; want %q", tc.name, n.At.UTC(), n.OK, err, tc.next)
		}
		last, ok, err := s.LastBefore(at(tc.now), r, time.UTC)
		if err != nil || ok != (tc.last != "") || ok && !last.Equal(at(tc.last)) {
			t.Errorf("%s: last %s (%v), %v; want %q", tc.name, last.UTC(), ok, err, tc.last)
		}
		if past, err := s.InstancePast(cancel, at("2026-02-24T00:00:00Z"), r, time.UTC); err != nil || past != tc.past {
			t.Errorf("%s: the cancelled override past %v, %v; want %v", tc.name, past, err, tc.past)
		}
	}
}

// A local time the clock skips (the hour summer time begins) is read at
// the offset before the gap (RFC 5545, section 3.3.5), west of UTC as east
// of it, whether written (DTSTART, EXDATE, a DATE in a zone whose gap is
// at midnight) or made by a rule; and a series whose DTSTART is such a
// time keeps its written clock on the other days.
func TestTimesTheClockSkips(t *testing.T) {
	r := tz.NewResolver(nil)
	havana := mustLoad("America/Havana")
	for line, want := range map[string]string{
		"DTSTART;TZID=America/New_York:20260308T023000":      "2026-03-08T07:30:00Z", // 03:30 EDT, not 01:30 EST
		"DTSTART;TZID=Pacific Standard Time:20260308T023000": "2026-03-08T10:30:00Z",
		"DTSTART;TZID=Europe/Berlin:20260329T023000":         "2026-03-29T01:30:00Z",
		"DTSTART;VALUE=DATE:20260308":                        "2026-03-08T05:00:00Z", // Havana's clock skips midnight
	} {
		p := event(line).Props.Get("DTSTART")
		got, _, err := DateTime(p, r, havana)
		if err != nil || !got.Equal(at(want)) {
			t.Errorf("%s: %s %v, want %s", line, got.UTC().Format(time.RFC3339), err, want)
		}
	}
	const ny = "DTSTART;TZID=America/New_York:"
	cases := []struct {
		name      string
		series    Series
		now, next string // next "" : none left
		last      string
	}{
		{"a daily rule's occurrence in the gap, west of UTC", Series{Master: event(ny+"20260301T023000", "RRULE:FREQ=DAILY")},
			"2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z", "2026-03-07T07:30:00Z"},
		{"the same, excluded by EXDATE", Series{Master: event(ny+"20260301T023000", "RRULE:FREQ=DAILY", "EXDATE;TZID=America/New_York:20260308T023000")},
			"2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z", "2026-03-07T07:30:00Z"},
		{"the same, fast-forwarded from a year before", Series{Master: event(ny+"20250301T023000", "RRULE:FREQ=WEEKLY;BYDAY=SU")},
			"2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z", "2026-03-01T07:30:00Z"},
		{"DTSTART in the gap, east of UTC: 02:30 on the other days", Series{Master: event("DTSTART;TZID=Europe/Berlin:20260329T023000", "RRULE:FREQ=DAILY;COUNT=3")},
			"2026-03-30T00:15:00Z", "2026-03-30T00:30:00Z", "2026-03-29T01:30:00Z"},
		{"the same, its last occurrence", Series{Master: event("DTSTART;TZID=Europe/Berlin:20260329T023000", "RRULE:FREQ=DAILY;COUNT=3")},
			"2026-03-31T00:45:00Z", "", "2026-03-31T00:30:00Z"},
		{"DTSTART in the gap, west of UTC", Series{Master: event(ny+"20260308T023000", "RRULE:FREQ=DAILY;COUNT=3")},
			"2026-03-09T06:00:00Z", "2026-03-09T06:30:00Z", "2026-03-08T07:30:00Z"},
		{"a BYHOUR list with the hour before the gap", Series{Master: event(ny+"20260307T013000", "RRULE:FREQ=DAILY;BYHOUR=1,2;BYMINUTE=30;UNTIL=20260308T073000Z")},
			"2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z", "2026-03-08T06:30:00Z"},
		{"HOURLY in steps of two from DTSTART in the gap", Series{Master: event(ny+"20260308T023000", "RRULE:FREQ=HOURLY;INTERVAL=2;COUNT=2")},
			"2026-03-08T08:45:00Z", "", "2026-03-08T08:30:00Z"},
		{"a day whose midnight the clock skips (Havana): its occurrence on that day", Series{Master: event("DTSTART;TZID=America/Havana:20260305T090000", "RRULE:FREQ=DAILY;COUNT=4")},
			"2026-03-08T12:00:00Z", "2026-03-08T13:00:00Z", "2026-03-07T14:00:00Z"},
		{"the same, fast-forwarded every other day", Series{Master: event("DTSTART;TZID=America/Havana:20260302T090000", "RRULE:FREQ=DAILY;INTERVAL=2")},
			"2026-03-10T12:00:00Z", "2026-03-10T13:00:00Z", "2026-03-08T13:00:00Z"},
		{"UNTIL, an instant, in the hour the clock repeats", Series{Master: event(ny+"20261025T014500", "RRULE:FREQ=DAILY;UNTIL=20261101T063000Z")},
			"2026-11-01T05:00:00Z", "2026-11-01T05:45:00Z", "2026-10-31T05:45:00Z"},
		{"UNTIL just after the gap: the occurrence in it is after UNTIL", Series{Master: event(ny+"20260301T023000", "RRULE:FREQ=DAILY;UNTIL=20260308T071500Z")},
			"2026-03-08T07:20:00Z", "", "2026-03-07T07:30:00Z"},
		{"UNTIL in the repeated hour, east of UTC", Series{Master: event("DTSTART;TZID=Europe/Berlin:20261018T024500", "RRULE:FREQ=DAILY;UNTIL=20261025T013000Z")},
			"2026-10-25T00:30:00Z", "2026-10-25T00:45:00Z", "2026-10-24T00:45:00Z"},
		{"DTSTART at the zero time in a zone, with COUNT", Series{Master: event("DTSTART;TZID=Europe/Berlin:00010101T000000", "RRULE:FREQ=YEARLY;COUNT=2026")},
			"2026-03-08T07:30:00Z", "", ""}, // (its last occurrence is not looked for: the zero time explains nothing)
		{"an all-day series from that day, at midnight on the others", Series{Master: event("DTSTART;VALUE=DATE:20260308", "RRULE:FREQ=DAILY;COUNT=5")},
			"2026-03-12T04:30:00Z", "", "2026-03-12T04:00:00Z"},
	}
	for _, tc := range cases {
		n, ok, err := tc.series.NextAtOrAfter(at(tc.now), r, havana)
		if err != nil || ok != (tc.next != "") || ok && !n.Equal(at(tc.next)) {
			t.Errorf("%s: next %s %v %v, want %q", tc.name, n.UTC().Format(time.RFC3339), ok, err, tc.next)
		}
		if tc.last == "" {
			continue
		}
		l, ok, err := tc.series.LastBefore(at(tc.now), r, havana)
		if err != nil || !ok || !l.Equal(at(tc.last)) {
			t.Errorf("%s: last %s %v %v, want %s", tc.name, l.UTC().Format(time.RFC3339), ok, err, tc.last)
		}
	}
}
