package caldav

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

var listedFrom = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// single is a calendar with one event from start to end (UTC, basic form).
func single(uid, start, end string) string {
	return strings.ReplaceAll(fmt.Sprintf(`BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//mms//test//EN
BEGIN:VEVENT
UID:%s
DTSTAMP:20200101T000000Z
DTSTART:%s
DTEND:%s
SUMMARY:%s
END:VEVENT
END:VCALENDAR
`, uid, start, end, uid), "\n", "\r\n")
}

// names are the last path segments of objs' hrefs, in order.
func names(objs []Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Href[strings.LastIndexByte(o.Href, '/')+1:])
	}
	return out
}

// split names the objects with an occurrence at or after Fetch's from,
// then those marked Past.
func split(objs []Object) (current, past []string) {
	for _, o := range objs {
		n := o.Href[strings.LastIndexByte(o.Href, '/')+1:]
		if o.Past {
			past = append(past, n)
		} else {
			current = append(current, n)
		}
	}
	return current, past
}

// checkMixed fails unless objs are the mixed calendar's: mixedWant
// current, mixedPast marked Past.
func checkMixed(t *testing.T, objs []Object) {
	t.Helper()
	if current, past := split(objs); !slices.Equal(current, mixedWant) || !slices.Equal(past, mixedPast) {
		t.Errorf("fetched %v and past %v, want %v and past %v", current, past, mixedWant, mixedPast)
	}
}

// gets are the paths s was sent a GET for, in order.
func gets(s *fakeServer) []string {
	var out []string
	for _, r := range s.log() {
		if p, ok := strings.CutPrefix(r, "GET "); ok {
			out = append(out, p)
		}
	}
	return out
}

// reportKinds says of each REPORT sent whether it was a multiget
// ("multiget") or a time-range query ("time-range"), else "other".
func reportKinds(s *fakeServer) []string {
	var out []string
	for _, b := range s.bodies("REPORT") {
		switch {
		case strings.Contains(b, "calendar-multiget"):
			out = append(out, "multiget")
		case strings.Contains(b, "time-range"):
			out = append(out, "time-range")
		default:
			out = append(out, "other")
		}
	}
	return out
}

// mixed seeds a calendar with events of every kind as to listedFrom: one
// to come, one past, one going on at listedFrom, a weekly series begun in
// the past, one that ended, and one with an override moved into the range
// whose series ended.
func mixed(t *testing.T, s *fakeServer) {
	seed(t, s, "a") // 2027
	s.put(t, workPath+"past.ics", single("past", "20201105T100000Z", "20201105T110000Z"))
	s.put(t, workPath+"ongoing.ics", single("ongoing", "20261130T230000Z", "20261201T010000Z"))
	s.put(t, workPath+"weekly.ics", series("weekly", "20200106T100000Z", "FREQ=WEEKLY;BYDAY=MO"))
	s.put(t, workPath+"ended.ics", series("ended", "20200106T100000Z", "FREQ=WEEKLY;COUNT=3"))
	moved := strings.Replace(series("moved", "20200106T100000Z", "FREQ=WEEKLY;COUNT=3"), "END:VCALENDAR",
		"BEGIN:VEVENT\r\nUID:moved\r\nDTSTAMP:20200101T000000Z\r\nRECURRENCE-ID:20200113T100000Z\r\n"+
			"DTSTART:20270113T100000Z\r\nDTEND:20270113T110000Z\r\nSUMMARY:moved\r\nEND:VEVENT\r\nEND:VCALENDAR", 1)
	s.put(t, workPath+"moved.ics", moved)
}

var (
	mixedWant = []string{"a.ics", "moved.ics", "ongoing.ics", "weekly.ics"}
	mixedPast = []string{"ended.ics", "past.ics"}
)

