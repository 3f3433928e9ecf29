package davtest

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Fake is an in-memory CalDAV server with a calendar collection at
// /cal/ and those MakeCalendar adds, for the faults no real server shows on demand: hrefs outside the
// collection in a REPORT, objects stored with LF only, a server that keeps
// something else than it acknowledged, a connection closed after every
// answer without a word. It answers OPTIONS, PROPFIND, REPORT (every object, with
// its data), GET and PUT (If-Match honoured); it asks for no credentials.
type Fake struct {
	*httptest.Server
	mu       sync.Mutex
	colls    map[string]bool   // collection paths, ending in "/"
	objects  map[string][]byte // by path
	etags    map[string]int
	requests []string
	puts     map[string][][]byte // PUT bodies by path, in order

	// Hostile are hrefs the REPORT lists besides the objects, without data.
	Hostile []string
	// Store, when set, is what the server keeps of a PUT body.
	Store func(body []byte) []byte
	// CloseEach closes the connection after each answer, without a
	// Connection: close header (sogod does so).
	CloseEach bool
	// AutoSchedule has OPTIONS say the server schedules by itself
	// (calendar-auto-schedule, RFC 6638); it does not.
	AutoSchedule bool
	// Header is set on every answer (X-DAViCal-Version, say).
	Header http.Header
}

// CollectionPath is where the Fake's calendar is.
const CollectionPath = "/cal/"

// StartFake starts a Fake holding objects (name -> bytes, stored as given).
func StartFake(t testing.TB, objects map[string][]byte) *Fake {
	t.Helper()
	f := &Fake{colls: map[string]bool{CollectionPath: true}, objects: map[string][]byte{}, etags: map[string]int{}, puts: map[string][][]byte{}}
	for name, data := range objects {
		f.objects[CollectionPath+name] = data
		f.etags[CollectionPath+name] = 1
	}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// Collection is the calendar's URL.
func (f *Fake) Collection() string { return f.URL + CollectionPath }

// Requests lists "METHOD /path" in the order received.
func (f *Fake) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

// Puts returns the bodies PUT to the object name, in order.
func (f *Fake) Puts(name string) [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.puts[CollectionPath+name]...)
}

// Object returns what the server keeps under name.
func (f *Fake) Object(name string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.objects[CollectionPath+name]
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	rec := httptest.NewRecorder()
	f.answer(rec, r, body)
	if !f.CloseEach {
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		return
	}
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	defer conn.Close()
	writeRaw(buf.Writer, rec)
	buf.Flush()
}

// writeRaw writes an answer on a hijacked connection, saying nothing of
// closing it.
func writeRaw(w *bufio.Writer, rec *httptest.ResponseRecorder) {
	fmt.Fprintf(w, "HTTP/1.1 %d %s\r\n", rec.Code, http.StatusText(rec.Code))
	rec.Header().Set("Content-Length", strconv.Itoa(rec.Body.Len()))
	rec.Header().Write(w)
	w.WriteString("\r\n")
	w.Write(rec.Body.Bytes())
}

