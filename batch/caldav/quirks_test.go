package caldav

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func series(uid, start, rrule string) string {
	return strings.ReplaceAll(fmt.Sprintf(`BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//mms//test//EN
BEGIN:VEVENT
UID:%s
DTSTAMP:20200101T000000Z
DTSTART:%s
DTEND:%s
RRULE:%s
SUMMARY:%s
END:VEVENT
END:VCALENDAR
`, uid, start, start, rrule, uid), "\n", "\r\n")
}

// A server that tests only a series' first instance against the time
// range (Xandikos 0.2.8) leaves out a series begun in the past: Fetch
// asks for the recurring events too and keeps those that still recur.
func TestFetchSeriesTheServerLeftOut(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a") // 2027
	s.put(t, workPath+"weekly.ics", series("weekly", "20200106T100000Z", "FREQ=WEEKLY;BYDAY=MO"))
	s.put(t, workPath+"ended.ics", series("ended", "20200106T100000Z", "FREQ=WEEKLY;COUNT=3"))
	s.inject(&fault{method: "REPORT", times: 1, respond: func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusMultiStatus)
		fmt.Fprint(w, `<?xml version="1.0"?><D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">`+
			`<D:response><D:href>`+workPath+`a.ics</D:href><D:propstat><D:prop><D:getetag>"1"</D:getetag><C:calendar-data>`+
			event("a", "Meeting a")+`</C:calendar-data></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>`)
	}})
	c, _ := testClient(t, Options{})
	objs, bad, err := c.Fetch(context.Background(), s.url(workPath), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(bad) != 0 {
		t.Fatalf("Fetch: %v %v", err, bad)
	}
	var names []string
	for _, o := range objs {
		names = append(names, o.Href[strings.LastIndexByte(o.Href, '/')+1:])
	}
	if fmt.Sprint(names) != "[a.ics weekly.ics]" {
		t.Errorf("fetched %v, want [a.ics weekly.ics] (the series that recurs, not the one that ended)", names)
	}
	if n := s.count("REPORT"); n != 2 {
		t.Errorf("%d REPORTs, want 2 (time range, then recurring events)", n)
	}
}

// REPORT data with bare line feeds only (SOGo) is not the object's bytes:
// the object is read with GET, which gives them.
func TestFetchLFOnlyReportDataIsReadAgain(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a", "b")
	s.inject(&fault{method: "REPORT", rewrite: func(rec *httptest.ResponseRecorder, _ *http.Request) {
		body := strings.ReplaceAll(rec.Body.String(), "\r\n", "\n")
		body = strings.ReplaceAll(body, "&#xD;", "")
		body = strings.ReplaceAll(body, "&#13;", "")
		rec.Body.Reset()
		rec.Body.WriteString(body)
	}})
	c, _ := testClient(t, Options{})
	objs, bad, err := c.Fetch(context.Background(), s.url(workPath), time.Time{})
	if err != nil || len(bad) != 0 || len(objs) != 2 {
		t.Fatalf("Fetch: %d objects, %v %v", len(objs), err, bad)
	}
	for _, o := range objs {
		if !strings.Contains(string(o.Data), "\r\n") {
			t.Errorf("%s: LF-only data kept: %q", o.Href, o.Data)
		}
	}
	if n := s.count("GET"); n != 2 {
		t.Errorf("%d GETs, want 2", n)
	}
}

// SOGo answers 409, not 412, to If-Match on an object that is gone or
// whose SEQUENCE was raised meanwhile: it is ErrChanged all the same.
func TestPut409IsChanged(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a")
	c, _ := testClient(t, Options{})
	obj := fetchOne(t, c, s)
	s.inject(&fault{method: "PUT", times: 1, respond: answer(http.StatusConflict)})
	_, err := c.Put(context.Background(), obj.Href, []byte(event("a", "Ours")), obj.ETag)
	var se *StatusError
	if !errors.Is(err, ErrChanged) || !errors.As(err, &se) || se.Code != http.StatusConflict || Temporary(err) {
		t.Errorf("409 to a PUT with If-Match: %v, want ErrChanged carrying the 409", err)
	}
}

// SOGo ignores If-None-Match: *. A create first asks whether anything is
// there, and a 204 answer (replaced, not created) is an error.
func TestPutCreateWhereIfNoneMatchIsIgnored(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a")
	c, _ := testClient(t, Options{})
	ctx := context.Background()
	s.inject(&fault{method: "PUT", respond: func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		_, existed := s.backend.objects[r.URL.Path]
		s.put(t, r.URL.Path, string(data)) // ignores If-None-Match
		w.Header().Set("ETag", `"new"`)
		if existed {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}})
	_, err := c.Put(ctx, s.url(workPath+"a.ics"), []byte(event("a", "Ours")), "")
	if !errors.Is(err, ErrChanged) || s.count("PUT") != 0 {
		t.Errorf("create over an existing object: %v, %d PUTs; want ErrChanged and no PUT", err, s.count("PUT"))
	}
	if got, _ := c.Get(ctx, s.url(workPath+"a.ics")); strings.Contains(string(got.Data), "Ours") {
		t.Error("the existing object was replaced")
	}
	if etag, err := c.Put(ctx, s.url(workPath+"b.ics"), []byte(event("b", "New")), ""); err != nil || etag != `"new"` {
		t.Errorf("create: %s %v", etag, err)
	}
	// made by someone else between the check and the PUT: the 204 says so
	s.inject(&fault{method: "PROPFIND", path: workPath + "c.ics", times: 1, respond: answer(http.StatusNotFound)})
	s.put(t, workPath+"c.ics", event("c", "Theirs"))
	if _, err := c.Put(ctx, s.url(workPath+"c.ics"), []byte(event("c", "Ours")), ""); err == nil || !strings.Contains(err.Error(), "If-None-Match") {
		t.Errorf("create answered 204: %v, want an error saying an object was replaced", err)
	}
}

// When one bad object spoils the recurring events' answer, they are
// listed without data and read one by one: the series is not lost.
func TestFetchSeriesQuerySpoiled(t *testing.T) {
	s := newFakeServer(t)
	s.put(t, workPath+"weekly.ics", series("weekly", "20200106T100000Z", "FREQ=WEEKLY;BYDAY=MO"))
	s.inject(&fault{method: "REPORT", times: 1, respond: func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusMultiStatus)
		fmt.Fprint(w, `<?xml version="1.0"?><D:multistatus xmlns:D="DAV:"></D:multistatus>`)
	}})
	s.inject(&fault{method: "REPORT", times: 1, respond: answer(http.StatusInternalServerError)})
	c, _ := testClient(t, Options{Retries: -1})
	objs, bad, err := c.Fetch(context.Background(), s.url(workPath), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(bad) != 0 || len(objs) != 1 {
		t.Fatalf("Fetch: %d objects, %v %v; want the series", len(objs), bad, err)
	}
	if n := s.count("GET"); n != 1 {
		t.Errorf("%d GETs, want 1", n)
	}
}
