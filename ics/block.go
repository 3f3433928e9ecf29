package ics

import (
	"fmt"
	"hash/fnv"
	"html"
	"net/url"
	"slices"
	"strings"

	"github.com/mms-project/mms/ics/block"
)

// plan is what a decided rewrite writes.
type plan struct {
	old     found
	spec    block.Spec
	oldLink string // canonicalLink(old.JoinURL), set by rewrite
	ch      Change // the change, applied to each body's own block where it is kept
	uid     string
	// organizer are the user's addresses: a component another organises
	// is left alone
	organizer []string
	// masterPast: none of the master's own occurrences is left (see
	// Calendar.masterPast); it is rewritten only when it alone holds the
	// block
	masterPast bool
}

// onlineMeetingProps name the meeting's own join link, where present.
var onlineMeetingProps = []string{
	"X-MICROSOFT-SKYPETEAMSMEETINGURL",
	"X-MICROSOFT-ONLINEMEETINGEXTERNALLINK",
	"X-MICROSOFT-ONLINEMEETINGCONFLINK",
}

// found is a meeting's block and the body it was read from.
type found struct {
	block.Block
	comp   *Component
	inText bool   // read from the DESCRIPTION; else from the X-ALT-DESC
	body   string // the unescaped body: body[Start:End] is the block
}

// findBlock returns the block of the master or, failing that, of an
// instance.
func (c *Calendar) findBlock(m *Meeting) (found, bool) {
	for _, comp := range m.Components() {
		if f, ok := c.componentBlock(comp); ok {
			return f, true
		}
	}
	return found{}, false
}

// findFutureBlock returns the block of the first instance that is not
// past: for a series whose master is past, the block a rewrite edits.
func (c *Calendar) findFutureBlock(m *Meeting, r Rules) (found, bool, error) {
	for _, comp := range m.Overrides {
		past, err := c.isPast(m, comp, r)
		if err != nil {
			return found{}, false, err
		}
		if f, ok := c.componentBlock(comp); ok && !past {
			return f, true, nil
		}
	}
	return found{}, false, nil
}

// componentBlock finds the block of one component: in its plain-text body
// where that holds one, else in its HTML body. An HTML block does not
// count when the plain-text body holds the join link of a meeting the
// block does not name: a link pasted beside an HTML copy of another
// meeting's block is not this meeting's block.
func (c *Calendar) componentBlock(comp *Component) (found, bool) {
	text, hasText := comp.Prop("DESCRIPTION")
	plain := ""
	if hasText {
		plain = text.Text()
		if b, ok := c.finder.FindText(plain); ok {
			return found{Block: b, comp: comp, inText: true, body: plain}, true
		}
	}
	p, ok := htmlBody(comp)
	if !ok {
		return found{}, false
	}
	markup := p.Text()
	b, ok := c.finder.FindHTML(markup)
	if !ok || hasText && !isDescription(p) && pastesOtherMeeting(plain, blockLinks(markup[b.Start:b.End])) {
		return found{}, false
	}
	return found{Block: b, comp: comp, body: markup}, true
}

// pastesOtherMeeting reports whether a text holds a join link of a meeting
// that none of links names.
func pastesOtherMeeting(text string, links []string) bool {
	for _, l := range block.TextLinks(text) {
		if block.IsJoinLink(l) && !slices.ContainsFunc(links, func(in string) bool { return sameMeeting(l, in) }) {
			return true
		}
	}
	return false
}

// holdsLink reports whether any link of links names the same meeting as
// join.
func holdsLink(links []string, join string) bool {
	return slices.ContainsFunc(links, func(l string) bool { return sameMeeting(l, join) })
}

