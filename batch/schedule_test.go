package batch

import (
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

	"github.com/mms-project/mms/internal/cyrus"
	"github.com/mms-project/mms/internal/smtpsink"
)

// cyrusMeeting puts on Cyrus, as the organiser's own client would, a
// future Teams meeting of org with a local attendee and an outside one,
// made from the demo's first meeting. The server schedules it at once.
func cyrusMeeting(t *testing.T, srv cyrus.Server, org, att string) (uid, href string) {
	t.Helper()
	data, err := os.ReadFile("../fixtures/demo/calendars/user00000.ics")
	if err != nil {
		t.Fatal(err)
	}
	obj := string(splitObjects(t, data)["m00.ics"])
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
	href = srv.Calendar(org) + uid + ".ics"
	cyrusDo(t, srv, org, http.MethodPut, href, obj, "If-None-Match", "*")
	return uid, href
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
func cyrusRun(t *testing.T, srv cyrus.Server, org, send, link string) (Summary, RunOptions) {
	t.Helper()
	dir := t.TempDir()
	users := filepath.Join(dir, "users.csv")
	changes := filepath.Join(dir, "changes.csv")
	os.WriteFile(users, []byte("user,calendar\n"+srv.Address(org)+","+srv.Calendar(org)+"\n"), 0o644)
	os.WriteFile(changes, []byte("user,change,target,join_url,conference_id\n"+srv.Address(org)+",moved-to-online,teams,"+link+",500000001\n"), 0o644)
	env := map[string]string{"MMS_CALDAV_USER": org, "MMS_CALDAV_PASSWORD": srv.Password}
	o := RunOptions{Users: users, Changes: changes, Out: filepath.Join(dir, "out"), Report: filepath.Join(dir, "r.csv"),
		DB: filepath.Join(dir, "mms.db"), Workers: 1, Send: send, Getenv: func(k string) string { return env[k] },
		RetryDelay: func(int) time.Duration { return time.Millisecond }}
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
func TestSendServerOnCyrus(t *testing.T) {
	srv := cyrus.Require(t)
	smtpsink.Start(t, srv.SMTPAddr) // Cyrus mails outside attendees here
	org, att := srv.Users[0], srv.Users[1]
	uid, href := cyrusMeeting(t, srv, org, att)
	link := "https://teams.microsoft.com/l/meetup-join/{meeting}/0?context=SERVER-" + uid
	_, o := cyrusRun(t, srv, org, "server", link)

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
