package ics

import (
	"html"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mms-project/mms/ics/block"
)

// hasDialIn reports whether a block shows any dial-in part.
func hasDialIn(b block.Block) bool {
	return len(b.TollNumbers)+len(b.TollFreeNumbers) > 0 || b.ConferenceID != "" || b.DialInURL != ""
}

func specHasDialIn(s block.Spec) bool {
	return len(s.TollNumbers)+len(s.TollFreeNumbers) > 0 || s.ConferenceID != "" || s.DialInURL != ""
}

// dropsDialIn reports whether the change removes the dial-in part of a
// block of the same service.
func dropsDialIn(from block.Block, to block.Spec) bool {
	return from.Provider == to.Provider && hasDialIn(from) && !specHasDialIn(to)
}

// replacesDialIn reports whether the change writes a new dial-in part in
// place of a Teams block's (see block.Spec.NewDialIn): it is removed,
// then added as dial-in is to a block without.
func replacesDialIn(from block.Block, to block.Spec) bool {
	return to.NewDialIn && from.Provider == block.ProviderTeams && to.Provider == block.ProviderTeams && hasDialIn(from) && specHasDialIn(to)
}

// withoutDialIn is the block with its dial-in part gone.
func withoutDialIn(b block.Block) block.Block {
	b.ConferenceID, b.TollNumbers, b.TollFreeNumbers, b.DialInURL = "", nil, nil, ""
	return b
}

// dropDialInText removes the dial-in part of a plain-text block: the
// number lines, the conference ID line, the dial-in link with its label
// (and its line where nothing else is left on it), and the heading above
// them ("Or call in (audio only)"). Every other line stays as written; the
// blank lines around the part removed keep the body's spacing. It reports
// false where a part cannot be found.
func dropDialInText(src string, from block.Block) (string, bool) {
	if from.Provider == block.ProviderSkype {
		return dropDialInSkypeText(src, from)
	}
	lines := unwrappedLines(src)
	drop := make([]bool, len(lines))
	for _, n := range append(slices.Clone(from.TollNumbers), from.TollFreeNumbers...) {
		i := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, n) })
		if i < 0 {
			return "", false
		}
		for j := i; j < numberEnd(lines, i); j++ {
			drop[j] = true
		}
	}
	if from.DialInURL != "" && !dropDialInLink(lines, drop, func(l string) bool { return sameLink(l, from.DialInURL) }) {
		return "", false
	}
	dropDialInLink(lines, drop, isPINLink) // "Reset PIN", where the block shows it
	if id := from.ConferenceID; id != "" {
		found := false
		for i, l := range lines {
			if !drop[i] && !strings.Contains(l, "http") && replaceDigitsAs(l, id, "\x00") != l {
				drop[i], found = true, true
			}
		}
		if !found && len(from.TollNumbers)+len(from.TollFreeNumbers) == 0 {
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

// unwrappedLines splits a text block into its lines, each with its "\n",
// a link that Outlook's hard wrap broke over lines ("Reset dial-in
// PIN<https://dialin.team" / "s.microsoft.com/usp/pstnconferencing>")
// kept in one: a line whose last '<' opens a link not closed on it takes
// the lines up to its '>' (at most block.MaxLinkBreaks).
func unwrappedLines(src string) []string {
	phys := strings.SplitAfter(src, "\n")
	var lines []string
	for i := 0; i < len(phys); i++ {
		l := phys[i]
		for n := 0; n < block.MaxLinkBreaks && i+1 < len(phys) && opensLink(l); n++ {
			i++
			l += phys[i]
		}
		lines = append(lines, l)
	}
	return lines
}

// opensLink reports whether the last line of l opens a link ("<http" or
// a '<' at its end) that it does not close.
func opensLink(l string) bool {
	last := l[strings.LastIndexByte(strings.TrimSuffix(l, "\n"), '\n')+1:]
	k := strings.LastIndexByte(last, '<')
	if k < 0 || strings.IndexByte(last[k:], '>') >= 0 {
		return false
	}
	rest := strings.ToLower(strings.TrimRight(last[k+1:], "\r\n"))
	return strings.HasPrefix(rest, "http") || strings.HasPrefix("https", rest) // "", or broken in its scheme
}

// maxWrapWidth is the widest line a hard wrap leaves (Outlook wraps text
// at 76 columns, some clients at 78 or 80): a longer line was not wrapped.
const maxWrapWidth = 80

// wrappedTail reports whether lines[j] is the rest of lines[i] that a hard
// wrap at Outlook's width (76 columns or so) moved: lines[i] reaches that
// width, and lines[j] is a short piece of text with no number, link or
// label of its own ("ngeles" of "Los Angeles").
func wrappedTail(lines []string, i, j int) bool {
	if i < 0 || j >= len(lines) {
		return false
	}
	cur, next := strings.TrimRight(lines[i], "\r\n"), strings.TrimSpace(lines[j])
	width := 72 // a break within a word: the line reaches the wrap's width
	if c := strings.TrimRight(cur, " "); strings.HasSuffix(c, ",") || strings.HasSuffix(c, "、") || strings.HasSuffix(c, "，") {
		width = 40 // "Sweden," / "Stockholm": a word wrapped whole, the line shorter
	}
	if j+1 < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[j+1]), "<") {
		return false // the label of the link on the line after it ("Find a local number" / "<https://...>")
	}
	n := utf8.RuneCountInString(cur)
	return n >= width && n <= maxWrapWidth && next != "" && utf8.RuneCountInString(next) < 30 &&
		!strings.ContainsAny(next, "0123456789<>:|")
}

