package caldav

import (
	"context"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	s := newFakeServer(t)
	c, _ := testClient(t, Options{})
	ctx := context.Background()
	for _, start := range []string{"/", "/alice/", homePath} {
		got, err := c.Resolve(ctx, s.url(start))
		if err != nil {
			t.Fatalf("Resolve(%s): %v", start, err)
		}
		if want := s.url(workPath); got != want { // a-tasks sorts first but holds no events
			t.Errorf("Resolve(%s) = %s, want %s", start, got, want)
		}
	}
	n := len(s.log())
	got, err := c.Resolve(ctx, s.url(workPath))
	if err != nil || got != s.url(workPath) {
		t.Errorf("a collection URL resolves to itself: %s %v", got, err)
	}
	if len(s.log())-n != 1 {
		t.Errorf("a collection URL took %d requests, want 1", len(s.log())-n)
	}
	if s.unsigned != 0 {
		t.Errorf("%d requests went without credentials", s.unsigned)
	}
}

func TestResolveRejects(t *testing.T) {
	c, _ := testClient(t, Options{})
	for _, u := range []string{"ftp://host/cal", "/just/a/path", "http://alice:secret@host/"} {
		_, err := c.Resolve(context.Background(), u)
		if err == nil || strings.Contains(err.Error(), "secret") {
			t.Errorf("Resolve(%q) = %v; want an error that shows no password", u, err)
		}
	}
}
