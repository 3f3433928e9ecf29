package ics

import (
	"errors"
	"strings"
	"testing"

	"github.com/mms-project/mms/ics/recur"
	"github.com/mms-project/mms/ics/tz"
)

// A meeting whose time zone or rule cannot be read fails with an error
// that is tz.ErrZone or recur.ErrRecurrence, so the report can name its
// kind without reading the message.
func TestZoneAndRuleErrorsHaveKinds(t *testing.T) {
	zone := strings.Replace(calendar(future(event{body: teamsBody(oldJoin)})), `DTSTART;TZID="W. Europe Standard Time"`, `DTSTART;TZID="Mars/Olympus"`, 1)
	rule := calendar(future(event{body: teamsBody(oldJoin), extra: "RRULE:FREQ=NEVER\r\n"}))
	for _, c := range []struct {
		name string
		src  string
		kind error
	}{{"time zone", zone, tz.ErrZone}, {"rule", rule, recur.ErrRecurrence}} {
		_, res := migrateOne(t, c.src, testRules, newTeams)
		if res.Err == nil || !errors.Is(res.Err, c.kind) {
			t.Errorf("%s: error %v, want one that is %v", c.name, res.Err, c.kind)
		}
	}
}
