package block

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// A plain-text Teams block may come without its outer rules. Three
// shapes of it are found, each by what only Teams writes so; a region
// holds nothing of the organiser's, since a rewrite may replace it whole
// (three reviews found looser rules taking in signatures, agendas, other
// bridges and notes with a help link). Any other block without its rules
// is no-meeting-block, as before.
//
//   - Teams' 2025 text: "Join: <meet/ link>" (a short label and a colon),
//     the Meeting ID and the passcode on the lines right under it, then,
//     each right under the last, "Help: <help link>", "System reference:
//     <meetup-join link>", "Meeting options: <options link>", rules and the
//     blank lines between them, and the organisers' label above the
//     options ("For organisers"). The heading right above the join link
//     ("Microsoft Teams meeting") goes with it.
//   - A Teams (free) invitation: its teams.live.com link alone, under a
//     heading naming Microsoft Teams.
//   - A block that lost only its closing rule: an outer rule, then the
//     block down to the body's end (trailing blanks aside), holding a join
//     link and no paragraph, its last line a help or options link's.

const (
	maxLabel     = 40 // runes of a label before a link or a value
	minMeetingID = 10 // digits of a Teams Meeting ID (12 in 2022, 15 in 2025)
	maxTailLines = 40 // lines of a block that lost its closing rule
	maxTailLine  = 80 // runes of such a line, its links aside
)

// findAnchoredText finds a Teams block of a plain-text body without its
// outer rules, in one of the shapes above.
func findAnchoredText(v view, full bool) (Block, region, bool) {
	for _, l := range v.links {
		var r region
		var ok bool
		switch {
		case l.host == "teams.live.com" && isTeamsJoin(l):
			r, ok = teamsFree(v, l)
		case isTeamsJoin(l) && l.segs[0] == "meet":
			r, ok = teams2025(v, l)
		}
		if !ok {
			continue
		}
		if b, ok := readBlock(v, r, full); ok && b.Provider == ProviderTeams {
			return b, r, true
		}
	}
	return findUnclosed(v, full)
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
	// the tail, each line right under the last; blank lines only between rules
	organisers, rule, blank, reference := false, false, false, false
	for next < len(text) {
		line, e, _ := lineAt(text, next)
		links := v.linksIn(region{next, e})
		switch {
		case line == "" && rule:
			blank = true
		case isRule(line):
			end, rule, blank = e, true, false
		case blank:
			next = len(text)
			continue
		case len(links) == 1 && labelled(text, next, v.textPos(links[0].pos), e) && isTeamsMarker(links[0]):
			end, organisers, rule = e, false, false
		case len(links) == 1 && labelled(text, next, v.textPos(links[0].pos), e) && !organisers && !reference &&
			isTeamsJoin(links[0]) && links[0].segs[0] == "l":
			end, rule, reference = e, false, true // "System reference: <the meeting's meetup-join link>"
		case len(links) == 0 && isOrganisersLabel(line) && !organisers:
			organisers, rule = true, false
		default:
			next = len(text)
			continue
		}
		next = lineAfter(text, e)
	}
	if above := lineBefore(text, start); above >= 0 && isTeamsHeading(strings.TrimSpace(text[above:start])) {
		start = above // "Microsoft Teams meeting" right above: a block written anew replaces it too
	}
	return region{start, end}, true
}

// teamsFree is the region of a Teams (free) invitation's join link: its
// line alone, under a heading naming Microsoft Teams (a blank line and
// one line between: "You're invited to join a Microsoft Teams meeting" /
// "" / "Join on your computer or mobile app").
func teamsFree(v view, join link) (region, bool) {
	text := v.text
	at := v.textPos(join.pos)
	start := lineOf(text, at)
	end := endOfLine(text, linkEnd(text, at))
	if !shortLabel(labelBefore(text, start, at)) || strings.TrimSpace(text[linkEnd(text, at):end]) != "" {
		return region{}, false
	}
	k := start
	for range 3 {
		above := lineBefore(text, k)
		if above < 0 {
			break
		}
		line := strings.TrimSpace(text[above:k])
		if strings.Contains(strings.ToLower(line), "microsoft teams") {
			return region{start, end}, utf8.RuneCountInString(line) <= 60 && !strings.ContainsAny(line, ":.,;!?<")
		}
		k = above
	}
	return region{}, false
}

