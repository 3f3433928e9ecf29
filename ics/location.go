package ics

import (
	"encoding/json"
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
		c.renameLocations(comp, v, p.spec.JoinURL)
		return
	}
	if p.old.Provider == p.spec.Provider {
		return
	}
	if name, ok := renamedLocation(v, p.old.Provider, p.spec.Provider); ok {
		c.setValue(loc, escape(name))
		c.renameLocations(comp, v, name)
	}
}

// renameLocations renames, in Outlook's X-MICROSOFT-LOCATIONS (a JSON
// list of the meeting's locations), a location whose DisplayName was the
// LOCATION renamed from old to name. Every other byte stays as written.
func (c *Calendar) renameLocations(comp *Component, old, name string) {
	for _, prop := range comp.All("X-MICROSOFT-LOCATIONS") {
		text := prop.Text()
		s, e, ok := displayName(text, old)
		if !ok {
			continue
		}
		quoted, err := json.Marshal(name)
		if err != nil {
			continue
		}
		before, after := spliceParts(prop.Value, s, e)
		c.setFolded(prop, foldPieces(prop.head, ":", before, escape(string(quoted)), after))
	}
}

// displayName finds, in a JSON list of locations, the string value of a
// "DisplayName" that is old (blanks around it aside), and returns its span
// with its quotes.
func displayName(text, old string) (int, int, bool) {
	const key = `"DisplayName"`
	for from := 0; from < len(text); {
		k := strings.Index(text[from:], key)
		if k < 0 {
			return 0, 0, false
		}
		i := from + k + len(key)
		from = i
		for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
			i++
		}
		if i >= len(text) || text[i] != ':' {
			continue
		}
		i++
		for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
			i++
		}
		if i >= len(text) || text[i] != '"' {
			continue
		}
		end := jsonStringEnd(text, i)
		if end < 0 {
			return 0, 0, false
		}
		var v string
		if json.Unmarshal([]byte(text[i:end]), &v) == nil && strings.TrimSpace(v) == old {
			return i, end, true
		}
		from = end
	}
	return 0, 0, false
}

// jsonStringEnd returns the offset past the JSON string that starts at
// text[i] (a '"'), or -1.
func jsonStringEnd(text string, i int) int {
	for j := i + 1; j < len(text); j++ {
		switch text[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}
