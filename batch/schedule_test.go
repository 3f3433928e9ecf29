package batch

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/internal/cyrus"
	"github.com/mms-project/mms/internal/davtest"
	"github.com/mms-project/mms/internal/smtpsink"
)

// cyrusMeeting puts on Cyrus, as the organiser's own client would, a
// future Teams meeting of org with a local attendee and an outside one,
// made from the demo's first meeting, in a new calendar of org's (its
// URL is coll). The server schedules it at once.
// With clientAgent its attendees carry SCHEDULE-AGENT=CLIENT (as a
// meeting imported from elsewhere would): the server schedules nothing.
func cyrusMeeting(t *testing.T, srv cyrus.Server, org, att string, clientAgent bool) (uid, href, coll string) {
	t.Helper()
	data, err := os.ReadFile("../fixtures/demo/calendars/user00000.ics")
	if err != nil {
		t.Fatal(err)
	}
	obj := string(davtest.SplitObjects(t, data)["m00.ics"])
	var b [8]byte
	rand.Read(b[:])
	uid = "mms-sched-" + hex.EncodeToString(b[:])
	var lines []string
	skip := false
	for _, l := range strings.Split(obj, "\r\n") {
		if skip && (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) {
			continue
		}
		skip = strings.HasPrefix(l, "UID:")
		switch {
		case skip:
			lines = append(lines, "UID:"+uid)
		case strings.HasPrefix(l, "ATTENDEE") && !strings.Contains(l, "guest000@") && !strings.Contains(l, "guest001@"):
		default:
			lines = append(lines, l)
		}
	}
	obj = strings.Join(lines, "\r\n")
	obj = strings.NewReplacer("mailto:user00000@contoso.com", "mailto:"+srv.Address(org), "mailto:guest000@fabrikam.com", "mailto:"+srv.Address(att),
		"mailto:guest001@fabrikam.com", "mailto:zoe@outside.test", ":20260116T", fmt.Sprintf(":%d0116T", time.Now().Year()+1)).Replace(obj)
	if clientAgent {
		obj = strings.ReplaceAll(obj, "\r\nATTENDEE;", "\r\nATTENDEE;SCHEDULE-AGENT=CLIENT;")
	}
	coll = srv.Home(org) + uid + "/"
	cyrusDo(t, srv, org, "MKCALENDAR", coll, "")
	t.Cleanup(func() { cyrusDo(t, srv, org, http.MethodDelete, coll, "") })
	href = coll + "meeting.ics"
	cyrusDo(t, srv, org, http.MethodPut, href, obj, "If-None-Match", "*")
	return uid, href, coll
}

func cyrusDo(t *testing.T, srv cyrus.Server, user, method, target, body string, hdr ...string) string {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, srv.Password)
	switch method {
	case http.MethodPut:
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
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s as %s: %s\n%s", method, target, user, resp.Status, out)
	}
	return string(out)
}

// cyrusCopies returns, unfolded, the objects of user's collection with uid.
func cyrusCopies(t *testing.T, srv cyrus.Server, user, coll, uid string) []string {
	t.Helper()
	body := cyrusDo(t, srv, user, "PROPFIND", coll, `<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>`)
	var ms struct {
		Responses []struct {
			Href string `xml:"href"`
		} `xml:"response"`
	}
	if err := xml.Unmarshal([]byte(body), &ms); err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(coll)
	var out []string
	unfold := strings.NewReplacer("\r\n ", "", "\r\n\t", "")
	for _, r := range ms.Responses {
		if !strings.HasSuffix(r.Href, ".ics") {
			continue
		}
		ref, _ := url.Parse(r.Href)
		obj := unfold.Replace(cyrusDo(t, srv, user, http.MethodGet, base.ResolveReference(ref).String(), ""))
		if strings.Contains(obj, "UID:"+uid+"\r\n") {
			out = append(out, obj)
		}
	}
	return out
}

// cyrusRun migrates org's Cyrus calendar with the given --send.
func cyrusRun(t *testing.T, srv cyrus.Server, org, coll, send, link string) (Summary, RunOptions) {
	t.Helper()
	dir := t.TempDir()
	users := filepath.Join(dir, "users.csv")
	changes := filepath.Join(dir, "changes.csv")
	os.WriteFile(users, []byte("user,calendar\n"+srv.Address(org)+","+coll+"\n"), 0o644)
	os.WriteFile(changes, []byte("user,change,target,join_url,conference_id\n"+srv.Address(org)+",moved-to-online,teams,"+link+",500000001\n"), 0o644)
	env := map[string]string{"MMS_CALDAV_USER": org, "MMS_CALDAV_PASSWORD": srv.Password}
	o := RunOptions{Users: users, Changes: changes, Out: filepath.Join(dir, "out"), Report: filepath.Join(dir, "r.csv"),
		DB: filepath.Join(dir, "mms.db"), Send: send, Tuning: Tuning{Workers: 1, Getenv: func(k string) string { return env[k] }, RetryDelay: func(int) time.Duration { return time.Millisecond }}}
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 0 || sum.Updated == 0 {
		t.Fatalf("--send %s on Cyrus: %+v", send, sum)
	}
	return sum, o
}

