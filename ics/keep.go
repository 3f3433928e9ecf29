package ics

import (
	"html"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mms-project/mms/ics/block"
)

// keepText writes the new block as the old block of a plain-text body with
// only the values the change changes replaced: the join link and the
// links tied to it, the dial-in link, the conference ID, the Meeting ID and
// the passcode. Labels, language, order, "Reset PIN", "Learn more" and
// help links stay as the organiser's client wrote them; "Meeting options"
// names the old meeting, so it goes when the join link changes.
//
// Dial-in dropped (dialin-disabled) is removed in place (dropDialInText),
// and dial-in given to a Teams block without any is added after its join
// link (addDialInText). It reports false where a value would have to be
// added or removed rather than replaced (a move to another service,
// numbers added or removed, a Meeting ID with no new one), or where the
// edited block does not read back as spec says: the caller then renders a
// whole block in the old block's language.
func keepText(f *block.Finder, old string, from block.Block, to block.Spec) (string, bool) {
	out, ok := keep(old, from, to, false)
	if !ok {
		return "", false
	}
	got, found := f.FindText(out)
	return out, found && readsAs(got, to)
}

// keepHTML is keepText for an HTML body.
func keepHTML(f *block.Finder, old string, from block.Block, to block.Spec) (string, bool) {
	out, ok := keep(old, from, to, true)
	if !ok && strings.IndexByte(old, '\n') >= 0 {
		// Outlook wraps its HTML's source at blanks ("<a\nhref", "+1\n323-849-4874"):
		// a line break there is a blank, and the block's edits read it as one
		out, ok = keep(strings.NewReplacer("\r\n", " ", "\n", " ").Replace(old), from, to, true)
	}
	if !ok {
		return "", false
	}
	got, found := f.FindHTML(out)
	if !found && !strings.Contains(out, "<pre") {
		// a block inside <pre> (an HTML body that is the text
		// invitation) reads only as there, its line breaks lines
		if _, alone := f.FindHTML(old); !alone {
			got, found = f.FindHTML("<pre>" + out + "</pre>")
		}
	}
	return out, found && readsAs(got, to)
}

// replaceable reports whether every change from the old block to spec is
// a value replaced in place.
func replaceable(from block.Block, to block.Spec, isHTML bool) bool {
	switch {
	case replacesDialIn(from, to):
		from = withDialIn(withoutDialIn(from), to) // removed, then added, in place first
	case dropsDialIn(from, to):
		from = withoutDialIn(from) // removed in place first
	case addsDialIn(from, to):
		from = withDialIn(from, to) // added in place first
	}
	from = withParts(from, to)
	same := func(a, b string) bool { return (a == "") == (b == "") }
	dropsID := from.MeetingNumber != "" && to.MeetingNumber == "" && to.Passcode == ""
	addsID := from.Provider == block.ProviderTeams && from.MeetingNumber == "" && from.Passcode == "" && to.MeetingNumber != ""
	sameNumbers := slices.Equal(from.TollNumbers, to.TollNumbers) && slices.Equal(from.TollFreeNumbers, to.TollFreeNumbers)
	numbersInPlace := (from.Provider == block.ProviderTeams || from.Provider == block.ProviderSkype) && len(from.TollNumbers)+len(from.TollFreeNumbers) > 0 &&
		len(to.TollNumbers)+len(to.TollFreeNumbers) > 0
	return from.Provider == to.Provider &&
		same(from.ConferenceID, to.ConferenceID) && same(from.DialInURL, to.DialInURL) &&
		(dropsID || addsID || same(from.MeetingNumber, to.MeetingNumber) && same(from.Passcode, to.Passcode)) &&
		(sameNumbers || numbersInPlace)
}

func keep(src string, from block.Block, to block.Spec, isHTML bool) (string, bool) {
	if !replaceable(from, to, isHTML) {
		return "", false
	}
	// Parts removed or added come first, each by its text or HTML edit.
	step := func(text, markup func(string, block.Block, block.Spec) (string, bool), after block.Block) bool {
		edit := text
		if isHTML {
			edit = markup
		}
		var ok bool
		src, ok = edit(src, from, to)
		from = after
		return ok
	}
	dropText := func(src string, from block.Block, _ block.Spec) (string, bool) { return dropDialInText(src, from) }
	dropHTML := func(src string, from block.Block, _ block.Spec) (string, bool) { return dropDialInHTML(src, from) }
	if replacesDialIn(from, to) && !step(dropText, dropHTML, withoutDialIn(from)) {
		return "", false
	}
	if dropsDialIn(from, to) && !step(dropText, dropHTML, withoutDialIn(from)) {
		return "", false
	}
	if addsDialIn(from, to) && !step(addDialInText, addDialInHTML, withDialIn(from, to)) {
		return "", false
	}
	for addsConferenceID(from, to) || addsDialInURL(from, to) {
		if !step(addPartText, addPartHTML, withPart(from, to)) {
			return "", false
		}
	}
	esc := noEscape
	unesc := esc
	if isHTML {
		esc, unesc = html.EscapeString, html.UnescapeString
	}
	if !slices.Equal(from.TollNumbers, to.TollNumbers) || !slices.Equal(from.TollFreeNumbers, to.TollFreeNumbers) {
		numbers := keepNumbers
		switch {
		case from.Provider == block.ProviderSkype && isHTML:
			numbers = keepNumbersSkypeHTML
		case from.Provider == block.ProviderSkype:
			numbers = keepNumbersSkypeText
		case isHTML:
			numbers = keepNumbersHTML
		}
		var ok bool
		if src, ok = numbers(src, from, to); !ok {
			return "", false
		}
	}
	if !sameLink(from.JoinURL, to.JoinURL) {
		if !sameMeeting(from.JoinURL, to.JoinURL) { // the options name the meeting's thread
			src = dropMeetingOptions(src, unesc, isHTML)
		}
		old := sameMeetingAs(from.JoinURL)
		src = replaceLinksWith(src, unesc, func(l string) (string, bool) {
			if !block.IsJoinLink(l) && !old(l) {
				return "", false
			}
			return esc(webAppLink(l, from.JoinURL, to.JoinURL)), true
		})
	}
	if from.DialInURL != to.DialInURL {
		src = replaceLinks(src, unesc, sameLinkAs(from.DialInURL), esc(to.DialInURL))
	}
	if from.ConferenceID != to.ConferenceID {
		src = replaceDigits(src, from.ConferenceID, to.ConferenceID)
	}
	if from.MeetingNumber == "" && to.MeetingNumber != "" { // a meeting of its own: add them after the join link
		return addMeetingID(src, to, isHTML)
	}
	if from.MeetingNumber != "" && to.MeetingNumber == "" { // the new link comes without them
		drop := dropLineWith
		if isHTML {
			drop = dropElementWith
		}
		src = drop(src, replaceDigits(src, digitsOnly(from.MeetingNumber), "\x00"))
		src = drop(src, replaceWord(src, esc(from.Passcode), "\x00"))
		return src, true
	}
	if from.MeetingNumber != to.MeetingNumber {
		src = replaceDigitsAs(src, digitsOnly(from.MeetingNumber), to.MeetingNumber)
	}
	if from.Passcode != to.Passcode {
		src = replaceWord(src, esc(from.Passcode), esc(to.Passcode))
	}
	return src, true
}

