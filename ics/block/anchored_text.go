package block

import (
	"strings"
	"unicode/utf8"
)

// A plain-text Teams block may come without its outer rules: Teams' 2025
// text, from an Exchange feed (a university's) or a client that dropped
// them. It is found in that shape only, each line where Teams writes it,
// so that its region holds nothing of the organiser's, since a rewrite may
// replace it whole (four reviews found looser rules taking in signatures,
// agendas, notes, other blocks and bridges). Any other block without its
// rules is no-meeting-block, as before.
//
// The shape: the heading right above the join link ("Microsoft Teams
// meeting", "Spotkanie w Microsoft Teams"), "Join: <meet/ link>" (a word or
// two and a colon), the Meeting ID right under it, the passcode right under
// that; then, each in its place: "Help: <aka.ms/JoinTeamsMeeting>" right
// under the passcode, "System reference: <the meetup-join link>" right
// under it, and after inner rules (the blank lines between them too) the
// organisers' label ("For organisers") right above "Meeting options:
// <options link>".

const (
	maxLabel     = 40 // runes of a label before a link or a value
	minMeetingID = 10 // digits of a Teams Meeting ID (12 in 2022, 15 in 2025)
)

// findAnchoredText finds a Teams block of a plain-text body without its
// outer rules, in Teams' 2025 text shape.
func findAnchoredText(v view, full bool) (Block, region, bool) {
	for _, l := range v.links {
		if !isTeamsJoin(l) || l.segs[0] != "meet" {
			continue
		}
		r, ok := teams2025(v, l)
		if !ok {
			continue
		}
		if b, ok := readBlock(v, r, full); ok && b.Provider == ProviderTeams {
			return b, r, true
		}
	}
	return Block{}, region{}, false
}

// teams2025 is the region of Teams' 2025 text block whose join link is join.
func teams2025(v view, join link) (region, bool) {
	text := v.text
	at := v.textPos(join.pos)
	start := lineOf(text, at)
	end := endOfLine(text, linkEnd(text, at))
	if !labelled(text, start, at, end) {
		return region{}, false
	}
	next := lineAfter(text, end)
	id, e, ok := lineAt(text, next)
	if !ok || len(digits(meetingIDValue(id))) < minMeetingID {
		return region{}, false
	}
	end, next = e, lineAfter(text, e)
	if code, e, ok := lineAt(text, next); ok && isPasscodeLine(code) {
		end, next = e, lineAfter(text, e)
	}
	// its tail, each line in its place
	if _, e, ok := lineAt(text, next); ok && labelledOnly(v, next, e, func(l link) bool { return isTeamsMarker(l) && l.host == "aka.ms" }) {
		end, next = e, lineAfter(text, e) // "Help:"
		if _, e, ok := lineAt(text, next); ok && labelledOnly(v, next, e, func(l link) bool { return isTeamsJoin(l) && l.segs[0] == "l" }) {
			end, next = e, lineAfter(text, e) // "System reference:"
		}
	}
	rules := false
	for next < len(text) {
		line, e, _ := lineAt(text, next)
		switch {
		case isRule(line) || line == "" && rules:
			rules = rules || line != ""
			next = lineAfter(text, e)
			continue
		case rules && isOrganisersLabel(line):
			if _, oe, ok := lineAt(text, lineAfter(text, e)); ok && labelledOnly(v, lineAfter(text, e), oe, isOptionsLink) {
				end = oe // the rules, "For organisers" and "Meeting options:"
			}
		}
		break
	}
	if above := lineBefore(text, start); above >= 0 && isTeamsHeading(strings.TrimSpace(text[above:start])) {
		start = above // "Microsoft Teams meeting" right above: a block written anew replaces it too
	}
	return region{start, end}, true
}

// shortLabel: the label before a block's link or value ("Join:",
// "Dołącz:", "Click here to join the meeting").
func shortLabel(label string) bool {
	return utf8.RuneCountInString(label) <= maxLabel && !strings.ContainsAny(label, ".!?<>")
}

// labelledOnly reports whether the line text[start:end] is a label and
// one link that is, nothing after it ("Help: <https://aka.ms/…>").
func labelledOnly(v view, start, end int, is func(link) bool) bool {
	links := v.linksIn(region{start, end})
	return len(links) == 1 && is(links[0]) && labelled(v.text, start, v.textPos(links[0].pos), end)
}

// isOptionsLink tells Teams' "Meeting options" link.
func isOptionsLink(l link) bool {
	return teamsHosts[l.host] && hasPrefixFold(pathOf(l.url), "/meetingOptions")
}

