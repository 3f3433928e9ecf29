package recur

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/mms-project/mms/ics/tz"
	"github.com/mms-project/mms/internal/corpus"
)

// meetings decodes one corpus file with go-ical and groups its VEVENTs by
// UID. ok is false (with the reason) for files go-ical cannot read or that
// are not iCalendar 2.0.
func meetings(path string) (series map[string]Series, r *tz.Resolver, reason string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err.Error()
	}
	var cal *ical.Calendar
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("go-ical panicked: %v", p)
			}
		}()
		cal, err = ical.NewDecoder(bytes.NewReader(data)).Decode()
	}()
	if err != nil {
		return nil, nil, "go-ical cannot decode it: " + err.Error()
	}
	if v := cal.Props.Get(ical.PropVersion); v == nil || strings.TrimSpace(v.Value) != "2.0" {
		return nil, nil, "not iCalendar 2.0"
	}
	var zones []*ical.Component
	series = map[string]Series{}
	for _, c := range cal.Children {
		switch c.Name {
		case ical.CompTimezone:
			zones = append(zones, c)
		case ical.CompEvent:
			uid := ""
			if p := c.Props.Get(ical.PropUID); p != nil {
				uid = p.Value
			}
			s := series[uid]
			if c.Props.Get(ical.PropRecurrenceID) != nil {
				s.Overrides = append(s.Overrides, c)
			} else {
				s.Master = c
			}
			series[uid] = s
		}
	}
	return series, tz.NewResolver(zones), ""
}

// pins are the next occurrence of the one meeting in each small corpus
// file for a few values of now, worked out by hand from its DTSTART, RRULE
// and zone ("" means none left).
var pins = map[string]map[string]string{
	// single, 2017-03-01 09:00 PST
	"CommunityCall030117": {"2017-03-01T00:00:00Z": "2017-03-01T17:00:00Z", "2022-04-13T00:00:00Z": ""},
	// third Thursday (BYSETPOS=3) 09:30 Pacific from 2017-03-16 (PDT since 03-12)
	"RecurringCommunityCall": {"2017-03-01T00:00:00Z": "2017-03-16T16:30:00Z", "2022-04-13T00:00:00Z": "2022-04-21T16:30:00Z"},
	// every 6th Wednesday 12:00 Pacific from 2019-03-27, COUNT=20: the 8th is
	// 2020-01-15 (PST), the 20th and last 2021-06-02 (PDT)
	"DSC_Resource_Kit": {
		"2017-03-01T00:00:00Z": "2019-03-27T19:00:00Z", "2020-01-01T00:00:00Z": "2020-01-15T20:00:00Z",
		"2021-06-01T00:00:00Z": "2021-06-02T19:00:00Z", "2021-06-03T00:00:00Z": "",
	},
	// last Tuesday (BYSETPOS=-1) 08:00 Pacific from 2022-09-27
	"AzureArcMeetup": {
		"2022-04-13T00:00:00Z": "2022-09-27T15:00:00Z", "2023-01-01T00:00:00Z": "2023-01-31T16:00:00Z",
		"2026-03-01T00:00:00Z": "2026-03-31T15:00:00Z",
	},
	// second Wednesday 16:00 Central from 2022-04-13, COUNT=22: last 2024-01-10 (CST)
	"Meeting_8dd803d": {"2022-04-13T00:00:00Z": "2022-04-13T21:00:00Z", "2024-01-01T00:00:00Z": "2024-01-10T22:00:00Z", "2024-01-11T00:00:00Z": ""},
	// the same series exported in UTC: 19:00Z every time
	"Meeting_94be521": {"2022-04-14T00:00:00Z": "2022-05-11T19:00:00Z", "2024-01-01T00:00:00Z": "2024-01-10T19:00:00Z", "2024-01-11T00:00:00Z": ""},
	// second Wednesday 21:00 UTC from 2021-12-08, no end
	"Meeting_24a8695": {"2017-03-01T00:00:00Z": "2021-12-08T21:00:00Z", "2022-04-13T00:00:00Z": "2022-04-13T21:00:00Z"},
	// third Thursday 09:30 Pacific from 2019-04-18, no end
	"PSTeamsCall": {"2021-06-01T00:00:00Z": "2021-06-17T16:30:00Z", "2022-04-13T00:00:00Z": "2022-04-21T16:30:00Z"},
	// single, 2021-04-03 00:00 GTB Standard Time (EEST, UTC+3)
	"GTB": {"2021-04-01T00:00:00Z": "2021-04-02T21:00:00Z", "2022-04-13T00:00:00Z": ""},
	// single, 2024-06-15 21:00 Asia/Kolkata (UTC+5:30)
	"gmail_invite":       {"2022-04-13T00:00:00Z": "2024-06-15T15:30:00Z", "2024-06-16T00:00:00Z": ""},
	"sabre_reserialized": {"2022-04-13T00:00:00Z": "2025-08-01T06:00:00Z"},
	"outlookcom_teams":   {"2025-08-01T04:30:00Z": "2025-08-01T04:30:00Z", "2025-08-01T04:30:01Z": ""},
}