// TestSendServerOnCyrus: with --send server the organiser's copy is
// written as is and Cyrus schedules the update (RFC 6638): the local
// attendee's copy carries the new link, and nothing went out through mms.
//
// As in the conformance suite (TestConformance): only the rewritten lines
// of the organiser's copy differ, it reads back whole, and a rerun
// changes and sends nothing.
func TestSendServerOnCyrus(t *testing.T) {
	srv := cyrus.Require(t)
	sink := smtpsink.Start(t, srv.SMTPAddr) // Cyrus mails outside attendees here
	org, att := srv.Users[0], srv.Users[1]
	uid, href, coll := cyrusMeeting(t, srv, org, att, false)
	before := cyrusDo(t, srv, org, http.MethodGet, href, "")
	link := "https://teams.microsoft.com/l/meetup-join/{meeting}/0?context=SERVER-" + uid
	_, o := cyrusRun(t, srv, org, coll, "server", link)
	after := cyrusDo(t, srv, org, http.MethodGet, href, "")
	checkWhole(t, href, before, after)
	gone, added := changedLines(crlf(before), crlf(after))
	if len(added) == 0 {
		t.Errorf("the organiser's copy is unchanged")
	}
	for _, l := range append(gone, added...) {
		if !rewrittenProps[propName(l)] {
			t.Errorf("line %q changed", l)
		}
	}
	mails := len(sink.Messages())
	again := o
	dir := t.TempDir()
	again.Out, again.Report, again.DB = filepath.Join(dir, "out"), filepath.Join(dir, "r.csv"), filepath.Join(dir, "mms.db")
	sum2, err := Run(context.Background(), again)
	if err != nil || sum2.Updated != 0 || sum2.Failed != 0 || sum2.Invites != 0 {
		t.Errorf("rerun: %+v, %v; want nothing updated or sent", sum2, err)
	}
	if now := cyrusDo(t, srv, org, http.MethodGet, href, ""); now != after {
		t.Errorf("the rerun changed the organiser's copy")
	}
	time.Sleep(500 * time.Millisecond)
	if n := len(sink.Messages()); n != mails {
		t.Errorf("the rerun made Cyrus send %d messages", n-mails)
	}

	copies := cyrusCopies(t, srv, att, srv.Calendar(att), uid)
	if len(copies) != 1 || !strings.Contains(copies[0], "SERVER-"+uid) || !strings.Contains(copies[0], "SEQUENCE:1\r\n") {
		t.Errorf("%s's copy of %s after --send server: %q; want the new link, SEQUENCE:1", att, uid, copies)
	}
	stored := cyrusDo(t, srv, org, http.MethodGet, href, "")
	if strings.Contains(stored, "SCHEDULE-AGENT") {
		t.Errorf("--send server wrote SCHEDULE-AGENT into the organiser's copy:\n%s", stored)
	}
	if _, err := os.Stat(filepath.Join(o.Out, "outbox")); !os.IsNotExist(err) {
		t.Errorf("--send server wrote an outbox (%v)", err)
	}
}

