package input

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/mms-project/mms/ics/block"
)

// Meeting is one accepted row of the meetings file: the new online meeting
// made for one meeting of a user. Its values override the user's change
// for that meeting.
type Meeting struct {
	File            string // the meetings file, as given
	Line            int
	User            string // the organiser's primary address, even when the row names an alias
	UID             string // the meeting's UID, as written
	JoinURL         string // the meeting's own link
	MeetingID       string // digits and spaces, as written; "" when absent
	Passcode        string
	ConferenceID    string // digits only
	TollNumbers     []string
	TollFreeNumbers []string
	DialInURL       string
}

// MeetingKey names one meeting: its organiser's primary address and UID.
type MeetingKey struct{ User, UID string }

// Key is the meeting's organiser and UID.
func (m Meeting) Key() MeetingKey { return MeetingKey{m.User, m.UID} }

// NotInCalendar reports a row whose UID is no meeting of its user's
// calendar. Like a change row naming an unknown user, it belongs to no
// user (RowError.User is empty): it costs nobody, and is listed.
func (m Meeting) NotInCalendar() RowError {
	return RowError{File: m.File, Line: m.Line, Column: "uid",
		Msg: fmt.Sprintf("%q is not a meeting in %s's calendar; check the UID (the meetings report of a dry run lists them)", m.UID, m.User)}
}

// Meetings finds a meetings file's rows by organiser and UID.
type Meetings map[MeetingKey]Meeting

// IndexMeetings indexes rows as ReadMeetings returns them (one per key).
func IndexMeetings(rows []Meeting) Meetings {
	ix := make(Meetings, len(rows))
	for _, m := range rows {
		ix[m.Key()] = m
	}
	return ix
}

// Lookup returns the row for the meeting uid organised by user (a primary
// address, lower case).
func (ix Meetings) Lookup(user, uid string) (Meeting, bool) {
	m, ok := ix[MeetingKey{user, uid}]
	return m, ok
}

var meetingsSchema = schema{
	required: []string{"user", "uid", "join_url"},
	optional: []string{"meeting_id", "passcode", "conference_id", "toll_number", "toll_free_number", "dialin_url"},
}

// maxUID bounds a meetings row's UID, in characters.
const maxUID = 1024

// ReadMeetings reads the meetings file (CSV or XLSX, read as the changes
// file is) against the accepted users. A row may name a user by one of its
// aliases; it is filed under the primary address. Each (user, uid) is
// listed once.
//
// rejected are the users file's row errors, when the caller has them: a row
// for a user whose users-file row was rejected is then not reported as
// naming an unknown user (that user fails already), and is left out.
//
// A row naming no known user is reported with an empty RowError.User; any
// other bad row names its user, so the caller can fail just that user.
// MaxMeetingRowsPerUser bounds a user's rows in a meetings file: a
// calendar holds at most ics.MaxComponents components, so no more of its
// meetings than that; rows past it are refused (a file of a million rows
// for one user took a minute and gigabytes to carry into the batch).
const MaxMeetingRowsPerUser = 100_000

func ReadMeetings(path string, users []User, rejected ...RowError) ([]Meeting, []RowError, error) {
	t, err := readTable(path, meetingsSchema)
	if err != nil {
		return nil, nil, err
	}
	book := addresses(users, rejected)
	var meetings []Meeting
	var errs []RowError
	first := map[MeetingKey]int{} // the line each meeting is listed on
	perUser := map[string]int{}
	var over []RowError // per user, its first row past MaxMeetingRowsPerUser
	for _, r := range t.rows {
		m, rowErrs := parseMeeting(t.file, r, book)
		if m.User != "" {
			if perUser[m.User]++; perUser[m.User] > MaxMeetingRowsPerUser {
				if perUser[m.User] == MaxMeetingRowsPerUser+1 {
					over = append(over, RowError{File: t.file, Line: r.line, Column: "user", User: m.User})
				}
				continue
			}
		}
		if at, dup := first[m.Key()]; dup && m.UID != "" && m.User != "" {
			rowErrs = append(rowErrs, RowError{File: t.file, Line: r.line, Column: "uid", User: m.User,
				Msg: fmt.Sprintf("%q of %s is already listed at line %d; list each meeting once", m.UID, m.User, at)})
		} else if m.UID != "" && m.User != "" {
			first[m.Key()] = r.line
		}
		switch {
		case len(rowErrs) > 0:
			errs = append(errs, rowErrs...)
		case m.User != "":
			meetings = append(meetings, m)
		}
	}
	for _, e := range over {
		e.Msg = fmt.Sprintf("more than %d rows for %s (%d from this one on, left out), more than a calendar holds meetings; list only the meetings that get a meeting of their own",
			MaxMeetingRowsPerUser, e.User, perUser[e.User]-MaxMeetingRowsPerUser)
		errs = append(errs, e)
	}
	return meetings, errs, nil
}