// readsAs reports whether a block found in an edited body says what spec
// says.
func readsAs(b block.Block, s block.Spec) bool {
	return b.Provider == s.Provider && sameLink(b.JoinURL, s.JoinURL) && b.ConferenceID == s.ConferenceID &&
		sameLink(b.DialInURL, s.DialInURL) && b.MeetingNumber == s.MeetingNumber && b.Passcode == s.Passcode &&
		slices.Equal(b.TollNumbers, s.TollNumbers) && slices.Equal(b.TollFreeNumbers, s.TollFreeNumbers)
}

// linkSpans returns the offsets of every http(s) link written in src. A
// link in angle brackets may run over a line break or two (Outlook's hard
// wrap of a plain-text body): its span then holds them, and linkAt reads
// it without them.
func linkSpans(src string) [][2]int {
	var spans [][2]int
	broken := brokenScheme(src, 0) // the next, found once per stretch
	for i := 0; i < len(src); {
		k := strings.Index(src[i:], "http")
		if broken >= 0 && broken < i {
			broken = brokenScheme(src, i)
		}
		if broken >= 0 && (k < 0 || broken < i+k) {
			k = broken - i
		}
		if k < 0 {
			break
		}
		start := i + k
		if start >= 2 && src[start-1] == '\n' && (src[start-2] == '<' || start >= 3 && src[start-2] == '\r' && src[start-3] == '<') {
			start = strings.LastIndexByte(src[:start], '<') + 1 // wrapped right after its '<'
		}
		if end, ok := wrappedEnd(src, start); ok {
			spans = append(spans, [2]int{start, end})
			i = end
			continue
		}
		end := start
		for end < len(src) && !isLinkEnd(src[end]) && !bracketEntityAt(src, end) {
			end++
		}
		if l := src[start:end]; strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") {
			spans = append(spans, [2]int{start, end})
		}
		i = max(end, start+4)
	}
	return spans
}

// brokenScheme is the offset of the first link from src[i:] on that a
// hard wrap breaks within its scheme ("<ht\ntps://...>", as Outlook wraps
// a text body at its width), which a search for "http" misses; -1 when
// there is none.
func brokenScheme(src string, i int) int {
	for {
		k := strings.Index(src[i:], "<h")
		if k < 0 {
			return -1
		}
		start := i + k + 1
		head := src[start:min(len(src), start+10)]
		if strings.IndexByte(head, '\n') >= 0 && strings.HasPrefix(lineBreaks.Replace(head), "http") {
			return start
		}
		i = start
	}
}

// bracketEntityAt reports whether src[i:] starts an HTML entity that ends
// a bare link: an angle bracket, a quote or a no-break space written as an
// entity ("&lt;https://...&gt;" in an HTML body), which a link's own '&'
// never is.
func bracketEntityAt(src string, i int) bool {
	if src[i] != '&' {
		return false
	}
	for _, e := range [...]string{"&gt;", "&lt;", "&quot;", "&nbsp;", "&#62;", "&#60;", "&#160;", "&GT;", "&LT;"} {
		if strings.HasPrefix(src[i:], e) {
			return true
		}
	}
	return false
}

// wrappedEnd returns the end of an angle-bracketed link that starts at
// src[start] and runs over one to block.MaxLinkBreaks line breaks, before
// its '>'.
func wrappedEnd(src string, start int) (int, bool) {
	if start == 0 || src[start-1] != '<' {
		return 0, false
	}
	end := strings.IndexAny(src[start:], "<> \t")
	if end < 0 || src[start+end] != '>' {
		return 0, false
	}
	n := strings.Count(src[start:start+end], "\n")
	return start + end, n > 0 && n <= block.MaxLinkBreaks
}

// lineBreaks drops the line breaks a hard wrap put into a link.
var lineBreaks = strings.NewReplacer("\r", "", "\n", "")

// linkAt is the link written at span s of src: line breaks of a wrapped
// link dropped, HTML unescaped by unesc, Safe Links unwrapped.
func linkAt(src string, s [2]int, unesc func(string) string) string {
	l := src[s[0]:s[1]]
	if strings.ContainsAny(l, "\r\n") {
		l = lineBreaks.Replace(l)
	}
	return block.UnwrapSafeLink(unesc(l))
}

// noEscape is unesc for a plain-text body.
func noEscape(s string) string { return s }

