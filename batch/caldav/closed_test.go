package caldav

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// closingServer answers like sogod: after each response it closes the
// connection without saying Connection: close, once the next request
// has arrived on it (so that request is lost, deterministically). It
// keeps one object with a counter ETag and honours If-Match.
type closingServer struct {
	*httptest.Server
	mu      sync.Mutex
	etag    int
	data    string
	handled map[string]int // "METHOD" -> requests answered
	lost    int            // requests read and dropped with the connection
}

func newClosingServer(t *testing.T) *closingServer {
	s := &closingServer{etag: 1, data: event("a", "A"), handled: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *closingServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.handled[r.Method]++
	code, etag, out := http.StatusOK, fmt.Sprintf(`"gcs%08d"`, s.etag), ""
	switch r.Method {
	case http.MethodGet:
		out = s.data
	case http.MethodPut:
		if r.Header.Get("If-Match") != etag {
			code = http.StatusPreconditionFailed
			break
		}
		s.etag++
		s.data, code, etag = string(body), http.StatusNoContent, fmt.Sprintf(`"gcs%08d"`, s.etag)
	}
	s.mu.Unlock()
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nETag: %s\r\nContent-Type: text/calendar\r\nContent-Length: %d\r\n\r\n%s", code, http.StatusText(code), etag, len(out), out)
	buf.Flush()
	// wait for the next request on this connection, then drop it unanswered
	if _, err := http.ReadRequest(bufio.NewReader(buf)); err == nil {
		s.mu.Lock()
		s.lost++
		s.mu.Unlock()
	}
}

// A PUT sent on a connection the server has closed is sent again on a new
// one; it carries If-Match, so repeating it is safe.
func TestPutOnClosedConnectionRetried(t *testing.T) {
	s := newClosingServer(t)
	c, _ := testClient(t, Options{})
	ctx := context.Background()
	href := s.URL + workPath + "a.ics"
	etag := `"gcs00000001"`
	for i := 0; i < 10; i++ {
		obj, err := c.Get(ctx, href)
		if err != nil {
			t.Fatalf("GET %d: %v", i, err)
		}
		if obj.ETag != etag {
			t.Fatalf("GET %d: etag %s, want %s", i, obj.ETag, etag)
		}
		etag, err = c.Put(ctx, href, []byte(event("a", fmt.Sprintf("A%d", i))), obj.ETag)
		if err != nil {
			t.Fatalf("PUT %d: %v", i, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.handled["PUT"] != 10 || !strings.Contains(s.data, "SUMMARY:A9") {
		t.Errorf("%d PUTs stored, data %q", s.handled["PUT"], s.data)
	}
	if s.lost == 0 {
		t.Error("no request was lost on a closed connection: the test proves nothing")
	}
}

// The first PUT is read and dropped without an answer: it is sent again.
// A PUT without any condition is never repeated.
func TestPutDroppedRetried(t *testing.T) {
	s := newFakeServer(t)
	s.put(t, workPath+"a.ics", event("a", "A"))
	drop := func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}
	s.inject(&fault{method: "PUT", times: 1, respond: drop})
	c, _ := testClient(t, Options{})
	ctx := context.Background()
	obj, err := c.Get(ctx, s.url(workPath+"a.ics"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Put(ctx, obj.Href, []byte(event("a", "B")), obj.ETag); err != nil {
		t.Fatalf("PUT after a dropped one: %v", err)
	}
	if n := s.count("PUT"); n != 2 {
		t.Errorf("%d PUTs, want 2", n)
	}

	s.inject(&fault{method: "PUT", respond: drop})
	req, _ := http.NewRequest(http.MethodPut, s.url(workPath+"b.ics"), strings.NewReader(event("b", "B")))
	if _, err := c.http.Do(req); !errors.Is(err, io.EOF) || !Temporary(err) {
		t.Errorf("unconditional PUT dropped: %v, want a temporary EOF", err)
	}
	if n := s.count("PUT"); n != 3 {
		t.Errorf("the unconditional PUT was sent %d times, want once", n-2)
	}
}
