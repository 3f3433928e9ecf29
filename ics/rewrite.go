package ics

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mms-project/mms/ics/block"
	"github.com/mms-project/mms/ics/recur"
)

// rewrite replaces the block in the master and in every instance that is
// not past, and records the edits. A master none of whose own occurrences
// is left (a series that ended, with an instance moved into the future)
// is past too, unless it alone holds the block. It returns the components
// its update carries (those it changed, then those withKept adds as they
// are) and notes on the instances it left alone (see planComponent). Every
// component is checked before any is edited, so a meeting that fails
// leaves the calendar as it was.
func (c *Calendar) rewrite(m *Meeting, r Rules, p plan) ([]*Component, []string, error) {
	p.oldLink = canonicalLink(p.old.JoinURL)
	var edits []componentEdit
	var notes []string
	var master componentEdit    // a past master's edit, made only when nothing else is
	var foreign foreignSkip     // why the first instance left alone was
	var prev componentBodies    // the last component's: an instance most often repeats its series' bodies
	var carried []componentEdit // future instances without a block, sent with the series
	var kept []*Component       // past instances of future occurrences: see withKept
	for _, comp := range m.Components() {
		if comp != m.Master {
			past, err := c.isPast(m, comp, r)
			if err != nil {
				return nil, nil, err
			}
			if past {
				keep, err := c.movedIntoPast(m, comp, r)
				if err != nil {
					return nil, nil, err
				}
				if keep && ownedBy(comp, p.organizer) {
					kept = append(kept, comp)
				}
				continue
			}
		}
		prev = c.bodies(comp, p, prev)
		e, ok, err := c.planComponent(comp, prev, p)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: line %d: UID %s: %w", c.Name, c.Line(comp), m.UID, err)
		}
		if e.leftAlone != "" {
			notes = append(notes, fmt.Sprintf("%s (line %d) left as it is: %s", occurrenceName(comp), c.Line(comp), e.leftAlone))
			if foreign.reason == "" {
				foreign = e.foreign
			}
		}
		switch {
		case ok && comp == m.Master && p.masterPast:
			master = e
		case ok:
			edits = append(edits, e)
		case e.leftAlone == "" && comp != m.Master && ownedBy(comp, p.organizer):
			if e.sequence, err = nextSequence(comp); err != nil {
				return nil, nil, fmt.Errorf("%s: line %d: UID %s: %w", c.Name, c.Line(comp), m.UID, err)
			}
			e.comp = comp
			carried = append(carried, e)
		}
	}
	if len(edits) == 0 && master.comp != nil && foreign.reason == "" {
		edits = append(edits, master) // the block is in the master alone
	}
	if len(edits) == 0 && foreign.reason != "" {
		return nil, notes, foreign // every future occurrence holds a block not the meeting's
	}
	if len(edits) == 0 {
		return nil, nil, fmt.Errorf("%s: UID %s: no component left to rewrite", c.Name, m.UID)
	}
	blocks := &rendered{spec: p.spec, ch: p.ch, uid: p.uid, old: p.old.Block, finder: &c.finder}
	changed := make([]*Component, 0, len(edits))
	if sent, ok := r.Sent[m.UID]; ok && sent.Sequence > edits[0].sequence {
		return nil, nil, fmt.Errorf("%s: UID %s: %w: the %s sent its attendees an update of SEQUENCE %d, newer than this rewrite's %d: they would ignore this one. "+
			"Run on the calendar as it is now (a fresh export, or what that batch wrote), whose SEQUENCE is past it",
			c.Name, m.UID, ErrStale, sent.By, sent.Sequence, edits[0].sequence)
	}
	for _, e := range withCarried(m, edits, carried) {
		c.applyEdit(e, r, p, blocks)
		changed = append(changed, e.comp)
	}
	return c.withKept(m, changed, kept), notes, nil
}

