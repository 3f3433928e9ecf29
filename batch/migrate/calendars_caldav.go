package migrate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mms-project/mms/batch/caldav"
	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/report"
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
	// NoReadBack skips reading each object back after it is written
	// (--caldav-readback=false). By default a write the server
	// acknowledged but did not keep (SOGo 5.8 stores "(null)" for some)
	// is found, the original put back and the meeting failed.
	NoReadBack bool
}

// davDoc is what Write needs beyond the Doc: the collection the object
// was listed in, to check again that its URL lies inside it, and the
// bytes read, to put back when the server does not keep a write.
type davDoc struct {
	collection string
	original   []byte
	// readBack is the write Check is to read back; nil when none is due.
	readBack *caldav.ReadBackItem
}

// Read resolves location to a calendar collection and fetches its events.
// Objects that cannot be read or parsed come back as documents with Err
// naming their URL.
func (c DAVCalendars) Read(ctx context.Context, location string) ([]*Doc, error) {
	coll, err := c.Client.Resolve(ctx, location)
	if err != nil {
		return nil, davError(ctx, err)
	}
	if !c.ClientScheduling { // --send server: only a server that schedules sends anything
		auto, err := c.Client.AutoSchedules(ctx, coll)
		if err != nil {
			return nil, davError(ctx, err)
		}
		if !auto {
			return nil, Permanent(fmt.Errorf("--send server leaves the updates to the CalDAV server's scheduling, but the server of %s does not say it schedules "+
				"(no calendar-auto-schedule in its answer to OPTIONS, RFC 6638): its attendees would get no update. Use --send outbox or smtp://host:port", coll))
		}
	}
	objs, bad, err := c.Client.Fetch(ctx, coll, c.From)
	if err != nil {
		return nil, davError(ctx, err)
	}
	docs := make([]*Doc, 0, len(objs)+len(bad))
	for _, o := range objs {
		if o.Past {
			// Read for the report only (its meetings are skipped as
			// past): one that cannot be parsed is left out, as a
			// time-range answer would leave it.
			if cal, err := ics.Parse(o.Href, o.Data); err == nil {
				docs = append(docs, &Doc{Name: o.Href, Cal: cal, Version: o.ETag})
			}
			continue
		}
		d, err := c.doc(ctx, coll, o)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	for _, b := range bad {
		docs = append(docs, &Doc{Name: b.Href, Err: b})
	}
	return docs, nil
}

// doc parses an object. Its updates are the server's to send under --send
// server, and also when the server scheduled the meeting before and says
// it schedules (see Write and caldav.Client.AutoSchedules): an attendee's
// SCHEDULE-STATUS alone may come from another server the calendar was
// imported from, which will not deliver this update. The error return is
// the server's failure to say whether it schedules.
func (c DAVCalendars) doc(ctx context.Context, collection string, o caldav.Object) (*Doc, error) {
	cal, err := ics.Parse(o.Href, o.Data)
	if err != nil {
		return &Doc{Name: o.Href, Err: err}, nil
	}
	d := &Doc{Name: o.Href, Cal: cal, Version: o.ETag, ServerDelivers: !c.ClientScheduling,
		dav: &davDoc{collection: collection, original: o.Data}}
	delivered, others := serverDelivered(cal.Components("VEVENT"))
	if c.ClientScheduling && len(delivered) > 0 {
		auto, err := c.Client.AutoSchedules(ctx, collection)
		if err != nil {
			return nil, davError(ctx, err)
		}
		if auto && c.Client.SchedulesPartly(collection) {
			// DAViCal: its update to its own users would keep the old
			// block in their HTML body; marked CLIENT, they are mailed
			// the whole update, with no cancellation from the server
			auto = false
			d.Note = fmt.Sprintf("update mailed by mms to %s too, whom the CalDAV server (DAViCal) delivered to before: its scheduling would carry the new text but not the new HTML body", strings.Join(delivered, ", "))
		}
		switch {
		case auto && others == 0:
			d.ServerDelivers = true
			d.Note = "update left to the CalDAV server, which scheduled this meeting before: marking its attendees SCHEDULE-AGENT=CLIENT would make it send them a cancellation"
		case auto:
			d.ServerAttendees = delivered
			d.Note = fmt.Sprintf("update to %s left to the CalDAV server, which delivered to them before; sent by mms to the others", strings.Join(delivered, ", "))
		}
	}
	return d, nil
}

// Write PUTs the object's bytes with If-Match; the new ETag goes into d.
// The bytes go with CRLF throughout (RFC 5545), whatever endings the
// server gave: REPORT data arrives with LF once XML parsing is done, and
// the rewritten lines have CRLF. The object's URL is checked again to lie
// inside the collection it was listed in (caldav.Inside) before anything
// is sent. Unless NoReadBack, the write is left for Check to read back,
// with the user's others: d.Version holds the ETag the PUT returned until
// then.
//
// With ClientScheduling, a meeting the server has scheduled before (its
// attendees carry the SCHEDULE-STATUS the server wrote) is not marked:
// a scheduling server (Cyrus) answers an attendee's move to
// SCHEDULE-AGENT=CLIENT with a cancellation to that attendee. The server
// then sends the update itself, as Read said in d.ServerDelivers.
// Without ClientScheduling (--send server), SCHEDULE-AGENT=CLIENT is
// taken off the meeting's lines instead, so that the server delivers it.
func (c DAVCalendars) Write(ctx context.Context, d *Doc) error {
	if d.dav == nil {
		return Permanent(fmt.Errorf("%s: not read from a CalDAV collection, so not written back", d.Name))
	}
	href, err := caldav.Inside(d.dav.collection, d.Name)
	if err != nil {
		return Permanent(err)
	}
	switch {
	case !c.ClientScheduling: // --send server: the server delivers to every attendee
		d.Cal.ClearScheduleAgentClient(d.Changed)
	case len(d.ServerAttendees) > 0:
		d.Cal.SetScheduleAgentClientExcept(d.Changed, d.ServerAttendees)
	case !d.ServerDelivers:
		d.Cal.SetScheduleAgentClient(d.Changed)
	}
	body := crlfThroughout(d.Cal.Bytes())
	etag, err := c.Client.Put(ctx, href, body, d.Version)
	if errors.Is(err, caldav.ErrChanged) {
		return fmt.Errorf("%w: %w", ErrChanged, err)
	}
	if err != nil {
		return davError(ctx, err)
	}
	d.Version = etag
	if !c.NoReadBack {
		d.dav.readBack = &caldav.ReadBackItem{Href: href, ETag: etag, Original: crlfThroughout(d.dav.original), Check: keeps(href, body)}
	}
	return nil
}

// Check reads back the objects Write stored in docs (passing over the
// others), those of one collection with one request (see
// caldav.Client.ReadBackAll), and takes each one's ETag as it is now into
// its Version. An object the server did not keep has its original put
// back; its error, matching caldav.ErrReadBack and naming its URL, is
// Permanent, failing only its meetings. A failure to read back that is
// about the server (busy, unreachable, refused credentials) is the error
// return, classified as Write's errors are: the attempt fails (or the
// user stops), and what was stored is left as it is.
func (c DAVCalendars) Check(ctx context.Context, docs []*Doc) ([]error, error) {
	errs := make([]error, len(docs))
	byColl := map[string][]int{}
	var colls []string
	for i, d := range docs {
		if d.dav == nil || d.dav.readBack == nil {
			continue
		}
		if byColl[d.dav.collection] == nil {
			colls = append(colls, d.dav.collection)
		}
		byColl[d.dav.collection] = append(byColl[d.dav.collection], i)
	}
	for _, coll := range colls {
		at := byColl[coll]
		items := make([]caldav.ReadBackItem, len(at))
		for k, i := range at {
			items[k] = *docs[i].dav.readBack
		}
		etags, bad, err := c.Client.ReadBackAll(ctx, coll, items)
		if err != nil {
			return nil, davError(ctx, err)
		}
		for k, i := range at {
			d := docs[i]
			d.dav.readBack = nil
			if bad[k] != nil {
				errs[i] = davError(ctx, bad[k])
				continue
			}
			d.Version = etags[k]
		}
	}
	return errs, nil
}

// Reread GETs the object again.
// Its URL is checked first, as for Write.
func (c DAVCalendars) Reread(ctx context.Context, d *Doc) (*Doc, error) {
	if d.dav == nil {
		return nil, Permanent(fmt.Errorf("%s: not read from a CalDAV collection, so not read again", d.Name))
	}
	href, err := caldav.Inside(d.dav.collection, d.Name)
	if err != nil {
		return nil, Permanent(err)
	}
	o, err := c.Client.Get(ctx, href)
	if err != nil {
		return nil, davError(ctx, err)
	}
	return c.doc(ctx, d.dav.collection, o)
}

// davError classifies a CalDAV failure: refused credentials stop the
// user (no retry helps), a host name that does not exist fails the user
// (the users file is wrong), a server that cannot be reached at all (after
// the transport's retries) stops the run, as the mail relay does (exit 4,
// the same command resumes), a busy or failing server fails the attempt (it
// is tried again later), anything else is permanent for what it touched.
func davError(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, caldav.ErrAuth):
		return stopUser(err)
	case caldav.NoSuchHost(err):
		return Permanent(fmt.Errorf("%w; check the host name of the calendar URL in the users file", err))
	case caldav.Unreachable(err) && ctx.Err() == nil:
		return runStop{fmt.Errorf("the CalDAV server cannot be reached: %w; check the calendar URL in the users file and that the server is running, then run the same command again: the batch resumes where it stopped", err)}
	case caldav.Temporary(err) || ctx.Err() != nil:
		return err
	}
	return Permanent(err)
}

