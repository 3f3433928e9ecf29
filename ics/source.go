package ics

import (
	"fmt"

	"github.com/mms-project/mms/ics/block"
)

// SourceType says which meetings a migration takes, by the kind of block
// they hold, as Start-CsExMeetingMigration's -SourceMeetingType does.
type SourceType string

const (
	SourceAll   SourceType = ""      // every Skype for Business and Teams meeting
	SourceSfB   SourceType = "sfb"   // only meetings with a Skype for Business block
	SourceTeams SourceType = "teams" // only meetings with a Teams block
)

// NotSourceMeetingType is the skip reason of a meeting whose blocks are all
// of the kind Rules.Source leaves out.
const NotSourceMeetingType Reason = "not-source-meeting-type"

// ParseSourceType reads --source-meeting-type: sfb, teams, all or "".
func ParseSourceType(s string) (SourceType, error) {
	switch s {
	case "", "all":
		return SourceAll, nil
	case "sfb", "teams":
		return SourceType(s), nil
	}
	return "", fmt.Errorf("--source-meeting-type %q: use sfb, teams or all", excerpt(s))
}

// excludes reports whether the source type leaves the meeting out, judged
// on every component: it is left out when its components hold blocks of
// the other kind and none of this kind (a master without a block and an
// instance with a Teams block is a Teams meeting). A meeting without a
// Skype or Teams block is left to the other rules. It also returns the
// provider it found first.
func (c *Calendar) excludes(m *Meeting, s SourceType) (bool, block.Provider) {
	if s == SourceAll {
		return false, ""
	}
	kinds := map[block.Provider]bool{}
	var first block.Provider
	for _, comp := range m.Components() {
		f, ok := c.componentBlock(comp)
		if !ok || f.Provider != block.ProviderTeams && f.Provider != block.ProviderSkype {
			continue
		}
		kinds[f.Provider] = true
		if first == "" {
			first = f.Provider
		}
	}
	want, other := block.ProviderSkype, block.ProviderTeams
	if s == SourceTeams {
		want, other = other, want
	}
	return kinds[other] && !kinds[want], first
}