// withKept returns the components a meeting's update carries: those
// changed, then, where they rewrite its series, its instances of
// occurrences at or after now that were moved before it, as they are.
//
// Such an instance is past, and stays byte for byte as it was (the
// contract keeps past instances so; its SEQUENCE does not go up, and a
// CalDAV copy does not get it marked, see asIs). But its occurrence, as
// the master's rule gives it, is still to come: a series' update left
// without it would have attendees' clients set the occurrence back at its
// old time, as for the instances withCarried carries. So it goes with the
// update as the attendees already hold it.
func (c *Calendar) withKept(m *Meeting, changed, kept []*Component) []*Component {
	if len(kept) == 0 || !slices.Contains(changed, m.Master) {
		return changed
	}
	if c.asIs == nil {
		c.asIs = map[*Component]bool{}
	}
	for _, k := range kept {
		c.asIs[k] = true
	}
	return append(changed, kept...)
}

// movedIntoPast reports whether a past instance stands for an occurrence
// at or after now: its RECURRENCE-ID is, its DTSTART is not.
func (c *Calendar) movedIntoPast(m *Meeting, comp *Component, r Rules) (bool, error) {
	var s recur.Series // the master alone reads a RECURRENCE-ID
	if m.Master != nil {
		s.Master = m.Master.toICal()
	}
	at, ok, err := s.Replaced(comp.toICal(), c.resolver(m.First()), c.floating(m.First(), r))
	if err != nil {
		return false, fmt.Errorf("%s: line %d: %w", c.Name, c.lineOf(err, comp), err)
	}
	return ok && !at.Before(r.Now), nil
}

// withCarried returns the edits of a meeting's blocks, then, where they
// rewrite its series (the master), those of its future instances without a
// block: an instance moved or otherwise changed that the series' update
// left out would be set back to the series' pattern by attendees' clients
// (a REQUEST of the master stands for the whole series, RFC 5546 section
// 3.2.2), so each goes with it, its SEQUENCE and DTSTAMP set as the
// others', its body as it is. An update of instances alone leaves the rest
// of the series as it is, and carries none. The edits stay first: the
// update's text and SEQUENCE are the first component's.
func withCarried(m *Meeting, edits, carried []componentEdit) []componentEdit {
	if len(carried) == 0 || !slices.ContainsFunc(edits, func(e componentEdit) bool { return e.comp == m.Master }) {
		return edits
	}
	return append(slices.Clone(edits), carried...)
}

// ownedBy reports whether a component is the user's to send: it names no
// ORGANIZER of its own, or names the user.
func ownedBy(comp *Component, organizer []string) bool {
	_, ok := comp.Prop("ORGANIZER")
	return !ok || isOrganizer(comp, organizer)
}

// occurrenceName names a component in a note: "the series" for a master
// with a rule, "the instance of <RECURRENCE-ID>" for an instance, else
// "the meeting".
func occurrenceName(comp *Component) string {
	if p, ok := comp.Prop("RECURRENCE-ID"); ok {
		return "the instance of " + excerpt(p.Value)
	}
	if _, ok := comp.Prop("RRULE"); ok {
		return "the series"
	}
	return "the meeting"
}

// componentEdit is what the rewrite of one component changes.
type componentEdit struct {
	comp     *Component
	bodies   componentBodies
	sequence int // the new SEQUENCE
	// leftAlone says why a component holding a block is not rewritten:
	// the block is not the one the decision read (see foreignBlock)
	leftAlone string
	foreign   foreignSkip
}

// foreignSkip is the skip of a meeting none of whose future occurrences
// holds its block: other-provider (naming the provider) or pasted-block.
// As an error, rewrite returns it for Migrate to report as a skip.
type foreignSkip struct {
	reason   Reason
	provider block.Provider
}

func (f foreignSkip) Error() string { return string(f.reason) }