// serverDelivered returns the attendees whose SCHEDULE-STATUS says a
// scheduling server delivered to them (RFC 6638 7.3: a 1.x or 2.x code;
// 3.x and 5.x say it could not, as DAViCal marks attendees outside its
// own users), and how many other attendees there are.
func serverDelivered(comps []*ics.Component) (delivered []string, others int) {
	seen := map[string]bool{}
	for _, c := range comps {
		for _, p := range c.All("ATTENDEE") {
			a := ics.UserAddress(p)
			if seen[a] {
				continue
			}
			seen[a] = true
			if deliveredStatus(p.Param("SCHEDULE-STATUS")) {
				delivered = append(delivered, a)
			} else {
				others++
			}
		}
	}
	return delivered, others
}

// deliveredStatus: a SCHEDULE-STATUS (one code or several, comma
// separated) whose codes say delivered or pending.
func deliveredStatus(status string) bool {
	if status == "" {
		return false
	}
	for _, code := range strings.Split(status, ",") {
		if code = strings.TrimSpace(code); !strings.HasPrefix(code, "1.") && !strings.HasPrefix(code, "2.") {
			return false
		}
	}
	return true
}

// crlfThroughout ends every line of an object with CRLF, as RFC 5545 and
// every CalDAV server want: a bare LF becomes CRLF, a CRLF stays. Data with
// no bare LF comes back as it is.
func crlfThroughout(b []byte) []byte {
	bare := 0
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			bare++
		}
	}
	if bare == 0 {
		return b
	}
	out := make([]byte, 0, len(b)+bare)
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}

