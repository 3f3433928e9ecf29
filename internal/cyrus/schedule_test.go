package cyrus_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
	"github.com/mms-project/mms/internal/cyrus"
	"github.com/mms-project/mms/internal/smtpsink"
)

// TestSchedulingOnOrganiserPUT is what `--send server` relies on: the
// organiser's PUT of a changed meeting (SEQUENCE+1) is enough for the
// server to update a local attendee's Inbox and calendar and to mail the
// update (iMIP) to an outside attendee.
func TestSchedulingOnOrganiserPUT(t *testing.T) {
	srv := cyrus.Require(t)
	sink := smtpsink.Start(t, srv.SMTPAddr)
	c := &dav{t: t, srv: srv}
	org, att, outside := srv.Users[0], srv.Users[1], "zoe@outside.test"
	uid := newUID(t)
	href := srv.Calendar(org) + uid + ".ics"
	start := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Hour)
	oldURL, newURL := "https://meet.lync.com/example/alice/OLD"+uid[:6], "https://teams.microsoft.com/l/meetup-join/19%3ameeting_"+uid

	v1 := event(uid, 0, start, srv.Address(org), []string{srv.Address(att), outside}, oldURL)
	if code, _ := c.do(org, "PUT", href, v1, "If-None-Match", "*"); code != http.StatusCreated && code != http.StatusNoContent {
		t.Fatalf("PUT new event: %d, want 201 or 204", code)
	}
	if got := c.objects(att, srv.Inbox(att), uid); len(got) != 1 || !strings.Contains(got[0], "METHOD:REQUEST") {
		t.Fatalf("%s's Inbox after the first PUT holds %d objects of %s, want one REQUEST", att, len(got), uid)
	}
	if got := mails(t, sink, outside, uid); len(got) != 1 {
		t.Fatalf("%d iMIP messages for %s after the first PUT, want 1", len(got), outside)
	}

	_, hdr := c.do(org, "GET", href, "")
	etag := hdr.Get("ETag")
	if etag == "" {
		t.Fatalf("GET %s: no ETag", href)
	}
	v2 := event(uid, 1, start, srv.Address(org), []string{srv.Address(att), outside}, newURL)
	if code, _ := c.do(org, "PUT", href, v2, "If-Match", etag); code != http.StatusCreated && code != http.StatusNoContent {
		t.Fatalf("PUT changed event (If-Match %s): %d, want 201 or 204", etag, code)
	}

	// Cyrus 3.6 keeps one Inbox object per UID and, for an update, bumps its
	// SEQUENCE and DTSTAMP without copying the changed DESCRIPTION; the
	// attendee's calendar copy is the one that carries the change.
	inbox := c.objects(att, srv.Inbox(att), uid)
	if len(inbox) != 1 || !strings.Contains(inbox[0], "METHOD:REQUEST") || !strings.Contains(inbox[0], "SEQUENCE:1\r\n") {
		t.Errorf("%s's Inbox after the update: %q, want one REQUEST with SEQUENCE:1", att, inbox)
	}
	copies := c.objects(att, srv.Calendar(att), uid)
	if len(copies) != 1 || !strings.Contains(copies[0], newURL) || strings.Contains(copies[0], oldURL) {
		t.Errorf("%s's calendar copy of %s is not the update: %q", att, uid, copies)
	}
	got := mails(t, sink, outside, uid)
	if len(got) != 2 || !strings.Contains(got[1], "SEQUENCE:1") || !strings.Contains(got[1], newURL) {
		t.Errorf("iMIP for %s: %d messages, want 2, the second with SEQUENCE:1 and the new link; last %q", outside, len(got), last(got))
	}
	_, _, stored := c.req(org, "GET", href, "")
	for _, a := range []string{srv.Address(att), outside} {
		if st := scheduleStatus(unfold(stored), a); !strings.HasPrefix(st, "1.") {
			t.Errorf("organiser's copy: SCHEDULE-STATUS of %s is %q, want 1.x (delivered or sent)", a, st)
		}
	}
}

func event(uid string, seq int, start time.Time, org string, attendees []string, joinURL string) string {
	const f = "20060102T150405Z"
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//mms//cyrus test//EN\r\nBEGIN:VEVENT\r\n")
	fmt.Fprintf(&b, "UID:%s\r\nDTSTAMP:%s\r\nSEQUENCE:%d\r\n", uid, time.Now().UTC().Format(f), seq)
	fmt.Fprintf(&b, "DTSTART:%s\r\nDTEND:%s\r\nSUMMARY:Weekly sync\r\n", start.Format(f), start.Add(30*time.Minute).Format(f))
	fmt.Fprintf(&b, "DESCRIPTION:Join online meeting\\n%s\r\n", joinURL)
	fmt.Fprintf(&b, "ORGANIZER:mailto:%s\r\nATTENDEE;ROLE=CHAIR;PARTSTAT=ACCEPTED:mailto:%s\r\n", org, org)
	for _, a := range attendees {
		fmt.Fprintf(&b, "ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:%s\r\n", a)
	}
	b.WriteString("END:VEVENT\r\nEND:VCALENDAR\r\n")
	return b.String()
}

func newUID(t *testing.T) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "mms-" + hex.EncodeToString(b)
}

// dav is plain net/http with the user's credentials on every request
// (Cyrus answers an unauthenticated PROPFIND with 207, not 401).
type dav struct {
	t   *testing.T
	srv cyrus.Server
}

func (c *dav) do(user, method, target, body string, hdr ...string) (int, http.Header) {
	c.t.Helper()
	code, h, _ := c.req(user, method, target, body, hdr...)
	return code, h
}

