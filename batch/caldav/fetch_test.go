package caldav

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func seed(t *testing.T, s *fakeServer, names ...string) {
	t.Helper()
	for _, n := range names {
		s.put(t, workPath+n+".ics", event(n, "Meeting "+n))
	}
}

// Fetch returns each object with the same bytes a GET gives, CR LF included.
func TestFetchKeepsServerBytes(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a", "b", "c")
	c, _ := testClient(t, Options{})
	objs, bad, err := c.Fetch(context.Background(), s.url(workPath), time.Time{})
	if err != nil || len(bad) != 0 {
		t.Fatalf("Fetch: %v %v", err, bad)
	}
	if len(objs) != 3 {
		t.Fatalf("got %d objects, want 3", len(objs))
	}
	if n := s.count("GET"); n != 0 {
		t.Errorf("Fetch made %d GETs; one REPORT should do", n)
	}
	for _, o := range objs {
		if !strings.HasPrefix(o.Href, s.url(workPath)) || !strings.HasPrefix(o.ETag, `"`) {
			t.Errorf("object href %q etag %q", o.Href, o.ETag)
		}
		got, err := c.Get(context.Background(), o.Href)
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Data) != string(o.Data) || got.ETag != o.ETag {
			t.Errorf("%s: REPORT gave %q (etag %s), GET gives %q (etag %s)", o.Href, o.Data, o.ETag, got.Data, got.ETag)
		}
		if !strings.Contains(string(o.Data), "\r\n") {
			t.Errorf("%s: carriage returns lost: %q", o.Href, o.Data)
		}
	}
	if s.unsigned != 0 {
		t.Errorf("%d requests went without credentials", s.unsigned)
	}
}

// rewriteObject replaces the calendar-data of the response for href.
func rewriteObject(href, replacement string) func(*httptest.ResponseRecorder, *http.Request) {
	re := regexp.MustCompile(`(?s)(<href>` + regexp.QuoteMeta(href) + `</href>.*?<calendar-data[^>]*>).*?(</calendar-data>)`)
	return func(rec *httptest.ResponseRecorder, _ *http.Request) {
		body := re.ReplaceAllString(rec.Body.String(), "${1}"+replacement+"${2}")
		rec.Body.Reset()
		rec.Body.WriteString(body)
	}
}

// An answer that cannot be decoded as XML (a control character inside one
// object) makes Fetch list the hrefs and GET each object.
func TestFetchUndecodableAnswerFallsBackToGET(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a", "b", "c")
	s.inject(&fault{method: "REPORT", times: 1, rewrite: rewriteObject(workPath+"b.ics", "BEGIN:VCALENDAR\x01")})
	c, _ := testClient(t, Options{})
	objs, bad, err := c.Fetch(context.Background(), s.url(workPath), time.Time{})
	if err != nil || len(bad) != 0 || len(objs) != 3 {
		t.Fatalf("Fetch: %d objects, bad %v, err %v", len(objs), bad, err)
	}
	if got := s.count("REPORT"); got != 2 {
		t.Errorf("%d REPORTs, want 2 (data, then hrefs only)", got)
	}
	if got := s.count("GET"); got != 3 {
		t.Errorf("%d GETs, want one per object", got)
	}
}

// A malformed object costs only itself: an ObjectError naming its URL.
func TestFetchMalformedObjectFailsAlone(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a", "b", "c")
	const garbage = "this is not a calendar"
	s.inject(&fault{method: "REPORT", rewrite: rewriteObject(workPath+"b.ics", garbage)})
	s.inject(&fault{method: "GET", path: workPath + "b.ics", respond: func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/calendar")
		w.Header().Set("ETag", `"x"`)
		w.Write([]byte(garbage))
	}})
	c, _ := testClient(t, Options{})
	objs, bad, err := c.Fetch(context.Background(), s.url(workPath), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || len(bad) != 1 {
		t.Fatalf("got %d objects and %d errors, want 2 and 1: %v", len(objs), len(bad), bad)
	}
	if want := s.url(workPath + "b.ics"); bad[0].Href != want || !strings.Contains(bad[0].Error(), want) {
		t.Errorf("error %q names %q, want %q", bad[0].Error(), bad[0].Href, want)
	}
	for _, o := range objs {
		if strings.HasSuffix(o.Href, "b.ics") {
			t.Errorf("malformed object returned: %s", o.Href)
		}
	}
}

// Unquoted ETags from the server are quoted, and work for If-Match.
func TestUnquotedETags(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a")
	unquote := func(rec *httptest.ResponseRecorder, _ *http.Request) {
		if e := rec.Header().Get("ETag"); e != "" {
			rec.Header().Set("ETag", strings.Trim(e, `"`))
		}
		body := etagElem.ReplaceAllString(rec.Body.String(), "$1$2$3")
		rec.Body.Reset()
		rec.Body.WriteString(body)
	}
	s.inject(&fault{rewrite: unquote})
	c, _ := testClient(t, Options{})
	ctx := context.Background()
	objs, _, err := c.Fetch(ctx, s.url(workPath), time.Time{})
	if err != nil || len(objs) != 1 {
		t.Fatalf("Fetch: %v, %d objects", err, len(objs))
	}
	if e := objs[0].ETag; !strings.HasPrefix(e, `"`) || !strings.HasSuffix(e, `"`) {
		t.Fatalf("ETag %q not quoted", e)
	}
	edited := strings.Replace(string(objs[0].Data), "Meeting a", "Meeting A", 1)
	etag, err := c.Put(ctx, objs[0].Href, []byte(edited), objs[0].ETag)
	if err != nil {
		t.Fatalf("Put with the quoted form of an unquoted ETag: %v", err)
	}
	got, err := c.Get(ctx, objs[0].Href)
	if err != nil || got.ETag != etag || !strings.Contains(string(got.Data), "Meeting A") {
		t.Errorf("after Put: etag %q (Put said %q), err %v, data %q", got.ETag, etag, err, got.Data)
	}
}

