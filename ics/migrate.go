package ics

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"github.com/mms-project/mms/ics/block"
	"github.com/mms-project/mms/ics/recur"
	"github.com/mms-project/mms/ics/tz"
)

// Migrate decides whether one meeting's block is replaced and, if so,
// records the rewrite in the calendar. Reasons to skip are checked in the
// contract's order; the first that holds is reported.
func (c *Calendar) Migrate(m *Meeting, r Rules, ch Change) (res Result) {
	defer func() { res.Err = bound(res.Err) }()
	defer func() {
		if p := recover(); p != nil { // never let one meeting take the batch down
			res.UID = m.UID
			res.Err = fmt.Errorf("%s: UID %s: internal error: %v", c.Name, m.UID, p)
			res.Changed = nil
			c.Revert(m.Components()) // nor leave it half rewritten, its update unsent
		}
	}()
	res = c.describe(m, r)
	if m.Err != nil {
		if reason, evidence := c.skipFaulty(m, r); reason != "" {
			res.Skipped, res.Evidence = reason, evidence
			return res
		}
		res.Err = m.Err
		return res
	}
	found, reason, err := c.decide(m, r, ch, &res)
	res.End, res.HasEnd = c.end(m, r, res.Start, res.HasStart)
	if reason != Past {
		// a past meeting is left as it is, as one with other bytes an
		// update could not carry (checkText)
		if crErr := c.checkBareCR(m, reason == ""); crErr != nil {
			err, reason, res.Evidence = crErr, "", ""
		}
	}
	switch {
	case err != nil:
		res.Err = err
	case reason != "":
		res.Skipped = reason
	default:
		res.Changed, res.Notes, res.Err = c.rewrite(m, r, found)
		if note := borrowedID(found); note != "" && res.Err == nil {
			res.Notes = append(res.Notes, note)
		}
		var foreign foreignSkip
		if errors.As(res.Err, &foreign) { // no future occurrence holds the meeting's block
			res.Err, res.Skipped, res.Evidence = nil, foreign.reason, boundEvidence(strings.Join(res.Notes, "; "))
			if foreign.provider != "" {
				res.Provider = foreign.provider
			}
			res.Notes = nil
		}
		if res.Err == nil && len(res.Changed) > 0 {
			err := c.checkText(m)
			if err == nil {
				err = c.checkUpdatable(m, res.Changed, r)
			}
			if err != nil { // its update cannot carry what it holds
				c.Revert(res.Changed)
				res.Changed, res.Notes, res.Err = nil, nil, err
			}
		}
	}
	return res
}

// skipFaulty is the reason to leave alone a meeting whose faults are all
// readable ones, where each of its components gives it: another's meeting
// in every copy (one ORGANIZER each, not the user), or every copy past.
// "" for any other: the meeting fails with its fault.
func (c *Calendar) skipFaulty(m *Meeting, r Rules) (Reason, string) {
	comps := m.Components()
	for _, comp := range comps {
		var ok readable
		if comp.Err != nil && !errors.As(comp.Err, &ok) || !whoAndWhenReadable(comp) {
			return "", "" // a component keeps its first fault only: the others are looked for again
		}
	}
	if c.checkBareCR(m, false) != nil {
		return "", "" // a line hidden
	}
	others := true
	for _, comp := range comps {
		if orgs := comp.All("ORGANIZER"); len(orgs) != 1 || isOrganizer(comp, r.Organizer) {
			others = false
		}
	}
	if others {
		return NotOrganizer, notOrganizerEvidence(m)
	}
	// the copies walked within the calendar's bound, as every meeting's
	// are; the evidence within one meeting's, as pastEvidence's
	var last time.Time
	evidence := &recur.Budget{Steps: 4 * maxEvidenceSteps, Done: r.Cancel, Time: maxEvidenceTime}
	for _, comp := range comps {
		if id, ok := comp.Prop("RECURRENCE-ID"); ok && strings.EqualFold(strings.TrimSpace(id.Param("RANGE")), "THISANDFUTURE") {
			return "", ""
		}
		s := recur.Series{Master: comp.toICal(), Budget: c.recurBudget(r)}
		if _, future, err := s.NextAtOrAfter(r.Now, c.resolver(comp), c.floating(comp, r)); err != nil || future {
			return "", ""
		}
		s.Budget = evidence
		if t, ok, err := s.LastBefore(r.Now, c.resolver(comp), c.floating(comp, r)); err == nil && ok && t.After(last) {
			last = t
		}
	}
	if last.IsZero() {
		return Past, "no occurrence at or after " + stamp(r.Now) + " in any copy of it"
	}
	return Past, "last occurrence " + stamp(last) + ", in every copy of it"
}

