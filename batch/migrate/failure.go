package migrate

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"github.com/mms-project/mms/batch/caldav"
	"github.com/mms-project/mms/batch/smtp"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/ics/recur"
	"github.com/mms-project/mms/ics/tz"
	"github.com/mms-project/mms/report"
)

// Failure kinds: the Reason of a failed meeting (SPEC: a short error kind;
// Detail holds the full error).
const (
	KindNoJoinLink     = "no-join-link"
	KindOtherService   = "other-service-link"
	KindTooLarge       = "too-large"
	KindInvalid        = "invalid-calendar"
	KindTimeZone       = "time-zone"
	KindRecurrence     = "recurrence"
	KindWrite          = "write-error"
	KindCalDAVOutside  = "caldav-outside"
	KindCalDAVChanged  = "caldav-changed"
	KindCalDAVReadBack = "caldav-readback"
	KindCalDAVRedirect = "caldav-redirect"
	KindCalDAVAuth     = "caldav-auth"
	KindCalDAV         = "caldav-error"
	KindRelayRefused   = "relay-refused"
	KindRelayBusy      = "relay-busy"
	KindRelayNoAnswer  = store.ReasonRelayNoAnswer // the whole update sent, no reply: it may have been delivered
	KindBadAddress     = "bad-address"
	KindStale          = "stale-calendar"
	KindChangedSince   = "changed-since-batch" // a rollback's: the meeting changed after the batch it undoes
	KindNotSent        = "not-sent"
	KindInterrupted    = "interrupted"
	KindError          = "error"
)

// fail marks row failed by err: Reason the kind of err (fallback when
// none is known), Detail the whole error, before any detail the row had.
func fail(row *report.Meeting, err error, fallback string) {
	row.Outcome, row.Reason = Failed, failureKind(err, fallback)
	detail := err.Error()
	if row.Detail != "" && !strings.Contains(detail, row.Detail) {
		detail += "; " + row.Detail
	}
	row.Detail = detail
}

// failureKind classifies err by the sentinel errors and types it wraps.
func failureKind(err error, fallback string) string {
	var (
		status  *caldav.StatusError
		object  caldav.ObjectError
		path    *fs.PathError
		link    *os.LinkError
		errno   syscall.Errno
		refused relayRefused
	)
	switch {
	case errors.Is(err, ics.ErrNoJoinLink):
		return KindNoJoinLink
	case errors.Is(err, ics.ErrOtherServiceLink):
		return KindOtherService
	case errors.Is(err, ics.ErrCalendarTooLarge):
		return KindTooLarge
	case errors.Is(err, ics.ErrStale):
		return KindStale
	case errors.Is(err, ics.ErrChangedSince):
		return KindChangedSince
	case errors.Is(err, caldav.ErrNotICalendar):
		return KindInvalid
	case errors.Is(err, recur.ErrCancelled), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return KindInterrupted
	case errors.Is(err, tz.ErrZone):
		return KindTimeZone
	case errors.Is(err, recur.ErrRecurrence):
		return KindRecurrence
	case errors.Is(err, caldav.ErrOutside):
		return KindCalDAVOutside
	case errors.Is(err, caldav.ErrChanged), errors.Is(err, ErrChanged):
		return KindCalDAVChanged
	case errors.Is(err, caldav.ErrReadBack):
		return KindCalDAVReadBack
	case errors.Is(err, caldav.ErrRedirect):
		return KindCalDAVRedirect
	case errors.Is(err, caldav.ErrAuth):
		return KindCalDAVAuth
	case errors.As(err, &status), errors.As(err, &object):
		return KindCalDAV
	case errors.Is(err, smtp.ErrMalformed):
		return KindBadAddress
	case errors.Is(err, smtp.ErrUnanswered):
		return KindRelayNoAnswer
	case errors.As(err, &refused):
		return KindRelayRefused
	case errors.Is(err, smtp.ErrTemporary):
		return KindRelayBusy
	case errors.As(err, &path), errors.As(err, &link), errors.As(err, &errno):
		return KindWrite
	}
	return fallback
}

// relayRefused is the relay's refusal of a message for good (5xx, every
// recipient refused); its message is the relay's.
type relayRefused struct{ err error }

func (e relayRefused) Error() string { return e.err.Error() }
func (e relayRefused) Unwrap() error { return e.err }
