package migrate

import (
	"fmt"

	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/ics/block"
)

// Source says which meetings a migration takes, by the kind of block they
// hold, as Start-CsExMeetingMigration's -SourceMeetingType does.
type Source string

const (
	SourceAll   Source = ""      // every Skype for Business and Teams meeting
	SourceSfB   Source = "sfb"   // only meetings with a Skype for Business block
	SourceTeams Source = "teams" // only meetings with a Teams block
)

// ParseSource reads --source-meeting-type.
func ParseSource(s string) (Source, error) {
	switch s {
	case "", "all":
		return SourceAll, nil
	case "sfb", "teams":
		return Source(s), nil
	}
	return "", fmt.Errorf("--source-meeting-type %q: use sfb, teams or all", s)
}

// NotSourceType is the skip reason of a meeting the source type excludes.
const NotSourceType = "not-source-meeting-type"

// excludes returns the reason a meeting is left out, "" when it is taken.
// Meetings without a Skype or Teams block are left to the rules.
func (s Source) excludes(m *ics.Meeting) string {
	if s == SourceAll || m.Err != nil {
		return ""
	}
	var p block.Provider
	first := m.First()
	if d, ok := first.Prop("DESCRIPTION"); ok {
		if b, found := block.FindText(d.Text()); found {
			p = b.Provider
		}
	}
	if p == "" {
		if h, ok := first.Prop("X-ALT-DESC"); ok {
			if b, found := block.FindHTML(h.Text()); found {
				p = b.Provider
			}
		}
	}
	switch {
	case s == SourceSfB && p == block.ProviderTeams, s == SourceTeams && p == block.ProviderSkype:
		return NotSourceType
	}
	return ""
}