// whoAndWhenReadable reports whether none of comp's organiser, attendees
// and times runs on into a raw line break, and none of its times is given
// twice: the faults a readable one may hide (see addToMeeting).
func whoAndWhenReadable(comp *Component) bool {
	for _, p := range comp.Props {
		if slices.Contains(unbrokenProps, p.Name) && strings.Contains(p.Value, "\n") {
			return false
		}
	}
	for _, name := range singleTimeProps {
		if len(comp.All(name)) > 1 {
			return false
		}
	}
	return true
}

// describe fills what the report says of any meeting.
func (c *Calendar) describe(m *Meeting, r Rules) Result {
	first := m.First()
	res := Result{UID: m.UID}
	if p, ok := first.Prop("SUMMARY"); ok {
		res.Summary = p.Text()
	}
	if p, ok := first.Prop("DTSTART"); ok {
		prop := p.toICal()
		var err error
		res.Start, _, err = recur.DateTime(&prop, c.resolver(first), c.floating(first, r))
		res.HasStart = err == nil
	}
	res.Recurrence = recurrence(m)
	res.Attendees, res.Organizer, res.People = countPeople(m.Components(), first, r)
	return res
}

// countPeople returns the attendees of comps, their organiser and how
// many people they are: the attendees but the organiser's own addresses
// and rooms, and the organiser.
func countPeople(comps []*Component, first *Component, r Rules) (attendees []string, organizer string, n int) {
	attendees, organizer = people(comps)
	if isOrganizer(first, r.Organizer) { // the user's other addresses are the organiser too
		own := make([]string, len(r.Organizer))
		for i, o := range r.Organizer {
			own[i] = address(o)
		}
		attendees = slices.DeleteFunc(attendees, func(a string) bool { return slices.Contains(own, a) })
	}
	n = len(attendees) - rooms(comps, attendees)
	if organizer != "" {
		n++
	}
	return attendees, organizer, n
}

// peopleToCome is countPeople of the components an update carries: the
// master and the instances not past.
func (c *Calendar) peopleToCome(m *Meeting, r Rules) (int, error) {
	var comps []*Component
	if m.Master != nil {
		comps = append(comps, m.Master)
	}
	for _, o := range m.Overrides {
		past, err := c.isPast(m, o, r)
		if err != nil {
			return 0, err
		}
		if !past {
			comps = append(comps, o)
		}
	}
	if len(comps) == 0 {
		return 0, nil
	}
	_, _, n := countPeople(comps, m.First(), r)
	return n, nil
}

// rooms counts the attendees (of those listed) that are rooms or other
// resources (CUTYPE=ROOM or RESOURCE, RFC 5545 3.2.3) wherever they are
// named: they get the update, but they are not people.
func rooms(comps []*Component, attendees []string) int {
	var found map[string]bool
	for _, comp := range comps {
		for _, p := range comp.Props {
			if p.Name != "ATTENDEE" {
				continue
			}
			if t := p.Param("CUTYPE"); strings.EqualFold(t, "ROOM") || strings.EqualFold(t, "RESOURCE") {
				if found == nil {
					found = map[string]bool{}
				}
				found[userAddress(p)] = true
			}
		}
	}
	n := 0
	for _, a := range attendees {
		if found[a] {
			n++
		}
	}
	return n
}