// isPINLink tells the link of a dial-in PIN's page (Teams' "Reset PIN",
// https://dialin.teams.microsoft.com/usp/pstnconferencing, before 2020
// https://mysettings.lync.com/pstnconferencing): it goes with the dial-in
// part.
func isPINLink(l string) bool {
	u := strings.ToLower(l)
	return (strings.HasPrefix(u, "https://dialin.") || strings.HasPrefix(u, "https://mysettings.lync.com/")) && strings.Contains(u, "/pstnconferencing")
}

// dropDialInLink removes the first link match accepts (the dial-in link)
// and its label from the line that holds it, with the " | " that joins it
// to another link; a line left with nothing on it is dropped. A link that
// Outlook's hard wrap moved to a line of its own takes its label from the
// line above (see labelledLink). It reports whether there was one.
func dropDialInLink(lines []string, drop []bool, match func(string) bool) bool {
	for i, l := range lines {
		if drop[i] {
			continue
		}
		above := ""
		if i > 0 && !drop[i-1] {
			above = lines[i-1]
		}
		src := above + l
		for _, s := range linkSpans(l) {
			if !match(linkAt(l, s, noEscape)) {
				continue
			}
			start, end := labelledLink(src, len(above)+s[0], len(above)+s[1])
			if sep := separatorBefore(src, start); sep < start {
				start = sep
			} else {
				end = separatorAfter(src, end)
			}
			rest := src[:start] + src[end:]
			if start >= len(above) {
				rest = rest[len(above):]
			} else if above != "" {
				drop[i-1] = true // the label's line: what is left of it is in rest
			}
			if strings.HasSuffix(l, "\n") && !strings.HasSuffix(rest, "\n") {
				rest += "\n"
			}
			if strings.TrimSpace(rest) == "" {
				drop[i] = true
			} else {
				lines[i] = rest
			}
			return true
		}
	}
	return false
}

// numberEnd returns the end of the number line at i: past the line after
// it where that starts with the number's tel: link (Outlook's hard wrap
// moves "<tel:...>   United States, Los Angeles" to a line of its own).
func numberEnd(lines []string, i int) int {
	end := i + 1
	if i+1 < len(lines) && !strings.Contains(strings.ToLower(lines[i]), "tel:") &&
		strings.HasPrefix(strings.ToLower(strings.TrimSpace(lines[i+1])), "<tel:") {
		end = i + 2
	}
	if wrappedTail(lines, end-1, end) {
		end++ // the end of its label, hard-wrapped ("Los" / " Angeles")
	}
	return end
}

// separatorAfter moves end over a " | " (with blanks or &nbsp;) that
// joins the removed link to the one after it.
func separatorAfter(src string, end int) int {
	skip := func(i int) int {
		for {
			switch {
			case i < len(src) && strings.IndexByte(" \t\r\n", src[i]) >= 0:
				i++
			case strings.HasPrefix(src[i:], "&nbsp;"):
				i += len("&nbsp;")
			case strings.HasPrefix(src[i:], "\u00a0"):
				i += len("\u00a0")
			default:
				return i
			}
		}
	}
	if i := skip(end); i < len(src) && src[i] == '|' {
		return skip(i + 1)
	}
	return end
}

