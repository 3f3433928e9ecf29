package ics

import (
	"html"
	"slices"
	"strings"

	"github.com/mms-project/mms/ics/block"
)

// A Skype block writes each number as an entry: the kind ("Toll number:"),
// the number, its tel: link, the region in parentheses ("(Dial-in
// Number)") and the languages of the bridge. In a plain-text body an entry
// runs over several lines, in HTML it is one paragraph.

// skypeNumber is one number of a change, as its entry is to be written.
type skypeNumber struct {
	n, label string
	tollFree bool
}

// skypeNumbers lists the numbers of spec in the order the old block
// writes the kinds: toll-free first where its first number is toll-free.
func skypeNumbers(to block.Spec, freeFirst bool) []skypeNumber {
	var toll, free []skypeNumber
	for _, n := range to.TollNumbers {
		toll = append(toll, skypeNumber{n, to.TollLabel(n), false})
	}
	for _, n := range to.TollFreeNumbers {
		free = append(free, skypeNumber{n, to.TollFreeLabel(n), true})
	}
	if freeFirst {
		return append(free, toll...)
	}
	return append(toll, free...)
}

// freeFirst reports whether the first of the old numbers, by where they
// are written, is toll-free.
func freeFirst(from block.Block, at map[string]int) bool {
	first, free := -1, false
	for n, i := range at {
		if first < 0 || i < first {
			first, free = i, slices.Contains(from.TollFreeNumbers, n)
		}
	}
	return free
}

// keepNumbersSkypeText rewrites the number entries of a Skype plain-text
// block: a number the spec keeps keeps its entry; one it drops loses it; a
// new one gets an entry made like an old one of its kind (else like the
// first, its kind's word replaced), with the region the change gives or
// "(Toll)". It reports false where the entries cannot be told apart.
func keepNumbersSkypeText(src string, from block.Block, to block.Spec) (string, bool) {
	lines := strings.SplitAfter(src, "\n")
	spans, ok := skypeTextEntries(lines, from)
	if !ok {
		return "", false
	}
	entry := make(map[string]string, len(spans))
	at := make(map[string]int, len(spans))
	ordered := make([][2]int, 0, len(spans))
	for n, sp := range spans {
		entry[n], at[n] = strings.Join(lines[sp[0]:sp[1]], ""), sp[0]
		ordered = append(ordered, sp)
	}
	sep, kept, ok := entryGaps(ordered, func(a, b int) string { return strings.Join(lines[a:b], "") })
	if !ok {
		return "", false
	}
	region, ok := skypeEntries(entry, from, to, freeFirst(from, at), sep, noEscape)
	if !ok {
		return "", false
	}
	first, last := ordered[0][0], ordered[len(ordered)-1][1]
	rest := strings.Join(lines[last:], "")
	return strings.Join(lines[:first], "") + region + keptBefore(kept, rest) + rest, true
}

// entryGaps sorts the spans of a block's number entries and returns what
// lies between them. Where that is only blank lines (a double-spaced
// body), sep is the first gap, written again between the new entries, and
// kept is empty; otherwise sep is empty and kept holds the gaps, written
// after the new entries so that no line is lost. False where entries
// overlap.
func entryGaps(spans [][2]int, between func(a, b int) string) (sep, kept string, ok bool) {
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	var gaps []string
	blank := true
	for i := 1; i < len(spans); i++ {
		if spans[i][0] < spans[i-1][1] {
			return "", "", false
		}
		gap := between(spans[i-1][1], spans[i][0])
		gaps = append(gaps, gap)
		blank = blank && strings.TrimSpace(gap) == ""
	}
	switch {
	case len(gaps) == 0:
		return "", "", true
	case blank:
		return gaps[0], "", true
	}
	return "", strings.Join(gaps, ""), true
}

// skypeTextEntries returns the lines [first, end) of each number's entry
// in a Skype plain-text block: the line that shows the number, then up to
// three lines that go on with it (its "<tel:...>" line, the line of the
// bridge's languages: no web link, no digit outside a tel: link), never
// into the next entry. It reports false where two numbers share a line
// or one is not found.
func skypeTextEntries(lines []string, from block.Block) (map[string][2]int, bool) {
	old := append(slices.Clone(from.TollNumbers), from.TollFreeNumbers...)
	starts := make(map[int]bool, len(old))
	at := make(map[string]int, len(old))
	for _, n := range old {
		i := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, n) })
		if i < 0 || starts[i] {
			return nil, false
		}
		starts[i], at[n] = true, i
	}
	spans := make(map[string][2]int, len(old))
	for _, n := range old {
		end := at[n] + 1
		for end < len(lines) && end-at[n] < 4 && !starts[end] && goesOn(lines[end]) {
			end++
		}
		spans[n] = [2]int{at[n], end}
	}
	return spans, true
}

