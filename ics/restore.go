package ics

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Original returns a component's bytes as they were parsed, before any
// edit, line endings and folding included: what a rollback puts back.
func (c *Calendar) Original(comp *Component) []byte {
	if comp.end < 0 {
		return nil
	}
	return []byte(c.data[c.lines[comp.begin].start:c.lines[comp.end].end])
}

// stampProps are the lines a restore writes anew rather than puts back.
var stampProps = map[string]bool{"SEQUENCE": true, "DTSTAMP": true, "LAST-MODIFIED": true, cdoSequence: true}

// Restore puts back the original bytes of one meeting's components.
// originals is what Original returned for each rewritten component, one
// after the other. Each is matched with the calendar's component of the
// same UID and RECURRENCE-ID and replaces it whole, except that SEQUENCE
// becomes one more than the replaced component's (so attendees take the
// restore as the newer version), and DTSTAMP and LAST-MODIFIED (where the
// original has one) become stamp. A component that already says what the
// original says, apart from those lines, is left alone, so a restore done
// twice changes nothing the second time.
//
// Restore returns the components it replaced, as Request takes them.
func (c *Calendar) Restore(uid string, originals []byte, stamp time.Time) ([]*Component, error) {
	return c.restore(uid, originals, restoring{stamp: stamp})
}

// Written is what a batch wrote of the meetings a rollback restores.
type Written struct {
	Stamp time.Time // the batch's DTSTAMP
	// MinSequence, when above 0, is the least SEQUENCE the restore may
	// write: one above the last update the attendees were sent (a later
	// batch's rollback's, say), or they would ignore it as older.
	MinSequence int
}

// RestoreAsWritten is Restore of what a batch wrote: a component that is
// neither restored already nor as the batch left it (SEQUENCE one above
// the original's, DTSTAMP the batch's) was changed since, and the meeting
// fails with ErrChangedSince, left as it is: a rollback must not undo what
// came after the batch. A component whose content the batch did not
// change (an instance carried with its series' update) is restored and
// sent too, its SEQUENCE and DTSTAMP put back.
func (c *Calendar) RestoreAsWritten(uid string, originals []byte, w Written, stamp time.Time) ([]*Component, error) {
	return c.restore(uid, originals, restoring{stamp: stamp, wrote: &w})
}

// ErrChangedSince marks a meeting changed since the batch a rollback undoes.
var ErrChangedSince = errors.New("changed since the batch")

// asWritten says how k, the component a rewrite of o made, differs from
// what that rewrite wrote, or nil.
func (c *Calendar) asWritten(o, k *Component, w Written) error {
	want, err := nextSequence(o)
	if err != nil {
		return err
	}
	if got := sequenceText(k); got != strconv.Itoa(want) {
		return fmt.Errorf("%w: its SEQUENCE is %s, the batch wrote %d; roll back what changed it first, or leave it", ErrChangedSince, excerpt(got), want)
	}
	stamp, _ := k.Prop("DTSTAMP")
	if got, ts := strings.TrimSpace(stamp.Value), w.Stamp.UTC().Format("20060102T150405Z"); got != ts {
		return fmt.Errorf("%w: its DTSTAMP is %s, the batch wrote %s; roll back what changed it first, or leave it", ErrChangedSince, excerpt(got), ts)
	}
	return nil
}

// sequenceText is a component's SEQUENCE as written, "" when it has none.
func sequenceText(comp *Component) string {
	seq, _ := comp.Prop("SEQUENCE")
	return strings.TrimSpace(seq.Value)
}

// RestoreExact is Restore with the original bytes whole, SEQUENCE and
// DTSTAMP included: for a copy of the calendar that no attendee was told
// of (a rewrite whose update was never sent), put back as it was read.
func (c *Calendar) RestoreExact(uid string, originals []byte) ([]*Component, error) {
	return c.restore(uid, originals, restoring{exact: true})
}

// restoring says how restore puts a meeting back.
type restoring struct {
	stamp time.Time // DTSTAMP of what it restores
	exact bool      // the original bytes whole (RestoreExact)
	wrote *Written  // what the batch undone wrote (RestoreAsWritten)
}