// replaceLinks writes link in place of every link of src that match
// accepts (Safe Links unwrapped, HTML unescaped).
func replaceLinks(src string, unesc func(string) string, match func(string) bool, link string) string {
	return replaceLinksWith(src, unesc, func(l string) (string, bool) { return link, match(l) })
}

// replaceLinksWith is replaceLinks where the new link depends on the old:
// with returns it and whether l is replaced.
func replaceLinksWith(src string, unesc func(string) string, with func(l string) (string, bool)) string {
	var b strings.Builder
	prev := 0
	for _, s := range linkSpans(src) {
		if link, ok := with(linkAt(src, s, unesc)); ok {
			b.WriteString(src[prev:s[0]])
			b.WriteString(link)
			// Outlook's hard wrap at the link's end ("<...?id=4334578\n>")
			// stays; one inside it cannot keep its place in another link.
			if old := src[s[0]:s[1]]; strings.HasSuffix(old, "\r\n") {
				b.WriteString("\r\n")
			} else if strings.HasSuffix(old, "\n") {
				b.WriteString("\n")
			}
			prev = s[1]
		}
	}
	b.WriteString(src[prev:])
	return b.String()
}

func isSkype(link string) bool {
	p, ok := block.JoinProvider(link)
	return ok && p == block.ProviderSkype
}

// webAppLink is the link that replaces l, a link to the old meeting:
// the new join link, but for Skype's "Try Skype Web App" link (the join
// link with ?sl=1, which opens the meeting in the browser), which stays
// that link of the new meeting.
func webAppLink(l, oldJoin, newJoin string) string {
	const webApp = "?sl=1"
	if len(l) > len(webApp) && strings.EqualFold(l[len(l)-len(webApp):], webApp) && !strings.Contains(oldJoin, "?") && !strings.Contains(newJoin, "?") &&
		isSkype(newJoin) {
		return newJoin + l[len(l)-len(webApp):]
	}
	return newJoin
}

// isMeetingOptions tells Teams' "Meeting options" link, which names the
// meeting's thread.
func isMeetingOptions(l string) bool {
	return strings.Contains(strings.ToLower(l), "/meetingoptions")
}

// dropMeetingOptions removes the "Meeting options" link and its label: in
// text "Meeting options <link>" and the " | " that joins it to the link
// before it, in HTML the <a> element and that separator.
func dropMeetingOptions(src string, unesc func(string) string, isHTML bool) string {
	for from, n := 0, len(linkSpans(src)); n > 0; n-- { // each pass removes one link or moves past it
		var s [2]int
		found := false
		for _, sp := range linkSpans(src[from:]) {
			if isMeetingOptions(linkAt(src[from:], sp, unesc)) {
				s, found = [2]int{from + sp[0], from + sp[1]}, true
				break
			}
		}
		if !found {
			return src
		}
		start, end := labelledLink(src, s[0], s[1])
		if isHTML {
			start, end = anchorAround(src, s[0], s[1])
		}
		if start < 0 {
			from = s[1]
			continue
		}
		// The first of a line's links ("For organizers: Meeting options |
		// Reset dial-in PIN") goes with the separator after it, a label of
		// the line's own staying; alone on its line, it goes with the line.
		after := separatorAfter(src, end)
		switch before := separatorBefore(src, start); {
		case before != start:
			start = before
		case isHTML && after == end:
			end = separatorElementAfter(src, end)
		case isHTML:
			end = after
		case after != end:
			start, end = afterSectionLabel(src, start, s[0]), after
		case !isHTML:
			start, end = lineWithLabel(src, start, end)
		}
		src, from = src[:start]+src[end:], start
		if isHTML {
			src, from = dropBareLabel(src, start)
		}
	}
	return src
}

// dropBareLabel removes the innermost <div> or <p> around offset k of an
// HTML src when all it shows is a label ("For organizers:"), its links
// removed, and returns where the removal leaves k.
func dropBareLabel(src string, k int) (string, int) {
	lower := block.LowerSameLength(src)
	for _, name := range []string{"div", "p"} {
		s, e := enclosing(lower, k, name)
		if s < 0 {
			continue
		}
		inner := src[s:e]
		if strings.Contains(lower[s:e], "<a ") || strings.Contains(lower[s+1:e], "<"+name) {
			return src, k
		}
		if t := visibleText(inner); t != "" && len(t) <= 60 && strings.HasSuffix(t, ":") {
			return src[:s] + src[e:], s
		}
		return src, k
	}
	return src, k
}

// lineWithLabel widens a text line's "Meeting options: <link>", alone on
// its line from start, to the line and its line break, and to the label
// of the organisers' section alone on the line above ("For organisers",
// "Voor organisatoren") where it heads nothing else: the line below is
// blank, a rule or the end.
func lineWithLabel(src string, start, end int) (int, int) {
	lineEnd := len(src)
	if k := strings.IndexByte(src[end:], '\n'); k >= 0 {
		lineEnd = end + k + 1
	}
	if strings.TrimSpace(src[end:lineEnd]) != "" || start > 0 && src[start-1] != '\n' {
		return start, end
	}
	below := src[lineEnd:]
	if k := strings.IndexByte(below, '\n'); k >= 0 {
		below = below[:k]
	}
	if below = strings.TrimSpace(below); start > 0 && (below == "" || strings.Trim(below, "_-") == "") {
		above := strings.LastIndexByte(src[:start-1], '\n') + 1
		label := strings.TrimSpace(src[above:start])
		// "For organisers", "Für Organisatoren", "Dla organizatorów": a word
		// or two before the organisers ("Organiser notes" is the organiser's)
		lower := strings.ToLower(strings.TrimRight(label, ":： "))
		if k := strings.Index(lower, "organi"); k > 0 && len(strings.Fields(lower)) <= 4 && utf8.RuneCountInString(label) <= 40 && !strings.ContainsAny(label, "0123456789<>/|") {
			start = above
		}
	}
	return start, lineEnd
}

