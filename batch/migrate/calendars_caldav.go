package migrate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mms-project/mms/batch/caldav"
	"github.com/mms-project/mms/ics"
)

// DAVCalendars reads a user's calendar from a CalDAV server (the users
// file gives a collection URL or a server root) and writes each rewritten
// object back in place with If-Match on its ETag, so that a meeting edited
// meanwhile is never overwritten. Each object is a calendar of its own,
// named by its URL.
type DAVCalendars struct {
	Client *caldav.Client // one per batch: the per-server limit is shared
	From   time.Time      // objects with an occurrence at or after it (the batch's now)
	// ClientScheduling marks the ORGANIZER and ATTENDEEs of the rewritten
	// components SCHEDULE-AGENT=CLIENT before a write, so that the server
	// does not schedule too (mms sends the update itself); false for
	// --send server, which leaves delivery to the server (RFC 6638).
	ClientScheduling bool
}

// Read resolves location to a calendar collection and fetches its events.
// Objects that cannot be read or parsed come back as documents with Err
// naming their URL.
func (c DAVCalendars) Read(ctx context.Context, location string) ([]*Doc, error) {
	coll, err := c.Client.Resolve(ctx, location)
	if err != nil {
		return nil, davError(ctx, err)
	}
	objs, bad, err := c.Client.Fetch(ctx, coll, c.From)
	if err != nil {
		return nil, davError(ctx, err)
	}
	docs := make([]*Doc, 0, len(objs)+len(bad))
	for _, o := range objs {
		docs = append(docs, c.doc(o))
	}
	for _, b := range bad {
		docs = append(docs, &Doc{Name: b.Href, Err: b})
	}
	return docs, nil
}

// doc parses an object. Its updates are the server's to send under --send
// server, and also when the server scheduled the meeting before (see Write).
func (c DAVCalendars) doc(o caldav.Object) *Doc {
	cal, err := ics.Parse(o.Href, o.Data)
	if err != nil {
		return &Doc{Name: o.Href, Err: err}
	}
	d := &Doc{Name: o.Href, Cal: cal, Version: o.ETag, ServerDelivers: !c.ClientScheduling}
	if c.ClientScheduling && serverScheduled(cal.Components("VEVENT")) {
		d.ServerDelivers = true
		d.Note = "update left to the CalDAV server, which scheduled this meeting before: marking its attendees SCHEDULE-AGENT=CLIENT would make it send them a cancellation"
	}
	return d
}

// Write PUTs the object's bytes with If-Match; the new ETag goes into d.
//
// With ClientScheduling, a meeting the server has scheduled before (its
// attendees carry the SCHEDULE-STATUS the server wrote) is not marked:
// a scheduling server (Cyrus) answers an attendee's move to
// SCHEDULE-AGENT=CLIENT with a cancellation to that attendee. The server
// then sends the update itself, as Read said in d.ServerDelivers.
func (c DAVCalendars) Write(ctx context.Context, d *Doc) error {
	if !d.ServerDelivers {
		d.Cal.SetScheduleAgentClient(d.Changed)
	}
	etag, err := c.Client.Put(ctx, d.Name, d.Cal.Bytes(), d.Version)
	if errors.Is(err, caldav.ErrChanged) {
		return fmt.Errorf("%w: %w", ErrChanged, err)
	}
	if err != nil {
		return davError(ctx, err)
	}
	d.Version = etag
	return nil
}

// Reread GETs the object again.
func (c DAVCalendars) Reread(ctx context.Context, d *Doc) (*Doc, error) {
	o, err := c.Client.Get(ctx, d.Name)
	if err != nil {
		return nil, davError(ctx, err)
	}
	return c.doc(o), nil
}

// davError classifies a CalDAV failure: refused credentials stop the
// user (no retry helps), a busy or failing server fails the attempt (it
// is tried again later), anything else is permanent for what it touched.
func davError(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, caldav.ErrAuth):
		return stopUser(err)
	case caldav.Temporary(err) || ctx.Err() != nil:
		return err
	}
	return Permanent(err)
}

// serverScheduled: some attendee carries a SCHEDULE-STATUS, which only a
// scheduling server writes (RFC 6638 7.3) after it delivered to them.
func serverScheduled(comps []*ics.Component) bool {
	for _, c := range comps {
		for _, p := range c.All("ATTENDEE") {
			if p.Param("SCHEDULE-STATUS") != "" {
				return true
			}
		}
	}
	return false
}
