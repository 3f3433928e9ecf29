// Package caldav is the CalDAV transport of a batch: it finds a user's
// calendar collection, fetches the events that can still matter with the
// server's own bytes, and writes an edited object back only if nobody
// changed it meanwhile.
//
//	creds, err := caldav.LoadCredentials(os.Getenv) // MMS_CALDAV_USER/PASSWORD or netrc
//	c, err := caldav.New(caldav.Options{Credentials: creds})
//	coll, err := c.Resolve(ctx, userCalendarURL)     // collection URL, or server root -> default calendar
//	objs, bad, err := c.Fetch(ctx, coll, now)        // events with an occurrence at or after now (others of a small calendar marked Past)
//	etag, err := c.Put(ctx, obj.Href, edited, obj.ETag)
//	if errors.Is(err, caldav.ErrChanged) { /* re-read with Get, decide again */ }
//	etag, err = c.ReadBack(ctx, obj.Href, etag, obj.Data, holdsNewBlock) // ErrReadBack: original put back
//	etags, errs, err := c.ReadBackAll(ctx, coll, items) // many writes, one calendar-multiget
//
// Guarantees:
//
//   - Bytes are never re-encoded. Object.Data is what the server sent
//     (carriage returns included, which an XML parser would otherwise turn
//     into bare line feeds); Put sends exactly the bytes it is given.
//   - Writes are conditional: Put always sends If-Match (or If-None-Match: *
//     to create), so an object edited on the server since it was read is
//     never overwritten; the server's 412 is ErrChanged. A 412 to a weak
//     entity tag, which If-Match never matches, is ErrWeakETag unless the
//     server gives the object a strong one of the same value (then used).
//   - One bad object costs only itself: when a multi-object answer cannot
//     be decoded or the server fails on it, Fetch lists the hrefs and GETs
//     each object, and reports the ones that fail as ObjectError with
//     their URL. An answer nested deeper than any multi-status answer is
//     (no response, 200,000 levels of elements) cannot be decoded: it is
//     never taken for an empty calendar.
//   - One retry and throttle layer (an http.RoundTripper under everything,
//     go-webdav included): at most Options.RequestsPerServer requests in
//     flight per host, 429/503 Retry-After (seconds or HTTP date) honoured
//     for every request to that host, 500/502/503/504 and network
//     failures retried with exponential backoff up to Options.Retries
//     times. Credentials go with the first request (some servers answer an
//     unauthenticated PROPFIND with 207, not 401). Redirects keep their
//     method and body (net/http alone would turn a PROPFIND into a GET).
//     TLS certificates are verified, against the system roots plus
//     Options.CAFile; Options.TLSSkipVerify (tests only) refuses
//     credentials to any host but this machine (ErrSkipVerify).
//   - Credentials stay with their server: an object is read or written
//     only when its URL is inside the collection (Inside; anything else
//     is an ObjectError matching ErrOutside, never requested), redirects
//     and principals or calendar homes on another server are refused
//     (ErrRedirect), and a
//     password never goes over plain http to a host that is not this
//     machine unless MMS_CALDAV_INSECURE=1 (ErrPlainHTTP). RedactURL
//     strips a password from a URL before it is stored.
//   - A conditional PUT, or any read, that went out on a connection the
//     server closed without answering is sent again. ReadBack checks a
//     write the server acknowledged and puts the original back when the
//     server stored something else (ErrReadBack); ReadBackAll does so for
//     many writes of one collection with one calendar-multiget REPORT,
//     reading alone (GET) what its answer leaves out, and every object
//     when the server cannot answer it.
//
// Servers differ; these differences are handled (and tested against each
// server by TestServers, see internal/davserver):
//
//   - Xandikos 0.2.8 tests only a series' first instance against a time
//     range: Fetch also asks for every event with an RRULE and keeps those
//     that recur at or after the start (package ics/recur decides). A
//     server that lists a series in a one-minute range at an occurrence
//     only its rule yields (asked once per server, the first time a series
//     is at hand) is not asked that second query again: on Radicale it
//     cost more than the first by far.
//   - SOGo sends REPORT data with bare LF (GET has CRLF): such data is
//     read again with GET. It answers 409 instead of 412 to If-Match on a
//     missing object or a lower SEQUENCE (ErrChanged all the same), and
//     ignores If-None-Match: * (a create asks first, and a 204 answer to
//     it is an error). It closes connections after each answer without
//     saying so (the lost request is sent again). SOGo 5.8 may store
//     "(null)" for an acknowledged write (ReadBack).
//   - DAViCal lists its scheduling inbox and outbox as calendars: they
//     are skipped in discovery (the principal's schedule-inbox-URL and
//     schedule-outbox-URL).
//
// Errors are classified by behaviour: errors.Is(err, ErrAuth) (401/403:
// stop that user, not the batch), errors.Is(err, ErrChanged) (412: re-read
// and decide again), Temporary(err) (busy or failing server, retries used
// up: try again later); *StatusError carries the method, URL, HTTP code and
// any Retry-After. Everything else (a 404, a malformed answer) is
// permanent for that calendar or object.
//
// Discovery (principal, calendar home set, calendars) uses
// github.com/emersion/go-webdav over the wrapped client; calendar data is
// read and written with our own REPORT, GET and PUT requests, because
// go-webdav decodes it into go-ical values (which re-encode differently),
// one malformed object fails its whole QueryCalendar, and its PUT has no
// If-Match.
package caldav
