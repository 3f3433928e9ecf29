package caldav

import (
	"context"
	"fmt"
	"net/http"
	"slices"
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

// A bare host whose root is no DAV resource is tried at
// /.well-known/caldav, and the redirect there keeps the PROPFIND a
// PROPFIND (net/http alone would turn it into a GET).
func TestResolveWellKnown(t *testing.T) {
	s := newFakeServer(t)
	s.inject(&fault{method: "PROPFIND", path: "/", respond: answer(http.StatusMethodNotAllowed)})
	s.inject(&fault{path: "/.well-known/caldav", respond: func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/alice/", http.StatusMovedPermanently)
	}})
	c, _ := testClient(t, Options{})
	got, err := c.Resolve(context.Background(), s.url("/"))
	if err != nil || got != s.url(workPath) {
		t.Fatalf("Resolve = %s, %v; want %s", got, err, s.url(workPath))
	}
	if !slices.Contains(s.log(), "PROPFIND /alice/") {
		t.Errorf("the redirect was not followed as a PROPFIND: %v", s.log())
	}
}

// TestResolveRefusesAnObject: an object's URL is not a calendar: Resolve
// refuses it, naming it, instead of reading the signed-in account's
// calendar, which the users file does not name; no write-side request is
// made and nothing beyond the PROPFIND of that URL.
func TestResolveRefusesAnObject(t *testing.T) {
	s := newFakeServer(t)
	seed(t, s, "a")
	c, _ := testClient(t, Options{})
	n := len(s.log())
	_, err := c.Resolve(context.Background(), s.url(workPath+"a.ics"))
	if err == nil || !strings.Contains(err.Error(), "an object, not a calendar collection") || !strings.Contains(err.Error(), workPath+"a.ics") {
		t.Errorf("Resolve(object) = %v; want it refused, naming the URL", err)
	}
	if got := s.log()[n:]; len(got) != 1 {
		t.Errorf("requests after the object's PROPFIND: %v", got)
	}
}

// The scheduling inbox a server lists among the calendars (DAViCal) is
// never taken; the outbox, only when it is the one calendar for events
// (SOGo names the user's own calendar as its outbox; found by an audit: a
// principal's URL found no calendar on SOGo).
func TestResolvePassesOverTheSchedulingInbox(t *testing.T) {
	principal := func(inbox, outbox string) func(w http.ResponseWriter, r *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusMultiStatus)
			fmt.Fprint(w, `<?xml version="1.0"?><D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:response><D:href>/alice/</D:href><D:propstat><D:prop>`+
				`<D:resourcetype><D:collection/><D:principal/></D:resourcetype><C:calendar-home-set><D:href>`+homePath+`</D:href></C:calendar-home-set>`+
				`<C:schedule-inbox-URL><D:href>`+inbox+`</D:href></C:schedule-inbox-URL><C:schedule-outbox-URL><D:href>`+outbox+`</D:href></C:schedule-outbox-URL>`+
				`</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>`)
		}
	}
	ctx := context.Background()

	s := newFakeServer(t)
	s.inject(&fault{method: "PROPFIND", path: "/alice/", respond: principal("/alice/inbox/", workPath)})
	c, _ := testClient(t, Options{})
	if got, err := c.Resolve(ctx, s.url("/alice/")); err != nil || got != s.url(workPath) {
		t.Errorf("the outbox the one calendar for events: %s %v, want %s", got, err, s.url(workPath))
	}

	s = newFakeServer(t)
	s.inject(&fault{method: "PROPFIND", path: "/alice/", respond: principal(workPath, "/alice/outbox/")})
	c, _ = testClient(t, Options{})
	if got, err := c.Resolve(ctx, s.url("/alice/")); err == nil || !strings.Contains(err.Error(), "no calendar for events") {
		t.Errorf("the inbox the one calendar for events: %s %v, want none found", got, err)
	}
}
