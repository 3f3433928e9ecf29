package caldav

import (
	"bytes"
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

// nullServer keeps one object and, like SOGo 5.8 with an emoji at a fold,
// acknowledges a PUT whose body holds "🎉" with 204 and stores "(null)".
type nullServer struct {
	*httptest.Server
	mu   sync.Mutex
	tag  int
	data string
	puts []string // If-Match of each PUT
}

func newNullServer(t *testing.T, data string) *nullServer {
	s := &nullServer{tag: 1, data: data}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		etag := fmt.Sprintf(`"gcs%08d"`, s.tag)
		switch r.Method {
		case http.MethodGet:
			w.Header().Set("ETag", etag)
			w.Header().Set("Content-Type", "text/calendar")
			io.WriteString(w, s.data)
		case http.MethodPut:
			body, _ := io.ReadAll(r.Body)
			s.puts = append(s.puts, r.Header.Get("If-Match"))
			if r.Header.Get("If-Match") != etag {
				w.WriteHeader(http.StatusPreconditionFailed)
				return
			}
			s.data = string(body)
			if bytes.Contains(body, []byte("🎉")) {
				s.data = "(null)"
			}
			s.tag++
			w.Header().Set("ETag", fmt.Sprintf(`"gcs%08d"`, s.tag))
			w.WriteHeader(http.StatusNoContent)
		default:
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func holds(text string) func([]byte) error {
	return func(b []byte) error {
		if !strings.Contains(string(b), text) {
			return fmt.Errorf("no %q", text)
		}
		return nil
	}
}

func TestReadBack(t *testing.T) {
	ctx := context.Background()
	orig := event("a", "Planning")

	t.Run("stored garbage: original put back", func(t *testing.T) {
		s := newNullServer(t, orig)
		c, _ := testClient(t, Options{})
		href := s.URL + workPath + "a.ics"
		edited := event("a", "Planning 🎉 on Teams")
		etag, err := c.Put(ctx, href, []byte(edited), `"gcs00000001"`)
		if err != nil {
			t.Fatalf("Put: %v (the server acknowledges it)", err)
		}
		_, err = c.ReadBack(ctx, href, etag, []byte(orig), holds("on Teams"))
		if !errors.Is(err, ErrReadBack) || !strings.Contains(err.Error(), "(null)") || !strings.Contains(err.Error(), "put back") {
			t.Fatalf("ReadBack: %v; want ErrReadBack quoting (null) and saying the original was put back", err)
		}
		if s.data != orig {
			t.Errorf("server holds %q, want the original", s.data)
		}
		if want := []string{`"gcs00000001"`, `"gcs00000002"`}; fmt.Sprint(s.puts) != fmt.Sprint(want) {
			t.Errorf("PUTs with If-Match %v, want %v", s.puts, want)
		}
	})

	t.Run("parses but lacks the new text: put back", func(t *testing.T) {
		s := newNullServer(t, orig)
		c, _ := testClient(t, Options{})
		href := s.URL + workPath + "a.ics"
		etag, err := c.Put(ctx, href, []byte(event("a", "Planning (moved)")), `"gcs00000001"`)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ReadBack(ctx, href, etag, []byte(orig), holds("on Teams")); !errors.Is(err, ErrReadBack) || !strings.Contains(err.Error(), `no "on Teams"`) {
			t.Fatalf("ReadBack: %v", err)
		}
		if s.data != orig {
			t.Errorf("server holds %q, want the original", s.data)
		}
	})

	t.Run("kept: nothing more written", func(t *testing.T) {
		s := newNullServer(t, orig)
		c, _ := testClient(t, Options{})
		href := s.URL + workPath + "a.ics"
		edited := event("a", "Planning on Teams")
		etag, err := c.Put(ctx, href, []byte(edited), `"gcs00000001"`)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.ReadBack(ctx, href, etag, []byte(orig), holds("on Teams"))
		if err != nil || got != `"gcs00000002"` {
			t.Fatalf("ReadBack = %s, %v", got, err)
		}
		if len(s.puts) != 1 || s.data != edited {
			t.Errorf("PUTs %v, data %q", s.puts, s.data)
		}
	})

	// Found by an audit: the original was put back over another client's
	// edit made between the write and its read-back.
	t.Run("changed by another client since the write: left as it is", func(t *testing.T) {
		s := newNullServer(t, orig)
		c, _ := testClient(t, Options{})
		href := s.URL + workPath + "a.ics"
		etag, err := c.Put(ctx, href, []byte(event("a", "Planning on Teams")), `"gcs00000001"`)
		if err != nil {
			t.Fatal(err)
		}
		other := event("a", "Planning [edited elsewhere]")
		s.mu.Lock()
		s.data, s.tag = other, s.tag+1
		s.mu.Unlock()
		_, err = c.ReadBack(ctx, href, etag, []byte(orig), holds("on Teams"))
		if !errors.Is(err, ErrChangedAfterWrite) || !errors.Is(err, ErrReadBack) || !strings.Contains(err.Error(), "left as the server has it") {
			t.Fatalf("ReadBack: %v; want ErrChangedAfterWrite", err)
		}
		if len(s.puts) != 1 || s.data != other {
			t.Errorf("PUTs %v, server holds %q; want the other client's edit kept", s.puts, s.data)
		}
	})
}

// A GET's entity tag that differs from the PUT's only as a proxy or a
// compressing server writes it is the same version (found by a review:
// the "(null)" a server kept would be left, taken for another's edit).
func TestSameVersion(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{`"abc"`, `"abc"`, true}, {`W/"abc"`, `"abc"`, true}, {`"abc-gzip"`, `"abc"`, true}, {`W/"abc-br"`, `"abc"`, true},
		{`"abc"`, `"abd"`, false}, {`"gcs00000002"`, `"gcs00000003"`, false},
	} {
		if got := sameVersion(c.a, c.b); got != c.same {
			t.Errorf("sameVersion(%s, %s) = %v", c.a, c.b, got)
		}
	}
}
