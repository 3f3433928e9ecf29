package ics

import (
	"errors"
	"slices"
	"time"

	"github.com/mms-project/mms/ics/block"
)

// Reason says why a meeting was left alone. The values are the contract's
// skip reasons, checked in this order, after NotSourceMeetingType (see
// SourceType), which selects the meetings a migration takes at all.
//
// Past means that no occurrence is left at or after now. A cancelled
// occurrence (STATUS:CANCELLED) is not one left to attend, so a future
// meeting that was cancelled, or a series whose only instances still to
// come are cancelled or excluded, is past too: the contract has no reason
// of its own for it, and an update would tell the attendees of a cancelled
// meeting to join it after all. (NoMeetingBlock would claim that its block
// was not found.)
type Reason string

const (
	NotOrganizer     Reason = "not-organizer"
	Past             Reason = "past"
	TooManyAttendees Reason = "too-many-attendees"
	NoMeetingBlock   Reason = "no-meeting-block"
	OtherProvider    Reason = "other-provider"
	PastedBlock      Reason = "pasted-block"
	AlreadyCurrent   Reason = "already-current"
)

// MaxPeople is the largest meeting, organiser included, that is migrated.
const MaxPeople = 250

// Rules says whose meetings are migrated and when "now" is.
type Rules struct {
	Organizer []string        // the user's addresses: primary and aliases
	Now       time.Time       // meetings with no occurrence at or after Now are past
	Stamp     time.Time       // written to DTSTAMP and LAST-MODIFIED
	Floating  *time.Location  // zone for floating times and dates; UTC when nil
	Source    SourceType      // which meetings by kind of block; SourceAll takes every one
	Cancel    <-chan struct{} // closed when the run is cancelled (ctx.Done()): expanding a recurrence stops, failing the meeting
	// Sent is, by UID, the last update another batch sent for the meeting
	// (a rollback's, say). A rewrite whose SEQUENCE would be below that
	// one's fails (ErrStale): attendees would ignore it as older than the
	// update they have.
	Sent map[string]Sent
}

// Sent is an update sent before for a meeting: its SEQUENCE (its first
// component's) and what sent it ("rollback 1a2b3c4d"), for the error.
type Sent struct {
	Sequence int
	By       string
}

// ErrStale marks a rewrite older than an update the meeting's attendees
// already have (see Rules.Sent).
var ErrStale = errors.New("calendar older than the last update sent")

// MaxRecurrenceSteps bounds the occurrences walked to decide every meeting
// of one calendar together (a few seconds of work); meetings decided
// after it is spent fail, naming the reason. Each rule is also bounded on
// its own.
const MaxRecurrenceSteps = 20_000_000

// MaxRecurrenceTime bounds the time those walks take together: a rule
// whose parts never meet can cost most of a second in one step. An
// ordinary calendar's walks take milliseconds.
const MaxRecurrenceTime = 30 * time.Second

// Change is what the new block says. Empty fields keep the old block's
// values; DropDialIn removes the dial-in part.
type Change struct {
	Provider        block.Provider // teams or skype; "" keeps the meeting's kind
	JoinURL         string         // "{meeting}" stands for the meeting's own id
	ConferenceID    string
	TollNumbers     []string
	TollFreeNumbers []string
	DialInURL       string
	DropDialIn      bool

	// Meetings holds, by UID, the values of meetings that get an online
	// meeting of their own (--meetings): they override the fields above
	// for that meeting.
	Meetings map[string]MeetingChange
}

// MeetingChange is one meeting's own new online meeting. Empty fields keep
// the user's Change. MeetingID and Passcode are what the new block shows
// as "Meeting ID" and "Passcode".
type MeetingChange struct {
	JoinURL         string
	MeetingID       string
	Passcode        string
	ConferenceID    string
	TollNumbers     []string
	TollFreeNumbers []string
	DialInURL       string
}