func (c *dav) req(user, method, target, body string, hdr ...string) (int, http.Header, string) {
	c.t.Helper()
	req, err := http.NewRequestWithContext(c.t.Context(), method, target, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.SetBasicAuth(user, c.srv.Password)
	switch method {
	case "PUT":
		req.Header.Set("Content-Type", "text/calendar; charset=utf-8")
	case "PROPFIND":
		req.Header.Set("Content-Type", "application/xml; charset=utf-8")
		req.Header.Set("Depth", "1")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, target, err)
	}
	if resp.StatusCode >= 300 {
		c.t.Fatalf("%s %s as %s: %s\n%s", method, target, user, resp.Status, b)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// objects GETs the calendar objects of a collection whose UID is uid,
// unfolded.
func (c *dav) objects(user, collection, uid string) []string {
	c.t.Helper()
	const q = `<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>`
	_, _, body := c.req(user, "PROPFIND", collection, q)
	var ms struct {
		Responses []struct {
			Href string `xml:"href"`
		} `xml:"response"`
	}
	if err := xml.Unmarshal([]byte(body), &ms); err != nil {
		c.t.Fatalf("PROPFIND %s: %v", collection, err)
	}
	base, _ := url.Parse(collection)
	var out []string
	for _, r := range ms.Responses {
		if !strings.HasSuffix(r.Href, ".ics") {
			continue
		}
		ref, err := url.Parse(r.Href)
		if err != nil {
			c.t.Fatalf("PROPFIND %s: href %q: %v", collection, r.Href, err)
		}
		_, _, obj := c.req(user, "GET", base.ResolveReference(ref).String(), "")
		if obj = unfold(obj); strings.Contains(obj, "UID:"+uid+"\r\n") {
			out = append(out, obj)
		}
	}
	return out
}

// mails returns the text/calendar parts of the messages to rcpt about uid.
func mails(t *testing.T, sink *smtpsink.Sink, rcpt, uid string) []string {
	t.Helper()
	var out []string
	for _, m := range sink.Messages() {
		if !contains(m.To, rcpt) {
			continue
		}
		e, err := message.Read(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatalf("iMIP message to %s: %v", rcpt, err)
		}
		e.Walk(func(_ []int, p *message.Entity, err error) error {
			if err != nil {
				return err
			}
			ct, params, _ := p.Header.ContentType()
			if ct != "text/calendar" {
				return nil
			}
			b, err := io.ReadAll(p.Body)
			if err != nil {
				return err
			}
			if cal := unfold(string(b)); strings.Contains(cal, "UID:"+uid+"\r\n") {
				if !strings.EqualFold(params["method"], "REQUEST") {
					t.Errorf("iMIP to %s: text/calendar method=%q, want REQUEST", rcpt, params["method"])
				}
				out = append(out, cal)
			}
			return nil
		})
	}
	return out
}

func unfold(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\n ", "")
	s = strings.ReplaceAll(s, "\n\t", "")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

var statusRE = regexp.MustCompile(`(?m)^ATTENDEE[^:\r\n]*SCHEDULE-STATUS="?([0-9.]+)"?[^\r\n]*:mailto:([^\r\n]+)\r$`)

// scheduleStatus is the SCHEDULE-STATUS the server wrote on an attendee.
func scheduleStatus(cal, addr string) string {
	for _, m := range statusRE.FindAllStringSubmatch(cal, -1) {
		if strings.EqualFold(m[2], addr) {
			return m[1]
		}
	}
	return ""
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func last(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[len(ss)-1]
}

// TestScheduleAgentClientIsLeftAlone is what the other send modes rely on:
// a stored copy whose attendees carry SCHEDULE-AGENT=CLIENT makes the
// server deliver nothing, so attendees never get a second copy.
func TestScheduleAgentClientIsLeftAlone(t *testing.T) {
	srv := cyrus.Require(t)
	sink := smtpsink.Start(t, srv.SMTPAddr)
	c := &dav{t: t, srv: srv}
	org, att, outside := srv.Users[0], srv.Users[1], "zoe@outside.test"
	uid := newUID(t)
	href := srv.Calendar(org) + uid + ".ics"
	start := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Hour)
	clientAgent := func(cal string) string {
		return strings.ReplaceAll(cal, "ATTENDEE;PARTSTAT=NEEDS-ACTION;", "ATTENDEE;SCHEDULE-AGENT=CLIENT;PARTSTAT=NEEDS-ACTION;")
	}
	v1 := clientAgent(event(uid, 0, start, srv.Address(org), []string{srv.Address(att), outside}, "https://example.com/old"))
	c.do(org, "PUT", href, v1, "If-None-Match", "*")
	_, hdr := c.do(org, "GET", href, "")
	v2 := clientAgent(event(uid, 1, start, srv.Address(org), []string{srv.Address(att), outside}, "https://example.com/new"))
	c.do(org, "PUT", href, v2, "If-Match", hdr.Get("ETag"))
	if _, _, stored := c.req(org, "GET", href, ""); strings.Count(unfold(stored), "SCHEDULE-AGENT=CLIENT") != 2 {
		t.Fatalf("the stored copy lost SCHEDULE-AGENT=CLIENT on its attendees:\n%s", stored)
	}
	if got := c.objects(att, srv.Inbox(att), uid); len(got) != 0 {
		t.Errorf("%s's Inbox got %d objects for %s despite SCHEDULE-AGENT=CLIENT", att, len(got), uid)
	}
	if got := c.objects(att, srv.Calendar(att), uid); len(got) != 0 {
		t.Errorf("%s's calendar got %s despite SCHEDULE-AGENT=CLIENT", att, uid)
	}
	if got := mails(t, sink, outside, uid); len(got) != 0 {
		t.Errorf("%d iMIP messages to %s despite SCHEDULE-AGENT=CLIENT", len(got), outside)
	}
}