// isHeading tells a heading line of a dial-in part ("Or call in (audio
// only)", "Dial in by phone"): short words with no link, digit, colon or
// rule.
func isHeading(l string) bool {
	t := strings.TrimSpace(l)
	if t == "" || len(t) > 80 || strings.ContainsAny(t, "<>:|@#_") || strings.Contains(t, "http") || strings.Contains(t, "...") {
		return false
	}
	return !strings.ContainsFunc(t, unicode.IsDigit)
}

func prevNonBlank(lines []string, i int) int {
	for i--; i >= 0; i-- {
		if strings.TrimSpace(lines[i]) != "" {
			return i
		}
	}
	return -1
}

// joinKept writes the lines not dropped. Each run of dropped lines goes
// with the blank lines inside it; of the blank lines before and after it,
// those before stay where there are any, else those after: a double-spaced
// body stays double-spaced, a section gap stays.
func joinKept(lines []string, drop []bool) string {
	blank := func(i int) bool { return strings.TrimSpace(lines[i]) == "" }
	gone := slices.Clone(drop)
	for a := 0; a < len(lines); a++ {
		if !drop[a] {
			continue
		}
		b := a // the run's last dropped line: blank lines may lie between
		for j := a + 1; j < len(lines) && (drop[j] || blank(j)); j++ {
			if drop[j] {
				b = j
			}
		}
		for j := a; j <= b; j++ {
			gone[j] = true
		}
		if a > 0 && blank(a-1) && !gone[a-1] {
			for j := b + 1; j < len(lines) && blank(j); j++ {
				gone[j] = true
			}
		}
		a = b
	}
	var out strings.Builder
	for i, l := range lines {
		if !gone[i] {
			out.WriteString(l)
		}
	}
	return out.String()
}

// dropDialInHTML is dropDialInText for an HTML block: the innermost <div>,
// <p> or <tr> of each number and of the conference ID, the dial-in link's
// <a> (or its element, where nothing else is in it) and the heading
// element before the first of them are removed.
func dropDialInHTML(src string, from block.Block) (string, bool) {
	var spans [][2]int
	add := func(s, e int) bool {
		if s < 0 || !onlyDialIn(src[s:e], from) {
			return false
		}
		spans = append(spans, [2]int{s, e})
		return true
	}
	lower := block.LowerSameLength(src)
	for _, n := range append(slices.Clone(from.TollNumbers), from.TollFreeNumbers...) {
		k, _ := indexNumber(src, n)
		if k < 0 {
			return "", false
		}
		if !add(numberElement(lower, k)) {
			return "", false
		}
	}
	if from.DialInURL != "" {
		s, e, ok := dialInAnchor(src, lower, func(l string) bool { return sameLink(l, from.DialInURL) })
		if !ok || !add(s, e) {
			return "", false
		}
	}
	// The PIN's page: Teams' "Reset PIN"; Skype's "Forgot your dial-in
	// PIN?" links the dial-in page itself.
	page := withoutQuery(from.DialInURL)
	pin := func(l string) bool {
		return isPINLink(l) || from.Provider == block.ProviderSkype && page != "" && withoutQuery(l) == page
	}
	if s, e, ok := dialInAnchor(blanked(src, spans), lower, pin); ok {
		spans = append(spans, [2]int{s, e})
		if k := barAfter(src, e); k >= 0 { // Word's "|" in an element of its own, before "Help"
			spans = append(spans, [2]int{k, k + 1})
		}
	}
	if id := from.ConferenceID; id != "" {
		marked := replaceDigitsAs(masked(src, spans), id, "\x00")
		if k := strings.IndexByte(marked, 0); k >= 0 {
			if !add(conferenceIDElement(src, lower, k, from)) {
				return "", false
			}
		} else if len(from.TollNumbers)+len(from.TollFreeNumbers) == 0 {
			return "", false
		}
	}
	spans = joinBlankGaps(src, mergeSpans(spans))
	if len(spans) > 0 {
		if s, e := headingBefore(src, lower, spans[0][0]); s >= 0 {
			spans = mergeSpans(append(spans, [2]int{s, e}))
		}
	}
	var b strings.Builder
	prev := 0
	for _, sp := range spans {
		b.WriteString(src[prev:sp[0]])
		prev = sp[1]
	}
	b.WriteString(src[prev:])
	return b.String(), true
}