// planComponent decides how one component's bodies are rewritten. It
// reports whether the component holds a block.
//
// Where only one body holds a block, that body alone is rewritten, unless
// the other names the old join link outside a block: a rewrite would then
// leave the two bodies disagreeing, and the meeting fails instead.
//
// An instance whose block is not the meeting's (another service's,
// another meeting's, or one another organiser's instance holds) is left
// alone, with a note why: the rules that skip such a meeting hold for
// that instance.
func (c *Calendar) planComponent(comp *Component, bodies componentBodies, p plan) (componentEdit, bool, error) {
	if why, skip := c.foreignBlock(comp, bodies, p); why != "" {
		return componentEdit{leftAlone: why, foreign: skip}, false, nil
	}
	switch {
	case !bodies.inText && !bodies.inHTML:
		return componentEdit{}, false, nil
	case bodies.inText && bodies.hasHTML && !bodies.inHTML:
		if holdsLink(block.HTMLLinks(bodies.html.Text()), p.old.JoinURL) {
			return componentEdit{}, false, fmt.Errorf("the block in DESCRIPTION has no counterpart in X-ALT-DESC; left alone so the two bodies do not disagree (X-ALT-DESC holds the block's join link, but no block around it could be delimited)")
		}
	case bodies.inText && bodies.hasAlt && !bodies.inAlt:
		if holdsLink(block.HTMLLinks(bodies.alt.html), p.old.JoinURL) {
			return componentEdit{}, false, fmt.Errorf("the block in DESCRIPTION has no counterpart in the HTML of its ALTREP parameter; left alone so the two bodies do not disagree (the HTML holds the block's join link, but no block around it could be delimited)")
		}
	case bodies.inHTML && bodies.hasText && !bodies.inText:
		plain := bodies.text.Text()
		if pastesOtherMeeting(plain, blockLinks(bodies.html.Text()[bodies.hb.Start:bodies.hb.End])) {
			return componentEdit{}, false, nil // the HTML copies another meeting's block
		}
		if holdsLink(block.TextLinks(plain), p.old.JoinURL) {
			return componentEdit{}, false, fmt.Errorf("the block in X-ALT-DESC has no counterpart in DESCRIPTION; left alone so the two bodies do not disagree (DESCRIPTION holds the block's join link, but no block around it)")
		}
	}
	seq, err := nextSequence(comp)
	if err != nil {
		return componentEdit{}, false, err
	}
	return componentEdit{comp: comp, bodies: bodies, sequence: seq}, true, nil
}

// applyEdit replaces the block of one component's bodies and updates what
// goes with it.
func (c *Calendar) applyEdit(e componentEdit, r Rules, p plan, blocks *rendered) {
	if e.bodies.inText {
		c.spliceCopies(e.bodies.text, e.bodies.tb, blocks.textFor)
	}
	if e.bodies.inHTML {
		c.spliceCopies(e.bodies.html, e.bodies.hb, blocks.htmlFor)
	}
	if e.bodies.inText && e.bodies.inAlt {
		a, ab := e.bodies.alt, e.bodies.ab
		html := unescapeText(blocks.htmlFor(a.html[ab.Start:ab.End], ab))
		cur := c.current(e.bodies.text) // its value rewritten above
		spans := append([]block.Block{ab}, repeats(a.html, ab)...)
		c.setFolded(e.bodies.text, foldPieces(a.spliced(spans, html), ":", cur.Value))
	}
	c.updateLinks(e.comp, p)
	c.dropConferenceLinks(e.comp, p)
	c.updateTeamsProperties(e.comp, p)
	c.updateConferenceTel(e.comp, p)
	c.updateLocation(e.comp, p)
	c.bump(e.comp, e.sequence, r.Stamp)
}

// maxSequence is the largest SEQUENCE: an iCalendar INTEGER is 32 bits
// (RFC 5545, section 3.3.8).
const maxSequence = 1<<31 - 1

// nextSequence returns a component's SEQUENCE plus one (1 where it has
// none), or why it cannot go up.
func nextSequence(comp *Component) (int, error) {
	p, ok := comp.Prop("SEQUENCE")
	if !ok {
		return 1, nil
	}
	v := strings.TrimSpace(p.Value)
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("SEQUENCE %q is not a number, so an update could not be told newer than it; correct it and run again", excerpt(p.Value))
	case err != nil || n >= maxSequence:
		return 0, fmt.Errorf("SEQUENCE %s is at or beyond the largest an iCalendar INTEGER holds (%d), so it cannot go up by one and attendees could not take the update as newer", excerpt(v), maxSequence)
	}
	return int(n) + 1, nil
}