// A small calendar is read with one PROPFIND and one calendar-multiget,
// no time-range query, and sorted out here: the series begun in the past
// that recurs, the event going on and the override moved into the range
// are current, the past event and the ended series come marked Past (for
// the report); the server's reading of time ranges (here: first instances
// only) does not matter.
func TestFetchSmallCalendarReadWhole(t *testing.T) {
	s := newFakeServer(t)
	mixed(t, s)
	firstInstanceOnly(s)
	c, _ := testClient(t, Options{})
	objs, bad, err := c.Fetch(context.Background(), s.url(workPath), listedFrom)
	if err != nil || len(bad) != 0 {
		t.Fatalf("Fetch: %v %v", err, bad)
	}
	checkMixed(t, objs)
	if log := s.log(); !slices.Equal(log, []string{"PROPFIND " + workPath, "REPORT " + workPath}) {
		t.Errorf("requests %v, want one PROPFIND and one REPORT", log)
	}
	if kinds := reportKinds(s); !slices.Equal(kinds, []string{"multiget"}) {
		t.Errorf("REPORTs %v, want one multiget", kinds)
	}
	for _, o := range objs {
		got, err := c.Get(context.Background(), o.Href)
		if err != nil || string(got.Data) != string(o.Data) || got.ETag != o.ETag {
			t.Errorf("%s: multiget gave %q (etag %s), GET %q (etag %s) %v", o.Href, o.Data, o.ETag, got.Data, got.ETag, err)
		}
	}
}

// An object that cannot be read comes out as the time-range query's path
// makes it come out: an ObjectError naming its URL, not dropped.
func TestFetchSmallCalendarUnparseableAsBefore(t *testing.T) {
	const garbage = "this is not a calendar"
	for _, timeRange := range []bool{false, true} {
		s := newFakeServer(t)
		seed(t, s, "a", "b")
		s.inject(&fault{method: "REPORT", rewrite: rewriteObject(workPath+"b.ics", garbage)})
		s.inject(&fault{method: "GET", path: workPath + "b.ics", respond: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/calendar")
			w.Header().Set("ETag", `"x"`)
			w.Write([]byte(garbage))
		}})
		c, _ := testClient(t, Options{})
		c.timeRangeOnly = timeRange
		objs, bad, err := c.Fetch(context.Background(), s.url(workPath), listedFrom)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(objs); !slices.Equal(got, []string{"a.ics"}) || len(bad) != 1 || bad[0].Href != s.url(workPath+"b.ics") {
			t.Errorf("time range %v: fetched %v, errors %v; want a.ics and an error naming %s", timeRange, got, bad, s.url(workPath+"b.ics"))
		} else if !errors.Is(bad[0], ErrNotICalendar) || strings.Count(bad[0].Error(), s.url(workPath+"b.ics")) != 1 {
			t.Errorf("time range %v: %q; want it not iCalendar, naming its URL once", timeRange, bad[0].Error())
		}
		want := "multiget"
		if timeRange {
			want = "time-range"
		}
		if kinds := reportKinds(s); len(kinds) == 0 || kinds[0] != want {
			t.Errorf("time range %v: REPORTs %v, want %s first", timeRange, kinds, want)
		}
	}
}

