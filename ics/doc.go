// Package ics reads and edits iCalendar files without losing a byte.
//
// # The lossless guarantee
//
// [Parse] keeps every content line as the exact bytes it was read from:
// folding with a space or a TAB, CRLF or LF endings, a UTF-8 byte order
// mark, folds that split a UTF-8 character or an escape, over-long lines and
// raw line breaks inside a value. [Calendar.Bytes] of an unedited calendar
// is the input, byte for byte.
//
// Edits replace whole content lines: the edited property is written again
// folded at 75 octets, never inside a UTF-8 character, ending as the
// file's own lines end (LF in an LF file, else CRLF), and every other line
// keeps its bytes and its place. [Calendar.BytesCRLF] writes every line
// with CRLF, for a CalDAV server. go-ical's encoder is never
// used on a user's calendar (it sorts properties and drops folding); go-ical
// values are used only to read dates and recurrence.
//
// # Meetings
//
// A meeting is every VEVENT of one UID: the series master and its
// overridden instances. [Calendar.Migrate] decides whether one meeting's
// online-meeting block is replaced, following the rules of the product
// contract in order, and records the rewrite; [Calendar.Request] builds the
// iTIP METHOD:REQUEST that tells the attendees.
//
// The new block keeps every element of the old one the change does not
// change: only the join link (and what names the old meeting), the dial-in
// link, the conference ID, the numbers, the Meeting ID and the passcode
// are replaced in place, in each body; a move to another service gets a
// whole block of that service in the old block's language.
//
// Bad input never panics, and every loop over it is bounded: recurrence
// and time-zone expansion in steps and time, per rule and per calendar
// ([MaxRecurrenceSteps], [MaxRecurrenceTime], [Rules].Cancel), a calendar in size
// ([MaxCalendarBytes], [MaxComponents]), and error messages quote at most
// 40 bytes of input. A malformed line or a component that never ends
// fails only the meeting it belongs to, with an error naming the file, the
// line and the UID. A file that ends before END:VCALENDAR is refused whole
// (Parse returns an error, and still the calendar, which reads back byte
// for byte): it was cut short, and the meetings after the cut are lost.
package ics
