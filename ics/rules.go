package ics

import (
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
	Organizer []string       // the user's addresses: primary and aliases
	Now       time.Time      // meetings with no occurrence at or after Now are past
	Stamp     time.Time      // written to DTSTAMP and LAST-MODIFIED
	Floating  *time.Location // zone for floating times and dates; UTC when nil
	Source    SourceType     // which meetings by kind of block; SourceAll takes every one
}

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
}

// Result is the outcome for one meeting.
type Result struct {
	UID        string
	Summary    string
	Start      time.Time // the next occurrence at or after Rules.Now; else DTSTART of the master (or first instance); see HasStart
	HasStart   bool      // Start was read; false when DTSTART is missing or unreadable (a year-1 DTSTART is the zero time, and set)
	People     int       // distinct attendees and the organiser
	Attendees  []string  // attendee addresses, organiser excluded
	Organizer  string    // organiser address
	Skipped    Reason    // "" when the meeting was rewritten (or failed)
	Err        error     // why the meeting could not be handled
	Provider   block.Provider
	OldJoinURL string
	NewJoinURL string
	Changed    []*Component // components rewritten, master first
}

// Rewritten reports whether the meeting was changed.
func (r Result) Rewritten() bool { return r.Err == nil && r.Skipped == "" }