func (f *Fake) answer(w http.ResponseWriter, r *http.Request, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	for k, v := range f.Header {
		w.Header()[k] = v
	}
	switch {
	case r.Method == "PROPFIND" && f.colls[strings.TrimSuffix(r.URL.Path, "/")+"/"]:
		f.propfind(w, strings.TrimSuffix(r.URL.Path, "/")+"/", r.Header.Get("Depth") == "1")
	case r.Method == "REPORT" && f.colls[r.URL.Path]:
		f.report(w, r.URL.Path, bytes.Contains(body, []byte("calendar-data")))
	case r.Method == http.MethodOptions:
		dav := "1, 2, 3, calendar-access"
		if f.AutoSchedule {
			dav += ", calendar-auto-schedule"
		}
		w.Header().Set("DAV", dav)
		w.WriteHeader(http.StatusOK)
	case r.Method == "MKCALENDAR":
		f.colls[strings.TrimSuffix(r.URL.Path, "/")+"/"] = true
		w.WriteHeader(http.StatusCreated)
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodGet:
		data, ok := f.objects[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		w.Header().Set("ETag", f.etag(r.URL.Path))
		w.Write(data)
	case r.Method == http.MethodPut:
		f.put(w, r, body)
	default:
		http.Error(w, "not here", http.StatusMethodNotAllowed)
	}
}

func (f *Fake) etag(path string) string { return fmt.Sprintf(`"e%d"`, f.etags[path]) }

// in lists the objects of a collection, sorted.
func (f *Fake) in(coll string) []string {
	var paths []string
	for p := range f.objects {
		if strings.HasPrefix(p, coll) && !strings.Contains(p[len(coll):], "/") {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	return paths
}

func (f *Fake) propfind(w http.ResponseWriter, coll string, depth1 bool) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">` +
		`<D:response><D:href>` + coll + `</D:href><D:propstat><D:prop><D:resourcetype><D:collection/><C:calendar/></D:resourcetype>` +
		`<C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>` +
		`</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`)
	if depth1 {
		for _, p := range f.in(coll) {
			b.WriteString(`<D:response><D:href>` + p + `</D:href><D:propstat><D:prop><D:resourcetype/><D:getetag>` + f.etag(p) +
				`</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`)
		}
	}
	b.WriteString(`</D:multistatus>`)
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	fmt.Fprint(w, b.String())
}

func (f *Fake) report(w http.ResponseWriter, coll string, withData bool) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">`)
	paths := f.in(coll)
	for _, p := range paths {
		b.WriteString(`<D:response><D:href>` + p + `</D:href><D:propstat><D:prop><D:getetag>` + f.etag(p) + `</D:getetag>`)
		if withData {
			b.WriteString(`<C:calendar-data>`)
			xml.EscapeText(&b, f.objects[p]) // CR becomes &#xD;; the objects decide their endings
			b.WriteString(`</C:calendar-data>`)
		}
		b.WriteString(`</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`)
	}
	for _, h := range f.Hostile {
		b.WriteString(`<D:response><D:href>` + h + `</D:href><D:propstat><D:prop><D:getetag>"h"</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`)
	}
	b.WriteString(`</D:multistatus>`)
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	fmt.Fprint(w, b.String())
}

func (f *Fake) put(w http.ResponseWriter, r *http.Request, body []byte) {
	p := r.URL.Path
	f.puts[p] = append(f.puts[p], body)
	_, exists := f.objects[p]
	if m := r.Header.Get("If-Match"); m != "" && (!exists || m != f.etag(p)) {
		http.Error(w, "precondition failed", http.StatusPreconditionFailed)
		return
	}
	if f.Store != nil {
		body = f.Store(body)
	}
	f.objects[p] = body
	f.etags[p]++
	w.Header().Set("ETag", f.etag(p))
	if exists {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

// Set stores data under name as another client would: a new ETag.
func (f *Fake) Set(name string, data []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[CollectionPath+name] = data
	f.etags[CollectionPath+name]++
}

// LFOnly is data with every CRLF made LF, as a server that stores LF
// gives it back.
func LFOnly(data []byte) []byte { return bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")) }

// BareLF counts the line feeds not preceded by a carriage return.
func BareLF(data []byte) int {
	n := 0
	for i, c := range data {
		if c == '\n' && (i == 0 || data[i-1] != '\r') {
			n++
		}
	}
	return n
}

// MakeCalendar adds a calendar /user/name-N/ and returns its URL with
// the user name (the Fake checks no password).
func (f *Fake) MakeCalendar(t testing.TB, user, name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := fmt.Sprintf("/%s/%s-%d/", user, name, len(f.colls))
	f.colls[p] = true
	return strings.Replace(f.URL, "://", "://"+user+"@", 1) + p
}

// Put stores data as object name of collection, as another client would.
func (f *Fake) Put(t testing.TB, user, collection, name string, data []byte) string {
	u, err := url.Parse(collection)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p := strings.TrimSuffix(u.Path, "/") + "/" + name
	f.objects[p] = data
	f.etags[p]++
	return strings.TrimSuffix(collection, "/") + "/" + name
}

// Do sends one request to the Fake and fails the test on an answer of 400
// or more; it returns the body.
func (f *Fake) Do(t testing.TB, user, method, path, depth, contentType string, body []byte) []byte {
	t.Helper()
	req, err := http.NewRequest(method, f.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Close = true
	if depth != "" {
		req.Header.Set("Depth", depth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("fake: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 {
		t.Fatalf("fake: %s %s: %s", method, path, resp.Status)
	}
	return data
}

// UserURL is the Fake's root with the user name in it.
func (f *Fake) UserURL(user string) string {
	return strings.Replace(f.URL, "://", "://"+user+"@", 1) + "/"
}

// AllPuts returns every PUT body the Fake received.
func (f *Fake) AllPuts() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out [][]byte
	for _, bs := range f.puts {
		out = append(out, bs...)
	}
	return out
}
