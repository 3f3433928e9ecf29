package ics

import (
	"slices"
	"strings"

	"github.com/mms-project/mms/ics/block"
)

// serviceName is how one language names the meetings of each service in
// a LOCATION; the first of each list is what is written.
type serviceName struct {
	skype, teams []string
}

// serviceNames are the LOCATION values that only name an online-meeting
// service, in the languages seen: Outlook writes "Skype Meeting" (older
// versions "Lync Meeting") or "Microsoft Teams Meeting" in the language of
// the organiser's mailbox. They compare without case.
var serviceNames = []serviceName{
	{skype: []string{"Skype Meeting", "Lync Meeting", "Skype for Business Meeting"}, teams: []string{"Microsoft Teams Meeting", "Microsoft Teams", "Teams Meeting"}},
	{skype: []string{"Skype-möte", "Lync-möte"}, teams: []string{"Microsoft Teams-möte"}},
	{skype: []string{"Skype-møde", "Lync-møde"}, teams: []string{"Microsoft Teams-møde"}},
	{skype: []string{"Skype-Besprechung", "Lync-Besprechung"}, teams: []string{"Microsoft Teams-Besprechung"}},
	{skype: []string{"Réunion Skype", "Réunion Lync"}, teams: []string{"Réunion Microsoft Teams"}},
	{skype: []string{"Reunión de Skype", "Reunión de Lync"}, teams: []string{"Reunión de Microsoft Teams"}},
}

// renamedLocation returns, for a LOCATION that only names the from
// service, the name of the to service in the same language.
func renamedLocation(v string, from, to block.Provider) (string, bool) {
	for _, n := range serviceNames {
		old, now := n.skype, n.teams
		if from == block.ProviderTeams && to == block.ProviderSkype {
			old, now = n.teams, n.skype
		}
		if slices.ContainsFunc(old, func(name string) bool { return strings.EqualFold(name, v) }) {
			return now[0], true
		}
	}
	return "", false
}

// updateLocation renames a LOCATION that only named the old service, or
// only held the old join link.
func (c *Calendar) updateLocation(comp *Component, p plan) {
	loc, ok := comp.Prop("LOCATION")
	if !ok {
		return
	}
	v := strings.TrimSpace(loc.Text())
	if v != "" && p.old.JoinURL != p.spec.JoinURL && canonicalLink(v) == p.oldLink {
		c.setValue(loc, escape(p.spec.JoinURL))
		return
	}
	if p.old.Provider == p.spec.Provider {
		return
	}
	if name, ok := renamedLocation(v, p.old.Provider, p.spec.Provider); ok {
		c.setValue(loc, escape(name))
	}
}
