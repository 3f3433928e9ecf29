package ics

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mms-project/mms/ics/block"
)

// rewrite replaces the block in the master and in every instance that is
// not past, and records the edits. It returns the components it changed.
func (c *Calendar) rewrite(m *Meeting, r Rules, p plan) ([]*Component, error) {
	var changed []*Component
	blocks := &rendered{spec: p.spec}
	p.oldLink = canonicalLink(p.old.JoinURL)
	for _, comp := range m.Components() {
		if comp != m.Master {
			past, err := c.isPast(comp, r)
			if err != nil {
				return nil, err
			}
			if past {
				continue
			}
		}
		ok, err := c.rewriteComponent(comp, r, p, blocks)
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: UID %s: %w", c.Name, c.Line(comp), m.UID, err)
		}
		if ok {
			changed = append(changed, comp)
		}
	}
	if len(changed) == 0 {
		return nil, fmt.Errorf("%s: UID %s: no component left to rewrite", c.Name, m.UID)
	}
	return changed, nil
}

// rewriteComponent replaces the block of one component's bodies and updates
// what goes with it. It reports whether the component holds a block.
//
// Where only one body holds a block, that body alone is rewritten, unless
// the other names the old join link outside a block: a rewrite would then
// leave the two bodies disagreeing, and the meeting fails instead.
func (c *Calendar) rewriteComponent(comp *Component, r Rules, p plan, blocks *rendered) (bool, error) {
	bodies := c.bodies(comp, p)
	switch {
	case !bodies.inText && !bodies.inHTML:
		return false, nil
	case bodies.inText && bodies.hasHTML && !bodies.inHTML:
		if holdsLink(block.HTMLLinks(bodies.html.Text()), p.old.JoinURL) {
			return false, fmt.Errorf("the block in DESCRIPTION has no counterpart in X-ALT-DESC, which holds its join link outside any block it can delimit; left alone so the two bodies do not disagree")
		}
	case bodies.inHTML && bodies.hasText && !bodies.inText:
		plain := bodies.text.Text()
		if pastesOtherMeeting(plain, blockLinks(bodies.html.Text()[bodies.hb.Start:bodies.hb.End])) {
			return false, nil // the HTML copies another meeting's block
		}
		if holdsLink(block.TextLinks(plain), p.old.JoinURL) {
			return false, fmt.Errorf("the block in X-ALT-DESC has no counterpart in DESCRIPTION, which holds its join link outside any block; left alone so the two bodies do not disagree")
		}
	}
	if bodies.inText {
		c.spliceBlock(bodies.text, bodies.tb, blocks.text())
	}
	if bodies.inHTML {
		c.spliceBlock(bodies.html, bodies.hb, blocks.html())
	}
	c.updateLinks(comp, p)
	c.dropConferenceLinks(comp, p)
	c.updateLocation(comp, p)
	return true, c.bump(comp, r.Stamp)
}

// componentBodies are a component's two bodies and the spans of their
// blocks.
type componentBodies struct {
	text, html       Property
	hasText, hasHTML bool
	tb, hb           block.Block
	inText, inHTML   bool
}

// bodies finds the blocks of a component's bodies; the block the decision
// was made on is not looked for again.
func (c *Calendar) bodies(comp *Component, p plan) componentBodies {
	var b componentBodies
	b.text, b.hasText = comp.Prop("DESCRIPTION")
	b.html, b.hasHTML = htmlBody(comp)
	switch {
	case comp == p.old.comp && p.old.inText:
		b.tb, b.inText = p.old.Block, true
	case b.hasText:
		b.tb, b.inText = c.finder.SpanText(b.text.Text())
	}
	switch {
	case comp == p.old.comp && !p.old.inText:
		b.hb, b.inHTML = p.old.Block, true
	case b.hasHTML:
		b.hb, b.inHTML = c.finder.SpanHTML(b.html.Text())
	}
	return b
}