// foreignBlock says why a component other than the one the decision read
// holds a block that is not the meeting's, or "": a block of another
// service, of another meeting (its join link is neither the decision's nor
// the new one, or the component's online-meeting properties name
// another), or in a component that names another organiser; and the skip
// that applies when no future occurrence holds the meeting's block.
func (c *Calendar) foreignBlock(comp *Component, b componentBodies, p plan) (string, foreignSkip) {
	if !b.inText && !b.inHTML {
		return "", foreignSkip{}
	}
	if _, ok := comp.Prop("ORGANIZER"); ok && !isOrganizer(comp, p.organizer) {
		return "its ORGANIZER is not the user", foreignSkip{reason: NotOrganizer}
	}
	if comp == p.old.comp {
		return "", foreignSkip{}
	}
	pasted := foreignSkip{reason: PastedBlock}
	same, current := sameMeetingAs(p.old.JoinURL), sameMeetingAs(p.spec.JoinURL)
	for _, f := range []struct {
		in   bool
		blk  block.Block
		prop Property
	}{{b.inText, b.tb, b.text}, {b.inHTML, b.hb, b.html}} {
		if !f.in {
			continue
		}
		switch {
		case f.blk.Provider != block.ProviderTeams && f.blk.Provider != block.ProviderSkype:
			return "it holds a block of " + string(f.blk.Provider), foreignSkip{reason: OtherProvider, provider: f.blk.Provider}
		case !same(f.blk.JoinURL) && !current(f.blk.JoinURL): // the new link already: the meeting's block, rewritten before
			return "its block is of another meeting (join link " + clip(f.blk.JoinURL, evidenceLink) + ")", pasted
		}
		if !ownsBlockIn(comp, found{Block: f.blk, comp: comp, body: f.prop.Text()}, p.organizer) {
			return "its online-meeting properties name another meeting than its block", pasted
		}
	}
	return "", foreignSkip{}
}

// componentBodies are a component's two bodies and the spans of their
// blocks.
type componentBodies struct {
	text, html       Property
	hasText, hasHTML bool
	tb, hb           block.Block
	inText, inHTML   bool

	// Where there is no X-ALT-DESC, the HTML in the DESCRIPTION's ALTREP
	// (Thunderbird's), and its block.
	alt           altrep
	hasAlt, inAlt bool
	ab            block.Block
}

// bodies finds the blocks of a component's bodies, their values read; the
// block the decision was made on is not looked for again, nor those of a
// body written as in prev, the component before (an instance repeating its
// series' bodies).
func (c *Calendar) bodies(comp *Component, p plan, prev componentBodies) componentBodies {
	var b componentBodies
	b.text, b.hasText = comp.Prop("DESCRIPTION")
	b.html, b.hasHTML = htmlBody(comp)
	switch {
	case comp == p.old.comp && p.old.inText:
		b.tb, b.inText = p.old.Block, true
	case b.hasText && prev.hasText && b.text.Value == prev.text.Value:
		b.tb, b.inText = prev.tb, prev.inText
	case b.hasText:
		b.tb, b.inText = c.finder.FindText(b.text.Text())
	}
	switch {
	case comp == p.old.comp && !p.old.inText:
		b.hb, b.inHTML = p.old.Block, true
	case b.hasHTML && prev.hasHTML && b.html.Value == prev.html.Value:
		b.hb, b.inHTML = prev.hb, prev.inHTML
	case b.hasHTML && isDescription(b.html) && b.inText: // a plain-text block in a DESCRIPTION with some markup
		b.hasHTML = false
	case b.hasHTML:
		b.hb, b.inHTML = c.finder.FindHTML(b.html.Text())
	}
	if b.hasHTML && isDescription(b.html) && !b.inText {
		b.hasText = false // the DESCRIPTION is the HTML body, read as such
	}
	if b.hasText && !b.hasHTML {
		if a, ok := readAltrep(b.text); ok { // Thunderbird's HTML body
			b.alt, b.hasAlt = a, true
			b.ab, b.inAlt = c.finder.FindHTML(a.html)
			// It says what the text says: a block of another meeting in it
			// is left alone.
			b.inAlt = b.inAlt && b.inText && sameMeeting(b.ab.JoinURL, b.tb.JoinURL)
		}
	}
	return b
}

// rendered renders the new block of one meeting once, for all of its
// components, escaped as a TEXT value.
type rendered struct {
	spec              block.Spec
	ch                Change // applied to each body's own block where it is kept
	uid               string
	old               block.Block   // the block the decision read
	finder            *block.Finder // the calendar's, its links parsed once
	plain, markup     string
	hasPlain, hasHTML bool
	// the last new block of each kind: an instance repeating its
	// series' block gets the same
	lastText, lastHTML newBlock
}