// done reports whether k, holding what o says but for the lines a restore
// writes anew, is restored already: not a component the batch undone left
// so (its content unchanged, its SEQUENCE the batch's), which is restored
// too.
func (r restoring) done(o, k *Component) bool {
	if r.wrote == nil {
		return true
	}
	want, err := nextSequence(o)
	return err != nil || sequenceText(k) != strconv.Itoa(want)
}

func (c *Calendar) restore(uid string, originals []byte, how restoring) ([]*Component, error) {
	orig, err := ParseOriginals(c.Name, uid, originals)
	if err != nil {
		return nil, err
	}
	current := map[string]*Component{}
	for _, comp := range c.Components("VEVENT") {
		if componentUID(comp) == uid {
			current[instanceKey(comp)] = comp
		}
	}
	type replacement struct {
		k    *Component
		text string
	}
	var todo []replacement // made once every component is checked: a meeting is restored whole or not at all
	for _, o := range orig.Components("VEVENT") {
		if o.Err != nil {
			return nil, o.Err
		}
		if componentUID(o) != uid {
			return nil, fmt.Errorf("%s: the original of UID %s holds UID %s", c.Name, uid, componentUID(o))
		}
		k := current[instanceKey(o)]
		if k == nil {
			return nil, fmt.Errorf("%s: UID %s%s is no longer in the calendar; nothing restored", c.Name, uid, describeInstance(o))
		}
		if k.end < 0 || k.Err != nil {
			return nil, fmt.Errorf("%s: line %d: UID %s: the component to restore is malformed: %v", c.Name, c.Line(k), uid, k.Err)
		}
		var text string
		switch {
		case how.exact:
			if text = orig.unmarkedRaw(o.begin, o.end); text == c.unmarkedRaw(k.begin, k.end) {
				continue
			}
		case sameContent(o, k) && how.done(o, k):
			continue
		default:
			if how.wrote != nil {
				if err := orig.asWritten(o, k, *how.wrote); err != nil {
					return nil, fmt.Errorf("%s: line %d: UID %s%s: %w", c.Name, c.Line(k), uid, describeInstance(k), err)
				}
			}
			if text, err = orig.restamped(o, k, how); err != nil {
				return nil, fmt.Errorf("%s: line %d: UID %s: %w", c.Name, c.Line(k), uid, err)
			}
		}
		todo = append(todo, replacement{k, text})
	}
	var changed []*Component
	for _, r := range todo {
		c.replaceComponent(r.k, r.text)
		changed = append(changed, r.k)
	}
	return changed, nil
}

// ParseOriginals reads what Original returned for each component of one
// meeting a rewrite changed, one after the other, as a calendar named
// after the calendar they were read from.
func ParseOriginals(name, uid string, originals []byte) (*Calendar, error) {
	return Parse(name+" (original of UID "+uid+")", []byte("BEGIN:VCALENDAR\r\n"+string(originals)+"END:VCALENDAR\r\n"))
}

// Rewritten returns the calendar's components of a meeting that originals
// (what Original returned for each component a rewrite changed) name, by
// UID and RECURRENCE-ID: what the rewrite's update carries, found again
// after it was written (a CalDAV object stored by an attempt that stopped
// before sending).
func (c *Calendar) Rewritten(uid string, originals []byte) ([]*Component, error) {
	orig, err := ParseOriginals(c.Name, uid, originals)
	if err != nil {
		return nil, err
	}
	out := c.Same(orig.Components("VEVENT"))
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: UID %s: none of the components its rewrite changed is in the calendar", c.Name, uid)
	}
	return out, nil
}