// htmlBody returns the X-ALT-DESC that holds HTML or, where there is
// none, a DESCRIPTION written in HTML (Google Calendar exports a
// description with formatting as its HTML source): the component's one
// body then, read as HTML.
func htmlBody(comp *Component) (Property, bool) {
	for _, p := range comp.All("X-ALT-DESC") {
		if IsHTMLBody(p.Param("FMTTYPE")) {
			return p, true
		}
	}
	if p, ok := comp.Prop("DESCRIPTION"); ok && strings.IndexByte(p.Value, '<') >= 0 && writtenInHTML(p.Text()) {
		return p, true
	}
	return Property{}, false
}

// IsHTMLDescription reports whether a DESCRIPTION's text is read as HTML
// where no X-ALT-DESC is beside it: written in HTML, and holding no block
// read as plain text (a plain-text block wins, as a rewrite reads it).
func IsHTMLDescription(text string) bool {
	if !writtenInHTML(text) {
		return false
	}
	_, inText := block.FindText(text)
	return !inText
}

// writtenInHTML reports whether a body's text is HTML source.
func writtenInHTML(text string) bool {
	return strings.IndexByte(text, '<') >= 0 && block.IsMarkup(text)
}

// IsHTMLBody reports whether an X-ALT-DESC's FMTTYPE (empty when it has
// none) says it holds HTML, as mms reads it.
func IsHTMLBody(fmttype string) bool { return fmttype == "" || strings.EqualFold(fmttype, "text/html") }

// isDescription reports whether p is the component's DESCRIPTION: an HTML
// body that is not an X-ALT-DESC.
func isDescription(p Property) bool { return p.Name == "DESCRIPTION" }

// ownsBlock reports whether the block belongs to this meeting: it matches
// the meeting's online-meeting properties where they name a join link, and
// a Skype link's user part is the organiser's. A property matches the
// block's join link or any other link inside the block (a 2025 Teams block
// shows a short teams.microsoft.com/meet/ link and keeps the meetup-join
// link the properties name as its "System reference").
func ownsBlock(m *Meeting, f found, organizer []string) bool {
	return ownsBlockIn(m.First(), f, organizer)
}

// ownsBlockIn is ownsBlock for the online-meeting properties of one
// component.
func ownsBlockIn(comp *Component, f found, organizer []string) bool {
	links := meetingLinks(comp)
	if len(links) > 0 && !holdsLink(links, f.JoinURL) {
		inner := blockLinks(f.body[f.Start:f.End])
		if !slices.ContainsFunc(links, func(l string) bool { return holdsLink(inner, l) }) {
			return false
		}
	}
	if f.Provider == block.ProviderSkype && otherConference(comp, f.MeetingID) != "" {
		return false
	}
	if f.Provider == block.ProviderTeams && otherTeamsConference(comp, f) != "" {
		return false
	}
	if f.Provider == block.ProviderSkype && f.SkypeUser != "" {
		return slices.ContainsFunc(organizer, func(a string) bool {
			return strings.EqualFold(localPart(address(a)), f.SkypeUser)
		})
	}
	return true
}

// otherConference returns the Skype conference key a component's
// X-MICROSOFT-ONLINEMEETINGCONFLINK names ("conf:sip:anna@contoso.com;
// gruu;opaque=app:conf:focus:id:AB12CD34") where it is not key, the one
// the Skype join link ends with (https://meet.lync.com/contoso/anna/
// AB12CD34): the block was pasted from another meeting. "" when they
// agree, or no such property names a Skype conference (a Teams one names
// "teams:...").
func otherConference(comp *Component, key string) string {
	for _, p := range comp.All("X-MICROSOFT-ONLINEMEETINGCONFLINK") {
		if k := conferenceKey(p.Text()); k != "" && !strings.EqualFold(k, key) {
			return k
		}
	}
	return ""
}