// kindleCounts are how many of the 623 UIDs of the exchange2010
// kindle-status feed (852 VEVENTs) have an occurrence at or after now, and
// how many do not. An independent expansion with python-dateutil agreed
// UID by UID.
var kindleCounts = map[string][2]int{
	"2017-03-01T00:00:00Z": {623, 0},
	"2021-06-01T00:00:00Z": {312, 311},
	"2021-10-01T00:00:00Z": {87, 536},
	"2022-04-13T00:00:00Z": {18, 605},
}

func TestCorpus(t *testing.T) {
	seen := map[string]bool{}
	for _, path := range corpus.RealFiles(t) {
		name := filepath.Base(path)
		series, r, reason := meetings(path)
		if reason != "" {
			t.Logf("%s: skipped: %s", name, reason)
			continue
		}
		if strings.Contains(name, "kindle-status") {
			kindle(t, series, r)
			seen["kindle"] = true
			continue
		}
		for key, byNow := range pins {
			if !strings.Contains(name, key) {
				continue
			}
			seen[key] = true
			if len(series) != 1 {
				t.Fatalf("%s: %d UIDs, want 1", name, len(series))
			}
			for _, s := range series {
				for now, want := range byNow {
					got, ok, err := s.NextAtOrAfter(at(now), r, time.UTC)
					switch {
					case err != nil:
						t.Errorf("%s at %s: %v", key, now, err)
					case want == "" && ok:
						t.Errorf("%s at %s: got %s, want none", key, now, got.UTC().Format(time.RFC3339))
					case want != "" && (!ok || !got.Equal(at(want))):
						t.Errorf("%s at %s: got %s (%v), want %s", key, now, got.UTC().Format(time.RFC3339), ok, want)
					}
				}
			}
		}
	}
	for key := range pins {
		if !seen[key] {
			t.Errorf("no corpus file matches %q", key)
		}
	}
	if !seen["kindle"] {
		t.Error("the kindle-status file is missing")
	}
}

func kindle(t *testing.T, series map[string]Series, r *tz.Resolver) {
	t.Helper()
	events := 0
	for _, s := range series {
		events += len(s.Overrides)
		if s.Master != nil {
			events++
		}
	}
	if len(series) != 623 || events != 852 {
		t.Fatalf("kindle-status: %d UIDs, %d VEVENTs; want 623, 852", len(series), events)
	}
	for now, want := range kindleCounts {
		future, past := 0, 0
		for uid, s := range series {
			_, ok, err := s.NextAtOrAfter(at(now), r, time.UTC)
			if err != nil {
				t.Errorf("kindle-status UID %s: %v", uid, err)
			}
			if ok {
				future++
			} else {
				past++
			}
		}
		if [2]int{future, past} != want {
			t.Errorf("kindle-status at %s: %d future, %d past; want %d, %d", now, future, past, want[0], want[1])
		}
	}
}