// keeps is the read-back check of an object written as written: what the
// server stores must hold every event written, each with the same SUMMARY,
// LOCATION and DESCRIPTION values once unfolded and unescaped. Servers that
// store objects again in their own form (Radicale, SOGo) reorder
// parameters and fold elsewhere, so lines are not compared.
func keeps(href string, written []byte) func(stored []byte) error {
	return func(stored []byte) error {
		want, err := ics.Parse(href, written)
		if err != nil {
			return nil // nothing to compare with; the stored object parsed
		}
		got, err := ics.Parse(href, stored)
		if err != nil {
			return err
		}
		have := map[string]*ics.Component{}
		for _, comp := range got.Components("VEVENT") {
			have[eventKey(comp)] = comp
		}
		for _, w := range want.Components("VEVENT") {
			g, ok := have[eventKey(w)]
			if !ok {
				return fmt.Errorf("the event %s is missing", eventKey(w))
			}
			for _, name := range []string{"SUMMARY", "LOCATION", "DESCRIPTION"} {
				if a, b := textValue(w, name), textValue(g, name); a != b {
					return fmt.Errorf("the event %s has %s %q, not %q as written", eventKey(w), name, excerpt(b), excerpt(a))
				}
			}
		}
		return nil
	}
}

// eventKey names an event of an object: its UID and RECURRENCE-ID.
func eventKey(comp *ics.Component) string {
	uid, _ := comp.Prop("UID")
	key := "UID " + strings.TrimSpace(uid.Value)
	if rid, ok := comp.Prop("RECURRENCE-ID"); ok {
		key += " RECURRENCE-ID " + strings.TrimSpace(rid.Value)
	}
	return key
}

// textValue is a text property's value unescaped, with the line breaks
// servers write differently (\n, \N, CRLF) made one.
func textValue(comp *ics.Component, name string) string {
	p, ok := comp.Prop(name)
	if !ok {
		return ""
	}
	r := strings.NewReplacer(`\n`, "\n", `\N`, "\n", `\,`, ",", `\;`, ";", `\\`, `\`, "\r\n", "\n")
	return strings.TrimRight(r.Replace(p.Value), " \n")
}

// excerpt shortens a value for a message.
func excerpt(s string) string {
	const n = 80
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// unreadRow is the failed row of a document that could not be read. A
// CalDAV object gets a short kind as its Reason and its URL with why in
// Detail: one the server listed outside the collection (another
// collection, a path climbing out, another host) was never requested.
// One failed for a UID another document holds too (see sharedUIDs) has
// that UID.
func unreadRow(user string, d *Doc) report.Meeting {
	row := report.Meeting{UserID: user}
	var shared sharedUIDError
	if errors.As(d.Err, &shared) {
		row.UID = shared.uid
	}
	var oe caldav.ObjectError
	if !errors.As(d.Err, &oe) {
		fail(&row, d.Err, KindInvalid)
		return row
	}
	fail(&row, d.Err, KindCalDAV)
	why := oe.Err.Error()
	if !strings.HasPrefix(why, oe.Href+":") { // ics.Parse's errors name the object already
		why = oe.Href + ": " + why
	}
	row.Detail = "CalDAV object could not be read: " + why
	if errors.Is(d.Err, caldav.ErrOutside) {
		row.Detail = "CalDAV object outside the calendar, not touched: " + oe.Href + ": " + oe.Err.Error()
	}
	return row
}
