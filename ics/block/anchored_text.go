package block

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// A plain-text Teams or Skype block may come without its outer rules:
// Teams' 2025 text ("Microsoft Teams meeting" / "Join: <link>" / Meeting
// ID, Passcode, "Help:", "System reference:", only short inner rules
// around "For organisers"), a Teams (free) invitation, an export that
// dropped them, a block whose closing rule is gone. As in HTML
// (findAnchored), such a block is found from its join link, and its
// region holds only what a block writes: a rewrite may replace the region
// whole (a move to another service), so no line of the organiser's may be
// in it.

const (
	maxJoinLabel  = 60  // runes before the join link on its line
	maxLineLength = 200 // runes of a line the walk takes, a number line padded by Skype included
	maxShortText  = 60  // runes of a short line of text ("For organisers", "Dial in by phone")
	maxTextRun    = 3   // short lines of text in a row
	maxPending    = 14  // lines waiting for a line only a block writes to take them in
	minMeetingID  = 10  // digits of a Teams Meeting ID (12 in 2022, 15 in 2025)
)

// findAnchoredText finds a Teams or Skype block of a plain-text body
// without outer rules, from each join link in turn (one the organiser
// wrote earlier in the body does not hide the block). The join link ends
// its line, after a short label ("Join:", "Click here to join the
// meeting"). Right under it, the Meeting ID and the passcode under that
// belong to the block; below, lines are taken up to the last that only a
// block writes (a help, dial-in, options or PIN link, Teams' app links,
// Skype's web-app link, 2025's "System reference"), with what lies between
// it and the lines taken before: blank lines, rules, number and ID lines,
// a link alone after a short label, and a few short lines of text at a
// time ("For organisers", "Dial in by phone"). A quoted line ("> ") or a
// line of another link ends the walk. The block needs, besides its join
// link, such a line or a Meeting ID, or for a Teams (free) link a heading
// naming Teams right above it: a join link the organiser pasted is no
// block.
func findAnchoredText(v view, full bool) (Block, region, bool) {
	for _, join := range v.links {
		if !isAnchorJoin(join) && !isSkypeJoin(join) {
			continue
		}
		if b, r, ok := anchoredAt(v, join, full); ok {
			return b, r, true
		}
	}
	return Block{}, region{}, false
}

// anchoredAt is findAnchoredText from one join link.
func anchoredAt(v view, join link, full bool) (Block, region, bool) {
	text := v.text
	at := v.textPos(join.pos)
	start := lineOf(text, at)
	after := linkEnd(text, at)
	end := endOfLine(text, after)
	if utf8.RuneCountInString(text[start:at]) > maxJoinLabel || strings.TrimSpace(strings.TrimLeft(text[after:end], ">")) != "" {
		return Block{}, region{}, false // a link in the organiser's sentence
	}
	evidence := join.host == "teams.live.com" && teamsHeadingAbove(text, start)
	if above := lineBefore(text, start); above >= 0 && isTeamsHeading(strings.TrimSpace(text[above:start])) {
		start = above // "Microsoft Teams meeting" right above: a block written anew replaces it too
	}
	next := lineAfter(text, end)
	// the Meeting ID right under the join link, the passcode under it
	if line, e, ok := nextLine(text, next, 1); ok && isTeamsMeetingID(line) {
		end, next, evidence = e, lineAfter(text, e), true
		if line, e, ok := nextLine(text, next, 1); ok && isPasscodeLine(line) {
			end, next = e, lineAfter(text, e)
		}
	}
	text0, pending := 0, 0 // short text lines in a row; lines since the last taken
	ids := conferenceIDs(v.linksIn(region{start, end}), text[start:end])
	dialed := map[string]bool{} // those the dial strings below show
	var waiting []int           // the ends of the lines since the last taken that show one of them
	for next < len(text) && pending < maxPending {
		lineEnd := endOfLine(text, next)
		line := strings.TrimSpace(text[next:lineEnd])
		switch kind := walkKind(v, join, next, lineEnd, line); kind {
		case walkBlock:
			if k := strings.LastIndexByte(line, '<'); k >= 0 && !strings.Contains(line[k:], ">") {
				lineEnd = endOfLine(text, linkEnd(text, next+strings.LastIndexByte(text[next:lineEnd], '<')+1))
			}
			for id := range conferenceIDs(v.linksIn(region{end, lineEnd}), text[end:lineEnd]) {
				ids[id] = true
			}
			end, evidence, text0, pending, waiting = lineEnd, true, 0, 0, nil
			next = lineAfter(text, lineEnd)
			continue
		case walkText:
			if text0++; text0 > maxTextRun {
				pending = maxPending
			}
			pending++
		case walkBetween:
			text0 = 0
			pending++
		default:
			pending = maxPending
		}
		if pending > 0 && pending < maxPending {
			// a dial string with its tel: link, as Teams writes it,
			// says the ID line after it ("Phone Conference ID: 111 222
			// 333#"); another service's, without, does not
			links := v.linksIn(region{next, lineEnd})
			if slices.ContainsFunc(links, func(l link) bool { return hasPrefixFold(l.url, "tel:") }) {
				for id := range conferenceIDs(nil, line) {
					dialed[id] = true
				}
			}
			if id := lineID(line); id != "" && (ids[id] || dialed[id] && strings.HasSuffix(line, "#")) {
				waiting = append(waiting, lineEnd)
			}
		}
		next = lineAfter(text, lineEnd)
	}
	if len(waiting) > 0 {
		// the block's last lines: its conference ID, as its dial-in link
		// or a dial string says it ("Conference ID: 12345678" under "Find
		// a local number")
		end = waiting[len(waiting)-1]
	}
	if !evidence {
		return Block{}, region{}, false
	}
	r := region{start, end}
	b, ok := readBlock(v, r, full)
	if !ok || b.Provider != ProviderTeams && b.Provider != ProviderSkype {
		return Block{}, region{}, false
	}
	return b, r, true
}