// otherTeamsConference returns the Teams meeting ("19:meeting_...@
// thread.v2") a component's X-MICROSOFT-ONLINEMEETINGCONFLINK names
// ("conf:sip:anna@contoso.com;gruu;opaque=app:conf:focus:id:teams:2:0!
// 19:meeting_...-thread.v2!tenant!organiser", as Exchange writes it) where
// the block's links name another: the block was pasted from another
// meeting. "" when they agree, or when either names none (a 2025 block
// showing only its short link).
func otherTeamsConference(comp *Component, f found) string {
	var threads []string
	for _, p := range comp.All("X-MICROSOFT-ONLINEMEETINGCONFLINK") {
		if t := teamsConferenceThread(p.Text()); t != "" {
			threads = append(threads, t)
		}
	}
	if len(threads) == 0 {
		return ""
	}
	own := []string{teamsThreadID(f.JoinURL)}
	if f.End > f.Start && f.End <= len(f.body) {
		for _, l := range blockLinks(f.body[f.Start:f.End]) {
			own = append(own, teamsThreadID(l))
		}
	}
	if own = slices.DeleteFunc(own, func(t string) bool { return t == "" }); len(own) == 0 {
		return ""
	}
	for _, t := range threads {
		if !slices.Contains(own, t) {
			return t
		}
	}
	return ""
}

// teamsConferenceThread is the Teams meeting a conference link names, as
// a meetup-join link's thread reads ("19:meeting_...@thread.v2"); "" for
// a Skype conference or anything else.
func teamsConferenceThread(v string) string {
	const focus = "opaque=app:conf:focus:id:teams:"
	i := strings.Index(block.LowerSameLength(v), focus) // an offset into v
	if i < 0 {
		return ""
	}
	rest, _, _ := strings.Cut(v[i+len(focus):], ";")
	for _, part := range strings.Split(rest, "!") {
		part = strings.TrimSpace(part)
		k := strings.LastIndex(part, "-thread.")
		if !strings.HasPrefix(part, "19:") || k < 0 {
			continue
		}
		return part[:k] + "@" + part[k+1:]
	}
	return ""
}

// conferenceKey is the focus id of a Skype conference link, "" for
// anything else (a Teams conference's id begins "teams:").
func conferenceKey(v string) string {
	v = strings.TrimSpace(v)
	if len(v) < 9 || !strings.EqualFold(v[:9], "conf:sip:") {
		return ""
	}
	const focus = "opaque=app:conf:focus:id:"
	i := strings.Index(block.LowerSameLength(v), focus) // an offset into v
	if i < 0 {
		return ""
	}
	key := v[i+len(focus):]
	if end := strings.IndexAny(key, ";?"); end >= 0 { // Exchange adds ?conversation-id=...
		key = key[:end]
	}
	if key = strings.TrimSpace(key); strings.HasPrefix(strings.ToLower(key), "teams:") {
		return ""
	}
	return key
}

// blockLinks returns the http(s) links written in a block, text or HTML,
// HTML unescaped; a link Outlook's hard wrap broke over lines is read
// whole (see linkSpans).
func blockLinks(text string) []string {
	var links []string
	for _, s := range linkSpans(text) {
		l := text[s[0]:s[1]]
		if strings.ContainsAny(l, "\r\n") {
			l = lineBreaks.Replace(l)
		}
		if l = html.UnescapeString(l); strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") {
			links = append(links, l)
		}
	}
	return links
}

// isLinkEnd tells the bytes that end a link written in a body: white
// space, angle brackets and quotes.
func isLinkEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '<', '>', '"', '\'':
		return true
	}
	return false
}

// sameMeeting compares two join links as sameLink does; two Teams
// meetup-join links name the same meeting when their paths (the thread)
// agree, whatever their ?context= says.
func sameMeeting(a, b string) bool { return sameMeetingAs(a)(b) }

// sameMeetingAs is sameMeeting(a, b) for many b: a is read once.
func sameMeetingAs(a string) func(b string) bool {
	ca := canonicalLink(a)
	ta := threadOf(ca)
	return func(b string) bool {
		if a == b {
			return true
		}
		cb := canonicalLink(b)
		return ca == cb || ta != "" && ta == threadOf(cb)
	}
}

