package migrate

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/ics/block"
	"github.com/mms-project/mms/report"
)

// before is what the report shows of a meeting as it was, read before it
// is migrated: its body (DESCRIPTION, unescaped) and its recurrence rule.
type before struct {
	text, rrule string
	html        ics.Property  // the X-ALT-DESC, read only when the text's block did not change
	length      time.Duration // DTEND - DTSTART; 0 when unknown
}

// readBefore reads m's body and rule; call it before the meeting is
// migrated, which rewrites its components in place.
func readBefore(m *ics.Meeting) before {
	first := m.First()
	if first == nil {
		return before{}
	}
	var b before
	if p, ok := first.Prop("DESCRIPTION"); ok {
		b.text = p.Text()
	}
	if p, ok := first.Prop("RRULE"); ok {
		b.rrule = p.Value
	}
	b.html, _ = first.Prop("X-ALT-DESC")
	b.length = length(first)
	return b
}

// length is how long a component's occurrences last: DTEND - DTSTART,
// read as wall-clock times (both carry the same TZID in practice; a
// change of UTC offset inside one meeting is not looked at); 0 when either
// is missing or unreadable, or the end is not after the start.
func length(c *ics.Component) time.Duration {
	start, ok1 := c.Prop("DTSTART")
	end, ok2 := c.Prop("DTEND")
	if !ok1 || !ok2 {
		return 0
	}
	s, err1 := wallClock(start.Value)
	e, err2 := wallClock(end.Value)
	if err1 != nil || err2 != nil || !e.After(s) {
		return 0
	}
	return e.Sub(s)
}

// wallClock reads a DATE-TIME or DATE value without its zone.
func wallClock(v string) (time.Time, error) {
	v = strings.TrimSuffix(strings.TrimSpace(v), "Z")
	if len(v) == len("20060102") {
		return time.Parse("20060102", v)
	}
	return time.Parse("20060102T150405", v)
}

// describe fills the report's Recurrence, Detail, Changes, the blocks
// before and after and the text of the update mail, from the meeting as
// it was and the result of migrating it.
func describe(o *report.Meeting, f *block.Finder, was before, res ics.Result, up *prepared, now time.Time) {
	o.Recurrence = res.Recurrence
	if o.Recurrence == "" {
		o.Recurrence = was.rrule
	}
	switch {
	case res.HasEnd:
		o.End = res.End
	case !o.Start.IsZero() && was.length > 0:
		o.End = o.Start.Add(was.length)
	}
	if o.Detail == "" {
		o.Detail = evidence(res, now)
	}
	for _, n := range res.Notes {
		if !strings.Contains(o.Detail, n) {
			o.Detail = withRemark(o.Detail, n)
		}
	}
	if up == nil {
		return
	}
	body := up.update.text
	o.MailText = body // the mail's text part is the new DESCRIPTION
	if body == "" {
		o.MailText = strings.ReplaceAll(updateText(res.Summary, res.NewJoinURL), "\r\n", "\n") // as a reader sees it
	}
	old, okOld := res.OldBlock, true
	if !res.OldInText || res.OldBody != was.text { // the decision read another body
		old, okOld = f.FindText(was.text)
	}
	neu, okNew := f.FindText(body)
	if okOld {
		o.OldBlock = was.text[old.Start:old.End]
	}
	if okNew {
		o.NewBlock = body[neu.Start:neu.End]
	}
	if okOld && okNew {
		o.Changes = changes(old, neu)
		if o.Changes == nothingChanged && up.update.html != "" && was.html.Value != "" {
			// the text said the new block already: what changed is the
			// HTML's (a stale body beside a current one)
			if oh, ok := f.FindHTML(was.html.Text()); ok {
				if nh, ok := f.FindHTML(up.update.html); ok {
					o.Changes = changes(oh, nh)
				}
			}
		}
		return
	}
	// The master's plain text has no block: compare the block the
	// decision read with the same body of the first component rewritten
	// (an HTML body, or an instance's text).
	newBody, find := body, f.FindText
	if !res.OldInText {
		newBody, find = up.update.html, f.FindHTML
	}
	if neu, ok := find(newBody); ok && res.OldBody != "" {
		old := res.OldBlock
		o.OldBlock, o.NewBlock = res.OldBody[old.Start:old.End], newBody[neu.Start:neu.End]
		o.Changes = changes(old, neu)
	}
}

// prepared is a rewritten meeting's update, made once when the meeting is
// decided: its iTIP request and what the request says. The report's mail
// text and the message sent both come from it.
type prepared struct {
	req    []byte
	update requestUpdate
}

