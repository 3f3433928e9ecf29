package ics

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mms-project/mms/ics/block"
	"github.com/mms-project/mms/ics/recur"
)

// maxEvidence bounds Result.Evidence; links and values in it are
// excerpts, so no input is ever copied whole into a report.
const maxEvidence = 200

// evidenceLink is how much of a link evidence quotes: enough to tell two
// links apart by their start.
const evidenceLink = 60

// maxEvidenceSteps bounds the occurrences walked to name a past meeting's
// last one, apart from the budget of the decisions.
const maxEvidenceSteps = 100_000

// maxEvidenceTime bounds the time that walk takes, for rules whose parts
// never meet (one step of rrule-go's iterator can take most of a second);
// the steps bound the rest in less.
const maxEvidenceTime = time.Second

// notOrganizerEvidence names the ORGANIZER the meeting has.
func notOrganizerEvidence(m *Meeting) string {
	p, ok := m.First().Prop("ORGANIZER")
	if !ok {
		return "no ORGANIZER"
	}
	return "ORGANIZER " + excerpt(strings.TrimSpace(p.Value))
}

// pastEvidence names the meeting's last occurrence before now.
func (c *Calendar) pastEvidence(m *Meeting, r Rules) string {
	s := recur.Series{Budget: &recur.Budget{Steps: 4 * maxEvidenceSteps, Done: r.Cancel, Time: maxEvidenceTime}}
	if m.Master != nil {
		s.Master = m.Master.toICal()
	}
	for _, o := range m.Overrides {
		s.Overrides = append(s.Overrides, o.toICal())
	}
	t, ok, err := s.LastBefore(r.Now, c.resolver(m.First()), c.floating(m.First(), r))
	if err != nil || !ok {
		return "no occurrence at or after " + stamp(r.Now) + " (cancelled or excluded)"
	}
	return "last occurrence " + stamp(t)
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func tooManyEvidence(people int) string {
	return fmt.Sprintf("%d people including the organiser (at most %d)", people, MaxPeople)
}

// noBlockEvidence names the bodies that were searched for a block.
func noBlockEvidence(m *Meeting) string {
	var bodies []string
	for _, comp := range m.Components() {
		if _, ok := comp.Prop("DESCRIPTION"); ok && !slices.Contains(bodies, "DESCRIPTION") {
			bodies = append(bodies, "DESCRIPTION")
		}
		if p, ok := htmlBody(comp); ok && !isDescription(p) && !slices.Contains(bodies, "X-ALT-DESC") {
			bodies = append(bodies, "X-ALT-DESC")
		}
	}
	if len(bodies) == 0 {
		return "no body"
	}
	return "no block in " + strings.Join(bodies, " or ")
}

func providerEvidence(f found) string {
	return "provider " + string(f.Provider) + ", join link " + clip(f.JoinURL, evidenceLink)
}

// pastedEvidence says why the block is not the meeting's own: the
// property that names another link, or the Skype user part that is not
// the organiser.
func pastedEvidence(m *Meeting, f found, organizer []string) string {
	for _, name := range onlineMeetingProps {
		for _, p := range m.First().All(name) {
			v := strings.TrimSpace(p.Text())
			if isHTTP(v) && !holdsLink(blockLinks(f.body[f.Start:f.End]), v) {
				named, own := clipApart(v, f.JoinURL, evidenceLink)
				return boundEvidence(name + " names " + named + "; the block's link is " + own)
			}
		}
	}
	if f.Provider == block.ProviderSkype {
		if key := otherConference(m.First(), f.MeetingID); key != "" {
			return boundEvidence("X-MICROSOFT-ONLINEMEETINGCONFLINK names the Skype conference " + excerpt(key) + "; the block's link is " + clip(f.JoinURL, evidenceLink))
		}
	}
	if f.Provider == block.ProviderTeams {
		if t := otherTeamsConference(m.First(), f); t != "" {
			return boundEvidence("X-MICROSOFT-ONLINEMEETINGCONFLINK names the Teams meeting " + excerpt(t) + "; the block's link is " + clip(f.JoinURL, evidenceLink))
		}
	}
	org := ""
	if len(organizer) > 0 {
		org = address(organizer[0])
	}
	return boundEvidence("the Skype link's user " + excerpt(f.SkypeUser) + " is not the organiser " + excerpt(org) +
		"; if it is the user's SIP address, give that in the users file's aliases")
}

// clipApart clips two links to about n bytes each so that they still
// differ: links alike past their first n-12 bytes (two Teams meetings'
// links share 57) are quoted by their host, then from a little before
// their first difference.
func clipApart(a, b string, n int) (string, string) {
	d := 0
	for d < len(a) && d < len(b) && a[d] == b[d] {
		d++
	}
	if d+12 <= n {
		return clip(a, n), clip(b, n)
	}
	head := 0 // the scheme and host, where they leave room for the rest
	if i := strings.Index(a, "://"); i >= 0 && i+3 < d {
		if j := strings.IndexByte(a[i+3:d], '/'); j >= 0 && i+3+j+1 <= n/2 {
			head = i + 3 + j + 1
		}
	}
	from := max(d-12, head)
	for from > head && !utf8.RuneStart(a[from]) {
		from--
	}
	return a[:head] + "..." + clip(a[from:], n-head), a[:head] + "..." + clip(b[from:], n-head)
}

func isHTTP(v string) bool {
	l := strings.ToLower(v)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// boundEvidence cuts evidence to maxEvidence bytes.
func boundEvidence(s string) string { return clip(s, maxEvidence-len("...")) }