// sameLinkAs is sameLink(a, b) for many b: a is read once.
func sameLinkAs(a string) func(b string) bool {
	ca := canonicalLink(a)
	return func(b string) bool { return a == b || canonicalLink(b) == ca }
}

// threadOf returns the unescaped, lower-cased path of a Teams
// meetup-join link in canonical form (canonicalLink), or "".
func threadOf(c string) string {
	path, _, _ := strings.Cut(c, "?")
	if !strings.Contains(path, "/l/meetup-join/") {
		return ""
	}
	return strings.ToLower(path)
}

// meetingLinks returns the http(s) join links named by the online-meeting
// properties.
func meetingLinks(comp *Component) []string {
	var links []string
	for _, name := range onlineMeetingProps {
		for _, p := range comp.All(name) {
			v := strings.TrimSpace(p.Text())
			if strings.HasPrefix(strings.ToLower(v), "http://") || strings.HasPrefix(strings.ToLower(v), "https://") {
				links = append(links, v)
			}
		}
	}
	return links
}

// sameLink compares two join links after unwrapping Safe Links and
// resolving percent-escapes; scheme and host compare without case.
func sameLink(a, b string) bool {
	return a == b || canonicalLink(a) == canonicalLink(b) // the same text is the same link, without parsing it

}

// newSpec says what the new block holds: the change's values where given,
// the old block's otherwise.
func newSpec(old block.Block, ch Change, uid string) (block.Spec, error) {
	ch, own := ch.forMeeting(uid)
	if ch.Provider == "" && own.JoinURL == "" && ch.JoinURL != "" {
		// No target given: the block keeps its kind (SPEC), and a link of
		// another service cannot go in it. A meeting's own row gives it a
		// new online meeting, of the service its link names.
		if p, ok := block.JoinProvider(strings.ReplaceAll(ch.JoinURL, meetingPlaceholder, "x")); ok && p != old.Provider {
			return block.Spec{}, fmt.Errorf("the change's join_url is a %s link and this meeting's block is %s's; with no target a meeting keeps its kind: %w",
				p, old.Provider, ErrOtherServiceLink)
		}
	}
	s, err := changeSpec(old, ch, uid)
	if err != nil {
		return s, err
	}
	s.NewDialIn = ch.DropDialIn && specHasDialIn(s) && hasDialIn(old)
	setIf(&s.MeetingNumber, teamsMeetingID(own.MeetingID))
	setIf(&s.Passcode, own.Passcode)
	return s, nil
}

