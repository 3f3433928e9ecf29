package batch

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mms-project/mms/batch/input"
	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/ics"
)

// readMeetings reads the --meetings file, when one is given, against the
// accepted users: its bad rows are row errors like the changes file's (a
// row of a known user fails that user; any other is listed).
func readMeetings(path string, users []input.User, rowErrs []input.RowError) ([]input.Meeting, []input.RowError, error) {
	if path == "" {
		return nil, nil, nil
	}
	return input.ReadMeetings(path, users, rowErrs...)
}

// meetingsByUser files the meetings rows under their organisers' primary
// addresses.
func meetingsByUser(rows []input.Meeting) map[string][]input.Meeting {
	out := map[string][]input.Meeting{}
	for _, m := range rows {
		out[m.User] = append(out[m.User], m)
	}
	return out
}

// addMeetings puts a user's meetings rows into the assignment: each row's
// values in Change.Meetings by UID, and where the row is, to report it
// when the calendar has no such meeting.
func addMeetings(a *migrate.Assignment, rows []input.Meeting) {
	if len(rows) == 0 {
		return
	}
	a.Change.Meetings = make(map[string]ics.MeetingChange, len(rows))
	a.MeetingRows = make(map[string]string, len(rows))
	for _, m := range rows {
		a.Change.Meetings[m.UID] = ics.MeetingChange{
			JoinURL: m.JoinURL, MeetingID: m.MeetingID, Passcode: m.Passcode, ConferenceID: m.ConferenceID,
			TollNumbers: m.TollNumbers, TollFreeNumbers: m.TollFreeNumbers, DialInURL: m.DialInURL,
		}
		a.MeetingRows[m.UID] = m.NotInCalendar().Error()
	}
}

// withMeetings adds the meetings rows to the payload of each queued user
// that has some.
func withMeetings(records []store.User, rows []input.Meeting) error {
	if len(rows) == 0 {
		return nil
	}
	byUser := meetingsByUser(rows)
	for i := range records {
		r := &records[i]
		mine := byUser[r.UserID]
		if len(mine) == 0 {
			continue
		}
		if r.State != store.Pending {
			r.LastMessage = strings.TrimPrefix(r.LastMessage+"; "+unusedRows(mine), "; ")
			continue
		}
		var a migrate.Assignment
		if err := json.Unmarshal(r.Payload, &a); err != nil {
			return err
		}
		addMeetings(&a, mine)
		payload, err := json.Marshal(a)
		if err != nil {
			return err
		}
		r.Payload = payload
	}
	return nil
}

// unusedRows says that a user who is not migrated leaves its meetings
// rows unused, naming them.
func unusedRows(rows []input.Meeting) string {
	at := make([]string, 0, len(rows))
	for _, m := range rows[:min(len(rows), maxListed)] {
		at = append(at, fmt.Sprintf("%s:%d", m.File, m.Line))
	}
	if len(rows) > maxListed {
		at = append(at, fmt.Sprintf("and %d more", len(rows)-maxListed))
	}
	rowsWord := "rows"
	if len(rows) == 1 {
		rowsWord = "row"
	}
	return fmt.Sprintf("its %s in the meetings file not used, as the user is not migrated: %s", rowsWord, strings.Join(at, ", "))
}
