package block

import (
	"strings"
	"unicode/utf8"
)

// A plain-text Teams block may come without its outer rules: Teams' 2025
// text, from an Exchange feed (a university's) or a client that dropped
// them. It is found in that shape only, each line where Teams writes it,
// so that its region holds nothing of the organiser's, since a rewrite may
// replace it whole (five reviews found looser rules taking in signatures,
// agendas, notes, other blocks and bridges). Any other block without its
// rules is no-meeting-block, as before.
//
// The shape: "Join: <meet/ link>" (a word or two and a colon), the
// Meeting ID right under it, the number the link joins by, and the
// passcode right under that; then "Help: <aka.ms/JoinTeamsMeeting>" right
// under the passcode, and taken only together, where the options name the
// thread the reference joins: "System reference: <meetup-join link>" right
// under Help, inner rules (the blank lines between them too), the
// organisers' label ("For organisers") and "Meeting options: <options
// link>". The heading right above is taken where it is word for word one
// Teams writes ("Microsoft Teams meeting"): an organiser's title naming
// Teams is not.

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
	if !labelled(text, start, at, end, 3) || len(join.segs) < 2 {
		return region{}, false
	}
	first := start // the heading right above, where it is one Teams writes
	if start > 0 {
		above := lineOf(text, strings.LastIndexByte(text[:start-1], '\n')+1)
		if isTeamsHeader(strings.TrimSpace(text[above:start])) {
			first = above
		}
	}
	// the Meeting ID is the number the meet/ link joins by
	next := lineAfter(text, end)
	id, e, ok := lineAt(text, next)
	if !ok || digits(meetingIDValue(id)) != join.segs[1] || len(join.segs[1]) < minMeetingID {
		return region{}, false
	}
	end, next = e, lineAfter(text, e)
	if code, e, ok := lineAt(text, next); ok && isPasscodeLine(code) && !strings.HasPrefix(strings.ToLower(code), "password") {
		end, next = e, lineAfter(text, e)
	}
	// "Help: <aka.ms/JoinTeamsMeeting>" right under it, a word and a colon
	_, e, ok = lineAt(text, next)
	if !ok || !labelledOnly(v, next, e, 1, func(l link) bool { return isTeamsMarker(l) && l.host == "aka.ms" }) {
		return region{first, end}, true
	}
	end, next = e, lineAfter(text, e)
	// "System reference: <meetup-join link>", inner rules, "For
	// organisers" and "Meeting options: <options link>": taken together,
	// where the options name the thread the reference joins
	_, e, ok = lineAt(text, next)
	var reference link
	if !ok || !labelledOnly(v, next, e, 3, func(l link) bool { reference = l; return isTeamsJoin(l) && len(l.segs) >= 3 && l.segs[0] == "l" }) {
		return region{first, end}, true
	}
	rules := false
	for next = lineAfter(text, e); next < len(text); {
		line, e, _ := lineAt(text, next)
		switch {
		case isRule(line) || line == "" && rules:
			rules = rules || line != ""
			next = lineAfter(text, e)
			continue
		case rules && isOrganisersLabel(line):
			opts := lineAfter(text, e)
			if _, oe, ok := lineAt(text, opts); ok && labelledOnly(v, opts, oe, 3, func(l link) bool { return isOptionsLink(l) && sameThread(l, reference) }) {
				end = oe
			}
		}
		break
	}
	return region{first, end}, true
}

// isTeamsHeader: the heading Teams writes above its block, in a language
// mms writes blocks in or Polish ("Microsoft Teams meeting", "Réunion
// Microsoft Teams"), word for word: an organiser's title naming Teams is
// not taken.
func isTeamsHeader(line string) bool {
	if strings.EqualFold(line, "Spotkanie w Microsoft Teams") {
		return true
	}
	for _, l := range labelsByLang {
		if strings.EqualFold(line, l.teamsHeader) {
			return true
		}
	}
	return false
}

// sameThread reports whether an options link names the thread a
// meetup-join link joins ("19_meeting_X@thread.v2" for "19:meeting_X@thread.v2").
func sameThread(opts, join link) bool {
	t := opts.param("threadId")
	return t != "" && strings.EqualFold(t, strings.Replace(join.segs[2], ":", "_", 1))
}

// shortLabel: the label before a block's link or value ("Join:",
// "Dołącz:", "Click here to join the meeting").
func shortLabel(label string) bool {
	return utf8.RuneCountInString(label) <= maxLabel && !strings.ContainsAny(label, ".!?<>")
}

// labelledOnly reports whether the line text[start:end] is a label and
// one link that is, nothing after it ("Help: <https://aka.ms/…>").
func labelledOnly(v view, start, end, words int, is func(link) bool) bool {
	links := v.linksIn(region{start, end})
	return len(links) == 1 && is(links[0]) && labelled(v.text, start, v.textPos(links[0].pos), end, words)
}

// isOptionsLink tells Teams' "Meeting options" link.
func isOptionsLink(l link) bool {
	return teamsHosts[l.host] && hasPrefixFold(pathOf(l.url), "/meetingOptions")
}

// labelled reports whether the line text[start:end] is a short label
// ending in a colon ("Join:", "Rejoindre :", "Help:") and the link at at,
// nothing after it.
func labelled(text string, start, at, end, words int) bool {
	after := linkEnd(text, at)
	label := labelBefore(text, start, at)
	return shortLabel(label) && len(strings.Fields(strings.TrimRight(label, ":： "))) <= words && (strings.HasSuffix(label, ":") || strings.HasSuffix(label, "：")) &&
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