// changeSpec is newSpec for one meeting's change, its own values applied.
func changeSpec(old block.Block, ch Change, uid string) (block.Spec, error) {
	s := block.Spec{
		Provider:        old.Provider,
		JoinURL:         old.JoinURL,
		ConferenceID:    old.ConferenceID,
		TollNumbers:     old.TollNumbers,
		TollFreeNumbers: old.TollFreeNumbers,
		DialInURL:       old.DialInURL,
		Lang:            old.Lang,
	}
	if ch.Provider == "" && ch.JoinURL != "" {
		// No target given, a meeting's own row naming another service's
		// link: the row gives it a new online meeting of that service.
		if p, ok := block.JoinProvider(strings.ReplaceAll(ch.JoinURL, meetingPlaceholder, "x")); ok && p != old.Provider {
			ch.Provider = p
		}
	}
	if ch.Provider != "" && ch.Provider != old.Provider {
		if ch.JoinURL == "" {
			return s, fmt.Errorf("moving it to %s: %w", ch.Provider, ErrNoJoinLink)
		}
		// The old service's "find a local number" page does not know the
		// new meeting: the new block shows the change's, or none. Its
		// numbers keep their regions (a number the change gives again
		// takes the change's label, below).
		s.Provider, s.DialInURL = ch.Provider, ""
		for n, label := range old.NumberLabels {
			if s.NumberLabels == nil {
				s.NumberLabels = map[string]string{}
			}
			s.NumberLabels[n] = label
		}
	}
	switch {
	case ch.JoinURL == "":
	case fitsTemplate(old.JoinURL, ch.JoinURL):
		s.JoinURL = old.JoinURL // already the template's link: "{meeting}" would nest
	default:
		s.JoinURL = expandMeeting(ch.JoinURL, meetingID(old, uid))
	}
	if s.Provider == old.Provider && sameMeeting(s.JoinURL, old.JoinURL) {
		// The meeting keeps its link (or another link to the same Teams
		// thread), and with it the Meeting ID and passcode that join it by
		// number; a new link has its own.
		s.MeetingNumber, s.Passcode = old.MeetingNumber, old.Passcode
	}
	if ch.DropDialIn {
		s.ConferenceID, s.TollNumbers, s.TollFreeNumbers, s.DialInURL = "", nil, nil, ""
	}
	// A conference ID goes where the block can be called (numbers or the
	// page that lists them, kept or given), or replaces one the block of
	// the same service shows: alone it would say "call in" with nothing
	// to call.
	canCall := len(s.TollNumbers)+len(s.TollFreeNumbers) > 0 || s.DialInURL != "" || givesDialIn(ch)
	if id := digitsOnly(ch.ConferenceID); id != "" && id != s.ConferenceID && (canCall || s.ConferenceID != "" && s.Provider == old.Provider) {
		s.DialInURL = withConferenceID(s.DialInURL, s.ConferenceID, id)
		s.ConferenceID = id
	}
	setIf(&s.DialInURL, ch.DialInURL)
	shown := slices.Concat(old.TollNumbers, old.TollFreeNumbers)
	if len(ch.TollNumbers) > 0 {
		s.TollNumbers = labelled(&s, ch.TollNumbers, shown)
	}
	if len(ch.TollFreeNumbers) > 0 {
		s.TollFreeNumbers = labelled(&s, ch.TollFreeNumbers, shown)
	}
	if s.Provider != old.Provider && len(s.TollNumbers)+len(s.TollFreeNumbers) == 0 && s.DialInURL == "" {
		s.ConferenceID = "" // a new block of another service gets no conference ID with nothing to call
	}
	return s, nil
}

// givesDialIn reports whether a change gives a way to call in: numbers, or
// the page that lists them.
func givesDialIn(ch Change) bool {
	return len(ch.TollNumbers)+len(ch.TollFreeNumbers) > 0 || ch.DialInURL != ""
}

// labelled returns the numbers a change gives, each without the label
// written after it ("+46 8 505 248 89 Sweden, Stockholm"), and records the
// labels in the spec. A number the block shows already, written another
// way ("+46850524889", as a workbook keeps a number typed without blanks),
// is the block's, as shown: its line and label stay.
func labelled(s *block.Spec, given, shown []string) []string {
	out := make([]string, 0, len(given))
	for _, g := range given {
		n, label := block.SplitNumberLabel(g)
		if n == "" {
			continue
		}
		if !slices.Contains(shown, n) {
			if k := slices.IndexFunc(shown, func(o string) bool { return block.DialDigits(o) == block.DialDigits(n) }); k >= 0 {
				n = shown[k]
			}
		}
		out = append(out, n)
		if label != "" {
			if s.NumberLabels == nil {
				s.NumberLabels = map[string]string{}
			}
			s.NumberLabels[n] = label
		}
	}
	return out
}

