package caldav_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mms-project/mms/batch/caldav"
	"github.com/mms-project/mms/internal/davserver"
)

// from is the "now" of these tests: fixtures lie on both sides of it.
var from = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func serverClient(t *testing.T, srv *davserver.Server, users ...string) *caldav.Client {
	t.Helper()
	var creds caldav.Credentials
	for _, u := range users {
		creds.Netrc = append(creds.Netrc, caldav.Machine{Name: "127.0.0.1", Login: u, Password: davserver.Password(u)})
	}
	c, err := caldav.New(caldav.Options{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fixtures(t *testing.T) []string {
	files, err := filepath.Glob("testdata/radicale/*.ics")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	return files
}

func base(href string) string { return href[strings.LastIndexByte(href, '/')+1:] }

func lines(data []byte) []string { return strings.Split(string(data), "\r\n") }

// fold folds one content line at 75 octets, never inside a UTF-8
// character, and ends it with CRLF.
func fold(line string) string {
	var b strings.Builder
	n := 0
	for _, r := range line {
		w := utf8.RuneLen(r)
		if n+w > 75 {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteRune(r)
		n += w
	}
	return b.String() + "\r\n"
}

// unfolded is the content lines of data, folds joined.
func unfolded(data []byte) []string {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\n ", ""), "\n\t", "")
	return strings.Split(s, "\n")
}

// TestServers is the conformance suite: the same tests against every
// kind of CalDAV server (internal/davserver), each skipped with a message
// when its server cannot be had (failed under CI=true).
func TestServers(t *testing.T) {
	for _, kind := range davserver.Kinds {
		t.Run(kind, func(t *testing.T) { conformance(t, davserver.Start(t, kind)) })
	}
}

func conformance(t *testing.T, srv *davserver.Server) {
	ctx := context.Background()

	t.Run("discovery from the server root", func(t *testing.T) {
		// "0000-" sorts before any calendar other tests may give erin.
		cal := srv.MakeCalendar(t, "erin", "0000-default")
		c := serverClient(t, srv, "erin")
		got, err := c.Resolve(ctx, srv.UserURL("erin"))
		if err != nil {
			t.Fatal(err)
		}
		if got != cal {
			t.Errorf("Resolve(root) = %s, want %s", got, cal)
		}
		if srv.WellKnown {
			if got, err := c.Resolve(ctx, srv.UserURL("erin")+".well-known/caldav"); err != nil || got != cal {
				t.Errorf("Resolve(/.well-known/caldav) = %s, %v; want %s", got, err, cal)
			}
		}
		if got, err := c.Resolve(ctx, cal); err != nil || got != cal {
			t.Errorf("Resolve(collection) = %s, %v", got, err)
		}
	})

	t.Run("fetch from now returns whole series begun in the past", func(t *testing.T) {
		cal := srv.MakeCalendar(t, "alice", "fetch")
		srv.Load(t, "alice", cal, fixtures(t)...)
		c := serverClient(t, srv, "alice")
		objs, bad, err := c.Fetch(ctx, cal, from)
		if err != nil || len(bad) != 0 {
			t.Fatalf("Fetch: %v %v", err, bad)
		}
		var names, past []string
		for _, o := range objs {
			if o.Past { // for the report only: the REPORT's data as it came (SOGo's has LF endings)
				past = append(past, base(o.Href))
				continue
			}
			names = append(names, base(o.Href))
			got, err := c.Get(ctx, o.Href)
			if err != nil {
				t.Fatal(err)
			}
			if string(got.Data) != string(o.Data) || got.ETag != o.ETag {
				t.Errorf("%s: the REPORT's bytes differ from the GET's:\n%q\n%q", o.Href, o.Data, got.Data)
			}
			if !strings.Contains(string(o.Data), "\r\n") {
				t.Errorf("%s: carriage returns lost", o.Href)
			}
		}
		if want := []string{"future.ics", "weekly.ics"}; !slices.Equal(names, want) {
			t.Errorf("fetched %v, want %v (not the past event, the ended series or the task)", names, want)
		}
		if want := []string{"ended.ics", "past.ics", "task.ics"}; !slices.Equal(past, want) {
			t.Errorf("fetched %v marked past, want %v (a small calendar is read whole)", past, want)
		}
		all, _, err := c.Fetch(ctx, cal, time.Time{})
		if err != nil || len(all) != 4 {
			t.Errorf("Fetch without a start: %d objects (want every event: 4), %v", len(all), err)
		}
		// Radicale expands a series in a time-range query, Xandikos 0.2.8
		// tests only its first instance: the probe says so
		// (asked of the time-range query, which a calendar this small
		// is not read with any more: see fetchListed)
		c = serverClient(t, srv, "alice")
		caldav.TimeRangeOnly(c)
		if objs, bad, err := c.Fetch(ctx, cal, from); err != nil || len(bad) != 0 || len(objs) != 2 {
			t.Errorf("Fetch with the time-range query: %d objects, %v %v; want 2", len(objs), bad, err)
		}
		want := map[string]string{"radicale": "expands", "xandikos": "does not expand"}[srv.Kind]
		if got := caldav.SeenToExpand(c, cal); want != "" && got != want {
			t.Errorf("the probe found that %s %s, want %s", srv.Kind, got, want)
		}
		// whatever the first Fetch learnt of the server's time-range
		// queries (probeExpansion), the series is still found in another
		// calendar on it, and in this one again
		other := srv.MakeCalendar(t, "alice", "fetch-again")
		srv.Load(t, "alice", other, fixtures(t)...)
		for _, coll := range []string{other, cal} {
			objs, bad, err := c.Fetch(ctx, coll, from)
			names = nil
			for _, o := range objs {
				names = append(names, base(o.Href))
			}
			if err != nil || len(bad) != 0 || !slices.Equal(names, []string{"future.ics", "weekly.ics"}) {
				t.Errorf("Fetch again: %v %v %v, want [future.ics weekly.ics]", names, bad, err)
			}
		}
	})

	t.Run("conditional put keeps the unchanged lines", func(t *testing.T) {
		cal := srv.MakeCalendar(t, "bob", "put")
		href := srv.Put(t, "bob", cal, "weekly.ics", mustRead(t, "testdata/radicale/weekly.ics"))
		c := serverClient(t, srv, "bob")
		before, err := c.Get(ctx, href)
		if err != nil {
			t.Fatal(err)
		}
		const old, new = "SUMMARY:Weekly sync (since 2020)", "SUMMARY:Weekly sync (on Teams)"
		if !strings.Contains(string(before.Data), old) {
			t.Fatalf("fixture line %q not in what the server returns", old)
		}
		edited := strings.Replace(string(before.Data), old, new, 1)
		etag, err := c.Put(ctx, href, []byte(edited), before.ETag)
		if err != nil {
			t.Fatal(err)
		}
		after, err := c.Get(ctx, href)
		if err != nil {
			t.Fatal(err)
		}
		if etag != after.ETag || etag == before.ETag {
			t.Errorf("Put returned %s; before %s, after %s", etag, before.ETag, after.ETag)
		}
		b, a := lines(before.Data), lines(after.Data)
		if srv.Reorders { // the same lines, in another order
			b, a = unfolded(before.Data), unfolded(after.Data)
			slices.Sort(b)
			slices.Sort(a)
			for i := range b {
				b[i] = strings.Replace(b[i], old, new, 1)
			}
			slices.Sort(b)
		}
		if len(a) != len(b) {
			t.Fatalf("%d lines before, %d after:\n%s", len(b), len(a), after.Data)
		}
		for i := range b {
			if want := strings.Replace(b[i], old, new, 1); a[i] != want {
				t.Errorf("line %d: %q, want %q", i+1, a[i], want)
			}
		}
	})

	t.Run("several writes read back with one calendar-multiget; the one refused put back", func(t *testing.T) {
		cal := srv.MakeCalendar(t, "alice", "multiget")
		methods := &countingTransport{base: http.DefaultTransport, counts: map[string]int{}}
		creds := caldav.Credentials{Netrc: []caldav.Machine{{Name: "127.0.0.1", Login: "alice", Password: davserver.Password("alice")}}}
		c, err := caldav.New(caldav.Options{Credentials: creds, HTTP: &http.Client{Transport: methods}})
		if err != nil {
			t.Fatal(err)
		}
		orig := mustRead(t, "testdata/radicale/future.ics")
		var items []caldav.ReadBackItem
		var befores []caldav.Object
		for k := range 4 {
			name := "mg" + strconv.Itoa(k) + ".ics"
			href := srv.Put(t, "alice", cal, name, bytes.Replace(orig, []byte("UID:future@mms.test"), []byte("UID:mg-"+strconv.Itoa(k)+"@mms.test"), 1))
			before, err := c.Get(ctx, href)
			if err != nil {
				t.Fatal(err)
			}
			summary := "SUMMARY:Planning on Teams " + strconv.Itoa(k)
			edited := regexp.MustCompile(`SUMMARY:[^\r\n]*`).ReplaceAllString(string(before.Data), summary)
			etag, err := c.Put(ctx, before.Href, []byte(edited), before.ETag)
			if err != nil {
				t.Fatal(err)
			}
			refuse := k == 2 // as if the server had kept something else
			items = append(items, caldav.ReadBackItem{Href: before.Href, ETag: etag, Original: before.Data, Check: func(b []byte) error {
				if refuse || !slices.Contains(unfolded(b), summary) {
					return errors.New("the new SUMMARY is not there")
				}
				return nil
			}})
			befores = append(befores, before)
		}
		// and the writes SOGo 5.8 acknowledges but keeps as "(null)": non-BMP
		// characters at each fold position (see the next test)
		for k := range 4 {
			name := "mg-emoji" + strconv.Itoa(k) + ".ics"
			href := srv.Put(t, "alice", cal, name, bytes.Replace(orig, []byte("UID:future@mms.test"), []byte("UID:mg-emoji-"+strconv.Itoa(k)+"@mms.test"), 1))
			before, err := c.Get(ctx, href)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Repeat("x", 75-len("DESCRIPTION:")-4+k) + "🎉 Teams 𝄞 " + strings.Repeat("y", 60) + "😀"
			edited := strings.Replace(string(before.Data), "SUMMARY:", fold("DESCRIPTION:"+text)+"SUMMARY:", 1)
			etag, err := c.Put(ctx, before.Href, []byte(edited), before.ETag)
			if err != nil {
				t.Fatal(err)
			}
			items = append(items, caldav.ReadBackItem{Href: before.Href, ETag: etag, Original: before.Data, Check: func(b []byte) error {
				if !slices.Contains(unfolded(b), "DESCRIPTION:"+text) {
					return errors.New("the new DESCRIPTION is not there")
				}
				return nil
			}})
			befores = append(befores, before)
		}
		reports, gets := methods.count("REPORT"), methods.count("GET")
		tags, errs, err := c.ReadBackAll(ctx, cal, items)
		if err != nil {
			t.Fatal(err)
		}
		if r, g := methods.count("REPORT")-reports, methods.count("GET")-gets; r != 1 || g != 0 {
			t.Errorf("read back with %d REPORTs and %d GETs, want one REPORT", r, g)
		}
		for k, it := range items {
			now, err := c.Get(ctx, it.Href)
			if err != nil {
				t.Fatal(err)
			}
			if k > 3 && errs[k] != nil && srv.StoresNull {
				t.Logf("object %d: %v", k, errs[k]) // SOGo 5.8's "(null)"
			}
			if k == 2 || k > 3 && errs[k] != nil && srv.StoresNull {
				if !errors.Is(errs[k], caldav.ErrReadBack) || !strings.Contains(errs[k].Error(), "the original was put back") {
					t.Errorf("object %d: %v, want ErrReadBack, the original put back", k, errs[k])
				}
				if !slices.Equal(unfolded(now.Data), unfolded(befores[k].Data)) {
					t.Errorf("object %d not restored:\n%s", k, now.Data)
				}
				continue
			}
			if errs[k] != nil || tags[k] != now.ETag {
				t.Errorf("object %d: %s, %v; want nil and the entity tag a GET gives, %s", k, tags[k], errs[k], now.ETag)
			}
		}
	})

	t.Run("non-BMP characters at every fold position read back whole, or are put back", func(t *testing.T) {
		cal := srv.MakeCalendar(t, "alice", "emoji")
		c := serverClient(t, srv, "alice")
		orig := mustRead(t, "testdata/radicale/future.ics")
		for k := 0; k < 4; k++ {
			name := "emoji" + strconv.Itoa(k) + ".ics"
			uid := "UID:future-" + strconv.Itoa(k) + "@mms.test"
			href := srv.Put(t, "alice", cal, name, bytes.Replace(orig, []byte("UID:future@mms.test"), []byte(uid), 1))
			before, err := c.Get(ctx, href)
			if err != nil {
				t.Fatal(err)
			}
			// the emoji's 4 octets end at, and straddle, the 75-octet fold
			text := strings.Repeat("x", 75-len("DESCRIPTION:")-4+k) + "🎉 Teams 𝄞 " + strings.Repeat("y", 60) + "😀"
			edited := strings.Replace(string(before.Data), "SUMMARY:", fold("DESCRIPTION:"+text)+"SUMMARY:", 1)
			etag, err := c.Put(ctx, href, []byte(edited), before.ETag)
			if err != nil {
				t.Errorf("fold offset %d: Put: %v", k, err)
				continue
			}
			_, err = c.ReadBack(ctx, href, etag, before.Data, func(b []byte) error {
				if !slices.Contains(unfolded(b), "DESCRIPTION:"+text) {
					return errors.New("the new DESCRIPTION is not there")
				}
				return nil
			})
			if err == nil {
				continue
			}
			if !errors.Is(err, caldav.ErrReadBack) || !srv.StoresNull {
				t.Errorf("fold offset %d: ReadBack: %v", k, err)
				continue
			}
			t.Logf("fold offset %d: %v", k, err) // SOGo 5.8's "(null)", restored
			now, err := c.Get(ctx, href)
			if err != nil || !slices.Equal(unfolded(now.Data), unfolded(before.Data)) {
				t.Errorf("fold offset %d: not restored: %q %v", k, now.Data, err)
			}
		}
	})

	t.Run("repeated writes on kept-alive connections all land", func(t *testing.T) {
		// sogod closes each connection after its answer without saying so;
		// the lost request is hit only now and then here (closed_test.go
		// provokes it every time)
		cal := srv.MakeCalendar(t, "carol", "repeat")
		href := srv.Put(t, "carol", cal, "future.ics", mustRead(t, "testdata/radicale/future.ics"))
		c := serverClient(t, srv, "carol")
		for i := 0; i < 15; i++ {
			obj, err := c.Get(ctx, href)
			if err != nil {
				t.Fatalf("GET %d: %v", i, err)
			}
			summary := "SUMMARY:Planning 2027 (" + strconv.Itoa(i) + ")"
			edited := regexp.MustCompile(`SUMMARY:[^\r\n]*`).ReplaceAllString(string(obj.Data), summary)
			if _, err := c.Put(ctx, href, []byte(edited), obj.ETag); err != nil {
				t.Fatalf("PUT %d: %v", i, err)
			}
		}
		last, err := c.Get(ctx, href)
		if err != nil || !strings.Contains(string(last.Data), "SUMMARY:Planning 2027 (14)") {
			t.Errorf("last write not there: %q %v", last.Data, err)
		}
	})

	t.Run("a meeting edited meanwhile is not overwritten", func(t *testing.T) {
		cal := srv.MakeCalendar(t, "carol", "race")
		href := srv.Put(t, "carol", cal, "future.ics", mustRead(t, "testdata/radicale/future.ics"))
		c := serverClient(t, srv, "carol")
		objs, _, err := c.Fetch(ctx, cal, from)
		if err != nil || len(objs) != 1 {
			t.Fatalf("Fetch: %v", err)
		}
		theirs := strings.Replace(string(mustRead(t, "testdata/radicale/future.ics")), "Planning 2027", "Planning 2027 (moved by Carol)", 1)
		srv.Put(t, "carol", cal, "future.ics", []byte(theirs))
		ours := strings.Replace(string(objs[0].Data), "Planning 2027", "Planning 2027 (mms)", 1)
		_, err = c.Put(ctx, objs[0].Href, []byte(ours), objs[0].ETag)
		if !errors.Is(err, caldav.ErrChanged) {
			t.Fatalf("Put over someone else's edit: %v, want ErrChanged", err)
		}
		now, err := c.Get(ctx, href)
		if err != nil || !strings.Contains(string(now.Data), "moved by Carol") || strings.Contains(string(now.Data), "(mms)") {
			t.Errorf("the other edit was overwritten: %q %v", now.Data, err)
		}
	})

	t.Run("wrong password and someone else's calendar are ErrAuth", func(t *testing.T) {
		if !srv.Auth {
			t.Skipf("%s has no authentication of its own", srv.Kind)
		}
		cal := srv.MakeCalendar(t, "dave", "private")
		srv.Put(t, "dave", cal, "future.ics", mustRead(t, "testdata/radicale/future.ics"))
		c, _ := caldav.New(caldav.Options{Credentials: caldav.Credentials{User: "dave", Password: "wrong"}})
		if _, _, err := c.Fetch(ctx, cal, from); !errors.Is(err, caldav.ErrAuth) || !strings.Contains(err.Error(), "/dave/") {
			t.Errorf("wrong password: %v, want ErrAuth naming the URL", err)
		}
		other := serverClient(t, srv, "alice")
		if srv.OthersRead {
			return
		}
		objs, bad, err := other.Fetch(ctx, strings.Replace(cal, "dave@", "alice@", 1), from)
		var se *caldav.StatusError
		hidden := srv.HidesOthers && errors.As(err, &se) && se.Code == 404
		if !errors.Is(err, caldav.ErrAuth) && !hidden {
			t.Errorf("alice reading dave's calendar: %d objects, %v, %v; want ErrAuth", len(objs), bad, err)
		}
	})
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// countingTransport counts the requests answered, by method (not those
// lost on a connection the server closed, which are sent again: sogod).
type countingTransport struct {
	base   http.RoundTripper
	mu     sync.Mutex
	counts map[string]int
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if err == nil {
		c.mu.Lock()
		c.counts[req.Method]++
		c.mu.Unlock()
	}
	return resp, err
}

func (c *countingTransport) count(method string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[method]
}
