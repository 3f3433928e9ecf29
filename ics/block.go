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
	old     block.Block
	spec    block.Spec
	master  *Component // the component old was found in, when in its text body
	oldLink string     // canonicalLink(old.JoinURL), set by rewrite
}

// onlineMeetingProps name the meeting's own join link, where present.
var onlineMeetingProps = []string{
	"X-MICROSOFT-SKYPETEAMSMEETINGURL",
	"X-MICROSOFT-ONLINEMEETINGEXTERNALLINK",
	"X-MICROSOFT-ONLINEMEETINGCONFLINK",
}

// findBlock returns the block of the master or, failing that, of an
// instance. The plain-text body decides where there is one; the HTML body
// is read only where there is no DESCRIPTION (a text body with a pasted
// link beside an HTML copy of another meeting's block holds no block).
func (c *Calendar) findBlock(m *Meeting) (block.Block, bool) {
	b, _, ok := c.findBlockIn(m)
	return b, ok
}

// findBlockIn also says which component's text body holds the block (nil
// when it came from an HTML body).
func (c *Calendar) findBlockIn(m *Meeting) (block.Block, *Component, bool) {
	for _, comp := range m.Components() {
		if b, ok := c.componentBlock(comp); ok {
			if _, hasText := comp.Prop("DESCRIPTION"); hasText {
				return b, comp, true
			}
			return b, nil, true
		}
	}
	return block.Block{}, nil, false
}

func (c *Calendar) componentBlock(comp *Component) (block.Block, bool) {
	if _, hasText := comp.Prop("DESCRIPTION"); hasText {
		return c.textBlock(comp)
	}
	return c.htmlBlock(comp)
}

func (c *Calendar) textBlock(comp *Component) (block.Block, bool) {
	p, ok := comp.Prop("DESCRIPTION")
	if !ok {
		return block.Block{}, false
	}
	return c.finder.FindText(p.Text())
}

func (c *Calendar) htmlBlock(comp *Component) (block.Block, bool) {
	p, ok := htmlBody(comp)
	if !ok {
		return block.Block{}, false
	}
	return c.finder.FindHTML(p.Text())
}

// htmlBody returns the X-ALT-DESC that holds HTML.
func htmlBody(comp *Component) (Property, bool) {
	for _, p := range comp.All("X-ALT-DESC") {
		if ft := p.Param("FMTTYPE"); ft == "" || strings.EqualFold(ft, "text/html") {
			return p, true
		}
	}
	return Property{}, false
}

// ownsBlock reports whether the block belongs to this meeting: it matches
// the meeting's online-meeting properties where they name a join link, and
// a Skype link's user part is the organiser's. A property matches the
// block's join link or any other link inside the block (a 2025 Teams block
// shows a short teams.microsoft.com/meet/ link and keeps the meetup-join
// link the properties name as its "System reference").
func (c *Calendar) ownsBlock(m *Meeting, b block.Block, organizer []string) bool {
	links := meetingLinks(m.First())
	if len(links) > 0 && !slices.ContainsFunc(links, func(l string) bool { return sameMeeting(l, b.JoinURL) }) {
		inner := blockLinks(c.blockText(m, b))
		if !slices.ContainsFunc(links, func(l string) bool {
			return slices.ContainsFunc(inner, func(in string) bool { return sameMeeting(l, in) })
		}) {
			return false
		}
	}
	if b.Provider == block.ProviderSkype && b.SkypeUser != "" {
		return slices.ContainsFunc(organizer, func(a string) bool {
			return strings.EqualFold(localPart(address(a)), b.SkypeUser)
		})
	}
	return true
}

// blockText returns the text of the block found in the meeting, from the
// body findBlockIn found it in.
func (c *Calendar) blockText(m *Meeting, b block.Block) string {
	for _, comp := range m.Components() {
		found, ok := c.componentBlock(comp)
		if !ok || found.Start != b.Start || found.End != b.End || found.JoinURL != b.JoinURL {
			continue
		}
		p, ok := comp.Prop("DESCRIPTION")
		if !ok {
			p, ok = htmlBody(comp)
		}
		if text := p.Text(); ok && b.End <= len(text) {
			return text[b.Start:b.End]
		}
	}
	return ""
}

