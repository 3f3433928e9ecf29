package block

import (
	"strings"
)

// span is a stretch of visible text: [start, end).
type span struct{ start, end int }

// ruleGroups returns the rules of a text: lines of underscores or dots, or
// Google's "-::~:~::~:" line. Rule lines separated only by blank lines are
// one rule (Outlook wraps the 137-dot rule as 71 + 66).
func ruleGroups(text string) []span {
	var groups []span
	open := false
	for pos := 0; pos < len(text); {
		end := strings.IndexByte(text[pos:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += pos
		}
		line := text[pos:end]
		trimmed := strings.TrimSpace(line)
		switch {
		case isRule(trimmed):
			s := span{pos + strings.Index(line, trimmed), pos + strings.Index(line, trimmed) + len(trimmed)}
			if open {
				groups[len(groups)-1].end = s.end
			} else {
				groups = append(groups, s)
			}
			open = true
		case trimmed != "":
			open = false
		}
		pos = end + 1
	}
	return groups
}

func isRule(s string) bool {
	if strings.HasPrefix(s, "-::~:~::~:") {
		return true
	}
	if len(s) < 10 {
		return false
	}
	return strings.Trim(s, "_") == "" || strings.Trim(s, ".") == ""
}

// find returns the first block of a view. A Teams or Skype block lies
// between two rules; a Zoom, Webex or Meet link is reported with or without
// them. Start and End are source offsets; End stops at the last rule's
// last character.
func find(v view) (Block, bool) {
	groups := ruleGroups(v.text)
	for i := 0; i+1 < len(groups); i++ {
		r := span{groups[i].start, groups[i+1].end}
		links := v.linksIn(r)
		provider, join := classify(links, v.text[r.start:r.end])
		if provider == "" {
			continue
		}
		b := extract(v.text[r.start:r.end], links)
		b.Provider, b.JoinURL, b.Start, b.End = provider, join, v.src(r.start), v.src(r.end)
		b.MeetingID, b.SkypeUser = meetingID(provider, join), skypeUser(provider, join)
		return b, true
	}
	return findOther(v)
}

// findOther reports a Zoom, Webex or Meet link that stands outside rules.
func findOther(v view) (Block, bool) {
	all := v.links(0, v.src(len(v.text)))
	provider, join := classify(all, "")
	if provider == "" || provider == ProviderTeams || provider == ProviderSkype {
		return Block{}, false
	}
	for _, l := range all {
		if l.url == join {
			return Block{Provider: provider, JoinURL: join, Start: l.pos, End: l.pos}, true
		}
	}
	return Block{}, false
}

// linksIn returns the links of the source behind a span.
func (v view) linksIn(s span) []link {
	return v.links(v.src(s.start), v.src(s.end))
}

func meetingID(p Provider, join string) string {
	segs := pathSegments(join)
	switch p {
	case ProviderTeams:
		for i, s := range segs {
			if (s == "meetup-join" || s == "meet") && i+1 < len(segs) {
				return segs[i+1]
			}
		}
	case ProviderSkype:
		if len(segs) > 0 {
			return segs[len(segs)-1]
		}
	}
	return ""
}

// skypeUser is the user part of meet.lync.com/<tenant>/<user>/<key> or
// meet.contoso.com/<user>/<key>.
func skypeUser(p Provider, join string) string {
	segs := pathSegments(join)
	if p != ProviderSkype || len(segs) < 2 {
		return ""
	}
	return strings.ToLower(segs[len(segs)-2])
}