// prepare makes the update of a rewritten meeting from its components as
// the rewrite left them (the rewrite edits the calendar's lines, not the
// parsed properties, so the request is read back); nil when the meeting
// was not rewritten.
func prepare(cal *ics.Calendar, res ics.Result) *prepared {
	if !res.Rewritten() || len(res.Changed) == 0 {
		return nil
	}
	req := cal.Request(res.Changed)
	return &prepared{req: req, update: readChanged(cal, res.Changed)}
}

// evidence is the Detail of a failed or skipped meeting: the full error,
// or what the skip rule saw.
func evidence(res ics.Result, now time.Time) string {
	switch {
	case res.Err != nil:
		return res.Err.Error()
	case res.Evidence != "": // what the rule saw, in ics's words
		return res.Evidence
	case res.Skipped == ics.Past:
		return "no occurrence at or after --now " + now.UTC().Format(time.RFC3339)
	case res.Skipped == ics.TooManyAttendees:
		return fmt.Sprintf("%d people with the organiser; at most %d are migrated", res.People, ics.MaxPeople)
	case res.Skipped == ics.OtherProvider && res.Provider != "":
		return "the meeting's block is " + string(res.Provider) + "'s"
	}
	return ""
}

// nothingChanged is what changes says of two blocks that say the same.
const nothingChanged = "block rewritten; join link kept"

// changes says what differs between two blocks, old -> new, field by
// field: "conference ID 111 222 333 -> 987 654 321; join link kept".
func changes(old, neu block.Block) string {
	var out []string
	if old.Provider != neu.Provider {
		out = append(out, fmt.Sprintf("provider %s -> %s", old.Provider, neu.Provider))
	}
	field := func(name, a, b string) {
		if a != b {
			out = append(out, fmt.Sprintf("%s %s -> %s", name, orNone(a), orNone(b)))
		}
	}
	field("conference ID", spaced(old.ConferenceID), spaced(neu.ConferenceID))
	field("meeting ID", old.MeetingNumber, neu.MeetingNumber)
	field("passcode", old.Passcode, neu.Passcode)
	field("dial-in link", old.DialInURL, neu.DialInURL)
	if !slices.Equal(old.TollNumbers, neu.TollNumbers) {
		field("toll numbers", strings.Join(old.TollNumbers, ", "), strings.Join(neu.TollNumbers, ", "))
	}
	if !slices.Equal(old.TollFreeNumbers, neu.TollFreeNumbers) {
		field("toll-free numbers", strings.Join(old.TollFreeNumbers, ", "), strings.Join(neu.TollFreeNumbers, ", "))
	}
	if old.JoinURL != neu.JoinURL {
		return strings.Join(append(out, fmt.Sprintf("join link %s -> %s", orNone(old.JoinURL), orNone(neu.JoinURL))), "; ")
	}
	if len(out) == 0 {
		out = append(out, "block rewritten")
	}
	return strings.Join(append(out, "join link kept"), "; ")
}

// spaced writes digits in groups of three, as conference IDs are read out:
// "111222333" -> "111 222 333".
func spaced(digits string) string {
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// counted is n with its noun in the right number: "1 meeting", "2 meetings".
func counted(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// RestoredView fills a restored meeting's report row from the batch's (a
// rollback's, and what its dry run says it would be):
// the same rule, the blocks the other way round.
func RestoredView(row *report.Meeting, was report.Meeting, of string) {
	row.End, row.Recurrence = was.End, was.Recurrence
	row.OldBlock, row.NewBlock = was.NewBlock, was.OldBlock
	row.Changes = "as before batch " + of
	if back := reversed(was.Changes); back != "" {
		row.Changes += ": " + back
	}
}

// reversed turns what a batch changed ("conference ID 1 -> 2; join link
// kept") into what undoing it changes ("conference ID 2 -> 1; join link
// kept"); "" when a part does not read as changes does.
func reversed(changes string) string {
	if changes == "" {
		return ""
	}
	parts := strings.Split(changes, "; ")
	for i, p := range parts {
		if p == "join link kept" || p == "block rewritten" {
			continue
		}
		k := strings.Index(p, " -> ")
		if k < 0 || strings.Contains(p[k+4:], " -> ") {
			return ""
		}
		name, from, ok := changedField(p[:k])
		if !ok {
			return ""
		}
		parts[i] = name + " " + p[k+4:] + " -> " + from
	}
	return strings.Join(parts, "; ")
}

// changedField splits "conference ID 111 222 333" into the field's
// name and its value, by the names changes writes.
func changedField(s string) (name, value string, ok bool) {
	for _, n := range []string{"provider", "conference ID", "meeting ID", "passcode", "dial-in link", "toll numbers", "toll-free numbers", "join link"} {
		if v, found := strings.CutPrefix(s, n+" "); found {
			return n, v, true
		}
	}
	return "", "", false
}