// decide applies the skip rules in order and returns what the rewrite needs.
func (c *Calendar) decide(m *Meeting, r Rules, ch Change, res *Result) (plan, Reason, error) {
	n, err := c.nextOccurrence(m, r)
	next, future := n.At, n.OK
	if future {
		res.Start, res.HasStart = next, true
	}
	if out, kind := c.excludes(m, r.Source); out {
		res.Provider = kind
		res.Evidence = "block of " + string(kind) + ", not of the source type " + string(r.Source)
		return plan{}, NotSourceMeetingType, nil
	}
	if !isOrganizer(m.First(), r.Organizer) {
		res.Evidence = notOrganizerEvidence(m)
		return plan{}, NotOrganizer, nil // a series that cannot be expanded is not the user's concern
	}
	if err != nil {
		return plan{}, "", err
	}
	if !future {
		res.Evidence = c.pastEvidence(m, r)
		return plan{}, Past, nil
	}
	if res.People > MaxPeople {
		// counted again without those invited only to instances past,
		// which the update leaves out
		if res.People, err = c.peopleToCome(m, r); err != nil {
			return plan{}, "", err
		}
		if res.People > MaxPeople {
			res.Evidence = tooManyEvidence(res.People)
			return plan{}, TooManyAttendees, nil
		}
	}
	// none of the master's own occurrences is left: a series that ended,
	// with an instance moved into the future
	masterPast := m.Master != nil && len(m.Overrides) > 0 && !n.MasterOK
	old, ok := found{}, false
	if masterPast { // decide on a block the rewrite will edit, so that a rerun finds it current
		if old, ok, err = c.findFutureBlock(m, r); err != nil {
			return plan{}, "", err
		}
	}
	if !ok {
		old, ok = c.findBlock(m)
	}
	if !ok {
		res.Evidence = noBlockEvidence(m)
		return plan{}, NoMeetingBlock, nil
	}
	res.Provider, res.OldJoinURL = old.Provider, old.JoinURL
	res.OldBlock, res.OldBody, res.OldInText = old.Block, old.body, old.inText
	if old.Provider != block.ProviderTeams && old.Provider != block.ProviderSkype {
		res.Evidence = providerEvidence(old)
		return plan{}, OtherProvider, nil
	}
	if !ownsBlock(m, old, r.Organizer) {
		res.Evidence = pastedEvidence(m, old, r.Organizer)
		return plan{}, PastedBlock, nil
	}
	blk, err := templateBlock(old, ch, m.UID)
	if err != nil {
		return plan{}, "", fmt.Errorf("%s: UID %s: %w", c.Name, m.UID, err)
	}
	spec, err := newSpec(blk, ch, m.UID)
	if err != nil {
		return plan{}, "", fmt.Errorf("%s: UID %s: %w", c.Name, m.UID, err)
	}
	res.NewJoinURL = spec.JoinURL
	p := plan{old: old, spec: spec, ch: ch, uid: m.UID, organizer: r.Organizer, masterPast: masterPast}
	if sameBlock(old.Block, spec) {
		stale, err := c.staleInstance(m, r, p)
		if err != nil {
			return plan{}, "", err
		}
		if stale != nil {
			return p, "", nil
		}
		res.Evidence = boundEvidence("the block already shows join link " + clip(old.JoinURL, evidenceLink))
		if ch.givesNothing(m.UID) {
			res.Evidence = "the change gives no new value (target, join_url, conference_id, toll_number, toll_free_number and dialin_url are empty), so nothing is written"
		}
		return plan{}, AlreadyCurrent, nil
	}
	return p, "", nil
}

// staleInstance returns a future instance of a meeting whose block is the
// meeting's but does not yet say what p writes, where the block the
// decision read already does: Outlook leaves an instance's own body alone
// when the series' is edited, so a series updated by hand (or by another
// tool) can keep an instance with the old block; the meeting is then not
// current. Nil when there is none.
func (c *Calendar) staleInstance(m *Meeting, r Rules, p plan) (*Component, error) {
	// The decision's own component first: its other body (an HTML body
	// left with the old block beside a current text, or the other way
	// round) is stale as well.
	comps := append([]*Component{p.old.comp}, m.Overrides...)
	for i, comp := range comps {
		if i > 0 && comp == p.old.comp {
			continue
		}
		b := c.bodies(comp, p, componentBodies{})
		if !b.inText && !b.inHTML {
			continue
		}
		if why, _ := c.foreignBlock(comp, b, p); why != "" {
			continue
		}
		if comp == m.Master {
			// the decision's block: the master has an occurrence to
			// come (else the decision reads a future instance's)
		} else if i > 0 && cancelledComp(comp) {
			continue // no occurrence to tell its attendees of
		} else if past, err := c.isPast(m, comp, r); err != nil || past {
			if err != nil {
				return nil, err
			}
			continue
		}
		for _, f := range []struct {
			in  bool
			blk block.Block
		}{{b.inText, b.tb}, {b.inHTML, b.hb}} {
			if !f.in {
				continue
			}
			// as the rewrite writes this body: what it leaves out of the
			// meeting's block stays out
			if spec, err := bodySpec(f.blk, p.old.Block, p.spec, p.ch, m.UID); err == nil && !sameBlock(f.blk, spec) {
				return comp, nil
			}
		}
	}
	return nil, nil
}

