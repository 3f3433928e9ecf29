package caldav

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// multiServer keeps objects under workPath and answers GET, PUT (If-Match
// honoured) and calendar-multiget REPORTs; answer, when set, writes the
// REPORT's answer instead, from the hrefs asked for.
type multiServer struct {
	*httptest.Server
	mu       sync.Mutex
	data     map[string]string // by path
	tags     map[string]int
	requests []string
	puts     map[string][]string // If-Match of each PUT, by path
	asked    []string            // the hrefs of the last REPORT
	store    func(p, body string) string
	down     bool // every request answered 503
	answer   func(w http.ResponseWriter, hrefs []string)
}

func newMultiServer(t *testing.T, objs map[string]string) *multiServer {
	s := &multiServer{data: map[string]string{}, tags: map[string]int{}, puts: map[string][]string{}}
	for name, d := range objs {
		s.data[workPath+name], s.tags[workPath+name] = d, 1
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *multiServer) etag(p string) string { return fmt.Sprintf(`"t%d"`, s.tags[p]) }

func (s *multiServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path)
	answer, down := s.answer, s.down
	s.mu.Unlock()
	if down {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if r.Method == "REPORT" {
		var mg struct {
			XMLName xml.Name `xml:"urn:ietf:params:xml:ns:caldav calendar-multiget"`
			Hrefs   []string `xml:"DAV: href"`
		}
		if err := xml.Unmarshal(body, &mg); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.asked = mg.Hrefs
		s.mu.Unlock()
		if answer != nil {
			answer(w, mg.Hrefs)
			return
		}
		var b strings.Builder
		for _, h := range mg.Hrefs {
			b.WriteString(s.response(h, h))
		}
		s.multistatus(w, b.String())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := r.URL.Path
	switch r.Method {
	case http.MethodGet:
		d, ok := s.data[p]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", s.etag(p))
		w.Header().Set("Content-Type", "text/calendar")
		io.WriteString(w, d)
	case http.MethodPut:
		s.puts[p] = append(s.puts[p], r.Header.Get("If-Match"))
		if r.Header.Get("If-Match") != s.etag(p) {
			w.WriteHeader(http.StatusPreconditionFailed)
			return
		}
		s.data[p] = string(body)
		if s.store != nil {
			s.data[p] = s.store(p, string(body))
		}
		s.tags[p]++
		w.Header().Set("ETag", s.etag(p))
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// response is the multiget response for the object at path p, naming it
// href.
func (s *multiServer) response(href, p string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, _ := url.Parse(p)
	d, ok := s.data[u.Path]
	if !ok {
		return `<D:response><D:href>` + href + `</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>`
	}
	var b strings.Builder
	xml.EscapeText(&b, []byte(d))
	return `<D:response><D:href>` + href + `</D:href><D:propstat><D:prop><D:getetag>` + s.etag(u.Path) +
		`</D:getetag><C:calendar-data>` + b.String() + `</C:calendar-data></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`
}

func (s *multiServer) multistatus(w http.ResponseWriter, responses string) {
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	io.WriteString(w, xmlHeader+`<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">`+responses+`</D:multistatus>`)
}

func (s *multiServer) count(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if strings.HasPrefix(r, method+" ") {
			n++
		}
	}
	return n
}

func (s *multiServer) stored(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data[workPath+name]
}

// written puts the edited objects on s as a caller of ReadBackAll would
// (Put with If-Match) and returns their items, checked for "on Teams".
func (s *multiServer) written(t *testing.T, c *Client, names ...string) []ReadBackItem {
	t.Helper()
	var items []ReadBackItem
	for _, name := range names {
		href := strings.Replace(s.URL, "http://", "http://"+testUser+"@", 1) + workPath + name
		orig := s.stored(name)
		etag, err := c.Put(context.Background(), href, []byte(event(name, "Planning on Teams")), `"t1"`)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, ReadBackItem{Href: href, ETag: etag, Original: []byte(orig), Check: holds("on Teams")})
	}
	s.mu.Lock()
	s.requests = nil
	s.mu.Unlock()
	return items
}

func threeObjects() map[string]string {
	return map[string]string{"a.ics": event("a.ics", "A"), "b.ics": event("b.ics", "B"), "c.ics": event("c.ics", "C")}
}

func collectionOf(s *multiServer) string {
	return strings.Replace(s.URL, "http://", "http://"+testUser+"@", 1) + workPath
}

func TestReadBackAll(t *testing.T) {
	ctx := context.Background()

	t.Run("one REPORT for all, entity tags from it", func(t *testing.T) {
		s := newMultiServer(t, threeObjects())
		c, _ := testClient(t, Options{})
		items := s.written(t, c, "a.ics", "b.ics", "c.ics")
		tags, errs, err := c.ReadBackAll(ctx, collectionOf(s), items)
		if err != nil {
			t.Fatal(err)
		}
		for i := range items {
			if errs[i] != nil || tags[i] != `"t2"` {
				t.Errorf("item %d: %s, %v", i, tags[i], errs[i])
			}
		}
		if fmt.Sprint(s.requests) != "[REPORT "+workPath+"]" {
			t.Errorf("requests %v, want one REPORT of the collection", s.requests)
		}
		if want := []string{workPath + "a.ics", workPath + "b.ics", workPath + "c.ics"}; fmt.Sprint(s.asked) != fmt.Sprint(want) {
			t.Errorf("asked for %v, want %v", s.asked, want)
		}
	})

	t.Run("one of three mangled: only it is put back", func(t *testing.T) {
		s := newMultiServer(t, threeObjects())
		s.store = func(p, body string) string {
			if strings.HasSuffix(p, "/b.ics") && strings.Contains(body, "on Teams") {
				return "(null)"
			}
			return body
		}
		c, _ := testClient(t, Options{})
		items := s.written(t, c, "a.ics", "b.ics", "c.ics")
		tags, errs, err := c.ReadBackAll(ctx, collectionOf(s), items)
		if err != nil {
			t.Fatal(err)
		}
		if errs[0] != nil || errs[2] != nil || tags[0] != `"t2"` || tags[2] != `"t2"` {
			t.Errorf("a and c: %v %v %v", tags, errs[0], errs[2])
		}
		if !errors.Is(errs[1], ErrReadBack) || !strings.Contains(errs[1].Error(), workPath+"b.ics") ||
			!strings.Contains(errs[1].Error(), "(null)") || !strings.Contains(errs[1].Error(), "put back") || tags[1] != "" {
			t.Errorf("b: %q, %v; want ErrReadBack naming it, quoting (null), saying it was put back", tags[1], errs[1])
		}
		if got := s.stored("b.ics"); got != event("b.ics", "B") {
			t.Errorf("b holds %q, want the original", got)
		}
		if fmt.Sprint(s.puts[workPath+"b.ics"]) != `["t1" "t2"]` || len(s.puts[workPath+"a.ics"]) != 1 || s.count("GET") != 0 {
			t.Errorf("PUTs %v, GETs %d; want b put back with If-Match on the tag read", s.puts, s.count("GET"))
		}
	})

	t.Run("a response left out: that object alone is read with a GET", func(t *testing.T) {
		s := newMultiServer(t, threeObjects())
		s.store = func(p, body string) string {
			if strings.HasSuffix(p, "/c.ics") && strings.Contains(body, "on Teams") {
				return event("c.ics", "C (not what was written)")
			}
			return body
		}
		s.answer = func(w http.ResponseWriter, hrefs []string) {
			s.multistatus(w, s.response(hrefs[0], hrefs[0])+s.response(hrefs[1], hrefs[1]))
		}
		c, _ := testClient(t, Options{})
		items := s.written(t, c, "a.ics", "b.ics", "c.ics")
		_, errs, err := c.ReadBackAll(ctx, collectionOf(s), items)
		if err != nil {
			t.Fatal(err)
		}
		if errs[0] != nil || errs[1] != nil || !errors.Is(errs[2], ErrReadBack) {
			t.Errorf("errors %v; want c alone failed", errs)
		}
		if fmt.Sprint(s.requests) != fmt.Sprintf("[REPORT %s GET %sc.ics PUT %sc.ics]", workPath, workPath, workPath) {
			t.Errorf("requests %v", s.requests)
		}
		if s.stored("c.ics") != event("c.ics", "C") {
			t.Error("c not put back")
		}
	})

	t.Run("a 404 propstat or one answered twice: read with a GET", func(t *testing.T) {
		s := newMultiServer(t, threeObjects())
		s.answer = func(w http.ResponseWriter, hrefs []string) {
			notFound := `<D:response><D:href>` + hrefs[0] + `</D:href><D:propstat><D:prop><D:getetag/><C:calendar-data/></D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat></D:response>`
			s.multistatus(w, notFound+s.response(hrefs[1], hrefs[1])+s.response(hrefs[1], hrefs[1])+s.response(hrefs[2], hrefs[2]))
		}
		c, _ := testClient(t, Options{})
		items := s.written(t, c, "a.ics", "b.ics", "c.ics")
		tags, errs, err := c.ReadBackAll(ctx, collectionOf(s), items)
		if err != nil || errs[0] != nil || errs[1] != nil || errs[2] != nil || tags[0] != `"t2"` {
			t.Fatalf("%v %v %v", tags, errs, err)
		}
		if fmt.Sprint(s.requests) != fmt.Sprintf("[REPORT %s GET %sa.ics GET %sb.ics]", workPath, workPath, workPath) {
			t.Errorf("requests %v", s.requests)
		}
	})

	t.Run("hrefs as absolute URLs and escaped otherwise are matched; others never requested", func(t *testing.T) {
		objs := threeObjects()
		objs["d e.ics"] = event("d e.ics", "D")
		s := newMultiServer(t, objs)
		other := 0
		elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { other++ }))
		defer elsewhere.Close()
		s.answer = func(w http.ResponseWriter, hrefs []string) {
			s.multistatus(w, s.response(s.URL+workPath+"a.ics", workPath+"a.ics")+
				s.response(strings.Replace(workPath, "/work/", "/%77ork/", 1)+"b.ics", workPath+"b.ics")+
				s.response(workPath+"c.ics", workPath+"c.ics")+
				s.response(workPath+"d%20e.ics", workPath+"d e.ics")+
				s.response(elsewhere.URL+workPath+"a.ics", workPath+"a.ics")+
				s.response(workPath+"../x/a.ics", workPath+"a.ics")+
				s.response("/bob/calendars/work/c.ics", workPath+"c.ics"))
		}
		c, _ := testClient(t, Options{})
		items := s.written(t, c, "a.ics", "b.ics", "c.ics", "d e.ics")
		_, errs, err := c.ReadBackAll(ctx, collectionOf(s), items)
		if len(s.asked) != 4 || s.asked[3] != workPath+"d%20e.ics" {
			t.Errorf("asked for %v", s.asked)
		}
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range errs {
			if e != nil {
				t.Errorf("item %d: %v", i, e)
			}
		}
		if len(s.requests) != 1 || other != 0 {
			t.Errorf("requests %v, %d elsewhere; want the REPORT alone", s.requests, other)
		}
	})

	t.Run("an answer mangling a response that is not asked for changes nothing", func(t *testing.T) {
		s := newMultiServer(t, threeObjects())
		s.answer = func(w http.ResponseWriter, hrefs []string) {
			bogus := `<D:response><D:href>` + workPath + `zzz.ics</D:href><D:propstat><D:prop><C:calendar-data>(null)</C:calendar-data></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`
			s.multistatus(w, bogus+s.response(hrefs[0], hrefs[0]))
		}
		c, _ := testClient(t, Options{})
		items := s.written(t, c, "a.ics")
		if _, errs, err := c.ReadBackAll(ctx, collectionOf(s), items); err != nil || errs[0] != nil || len(s.requests) != 1 {
			t.Errorf("%v %v, requests %v", errs, err, s.requests)
		}
	})

	for _, code := range []int{http.StatusForbidden, http.StatusMethodNotAllowed, http.StatusNotImplemented, http.StatusBadRequest} {
		t.Run(fmt.Sprintf("REPORT answered %d: a GET each", code), func(t *testing.T) {
			s := newMultiServer(t, threeObjects())
			s.store = func(p, body string) string {
				if strings.HasSuffix(p, "/b.ics") && strings.Contains(body, "on Teams") {
					return "(null)"
				}
				return body
			}
			s.answer = func(w http.ResponseWriter, _ []string) { w.WriteHeader(code) }
			c, _ := testClient(t, Options{})
			items := s.written(t, c, "a.ics", "b.ics", "c.ics")
			tags, errs, err := c.ReadBackAll(ctx, collectionOf(s), items)
			if err != nil || errs[0] != nil || !errors.Is(errs[1], ErrReadBack) || errs[2] != nil || tags[2] != `"t2"` {
				t.Fatalf("%v %v %v", tags, errs, err)
			}
			if s.count("REPORT") != 1 || s.count("GET") != 3 || s.stored("b.ics") != event("b.ics", "B") {
				t.Errorf("requests %v; want one REPORT, then a GET each and b put back", s.requests)
			}
		})
	}

	t.Run("an answer that is not XML: a GET each", func(t *testing.T) {
		s := newMultiServer(t, threeObjects())
		s.answer = func(w http.ResponseWriter, hrefs []string) {
			w.WriteHeader(http.StatusMultiStatus)
			io.WriteString(w, `<D:multistatus xmlns:D="DAV:"><D:response><D:href>`+hrefs[0]+`</D:hre`)
		}
		c, _ := testClient(t, Options{})
		items := s.written(t, c, "a.ics", "b.ics")
		if _, errs, err := c.ReadBackAll(ctx, collectionOf(s), items); err != nil || errs[0] != nil || errs[1] != nil || s.count("GET") != 2 {
			t.Errorf("%v %v, requests %v", errs, err, s.requests)
		}
	})

	t.Run("an oversized answer is cut short, then a GET each", func(t *testing.T) {
		s := newMultiServer(t, threeObjects())
		var sent atomic.Int64
		s.answer = func(w http.ResponseWriter, hrefs []string) {
			w.WriteHeader(http.StatusMultiStatus)
			io.WriteString(w, xmlHeader+`<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">`)
			pad := `<D:responsedescription>` + strings.Repeat("x", 64<<10) + `</D:responsedescription>`
			for range 4096 { // 256 MiB unless the client stops reading
				n, err := io.WriteString(w, pad)
				sent.Add(int64(n))
				if err != nil {
					return
				}
			}
		}
		c, _ := testClient(t, Options{})
		items := s.written(t, c, "a.ics", "b.ics")
		_, errs, err := c.ReadBackAll(ctx, collectionOf(s), items)
		if err != nil || errs[0] != nil || errs[1] != nil || s.count("GET") != 2 {
			t.Errorf("%v %v, requests %v", errs, err, s.requests)
		}
		if sent.Load() > 16<<20 {
			t.Errorf("the server got %d MiB out before the client stopped reading", sent.Load()>>20)
		}
	})

	t.Run("too many responses: a GET each", func(t *testing.T) {
		s := newMultiServer(t, threeObjects())
		s.answer = func(w http.ResponseWriter, hrefs []string) {
			var b strings.Builder
			for i := range 100 {
				fmt.Fprintf(&b, `<D:response><D:href>%sx%d.ics</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>`, workPath, i)
			}
			s.multistatus(w, b.String()+s.response(hrefs[0], hrefs[0]))
		}
		c, _ := testClient(t, Options{})
		items := s.written(t, c, "a.ics")
		if _, errs, err := c.ReadBackAll(ctx, collectionOf(s), items); err != nil || errs[0] != nil || s.count("GET") != 1 {
			t.Errorf("%v %v, requests %v", errs, err, s.requests)
		}
	})

	t.Run("a failing server: the first GET's error, nothing put back", func(t *testing.T) {
		s := newMultiServer(t, threeObjects())
		c, _ := testClient(t, Options{Retries: -1})
		items := s.written(t, c, "a.ics", "b.ics")
		s.down = true
		_, _, err := c.ReadBackAll(ctx, collectionOf(s), items)
		if !Temporary(err) || errors.Is(err, ErrReadBack) {
			t.Errorf("error %v; want the temporary one", err)
		}
		if fmt.Sprint(s.requests) != fmt.Sprintf("[REPORT %s GET %sa.ics]", workPath, workPath) {
			t.Errorf("requests %v; want the REPORT and one GET, nothing put back", s.requests)
		}
	})

	t.Run("no getetag: the PUT's tag", func(t *testing.T) {
		s := newMultiServer(t, threeObjects())
		s.answer = func(w http.ResponseWriter, hrefs []string) {
			s.multistatus(w, strings.Replace(s.response(hrefs[0], hrefs[0]), `<D:getetag>"t2"</D:getetag>`, ``, 1))
		}
		c, _ := testClient(t, Options{})
		items := s.written(t, c, "a.ics")
		items[0].ETag = `"from-put"`
		tags, errs, err := c.ReadBackAll(ctx, collectionOf(s), items)
		if err != nil || errs[0] != nil || tags[0] != `"from-put"` || len(s.requests) != 1 {
			t.Errorf("%v %v %v, requests %v", tags, errs, err, s.requests)
		}
	})

	t.Run("an object outside the collection is never requested", func(t *testing.T) {
		s := newMultiServer(t, threeObjects())
		c, _ := testClient(t, Options{})
		items := s.written(t, c, "a.ics")
		items = append(items, ReadBackItem{Href: s.URL + "/bob/calendars/work/x.ics", Check: holds("x")})
		_, errs, err := c.ReadBackAll(ctx, collectionOf(s), items)
		if err != nil || errs[0] != nil || !errors.Is(errs[1], ErrOutside) {
			t.Errorf("%v %v", errs, err)
		}
		if fmt.Sprint(s.asked) != "["+workPath+"a.ics]" || len(s.requests) != 1 {
			t.Errorf("asked %v, requests %v", s.asked, s.requests)
		}
	})

	t.Run("more objects than one REPORT takes: several", func(t *testing.T) {
		objs := map[string]string{}
		var names []string
		for i := range multigetObjects + 5 {
			name := fmt.Sprintf("o%03d.ics", i)
			objs[name], names = event(name, "O"), append(names, name)
		}
		s := newMultiServer(t, objs)
		c, _ := testClient(t, Options{})
		items := s.written(t, c, names...)
		_, errs, err := c.ReadBackAll(ctx, collectionOf(s), items)
		if err != nil || errors.Join(errs...) != nil {
			t.Fatal(err, errors.Join(errs...))
		}
		if s.count("REPORT") != 2 || s.count("GET") != 0 || len(s.asked) != 5 {
			t.Errorf("%d REPORTs, %d GETs, last asked for %d", s.count("REPORT"), s.count("GET"), len(s.asked))
		}
	})
}
