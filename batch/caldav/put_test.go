package caldav

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
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