// newBlock is the new block written for an old one.
type newBlock struct {
	old     string
	from    block.Block
	escaped string
	set     bool
}

// repeats reports whether n was written for the same old block.
func (n newBlock) repeats(old string, from block.Block) bool {
	return n.set && n.old == old && sameValues(n.from, from)
}

// textFor returns the new block for a plain-text body whose block is old,
// its values from: old with the changed values replaced where that reads
// back as the spec (keepText), else the rendered block.
//
// The change is applied to the values of that body's own block, so a body
// that leaves out what the other shows (an HTML body without the dial-in
// numbers) keeps leaving it out.
func (r *rendered) textFor(old string, from block.Block) string {
	if !r.lastText.repeats(old, from) {
		r.lastText = newBlock{old: old, from: from, escaped: r.newText(old, from), set: true}
	}
	return r.lastText.escaped
}

func (r *rendered) newText(old string, from block.Block) string {
	if spec, err := r.specFor(from); err == nil {
		if kept, ok := keepText(r.finder, old, from, spec); ok {
			return escape(kept)
		}
	}
	return r.text()
}

// htmlFor is textFor for an HTML body.
func (r *rendered) htmlFor(old string, from block.Block) string {
	if !r.lastHTML.repeats(old, from) {
		r.lastHTML = newBlock{old: old, from: from, escaped: r.newHTML(old, from), set: true}
	}
	return r.lastHTML.escaped
}

func (r *rendered) newHTML(old string, from block.Block) string {
	if spec, err := r.specFor(from); err == nil {
		if kept, ok := keepHTML(r.finder, old, from, spec); ok {
			return escape(kept)
		}
	}
	return r.html()
}

// specFor is the new spec for one body's own block: the meeting's, where
// that block's values agree with the decision's join link and service.
// A block that says what the decision's says gets the meeting's spec as
// it is: newSpec of the same values.
func (r *rendered) specFor(from block.Block) (block.Spec, error) {
	return bodySpec(from, r.old, r.spec, r.ch, r.uid)
}

// bodySpec is specFor of a meeting whose decision read the block old and
// writes spec.
func bodySpec(from, old block.Block, spec block.Spec, ch Change, uid string) (block.Spec, error) {
	if sameValues(from, old) {
		return spec, nil
	}
	s, err := newSpec(from, ch, uid)
	if err != nil || s.Provider != spec.Provider || !sameLink(s.JoinURL, spec.JoinURL) {
		return spec, fmt.Errorf("the body's block says another meeting")
	}
	// What this body leaves out of the meeting's block stays left out.
	if from.DialInURL == "" && old.DialInURL != "" {
		s.DialInURL = ""
	}
	if from.ConferenceID == "" && old.ConferenceID != "" {
		s.ConferenceID = ""
	}
	if len(from.TollNumbers)+len(from.TollFreeNumbers) == 0 && len(old.TollNumbers)+len(old.TollFreeNumbers) > 0 {
		s.TollNumbers, s.TollFreeNumbers = nil, nil // a body without numbers gets none of either kind
	}
	if len(from.TollNumbers) == 0 && len(old.TollNumbers) > 0 {
		s.TollNumbers = nil
	}
	if len(from.TollFreeNumbers) == 0 && len(old.TollFreeNumbers) > 0 {
		s.TollFreeNumbers = nil
	}
	return s, nil
}

func (r *rendered) text() string {
	if !r.hasPlain {
		r.plain, r.hasPlain = escape(block.RenderText(r.spec)), true
	}
	return r.plain
}

func (r *rendered) html() string {
	if !r.hasHTML {
		r.markup, r.hasHTML = escape(block.RenderHTML(r.spec)), true
	}
	return r.markup
}

// sameValues reports whether two blocks say the same, wherever in their
// bodies they stand.
func sameValues(a, b block.Block) bool {
	a.Start, a.End, b.Start, b.End = 0, 0, 0, 0
	return reflect.DeepEqual(a, b)
}

