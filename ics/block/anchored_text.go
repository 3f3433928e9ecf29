package block

import (
	"strings"
	"unicode/utf8"
)

// A plain-text Teams block may come without its outer rules: Teams' 2025
// text ("Microsoft Teams meeting" / "Join: <link>" / Meeting ID, Passcode,
// "Help:", "System reference:", only short inner rules around "For
// organisers"), a Teams (free) invitation, an export that dropped them, a
// block whose closing rule is gone. As in HTML (findAnchored), such a
// block is found from its join link: the lines around it that a block
// writes, and nothing of the organiser's own, which a rewrite could
// replace or delete.

const (
	maxHeadingLines  = 3  // lines above the join link, up to the heading naming the service
	maxHeadingLength = 80 // runes of such a line
	maxNameLength    = 60 // runes of the heading that names the service
	maxJoinLabel     = 60 // runes before the join link on its line
	maxGapLines      = 10 // blank lines and rules between two lines of the block
	maxShortLines    = 5  // short lines of text between them ("For organisers", "Dial in by phone")
	maxShortLength   = 60 // runes of such a line
)

// findAnchoredText finds a Teams or Skype block of a plain-text body
// without outer rules. Its region runs from the heading above the join
// link that names the service ("Microsoft Teams meeting") to the last
// line below it that only a block writes: a help, dial-in or options
// link, a Meeting ID, the passcode under it, a dial string, a tel: link,
// Teams' app links; between such lines only blank lines, rules and a few
// short lines ("For organisers", "Dial in by phone"). The join link ends
// its line, after a short label ("Join:", "Click here to join the
// meeting"). Besides the join link, the region must hold a help, dial-in
// or options link or a Meeting ID, or, for a Teams (free) link, a heading:
// a join link the organiser pasted is no block.
func findAnchoredText(v view, full bool) (Block, region, bool) {
	join, ok := firstLink(v.links, isAnchorJoin)
	if !ok {
		return Block{}, region{}, false
	}
	at := v.textPos(join.pos)
	lineStart := lineOf(v.text, at)
	end := endOfLine(v.text, linkEnd(v.text, at))
	if utf8.RuneCountInString(v.text[lineStart:at]) > maxJoinLabel || strings.TrimSpace(strings.TrimLeft(v.text[linkEnd(v.text, at):end], ">")) != "" {
		return Block{}, region{}, false // a link in the organiser's sentence
	}
	start, headed := headingStart(v, lineStart)
	evidence := headed && join.host == "teams.live.com"
	s := scan{v: v, join: join, last: lineJoin}
	for next := lineAfter(v.text, end); next < len(v.text) && s.blank <= maxGapLines && s.short <= maxShortLines; {
		lineEnd := endOfLine(v.text, next)
		kind := s.kind(next, lineEnd)
		if kind == lineJoin || kind == lineWrapped {
			lineEnd = endOfLine(v.text, linkEnd(v.text, lastLinkStart(v, next, lineEnd)))
		}
		switch kind {
		case lineEvidence, lineBlock, lineJoin, lineMeetingID, lineWrapped:
			end, s.blank, s.short, s.last = lineEnd, 0, 0, kind
			evidence = evidence || kind == lineEvidence || kind == lineMeetingID
		case lineBlank:
			s.blank++
		case lineShort:
			s.short++
		default:
			s.blank = maxGapLines + 1
		}
		next = lineAfter(v.text, lineEnd)
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

// headingStart returns where the block begins above its join link's line:
// at the nearest of the few lines right above it (blank lines between
// them aside) that names the service as a heading does ("Microsoft Teams
// meeting", "You're invited to join a Microsoft Teams meeting", "Microsoft
// Teams Need help? <help link>"), the lines between included ("Join on
// your computer, mobile app or room device"); and whether there is one.
// A long line or one with another link ends the search.
func headingStart(v view, joinLine int) (int, bool) {
	text := v.text
	k, seen, blanks := joinLine, 0, 0
	for k > 0 && seen < maxHeadingLines {
		prev := strings.LastIndexByte(text[:k-1], '\n') + 1
		lineEnd := k - 1
		line := strings.TrimSpace(text[prev:lineEnd])
		k = prev
		if line == "" {
			if blanks++; blanks > 2 {
				break
			}
			continue
		}
		seen++
		helper := false
		for _, l := range v.linksIn(region{prev, lineEnd}) {
			if !isHelperLink(l) {
				return joinLine, false
			}
			helper = true
		}
		if utf8.RuneCountInString(line) > maxHeadingLength {
			break
		}
		if namesService(line, helper) {
			return lineOf(text, prev), true
		}
	}
	return joinLine, false
}

// namesService reports whether a heading line names Teams or Skype as a
// block's heading does: short, no sentence ("Skype retirement planning."
// is the organiser's; a question only beside a help link: "Need help?").
func namesService(line string, helper bool) bool {
	lower := strings.ToLower(line)
	if !strings.Contains(lower, "microsoft teams") && !strings.Contains(lower, "skype") {
		return false
	}
	if i := strings.IndexAny(line, "<"); i >= 0 && helper {
		line = line[:i]
	}
	return utf8.RuneCountInString(line) <= maxNameLength && !strings.ContainsAny(line, ".,;!") && (helper || !strings.Contains(line, "?"))
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

// lastLinkStart returns where the last link of a line begins.
func lastLinkStart(v view, start, end int) int {
	last := start
	for _, l := range v.linksIn(region{start, end}) {
		last = v.textPos(l.pos)
	}
	return last
}

type lineKind int

const (
	lineOther     lineKind = iota
	lineBlank              // blank, a rule
	lineShort              // a short line of text, no link; a link alone on its line (Outlook's logo)
	lineBlock              // a line the block writes: a tel: link, a dial string, the passcode, app links
	lineMeetingID          // the Meeting ID (or a phone conference or video ID): the passcode may follow
	lineEvidence           // a line only a block writes: a help, dial-in or options link
	lineJoin               // the 2025 block's "System reference:" link, right under its help line
	lineWrapped            // a lineEvidence whose last link runs on over Outlook's hard wrap
)

// scan is the walk down a block from its join link.
type scan struct {
	v            view
	join         link
	last         lineKind // the kind of the block's last line
	blank, short int      // lines since the block's last: blank or rules, short text
	reference    bool     // a System reference link was taken
}

// kind says what the line text[start:end] is to the block.
func (s *scan) kind(start, end int) lineKind {
	line := strings.TrimSpace(s.v.text[start:end])
	links := s.v.linksIn(region{start, end})
	evidence, block, other := false, false, 0
	for _, l := range links {
		switch {
		case isHelperLink(l) && !hasPrefixFold(l.url, "tel:") && l.host != "go.microsoft.com":
			evidence = true
		case hasPrefixFold(l.url, "tel:") || l.host == "go.microsoft.com" || IsAppLink(l.url):
			block = true
		case isTeamsJoin(l) && !s.reference && s.join.segs[0] == "meet" && s.last == lineEvidence && s.blank == 0 && s.short == 0 &&
			utf8.RuneCountInString(s.v.text[start:s.v.textPos(l.pos)]) <= maxShortLength:
			// Teams 2025: "System reference: <meetup-join link>", the
			// thread of the meeting its short link joins, right under "Help:"
			s.reference = true
			return lineJoin
		default:
			other++
		}
	}
	switch {
	case other == 1 && len(links) == 1 && strings.Trim(line, "<> ") == links[0].url:
		return lineShort // a link alone on its line: the logo Outlook copies into a block
	case other > 0:
		return lineOther
	case evidence:
		if k := strings.LastIndexByte(line, '<'); k >= 0 && !strings.Contains(line[k:], ">") {
			return lineWrapped
		}
		return lineEvidence
	case meetingIDValue(line) != "" || meetingIDLabelAlone(line) || isConferenceIDLine(line):
		return lineMeetingID
	case block || isDialString(line) || knownPasscodeLabel(line):
		return lineBlock
	case s.last == lineMeetingID && s.blank <= 2 && s.short == 0 && passcodeLineOf(line):
		return lineBlock // the passcode under the Meeting ID
	case line == "":
		return lineBlank
	}
	if kind, _ := ruleLine(line); kind != 0 || strings.Trim(line, "_-=*") == "" {
		return lineBlank
	}
	if utf8.RuneCountInString(line) <= maxShortLength {
		return lineShort
	}
	return lineOther
}

// IsAppLink tells the links of Teams' 2022 "Download Teams | Join on the
// web" line, which the dial-in part follows.
func IsAppLink(u string) bool {
	u = strings.ToLower(u)
	return strings.Contains(u, "microsoft.com/") && !strings.Contains(u, "?vtc") &&
		(strings.Contains(u, "/microsoft-teams/download-app") || strings.Contains(u, "/microsoft-teams/join-a-meeting"))
}

// isDialString: a dial-in number as Teams writes it in text, with the
// conference ID it dials ("+1 323-849-4874,,580849884# United States").
// A phone number alone (a signature's) is not one.
func isDialString(line string) bool {
	number, _ := SplitNumberLabel(line)
	return strings.HasPrefix(line, "+") && len(digits(number)) >= 6 && strings.Contains(line, ",,")
}

// isConferenceIDLine: "Phone Conference ID: 111 222 333#", the '#' the
// phone's keypad ends it with.
func isConferenceIDLine(line string) bool {
	label, value, ok := strings.Cut(line, ":")
	value = strings.TrimFunc(value, blankOrMark)
	return ok && utf8.RuneCountInString(label) <= 40 && strings.HasSuffix(value, "#") && idDigits(strings.TrimRight(value, "# ")) != ""
}

// passcodeLineOf reports whether a line is "<label>: <passcode>" of a
// passcode's label.
func passcodeLineOf(line string) bool {
	m := passcodeLine.FindStringSubmatch(line)
	return m != nil && passcodeLabel(m[1], line)
}
