package tz

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
)

func TestEveryWindowsZoneLoads(t *testing.T) {
	for _, table := range []map[string]string{windowsZones, windowsAliases, windowsDisplayNames} {
		for win, iana := range table {
			if _, err := time.LoadLocation(iana); err != nil {
				t.Errorf("%s -> %s: %v", win, iana, err)
			}
			if _, err := time.LoadLocation(win); err == nil {
				continue // "UTC" is an IANA name too
			}
			loc, err := NewResolver(nil).Location(win)
			if err != nil || loc.String() != iana {
				t.Errorf("Location(%q) = %v, %v; want %s", win, loc, err, iana)
			}
		}
	}
	if len(windowsZones) < 139 || len(windowsDisplayNames) != len(windowsZones) {
		t.Errorf("%d Windows zones, %d display names; CLDR lists about 140 of each", len(windowsZones), len(windowsDisplayNames))
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{
		"W. Europe Standard Time":                  "Europe/Berlin",
		`"Pacific Standard Time"`:                  "America/Los_Angeles",
		` "Pacific Standard Time" `:                "America/Los_Angeles",
		"Eastern Standard Time 1":                  "America/New_York",
		"Eastern Standard Time2":                   "America/New_York",
		"central  standard time":                   "America/Chicago",
		"CENTRAL STANDARD TIME":                    "America/Chicago",
		"W Europe Standard Time":                   "Europe/Berlin",
		"W.Europe Standard Time":                   "Europe/Berlin",
		"Pacific Daylight Time":                    "America/Los_Angeles",
		"GTB Standard Time":                        "Europe/Bucharest",
		"Central Standard Time (Mexico)":           "America/Mexico_City",
		"Central Standard Time(Mexico)":            "America/Mexico_City",
		"Central Europe Standard Time":             "Europe/Budapest",
		"Central European Standard Time":           "Europe/Warsaw",
		"Russia Time Zone 10":                      "Asia/Srednekolymsk", // a number that is part of the name
		"Russia Time Zone 3 1":                     "Europe/Samara",
		"Mexico Standard Time 2":                   "America/Mazatlan", // retired name, not "Mexico Standard Time" numbered
		"Jerusalem Standard Time":                  "Asia/Jerusalem",
		"UTC-11":                                   "Etc/GMT+11",
		"UTC":                                      "UTC",
		"Europe/Stockholm":                         "Europe/Stockholm",
		"/Europe/London":                           "Europe/London",
		"/mozilla.org/20050126_1/America/New_York": "America/New_York",
		"tzone://Microsoft/Utc":                    "UTC",
		// display names, as some exporters write TZIDs (found by an audit: failed time-zone)
		"(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna":      "Europe/Berlin",
		`"(UTC-05:00) Eastern Time (US & Canada)"`:                          "America/New_York",
		"(GMT+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna":      "Europe/Berlin",
		"(UTC) Coordinated Universal Time":                                  "Etc/UTC",
		"(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi":                   "Asia/Calcutta",
		`(UTC+01:00) Amsterdam\, Berlin\, Bern\, Rome\, Stockholm\, Vienna`: "Europe/Berlin", // escaped as TEXT (found by an audit)
		// found by an audit: failed time-zone without a VTIMEZONE
		"(GMT+01.00) Amsterdam / Berlin / Bern / Rome / Stockholm / Vienna": "Europe/Berlin", // Outlook 2003
		"europe/berlin":                            "Europe/Berlin",
		"america/los_angeles":                      "America/Los_Angeles",
		"/mozilla.org/20050126_1/america/new_york": "America/New_York",
	} {
		loc, err := NewResolver(nil).Location(in)
		if err != nil || loc.String() != want {
			t.Errorf("%q: %v %v, want %s", in, loc, err, want)
		}
	}
}

func TestUnknownNamesFail(t *testing.T) {
	r := NewResolver(nil)
	for _, in := range []string{"Nowhere Standard Time", "Local", "", `""`, "Standard Time 1"} {
		loc, err := r.Location(in)
		if err == nil {
			t.Errorf("%q resolved to %v", in, loc)
			continue
		}
		if in != "" && in != `""` && !strings.Contains(err.Error(), in) {
			t.Errorf("%q: error does not name the TZID: %v", in, err)
		}
	}
}

func TestLocationsAreCached(t *testing.T) {
	r := NewResolver([]*ical.Component{usZone("Contoso Standard Time")})
	a, _ := r.Location("Contoso Standard Time")
	b, _ := r.Location("Contoso Standard Time")
	if a == nil || a != b {
		t.Fatalf("second lookup built a new location: %p %p", a, b)
	}
}

// obs builds a STANDARD or DAYLIGHT sub-component.
func obs(kind, start, rule, from, to string) *ical.Component {
	c := ical.NewComponent(kind)
	c.Props.SetText("DTSTART", start)
	if rule != "" {
		c.Props.Set(&ical.Prop{Name: "RRULE", Params: ical.Params{}, Value: rule})
	}
	c.Props.SetText("TZOFFSETFROM", from)
	c.Props.SetText("TZOFFSETTO", to)
	return c
}

// withRDates adds RDATE lines to an observance.
func withRDates(c *ical.Component, values ...string) *ical.Component {
	for _, v := range values {
		c.Props.Add(&ical.Prop{Name: "RDATE", Params: ical.Params{}, Value: v})
	}
	return c
}

func vtimezone(name string, children ...*ical.Component) *ical.Component {
	z := ical.NewComponent("VTIMEZONE")
	z.Props.SetText("TZID", name)
	z.Children = children
	return z
}

// usZone is what Outlook writes for US Eastern time since 2007.
func usZone(name string) *ical.Component {
	return vtimezone(name,
		obs("STANDARD", "16011104T020000", "FREQ=YEARLY;BYDAY=1SU;BYMONTH=11", "-0400", "-0500"),
		obs("DAYLIGHT", "16010311T020000", "FREQ=YEARLY;BYDAY=2SU;BYMONTH=3", "-0500", "-0400"))
}

// sameOffsets checks loc against an IANA zone every hour of the given years.
func sameOffsets(t *testing.T, loc *time.Location, iana string, from, to int) {
	t.Helper()
	want, err := time.LoadLocation(iana)
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(to+1, 1, 1, 0, 0, 0, 0, time.UTC)
	bad := 0
	for at := time.Date(from, 1, 1, 0, 0, 0, 0, time.UTC); at.Before(end); at = at.Add(time.Hour) {
		_, got := at.In(loc).Zone()
		_, exp := at.In(want).Zone()
		if got != exp && bad < 5 {
			t.Errorf("%s: offset %d, %s has %d", at.Format(time.RFC3339), got, iana, exp)
			bad++
		}
	}
}

// A zone known only from the file follows its own rules, also at the
// moments the clocks change.
func TestVTimezoneOnly(t *testing.T) {
	r := NewResolver([]*ical.Component{usZone("Contoso Standard Time")})
	loc, err := r.Location("Contoso Standard Time")
	if err != nil {
		t.Fatal(err)
	}
	for utc, want := range map[string]int{
		"2026-01-15T12:00:00Z": -5, "2026-07-15T12:00:00Z": -4,
		"2026-03-08T06:59:59Z": -5, "2026-03-08T07:00:00Z": -4, // 02:00 EST becomes 03:00 EDT
		"2026-11-01T05:59:59Z": -4, "2026-11-01T06:00:00Z": -5, // 02:00 EDT becomes 01:00 EST
	} {
		at, _ := time.Parse(time.RFC3339, utc)
		if _, off := at.In(loc).Zone(); off != want*3600 {
			t.Errorf("%s: offset %d h, want %d", utc, off/3600, want)
		}
	}
	if wall := time.Date(2026, 7, 1, 9, 0, 0, 0, loc); wall.UTC().Hour() != 13 {
		t.Errorf("09:00 in July = %s UTC", wall.UTC())
	}
	sameOffsets(t, loc, "America/New_York", 2008, 2035)
}

func TestVTimezoneRules(t *testing.T) {
	cases := []struct {
		name     string
		zone     *ical.Component
		iana     string
		from, to int
	}{
		{"last Sunday, Europe", vtimezone("Fabrikam Time",
			obs("STANDARD", "16010101T030000", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "+0200", "+0100"),
			obs("DAYLIGHT", "16010101T020000", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "+0100", "+0200")),
			"Europe/Berlin", 1997, 2035},
		{"southern hemisphere", vtimezone("Woodgrove Time",
			obs("STANDARD", "16010401T030000", "FREQ=YEARLY;BYDAY=1SU;BYMONTH=4", "+1100", "+1000"),
			obs("DAYLIGHT", "16011001T020000", "FREQ=YEARLY;BYDAY=1SU;BYMONTH=10", "+1000", "+1100")),
			"Australia/Sydney", 2009, 2035},
		{"n-th Sunday as a run of month days", vtimezone("Litware Time",
			obs("STANDARD", "16011104T020000", "FREQ=YEARLY;BYMONTH=11;BYDAY=SU;BYMONTHDAY=1,2,3,4,5,6,7", "-0700", "-0800"),
			obs("DAYLIGHT", "16010311T020000", "FREQ=YEARLY;BYMONTH=3;BYDAY=SU;BYMONTHDAY=8,9,10,11,12,13,14", "-0800", "-0700")),
			"America/Los_Angeles", 2008, 2035},
		{"eras with UNTIL, as Google and Apple export them", vtimezone("Tailspin Time",
			obs("DAYLIGHT", "19870405T020000", "FREQ=YEARLY;BYMONTH=4;BYDAY=1SU;UNTIL=20060402T070000Z", "-0500", "-0400"),
			obs("STANDARD", "19671029T020000", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20061029T060000Z", "-0400", "-0500"),
			obs("DAYLIGHT", "20070311T020000", "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU", "-0500", "-0400"),
			obs("STANDARD", "20071104T020000", "FREQ=YEARLY;BYMONTH=11;BYDAY=1SU", "-0400", "-0500")),
			"America/New_York", 1990, 2035},
		{"onsets listed by RDATE after the latest DTSTART", vtimezone("Adatum Time",
			withRDates(obs("STANDARD", "20251026T030000", "", "+0200", "+0100"), "20261025T030000", "20271031T030000,20281029T030000"),
			withRDates(obs("DAYLIGHT", "20260329T020000", "", "+0100", "+0200"), "20270328T020000", "20280326T020000")),
			"Europe/Berlin", 2026, 2028},
		{"a rule without end beside onsets RDATE lists in a later observance", vtimezone("Alpine Time",
			obs("DAYLIGHT", "20260329T020000", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "+0100", "+0200"),
			withRDates(obs("STANDARD", "20261025T030000", "", "+0200", "+0100"), "20271031T030000,20281029T030000")),
			"Europe/Berlin", 2026, 2028},
		{"both rules ending in the future", vtimezone("Proseware Time",
			obs("STANDARD", "20201025T030000", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10;UNTIL=20301027T010000Z", "+0200", "+0100"),
			obs("DAYLIGHT", "20210328T020000", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3;UNTIL=20300331T010000Z", "+0100", "+0200")),
			"Europe/Berlin", 2021, 2030},
		{"STANDARD and DAYLIGHT starting together, no rules: fixed at the standard offset", vtimezone("Fourth Coffee Time",
			obs("STANDARD", "19700101T000000", "", "+0800", "+0800"),
			obs("DAYLIGHT", "19700101T000000", "", "+0800", "+0900")),
			"Asia/Singapore", 1990, 2030},
		{"only STANDARD: fixed", vtimezone("Northwind Time",
			obs("STANDARD", "19700101T000000", "", "+0530", "+0530")),
			"Asia/Kolkata", 1990, 2030},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := tc.zone.Props.Get("TZID").Value
			loc, err := NewResolver([]*ical.Component{tc.zone}).Location(name)
			if err != nil {
				t.Fatal(err)
			}
			sameOffsets(t, loc, tc.iana, tc.from, tc.to)
		})
	}
}

// Where a TZID is exactly a Windows or IANA name, IANA wins over the file's
// definition; a numbered variant is a different definition, so the file's
// VTIMEZONE wins for it (Exchange's "Eastern Standard Time 1" of -0400
// all year, as in the kindle-status corpus file).
func TestPrecedence(t *testing.T) {
	fixed := func(name, off string) *ical.Component {
		return vtimezone(name,
			obs("STANDARD", "16010101T000000", "", off, off),
			obs("DAYLIGHT", "16010101T000000", "", off, off))
	}
	r := NewResolver([]*ical.Component{
		fixed("Eastern Standard Time", "+0300"),
		fixed("Eastern Standard Time 1", "-0400"),
		fixed("Europe/Paris", "+0900"),
	})
	jan := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	for tzid, want := range map[string]int{
		"Eastern Standard Time":   -5,
		"Eastern Standard Time 1": -4,
		"Europe/Paris":            1,
		"Eastern Standard Time 2": -5, // no definition: the plain name's zone
	} {
		loc, err := r.Location(tzid)
		if err != nil {
			t.Fatalf("%s: %v", tzid, err)
		}
		if _, off := jan.In(loc).Zone(); off != want*3600 {
			t.Errorf("%s: offset %d h in January, want %d", tzid, off/3600, want)
		}
	}
}

func TestBadVTimezone(t *testing.T) {
	z := vtimezone("Broken Time", obs("STANDARD", "16010101T000000", "", "+0100", "one hour"))
	_, err := NewResolver([]*ical.Component{z}).Location("Broken Time")
	if err == nil || !strings.Contains(err.Error(), "Broken Time") || !strings.Contains(err.Error(), `TZOFFSETTO "one hour"`) {
		t.Fatalf("err = %v", err)
	}
}

// A TZID parameter that writes a quote as RFC 6868 does ("^'"), or escapes
// a comma as TEXT does, names the file's VTIMEZONE that writes it plainly
// (found by an audit: unknown time zone).
func TestEscapedNamesFindTheFilesZone(t *testing.T) {
	cal, err := ical.NewDecoder(strings.NewReader("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n" +
		"BEGIN:VTIMEZONE\r\nTZID:My \"Zone\"\r\nBEGIN:STANDARD\r\nDTSTART:16010101T000000\r\nTZOFFSETFROM:+0130\r\nTZOFFSETTO:+0130\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n" +
		"BEGIN:VTIMEZONE\r\nTZID:Custom, Zone\r\nBEGIN:STANDARD\r\nDTSTART:16010101T000000\r\nTZOFFSETFROM:+0230\r\nTZOFFSETTO:+0230\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n" +
		"END:VCALENDAR\r\n")).Decode()
	if err != nil {
		t.Fatal(err)
	}
	r := NewResolver(cal.Children)
	for name, want := range map[string]int{`My ^'Zone^'`: 5400, `Custom\, Zone`: 9000} {
		loc, err := r.Location(name)
		if err != nil {
			t.Errorf("%q: %v", name, err)
			continue
		}
		if _, off := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).In(loc).Zone(); off != want {
			t.Errorf("%q: offset %d, want %d", name, off, want)
		}
	}
}

// TestWithin: one VCALENDAR of a joined file reads a TZID it defines
// from its own definition, another from the file's.
func TestWithin(t *testing.T) {
	fixed := func(name, offset string) *ical.Component {
		return vtimezone(name, obs("STANDARD", "16010101T000000", "", offset, offset))
	}
	file := NewResolver([]*ical.Component{fixed("Customized Time Zone", "+1000"), fixed("Other", "+0300")})
	own := file.Within([]*ical.Component{fixed("Customized Time Zone", "-0500")})
	for _, tc := range []struct {
		r      *Resolver
		id     string
		offset int
	}{{file, "Customized Time Zone", 10}, {own, "Customized Time Zone", -5}, {own, "Other", 3}} {
		loc, err := tc.r.Location(tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if _, off := time.Date(2026, 1, 20, 0, 0, 0, 0, loc).Zone(); off != tc.offset*3600 {
			t.Errorf("%s: offset %d s, want %d h", tc.id, off, tc.offset)
		}
	}
}
