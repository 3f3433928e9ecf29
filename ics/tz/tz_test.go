package tz

import (
	"testing"
	"time"

	"github.com/emersion/go-ical"
)

func TestEveryWindowsZoneLoads(t *testing.T) {
	for win, iana := range windowsZones {
		if _, err := time.LoadLocation(iana); err != nil {
			t.Errorf("%s -> %s: %v", win, iana, err)
		}
	}
	if len(windowsZones) < 130 {
		t.Errorf("only %d Windows zones", len(windowsZones))
	}
}

func TestWindowsNames(t *testing.T) {
	r := NewResolver(nil)
	for in, want := range map[string]string{
		"W. Europe Standard Time":        "Europe/Berlin",
		`"Pacific Standard Time"`:        "America/Los_Angeles",
		"Eastern Standard Time 1":        "America/New_York",
		"central  standard time":         "America/Chicago",
		"GTB Standard Time":              "Europe/Bucharest",
		"Europe/Stockholm":               "Europe/Stockholm",
		"Central Standard Time (Mexico)": "America/Mexico_City",
	} {
		loc, err := r.Location(in)
		if err != nil || loc.String() != want {
			t.Errorf("%q: %v %v, want %s", in, loc, err, want)
		}
	}
	if _, err := r.Location("Nowhere Standard Time"); err == nil {
		t.Error("unknown zone gave no error")
	}
}

func vtimezone(name string) *ical.Component {
	mk := func(kind, start, rule, from, to string) *ical.Component {
		c := ical.NewComponent(kind)
		c.Props.SetText("DTSTART", start)
		c.Props.Set(&ical.Prop{Name: "RRULE", Params: ical.Params{}, Value: rule})
		c.Props.SetText("TZOFFSETFROM", from)
		c.Props.SetText("TZOFFSETTO", to)
		return c
	}
	z := ical.NewComponent("VTIMEZONE")
	z.Props.SetText("TZID", name)
	z.Children = append(z.Children,
		mk("STANDARD", "16011104T020000", "FREQ=YEARLY;BYDAY=1SU;BYMONTH=11", "-0400", "-0500"),
		mk("DAYLIGHT", "16010311T020000", "FREQ=YEARLY;BYDAY=2SU;BYMONTH=3", "-0500", "-0400"))
	return z
}

// A zone known only from the file follows its own rules, also at the
// moments the clocks change.
func TestVTimezoneOnly(t *testing.T) {
	r := NewResolver([]*ical.Component{vtimezone("Contoso Standard Time")})
	loc, err := r.Location("Contoso Standard Time")
	if err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	for _, utc := range []string{
		"2026-01-15T12:00:00Z", "2026-07-15T12:00:00Z",
		"2026-03-08T06:59:00Z", "2026-03-08T07:00:00Z", // spring forward at 02:00 EST
		"2026-11-01T05:59:00Z", "2026-11-01T06:00:00Z", // fall back at 02:00 EDT
	} {
		at, _ := time.Parse(time.RFC3339, utc)
		_, got := at.In(loc).Zone()
		_, want := at.In(ny).Zone()
		if got != want {
			t.Errorf("%s: offset %d, want %d", utc, got, want)
		}
	}
	wall := time.Date(2026, 7, 1, 9, 0, 0, 0, loc)
	if wall.UTC().Hour() != 13 {
		t.Errorf("09:00 in July = %s UTC", wall.UTC())
	}
}