// masked is src with the spans, and every tag, written over with blanks,
// so that a value is looked for only in text still kept.
// blanked is src with the spans written as blanks.
func blanked(src string, spans [][2]int) string {
	b := []byte(src)
	for _, sp := range spans {
		for i := sp[0]; i < sp[1]; i++ {
			b[i] = ' '
		}
	}
	return string(b)
}

func masked(src string, spans [][2]int) string {
	b := []byte(src)
	for _, sp := range spans {
		for i := sp[0]; i < sp[1]; i++ {
			b[i] = ' '
		}
	}
	in := false
	for i, c := range b {
		switch {
		case c == '<':
			in = true
		case c == '>':
			in = false
			b[i] = ' '
			continue
		}
		if in {
			b[i] = ' '
		}
	}
	return string(b)
}

// onlyDialIn reports whether an element to be removed holds nothing but
// dial-in parts: no http(s) link other than the dial-in link.
func onlyDialIn(el string, from block.Block) bool {
	for _, s := range linkSpans(el) {
		if !sameLink(linkAt(el, s, html.UnescapeString), from.DialInURL) {
			return false
		}
	}
	return true
}

// dialInAnchor returns the span to remove for the dial-in link: its
// element where the <a> is all the element shows, else the <a> and the
// " | " that joins it to another link.
func dialInAnchor(src, lower string, match func(string) bool) (int, int, bool) {
	for _, s := range linkSpans(src) {
		if !match(linkAt(src, s, html.UnescapeString)) {
			continue
		}
		as, ae := anchorAround(src, s[0], s[1])
		if as < 0 {
			return 0, 0, false
		}
		if es, ee := numberElement(lower, as); es >= 0 && ee >= ae && visibleText(src[es:as]+src[ae:ee]) == "" {
			return es, ee, true
		}
		if sep := separatorBefore(src, as); sep < as {
			return sep, ae, true
		}
		return as, separatorAfter(src, ae), true
	}
	return 0, 0, false
}

