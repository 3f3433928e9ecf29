package block

import (
	"strings"
	"unicode/utf8"
)

// A plain-text Teams block may come without its outer rules: Teams' 2025
// text ("Microsoft Teams meeting" / "Join: <link>" / Meeting ID, Passcode,
// "Help:", "System reference:", only short inner rules around "For
// organisers"), a Teams (free) invitation, an export that dropped them. As
// in HTML (findAnchored), such a block is found from its join link: the
// lines around it that a block writes, and nothing of the organiser's own.

const (
	maxHeadingLines  = 2  // lines above the join link below the one naming the service
	maxHeadingLength = 80 // runes of such a line
	maxGapLines      = 10 // blank lines and rules between two lines of the block
	maxShortLines    = 3  // short lines of text between them ("For organisers")
	maxGapLength     = 60 // runes of such a line
)

// findAnchoredText finds a Teams or Skype block of a plain-text body
// without outer rules. Its region runs from the heading lines above the
// join link ("Microsoft Teams meeting") to the last line below it that a
// block writes: a helper link (help, dial-in, meeting options, tel:), a
// phone number, the Meeting ID or the passcode; between such lines, only
// blank lines and rules (up to maxGapLines) and a few short lines ("For
// organisers", "Dial in by phone"). Other than the join link, the block must show a helper link, a
// Meeting ID or a heading naming the service: a join link alone in the
// organiser's sentence is no block.
func findAnchoredText(v view, full bool) (Block, region, bool) {
	join, ok := firstLink(v.links, isAnchorJoin)
	if !ok {
		return Block{}, region{}, false
	}
	at := v.textPos(join.pos)
	start, headed := headingStart(v.text, lineOf(v.text, at))
	end := endOfLine(v.text, at)
	evidence := headed
	blank, short := 0, 0 // lines since the block's last: blank or rules, short text
	for next := lineAfter(v.text, end); next < len(v.text) && blank <= maxGapLines && short <= maxShortLines; {
		lineEnd := endOfLine(v.text, next)
		line := strings.TrimSpace(v.text[next:lineEnd])
		switch kind := v.lineKind(next, lineEnd, line); kind {
		case blockLine, evidenceLine:
			end, blank, short = lineEnd, 0, 0
			evidence = evidence || kind == evidenceLine
		case blankLine:
			blank++
		case shortLine:
			short++
		default:
			blank = maxGapLines + 1
		}
		next = lineAfter(v.text, lineEnd)
	}
	r := region{start, end}
	if !evidence {
		return Block{}, region{}, false
	}
	b, ok := readBlock(v, r, full)
	if !ok || b.Provider != ProviderTeams && b.Provider != ProviderSkype {
		return Block{}, region{}, false
	}
	return b, r, true
}

// headingStart returns where the block begins above its join link's line:
// at the topmost of the few short lines right above it (blank lines
// between them aside) that names the service as a heading does
// ("Microsoft Teams meeting", "You're invited to join a Microsoft Teams
// meeting" above "Join on your computer or mobile app"), and whether
// there is one. Lines of links, long lines and sentences end the search.
func headingStart(text string, joinLine int) (int, bool) {
	found := joinLine
	k, seen, blanks := joinLine, 0, 0
	for k > 0 && seen < maxHeadingLines+1 {
		prev := strings.LastIndexByte(text[:k-1], '\n') + 1
		line := strings.TrimSpace(text[prev : k-1])
		k = prev
		if line == "" {
			if blanks++; blanks > 2 {
				break
			}
			continue
		}
		seen++
		if utf8.RuneCountInString(line) > maxHeadingLength || strings.Contains(line, "://") || strings.ContainsAny(line, ".,;!?") {
			break
		}
		if lower := strings.ToLower(line); strings.Contains(lower, "microsoft teams") || strings.Contains(lower, "skype") {
			found = lineOf(text, prev)
		}
	}
	return found, found != joinLine
}

// lineAfter returns the start of the line after the one ending at end.
func lineAfter(text string, end int) int {
	if k := strings.IndexByte(text[end:], '\n'); k >= 0 {
		return end + k + 1
	}
	return len(text)
}

type lineKind int

const (
	otherLine    lineKind = iota
	blankLine             // blank, a rule
	shortLine             // a short line of text, no link
	blockLine             // a line the block writes: its links, a phone number
	evidenceLine          // a blockLine only a block writes: a helper link, a Meeting ID
)

// lineKind says what a line below the join link is to the block.
func (v view) lineKind(start, end int, line string) lineKind {
	links := v.linksIn(region{start, end})
	helper, join, other := false, false, false
	for _, l := range links {
		switch {
		case isHelperLink(l):
			helper = true
		case isAnchorJoin(l) || isTeamsJoin(l):
			join = true
		default:
			other = true
		}
	}
	switch {
	case helper || meetingIDValue(line) != "" || meetingIDLabelAlone(line):
		return evidenceLine
	case other && len(links) == 1 && strings.Trim(line, "<> ") == links[0].url:
		return shortLine // a link alone on its line: the logo Outlook copies into a block
	case other:
		return otherLine
	case join || isPhoneLine(line) || knownPasscodeLabel(line):
		return blockLine
	case line != "" && passcodeLineOf(line):
		return blockLine
	case line == "":
		return blankLine
	}
	if kind, _ := ruleLine(line); kind != 0 || strings.Trim(line, "_-=*") == "" {
		return blankLine
	}
	if utf8.RuneCountInString(line) <= maxGapLength {
		return shortLine
	}
	return otherLine
}

// isPhoneLine: a dial-in number opens the line ("+1 323-849-4874,,580849884#
// United States, Los Angeles").
func isPhoneLine(line string) bool {
	number, _ := SplitNumberLabel(line)
	return strings.HasPrefix(line, "+") && len(digits(number)) >= 6
}

// passcodeLineOf reports whether a line is "<label>: <passcode>" of a
// passcode's label.
func passcodeLineOf(line string) bool {
	m := passcodeLine.FindStringSubmatch(line)
	return m != nil && passcodeLabel(m[1], line)
}
