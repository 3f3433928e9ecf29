package caldav

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func fetchOne(t *testing.T, c *Client, s *fakeServer) Object {
	t.Helper()
	objs, bad, err := c.Fetch(context.Background(), s.url(workPath), time.Time{})
	if err != nil || len(bad) != 0 || len(objs) != 1 {
		t.Fatalf("Fetch: %d objects, %v, %v", len(objs), bad, err)
	}
	return objs[0]
}

// Put with the right ETag stores the bytes; a stale ETag gets ErrChanged
// and leaves the other writer's version in place.
func TestPutIfMatch(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a")
	c, _ := testClient(t, Options{})
	ctx := context.Background()
	obj := fetchOne(t, c, s)

	s.put(t, workPath+"a.ics", event("a", "Edited by someone else"))
	_, err := c.Put(ctx, obj.Href, []byte(event("a", "Ours")), obj.ETag)
	if !errors.Is(err, ErrChanged) {
		t.Fatalf("Put over someone else's edit: %v, want ErrChanged", err)
	}
	var se *StatusError
	if !errors.As(err, &se) || se.Code != http.StatusPreconditionFailed || se.Method != "PUT" || !strings.Contains(se.URL, workPath+"a.ics") {
		t.Errorf("StatusError %+v", se)
	}
	if Temporary(err) {
		t.Error("412 is not temporary: re-read instead")
	}

	fresh, err := c.Get(ctx, obj.Href)
	if err != nil || !strings.Contains(string(fresh.Data), "Edited by someone else") {
		t.Fatalf("the other edit was lost: %q %v", fresh.Data, err)
	}
	etag, err := c.Put(ctx, fresh.Href, []byte(event("a", "Ours")), fresh.ETag)
	if err != nil {
		t.Fatalf("Put with the current ETag: %v", err)
	}
	after, _ := c.Get(ctx, obj.Href)
	if etag == fresh.ETag || etag != after.ETag || !strings.Contains(string(after.Data), "Ours") {
		t.Errorf("Put returned %q; before %q, after %q", etag, fresh.ETag, after.ETag)
	}
	if got := s.count("PUT"); got != 2 {
		t.Errorf("%d PUTs, want 2 (412 is not retried)", got)
	}
}

// Put with no ETag only creates.
func TestPutCreateOnly(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a")
	c, _ := testClient(t, Options{})
	ctx := context.Background()
	if _, err := c.Put(ctx, s.url(workPath+"a.ics"), []byte(event("a", "x")), ""); !errors.Is(err, ErrChanged) {
		t.Errorf("Put without ETag over an existing object: %v, want ErrChanged", err)
	}
	etag, err := c.Put(ctx, s.url(workPath+"new.ics"), []byte(event("new", "x")), "")
	if err != nil || etag == "" {
		t.Errorf("create: %q %v", etag, err)
	}
}

// A 204 answer without ETag is success; the new ETag is read back.
func TestPut204WithoutETag(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a")
	c, _ := testClient(t, Options{})
	ctx := context.Background()
	obj := fetchOne(t, c, s)
	s.inject(&fault{method: "PUT", rewrite: func(rec *httptest.ResponseRecorder, _ *http.Request) {
		if rec.Code == http.StatusCreated {
			rec.Code = http.StatusNoContent
			rec.Header().Del("ETag")
		}
	}})
	etag, err := c.Put(ctx, obj.Href, []byte(event("a", "Moved")), obj.ETag)
	if err != nil {
		t.Fatal(err)
	}
	after, err := c.Get(ctx, obj.Href)
	if err != nil || etag != after.ETag || etag == obj.ETag {
		t.Errorf("Put said %q; server has %q (before %q), %v", etag, after.ETag, obj.ETag, err)
	}
	if got := s.count("PROPFIND"); got != 1 {
		t.Errorf("%d PROPFINDs, want 1 to learn the new ETag", got)
	}
}

// Put sends the given bytes, not a re-encoding.
func TestPutSendsBytesAsGiven(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a")
	c, _ := testClient(t, Options{})
	obj := fetchOne(t, c, s)
	var got []byte
	s.inject(&fault{method: "PUT", respond: func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		if r.Header.Get("If-Match") != obj.ETag {
			t.Errorf("If-Match %q, want %q", r.Header.Get("If-Match"), obj.ETag)
		}
		w.Header().Set("ETag", `"n"`)
		w.WriteHeader(http.StatusNoContent)
	}})
	data := []byte("BEGIN:VCALENDAR\r\nX-Z:unsorted\r\nVERSION:2.0\r\nDESCRIPTION:a long line folded \r\n here\r\nEND:VCALENDAR\r\n")
	etag, err := c.Put(context.Background(), obj.Href, data, obj.ETag)
	if err != nil || etag != `"n"` {
		t.Fatalf("%q %v", etag, err)
	}
	if string(got) != string(data) {
		t.Errorf("server received %q, want %q", got, data)
	}
}

