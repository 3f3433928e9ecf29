package ics

import (
	"html"
	"slices"
	"strings"

	"github.com/mms-project/mms/ics/block"
)

// A block that has dial-in may lack one part of it: numbers with no
// conference ID, or no "Find a local number" link. A change that gives
// that part adds its one line (or element) where the service writes it,
// in the block's language; every other line stays.

// addsConferenceID reports whether the change gives the conference ID to
// a block of the same service that has other dial-in but none; addsDialInURL
// the same for the dial-in link.
func addsConferenceID(from block.Block, to block.Spec) bool {
	return from.Provider == to.Provider && hasDialIn(from) && from.ConferenceID == "" && to.ConferenceID != ""
}

func addsDialInURL(from block.Block, to block.Spec) bool {
	return from.Provider == to.Provider && hasDialIn(from) && from.DialInURL == "" && to.DialInURL != ""
}

// partLines are the last lines of the dial-in parts a plain-text block
// shows, -1 where it lacks one.
type partLines struct{ numbers, conference, link int }

func findPartLines(lines []string, from block.Block) (partLines, bool) {
	p := partLines{-1, -1, -1}
	if from.Provider == block.ProviderSkype {
		entries, ok := skypeTextEntries(lines, from)
		if !ok {
			return p, false
		}
		for _, sp := range entries {
			p.numbers = max(p.numbers, sp[1]-1)
		}
	} else {
		for _, n := range append(slices.Clone(from.TollNumbers), from.TollFreeNumbers...) {
			i := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, n) })
			if i < 0 {
				return p, false
			}
			p.numbers = max(p.numbers, i)
		}
	}
	if id := from.ConferenceID; id != "" {
		for i, l := range lines {
			if !strings.Contains(l, "http") && !strings.Contains(strings.ToLower(l), "tel:") && replaceDigitsAs(l, id, "\x00") != l {
				p.conference = i
			}
		}
	}
	if from.DialInURL != "" {
		src := strings.Join(lines, "")
		for _, s := range linkSpans(src) {
			if sameLink(linkAt(src, s, noEscape), from.DialInURL) {
				p.link = strings.Count(src[:s[1]], "\n")
				break
			}
		}
	}
	return p, true
}

// addPartText adds the conference ID line or the dial-in link line to a
// plain-text block: Teams writes numbers, conference ID, link; Skype
// numbers, link, conference ID. The new line follows the last part
// before it, spaced as the line after that one is (a blank line in a
// double-spaced body).
func addPartText(src string, from block.Block, to block.Spec) (string, bool) {
	lines := strings.SplitAfter(src, "\n")
	p, ok := findPartLines(lines, from)
	if !ok {
		return "", false
	}
	skype := from.Provider == block.ProviderSkype
	var line string
	var after int
	switch {
	case addsConferenceID(from, to):
		line = block.ConferenceIDLine(to)
		after = p.numbers
		if skype {
			after = max(after, p.link)
		}
	case addsDialInURL(from, to):
		line = block.LocalNumberText(to) + " <" + to.DialInURL + ">"
		after = p.numbers
		if !skype {
			after = max(after, p.conference)
		}
	default:
		return src, true
	}
	if after < 0 || after+1 >= len(lines) || !strings.HasSuffix(lines[after], "\n") {
		return "", false
	}
	eol := "\n"
	if strings.HasSuffix(lines[after], "\r\n") {
		eol = "\r\n"
	}
	blank := ""
	if strings.TrimSpace(lines[after+1]) == "" && strings.HasSuffix(lines[after+1], "\n") {
		blank = lines[after+1] // a double-spaced block
	}
	head := strings.Join(lines[:after+1], "") + blank
	return head + line + eol + blank + src[len(head):], true
}

// addPartHTML is addPartText for an HTML block: the new element is made
// like the element of the part it follows (its start tag, the line as
// text or as a link) and put after it.
func addPartHTML(src string, from block.Block, to block.Spec) (string, bool) {
	lower := block.LowerSameLength(src)
	last := -1 // the end of the last part's element before the new one
	skype := from.Provider == block.ProviderSkype
	startOf := -1
	consider := func(k int) {
		if k < 0 {
			return
		}
		if s, e := numberElement(lower, k); s >= 0 && e > last {
			last, startOf = e, s
		}
	}
	for _, n := range append(slices.Clone(from.TollNumbers), from.TollFreeNumbers...) {
		k, _ := indexNumber(src, n)
		consider(k)
	}
	conference := func() {
		if id := from.ConferenceID; id != "" {
			for _, k := range digitRuns(masked(src, nil), id) {
				consider(k) // the last element that shows it: a number's dial string may show it too
			}
		}
	}
	link := func() {
		for _, s := range linkSpans(src) {
			if sameLink(linkAt(src, s, html.UnescapeString), from.DialInURL) {
				consider(s[0])
				return
			}
		}
	}
	var inner string
	switch {
	case addsConferenceID(from, to):
		inner = html.EscapeString(block.ConferenceIDLine(to))
		if skype && from.DialInURL != "" {
			link()
		}
	case addsDialInURL(from, to):
		inner = `<a href="` + html.EscapeString(to.DialInURL) + `">` + html.EscapeString(block.LocalNumberText(to)) + `</a>`
		if !skype {
			conference()
		}
	default:
		return src, true
	}
	if last < 0 {
		return "", false
	}
	el := src[startOf:last]
	gt := strings.IndexByte(el, '>')
	name := tagName(el)
	if gt < 0 || name == "" {
		return "", false
	}
	return src[:last] + el[:gt+1] + inner + "</" + name + ">" + src[last:], true
}

// tagName is the lower-case name of the element el starts with.
func tagName(el string) string {
	if !strings.HasPrefix(el, "<") {
		return ""
	}
	end := strings.IndexAny(el, " \t\r\n>/")
	if end < 2 {
		return ""
	}
	return strings.ToLower(el[1:end])
}

// withPart is the block with the first part addPartText adds added.
func withPart(b block.Block, to block.Spec) block.Block {
	switch {
	case addsConferenceID(b, to):
		b.ConferenceID = to.ConferenceID
	case addsDialInURL(b, to):
		b.DialInURL = to.DialInURL
	}
	return b
}

// withParts is the block with every part the change adds added.
func withParts(b block.Block, to block.Spec) block.Block {
	return withPart(withPart(b, to), to)
}

// digitRuns returns the offsets of the runs of the digits of id in src
// that replaceDigits would replace.
func digitRuns(src, id string) []int {
	var at []int
	for i := 0; i < len(src) && id != ""; i++ {
		if src[i] != id[0] || i > 0 && isDigit(src[i-1]) {
			continue
		}
		if end, _, ok := digitRun(src, i, id); ok {
			at = append(at, i)
			i = end - 1
		}
	}
	return at
}