// spliceBlock writes a property again with its block replaced by an
// escaped replacement; every byte outside the block keeps its escaping.
func (c *Calendar) spliceBlock(p Property, b block.Block, escaped string) {
	if p.Text()[b.Start:b.End] == unescapeText(escaped) {
		return // the body says this already: its line stays byte for byte, folding and all
	}
	before, after := spliceParts(p.Value, b.Start, b.End)
	c.setFolded(p, foldPieces(p.head, ":", before, escaped, after))
}

// spliceCopies replaces the block b of a body, and after it every exact
// repeat of its old text the body holds (an invitation that gives its
// join details twice, a reminder below): a copy left as it was would keep
// the old join link, conference ID or numbers in front of the attendees.
// Only byte-for-byte repeats are taken: a copy written otherwise (a
// forwarded one, reflowed or quoted) is not told apart from its
// surroundings safely, and stays as it is.
func (c *Calendar) spliceCopies(p Property, b block.Block, newFor func(old string, from block.Block) string) {
	text := p.Text()
	old := text[b.Start:b.End]
	escaped := newFor(old, b)
	spans := append([]block.Block{b}, repeats(text, b)...)
	if len(spans) == 1 {
		c.spliceBlock(p, b, escaped)
		return
	}
	pieces := []string{p.head, ":"}
	value, u := p.Value, 0 // the value's rest, and where it starts in the text
	for _, sp := range spans {
		s, e := escapedOffsets(value, sp.Start-u, sp.End-u)
		pieces = append(pieces, value[:s], escaped)
		value, u = value[e:], sp.End
	}
	c.setFolded(p, foldPieces(append(pieces, value)...))
}

// repeats are the spans of the exact repeats of b's text after it in
// text, in order, apart.
func repeats(text string, b block.Block) []block.Block {
	old := text[b.Start:b.End]
	if old == "" {
		return nil
	}
	var out []block.Block
	for at := b.End; ; {
		i := strings.Index(text[at:], old)
		if i < 0 {
			return out
		}
		out = append(out, block.Block{Start: at + i, End: at + i + len(old)})
		at += i + len(old)
	}
}

// updateLinks points the online-meeting properties that named the old join
// link at the new one, or another join link of the old block (a 2025
// Teams block joins by a short meet/ link; its properties name the
// meetup-join link it shows as its "System reference").
func (c *Calendar) updateLinks(comp *Component, p plan) {
	var links []string // the old block's, read when first needed
	read := false
	for _, name := range onlineMeetingProps {
		for _, prop := range comp.All(name) {
			v := prop.Text()
			if canonicalLink(v) != p.oldLink {
				if sameLink(p.old.JoinURL, p.spec.JoinURL) || !block.IsJoinLink(v) {
					continue // a kept join link keeps the others too
				}
				if !read {
					links, read = p.oldBlockLinks(), true
				}
				if !holdsLink(links, v) {
					continue
				}
			}
			c.setValue(prop, escape(p.spec.JoinURL))
		}
	}
}

// oldBlockLinks returns the http(s) links the old block writes.
func (p plan) oldBlockLinks() []string {
	if p.old.End <= p.old.Start || p.old.End > len(p.old.body) {
		return nil
	}
	return blockLinks(p.old.body[p.old.Start:p.old.End])
}

// oldThread is the Teams thread the old block names: its join link's, or
// that of a meetup-join link it writes beside a short one; "" for none.
func (p plan) oldThread() string {
	if t := teamsThreadID(p.old.JoinURL); t != "" || p.old.Provider != block.ProviderTeams {
		return t
	}
	for _, l := range p.oldBlockLinks() {
		if t := teamsThreadID(l); t != "" {
			return t
		}
	}
	return ""
}

// keepsTeamsMeeting reports whether the new block's join link names the
// old block's Teams meeting: the same link, or the same thread (a
// join_url template's {meeting} keeps it).
func (p plan) keepsTeamsMeeting() bool {
	if sameMeeting(p.old.JoinURL, p.spec.JoinURL) {
		return true
	}
	t := p.oldThread()
	return t != "" && strings.EqualFold(t, teamsThreadID(p.spec.JoinURL))
}