// labelled reports whether the line text[start:end] is a short label
// ending in a colon ("Join:", "Rejoindre :", "Help:") and the link at at,
// nothing after it.
func labelled(text string, start, at, end int) bool {
	after := linkEnd(text, at)
	label := labelBefore(text, start, at)
	return shortLabel(label) && len(strings.Fields(label)) <= 3 && (strings.HasSuffix(label, ":") || strings.HasSuffix(label, "：")) &&
		after <= end && strings.TrimSpace(text[after:end]) == ""
}

// labelBefore is the text of a line before its link at at, without the
// '<' of a link in angle brackets.
func labelBefore(text string, start, at int) string {
	return strings.TrimSpace(strings.TrimSuffix(text[start:at], "<"))
}

// isOrganisersLabel: "For organisers", "Für Organisatoren", "Dla
// organizatorów": a short word before the organisers, nothing else.
func isOrganisersLabel(line string) bool {
	f := strings.Fields(strings.ToLower(strings.TrimRight(line, ":： ")))
	return len(f) >= 2 && len(f) <= 3 && strings.HasPrefix(f[len(f)-1], "organi") && utf8.RuneCountInString(f[0]) <= 4 && !strings.ContainsAny(line, "0123456789<>/|,")
}

// isRule: a short line of underscores (Teams 2025's inner rules).
func isRule(line string) bool {
	return len(line) >= 16 && len(line) < 60 && strings.Trim(line, "_") == "" // not an outer rule: another block's
}

// lineAt returns the line at start, trimmed, and its end.
func lineAt(text string, start int) (string, int, bool) {
	if start >= len(text) {
		return "", start, false
	}
	end := endOfLine(text, start)
	return strings.TrimSpace(text[start:end]), end, true
}

// lineBefore returns the start of the line before the one starting at
// start, past its leading blanks; -1 for the first line.
func lineBefore(text string, start int) int {
	if start == 0 {
		return -1
	}
	return lineOf(text, strings.LastIndexByte(text[:start-1], '\n')+1)
}

// isTeamsHeading: a block's heading alone on its line, "Microsoft Teams
// meeting" in any language ("Microsoft Teams-Besprechung", "Réunion
// Microsoft Teams", "Spotkanie w Microsoft Teams"): one word besides the
// name, and a short one between ("Microsoft Teams Rooms rollout" and
// "Where: Microsoft Teams Meeting" are the organiser's).
func isTeamsHeading(line string) bool {
	lower := strings.ToLower(line)
	i := strings.Index(lower, "microsoft teams")
	if i < 0 || strings.ContainsAny(line, ":.,;!?<>") {
		return false
	}
	rest := strings.Fields(lower[:i] + " " + lower[i+len("microsoft teams"):])
	switch len(rest) {
	case 1:
		return true
	case 2:
		return utf8.RuneCountInString(rest[0]) <= 3 || utf8.RuneCountInString(rest[1]) <= 3
	}
	return false
}

// isPasscodeLine: "Passcode: i7mG96rz" under a label Teams writes
// ("Parking code: 4711" is not).
func isPasscodeLine(line string) bool {
	label, _, ok := strings.Cut(line, ":")
	if !ok {
		label, _, ok = strings.Cut(line, "：")
	}
	m := passcodeLine.FindStringSubmatch(line)
	return ok && m != nil && passcodeLabel(m[1], line) && knownPasscodeLabel(label+":")
}

// lineAfter returns the start of the line after the one ending at end.
func lineAfter(text string, end int) int {
	if k := strings.IndexByte(text[end:], '\n'); k >= 0 {
		return end + k + 1
	}
	return len(text)
}

// linkEnd returns the end of the link at i: past its closing '>' where it
// is in angle brackets, over the line breaks of Outlook's hard wrap.
func linkEnd(text string, i int) int {
	if _, end, ok := angleLink(text, i); ok {
		return end
	}
	end := i
	for end < len(text) && !isLinkEnd(text[end]) {
		end++
	}
	return end
}

// IsAppLink tells the links of Teams' 2022 "Download Teams | Join on the
// web" line, which the dial-in part follows.
func IsAppLink(u string) bool {
	u = strings.ToLower(u)
	return strings.Contains(u, "microsoft.com/") && !strings.Contains(u, "?vtc") &&
		(strings.Contains(u, "/microsoft-teams/download-app") || strings.Contains(u, "/microsoft-teams/join-a-meeting"))
}