// listing answers a PROPFIND with the collection and the given responses
// (each an href and a getcontentlength, "" for none).
func listing(entries ...[2]string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0"?><D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">`)
		b.WriteString(`<D:response><D:href>` + workPath + `</D:href><D:propstat><D:prop><D:resourcetype><D:collection/><C:calendar/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`)
		for _, e := range entries {
			length := ""
			if e[1] != "" {
				length = `<D:getcontentlength>` + e[1] + `</D:getcontentlength>`
			}
			b.WriteString(`<D:response><D:href>` + e[0] + `</D:href><D:propstat><D:prop><D:resourcetype/><D:getetag>"1"</D:getetag>` +
				length + `</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`)
		}
		b.WriteString(`</D:multistatus>`)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusMultiStatus)
		w.Write([]byte(b.String()))
	}
}

// A large calendar, by its number of objects or their size, is asked for
// the time range as before: no multiget.
func TestFetchLargeCalendarAsksTimeRange(t *testing.T) {
	many := make([][2]string, listedObjects+1)
	for i := range many {
		many[i] = [2]string{fmt.Sprintf("%sx%d.ics", workPath, i), "100"}
	}
	for name, entries := range map[string][][2]string{
		"objects": many,
		"bytes":   {{workPath + "a.ics", fmt.Sprint(listedBytes / 2)}, {workPath + "b.ics", fmt.Sprint(listedBytes/2 + 1)}},
	} {
		t.Run(name, func(t *testing.T) {
			s := newFakeServer(t)
			mixed(t, s)
			s.inject(&fault{method: "PROPFIND", path: workPath, times: 1, respond: listing(entries...)})
			c, _ := testClient(t, Options{})
			objs, bad, err := c.Fetch(context.Background(), s.url(workPath), listedFrom)
			if err != nil || len(bad) != 0 {
				t.Fatalf("Fetch: %v %v", err, bad)
			}
			kinds := reportKinds(s)
			if len(kinds) == 0 || kinds[0] != "time-range" || slices.Contains(kinds, "multiget") {
				t.Errorf("REPORTs %v, want the time-range query first and no multiget", kinds)
			}
			if len(objs) == 0 {
				t.Error("nothing fetched")
			}
		})
	}
	// at the limits: read whole
	s := newFakeServer(t)
	seed(t, s, "a")
	at := [][2]string{{workPath + "a.ics", fmt.Sprint(listedBytes)}}
	s.inject(&fault{method: "PROPFIND", path: workPath, times: 1, respond: listing(at...)})
	c, _ := testClient(t, Options{})
	if objs, _, err := c.Fetch(context.Background(), s.url(workPath), listedFrom); err != nil || len(objs) != 1 {
		t.Fatalf("Fetch: %d objects, %v", len(objs), err)
	}
	if kinds := reportKinds(s); !slices.Equal(kinds, []string{"multiget"}) {
		t.Errorf("REPORTs %v at the limit, want one multiget", kinds)
	}
}

// A calendar whose objects, read whole, hold more than the budget (the
// size a time-range answer may have) is asked for the time range instead,
// however small the listing said it was or whether it said at all.
func TestFetchWholeReadBounded(t *testing.T) {
	for name, size := range map[string]string{"sizes not given": "", "sizes understated": "10"} {
		t.Run(name, func(t *testing.T) {
			s := newFakeServer(t)
			var names []string
			for i := range multigetObjects + 1 { // two multigets
				names = append(names, fmt.Sprintf("m%03d", i))
			}
			seed(t, s, names...)
			var entries [][2]string
			for _, n := range names {
				entries = append(entries, [2]string{workPath + n + ".ics", size})
			}
			s.inject(&fault{method: "PROPFIND", path: workPath, times: 1, respond: listing(entries...)})
			c, _ := testClient(t, Options{})
			whole, _, err := c.Fetch(context.Background(), s.url(workPath), listedFrom)
			if err != nil {
				t.Fatal(err)
			}
			var held int64
			for _, o := range whole {
				held += int64(len(o.Data))
			}
			s2 := newFakeServer(t)
			seed(t, s2, names...)
			s2.inject(&fault{method: "PROPFIND", path: workPath, times: 1, respond: listing(entries...)})
			c2, _ := testClient(t, Options{})
			c2.wholeBudget = held / 2 // the first multiget fits, not both
			objs, bad, err := c2.Fetch(context.Background(), s2.url(workPath), listedFrom)
			if err != nil || len(bad) != 0 || len(objs) != len(whole) {
				t.Fatalf("Fetch: %d objects (want %d), %v %v", len(objs), len(whole), bad, err)
			}
			if kinds := reportKinds(s2); len(kinds) < 2 || kinds[0] != "multiget" || !slices.Contains(kinds, "time-range") {
				t.Errorf("REPORTs %v, want a multiget, then the time-range query", kinds)
			}
		})
	}
}

// A multiget the server refuses, or answers with something unreadable,
// sends Fetch to the time-range query, with the same result.
func TestFetchMultigetRefusedAsksTimeRange(t *testing.T) {
	unreadable := func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusMultiStatus)
		w.Write([]byte("<D:multistatus xmlns:D=\"DAV:\"><D:response>\x01"))
	}
	for name, respond := range map[string]func(http.ResponseWriter, *http.Request){
		"400": answer(http.StatusBadRequest), "403": answer(http.StatusForbidden),
		"405": answer(http.StatusMethodNotAllowed), "501": answer(http.StatusNotImplemented),
		"unreadable": unreadable,
	} {
		t.Run(name, func(t *testing.T) {
			s := newFakeServer(t)
			mixed(t, s)
			s.inject(&fault{method: "REPORT", times: 1, respond: respond})
			c, _ := testClient(t, Options{})
			objs, bad, err := c.Fetch(context.Background(), s.url(workPath), listedFrom)
			if err != nil || len(bad) != 0 {
				t.Fatalf("Fetch: %v %v", err, bad)
			}
			if kinds := reportKinds(s); len(kinds) < 2 || kinds[0] != "multiget" || kinds[1] != "time-range" {
				t.Errorf("REPORTs %v, want the multiget, then the time-range query", kinds)
			}
			// the fake ignores time ranges; what it lists is kept
			if got := names(objs); len(got) < len(mixedWant) {
				t.Errorf("fetched %v", got)
			}
		})
	}
}

// An object the multiget leaves out, or answers 404 for, is read with a
// GET; one past by its GET is marked Past too.
func TestFetchMultigetLeftOutReadByGET(t *testing.T) {
	s := newFakeServer(t)
	mixed(t, s)
	s.inject(&fault{method: "REPORT", times: 1, rewrite: func(rec *httptest.ResponseRecorder, _ *http.Request) {
		body := responseElem.ReplaceAllStringFunc(rec.Body.String(), func(r string) string {
			switch {
			case strings.Contains(r, "weekly.ics"), strings.Contains(r, "past.ics"):
				return ""
			case strings.Contains(r, "/a.ics"):
				return `<response><href>` + workPath + `a.ics</href><status>HTTP/1.1 404 Not Found</status></response>`
			}
			return r
		})
		rec.Body.Reset()
		rec.Body.WriteString(body)
	}})
	c, _ := testClient(t, Options{})
	objs, bad, err := c.Fetch(context.Background(), s.url(workPath), listedFrom)
	if err != nil || len(bad) != 0 {
		t.Fatalf("Fetch: %v %v", err, bad)
	}
	checkMixed(t, objs)
	got := gets(s)
	slices.Sort(got)
	if want := []string{workPath + "a.ics", workPath + "past.ics", workPath + "weekly.ics"}; !slices.Equal(got, want) {
		t.Errorf("GETs %v, want %v", got, want)
	}
	if kinds := reportKinds(s); !slices.Equal(kinds, []string{"multiget"}) {
		t.Errorf("REPORTs %v, want one multiget", kinds)
	}
}

// Hrefs of the listing, or of the multiget's answer, outside the
// collection are never requested, by the multiget or otherwise: each is
// an ObjectError matching ErrOutside (as the time-range answer's are).
func TestFetchListingOutsideNeverRequested(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a")
	s.put(t, "/alice/calendars/other/x.ics", event("x", "not ours"))
	outside := []string{"/alice/calendars/other/x.ics", workPath + "../other/x.ics", "http://evil.invalid" + workPath + "y.ics",
		"/alice/calendars/work%2F..%2Fother/x.ics"}
	entries := [][2]string{{workPath + "a.ics", ""}}
	for _, h := range outside {
		entries = append(entries, [2]string{h, ""})
	}
	s.inject(&fault{method: "PROPFIND", path: workPath, times: 1, respond: listing(entries...)})
	stray := "/alice/calendars/other/w.ics"
	outside = append(outside, stray)
	s.inject(&fault{method: "REPORT", times: 1, rewrite: func(rec *httptest.ResponseRecorder, _ *http.Request) {
		body := strings.Replace(rec.Body.String(), "</multistatus>", `<response><href>`+stray+`</href><propstat><prop><getetag>"s"</getetag>`+
			`<calendar-data xmlns="urn:ietf:params:xml:ns:caldav">`+event("w", "stray")+`</calendar-data></prop>`+
			`<status>HTTP/1.1 200 OK</status></propstat></response></multistatus>`, 1)
		rec.Body.Reset()
		rec.Body.WriteString(body)
	}})
	c, _ := testClient(t, Options{})
	objs, bad, err := c.Fetch(context.Background(), s.url(workPath), listedFrom)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(objs); !slices.Equal(got, []string{"a.ics"}) {
		t.Errorf("fetched %v, want [a.ics]", got)
	}
	if len(bad) != len(outside) {
		t.Errorf("%d errors, want one per outside href: %v", len(bad), bad)
	}
	for _, e := range bad {
		if !errors.Is(e, ErrOutside) {
			t.Errorf("%v: want ErrOutside", e)
		}
	}
	if !slices.ContainsFunc(bad, func(e ObjectError) bool { return e.Href == stray }) {
		t.Errorf("no error names %s, listed in the multiget's answer: %v", stray, bad)
	}
	for _, r := range s.log() {
		if strings.Contains(r, "other") || strings.Contains(r, "y.ics") || strings.Contains(r, "w.ics") {
			t.Errorf("requested %s", r)
		}
	}
	for _, b := range s.bodies("REPORT") {
		if strings.Contains(b, "other") || strings.Contains(b, "y.ics") {
			t.Errorf("asked for an outside object: %s", b)
		}
	}
}

// A busy server or refused credentials on the listing fail the fetch as
// a whole, as the time-range query does; a 500 falls back to it.
func TestFetchListingErrors(t *testing.T) {
	for _, tc := range []struct {
		code  int
		check func(error) bool
	}{
		{http.StatusServiceUnavailable, Temporary},
		{http.StatusUnauthorized, func(err error) bool { return errors.Is(err, ErrAuth) }},
		{http.StatusInternalServerError, func(err error) bool { return err == nil }},
	} {
		s := newFakeServer(t)
		seed(t, s, "a")
		s.inject(&fault{method: "PROPFIND", path: workPath, times: 1, respond: answer(tc.code)})
		c, _ := testClient(t, Options{Retries: -1})
		objs, _, err := c.Fetch(context.Background(), s.url(workPath), listedFrom)
		if !tc.check(err) {
			t.Errorf("PROPFIND %d: %v", tc.code, err)
		}
		kinds := reportKinds(s)
		if tc.code != http.StatusInternalServerError {
			if len(kinds) != 0 {
				t.Errorf("PROPFIND %d: REPORTs %v, want none", tc.code, kinds)
			}
			continue
		}
		if len(objs) != 1 || len(kinds) == 0 || kinds[0] != "time-range" || slices.Contains(kinds, "multiget") {
			t.Errorf("PROPFIND 500: %d objects, REPORTs %v; want a.ics by the time-range query", len(objs), kinds)
		}
	}
}

// An event at a floating time (no zone) that is past read as UTC but not
// in its calendar's X-WR-TIMEZONE, New York here, is kept: mms decides it
// in that zone, and it must be able to write it back (found by an audit:
// read for the report only, its rewrite then refused).
func TestKeepFromFloatingTimes(t *testing.T) {
	from := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	obj := func(start, end string) []byte {
		return []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-TIMEZONE:America/New_York\r\nBEGIN:VEVENT\r\nUID:f\r\nDTSTART:" + start +
			"\r\nDTEND:" + end + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	}
	if !keepFrom(obj("20260115T060000", "20260115T070000"), from) { // 11:00 UTC in New York's zone
		t.Error("a floating meeting still to come in its calendar's zone was left out")
	}
	if keepFrom(obj("20260110T060000", "20260110T070000"), from) {
		t.Error("a meeting days past was kept")
	}
}