// dropConferenceLinks removes the X-MICROSOFT-ONLINEMEETINGCONFLINK that
// names the old conference ("conf:sip:...;gruu;opaque=app:conf:focus:id:
// <key>") when the meeting moves to another service or becomes another
// Teams meeting (a meetings file's row): Outlook offers to join what it
// names, and nothing of the change says what the new one's would be (a
// Teams one names the organiser's and tenant's ids).
//
// Moved to another service, the meeting also loses Outlook's
// X-MICROSOFT-ONLINEMEETINGINFORMATION, whose OnlineMeetingProvider names
// the old service.
func (c *Calendar) dropConferenceLinks(comp *Component, p plan) {
	if p.old.Provider != p.spec.Provider {
		for _, prop := range comp.All("X-MICROSOFT-ONLINEMEETINGINFORMATION") {
			c.remove(prop)
		}
	}
	if p.old.Provider == block.ProviderSkype && p.spec.Provider == block.ProviderSkype {
		// A Skype meeting given another conference (a new link's key)
		// loses the link that names its old one, which would also read as
		// another meeting's on the next run (see otherConference).
		key := block.SkypeKey(p.spec.JoinURL) // as the next run reads the new block
		for _, prop := range comp.All("X-MICROSOFT-ONLINEMEETINGCONFLINK") {
			if k := conferenceKey(prop.Text()); k != "" && (key == "" || !strings.EqualFold(k, key)) {
				c.remove(prop)
			}
		}
		return
	}
	if p.old.Provider == p.spec.Provider && (p.old.Provider != block.ProviderTeams || p.keepsTeamsMeeting()) {
		return
	}
	dropped := false
	for _, prop := range comp.All("X-MICROSOFT-ONLINEMEETINGCONFLINK") {
		if v := strings.TrimSpace(prop.Text()); len(v) >= 5 && strings.EqualFold(v[:5], "conf:") {
			c.remove(prop)
			dropped = true
		}
	}
	// A Skype meeting moved to Teams whose conference link was the only
	// property naming its online meeting names the Teams one instead, as
	// Outlook's Teams meetings do (found by an audit: none was left).
	if dropped && p.old.Provider == block.ProviderSkype && p.spec.Provider == block.ProviderTeams && !c.hasOnlineMeetingProp(comp) {
		c.insertBefore(c.tail(comp), "X-MICROSOFT-SKYPETEAMSMEETINGURL:"+escape(p.spec.JoinURL))
	}
}

// hasOnlineMeetingProp reports whether comp, as it now stands, has a
// property naming its online meeting.
func (c *Calendar) hasOnlineMeetingProp(comp *Component) bool {
	for _, name := range onlineMeetingProps {
		if _, ok := c.Current(comp, name); ok {
			return true
		}
	}
	return false
}

// updateTeamsProperties points X-MICROSOFT-SKYPETEAMSPROPERTIES, whose
// "cid" names the Teams meeting's thread (its chat), at the new meeting's
// when the meeting becomes another Teams meeting, or removes it where the
// new link names no thread or the meeting leaves Teams; it removes the
// X-MICROSOFT-SCHEDULINGSERVICEUPDATEURL that names the old thread.
func (c *Calendar) updateTeamsProperties(comp *Component, p plan) {
	if p.old.Provider != block.ProviderTeams || p.spec.Provider == block.ProviderTeams && p.keepsTeamsMeeting() {
		return
	}
	from, to := p.oldThread(), teamsThreadID(p.spec.JoinURL)
	// Teams' scheduling service URL names the old meeting's thread (its
	// colon written '_') with the organiser's and tenant's ids, none of
	// which the change gives for the new one.
	for _, prop := range comp.All("X-MICROSOFT-SCHEDULINGSERVICEUPDATEURL") {
		v := prop.Text()
		if from != "" && (strings.Contains(v, from) || strings.Contains(v, strings.Replace(from, ":", "_", 1))) {
			c.remove(prop)
		}
	}
	for _, prop := range comp.All("X-MICROSOFT-SKYPETEAMSPROPERTIES") {
		switch {
		case from == "" || !strings.Contains(prop.Value, from):
		case to == "" || p.spec.Provider != block.ProviderTeams:
			c.remove(prop)
		default:
			c.setValue(prop, strings.ReplaceAll(prop.Value, from, to))
		}
	}
}