// rendered renders the new block of one meeting once, for all of its
// components, escaped as a TEXT value.
type rendered struct {
	spec              block.Spec
	plain, markup     string
	hasPlain, hasHTML bool
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

// spliceBlock writes a property again with its block replaced by an
// escaped replacement; every byte outside the block keeps its escaping.
func (c *Calendar) spliceBlock(p Property, b block.Block, escaped string) {
	before, after := spliceParts(p.Value, b.Start, b.End)
	c.setFolded(p, foldPieces(p.head, ":", before, escaped, after))
}

// updateLinks points the online-meeting properties that named the old join
// link at the new one.
func (c *Calendar) updateLinks(comp *Component, p plan) {
	for _, name := range onlineMeetingProps {
		for _, prop := range comp.All(name) {
			if canonicalLink(prop.Text()) == p.oldLink {
				c.setValue(prop, escape(p.spec.JoinURL))
			}
		}
	}
}

// dropConferenceLinks removes the X-MICROSOFT-ONLINEMEETINGCONFLINK that
// names the old service's conference ("conf:sip:...;gruu;opaque=app:conf:
// focus:id:<key>") when the meeting moves to another service: Outlook
// offers to join what it names, and nothing of the change says what the
// new service's would be (a Teams one names the organiser's and tenant's
// ids).
func (c *Calendar) dropConferenceLinks(comp *Component, p plan) {
	if p.old.Provider == p.spec.Provider {
		return
	}
	for _, prop := range comp.All("X-MICROSOFT-ONLINEMEETINGCONFLINK") {
		if v := strings.TrimSpace(prop.Text()); len(v) >= 5 && strings.EqualFold(v[:5], "conf:") {
			c.remove(prop)
		}
	}
}

// serviceNames are LOCATION values that only name an online-meeting service.
var serviceNames = map[string]block.Provider{
	"skype meeting":               block.ProviderSkype,
	"skype-möte":                  block.ProviderSkype,
	"skype-møde":                  block.ProviderSkype,
	"skype-besprechung":           block.ProviderSkype,
	"réunion skype":               block.ProviderSkype,
	"reunión de skype":            block.ProviderSkype,
	"microsoft teams meeting":     block.ProviderTeams,
	"microsoft teams-möte":        block.ProviderTeams,
	"microsoft teams-møde":        block.ProviderTeams,
	"microsoft teams-besprechung": block.ProviderTeams,
	"réunion microsoft teams":     block.ProviderTeams,
	"reunión de microsoft teams":  block.ProviderTeams,
	"microsoft teams":             block.ProviderTeams,
	"teams meeting":               block.ProviderTeams,
}

// updateLocation renames a LOCATION that only named the old service, or
// only held the old join link.
func (c *Calendar) updateLocation(comp *Component, p plan) {
	loc, ok := comp.Prop("LOCATION")
	if !ok {
		return
	}
	v := strings.TrimSpace(loc.Text())
	switch {
	case v != "" && p.old.JoinURL != p.spec.JoinURL && canonicalLink(v) == p.oldLink:
		c.setValue(loc, escape(p.spec.JoinURL))
	case serviceNames[strings.ToLower(v)] != "" && p.old.Provider != p.spec.Provider:
		c.setValue(loc, escape(locationName(p.spec.Provider)))
	}
}

// locationName names the new service.
func locationName(to block.Provider) string {
	if to == block.ProviderSkype {
		return "Skype Meeting"
	}
	return "Microsoft Teams Meeting"
}

// bump raises SEQUENCE by one (adding SEQUENCE:1 where missing) and sets
// DTSTAMP and LAST-MODIFIED (where present) to the run's time.
func (c *Calendar) bump(comp *Component, stamp time.Time) error {
	ts := stamp.UTC().Format("20060102T150405Z")
	if seq, ok := comp.Prop("SEQUENCE"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(seq.Value))
		if err != nil {
			return fmt.Errorf("SEQUENCE %q is not a number", seq.Value)
		}
		c.setValue(seq, strconv.Itoa(n+1))
	} else {
		c.insertBefore(c.tail(comp), "SEQUENCE:1")
	}
	if p, ok := comp.Prop("DTSTAMP"); ok {
		c.setValue(p, ts)
	} else {
		c.insertBefore(c.tail(comp), "DTSTAMP:"+ts)
	}
	if p, ok := comp.Prop("LAST-MODIFIED"); ok {
		c.setValue(p, ts)
	}
	return nil
}

// tail returns where new properties of a component go: before its first
// sub-component, or before its END line.
func (c *Calendar) tail(comp *Component) int {
	if len(comp.Children) > 0 {
		return comp.Children[0].begin
	}
	return comp.end
}
