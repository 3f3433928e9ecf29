package caldav

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
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

// firstInstanceOnly makes the fake server answer time-range queries as
// Xandikos 0.2.8 does: the series begun in the past (weekly.ics,
// ended.ics) are left out, since only their first instance is tested
// against the range. The other queries are answered in full.
func firstInstanceOnly(s *fakeServer) {
	var timeRange bool
	s.inject(&fault{method: "REPORT",
		before: func(r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			timeRange = strings.Contains(string(body), "time-range")
			r.Body = io.NopCloser(bytes.NewReader(body))
		},
		rewrite: func(rec *httptest.ResponseRecorder, _ *http.Request) {
			if !timeRange {
				return
			}
			body := responseElem.ReplaceAllStringFunc(rec.Body.String(), func(r string) string {
				if strings.Contains(r, "weekly.ics") || strings.Contains(r, "ended.ics") {
					return ""
				}
				return r
			})
			rec.Body = bytes.NewBufferString(body)
		}})
}

var responseElem = regexp.MustCompile(`(?s)<(?:[A-Za-z]+:)?response[\s>].*?</(?:[A-Za-z]+:)?response>`)

// A server that tests only a series' first instance against the time
// range (Xandikos 0.2.8) leaves out a series begun in the past: Fetch
// asks for the recurring events too and keeps those that still recur.
// Having seen it leave out a series that recurs, the client never probes
// it and asks for the recurring events on every later Fetch.
func TestFetchSeriesTheServerLeftOut(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a") // 2027
	s.put(t, workPath+"weekly.ics", series("weekly", "20200106T100000Z", "FREQ=WEEKLY;BYDAY=MO"))
	s.put(t, workPath+"ended.ics", series("ended", "20200106T100000Z", "FREQ=WEEKLY;COUNT=3"))
	firstInstanceOnly(s)
	c, _ := testClient(t, Options{})
	c.timeRangeOnly = true                       // the time-range query's quirks
	for i, wantReports := range []int{2, 2, 2} { // time range, recurring events
		before := s.count("REPORT")
		objs, bad, err := c.Fetch(context.Background(), s.url(workPath), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
		if err != nil || len(bad) != 0 {
			t.Fatalf("Fetch %d: %v %v", i, err, bad)
		}
		var names []string
		for _, o := range objs {
			names = append(names, o.Href[strings.LastIndexByte(o.Href, '/')+1:])
		}
		if fmt.Sprint(names) != "[a.ics weekly.ics]" {
			t.Errorf("Fetch %d: fetched %v, want [a.ics weekly.ics] (the series that recurs, not the one that ended)", i, names)
		}
		if n := s.count("REPORT") - before; n != wantReports {
			t.Errorf("Fetch %d: %d REPORTs, want %d", i, n, wantReports)
		}
	}
}

// A server whose time-range query lists a series by an occurrence of its
// rule alone (the probe's minute at 2026-12-07 10:00), and whose two
// answers agreed on a calendar with series, is asked that one query from
// then on, for every calendar on it: the recurring events' query costs
// Radicale a parse of every object. A server seen to leave out a series
// that recurs is asked both from then on, whatever a probe would say.
func TestFetchSeriesAskedUntilTheServerShowsItExpands(t *testing.T) {
	for _, tc := range []struct {
		name        string
		missedFirst bool // the first time-range answer lacks the series
		reports     []int
		probe       int // which REPORT of the first Fetch is the probe; -1: none
	}{
		{"series in the time-range answer", false, []int{3, 1, 1}, 1}, // time range, probe, recurring events to compare
		{"series left out once", true, []int{2, 2, 2}, -1},            // time range, recurring events
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeServer(t) // ignores time ranges: lists every event
			seed(t, s, "a")
			s.put(t, workPath+"weekly.ics", series("weekly", "20200106T100000Z", "FREQ=WEEKLY;BYDAY=MO"))
			if tc.missedFirst {
				s.inject(&fault{method: "REPORT", times: 1, respond: func(w http.ResponseWriter, r *http.Request) {
					w.WriteHeader(http.StatusMultiStatus)
					fmt.Fprint(w, `<?xml version="1.0"?><D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">`+
						`<D:response><D:href>`+workPath+`a.ics</D:href><D:propstat><D:prop><D:getetag>"1"</D:getetag><C:calendar-data>`+
						event("a", "Meeting a")+`</C:calendar-data></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>`)
				}})
			}
			c, _ := testClient(t, Options{})
			c.timeRangeOnly = true // the time-range query's quirks
			from := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			for i, want := range tc.reports {
				before := len(s.log())
				objs, bad, err := c.Fetch(context.Background(), s.url(workPath), from)
				if err != nil || len(bad) != 0 || len(objs) != 2 {
					t.Fatalf("Fetch %d: %d objects, %v %v; want a.ics and weekly.ics", i, len(objs), err, bad)
				}
				if log := s.log()[before:]; len(log) != want {
					t.Errorf("Fetch %d: requests %v, want %d REPORTs", i, log, want)
				}
			}
			for i, body := range s.bodies("REPORT") {
				isProbe := strings.Contains(body, `start="20261207T100000Z" end="20261207T100100Z"`)
				if isProbe != (i == tc.probe) {
					t.Errorf("REPORT %d probes: %v, want %v (the probe asks the minute at the occurrence of 2026-12-07):\n%s", i, isProbe, i == tc.probe, body)
				}
			}
		})
	}
}

// lfOnlyReports makes s answer every REPORT with bare line feeds, as
// SOGo does.
func lfOnlyReports(s *fakeServer) {
	s.inject(&fault{method: "REPORT", rewrite: func(rec *httptest.ResponseRecorder, _ *http.Request) {
		body := strings.ReplaceAll(rec.Body.String(), "\r\n", "\n")
		body = strings.ReplaceAll(body, "&#xD;", "")
		body = strings.ReplaceAll(body, "&#13;", "")
		rec.Body.Reset()
		rec.Body.WriteString(body)
	}})
}

// REPORT data with bare line feeds only (SOGo) is not the object's bytes:
// the object is read with GET, which gives them.
func TestFetchLFOnlyReportDataIsReadAgain(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a", "b")
	lfOnlyReports(s)
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

// A past object of a calendar read whole is only reported, never
// written: its LF-only REPORT data is taken as it is, without a GET.
func TestFetchPastObjectNotReadAgain(t *testing.T) {
	s := newFakeServer(t)
	mixed(t, s)
	lfOnlyReports(s)
	c, _ := testClient(t, Options{})
	objs, bad, err := c.Fetch(context.Background(), s.url(workPath), listedFrom)
	if err != nil || len(bad) != 0 {
		t.Fatalf("Fetch: %v %v", err, bad)
	}
	checkMixed(t, objs)
	var got []string
	for _, p := range gets(s) {
		got = append(got, p[strings.LastIndexByte(p, '/')+1:])
	}
	if !slices.Equal(got, mixedWant) {
		t.Errorf("GETs of %v, want only the current objects %v", got, mixedWant)
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
	c.timeRangeOnly = true
	objs, bad, err := c.Fetch(context.Background(), s.url(workPath), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(bad) != 0 || len(objs) != 1 {
		t.Fatalf("Fetch: %d objects, %v %v; want the series", len(objs), bad, err)
	}
	if n := s.count("GET"); n != 1 {
		t.Errorf("%d GETs, want 1", n)
	}
}