type walkLine int

const (
	walkStop    walkLine = iota
	walkBetween          // blank, a rule, a number or ID line, a link after a short label
	walkText             // a short line of text
	walkBlock            // a line only a block writes
)

// walkKind says what a line below the join link is to the walk.
func walkKind(v view, join link, start, end int, line string) walkLine {
	if strings.HasPrefix(line, ">") || utf8.RuneCountInString(withoutLinks(line)) > maxLineLength {
		return walkStop // a quoted reply, a paragraph
	}
	links := v.linksIn(region{start, end})
	block, neutral, other := false, 0, 0
	for _, l := range links {
		switch {
		case isHelperLink(l) && !hasPrefixFold(l.url, "tel:") && l.host != "go.microsoft.com", IsAppLink(l.url), sameJoin(l, join):
			block = true
		case hasPrefixFold(l.url, "tel:") || strings.HasSuffix(l.host, ".microsoft.com"):
			neutral++ // a number's tel: link; help and "learn more" pages
		case isTeamsJoin(l) && join.segs[0] == "meet":
			neutral++ // 2025's "System reference", the thread of the meeting a short link joins
		default:
			other++
		}
	}
	label := line
	if i := strings.IndexByte(line, '<'); i >= 0 {
		label = line[:i]
	} else if i := strings.Index(line, "http"); i >= 0 {
		label = line[:i]
	}
	switch {
	case block && other == 0:
		return walkBlock
	case other == 1 && len(links) == 1 && utf8.RuneCountInString(label) <= 40:
		return walkBetween // "Alternate VTC instructions <…>", a logo: taken only before a block's line
	case other > 0 || block:
		return walkStop
	case neutral > 0 && utf8.RuneCountInString(label) <= maxShortText:
		return walkBetween
	case line == "" || isNumberLine(line) || isIDLine(line):
		return walkBetween
	}
	if kind, _ := ruleLine(line); kind != 0 || strings.Trim(line, "_-=*.") == "" {
		return walkBetween
	}
	if n := utf8.RuneCountInString(line); n <= maxShortText || mentionsService(line) {
		return walkText
	}
	return walkStop
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

// conferenceIDs are the conference IDs a stretch of a block shows by its
// links and dial strings: the id= of a dial-in link, the digits after ",,"
// of a number ("+1 323-849-4874,,580849884#").
func conferenceIDs(links []link, text string) map[string]bool {
	ids := map[string]bool{}
	for _, l := range links {
		if id := l.param("id"); isSkypeMarker(l) || isTeamsMarker(l) {
			if id = digits(id); len(id) >= 4 {
				ids[id] = true
			}
		}
	}
	for _, part := range strings.Split(text, ",,")[1:] {
		end := strings.IndexFunc(part, func(r rune) bool { return r < '0' || r > '9' })
		if end < 0 {
			end = len(part)
		}
		if end >= 4 {
			ids[part[:end]] = true
		}
	}
	return ids
}

// lineID is the digits of an ID line ("Conference ID: 12345678"), "" for
// another line.
func lineID(line string) string {
	if !isIDLine(line) {
		return ""
	}
	_, value, _ := strings.Cut(line, ":")
	return digits(value)
}

// sameJoin reports whether l is the join link again, in another form
// (Skype's web app: the link with "?sl=1").
func sameJoin(l, join link) bool {
	base := func(u string) string {
		u, _, _ = strings.Cut(u, "?")
		return strings.TrimSuffix(strings.ToLower(u), "/")
	}
	return l.pos != join.pos && base(l.url) == base(join.url)
}

// mentionsService: Skype's sentence under its join link ("This is an
// online meeting for Skype for Business…").
func mentionsService(line string) bool {
	lower := strings.ToLower(line)
	return strings.Contains(lower, "skype") || strings.Contains(lower, "lync") || strings.Contains(lower, "microsoft teams")
}

// teamsHeadingAbove reports whether the line right above the join link's
// (a blank line and one line between allowed) names Microsoft Teams as
// its heading does ("You're invited to join a Microsoft Teams meeting").
func teamsHeadingAbove(text string, joinLine int) bool {
	k := joinLine
	for i := 0; i < 3 && k > 0; i++ {
		prev := strings.LastIndexByte(text[:k-1], '\n') + 1
		line := strings.TrimSpace(text[prev : k-1])
		k = prev
		if strings.Contains(strings.ToLower(line), "microsoft teams") {
			return utf8.RuneCountInString(line) <= maxShortText && !strings.ContainsAny(line, ":.,;!?<")
		}
	}
	return false
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

// nextLine returns the next line that is not blank from start, and its
// end, over at most blanks blank lines.
func nextLine(text string, start, blanks int) (string, int, bool) {
	for i := 0; i <= blanks && start < len(text); i++ {
		end := endOfLine(text, start)
		if line := strings.TrimSpace(text[start:end]); line != "" {
			return line, end, true
		}
		start = lineAfter(text, end)
	}
	return "", 0, false
}

// isTeamsMeetingID: "Meeting ID: 367 303 551 350 901" in any language,
// as many digits as a Teams Meeting ID has ("Project ID: 204512" is not).
func isTeamsMeetingID(line string) bool {
	n := meetingIDValue(line)
	return len(digits(n)) >= minMeetingID
}

// isPasscodeLine: "Passcode: i7mG96rz" under a label Teams writes
// ("Parking code: 4711" is not).
func isPasscodeLine(line string) bool {
	label, _, ok := strings.Cut(line, ":")
	if !ok {
		label, _, ok = strings.Cut(line, "：")
	}
	return ok && passcodeLineOf(line) && knownPasscodeLabel(label+":")
}

// isNumberLine: a dial-in number ("+1 (425) 555-0100 (Seattle)", "+1
// 323-849-4874,,580849884# United States"), after a short label or none.
func isNumberLine(line string) bool {
	if i := strings.IndexByte(line, '+'); i >= 0 && i <= maxShortText/2 {
		number, _ := SplitNumberLabel(line[i:])
		return len(digits(number)) >= 6
	}
	return false
}

// isIDLine: "Conference ID: 12345678", "Phone conference ID: 111 222
// 333#", "Video ID: 119 111 222 3": a short label and digits.
func isIDLine(line string) bool {
	label, value, ok := strings.Cut(line, ":")
	value = strings.TrimRight(strings.TrimFunc(value, blankOrMark), "#")
	return ok && utf8.RuneCountInString(label) <= 40 && idDigits(strings.TrimSpace(value)) != ""
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

// passcodeLineOf reports whether a line is "<label>: <passcode>" of a
// passcode's label.
func passcodeLineOf(line string) bool {
	m := passcodeLine.FindStringSubmatch(line)
	return m != nil && passcodeLabel(m[1], line)
}