func setIf(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// teamsMeetingID writes a Meeting ID of digits as Teams shows it: in
// threes from the left ("300 000 000 001", "244 929 170 838 67"). One
// with anything but digits and blanks is written as given.
func teamsMeetingID(id string) string {
	d := digitsOnly(id)
	if d == "" || strings.Trim(id, "0123456789 \t") != "" {
		return id
	}
	var b strings.Builder
	for i := range len(d) {
		if i > 0 && i%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(d[i])
	}
	return b.String()
}

func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// withConferenceID points a dial-in link that names the old conference id
// (Teams writes "?id=<conference id>") at the new one.
func withConferenceID(link, old, id string) string {
	u, err := url.Parse(link)
	if err != nil || old == "" {
		return link
	}
	q := u.Query()
	if q.Get("id") != old {
		return link
	}
	q.Set("id", id)
	u.RawQuery = q.Encode()
	return u.String()
}

// expandMeeting puts the meeting's id in place of {meeting} in a join_url
// template. A template written around the id's own start or end (copied
// from a link with only the middle replaced:
// ".../19%3ameeting_{meeting}%40thread.v2/0") does not get them twice:
// text around the placeholder that the id itself begins or ends with, six
// bytes or more, is the id's own.
func expandMeeting(template, id string) string {
	parts := strings.Split(template, meetingPlaceholder)
	var b strings.Builder
	for i, part := range parts {
		if i > 0 {
			b.WriteString(id)
			part = part[overlap(id, part, false):]
		}
		if i < len(parts)-1 {
			part = part[:len(part)-overlap(id, part, true)]
		}
		b.WriteString(part)
	}
	return b.String()
}

// overlap is the length of the longest end of text (start, when after
// is false) of six bytes or more that id begins with (ends with), in any
// case; 0 when none.
func overlap(id, text string, before bool) int {
	for n := min(len(id)-1, len(text)); n >= 6; n-- {
		if before && strings.EqualFold(text[len(text)-n:], id[:n]) || !before && strings.EqualFold(text[:n], id[len(id)-n:]) {
			return n
		}
	}
	return 0
}

// meetingPlaceholder stands for the meeting's own id in a join_url.
const meetingPlaceholder = "{meeting}"

// fitsTemplate reports whether a join link already fits a join_url
// template: the same text around every "{meeting}", each standing for a
// non-empty id that holds no '/', '?' or '#' (an id written by the template
// is path-escaped). Links compare as sameLink compares them. A template
// without "{meeting}" fits only its own link.
func fitsTemplate(link, template string) bool {
	if !strings.Contains(template, meetingPlaceholder) {
		return sameLink(link, template)
	}
	if fitsParts(link, strings.Split(template, meetingPlaceholder)) {
		return true
	}
	const sentinel = "MMSMEETINGPLACEHOLDER0"
	canon := canonicalLink(strings.ReplaceAll(template, meetingPlaceholder, sentinel))
	canon = strings.TrimSuffix(canon, "?") // a template without a query; the link's may have one
	l := canonicalLink(link)
	if !strings.Contains(canon, "?") {
		l = strings.TrimSuffix(l, "?")
	}
	return fitsParts(l, strings.Split(canon, sentinel))
}

// fitsParts reports whether s is parts joined by non-empty ids.
func fitsParts(s string, parts []string) bool {
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for i, part := range parts[1:] {
		last := i == len(parts)-2
		var k int
		switch {
		case last && strings.HasSuffix(s, part):
			k = len(s) - len(part)
		case last || part == "":
			return false
		default:
			k = strings.Index(s, part)
		}
		if k <= 0 || strings.ContainsAny(s[:k], "/?#") {
			return false
		}
		s = s[k+len(part):]
	}
	return true
}

// teamsEscaper writes a Teams thread id as Teams links do.
var teamsEscaper = strings.NewReplacer(":", "%3a", "@", "%40")

// borrowedID is the note of a meeting moved to another service whose new
// link a join_url template made from the meeting's old id (a Skype
// conference key in a Teams link): that link opens a meeting only if one
// was made with that id, which mms cannot know.
func borrowedID(p plan) string {
	ch, _ := p.ch.forMeeting(p.uid)
	if p.old.Provider == p.spec.Provider || !strings.Contains(ch.JoinURL, meetingPlaceholder) ||
		p.spec.JoinURL != expandMeeting(ch.JoinURL, meetingID(p.old.Block, p.uid)) {
		return ""
	}
	id := "this meeting's " + p.old.Provider + " id"
	if p.old.MeetingID == "" {
		id = "an id made from the meeting's UID (its block names none)"
	}
	return fmt.Sprintf("moved from %s to %s: the new join link is the join_url template's with %s for {meeting}, "+
		"and "+BorrowedIDNote+"; to give the meeting its own, list it in --meetings",
		p.old.Provider, p.spec.Provider, id)
}

// BorrowedIDNote is what the Evidence of a meeting whose new link was
// made from its old service's id says (see borrowedID), for a summary to
// count them.
const BorrowedIDNote = "opens a meeting only if one was made with that id"

// templateBlock is the block a join_url template reads the meeting's id
// from: the old one, but where a Teams block joins by a short meet/ link
// (Teams' 2025 block) and the template writes meetup-join links, with the
// thread its "System reference" link names as its id: the short link's
// number is no thread, and a link made of it opens nothing. A block that
// names no thread fails the meeting (no link is made up).
func templateBlock(old found, ch Change, uid string) (block.Block, error) {
	b := old.Block
	ch, own := ch.forMeeting(uid)
	if own.JoinURL != "" || !strings.Contains(ch.JoinURL, meetingPlaceholder) || b.Provider != block.ProviderTeams ||
		teamsThreadID(b.JoinURL) != "" || !strings.Contains(block.LowerSameLength(ch.JoinURL), "/l/meetup-join/") || fitsTemplate(b.JoinURL, ch.JoinURL) {
		return b, nil
	}
	if old.Start < old.End && old.End <= len(old.body) {
		for _, l := range blockLinks(old.body[old.Start:old.End]) {
			if t := teamsThreadID(block.UnwrapSafeLink(l)); t != "" {
				b.MeetingID = t
				return b, nil
			}
		}
	}
	return b, fmt.Errorf("its block joins by a short link (%s) and names no meetup-join thread for the join_url template's {meeting}: %w",
		clip(b.JoinURL, evidenceLink), ErrNoJoinLink)
}

// meetingID is the meeting's own id for "{meeting}": the old block's, or one
// made from the UID.
func meetingID(old block.Block, uid string) string {
	if old.MeetingID != "" {
		return teamsEscaper.Replace(url.PathEscape(old.MeetingID))
	}
	h := fnv.New64a()
	h.Write([]byte(uid))
	return fmt.Sprintf("%016x", h.Sum64())
}

// sameBlock reports whether the old block already says what spec would
// write, judged by reading back the rendered block. Blocks that plainly
// differ are told apart without rendering.
func sameBlock(old block.Block, spec block.Spec) bool {
	if old.Provider != spec.Provider || old.ConferenceID != spec.ConferenceID || !sameLink(old.JoinURL, spec.JoinURL) ||
		old.MeetingNumber != spec.MeetingNumber || old.Passcode != spec.Passcode ||
		len(old.TollNumbers) != len(spec.TollNumbers) || len(old.TollFreeNumbers) != len(spec.TollFreeNumbers) {
		return false
	}
	nb, ok := block.FindText(block.RenderText(spec))
	if !ok {
		return false
	}
	return old.Provider == nb.Provider &&
		sameLink(old.JoinURL, nb.JoinURL) &&
		old.ConferenceID == nb.ConferenceID &&
		old.MeetingNumber == nb.MeetingNumber && old.Passcode == nb.Passcode &&
		(old.DialInURL == nb.DialInURL || old.DialInURL == spec.DialInURL) && // a link the text cannot show reads back as none
		slices.Equal(old.TollNumbers, nb.TollNumbers) &&
		slices.Equal(old.TollFreeNumbers, nb.TollFreeNumbers)
}
