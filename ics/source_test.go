package ics

import (
	"testing"

	"github.com/mms-project/mms/ics/block"
)

// --source-meeting-type is judged on every component: a master without a
// block and an instance with a Teams block is a Teams meeting, excluded by
// sfb.
func TestSourceTypeLooksAtEveryComponent(t *testing.T) {
	master := func(body string) event {
		return future(event{start: "20260105T100000", body: body, extra: "RRULE:FREQ=WEEKLY;COUNT=6\r\n"})
	}
	instance := func(body string) event {
		return future(event{start: "20260126T110000", recurrenceID: "20260126T100000", body: body})
	}
	cases := []struct {
		name   string
		events []event
		source SourceType
		want   Reason
	}{
		{"no-block master, Teams instance, sfb", []event{master(""), instance(teamsBody(oldJoin))}, SourceSfB, NotSourceMeetingType},
		{"no-block master, Teams instance, teams", []event{master(""), instance(teamsBody(oldJoin))}, SourceTeams, ""},
		{"no-block master, Teams instance, all", []event{master(""), instance(teamsBody(oldJoin))}, SourceAll, ""},
		{"Teams master, sfb", []event{master(teamsBody(oldJoin))}, SourceSfB, NotSourceMeetingType},
		{"Skype master, teams", []event{master(skypeBody)}, SourceTeams, NotSourceMeetingType},
		{"Skype master, sfb", []event{master(skypeBody)}, SourceSfB, ""},
		{"Skype master, Teams instance, sfb", []event{master(skypeBody), instance(teamsBody(oldJoin))}, SourceSfB, ""},
		{"no block, sfb", []event{master("")}, SourceSfB, NoMeetingBlock},
	}
	for _, tc := range cases {
		r := testRules
		r.Source = tc.source
		toTeams := newTeams
		toTeams.Provider = block.ProviderTeams // Skype meetings move: no target keeps their kind
		_, res := migrateOne(t, calendar(tc.events...), r, toTeams)
		if res.Err != nil || res.Skipped != tc.want {
			t.Errorf("%s: Skipped=%q Err=%v, want %q", tc.name, res.Skipped, res.Err, tc.want)
		}
	}
}

func TestParseSourceType(t *testing.T) {
	for in, want := range map[string]SourceType{"": SourceAll, "all": SourceAll, "sfb": SourceSfB, "teams": SourceTeams} {
		if got, err := ParseSourceType(in); err != nil || got != want {
			t.Errorf("ParseSourceType(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseSourceType("zoom"); err == nil || err.Error() != `--source-meeting-type "zoom": use sfb, teams or all` {
		t.Errorf("zoom: %v", err)
	}
}