// goesOn tells a line that continues a Skype number's entry.
func goesOn(l string) bool {
	t := strings.TrimSpace(l)
	switch {
	case t == "" || strings.Contains(t, "http"):
		return false
	case strings.HasPrefix(strings.ToLower(t), "<tel:"):
		return true
	}
	return !strings.ContainsFunc(t, func(r rune) bool { return r >= '0' && r <= '9' }) && !strings.ContainsAny(t, ":<>|")
}

// keepNumbersSkypeHTML is keepNumbersSkypeText for an HTML block: each
// entry is the paragraph (or <div>, <tr>) that shows the number.
func keepNumbersSkypeHTML(src string, from block.Block, to block.Spec) (string, bool) {
	old := append(slices.Clone(from.TollNumbers), from.TollFreeNumbers...)
	spans, first, last, ok := numberElements(src, old)
	if !ok {
		return "", false
	}
	entry := make(map[string]string, len(old))
	at := make(map[string]int, len(old))
	ordered := make([][2]int, 0, len(old))
	for n, sp := range spans {
		entry[n], at[n] = src[sp[0]:sp[1]], sp[0]
		ordered = append(ordered, sp)
	}
	sep, kept, ok := entryGaps(ordered, func(a, b int) string { return src[a:b] })
	if !ok {
		return "", false
	}
	region, ok := skypeEntries(entry, from, to, freeFirst(from, at), sep, html.EscapeString)
	if !ok {
		return "", false
	}
	return src[:first] + region + kept + src[last:], true
}

// skypeEntries writes the entries of spec's numbers, sep between them:
// kept ones as they were, new ones made from an old entry.
func skypeEntries(entry map[string]string, from block.Block, to block.Spec, freeFirst bool, sep string, esc func(string) string) (string, bool) {
	tollWord, freeWord := block.SkypeNumberKinds(from.Lang)
	var b strings.Builder
	for i, sn := range skypeNumbers(to, freeFirst) {
		if i > 0 {
			b.WriteString(sep)
		}
		if e, kept := entry[sn.n]; kept {
			b.WriteString(e)
			continue
		}
		like, word, other := from.TollNumbers, tollWord, freeWord
		if sn.tollFree {
			like, word, other = from.TollFreeNumbers, freeWord, tollWord
		}
		tmpl, swap := "", false
		if len(like) > 0 {
			tmpl = like[0]
		} else {
			tmpl, swap = append(slices.Clone(from.TollNumbers), from.TollFreeNumbers...)[0], true
		}
		e, ok := skypeEntryFor(entry[tmpl], tmpl, sn, esc)
		if ok && swap && strings.Contains(e, esc(other)) { // an entry may show no kind, only its region
			e, ok = replaceOnce(e, esc(other), esc(word))
		}
		if !ok {
			return "", false
		}
		b.WriteString(e)
	}
	return b.String(), true
}

// skypeEntryFor makes the entry of number sn from the entry of number old:
// the number, its tel: form and the region in parentheses after the tel:
// link replaced.
func skypeEntryFor(tmpl, old string, sn skypeNumber, esc func(string) string) (string, bool) {
	if !strings.Contains(tmpl, esc(old)) {
		return "", false
	}
	e := strings.ReplaceAll(tmpl, esc(old), esc(sn.n))
	pct := func(s string) string { return strings.ReplaceAll(s, " ", "%20") }
	e = strings.ReplaceAll(e, pct(old), pct(sn.n))
	e = strings.ReplaceAll(e, "+"+digitsOnly(old), "+"+digitsOnly(sn.n))
	// the region follows the tel: link (its '>', or its </a> in HTML), else the number
	after := strings.Index(e, esc(sn.n)) + len(esc(sn.n))
	if tel := strings.Index(block.LowerSameLength(e), "tel:"); tel >= 0 {
		if gt := strings.IndexByte(e[tel:], '>'); gt >= 0 {
			after = max(after, tel+gt)
		}
		if a := strings.Index(block.LowerSameLength(e[after:]), "</a>"); a >= 0 {
			after += a
		}
	}
	open := strings.IndexByte(e[after:], '(')
	if open < 0 {
		return "", false
	}
	open += after
	closing := strings.IndexByte(e[open:], ')')
	if closing < 0 || strings.ContainsAny(e[open:open+closing], "<>\n") {
		return "", false
	}
	label := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(sn.label), "("), ")")
	return e[:open+1] + esc(label) + e[open+closing:], true
}