// updateConferenceTel keeps Outlook's X-MICROSOFT-CONFERENCETELURI (the
// number and conference ID a phone dials: "tel:+4619123456,,68138") in
// step with the new block: left as it is while the block still has its
// number and conference ID, else pointed at the block's (its first toll
// number, else toll-free) or removed where the block has nothing to call.
func (c *Calendar) updateConferenceTel(comp *Component, p plan) {
	props := comp.All("X-MICROSOFT-CONFERENCETELURI")
	if len(props) == 0 {
		return
	}
	numbers := append(append([]string(nil), p.spec.TollNumbers...), p.spec.TollFreeNumbers...)
	want := ""
	if len(numbers) > 0 && p.spec.ConferenceID != "" {
		want = "tel:+" + block.DialDigits(numbers[0]) + ",," + p.spec.ConferenceID
	}
	for _, prop := range props {
		number, conference := splitConferenceTel(prop.Text())
		if conference == p.spec.ConferenceID && conference != "" && slices.ContainsFunc(numbers, func(n string) bool { return block.DialDigits(n) == number }) {
			continue
		}
		if want == "" {
			c.remove(prop)
		} else {
			c.setValue(prop, escape(want))
		}
	}
}

// splitConferenceTel reads "tel:+4619123456,,68138#" as the number's
// digits and the conference ID's.
func splitConferenceTel(v string) (number, conference string) {
	v = strings.TrimSpace(v)
	if len(v) >= 4 && strings.EqualFold(v[:4], "tel:") {
		v = v[4:]
	}
	n, conf, _ := strings.Cut(v, ",")
	return block.DialDigits(n), block.DialDigits(strings.TrimLeft(conf, ","))
}

// teamsThreadID is the thread a Teams meetup-join link names, as
// X-MICROSOFT-SKYPETEAMSPROPERTIES writes it ("19:meeting_...@thread.v2"),
// or "". Only an id of the characters such ids are made of is taken.
func teamsThreadID(link string) string {
	const marker = "/l/meetup-join/"
	k := strings.Index(block.LowerSameLength(link), marker)
	if k < 0 {
		return ""
	}
	id, _, _ := strings.Cut(link[k+len(marker):], "/")
	id, _, _ = strings.Cut(id, "?")
	id, err := url.PathUnescape(id)
	if err != nil || !strings.HasPrefix(id, "19:") || strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:@._-") != "" {
		return ""
	}
	return id
}

// bump writes the new SEQUENCE (adding it where missing, and to
// X-MICROSOFT-CDO-APPT-SEQUENCE where present) and sets DTSTAMP and
// LAST-MODIFIED (where present) to the run's time.
func (c *Calendar) bump(comp *Component, sequence int, stamp time.Time) {
	ts := stamp.UTC().Format("20060102T150405Z")
	if seq, ok := comp.Prop("SEQUENCE"); ok {
		c.setValue(seq, strconv.Itoa(sequence))
	} else {
		c.insertBefore(c.tail(comp), "SEQUENCE:"+strconv.Itoa(sequence))
	}
	if p, ok := comp.Prop("DTSTAMP"); ok {
		c.setValue(p, ts)
	} else {
		c.insertBefore(c.tail(comp), "DTSTAMP:"+ts)
	}
	if p, ok := comp.Prop("LAST-MODIFIED"); ok {
		c.setValue(p, ts)
	}
	// Exchange's own copy of the sequence, which Outlook reads before
	// SEQUENCE ([MS-OXCICAL] 2.1.3.1.1.20.22): left behind, an update
	// would look no newer than what attendees hold.
	if p, ok := comp.Prop(cdoSequence); ok {
		cdo := sequence
		if n, err := strconv.Atoi(strings.TrimSpace(p.Value)); err == nil {
			cdo = max(cdo, min(n, maxSequence-1)+1) // never below what attendees may hold
		}
		c.setValue(p, strconv.Itoa(cdo))
	}
}

const cdoSequence = "X-MICROSOFT-CDO-APPT-SEQUENCE"

// tail returns where new properties of a component go: before its first
// sub-component, or before its END line.
func (c *Calendar) tail(comp *Component) int {
	if len(comp.Children) > 0 {
		return comp.Children[0].begin
	}
	return comp.end
}