// ErrNoJoinLink is why a meeting moved to another service fails when
// neither its own row nor the change gives a join link: no link is ever
// made up.
var ErrNoJoinLink = errors.New("no new join link: add the meeting to --meetings or give join_url in the change")

// ErrOtherServiceLink is why a meeting fails when its user's change names
// no target and gives a join link of another service than the meeting's:
// the meeting keeps its kind unless target says otherwise.
var ErrOtherServiceLink = errors.New("give the change a target, teams or skype (mms start: --target-meeting-type), to move it, or a join_url of its own service")

// givesNothing reports whether the change, for the meeting uid, says
// nothing to write: no value and no dial-in to drop.
func (ch Change) givesNothing(uid string) bool {
	c, own := ch.forMeeting(uid)
	return c.Provider == "" && c.JoinURL == "" && c.ConferenceID == "" && len(c.TollNumbers)+len(c.TollFreeNumbers) == 0 &&
		c.DialInURL == "" && !c.DropDialIn && own.MeetingID == "" && own.Passcode == ""
}

// forMeeting returns the change for one meeting: the user's, with the
// meeting's own values over it.
func (ch Change) forMeeting(uid string) (Change, MeetingChange) {
	own, ok := ch.Meetings[uid]
	if !ok {
		return ch, MeetingChange{}
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&ch.JoinURL, own.JoinURL)
	set(&ch.ConferenceID, own.ConferenceID)
	set(&ch.DialInURL, own.DialInURL)
	if len(own.TollNumbers) > 0 {
		ch.TollNumbers = own.TollNumbers
	}
	if len(own.TollFreeNumbers) > 0 {
		ch.TollFreeNumbers = own.TollFreeNumbers
	}
	return ch, own
}

// Result is the outcome for one meeting.
type Result struct {
	UID        string
	Summary    string
	Start      time.Time // the next occurrence at or after Rules.Now; else DTSTART of the master (or first instance); see HasStart
	HasStart   bool      // Start was read; false when DTSTART is missing or unreadable (a year-1 DTSTART is the zero time, and set)
	End        time.Time // Start plus the meeting's length (DTEND or DURATION less DTSTART); see HasEnd
	HasEnd     bool
	Recurrence string   // the master's RRULE (several joined with "; "), "" for a single meeting
	People     int      // distinct attendees and the organiser, rooms and resources not counted
	Attendees  []string // attendee addresses, organiser excluded
	Organizer  string   // organiser address
	Skipped    Reason   // "" when the meeting was rewritten (or failed)
	Evidence   string   // why Skipped holds, in at most 200 bytes of excerpts: the ORGANIZER, the last occurrence, the count, the bodies searched, the provider, the property that names another link
	Err        error    // why the meeting could not be handled
	Provider   block.Provider
	OldJoinURL string
	NewJoinURL string
	Changed    []*Component // components rewritten, master first, then any its update carries as they are (see withKept)
	Notes      []string     // on a rewritten meeting: its instances left alone, and why
	// OldBlock is the block the decision read, found in OldBody: the
	// unescaped DESCRIPTION of the first component holding one when
	// OldInText, else that component's HTML body; OldBody is "" when no
	// block was read. A caller describing the meeting need not look again.
	OldBlock  block.Block
	OldBody   string
	OldInText bool
}

// Rewritten reports whether the meeting was changed.
func (r Result) Rewritten() bool { return r.Err == nil && r.Skipped == "" }

// UnknownMeetings returns, sorted, the UIDs that ch.Meetings names and
// none of meetings has: rows of the meetings file for meetings that are
// not in the calendar, to be reported.
func (ch Change) UnknownMeetings(meetings []*Meeting) []string {
	known := make(map[string]bool, len(meetings))
	for _, m := range meetings {
		known[m.UID] = true
	}
	var out []string
	for uid := range ch.Meetings {
		if !known[uid] {
			out = append(out, uid)
		}
	}
	slices.Sort(out)
	return out
}