// With one request per server, reading back a missing ETag must not wait
// for the slot its own answer still holds.
func TestMissingETagWithOneSlot(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a")
	s.inject(&fault{method: "GET", rewrite: func(rec *httptest.ResponseRecorder, _ *http.Request) { rec.Header().Del("ETag") }})
	s.inject(&fault{method: "PUT", rewrite: func(rec *httptest.ResponseRecorder, _ *http.Request) { rec.Header().Del("ETag") }})
	c, _ := testClient(t, Options{RequestsPerServer: 1})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a deadlock fails instead of hanging
	defer cancel()
	obj, err := c.Get(ctx, s.url(workPath+"a.ics"))
	if err != nil || obj.ETag == "" {
		t.Fatalf("Get: %q %v", obj.ETag, err)
	}
	if _, err := c.Put(ctx, obj.Href, []byte(event("a", "b")), obj.ETag); err != nil {
		t.Fatal(err)
	}
}

// strictServer holds one object and compares If-Match strongly, as RFC
// 9110 (13.1.1) has it: a weak entity tag never matches. getTag is the
// ETag its GET gives, davTag the getetag of its PROPFIND, stored the
// entity tag If-Match must equal.
type strictServer struct {
	*httptest.Server
	getTag, davTag, stored string
	data                   string
	ifMatch                []string // of each PUT
}

func newStrictServer(t *testing.T, getTag, davTag, stored string) *strictServer {
	s := &strictServer{getTag: getTag, davTag: davTag, stored: stored, data: event("a", "Theirs")}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			w.Header().Set("Content-Type", "text/calendar")
			w.Header().Set("ETag", s.getTag)
			io.WriteString(w, s.data)
		case "PROPFIND":
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusMultiStatus)
			io.WriteString(w, `<?xml version="1.0"?><D:multistatus xmlns:D="DAV:"><D:response><D:href>`+r.URL.Path+
				`</D:href><D:propstat><D:prop><D:getetag>`+s.davTag+`</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>`)
		case http.MethodPut:
			s.ifMatch = append(s.ifMatch, r.Header.Get("If-Match"))
			if strings.HasPrefix(s.stored, "W/") || r.Header.Get("If-Match") != s.stored {
				http.Error(w, "precondition failed", http.StatusPreconditionFailed)
				return
			}
			body, _ := io.ReadAll(r.Body)
			s.data, s.stored, s.getTag, s.davTag = string(body), `"v2"`, `"v2"`, `"v2"`
			w.Header().Set("ETag", s.stored)
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// A weak ETag in If-Match never matches on a server that compares
// strongly: Put does not report that as changed (the caller would read the
// object again and again, to the same 412), but asks the server for the
// object's entity tag. A strong one of the same value (a proxy weakened
// the GET's) is the same version: the PUT goes again with it. A weak one
// fails the object, naming its URL and the weak ETag, with nothing
// written. Another value: changed.
func TestPutWeakETag(t *testing.T) {
	ctx := context.Background()
	ours := event("a", "Ours")
	for _, tc := range []struct {
		name                   string
		getTag, davTag, stored string
		want                   error // nil: written
		ifMatch                []string
	}{
		{"proxy weakened the GET's", `W/"v1"`, `"v1"`, `"v1"`, nil, []string{`W/"v1"`, `"v1"`}},
		{"only weak ones", `W/"v1"`, `W/"v1"`, `W/"v1"`, ErrWeakETag, []string{`W/"v1"`}},
		{"changed meanwhile", `W/"v1"`, `W/"v3"`, `W/"v3"`, ErrChanged, []string{`W/"v1"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStrictServer(t, tc.getTag, tc.davTag, tc.stored)
			c, _ := New(Options{Retries: -1})
			obj, err := c.Get(ctx, s.URL+"/cal/a.ics")
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Put(ctx, obj.Href, []byte(ours), obj.ETag)
			switch {
			case tc.want == nil && (err != nil || s.data != ours):
				t.Errorf("Put: %v; stored %q", err, s.data)
			case tc.want != nil && (!errors.Is(err, tc.want) || s.data == ours):
				t.Errorf("Put: %v, want %v and nothing written", err, tc.want)
			case tc.want == ErrWeakETag && (errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), obj.Href) || !strings.Contains(err.Error(), tc.getTag)):
				t.Errorf("Put: %q; want it not ErrChanged, naming %s and %s", err, obj.Href, tc.getTag)
			}
			if !slices.Equal(s.ifMatch, tc.ifMatch) {
				t.Errorf("PUTs with If-Match %q, want %q", s.ifMatch, tc.ifMatch)
			}
		})
	}
}
