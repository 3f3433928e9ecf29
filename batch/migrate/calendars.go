package migrate

import (
	"context"
	"errors"

	"github.com/mms-project/mms/ics"
)

// Calendars is where a worker reads a user's calendar and stores what it
// rewrote: .ics files (FileCalendars) or a CalDAV server (DAVCalendars).
// Every implementation passes the same test suite (calendars_test.go).
type Calendars interface {
	// Read returns the documents of a users-file `calendar` value: one for
	// a file, one per object of a CalDAV collection. A document that cannot
	// be read or is not iCalendar comes back with Err set and costs only
	// itself. An error is about the calendar as a whole; one marked
	// Permanent fails the user at once, any other fails the attempt.
	Read(ctx context.Context, location string) ([]*Doc, error)
	// Write stores an edited document whole or not at all. An error
	// matching ErrChanged means someone changed it since it was read:
	// nothing was stored; Reread it and decide again. Permanent: only this
	// document's meetings fail; any other error fails the attempt.
	Write(ctx context.Context, d *Doc) error
	// Reread reads one document again, after ErrChanged.
	Reread(ctx context.Context, d *Doc) (*Doc, error)
}

// Checker is a Calendars that checks what Write stored only once all of
// a user's documents are written, all together (DAVCalendars reads its
// objects back with one request per collection). The worker calls Check
// after the user's writes and before any of their updates is sent; a
// Write without a Check afterwards leaves what it stored unchecked.
type Checker interface {
	// Check returns an error per document: nil, or what fails its
	// meetings, Permanent as from Write (nothing is sent for them). A
	// document Write did not store is passed over. An error of its own
	// fails the attempt (or stops the user), as Write's do.
	Check(ctx context.Context, docs []*Doc) ([]error, error)
}

// ErrChanged matches (errors.Is) a Write refused because the document
// changed where it is stored since it was read.
var ErrChanged = errors.New("changed since it was read")

// Doc is one calendar document as it was read.
type Doc struct {
	Name    string        // the file's path or the object's URL; errors and the report name it
	Cal     *ics.Calendar // nil when Err is set
	Err     error         // the document could not be read: its meeting fails, nothing else
	Version string        // what Write checks (a CalDAV ETag); "" for files
	// Changed are the components rewritten since it was read, for a
	// Calendars that marks them (SCHEDULE-AGENT=CLIENT on CalDAV).
	Changed []*ics.Component
	// ServerDelivers: once the document is written, the server itself
	// sends the update of its meetings to their attendees (RFC 6638
	// scheduling); nothing more is to be sent for them.
	ServerDelivers bool
	// ServerAttendees are, when the server delivers to some attendees and
	// not to others (their SCHEDULE-STATUS says so: DAViCal delivers to
	// its own users and marks outside ones 3.7), those it delivers to:
	// their lines stay unmarked and mms sends the update to the others.
	ServerAttendees []string
	// Note is a remark for the rows of its rewritten meetings ("" none).
	Note string
	// Output is the name a file's rewrite gets under its folder ("" the
	// input's file name); a CalDAV object is written in place.
	Output string

	dav *davDoc // a CalDAV object's collection and original bytes; nil for files
}

// DryRun passes reads through and records writes without storing them:
// the dry run exercises every other line of the real path.
type DryRun struct {
	Calendars
	Recorder *Recorder
}

func (d DryRun) Write(ctx context.Context, doc *Doc) error {
	d.Recorder.count(&d.Recorder.Calendars)
	return nil
}

// Router sends each calendar to the implementation its location needs:
// http(s) URLs to DAV, everything else to Files.
type Router struct {
	Files Calendars
	DAV   Calendars // nil: a CalDAV calendar fails its user
}

// PutBack passes a file user's put-back to Files, when it can (see
// FileCalendars.PutBack); a CalDAV calendar's copy is left as stored.
func (r Router) PutBack(ctx context.Context, a Assignment, originals map[string][]byte) error {
	if p, ok := r.Files.(putBacker); ok && !IsCalDAV(a.Calendar) {
		return p.PutBack(ctx, a, originals)
	}
	return nil
}

// putBacker writes the copy of a user's calendar again with some meetings
// as they were read.
type putBacker interface {
	PutBack(ctx context.Context, a Assignment, originals map[string][]byte) error
}

func (r Router) pick(location string) (Calendars, error) {
	if !IsCalDAV(location) {
		return r.Files, nil
	}
	if r.DAV == nil {
		return nil, Permanent(errors.New(location + ": CalDAV calendars are not available here"))
	}
	return r.DAV, nil
}

func (r Router) Read(ctx context.Context, location string) ([]*Doc, error) {
	c, err := r.pick(location)
	if err != nil {
		return nil, err
	}
	return c.Read(ctx, location)
}

func (r Router) Write(ctx context.Context, d *Doc) error {
	c, err := r.pick(d.Name)
	if err != nil {
		return err
	}
	return c.Write(ctx, d)
}

// Check passes each document to the Checker its location needs, if that
// implementation is one (DAV; DryRun is not: a dry run writes nothing).
func (r Router) Check(ctx context.Context, docs []*Doc) ([]error, error) {
	errs := make([]error, len(docs))
	for _, dav := range []bool{false, true} {
		c, ok := r.Files.(Checker)
		if dav {
			c, ok = r.DAV.(Checker)
		}
		var mine []*Doc
		var at []int
		for i, d := range docs {
			if ok && IsCalDAV(d.Name) == dav {
				mine, at = append(mine, d), append(at, i)
			}
		}
		if len(mine) == 0 {
			continue
		}
		got, err := c.Check(ctx, mine)
		if err != nil {
			return nil, err
		}
		for k, i := range at {
			errs[i] = got[k]
		}
	}
	return errs, nil
}

func (r Router) Reread(ctx context.Context, d *Doc) (*Doc, error) {
	c, err := r.pick(d.Name)
	if err != nil {
		return nil, err
	}
	return c.Reread(ctx, d)
}

// count adds one to a Recorder counter.
func (r *Recorder) count(n *int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*n++
}