// findUnclosed finds a block whose closing rule is gone: from its last
// outer rule, a Teams join link and a help or options link below it, and
// nothing after them but blank lines; no line of it a paragraph, a quote
// or another service's link.
func findUnclosed(v view, full bool) (Block, region, bool) {
	rules := findRules(v.text)
	if len(rules) == 0 || !rules[len(rules)-1].outer() {
		return Block{}, region{}, false
	}
	open := rules[len(rules)-1]
	end := len(strings.TrimRight(v.text, " \t\r\n"))
	if end <= open.end || strings.Count(v.text[open.end:end], "\n") > maxTailLines {
		return Block{}, region{}, false
	}
	join, helper := false, false
	for _, l := range v.linksIn(region{open.end, end}) {
		switch {
		case isTeamsJoin(l):
			join = true
		case isTeamsMarker(l):
			helper = true
		case strings.HasSuffix(l.host, "microsoft.com"), isImage(l):
		default:
			return Block{}, region{}, false
		}
	}
	for line := range strings.Lines(v.text[open.end:end]) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, ">") || utf8.RuneCountInString(withoutLinks(line)) > maxTailLine {
			return Block{}, region{}, false
		}
	}
	last := lineOf(v.text, strings.LastIndexByte(v.text[:end], '\n')+1)
	if !join || !helper || !slices.ContainsFunc(v.linksIn(region{last, end}), isTeamsMarker) {
		return Block{}, region{}, false // the body ends with the block's help or options line
	}
	r := region{open.start, end}
	b, ok := readBlock(v, r, full)
	if !ok || b.Provider != ProviderTeams {
		return Block{}, region{}, false
	}
	return b, r, true
}

// isImage: a picture Outlook copies into a block (a logo).
func isImage(l link) bool {
	p := strings.ToLower(pathOf(l.url))
	return strings.HasSuffix(p, ".png") || strings.HasSuffix(p, ".jpg") || strings.HasSuffix(p, ".gif")
}

// shortLabel: the label before a block's link or value ("Join:",
// "Dołącz:", "Click here to join the meeting").
func shortLabel(label string) bool {
	return utf8.RuneCountInString(label) <= maxLabel && !strings.ContainsAny(label, ".!?<>")
}

// labelled reports whether the line text[start:end] is a short label
// ending in a colon ("Join:", "Rejoindre :", "Help:") and the link at at,
// nothing after it.
func labelled(text string, start, at, end int) bool {
	after := linkEnd(text, at)
	label := labelBefore(text, start, at)
	return shortLabel(label) && (strings.HasSuffix(label, ":") || strings.HasSuffix(label, "：")) &&
		after <= end && strings.TrimSpace(text[after:end]) == ""
}

// labelBefore is the text of a line before its link at at, without the
// '<' of a link in angle brackets.
func labelBefore(text string, start, at int) string {
	return strings.TrimSpace(strings.TrimSuffix(text[start:at], "<"))
}

// isOrganisersLabel: "For organisers", "Für Organisatoren", "Dla
// organizatorów": a word or two before the organisers.
func isOrganisersLabel(line string) bool {
	lower := strings.ToLower(strings.TrimRight(line, ":： "))
	k := strings.Index(lower, "organi")
	return k > 0 && len(strings.Fields(lower)) <= 4 && utf8.RuneCountInString(line) <= maxLabel && !strings.ContainsAny(line, "0123456789<>/|")
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
// Microsoft Teams"): a few words, no punctuation ("Where: Microsoft Teams
// Meeting" is the organiser's).
func isTeamsHeading(line string) bool {
	return strings.Contains(strings.ToLower(line), "microsoft teams") && len(strings.Fields(line)) <= 4 &&
		utf8.RuneCountInString(line) <= 40 && !strings.ContainsAny(line, ":.,;!?<>")
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

// withoutLinks is a line's text without its links ("<https://…>" and
// bare "https://…").
func withoutLinks(line string) string {
	var b strings.Builder
	for line != "" {
		i := strings.IndexAny(line, "<h")
		if i < 0 {
			b.WriteString(line)
			break
		}
		b.WriteString(line[:i])
		line = line[i:]
		switch {
		case line[0] == '<' && strings.IndexByte(line, '>') > 0:
			line = line[strings.IndexByte(line, '>')+1:]
		case strings.HasPrefix(line, "http://") || strings.HasPrefix(line, "https://"):
			k := strings.IndexAny(line, " \t")
			if k < 0 {
				k = len(line)
			}
			line = line[k:]
		default:
			b.WriteByte(line[0])
			line = line[1:]
		}
	}
	return b.String()
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