// cancelledComp reports whether comp is a cancelled meeting or instance
// (STATUS:CANCELLED).
func cancelledComp(comp *Component) bool {
	p, ok := comp.Prop("STATUS")
	return ok && strings.EqualFold(strings.TrimSpace(p.Value), "CANCELLED")
}

// recurBudget is the bound of every walk of the calendar's recurrences.
func (c *Calendar) recurBudget(r Rules) *recur.Budget {
	if c.budget == nil {
		c.budget = &recur.Budget{Steps: MaxRecurrenceSteps, Time: MaxRecurrenceTime}
	}
	c.budget.Done = r.Cancel
	return c.budget
}

// nextOccurrence returns what a walk of the meeting finds from now on:
// its first occurrence, if any, and whether its master has one of its own.
func (c *Calendar) nextOccurrence(m *Meeting, r Rules) (recur.Next, error) {
	n, err := c.series(m, r).Next(r.Now, c.resolver(m.First()), c.floating(m.First(), r))
	if err != nil {
		return recur.Next{}, fmt.Errorf("%s: line %d: UID %s: %w", c.Name, c.lineOf(err, m.Components()...), m.UID, err)
	}
	return n, nil
}

// series is the meeting as recur walks it, within the calendar's budget.
func (c *Calendar) series(m *Meeting, r Rules) recur.Series {
	s := recur.Series{Budget: c.recurBudget(r)}
	if m.Master != nil {
		s.Master = m.Master.toICal()
	}
	for _, o := range m.Overrides {
		s.Overrides = append(s.Overrides, o.toICal())
	}
	return s
}

// isPast reports whether one instance of a meeting lies before now.
//
// An instance with RANGE=THISANDFUTURE is more than itself: its offset
// and its properties, its body with the block among them, hold for the
// series' later occurrences too (RFC 5545 3.2.13), up to the next such
// instance's. It is past only when they all are: while one is left, the
// rewrite gives it the new block and the series' update carries it,
// though its own start is past (left out, attendees would keep the old
// block and lose the move for those occurrences). Once they are all
// past, it stays as it was, as every past instance does.
func (c *Calendar) isPast(m *Meeting, comp *Component, r Rules) (bool, error) {
	var past bool
	var err error
	if id, ok := comp.Prop("RECURRENCE-ID"); ok && m.Master != nil && strings.EqualFold(strings.TrimSpace(id.Param("RANGE")), "THISANDFUTURE") {
		past, err = c.series(m, r).InstancePast(comp.toICal(), r.Now, c.resolver(comp), c.floating(comp, r))
	} else {
		past, err = recur.IsPast(comp.toICal(), r.Now, c.resolver(comp), c.floating(comp, r))
	}
	if err != nil {
		return false, fmt.Errorf("%s: line %d: %w", c.Name, c.lineOf(err, comp), err)
	}
	return past, nil
}

// lineOf is the line an error about comps names: that of the property
// whose value it is about (a recur.PropError), else the first component's.
func (c *Calendar) lineOf(err error, comps ...*Component) int {
	var pe *recur.PropError
	if errors.As(err, &pe) {
		for _, exact := range []bool{true, false} {
			for _, comp := range comps {
				if pe.Comp != nil && comp.toICal() != pe.Comp {
					continue // the same property of another instance
				}
				for _, p := range comp.Props {
					if p.Name == pe.Name && (!exact || p.Value == pe.Value) {
						return c.PropLine(p)
					}
				}
			}
		}
	}
	return c.Line(comps[0])
}

// resolver returns the zones comp's times are read in: those its own
// VCALENDAR defines, then the file's (the first definition of each TZID).
// A file that joins several VCALENDARs (exports put together) may define
// one TZID otherwise in each, and each is read as its own calendar says,
// as its update carries it (see zonesUsed). A VCALENDAR whose definitions
// say what the file's first do reads them with the file's resolver, and
// those whose definitions say the same otherwise share one.
func (c *Calendar) resolver(comp *Component) *tz.Resolver {
	if c.zones == nil {
		c.zones = tz.NewResolver(c.timezones())
	}
	root := comp.root()
	if root == nil || len(c.roots) < 2 {
		return c.zones
	}
	if r, ok := c.calendarZones[root]; ok {
		return r
	}
	if c.calendarZones == nil {
		c.calendarZones, c.zoneVariants = map[*Component]*tz.Resolver{}, map[string]*tz.Resolver{}
	}
	r := c.zones
	if own, says := c.ownZones(root); len(own) > 0 {
		if r = c.zoneVariants[says]; r == nil {
			r = c.zones.Within(own)
			c.zoneVariants[says] = r
		}
	}
	c.calendarZones[root] = r
	return r
}