// A collection URL that is not there is an error for the whole fetch.
func TestFetchMissingCollection(t *testing.T) {
	s := newFakeServer(t)
	s.inject(&fault{method: "REPORT", respond: func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no such calendar", http.StatusNotFound)
	}})
	c, _ := testClient(t, Options{})
	_, _, err := c.Fetch(context.Background(), s.url("/alice/calendars/gone/"), time.Time{})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != http.StatusNotFound || !strings.Contains(err.Error(), "/alice/calendars/gone/") {
		t.Fatalf("err = %v, want a 404 StatusError naming the URL", err)
	}
	if Temporary(err) || errors.Is(err, ErrAuth) {
		t.Errorf("a 404 is neither temporary nor an auth error")
	}
}

// A server that fails on the whole query (one object it cannot
// serialize) still gives every object by PROPFIND and GET.
func TestFetchServerErrorFallsBackToPROPFIND(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a", "b")
	s.inject(&fault{method: "REPORT", respond: answer(http.StatusInternalServerError)})
	c, clock := testClient(t, Options{Retries: 1})
	objs, bad, err := c.Fetch(context.Background(), s.url(workPath), time.Time{})
	if err != nil || len(bad) != 0 || len(objs) != 2 {
		t.Fatalf("Fetch: %d objects, %v, %v", len(objs), bad, err)
	}
	if s.count("REPORT") != 4 || s.count("PROPFIND") != 1 || s.count("GET") != 2 {
		t.Errorf("requests: %v", s.log())
	}
	if len(clock.slept()) != 2 {
		t.Errorf("each REPORT retried once: slept %v", clock.slept())
	}
}

// A REPORT answer that holds no response but elements nested 200,000
// deep (a hostile server) cannot be read: it is not taken for an empty
// calendar. The multiget (too large) gives way to the time-range query,
// its two forms to the PROPFIND listing, and each listed object is read
// with a GET; so too when the calendar is asked for a time range only.
func TestFetchDeeplyNestedAnswerReadByGET(t *testing.T) {
	const depth = 200_000
	deep := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusMultiStatus)
		w.Write([]byte(`<?xml version="1.0"?><D:multistatus xmlns:D="DAV:">` +
			strings.Repeat("<D:x>", depth) + strings.Repeat("</D:x>", depth) + `</D:multistatus>`))
	}
	for _, timeRange := range []bool{false, true} {
		s := newFakeServer(t)
		seed(t, s, "a", "b", "c")
		s.inject(&fault{method: "REPORT", respond: deep})
		size := fmt.Sprint(len(event("a", "Meeting a"))) // the multiget's answer may take 1 MiB more
		s.inject(&fault{method: "PROPFIND", respond: listing(
			[2]string{workPath + "a.ics", size}, [2]string{workPath + "b.ics", size}, [2]string{workPath + "c.ics", size})})
		c, _ := testClient(t, Options{})
		c.timeRangeOnly = timeRange
		objs, bad, err := c.Fetch(context.Background(), s.url(workPath), time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC))
		if err != nil || len(bad) != 0 {
			t.Fatalf("time range %v: Fetch: %v %v", timeRange, err, bad)
		}
		if got := names(objs); !slices.Equal(got, []string{"a.ics", "b.ics", "c.ics"}) {
			t.Errorf("time range %v: fetched %v, want every listed object; requests %v", timeRange, got, s.log())
		}
		if got := s.count("GET"); got != 3 {
			t.Errorf("time range %v: %d GETs, want one per listed object", timeRange, got)
		}
	}
}

// A busy server is not taken for a broken answer: no fallback.
func TestFetchBusyServerNoFallback(t *testing.T) {
	s := newFakeServer(t)
	s.inject(&fault{method: "REPORT", respond: answer(http.StatusServiceUnavailable)})
	c, _ := testClient(t, Options{Retries: 1})
	_, _, err := c.Fetch(context.Background(), s.url(workPath), time.Time{})
	if !Temporary(err) || s.count("PROPFIND") != 0 {
		t.Errorf("err %v after %v", err, s.log())
	}
}

// When reading one object fails for a reason that is the server's (busy,
// refusing the credentials), the whole fetch fails, to be tried again.
func TestFetchObjectGETBusyFailsTheFetch(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a", "b")
	s.inject(&fault{method: "REPORT", times: 1, rewrite: rewriteObject(workPath+"b.ics", "\x01")})
	s.inject(&fault{method: "GET", path: workPath + "b.ics", respond: answer(http.StatusTooManyRequests, "Retry-After", "3600")})
	c, _ := testClient(t, Options{})
	objs, bad, err := c.Fetch(context.Background(), s.url(workPath), time.Time{})
	if !Temporary(err) || objs != nil || bad != nil {
		t.Errorf("Fetch = %d objects, %v, %v; want a temporary error", len(objs), bad, err)
	}
}