// parseMeeting checks every cell of a row. m.User is empty when the row's
// user is unknown or failed in the users file.
func parseMeeting(file string, r row, book addressBook) (Meeting, []RowError) {
	re := newRowErrors(file, r, meetingsSchema.columns())
	m := Meeting{File: file, Line: r.line}
	user := rowUser(&re, "meeting", r.get("user"), book)
	m.User = book.primary[user]
	m.UID = uid(&re, r.get("uid"))
	if r.get("join_url") == "" {
		re.add("join_url", "empty; give the new meeting's own join link, like https://teams.microsoft.com/l/meetup-join/19%%3ameeting_...")
	}
	m.JoinURL = meetingURL(&re, "join_url", r.get("join_url"))
	m.DialInURL = meetingURL(&re, "dialin_url", r.get("dialin_url"))
	m.MeetingID = meetingID(&re, r.get("meeting_id"))
	m.Passcode = passcode(&re, r.get("passcode"))
	if m.Passcode != "" && r.get("meeting_id") == "" {
		re.add("passcode", "given without a meeting_id; a block shows the passcode under the Meeting ID: give both, or neither")
	}
	m.ConferenceID = conferenceID(&re, r.get("conference_id"))
	m.TollNumbers = phoneNumbers(&re, "toll_number", r.get("toll_number"))
	m.TollFreeNumbers = phoneNumbers(&re, "toll_free_number", r.get("toll_free_number"))
	return m, re.owned(user)
}

func uid(re *rowErrors, v string) string {
	switch {
	case v == "":
		re.add("uid", "empty; give the meeting's UID, as the meetings report of a dry run lists it")
	case len(v) > maxUID:
		re.add("uid", "%d characters; a UID has at most %d", len(v), maxUID)
	case strings.ContainsFunc(v, unicode.IsControl):
		re.add("uid", "holds a control character or line break; give the UID on one line, as the meetings report lists it")
	default:
		return v
	}
	return ""
}

// meetingURL is a webURL without the changes file's {meeting} template: a
// row gives the meeting's own link.
func meetingURL(re *rowErrors, col, v string) string {
	if strings.Contains(v, "{meeting}") {
		re.add(col, "%q holds {meeting}; a meetings row gives the meeting's own link (a template goes in the changes file)", v)
		return ""
	}
	return webURL(re, col, v)
}

// meetingID accepts what a block shows as a Meeting ID and mms reads
// back: digits with spaces, like "356 712 499 853", 6 characters or more.
func meetingID(re *rowErrors, v string) string {
	if v == "" {
		return ""
	}
	if !block.IsMeetingID(v) {
		re.add("meeting_id", "%q is not a Meeting ID mms can write and read back; use digits (spaces allowed, 6 characters or more), like 356 712 499 853", v)
		return ""
	}
	return v
}

// passcode accepts what a Teams block shows as one and mms reads back:
// 4 to 16 letters and digits, like "Xc7Rt9".
func passcode(re *rowErrors, v string) string {
	if v == "" || block.IsPasscode(v) {
		return v
	}
	re.add("passcode", "%q is not a passcode mms can write and read back; give 4 to 16 letters and digits, as the meeting shows it, like Xc7Rt9", v)
	return ""
}