// TestClientSchedulingOnCyrus: with --send outbox, a meeting the server
// does not schedule is stored with SCHEDULE-AGENT=CLIENT on organiser and
// attendees and its update goes to the outbox, the server sending nothing;
// a meeting the server scheduled before (SCHEDULE-STATUS on its attendees)
// is left to the server, since moving its attendees to CLIENT makes Cyrus
// mail them a cancellation: the attendee's copy carries the new link, no
// cancellation goes out, the outbox stays empty and the row says why.
func TestClientSchedulingOnCyrus(t *testing.T) {
	srv := cyrus.Require(t)
	sink := smtpsink.Start(t, srv.SMTPAddr)
	org, att := srv.Users[0], srv.Users[1]
	unfold := strings.NewReplacer("\r\n ", "", "\r\n\t", "")

	t.Run("not scheduled by the server", func(t *testing.T) {
		uid, href, coll := cyrusMeeting(t, srv, org, att, true)
		mailsBefore := len(sink.Messages())
		sum, o := cyrusRun(t, srv, org, coll, "outbox", "https://teams.microsoft.com/l/meetup-join/{meeting}/0?context=CLIENT-"+uid)
		stored := unfold.Replace(cyrusDo(t, srv, org, http.MethodGet, href, ""))
		if !strings.Contains(stored, "CLIENT-"+uid) || !strings.Contains(stored, "SCHEDULE-AGENT=CLIENT:mailto:"+srv.Address(org)) {
			t.Errorf("the organiser's copy lacks the new link or SCHEDULE-AGENT=CLIENT on its organiser:\n%s", stored)
		}
		if copies := cyrusCopies(t, srv, att, srv.Calendar(att), uid); len(copies) != 0 {
			t.Errorf("the server delivered %s to %s despite SCHEDULE-AGENT=CLIENT", uid, att)
		}
		if n := len(sink.Messages()); n != mailsBefore {
			t.Errorf("Cyrus mailed %d messages of its own", n-mailsBefore)
		}
		eml, _ := filepath.Glob(filepath.Join(o.Out, "outbox", "*.eml"))
		if len(eml) != 1 || sum.Invites != 1 {
			t.Fatalf("%d messages in the outbox, %d invites; want 1", len(eml), sum.Invites)
		}
		if data, _ := os.ReadFile(eml[0]); strings.Contains(string(data), "SCHEDULE-AGENT") {
			t.Error("the iMIP update carries SCHEDULE-AGENT (it is for the stored copy only)")
		}
	})
	t.Run("scheduled by the server before", func(t *testing.T) {
		uid, href, coll := cyrusMeeting(t, srv, org, att, false)
		mailsBefore := len(sink.Messages())
		sum, o := cyrusRun(t, srv, org, coll, "outbox", "https://teams.microsoft.com/l/meetup-join/{meeting}/0?context=LEFT-"+uid)
		if stored := cyrusDo(t, srv, org, http.MethodGet, href, ""); strings.Contains(stored, "SCHEDULE-AGENT") {
			t.Errorf("SCHEDULE-AGENT written into a meeting the server schedules:\n%s", stored)
		}
		copies := cyrusCopies(t, srv, att, srv.Calendar(att), uid)
		if len(copies) != 1 || !strings.Contains(copies[0], "LEFT-"+uid) || strings.Contains(copies[0], "STATUS:CANCELLED") {
			t.Errorf("%s's copy: %q; want the server's update with the new link", att, copies)
		}
		for _, m := range sink.Messages()[mailsBefore:] {
			if bytes.Contains(m.Data, []byte("Canceled:")) || bytes.Contains(m.Data, []byte("METHOD:CANCEL")) {
				t.Errorf("Cyrus mailed a cancellation to %v", m.To)
			}
		}
		if eml, _ := filepath.Glob(filepath.Join(o.Out, "outbox", "*.eml")); len(eml) != 0 || sum.Invites != 1 {
			t.Errorf("%d messages in the outbox, %d invites; want none (the server sent it), 1", len(eml), sum.Invites)
		}
		ms := batchMeetings(t, o.DB, sum.BatchID)
		if len(ms) != 1 || ms[0].Outcome != migrate.Updated || ms[0].Reason != "" || !strings.Contains(ms[0].Detail, "update left to the CalDAV server, which scheduled this meeting before") {
			t.Errorf("rows %+v; want one updated, saying the server sent the update", ms)
		}
	})
}

// TestSendServerClearsClientMarks: a meeting whose attendees carry
// SCHEDULE-AGENT=CLIENT (imported from elsewhere, or stored by an earlier
// --send outbox run) is delivered by the server with --send server: the
// marks are taken off the rewritten copy (found by an audit: the server
// sent nothing while the run said it had left the update to it).
func TestSendServerClearsClientMarks(t *testing.T) {
	srv := cyrus.Require(t)
	smtpsink.Start(t, srv.SMTPAddr)
	org, att := srv.Users[0], srv.Users[1]
	uid, href, coll := cyrusMeeting(t, srv, org, att, true)
	if copies := cyrusCopies(t, srv, att, srv.Calendar(att), uid); len(copies) != 0 {
		t.Fatalf("the server delivered %s despite SCHEDULE-AGENT=CLIENT", uid)
	}
	cyrusRun(t, srv, org, coll, "server", "https://teams.microsoft.com/l/meetup-join/{meeting}/0?context=MARKED-"+uid)
	if stored := cyrusDo(t, srv, org, http.MethodGet, href, ""); strings.Contains(stored, "SCHEDULE-AGENT=CLIENT") || !strings.Contains(strings.NewReplacer("\r\n ", "", "\r\n\t", "").Replace(stored), "MARKED-"+uid) {
		t.Errorf("the organiser's copy after --send server:\n%s", stored)
	}
	copies := cyrusCopies(t, srv, att, srv.Calendar(att), uid)
	if len(copies) != 1 || !strings.Contains(strings.NewReplacer("\r\n ", "", "\r\n\t", "").Replace(copies[0]), "MARKED-"+uid) {
		t.Errorf("%s's copy after --send server: %q; want the server's delivery of the new link", att, copies)
	}
}
