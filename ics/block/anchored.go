package block

import "strings"

// Teams has written its HTML block without rule lines since 2023 ("Join
// the meeting now", Meeting ID, dial-in, all inside a <div
// class="me-email-text"> holding a <div class="me-email-container">), and
// mail clients drop the rule divs of older blocks. Such a block is found
// from its join link: the element that holds it is the block when it
// carries the class Teams gives its block, or, failing that, when it is the
// smallest element that holds both the join link and every helper link
// (dial-in, help, meeting options, tel:) of the body; either widens to the
// elements around it that hold nothing else.

// teamsBlockClasses are the classes of the element Teams writes its HTML
// block in; received copies prefix them with "x_".
var teamsBlockClasses = []string{"me-email-text", "me-email-container"}

// findAnchored finds a Teams or Skype block of an HTML body without rules
// and returns it with its source span, whole elements.
func findAnchored(v view, full bool) (Block, int, int, bool) {
	join, ok := firstLink(v.links, isAnchorJoin)
	if !ok {
		return Block{}, 0, 0, false
	}
	w := walker{src: v.source}
	w.walkTo(join.pos + 1) // the join link's <a> is open, or its bare url read
	stack := append([]open(nil), w.stack...)
	w.watch(stack)
	ends := make([]int, len(stack))
	for i := len(stack) - 1; i >= 0; i-- {
		ends[i] = w.endOf(stack[i])
	}
	i, ok := anchorElement(v, stack, ends)
	if !ok {
		return Block{}, 0, 0, false
	}
	for i > 0 && !isDocument(stack[i-1]) && !hasVisibleText(v.source[stack[i-1].start:stack[i].start]) && !hasVisibleText(v.source[ends[i]:ends[i-1]]) {
		i-- // a wrapper that holds nothing but the block
	}
	start, end := stack[i].start, ends[i]
	var links []link
	for _, l := range v.links {
		if l.pos >= start && l.pos < end {
			links = append(links, l)
		}
	}
	text, _ := renderHTML(v.source[start:end], false)
	provider, join := classify(links, text)
	switch {
	case provider != ProviderTeams && provider != ProviderSkype:
		return Block{}, 0, 0, false
	case !full:
		return Block{Provider: provider}, start, end, true
	}
	return describe(provider, join, text, links), start, end, true
}

// isAnchorJoin tells the join links a block without rules can be found
// from: a Teams meeting link, a Skype for Business Online link.
func isAnchorJoin(l link) bool {
	return isTeamsJoin(l) || isLync(l) && isSkypeJoin(l)
}

// isHelperLink tells the links a Teams or Skype block carries besides its
// join link.
func isHelperLink(l link) bool {
	return isTeamsMarker(l) || isSkypeMarker(l) || hasPrefixFold(l.url, "tel:") ||
		l.host == "mysettings.lync.com" || l.host == "go.microsoft.com"
}

// anchorElement picks, among the elements open at the join link (stack,
// outermost first, each ending at ends[i]), the one that is the block: the
// outermost that carries a Teams block class, else the innermost, short of
// <body>, that holds every helper link of the body, of which there is at
// least one.
func anchorElement(v view, stack []open, ends []int) (int, bool) {
	for i, el := range stack {
		if hasBlockClass(v.source, el) {
			return i, true
		}
	}
	first, last := -1, -1
	for _, l := range v.links {
		if isHelperLink(l) {
			if first < 0 {
				first = l.pos
			}
			last = l.pos
		}
	}
	if first < 0 {
		return 0, false
	}
	for i := len(stack) - 1; i >= 0 && !isDocument(stack[i]); i-- {
		if stack[i].start <= first && last < ends[i] {
			return i, true
		}
	}
	return 0, false
}

func isDocument(el open) bool { return el.name == "body" || el.name == "html" }

// hasBlockClass reports whether an element's start tag carries one of the
// classes Teams gives its block.
func hasBlockClass(src string, el open) bool {
	t, ok := tagAt(src, el.start)
	if !ok {
		return false
	}
	for _, c := range strings.Fields(attrValue(src[t.start:t.end], "class")) {
		c = strings.TrimPrefix(strings.ToLower(c), "x_")
		for _, want := range teamsBlockClasses {
			if c == want {
				return true
			}
		}
	}
	return false
}