// replaceOnce replaces the first old in s; false where there is none.
func replaceOnce(s, old, repl string) (string, bool) {
	k := strings.Index(s, old)
	if k < 0 || old == "" {
		return "", false
	}
	return s[:k] + repl + s[k+len(old):], true
}

// dropDialInSkypeText is dropDialInText for a Skype block, whose number
// entries run over several lines and whose links may be wrapped, each
// with its label on the line above: the entries, every link to the
// dial-in page ("Find a local number", "Forgot your dial-in PIN?") with
// its label, the conference ID line and the heading go.
func dropDialInSkypeText(src string, from block.Block) (string, bool) {
	if from.DialInURL != "" {
		var ok bool
		if src, ok = dropSkypeDialInLinks(src, from.DialInURL); !ok {
			return "", false
		}
	}
	lines := strings.SplitAfter(src, "\n")
	drop := make([]bool, len(lines))
	entries, ok := skypeTextEntries(lines, from)
	if !ok {
		return "", false
	}
	for _, sp := range entries {
		for i := sp[0]; i < sp[1]; i++ {
			drop[i] = true
		}
	}
	if id := from.ConferenceID; id != "" {
		found := false
		for i, l := range lines {
			if !drop[i] && !strings.Contains(l, "http") && replaceDigitsAs(l, id, "\x00") != l {
				drop[i], found = true, true
			}
		}
		if !found {
			return "", false
		}
	}
	if first := slices.Index(drop, true); first >= 0 {
		if h := prevNonBlank(lines, first); h >= 0 && isHeading(lines[h]) {
			drop[h] = true
		}
	}
	return joinKept(lines, drop), true
}

// dropSkypeDialInLinks removes each link to the dial-in page (whatever
// its query) with its label: the line above where the link starts its
// line, else the text before it on its line; the " | " joining it to a
// next link goes too. Lines left blank are removed with their breaks.
func dropSkypeDialInLinks(src, dialIn string) (string, bool) {
	page := withoutQuery(dialIn)
	removed := false
	for range 8 { // one link a pass; a block has two
		at, found := firstLink(src, func(l string) bool { return withoutQuery(l) == page })
		if !found {
			break
		}
		start, end := labelledLinkLines(src, at)
		src = src[:start] + src[end:]
		removed = true
	}
	return src, removed
}

// firstLink returns the span of the first link of a plain-text src that
// match accepts.
func firstLink(src string, match func(string) bool) ([2]int, bool) {
	for _, s := range linkSpans(src) {
		if match(linkAt(src, s, noEscape)) {
			return s, true
		}
	}
	return [2]int{}, false
}

// labelledLinkLines returns what to remove for the link at span at of a
// plain-text src: the link with its angle brackets; its label, the line
// above where the link starts its line (Skype's layout), else the text
// before it on its line after any " | "; the " | " joining it to a next
// link; and the line break, where nothing is left on the line.
func labelledLinkLines(src string, at [2]int) (start, end int) {
	a, b := at[0], at[1]
	if a > 0 && src[a-1] == '<' {
		a--
	}
	if b < len(src) && src[b] == '>' {
		b++
	}
	lineStart := strings.LastIndexByte(src[:a], '\n') + 1
	lineEnd := len(src)
	if k := strings.IndexByte(src[b:], '\n'); k >= 0 {
		lineEnd = b + k + 1
	}
	start = lineStart
	if strings.TrimSpace(src[lineStart:a]) != "" {
		st, _ := labelledLink(src, at[0], at[1])
		start = separatorBefore(src, st)
	} else if lineStart > 0 {
		prev := strings.LastIndexByte(src[:lineStart-1], '\n') + 1
		if label := src[prev:lineStart]; strings.TrimSpace(label) != "" && !strings.Contains(label, "http") && !strings.ContainsAny(label, "<>|") {
			start = prev
		}
	}
	end = b + separatorAfter(src[b:lineEnd], 0)
	before := ""
	if start > lineStart {
		before = src[lineStart:start]
	}
	if strings.TrimSpace(before) == "" && strings.TrimSpace(src[end:lineEnd]) == "" {
		end = lineEnd // nothing left on the line
	}
	return start, end
}

// withoutQuery is a link's canonical form without its query: the dial-in
// page whatever conference it names.
func withoutQuery(l string) string {
	c := canonicalLink(l)
	if k := strings.IndexByte(c, '?'); k >= 0 {
		return c[:k]
	}
	return c
}