// blockLinks returns the http(s) links written in a block, text or HTML.
func blockLinks(text string) []string {
	var links []string
	for i := 0; i < len(text); {
		k := strings.Index(text[i:], "http")
		if k < 0 {
			break
		}
		start := i + k
		end := start
		for end < len(text) && !strings.ContainsRune(" \t\r\n<>\"'", rune(text[end])) {
			end++
		}
		if l := html.UnescapeString(text[start:end]); strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") {
			links = append(links, l)
		}
		i = max(end, start+4)
	}
	return links
}

// sameMeeting compares two join links as sameLink does; two Teams
// meetup-join links name the same meeting when their paths (the thread)
// agree, whatever their ?context= says.
func sameMeeting(a, b string) bool {
	if sameLink(a, b) {
		return true
	}
	ta, tb := meetupThread(a), meetupThread(b)
	return ta != "" && ta == tb
}

// meetupThread returns the unescaped, lower-cased path of a Teams
// meetup-join link, or "".
func meetupThread(link string) string {
	c := canonicalLink(link)
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
	return canonicalLink(a) == canonicalLink(b)
}

func canonicalLink(s string) string {
	s = block.UnwrapSafeLink(strings.TrimSpace(s))
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	path, err := url.PathUnescape(u.EscapedPath())
	if err != nil {
		path = u.Path
	}
	query, err := url.QueryUnescape(u.RawQuery)
	if err != nil {
		query = u.RawQuery
	}
	return strings.ToLower(u.Scheme+"://"+u.Host) + strings.TrimSuffix(path, "/") + "?" + query
}

// newSpec says what the new block holds: the change's values where given,
// the old block's otherwise.
func newSpec(old block.Block, ch Change, uid string) (block.Spec, error) {
	s := block.Spec{
		Provider:        old.Provider,
		JoinURL:         old.JoinURL,
		ConferenceID:    old.ConferenceID,
		TollNumbers:     old.TollNumbers,
		TollFreeNumbers: old.TollFreeNumbers,
		DialInURL:       old.DialInURL,
		Lang:            old.Lang,
	}
	if ch.Provider != "" && ch.Provider != old.Provider {
		if ch.JoinURL == "" {
			return s, fmt.Errorf("the change moves the meeting to %s but gives no join_url", ch.Provider)
		}
		s.Provider = ch.Provider
	}
	if ch.JoinURL != "" {
		s.JoinURL = strings.ReplaceAll(ch.JoinURL, "{meeting}", meetingID(old, uid))
	}
	if ch.DropDialIn {
		s.ConferenceID, s.TollNumbers, s.TollFreeNumbers, s.DialInURL = "", nil, nil, ""
	}
	if id := digitsOnly(ch.ConferenceID); id != "" && id != s.ConferenceID {
		s.DialInURL = withConferenceID(s.DialInURL, s.ConferenceID, id)
		s.ConferenceID = id
	}
	setIf(&s.DialInURL, ch.DialInURL)
	if len(ch.TollNumbers) > 0 {
		s.TollNumbers = ch.TollNumbers
	}
	if len(ch.TollFreeNumbers) > 0 {
		s.TollFreeNumbers = ch.TollFreeNumbers
	}
	return s, nil
}

func setIf(dst *string, v string) {
	if v != "" {
		*dst = v
	}
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
	if err != nil || old == "" || u.Query().Get("id") != old {
		return link
	}
	q := u.Query()
	q.Set("id", id)
	u.RawQuery = q.Encode()
	return u.String()
}

// teamsEscaper writes a Teams thread id as Teams links do.
var teamsEscaper = strings.NewReplacer(":", "%3a", "@", "%40")

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
		old.DialInURL == nb.DialInURL &&
		slices.Equal(old.TollNumbers, nb.TollNumbers) &&
		slices.Equal(old.TollFreeNumbers, nb.TollFreeNumbers)
}