// afterSectionLabel moves the start of a text line's "Label <link>" past a
// label of the line's own that ends in ": " ("For organizers: Meeting
// options <...> | Reset dial-in PIN <...>"), which stays.
func afterSectionLabel(src string, start, link int) int {
	if k := strings.Index(src[start:link], ": "); k >= 0 {
		return start + k + len(": ")
	}
	return start
}

// separatorElementAfter moves end over an HTML element of its own that
// holds only a " | " ("<span style=...> | </span>") joining the removed
// link to the one after it.
func separatorElementAfter(src string, end int) int {
	i := end
	for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\r' || src[i] == '\n') {
		i++
	}
	if !strings.HasPrefix(block.LowerSameLength(src[i:min(len(src), i+6)]), "<span") {
		return end
	}
	gt := strings.IndexByte(src[i:], '>')
	closing := strings.Index(block.LowerSameLength(src[i:]), "</span>")
	if gt < 0 || closing < gt {
		return end
	}
	inner := strings.NewReplacer("&nbsp;", " ", "\u00a0", " ").Replace(src[i+gt+1 : i+closing])
	if strings.TrimSpace(inner) != "|" {
		return end
	}
	return i + closing + len("</span>")
}

// labelledLink returns the span of "Label <link>" in a text line: from
// after the last '|' (or the line's start) before the link to the '>'
// after it. A link that Outlook's hard wrap moved to a line of its own
// ("Learn More <...> | Meeting options" then "<https://...>") takes its
// label, and the line break, from the line before.
func labelledLink(src string, s, e int) (int, int) {
	if e < len(src) && src[e] == '>' {
		e++
	}
	lineStart := strings.LastIndexByte(src[:s], '\n') + 1
	if lineStart > 0 && strings.TrimSpace(src[lineStart:s]) == "<" {
		prevStart := strings.LastIndexByte(src[:lineStart-1], '\n') + 1
		label := src[prevStart : lineStart-1]
		if k := strings.LastIndexByte(label, '|'); k >= 0 {
			label, prevStart = label[k+1:], prevStart+k+1
		}
		if t := strings.TrimSpace(label); t != "" && !strings.ContainsAny(t, "<>") {
			return prevStart, e
		}
	}
	start := lineStart
	if k := strings.LastIndexByte(src[lineStart:s], '|'); k >= 0 {
		start = lineStart + k + 1
	}
	return start, e
}

// anchorAround returns the span of the <a> element whose attribute holds
// src[s:e], or -1.
func anchorAround(src string, s, e int) (int, int) {
	lower := block.LowerSameLength(src) // offsets in it are offsets in src (strings.ToLower moves them: "İ")
	start := lastAnchorOpen(lower[:s])
	endTag := strings.Index(lower[e:], "</a>")
	if start < 0 || endTag < 0 || strings.Contains(src[start:s], ">") || lastAnchorOpen(lower[e:e+endTag]) >= 0 {
		return -1, -1
	}
	return start, e + endTag + len("</a>")
}

// lastAnchorOpen is the offset of the last "<a" followed by white space
// in lower ("<a href", or "<a\nhref" where Outlook wrapped its HTML's
// source), -1 when there is none.
func lastAnchorOpen(lower string) int {
	for end := len(lower); ; {
		k := strings.LastIndex(lower[:end], "<a")
		if k < 0 {
			return -1
		}
		if k+2 < len(lower) && strings.IndexByte(" \t\r\n", lower[k+2]) >= 0 {
			return k
		}
		end = k
	}
}

// separatorBefore moves start back over a " | " (with any blanks or
// &nbsp;) that joins the removed link to the one before it.
func separatorBefore(src string, start int) int {
	i := start
	trim := func() {
		for {
			switch {
			case i > 0 && (src[i-1] == ' ' || src[i-1] == '\t'):
				i--
			case strings.HasSuffix(src[:i], "&nbsp;"):
				i -= len("&nbsp;")
			case strings.HasSuffix(src[:i], "\u00a0"):
				i -= len("\u00a0")
			default:
				return
			}
		}
	}
	trim()
	if i > 0 && src[i-1] == '|' {
		i--
		trim()
		return i
	}
	return start
}

// replaceDigits writes repl in place of every run of the digits of old in
// src, single blanks between them allowed, that no other digit touches.
// A run written with blanks gets repl grouped by threes (as "580 849 884"),
// unless repl holds blanks of its own.
func replaceDigits(src, old, repl string) string {
	return replaceRun(src, old, repl, true)
}

// replaceDigitsAs is replaceDigits writing repl as given: a Meeting ID is
// shown as the row that gives it writes it.
func replaceDigitsAs(src, old, repl string) string {
	return replaceRun(src, old, repl, false)
}

func replaceRun(src, old, repl string, regroup bool) string {
	if old == "" {
		return src
	}
	var b strings.Builder
	prev := 0
	for i := 0; i < len(src); i++ {
		if src[i] != old[0] || i > 0 && isDigit(src[i-1]) {
			continue
		}
		end, sep, ok := digitRun(src, i, old)
		if !ok {
			continue
		}
		b.WriteString(src[prev:i])
		switch {
		case !regroup:
			b.WriteString(repl)
		case sep != "" && !strings.Contains(repl, " "):
			b.WriteString(strings.ReplaceAll(groupByThree(repl), " ", sep))
		case sep == "":
			b.WriteString(digitsOnly(repl))
		default:
			b.WriteString(strings.ReplaceAll(repl, " ", sep))
		}
		prev, i = end, end-1
	}
	b.WriteString(src[prev:])
	return b.String()
}