// visibleText is the text an HTML fragment shows, blanks and bars trimmed.
func visibleText(el string) string {
	var b strings.Builder
	in := false
	for _, r := range el {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.Trim(html.UnescapeString(b.String()), " \t\r\n\u00a0|")
}

// headingBefore returns the element that ends just before offset at, where
// it is a heading (see isHeading), with the blank elements between it and
// at (Word's spacer paragraphs), else -1.
func headingBefore(src, lower string, at int) (int, int) {
	end := at
	for range maxSpacers + 1 {
		i := end
		for i > 0 && strings.ContainsRune(" \t\r\n", rune(src[i-1])) {
			i--
		}
		if i == 0 || src[i-1] != '>' {
			return -1, -1
		}
		s, e := numberElement(lower, i-1)
		if s < 0 || e != i || strings.Contains(lower[s:e], "<a ") {
			return -1, -1
		}
		switch t := visibleText(src[s:e]); {
		case isHeading(t):
			return s, at
		case t != "":
			return -1, -1
		}
		end = s // a blank element: look before it
	}
	return -1, -1
}

// maxSpacers bounds the blank elements looked past for a heading.
const maxSpacers = 4

// joinBlankGaps joins spans whose gap shows nothing (Word's spacer
// paragraphs between the dial-in lines) and holds whole elements only, so
// that removing it keeps the markup balanced.
func joinBlankGaps(src string, spans [][2]int) [][2]int {
	var out [][2]int
	for _, sp := range spans {
		if n := len(out); n > 0 {
			gap := src[out[n-1][1]:sp[0]]
			if visibleText(gap) == "" && !strings.Contains(gap, "<a ") && !strings.Contains(gap, "<img") && balanced(gap) {
				out[n-1][1] = sp[1]
				continue
			}
		}
		out = append(out, sp)
	}
	return out
}

// balanced reports whether every element an HTML fragment opens it also
// closes, in order, and it closes none it did not open.
func balanced(frag string) bool {
	var open []string
	for i := 0; i < len(frag); i++ {
		if frag[i] != '<' {
			continue
		}
		end := strings.IndexByte(frag[i:], '>')
		if end < 0 {
			return false
		}
		tag := frag[i+1 : i+end]
		i += end
		closing := strings.HasPrefix(tag, "/")
		name := strings.ToLower(strings.TrimPrefix(tag, "/"))
		if k := strings.IndexAny(name, " \t\r\n/"); k >= 0 {
			name = name[:k]
		}
		switch {
		case name == "" || strings.HasPrefix(name, "!"):
			return false // not an element this reads
		case strings.HasSuffix(tag, "/") || name == "br" || name == "img" || name == "meta" || name == "hr":
		case closing:
			if len(open) == 0 || open[len(open)-1] != name {
				return false
			}
			open = open[:len(open)-1]
		default:
			open = append(open, name)
		}
	}
	return len(open) == 0
}

// barAfter returns the offset of a "|" that is the next text shown after
// offset i (past tags, blanks and no-break spaces), else -1.
func barAfter(src string, i int) int {
	for i < len(src) {
		switch {
		case src[i] == '<':
			end := strings.IndexByte(src[i:], '>')
			if end < 0 {
				return -1
			}
			i += end + 1
		case strings.IndexByte(" \t\r\n", src[i]) >= 0:
			i++
		case strings.HasPrefix(src[i:], "&nbsp;"):
			i += len("&nbsp;")
		case strings.HasPrefix(src[i:], "\u00a0"):
			i += len("\u00a0")
		case src[i] == '|':
			return i
		default:
			return -1
		}
	}
	return -1
}

// mergeSpans sorts spans and joins those that overlap.
func mergeSpans(spans [][2]int) [][2]int {
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	var out [][2]int
	for _, s := range spans {
		if n := len(out); n > 0 && s[0] <= out[n-1][1] {
			out[n-1][1] = max(out[n-1][1], s[1])
			continue
		}
		out = append(out, s)
	}
	return out
}

// addsDialIn reports whether the change gives dial-in to a Teams block
// that shows none.
func addsDialIn(from block.Block, to block.Spec) bool {
	return from.Provider == block.ProviderTeams && to.Provider == block.ProviderTeams && !hasDialIn(from) && specHasDialIn(to)
}

// withDialIn is the block with the dial-in part of to.
func withDialIn(b block.Block, to block.Spec) block.Block {
	b.ConferenceID, b.TollNumbers, b.TollFreeNumbers, b.DialInURL = to.ConferenceID, to.TollNumbers, to.TollFreeNumbers, to.DialInURL
	return b
}

// addDialInText adds Teams' dial-in lines, in the block's language, where
// Teams writes them: after the join link, the Meeting ID and passcode
// that follow it and the "Download Teams | Join on the web" line (the 2022
// block); in the 2024 block, after the short rule under them, in that
// block's words. A block double-spaced from its join link gets a blank
// line after each. It reports false where the join link is not found.
func addDialInText(src string, from block.Block, to block.Spec) (string, bool) {
	lines := strings.SplitAfter(src, "\n")
	join := -1
	for i, l := range lines {
		if slices.ContainsFunc(linkSpans(l), func(s [2]int) bool { return sameMeeting(linkAt(l, s, noEscape), from.JoinURL) }) {
			join = i
			break
		}
	}
	if join < 0 || !strings.HasSuffix(lines[join], "\n") {
		return "", false
	}
	at := join
	for i := join + 1; i < len(lines) && i <= join+4; i++ {
		if from.MeetingNumber != "" && replaceDigitsAs(lines[i], digitsOnly(from.MeetingNumber), "\x00") != lines[i] ||
			from.Passcode != "" && replaceWord(lines[i], from.Passcode, "\x00") != lines[i] {
			at = i
		}
	}
	next := func(is func(string) bool) bool {
		i := at + 1
		for i < len(lines) && i <= at+2 && strings.TrimSpace(lines[i]) == "" {
			i++
		}
		if i < len(lines) && strings.HasSuffix(lines[i], "\n") && is(lines[i]) {
			at = i
			return true
		}
		return false
	}
	next(func(l string) bool {
		return slices.ContainsFunc(linkSpans(l), func(s [2]int) bool { return block.IsAppLink(linkAt(l, s, noEscape)) })
	})
	dialIn := block.DialInText
	if next(isShortRule) {
		dialIn = block.DialInText2024
	}
	blank := ""
	if join+1 < len(lines) && strings.TrimSpace(lines[join+1]) == "" && strings.HasSuffix(lines[join+1], "\n") {
		blank = lines[join+1] // a double-spaced block
	}
	var b strings.Builder
	for _, l := range dialIn(to) {
		b.WriteString(l)
		b.WriteString(blank)
	}
	head := strings.Join(lines[:at+1], "")
	if at+1 < len(lines) && blank != "" && lines[at+1] == blank {
		head += blank
	}
	rest := src[len(head):]
	if !strings.HasSuffix(head, "\n") { // the block ends the body: its last line has no line break
		head += "\n"
	}
	return head + b.String() + rest, true
}

// isShortRule tells the short rule of the 2024 block under the passcode
// ("________________________________"), not the block's own rules.
func isShortRule(l string) bool {
	t := strings.TrimSpace(l)
	return len(t) >= 16 && len(t) < 60 && strings.Trim(t, "_") == ""
}

// addDialInHTML is addDialInText for an HTML block: after the element of
// the join link (and of the Meeting ID, the passcode and the app links
// after it), in paragraphs like the join link's where the block is written
// in paragraphs, else in Teams' elements; in the 2024 block after the
// empty element of its short rule, in that block's elements.
func addDialInHTML(src string, from block.Block, to block.Spec) (string, bool) {
	lower := block.LowerSameLength(src)
	k := -1
	for _, s := range linkSpans(src) {
		if sameMeeting(linkAt(src, s, html.UnescapeString), from.JoinURL) {
			k = s[0]
			break
		}
	}
	if k < 0 {
		return "", false
	}
	start, end := numberElement(lower, k)
	if start < 0 {
		return "", false
	}
	joinEl := src[start:end]
	for _, v := range []string{groupedOrAs(src[end:], from.MeetingNumber), html.EscapeString(from.Passcode)} {
		if v == "" {
			continue
		}
		if i := strings.Index(src[end:], v); i >= 0 && i < 2000 {
			if _, e := numberElement(lower, end+i); e > end {
				end = e
			}
		}
	}
	for _, s := range linkSpans(src[end:min(len(src), end+2000)]) {
		if block.IsAppLink(linkAt(src[end:], s, html.UnescapeString)) {
			if es, ee := numberElement(lower, end+s[0]); es >= end && visibleText(src[end:es]) == "" {
				end = ee
			}
			break
		}
	}
	if e := emptyElementAfter(lower, end); e > end {
		return src[:e] + block.DialInHTML2024(to) + src[e:], true
	}
	startTag, endTag := "", ""
	if gt := strings.IndexByte(joinEl, '>'); gt >= 0 && isStartTag(strings.ToLower(joinEl), 0, "<p") {
		startTag, endTag = joinEl[:gt+1], "</p>"
	}
	return src[:end] + block.DialInHTML(to, startTag, endTag) + src[end:], true
}

// emptyElementAfter returns the end of a <div> that follows offset i
// (past blanks) and holds nothing, as the 2024 block's short rule is
// written; else i.
func emptyElementAfter(lower string, i int) int {
	j := i
	for j < len(lower) && strings.IndexByte(" \t\r\n", lower[j]) >= 0 {
		j++
	}
	if !isStartTag(lower, j, "<div") {
		return i
	}
	gt := strings.IndexByte(lower[j:], '>')
	if gt < 0 || !strings.HasPrefix(strings.TrimLeft(lower[j+gt+1:], " \t\r\n"), "</div>") {
		return i
	}
	close := strings.Index(lower[j:], "</div>")
	return j + close + len("</div>")
}

// groupedOrAs returns the Meeting ID as src writes it: as given, else its
// digits run together; "" when neither is there.
func groupedOrAs(src, id string) string {
	switch {
	case id == "":
		return ""
	case strings.Contains(src, id):
		return id
	case strings.Contains(src, digitsOnly(id)):
		return digitsOnly(id)
	}
	return ""
}

// conferenceIDElement returns the element to remove for the conference ID
// at offset k: its <div>, <p> or <tr> where that holds only dial-in parts
// and little text, else its <span> with the label <span> before it
// ("Phone Conference ID:"), as Teams' 2022 markup writes them loose in
// the block's container.
func conferenceIDElement(src, lower string, k int, from block.Block) (int, int) {
	if s, e := numberElement(lower, k); s >= 0 && onlyDialIn(src[s:e], from) && len(visibleText(src[s:e])) <= 100 {
		return s, e
	}
	s, e := enclosing(lower, k, "span")
	if s < 0 {
		return -1, -1
	}
	i := s
	for i > 0 && strings.IndexByte(" \t\r\n", src[i-1]) >= 0 {
		i--
	}
	if strings.HasSuffix(lower[:i], "</span>") {
		if ls, le := enclosing(lower, i-1, "span"); ls >= 0 && le == i && strings.HasSuffix(visibleText(src[ls:le]), ":") {
			s = ls
		}
	}
	return s, e
}
