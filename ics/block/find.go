package block

import "strings"

// region is a stretch of a view's visible text: [start, end).
type region struct{ start, end int }

// find returns the first block of a plain-text view and the stretch of
// text it covers. Between rules, any provider's block is found; outside
// rules, a Teams or Skype block from its join link (findAnchoredText),
// else a Zoom, Webex or Google Meet invitation, whose text has no rules.
// Unless full is set, only the block's Provider is read.
func find(v view, full bool) (Block, region, bool) {
	b, r, ok := findRuled(v, full)
	if ok && (b.Provider == ProviderTeams || b.Provider == ProviderSkype) {
		return b, r, true
	}
	if b, r, ok := findAnchoredText(v, full); ok {
		return b, r, true
	}
	if ok {
		return b, r, true
	}
	return findOther(v, full)
}

// findRuled finds the first Teams or Skype block between rules, else the
// first block of another service: a Zoom invitation boxed above the
// meeting's own Teams block does not hide it.
func findRuled(v view, full bool) (Block, region, bool) {
	rules := findRules(v.text)
	var other Block
	var otherAt region
	for i, open := range rules {
		if !open.outer() {
			continue
		}
		j := closingRule(rules, i)
		if j < 0 {
			continue
		}
		r := region{open.start, rules[j].end}
		b, ok := readBlock(v, r, full)
		switch {
		case !ok:
		case b.Provider == ProviderTeams || b.Provider == ProviderSkype:
			return b, r, true
		case other.Provider == "":
			other, otherAt = b, r
		}
	}
	return other, otherAt, other.Provider != ""
}

// readBlock reads the block of a region between rules, if it holds one.
func readBlock(v view, r region, full bool) (Block, bool) {
	links := v.linksIn(r)
	text := v.text[r.start:r.end]
	provider, join := classify(links, text)
	switch {
	case provider == "":
		return Block{}, false
	case !full:
		return Block{Provider: provider}, true
	}
	return describe(provider, join, text, links), true
}

// findOther finds a Zoom, Webex or Google Meet invitation outside rules.
// Its region runs from the line of the provider's first link to the line
// of its last.
func findOther(v view, full bool) (Block, region, bool) {
	provider, join := classifyOther(v.links)
	if provider == "" {
		return Block{}, region{}, false
	}
	var first, last int = -1, -1
	for _, l := range v.links {
		if p, _ := classifyOther([]link{l}); p == provider || sameHost(l, join) {
			if first < 0 {
				first = l.pos
			}
			last = l.pos
		}
	}
	r := region{lineOf(v.text, v.textPos(first)), endOfLine(v.text, v.textPos(last))}
	if r.end <= r.start {
		return Block{}, region{}, false
	}
	if !full {
		return Block{Provider: provider}, r, true
	}
	return describe(provider, join, v.text[r.start:r.end], nil), r, true
}

func sameHost(a, b link) bool { return a.host != "" && a.host == b.host }

// lineOf returns the start of the line that holds text[i], after any
// leading blanks.
func lineOf(text string, i int) int {
	i = min(i, len(text))
	start := strings.LastIndexByte(text[:i], '\n') + 1
	for start < i && (text[start] == ' ' || text[start] == '\t') {
		start++
	}
	return start
}

// endOfLine returns the end of the line that holds text[i], before any
// trailing blanks.
func endOfLine(text string, i int) int {
	i = min(i, len(text))
	end := len(text)
	if k := strings.IndexByte(text[i:], '\n'); k >= 0 {
		end = i + k
	}
	return len(strings.TrimRight(text[:end], " \t\r"))
}