// digitRun matches the digits of old at src[i:], a blank allowed between
// any two, and no digit after the last; sep is the first blank, "" when
// none. A blank is a space or a no-break space, also as HTML writes it
// (&nbsp;, as Outlook groups a conference ID). A run that a blank joins to
// more digits on either side is part of a longer number ("123 456 789" in
// the Meeting ID "123 456 789 012"), not old.
func digitRun(src string, i int, old string) (end int, sep string, ok bool) {
	if n := blankBefore(src, i); n > 0 && i-n >= 1 && isDigit(src[i-n-1]) {
		return 0, "", false
	}
	j := i
	for k := 0; k < len(old); k++ {
		if n := blankAt(src, j); k > 0 && n > 0 {
			// a line break between digits is a blank, never written as
			// one: a run broken only by it is not spaced, and is written
			// whole ("tel:...,,600000\n410#")
			if b := src[j : j+n]; b[n-1] != '\n' && sep == "" {
				sep = b
			}
			j += n
		}
		if j >= len(src) || src[j] != old[k] {
			return 0, "", false
		}
		j++
	}
	if j < len(src) && isDigit(src[j]) {
		return 0, "", false
	}
	if n := blankAt(src, j); n > 0 && j+n < len(src) && isDigit(src[j+n]) {
		return 0, "", false
	}
	return j, sep, true
}

// blanks are what may stand between a number's digits: a space, a
// no-break space (also the narrow one French writes, U+202F), HTML's
// entities for them, and a line break (where
// Outlook wraps a text body, or the source of its HTML, at a space).
var blanks = []string{" ", "\u00a0", "&nbsp;", "&#160;", "&#xa0;", "&#xA0;", "\u202f", "&#8239;", "&#x202f;", "&#x202F;", "\r\n", "\n"}

// blankAt is the length of the blank at src[j:], 0 when there is none.
func blankAt(src string, j int) int {
	if j >= len(src) {
		return 0
	}
	switch src[j] {
	case ' ', '\n':
		return 1
	case 0xc2, 0xe2, '&', '\r':
		for _, b := range blanks[1:] {
			if strings.HasPrefix(src[j:], b) {
				return len(b)
			}
		}
	}
	return 0
}

