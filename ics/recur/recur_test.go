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

func TestNextAtOrAfter(t *testing.T) {
	const w = `DTSTART;TZID="W. Europe Standard Time":`
	cases := []struct {
		name   string
		series Series
		now    string
		want   string // "" means no occurrence left
	}{
		{"single future", Series{Master: event(w + "20260120T100000")}, "2026-01-15T00:00:00Z", "2026-01-20T09:00:00Z"},
		{"single past", Series{Master: event(w + "20260110T100000")}, "2026-01-15T00:00:00Z", ""},
		{"at now is future", Series{Master: event("DTSTART:20260115T000000Z")}, "2026-01-15T00:00:00Z", "2026-01-15T00:00:00Z"},
		{"count exhausted", Series{Master: event(w+"20260101T100000", "RRULE:FREQ=WEEKLY;COUNT=2")}, "2026-01-15T00:00:00Z", ""},
		{"until", Series{Master: event(w+"20260101T100000", "RRULE:FREQ=DAILY;UNTIL=20260116T000000Z")}, "2026-01-15T12:00:00Z", ""},
		{"weekly keeps local time across DST", Series{Master: event(w+"20260305T100000", "RRULE:FREQ=WEEKLY")}, "2026-04-01T00:00:00Z", "2026-04-02T08:00:00Z"},
		{"second wednesday", Series{Master: event(`DTSTART;TZID="Central Standard Time":20220413T160000`, "RRULE:FREQ=MONTHLY;COUNT=22;BYDAY=WE;BYSETPOS=2")}, "2022-04-14T00:00:00Z", "2022-05-11T21:00:00Z"},
		{"last tuesday", Series{Master: event("DTSTART:20260127T160000Z", "RRULE:FREQ=MONTHLY;BYDAY=TU;BYSETPOS=-1")}, "2026-01-28T00:00:00Z", "2026-02-24T16:00:00Z"},
		{"exdate removes the last", Series{Master: event("DTSTART:20260101T100000Z", "RRULE:FREQ=WEEKLY;COUNT=3", "EXDATE:20260108T100000Z,20260115T100000Z")}, "2026-01-02T00:00:00Z", ""},
		{"rdate adds one", Series{Master: event("DTSTART:20260101T100000Z", "RRULE:FREQ=WEEKLY;COUNT=1", "RDATE:20260301T100000Z")}, "2026-01-02T00:00:00Z", "2026-03-01T10:00:00Z"},
		{"override moves the last into the future", Series{
			Master:    event("DTSTART:20260101T100000Z", "RRULE:FREQ=WEEKLY;COUNT=2"),
			Overrides: []*ical.Component{event("DTSTART:20260201T100000Z", "RECURRENCE-ID:20260108T100000Z")},
		}, "2026-01-10T00:00:00Z", "2026-02-01T10:00:00Z"},
		{"override moves the last into the past", Series{
			Master:    event("DTSTART:20260101T100000Z", "RRULE:FREQ=WEEKLY;COUNT=2"),
			Overrides: []*ical.Component{event("DTSTART:20260102T100000Z", "RECURRENCE-ID:20260108T100000Z")},
		}, "2026-01-05T00:00:00Z", ""},
		{"cancelled override", Series{
			Master:    event("DTSTART:20260101T100000Z", "RRULE:FREQ=WEEKLY;COUNT=2"),
			Overrides: []*ical.Component{event("DTSTART:20260108T100000Z", "RECURRENCE-ID:20260108T100000Z", "STATUS:CANCELLED")},
		}, "2026-01-05T00:00:00Z", ""},
		{"instances only", Series{Overrides: []*ical.Component{event("DTSTART:20260301T100000Z", "RECURRENCE-ID:20260301T100000Z")}}, "2026-01-05T00:00:00Z", "2026-03-01T10:00:00Z"},
		{"all-day", Series{Master: event("DTSTART;VALUE=DATE:20260115")}, "2026-01-15T00:00:00Z", "2026-01-15T00:00:00Z"},
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
					t.Fatalf("got %s, want none", got)
				}
				return
			}
			if !ok || !got.Equal(at(tc.want)) {
				t.Fatalf("got %s (%v), want %s", got.UTC(), ok, tc.want)
			}
		})
	}
}

func TestErrorsNameTheProperty(t *testing.T) {
	_, _, err := Series{Master: event("DTSTART;TZID=Mars Standard Time:20260101T100000")}.NextAtOrAfter(time.Now(), tz.NewResolver(nil), time.UTC)
	if err == nil || !strings.Contains(err.Error(), `DTSTART: unknown time zone "Mars Standard Time"`) {
		t.Fatalf("err = %v", err)
	}
	_, _, err = Series{Master: event("DTSTART:2026-01-01")}.NextAtOrAfter(time.Now(), tz.NewResolver(nil), time.UTC)
	if err == nil || !strings.Contains(err.Error(), `DTSTART "2026-01-01"`) {
		t.Fatalf("err = %v", err)
	}
}

// A series too dense to expand fails clearly instead of hanging.
func TestDenseSeriesIsRefused(t *testing.T) {
	s := Series{Master: event("DTSTART:16010101T000000Z", "RRULE:FREQ=SECONDLY")}
	done := make(chan error, 1)
	go func() {
		_, _, err := s.NextAtOrAfter(at("2026-01-15T00:00:00Z"), tz.NewResolver(nil), time.UTC)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "refusing to expand a series this dense") {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("NextAtOrAfter hung on a per-second series from 1601")
	}
	daily := Series{Master: event("DTSTART:19900101T090000Z", "RRULE:FREQ=DAILY")}
	if _, ok, err := daily.NextAtOrAfter(at("2026-01-15T00:00:00Z"), tz.NewResolver(nil), time.UTC); err != nil || !ok {
		t.Fatalf("a daily series since 1990 must still work: %v %v", ok, err)
	}
}

func BenchmarkDailyFromTenYearsAgo(b *testing.B) {
	s := Series{Master: event(`DTSTART;TZID="Pacific Standard Time":20160101T090000`, "RRULE:FREQ=DAILY")}
	r, now := tz.NewResolver(nil), at("2026-01-15T00:00:00Z")
	for b.Loop() {
		if _, ok, err := s.NextAtOrAfter(now, r, time.UTC); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
