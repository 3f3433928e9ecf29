package migrate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/mms-project/mms/batch/caldav"
	"github.com/mms-project/mms/batch/smtp"
	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/ics/recur"
	"github.com/mms-project/mms/ics/tz"
	"github.com/mms-project/mms/report"
)

// A failed meeting's Reason is a short kind found from the error, and its
// Detail the whole error.
func TestFailureKinds(t *testing.T) {
	_, statErr := os.Stat(filepath.Join(t.TempDir(), "missing"))
	// a time zone's and a rule's errors as ics's packages give them
	_, zoneErr := tz.NewResolver(nil).Location("Mars/Olympus")
	master := ical.NewComponent(ical.CompEvent)
	master.Props.SetText(ical.PropDateTimeStart, "20260101T100000Z")
	master.Props.SetText(ical.PropRecurrenceRule, "FREQ=NEVER")
	_, _, ruleErr := recur.Series{Master: master}.NextAtOrAfter(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), tz.NewResolver(nil), time.UTC)
	if zoneErr == nil || ruleErr == nil {
		t.Fatalf("no errors to classify: zone %v, rule %v", zoneErr, ruleErr)
	}
	for _, c := range []struct {
		err      error
		fallback string
		want     string
	}{
		{fmt.Errorf("write %s: %w", "/out/calendars/ok.ics", statErr), KindError, KindWrite},
		{fmt.Errorf("moving it to teams: %w", ics.ErrNoJoinLink), KindInvalid, KindNoJoinLink},
		{fmt.Errorf("cal.ics: too big (%w)", ics.ErrCalendarTooLarge), KindInvalid, KindTooLarge},
		{fmt.Errorf("%w: %w", ErrChanged, caldav.ErrChanged), KindError, KindCalDAVChanged},
		{fmt.Errorf("http://dav/cal/m.ics: %w", caldav.ErrReadBack), KindError, KindCalDAVReadBack},
		{caldav.ObjectError{Href: "/victim/x.ics", Err: caldav.ErrOutside}, KindCalDAV, KindCalDAVOutside},
		{fmt.Errorf("sending the update: %w", relayRefused{errors.New("smtp relay:25: every recipient refused: a@b: 550 no")}), KindError, KindRelayRefused},
		{fmt.Errorf("sending the update: %w", smtp.ErrMalformed), KindError, KindBadAddress},
		{fmt.Errorf("cal.ics: line 9: %w", zoneErr), KindInvalid, KindTimeZone},
		{fmt.Errorf("cal.ics: line 9: %w", ruleErr), KindInvalid, KindRecurrence},
		{errors.New(`cal.ics: line 9: DTSTART: a message that says "time zone" and RRULE is no kind`), KindInvalid, KindInvalid},
		{errors.New("cal.ics: line 3: VEVENT has no UID"), KindInvalid, KindInvalid},
		{errors.New("something else"), KindError, KindError},
	} {
		row := report.Meeting{UID: "u1"}
		fail(&row, c.err, c.fallback)
		if row.Outcome != Failed || row.Reason != c.want || row.Detail != c.err.Error() {
			t.Errorf("%v: %s %q detail %q; want failed %q with the whole error", c.err, row.Outcome, row.Reason, row.Detail, c.want)
		}
	}
	// A row's own detail (a malformed recipient) stays after the error.
	row := report.Meeting{Detail: "bad@: malformed"}
	fail(&row, errors.New("boom"), KindError)
	if row.Detail != "boom; bad@: malformed" {
		t.Errorf("detail %q", row.Detail)
	}
}

// The engine's write failure: a meeting is failed with write-error and the
// whole error in Detail (it was all in Reason).
func TestWriteFailureKind(t *testing.T) {
	out := UserOutcome{Meetings: []report.Meeting{{UID: "a"}, {UID: "b", Outcome: Updated}}}
	markFailed(&out, "a", &os.PathError{Op: "mkdir", Path: "/out/calendars", Err: errors.New("not a directory")})
	if m := out.Meetings[0]; m.Reason != KindWrite || m.Detail != "mkdir /out/calendars: not a directory" {
		t.Errorf("failed row %+v", m)
	}
	if out.Meetings[1].Outcome != Updated {
		t.Error("another meeting was failed")
	}
}
