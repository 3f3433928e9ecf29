package block

import (
	"strings"
	"unicode/utf8"
)

// ruleKind tells rules apart: a block opens and closes with the same kind.
type ruleKind byte

const (
	underscores ruleKind = '_'
	dots        ruleKind = '.'
	googleRule  ruleKind = 'g' // "-::~:~::~:~:..."
	boxRule     ruleKind = 'b' // "──────────", Zoom's Outlook add-in
)

// rule is a rule line, or a rule Outlook's hard wrap broke over lines, in
// visible text: text[start:end] runs from its first to its last rule
// character.
type rule struct {
	kind       ruleKind
	start, end int
	length     int // rule characters
}

// outer reports whether a rule can open or close a block. Teams blocks
// since 2023 hold a short inner rule (32 underscores) between the join
// and the dial-in parts; the outer rules are 80 underscores or 137 dots.
func (r rule) outer() bool {
	return r.length >= 40 || r.kind == googleRule || r.kind == boxRule
}

// maxWrappedDots bounds the dots of one rule broken over lines, so that
// the closing rule of one Skype block and the opening rule of the next
// stay two rules.
const maxWrappedDots = 150

// findRules returns the rules of a text in order. Dot lines separated only
// by line breaks and blank lines are one rule (Outlook wraps the 137-dot
// rule as 71 + 66, or at any other point).
func findRules(text string) []rule {
	var rules []rule
	joinable := false
	for pos := 0; pos < len(text); {
		end := strings.IndexByte(text[pos:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += pos
		}
		line := text[pos:end]
		trimmed := strings.TrimSpace(line)
		kind, n := ruleLine(trimmed)
		switch {
		case kind != 0:
			r := rule{kind: kind, start: pos + strings.Index(line, trimmed), length: n}
			r.end = r.start + len(trimmed)
			if last := len(rules) - 1; joinable && kind == dots && rules[last].kind == dots && rules[last].length+n <= maxWrappedDots {
				rules[last].end, rules[last].length = r.end, rules[last].length+n
			} else {
				rules = append(rules, r)
			}
			joinable = true
		case joinable && trimmed != "" && len(rules) > 0 && rules[len(rules)-1].kind == underscores && strings.Trim(trimmed, "_") == "" &&
			rules[len(rules)-1].end == pos-1 && rules[len(rules)-1].length >= minWrappedUnderscores &&
			rules[len(rules)-1].length+len(trimmed) <= maxWrappedUnderscores:
			// the end of a rule Outlook's hard wrap moved to a line of its own
			last := &rules[len(rules)-1]
			last.end, last.length = pos+strings.Index(line, trimmed)+len(trimmed), last.length+len(trimmed)
		case trimmed != "":
			joinable = false
		}
		pos = end + 1
	}
	return rules
}

// A rule of underscores is read over two lines where a hard wrap broke
// it: Teams writes 80, and a text body wrapped at 72 to 76 moves the last
// few on. A whole rule followed by a short line of underscores (an
// organiser's signature line) is not one.
const (
	minWrappedUnderscores = 60
	maxWrappedUnderscores = 80
)

// ruleLine tells whether a trimmed line is a rule, of which kind and how
// many characters long.
func ruleLine(s string) (ruleKind, int) {
	switch {
	case strings.HasPrefix(s, "-::~:~::~:"):
		return googleRule, len(s)
	case len(s) >= 10 && strings.Trim(s, "_") == "":
		return underscores, len(s)
	case len(s) >= 10 && strings.Trim(s, ".") == "":
		return dots, len(s)
	case len(s) >= 30 && strings.Trim(s, "─") == "":
		return boxRule, utf8.RuneCountInString(s)
	}
	return 0, 0
}

// closingRule returns the index of the rule that closes a block opened by
// rules[i]: the next outer rule of the same kind, or -1.
func closingRule(rules []rule, i int) int {
	for j := i + 1; j < len(rules); j++ {
		if rules[j].kind == rules[i].kind && rules[j].outer() {
			return j
		}
	}
	return -1
}