// Same returns the components of c with the UID and RECURRENCE-ID of
// comps, components of another parse of the same calendar: after Restore
// replaced components whole, the calendar parsed again from its bytes
// holds them as they now read, properties and parameters included.
// They come in the order of comps: an update's first component is the one
// its text, SEQUENCE and message id are taken from.
func (c *Calendar) Same(comps []*Component) []*Component {
	here := map[string]*Component{}
	for _, comp := range c.Components("VEVENT") {
		here[componentUID(comp)+"\x00"+instanceKey(comp)] = comp
	}
	var out []*Component
	for _, comp := range comps {
		if k := here[componentUID(comp)+"\x00"+instanceKey(comp)]; k != nil {
			out = append(out, k)
		}
	}
	return out
}

// restamped is the original component o with SEQUENCE one above the
// current component k's (or the least how allows), and DTSTAMP
// (LAST-MODIFIED where present) how's stamp.
func (c *Calendar) restamped(o, k *Component, how restoring) (string, error) {
	seq, err := nextSequence(k)
	if err != nil {
		return "", err
	}
	if how.wrote != nil {
		seq = max(seq, how.wrote.MinSequence)
	}
	c.bump(o, seq, how.stamp)
	return c.unmarkedRaw(o.begin, o.end), nil // c is the parsed original: it has no marks
}

// replaceComponent writes text in place of a component's lines.
func (c *Calendar) replaceComponent(k *Component, text string) {
	if c.replace == nil {
		c.replace = map[int]string{}
	}
	c.replace[k.begin] = text
	c.touch(k.begin)
	for i := k.begin + 1; i <= k.end; i++ {
		c.replace[i] = ""
		c.touch(i)
		delete(c.insertions, i)
	}
	delete(c.insertions, k.begin)
}

// sameContent reports whether two components hold the same properties,
// apart from the lines a restore writes anew, and the same sub-components.
func sameContent(a, b *Component) bool {
	pa, pb := contentProps(a), contentProps(b)
	if len(pa) != len(pb) || len(a.Children) != len(b.Children) {
		return false
	}
	for i := range pa {
		if pa[i] != pb[i] {
			return false
		}
	}
	for i := range a.Children {
		if !sameContent(a.Children[i], b.Children[i]) {
			return false
		}
	}
	return true
}

func contentProps(comp *Component) []string {
	var out []string
	for _, p := range comp.Props {
		if !stampProps[p.Name] {
			out = append(out, p.head+":"+p.Value)
		}
	}
	return out
}

func componentUID(comp *Component) string {
	p, _ := comp.Prop("UID")
	return strings.TrimSpace(p.Value)
}

// instanceKey tells a series master ("") from its overridden instances.
func instanceKey(comp *Component) string {
	p, ok := comp.Prop("RECURRENCE-ID")
	if !ok {
		return ""
	}
	return strings.TrimSpace(p.Value)
}

func describeInstance(comp *Component) string {
	if k := instanceKey(comp); k != "" {
		return " (RECURRENCE-ID " + k + ")"
	}
	return ""
}

// Revert undoes the edits of the components' lines, their
// sub-components' included: Bytes gives them back as they were parsed.
// It is for a rewritten meeting whose update could not be sent.
func (c *Calendar) Revert(comps []*Component) {
	for _, k := range comps {
		delete(c.asIs, k)
		if k.end < 0 {
			continue
		}
		for i := k.begin; i <= k.end; i++ {
			delete(c.replace, i)
			delete(c.insertions, i)
			delete(c.unmarked, i)
		}
	}
}

// RevertStamped is Revert for a copy that was stored: each component as
// it was parsed, but with SEQUENCE one above what it was parsed with and
// DTSTAMP (and LAST-MODIFIED where present) stamp, as the rewrite wrote
// them, since a server may refuse a lower SEQUENCE than it holds.
func (c *Calendar) RevertStamped(comps []*Component, stamp time.Time) error {
	asIs := slices.DeleteFunc(slices.Clone(comps), func(k *Component) bool { return !c.asIs[k] })
	c.Revert(comps)
	for _, k := range comps {
		if slices.Contains(asIs, k) {
			continue // carried as it was, and stored so
		}
		seq, err := nextSequence(k)
		if err != nil {
			return err
		}
		c.bump(k, seq, stamp)
	}
	return nil
}