// blankBefore is the length of the blank that ends at src[:i], 0 when
// there is none.
func blankBefore(src string, i int) int {
	for _, b := range blanks {
		if strings.HasSuffix(src[:i], b) {
			return len(b)
		}
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordByte(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// groupByThree writes digits in groups of three from the right.
func groupByThree(id string) string {
	var b strings.Builder
	for i := range len(id) {
		if i > 0 && (len(id)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(id[i])
	}
	return b.String()
}

// replaceWord writes repl in place of every occurrence of old that no
// letter or digit touches.
func replaceWord(src, old, repl string) string {
	if old == "" {
		return src
	}
	var b strings.Builder
	prev := 0
	for i := 0; i+len(old) <= len(src); {
		k := strings.Index(src[i:], old)
		if k < 0 {
			break
		}
		s, e := i+k, i+k+len(old)
		if (s == 0 || !isWordByte(src[s-1])) && (e == len(src) || !isWordByte(src[e])) {
			b.WriteString(src[prev:s])
			b.WriteString(repl)
			prev = e
		}
		i = e
	}
	b.WriteString(src[prev:])
	return b.String()
}

func htmlUnescape(s string) string { return html.UnescapeString(s) }

// dropLineWith removes from src the first line that marked (src with a
// value replaced by NUL) shows the value on: the Meeting ID or passcode
// line of a meeting whose new link comes without them.
func dropLineWith(src, marked string) string {
	k := strings.IndexByte(marked, 0)
	if k < 0 || strings.IndexByte(src, 0) >= 0 {
		return src
	}
	lines := strings.SplitAfter(marked, "\n")
	at := 0
	for _, l := range lines {
		if strings.IndexByte(l, 0) >= 0 {
			break
		}
		at += len(l)
	}
	// the line in src begins at the same offset: marked and src agree before the mark
	end := len(src)
	if e := strings.IndexByte(src[at:], '\n'); e >= 0 {
		end = at + e + 1
	}
	// a label alone on the line above ("Meeting ID:" / "244 929 170 838")
	// goes with its value (a review: "Meeting ID:" and "Passcode:" were
	// left with nothing under them)
	if above := strings.LastIndexByte(strings.TrimSuffix(src[:at], "\n"), '\n') + 1; at > 0 && above < at {
		label := strings.TrimFunc(src[above:at], func(r rune) bool { return unicode.IsSpace(r) || r == '\u00a0' })
		if (strings.HasSuffix(label, ":") || strings.HasSuffix(label, "：")) && len(label) <= 40 && !strings.Contains(label, "http") {
			at = above
		}
	}
	return src[:at] + src[end:]
}

// keepNumbers rewrites the number lines of a Teams plain-text block: a
// number the spec keeps keeps its line (and label); one it drops loses its
// line; a new one gets a line made like the first number line, with the
// label the change gives or "(Toll)". A number's line goes on with the
// line of its tel: link where Outlook's hard wrap put that on its own
// (see numberEnd). It reports false where the number lines cannot be told
// apart.
func keepNumbers(src string, from block.Block, to block.Spec) (string, bool) {
	lines := strings.SplitAfter(src, "\n")
	old := append(slices.Clone(from.TollNumbers), from.TollFreeNumbers...)
	at := make(map[string][2]int, len(old))
	first, last := len(lines), -1
	for _, n := range old {
		i := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, n) })
		if i < 0 {
			return "", false
		}
		at[n] = [2]int{i, numberEnd(lines, i)}
		first, last = min(first, i), max(last, at[n][1])
	}
	spans := make([][2]int, 0, len(old))
	for _, sp := range at {
		spans = append(spans, sp)
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	between, kept, ok := entryGaps(spans, func(a, b int) string { return strings.Join(lines[a:b], "") })
	if !ok || len(spans) < len(old) {
		return "", false // two numbers on one line
	}
	sep := numberSeparator(lines, spans)
	if len(old) > 1 && kept == "" {
		sep = strings.SplitAfter(between, "\n")
		sep = sep[:len(sep)-1]
	} else if kept != "" {
		sep = nil // the lines between the old numbers follow the new ones
	}
	entry := func(sp [2]int) string { return strings.Join(lines[sp[0]:sp[1]], "") }
	var region []string
	add := func(n, label string) bool {
		sp, kept := at[n]
		line, ok := entry(sp), true
		if !kept {
			line, ok = numberLine(entry(spans[0]), old[0], n, label)
		}
		if len(region) > 0 {
			region = append(region, sep...)
		}
		region = append(region, line)
		return ok
	}
	if !forNumbers(to, add) {
		return "", false
	}
	out := append(slices.Clone(lines[:first]), region...)
	rest := strings.Join(lines[last:], "")
	return strings.Join(out, "") + keptBefore(kept, rest) + rest, true
}

// forNumbers calls add with each number of spec and its label, the toll
// numbers first, and stops at the first false.
func forNumbers(to block.Spec, add func(n, label string) bool) bool {
	for _, n := range to.TollNumbers {
		if !add(n, to.TollLabel(n)) {
			return false
		}
	}
	for _, n := range to.TollFreeNumbers {
		if !add(n, to.TollFreeLabel(n)) {
			return false
		}
	}
	return true
}

// keptBefore is the lines kept from between old entries, written after
// the new ones and before rest: their trailing blank lines dropped where
// rest starts with one, so a double-spaced body stays double-spaced.
func keptBefore(kept, rest string) string {
	if !strings.HasPrefix(strings.TrimLeft(rest, " \t\r"), "\n") {
		return kept
	}
	lines := strings.SplitAfter(kept, "\n")
	end := len(lines)
	for end > 0 && strings.TrimSpace(lines[end-1]) == "" {
		end--
	}
	return strings.Join(lines[:end], "")
}

// numberSeparator returns the lines between two number entries (blank
// lines in a double-spaced body), their spans sorted: those between the
// first two, else the blank lines after the only one.
func numberSeparator(lines []string, spans [][2]int) []string {
	if len(spans) > 1 {
		return lines[spans[0][1]:spans[1][0]]
	}
	end := spans[0][1]
	for end < len(lines) && strings.TrimSpace(lines[end]) == "" {
		end++
	}
	return lines[spans[0][1]:end]
}

// numberLine makes the line of number n from the line of number old: the
// number and its digits in the tel: link replaced, the label after it
// (after the link's '>', else after the conference id's '#') replaced.
func numberLine(template, old, n, label string) (string, bool) {
	body := strings.TrimRight(template, " \t\r\n")
	trail := template[len(body):]
	cut := strings.LastIndexByte(body, '>')
	if cut < 0 {
		cut = strings.LastIndexByte(body, '#')
	}
	if cut < 0 || !strings.Contains(body[:cut], old) {
		return "", false
	}
	head, rest := body[:cut+1], body[cut+1:]
	gap := rest[:len(rest)-len(strings.TrimLeft(rest, " \t"))]
	if gap == "" {
		gap = "   "
	}
	head = strings.ReplaceAll(head, old, n)
	head = strings.ReplaceAll(head, "+"+block.DialDigits(old), "+"+block.DialDigits(n))
	return retel(head, old, n) + gap + label + trail, true
}

// retel points every tel: link in s that dials old at n, written "+" and
// its digits: a link may write the number as it is shown, its blanks
// escaped ("tel:+1%20323-849-4874,,123#"), which replacing the shown
// number or its digits does not reach.
func retel(s, old, n string) string {
	want := block.DialDigits(old)
	var b strings.Builder
	for {
		k := strings.Index(s, "tel:")
		if k < 0 {
			break
		}
		start := k + len("tel:")
		end := start
		for end < len(s) && !strings.ContainsRune(",;#<>\"' \t\r\n", rune(s[end])) {
			end++
		}
		number := s[start:end]
		if u, err := url.PathUnescape(number); err == nil {
			number = u
		}
		b.WriteString(s[:start])
		if block.DialDigits(number) == want {
			b.WriteString("+" + block.DialDigits(n))
		} else {
			b.WriteString(s[start:end])
		}
		s = s[end:]
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(s)
	return b.String()
}

// dropElementWith removes from an HTML src the innermost <div>, <p> or
// <tr> element that holds the first value marked (src with the value
// replaced by NUL) shows: a <p> inside a <div> is the <p>.
func dropElementWith(src, marked string) string {
	k := strings.IndexByte(marked, 0)
	if k < 0 || strings.IndexByte(src, 0) >= 0 {
		return src
	}
	if start, end := numberElement(block.LowerSameLength(src), k); start >= 0 {
		return src[:start] + src[end:]
	}
	return src
}

// enclosing returns the span of the innermost element of that name, in a
// lower-cased HTML source, whose start tag is before k and whose end tag is
// after it; -1 when there is none. It reads the tags once.
func enclosing(lower string, k int, name string) (int, int) {
	open, closing := "<"+name, "</"+name+">"
	var starts []int // the elements open where the walk is
	for i := 0; i < len(lower); {
		j := strings.IndexByte(lower[i:], '<')
		if j < 0 {
			break
		}
		i += j
		switch {
		case strings.HasPrefix(lower[i:], closing):
			if n := len(starts); n > 0 {
				s := starts[n-1]
				starts = starts[:n-1]
				if end := i + len(closing); s < k && end > k {
					return s, end // the first element around k to close is the innermost
				}
			}
			i += len(closing)
		case isStartTag(lower, i, open):
			starts = append(starts, i)
			i += len(open)
		default:
			i++
		}
	}
	return -1, -1
}

// hasStartTag reports whether a lower-cased HTML fragment holds the
// start tag open ("<div").
func hasStartTag(lower, open string) bool {
	for i := 0; ; i++ {
		k := strings.Index(lower[i:], open)
		if k < 0 {
			return false
		}
		if i += k; isStartTag(lower, i, open) {
			return true
		}
	}
}

// isStartTag reports whether lower[i:] starts the tag open ("<div") and
// not a longer name ("<divx").
func isStartTag(lower string, i int, open string) bool {
	after := i + len(open)
	return strings.HasPrefix(lower[i:], open) && after < len(lower) && strings.ContainsRune("> \t\r\n/", rune(lower[after]))
}

// keepNumbersHTML is keepNumbers for an HTML block: each number is the
// innermost <div>, <p> or <tr> that shows it; a new number's element is
// made like the first number's, with the number, its tel: digits and the
// label (the first text after the number's link) replaced.
func keepNumbersHTML(src string, from block.Block, to block.Spec) (string, bool) {
	old := append(slices.Clone(from.TollNumbers), from.TollFreeNumbers...)
	spans, first, last, ok := numberElements(src, old)
	if !ok {
		return "", false
	}
	sep := ""
	if len(old) > 1 {
		a, b := spans[old[0]], spans[old[1]]
		if a[1] <= b[0] {
			sep = src[a[1]:b[0]]
		}
	}
	template := src[spans[old[0]][0]:spans[old[0]][1]]
	var b strings.Builder
	add := func(n, label string) bool {
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		if sp, kept := spans[n]; kept {
			b.WriteString(src[sp[0]:sp[1]])
			return true
		}
		el, ok := numberElementFor(template, old[0], n, label)
		b.WriteString(el)
		return ok
	}
	if !forNumbers(to, add) {
		return "", false
	}
	return src[:first] + b.String() + src[last:], true
}

// numberElements returns the element of each number in an HTML src (the
// innermost <div>, <p> or <tr> that shows it) and the span from the first
// to the last; false where a number is not shown in one.
func numberElements(src string, numbers []string) (spans map[string][2]int, first, last int, ok bool) {
	lower := block.LowerSameLength(src)
	spans = make(map[string][2]int, len(numbers))
	first, last = len(src), -1
	for _, n := range numbers {
		k, _ := indexNumber(src, n)
		if k < 0 {
			return nil, 0, 0, false
		}
		s, e := numberElement(lower, k)
		if s < 0 {
			return nil, 0, 0, false
		}
		spans[n] = [2]int{s, e}
		first, last = min(first, s), max(last, e)
	}
	return spans, first, last, true
}

// numberElement returns the innermost <div>, <p> or <tr> around offset k;
// where that element (or a body with none) writes its lines with <br>,
// the line around k with the <br> that ends it (see brLine).
func numberElement(lower string, k int) (int, int) {
	best := [2]int{-1, -1}
	for _, name := range []string{"div", "p", "tr"} {
		if s, e := enclosing(lower, k, name); s >= 0 && s > best[0] {
			best = [2]int{s, e}
		}
	}
	if s, e := brLine(lower, k, best[0], best[1]); s >= 0 {
		return s, e
	}
	return best[0], best[1]
}

// brLine returns the line around offset k of the element lower[s:e] (the
// whole of lower where s < 0) whose lines are ended by <br>: from the end
// of the <br> before k to the end of the one after it (or the element's
// end tag). It returns -1 where the element holds no <br>, where the line
// is all the element shows, holds an element of its own (a <div>, <p> or
// <tr>: Teams' markup, whose elements are its lines), or does not close
// every element it opens.
func brLine(lower string, k, s, e int) (int, int) {
	cs, ce := 0, len(lower)
	if s >= 0 {
		cs, ce = s+strings.IndexByte(lower[s:e], '>')+1, s+strings.LastIndex(lower[s:e], "</")
	}
	start, end, found := cs, ce, false
	for i := cs; i < ce; {
		j := strings.Index(lower[i:ce], "<br")
		if j < 0 {
			break
		}
		i += j
		gt := strings.IndexByte(lower[i:ce], '>')
		if gt < 0 || !isStartTag(lower, i, "<br") {
			i += len("<br")
			continue
		}
		found, i = true, i+gt+1
		if i <= k {
			start = i
			continue
		}
		end = i
		break
	}
	line := lower[start:end]
	if !found || k < start || k >= end || !balanced(line) || visibleText(lower[cs:start]+lower[end:ce]) == "" ||
		slices.ContainsFunc([]string{"<div", "<p", "<tr"}, func(open string) bool { return hasStartTag(line, open) }) {
		return -1, -1
	}
	return start, end
}

// numberElementFor makes the element of number n from that of number old.
func numberElementFor(template, old, n, label string) (string, bool) {
	el := template
	// each place the number is written: its text, and a tel: link that
	// writes it as shown (Teams' 2019 HTML: "tel:&#43;1 323-886-7531,,…")
	for from := 0; from < len(el); {
		s, e := indexNumber(el[from:], old)
		if s < 0 {
			break
		}
		repl := html.EscapeString(n)
		el = el[:from+s] + repl + el[from+e:]
		from += s + len(repl)
	}
	el = retel(strings.ReplaceAll(el, "+"+digitsOnly(old), "+"+digitsOnly(n)), old, n)
	end := strings.LastIndex(block.LowerSameLength(el), "</a>")
	if end < 0 {
		return plainNumberElement(el, n, label)
	}
	for i := end + len("</a>"); i < len(el); {
		gt := strings.IndexByte(el[i:], '>')
		if el[i] != '<' || gt < 0 { // a text node from i
			j := strings.IndexByte(el[i:], '<')
			if j < 0 {
				j = len(el) - i
			}
			text := el[i : i+j]
			if lead, visible, tail := trimBlanks(text); visible != "" {
				return el[:i] + lead + html.EscapeString(label) + tail + el[i+j:], true
			}
			i += j
			continue
		}
		i += gt + 1
	}
	return "", false
}

// indexNumber finds the number n (as a block reads it, spaced) in an HTML
// src, each of its spaces written there as any blank (&nbsp;, a no-break
// space, a line break of Outlook's wrap): its start and end, -1 when it
// is not there.
func indexNumber(src, n string) (int, int) {
	esc := html.EscapeString(n)
	if !strings.HasPrefix(esc, "+") {
		return indexEscapedNumber(src, esc)
	}
	// Teams' 2019 HTML writes the '+' as a character reference
	for _, plus := range []string{"+", "&#43;", "&#x2B;", "&#x2b;", "&plus;"} {
		if s, e := indexEscapedNumber(src, plus+esc[1:]); s >= 0 {
			return s, e
		}
	}
	return -1, -1
}

// indexEscapedNumber is indexNumber of a number written as esc.
func indexEscapedNumber(src, esc string) (int, int) {
	if k := strings.Index(src, esc); k >= 0 {
		return k, k + len(esc)
	}
	parts := strings.Split(esc, " ")
	if len(parts) < 2 || parts[0] == "" {
		return -1, -1
	}
	for from := 0; from < len(src); {
		k := strings.Index(src[from:], parts[0])
		if k < 0 {
			return -1, -1
		}
		start, j, ok := from+k, from+k+len(parts[0]), true
		for _, p := range parts[1:] {
			b := blankAt(src, j)
			if b == 0 || !strings.HasPrefix(src[j+b:], p) {
				ok = false
				break
			}
			j += b + len(p)
		}
		if ok {
			return start, j
		}
		from = start + 1
	}
	return -1, -1
}

// plainNumberElement is numberElementFor of an element that shows its
// number as text, not as a tel: link ("+46 8 505 248 89,,222333444#
// Sweden, Stockholm"): el with the number n already in place gets label in
// place of the text after it (and after the conference ID it dials).
func plainNumberElement(el, n, label string) (string, bool) {
	k := strings.Index(el, html.EscapeString(n))
	if k < 0 {
		return "", false
	}
	i := k + len(html.EscapeString(n))
	if strings.HasPrefix(el[i:], ",,") { // the conference ID it dials
		j := i + 2
		for j < len(el) && isDigit(el[j]) {
			j++
		}
		if j < len(el) && el[j] == '#' {
			i = j + 1
		}
	}
	j := strings.IndexByte(el[i:], '<')
	if j < 0 {
		j = len(el) - i
	}
	lead, visible, tail := trimBlanks(el[i : i+j])
	if visible == "" || label == "" {
		return el, true
	}
	return el[:i] + lead + html.EscapeString(label) + tail + el[i+j:], true
}

// trimBlanks splits an HTML text node into its leading blanks, what it
// shows between them and its trailing blanks (spaces, line breaks,
// no-break spaces and &nbsp;); visible may hold blanks of its own
// ("Sweden,&nbsp;Stockholm").
func trimBlanks(text string) (lead, visible, tail string) {
	start, end := 0, len(text)
	for start < end {
		if n := blankOrTab(text, start); n > 0 {
			start += n
			continue
		}
		break
	}
	for end > start {
		if n := blankOrTabBefore(text[:end]); n > 0 {
			end -= n
			continue
		}
		break
	}
	return text[:start], text[start:end], text[end:]
}

func blankOrTab(s string, i int) int {
	if s[i] == '\t' || s[i] == '\r' {
		return 1
	}
	return blankAt(s, i)
}

func blankOrTabBefore(s string) int {
	if c := s[len(s)-1]; c == '\t' || c == '\r' {
		return 1
	}
	return blankBefore(s, len(s))
}

// addMeetingID adds the Meeting ID and passcode after the line (text) or
// the element (HTML) that holds the join link, spaced as the lines around
// it are.
func addMeetingID(src string, to block.Spec, isHTML bool) (string, bool) {
	k := strings.Index(src, to.JoinURL)
	if isHTML {
		k = strings.Index(src, html.EscapeString(to.JoinURL))
	}
	if k < 0 {
		return "", false
	}
	if isHTML {
		start, end := numberElement(block.LowerSameLength(src), k)
		if end < 0 {
			return "", false
		}
		return src[:end] + meetingIDElements(src[start:end], to) + src[end:], true
	}
	end := strings.IndexByte(src[k:], '\n')
	if end < 0 {
		return "", false
	}
	end += k + 1
	blank := ""
	if next := strings.IndexByte(src[end:], '\n'); next >= 0 && strings.TrimSpace(src[end:end+next]) == "" {
		blank = src[end : end+next+1] // a double-spaced block
	}
	at := end + len(blank)
	var b strings.Builder
	for _, l := range block.MeetingIDText(to) {
		b.WriteString(l)
		b.WriteString(blank)
	}
	return src[:at] + b.String() + src[at:], true
}

// meetingIDElements writes the Meeting ID and passcode for an HTML block
// whose join link is in the element joinEl: in a paragraph like it where
// the block is written in paragraphs (Outlook's <p class="MsoNormal">),
// else in the elements Teams writes.
func meetingIDElements(joinEl string, to block.Spec) string {
	gt := strings.IndexByte(joinEl, '>')
	if gt < 0 || !isStartTag(strings.ToLower(joinEl), 0, "<p") {
		return block.MeetingIDHTML(to)
	}
	var b strings.Builder
	for _, l := range block.MeetingIDText(to) {
		b.WriteString(joinEl[:gt+1])
		b.WriteString(html.EscapeString(strings.TrimSuffix(l, "\n")))
		b.WriteString("</p>")
	}
	return b.String()
}