// ownZones returns the VTIMEZONEs of one VCALENDAR that say otherwise
// than the file's first definition of their TZID, and what they say.
func (c *Calendar) ownZones(root *Component) ([]*ical.Component, string) {
	if c.firstZones == nil {
		c.firstZones = map[string]string{}
		for _, z := range c.zoneComponents() {
			if id, ok := z.Prop("TZID"); ok && z.Err == nil {
				if _, seen := c.firstZones[id.Value]; !seen {
					c.firstZones[id.Value] = zoneRules(z)
				}
			}
		}
	}
	var own []*ical.Component
	var says strings.Builder
	for _, z := range root.Children {
		id, ok := z.Prop("TZID")
		if z.Name != "VTIMEZONE" || z.Err != nil || !ok {
			continue
		}
		if rules := zoneRules(z); rules != c.firstZones[id.Value] {
			own = append(own, z.toICal())
			says.WriteString(rules)
		}
	}
	return own, says.String()
}

// zoneRules is what a VTIMEZONE says of time: its TZID and each
// observance's onsets and offsets, as written.
func zoneRules(z *Component) string {
	var b strings.Builder
	b.WriteString("BEGIN:" + z.Name + "\n")
	for _, p := range z.Props {
		if isTimeProp(p.Name) {
			b.WriteString(p.head + ":" + p.Value + "\n")
		}
	}
	for _, child := range z.Children {
		b.WriteString(zoneRules(child))
	}
	b.WriteString("END\n")
	return b.String()
}

// root is the top-level component comp is in: its VCALENDAR.
func (comp *Component) root() *Component {
	root := comp
	for root != nil && root.Parent != nil {
		root = root.Parent
	}
	return root
}

// floating is the zone a component's floating times and dates are read
// in: the rules', else the one its own VCALENDAR's X-WR-TIMEZONE names
// (Google's and Apple's exports say so the zone their calendar is kept
// in; a file may join several calendars), else UTC.
func (c *Calendar) floating(comp *Component, r Rules) *time.Location {
	if r.Floating != nil {
		return r.Floating
	}
	root := comp.root()
	if root == nil {
		return time.UTC
	}
	if c.floatZones == nil {
		c.floatZones = map[*Component]*time.Location{}
	}
	loc, ok := c.floatZones[root]
	if !ok {
		loc = time.UTC
		if p, ok := root.Prop("X-WR-TIMEZONE"); ok {
			if l, err := c.resolver(root).Location(p.Text()); err == nil {
				loc = l
			}
		}
		c.floatZones[root] = loc
	}
	return loc
}

// recurrence describes how a meeting recurs: its master's RRULE values.
func recurrence(m *Meeting) string {
	if m.Master == nil {
		return ""
	}
	var rules []string
	for _, p := range m.Master.All("RRULE") {
		rules = append(rules, strings.TrimSpace(p.Value))
	}
	return strings.Join(rules, "; ")
}

// end returns start plus the meeting's length: DTEND less DTSTART, or
// DURATION, of the component that speaks for it; an all-day meeting
// without either lasts one day.
func (c *Calendar) end(m *Meeting, r Rules, start time.Time, hasStart bool) (time.Time, bool) {
	first := m.First()
	if !hasStart {
		return time.Time{}, false
	}
	dtstart, ok := first.Prop("DTSTART")
	if !ok {
		return time.Time{}, false
	}
	sp := dtstart.toICal()
	from, allDay, err := recur.DateTime(&sp, c.resolver(first), c.floating(first, r))
	if err != nil {
		return time.Time{}, false
	}
	if p, ok := first.Prop("DTEND"); ok {
		ep := p.toICal()
		if to, _, err := recur.DateTime(&ep, c.resolver(first), c.floating(first, r)); err == nil && !to.Before(from) {
			return start.Add(to.Sub(from)), true
		}
		return time.Time{}, false
	}
	if p, ok := first.Prop("DURATION"); ok {
		dp := p.toICal()
		if d, err := dp.Duration(); err == nil && d >= 0 {
			return start.Add(d), true
		}
		return time.Time{}, false
	}
	if allDay {
		return start.AddDate(0, 0, 1), true
	}
	return start, true
}
