package batch

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/fixtures/gen"
	"github.com/mms-project/mms/internal/davserver"
	"github.com/mms-project/mms/internal/davtest"
)

// waitMeter is an http.RoundTripper that adds up the time requests spend
// waiting for the server's answer.
type waitMeter struct {
	base http.RoundTripper
	mu   sync.Mutex
	wait time.Duration
	n    int
}

func (m *waitMeter) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := m.base.RoundTrip(req)
	m.mu.Lock()
	m.wait += time.Since(start)
	m.n++
	m.mu.Unlock()
	return resp, err
}

// BenchmarkDAVRun is a whole run (--send none) of 24 CalDAV users of 12
// meetings each on Radicale, with 1, 4 and 16 workers, each object read
// back after its write (the default) and not (--caldav-readback=false).
// It reports
// meetings rewritten per second and the share of the workers' time spent
// waiting for the server (summed request time / (elapsed × workers)).
func BenchmarkDAVRun(b *testing.B) {
	srv := davserver.Start(b, "radicale")
	data, err := os.ReadFile("../fixtures/demo/calendars/user00000.ics")
	if err != nil {
		b.Fatal(err)
	}
	objs := davtest.SplitObjects(b, data)
	names := make([]string, 0, len(objs))
	for n := range objs {
		names = append(names, n)
	}
	sort.Strings(names)
	demo, _ := os.ReadFile("../fixtures/demo/changes.csv")
	changeRow := strings.Split(string(demo), "\n")[1]
	for _, workers := range []int{1, 4, 16} {
		for _, readBack := range []bool{true, false} {
			benchDAVRun(b, srv, names, objs, changeRow, workers, readBack)
		}
	}
}

func benchDAVRun(b *testing.B, srv *davserver.Server, names []string, objs map[string][]byte, changeRow string, workers int, readBack bool) {
	const users = 24
	mode := map[bool]string{true: "on", false: "off"}[readBack]
	b.Run(fmt.Sprintf("workers=%d/readback=%s", workers, mode), func(b *testing.B) {
		var meetings int
		var elapsed, wait time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			dir := b.TempDir()
			var ufile, cfile bytes.Buffer
			ufile.WriteString("user,calendar\n")
			cfile.WriteString("user,change,target,join_url,conference_id,toll_number,toll_free_number,dialin_url,at\n")
			for u := range users {
				user := fmt.Sprintf("bench%05d@contoso.com", u)
				coll := srv.MakeCalendar(b, "alice", fmt.Sprintf("bench-w%d-%s-%d", workers, mode, u))
				for _, n := range names {
					srv.Put(b, "alice", coll, n, bytes.ReplaceAll(objs[n], []byte("user00000@contoso.com"), []byte(user)))
				}
				fmt.Fprintf(&ufile, "%s,%s\n", user, coll)
				cfile.WriteString(strings.Replace(changeRow, "user00000@contoso.com", user, 1) + "\n")
			}
			os.WriteFile(filepath.Join(dir, "users.csv"), ufile.Bytes(), 0o644)
			os.WriteFile(filepath.Join(dir, "changes.csv"), cfile.Bytes(), 0o644)
			meter := &waitMeter{base: http.DefaultTransport}
			o := RunOptions{Users: filepath.Join(dir, "users.csv"), Changes: filepath.Join(dir, "changes.csv"), Out: filepath.Join(dir, "out"), Report: filepath.Join(dir, "r.csv"),
				Now: demoNow, DB: filepath.Join(dir, "mms.db"), Send: "none", Tuning: Tuning{Workers: workers, CalDAVRequests: workers, CalDAVHTTP: &http.Client{Transport: meter}, Getenv: davtest.NetrcEnv(b, nil, "alice"),
					Connections: migrate.Connections{NoReadBack: !readBack}}}
			b.StartTimer()
			start := time.Now()
			sum, err := Run(context.Background(), o)
			elapsed += time.Since(start)
			b.StopTimer()
			if err != nil || sum.Failed != 0 || sum.Updated == 0 {
				b.Fatalf("run: %v %+v", err, sum)
			}
			meetings += sum.Updated
			wait += meter.wait
		}
		b.ReportMetric(float64(meetings)/elapsed.Seconds(), "meetings/s")
		b.ReportMetric(100*wait.Seconds()/(elapsed.Seconds()*float64(workers)), "%server-wait")
	})
}

// davBench is the setup of BenchmarkDAVvsBarePUT: 20 calendars of 50
// objects on Radicale, their originals, and the inputs of a run over them.
type davBench struct {
	srv     *davserver.Server
	colls   []string            // collection URLs (with the user name)
	objs    []map[string][]byte // per collection: object name -> original bytes
	users   []byte              // users file
	changes []byte              // changes file
}

const (
	davBenchCalendars = 20
	davBenchObjects   = 50
)

// newDAVBench generates 20 organisers of 50 meetings (fixtures/gen, one
// object per meeting) and makes a calendar for each on Radicale.
func newDAVBench(b *testing.B, srv *davserver.Server) *davBench {
	dir := b.TempDir()
	if err := gen.Write(dir, gen.Options{Users: davBenchCalendars, MeetingsPerUser: davBenchObjects, Seed: 1, Ref: demoNow}); err != nil {
		b.Fatal(err)
	}
	changes, err := os.ReadFile(filepath.Join(dir, "changes.csv"))
	if err != nil {
		b.Fatal(err)
	}
	d := &davBench{srv: srv, changes: changes}
	users := bytes.NewBufferString("user,calendar\n")
	for u := range davBenchCalendars {
		data, err := os.ReadFile(filepath.Join(dir, "calendars", fmt.Sprintf("user%05d.ics", u)))
		if err != nil {
			b.Fatal(err)
		}
		objs := davtest.SplitObjects(b, data)
		if len(objs) != davBenchObjects {
			b.Fatalf("user %d: %d objects, want %d", u, len(objs), davBenchObjects)
		}
		coll := srv.MakeCalendar(b, "alice", fmt.Sprintf("davbare-%02d", u))
		d.colls = append(d.colls, coll)
		d.objs = append(d.objs, objs)
		fmt.Fprintf(users, "user%05d@contoso.com,%s\n", u, coll)
	}
	d.users = users.Bytes()
	return d
}

// barePut is one PUT as alice, with If-Match when etag is set; it returns
// the new entity tag.
func barePut(ctx context.Context, hc *http.Client, srvURL, href string, body []byte, etag string) (string, error) {
	u, err := url.Parse(href)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, srvURL+u.Path, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.SetBasicAuth("alice", davserver.Password("alice"))
	req.Header.Set("Content-Type", "text/calendar; charset=utf-8")
	if etag != "" {
		req.Header.Set("If-Match", etag)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("PUT %s: %s", u.Path, resp.Status)
	}
	return resp.Header.Get("ETag"), nil
}

// putJob is one object to PUT: its URL, bytes, and the If-Match tag.
type putJob struct {
	href string
	body []byte
	etag string
}

// putAll PUTs every job with n requests in flight and returns the new
// entity tags by URL path.
func putAll(hc *http.Client, srvURL string, jobs []putJob, n int) (map[string]string, error) {
	ch := make(chan putJob)
	var mu sync.Mutex
	tags := map[string]string{}
	var first error
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for j := range ch {
				tag, err := barePut(context.Background(), hc, srvURL, j.href, j.body, j.etag)
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				if u, err := url.Parse(j.href); err == nil {
					tags[u.Path] = tag
				}
				mu.Unlock()
			}
		})
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	return tags, first
}

// putByCollection PUTs the jobs in the order the run writes them: n at
// a time, each taking one collection's objects in turn by name, as a
// worker writes one user's.
func putByCollection(hc *http.Client, srvURL string, jobs []putJob, n int) error {
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].href < jobs[j].href })
	var groups [][]putJob
	for i, j := range jobs {
		if i == 0 || path.Dir(j.href) != path.Dir(jobs[i-1].href) {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], j)
	}
	ch := make(chan []putJob)
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for g := range ch {
				for _, j := range g {
					if _, err := barePut(context.Background(), hc, srvURL, j.href, j.body, j.etag); err != nil {
						mu.Lock()
						first = cmp.Or(first, err)
						mu.Unlock()
					}
				}
			}
		})
	}
	for _, g := range groups {
		ch <- g
	}
	close(ch)
	wg.Wait()
	return first
}

// reset puts the originals back, unconditionally (only those whose
// URL paths are in written, when it is not nil), and returns their
// entity tags by URL path.
func (d *davBench) reset(b *testing.B, hc *http.Client, written map[string][]byte) map[string]string {
	var jobs []putJob
	for i, coll := range d.colls {
		for name, data := range d.objs[i] {
			href := strings.TrimSuffix(coll, "/") + "/" + name
			if u, _ := url.Parse(href); written == nil || written[u.Path] != nil {
				jobs = append(jobs, putJob{href: href, body: data})
			}
		}
	}
	tags, err := putAll(hc, d.srv.URL, jobs, 4)
	if err != nil {
		b.Fatal(err)
	}
	return tags
}

// run is one whole run (--send none) over the 20 calendars with conc
// workers and conc CalDAV requests in flight. hc nil is the product's
// own HTTP client.
func (d *davBench) run(b *testing.B, conc int, readBack bool, hc *http.Client) (Summary, time.Duration) {
	dir := b.TempDir()
	os.WriteFile(filepath.Join(dir, "users.csv"), d.users, 0o644)
	os.WriteFile(filepath.Join(dir, "changes.csv"), d.changes, 0o644)
	o := RunOptions{Users: filepath.Join(dir, "users.csv"), Changes: filepath.Join(dir, "changes.csv"), Out: filepath.Join(dir, "out"), Report: filepath.Join(dir, "r.csv"),
		Now: demoNow, DB: filepath.Join(dir, "mms.db"), Send: "none", Tuning: Tuning{Workers: conc, CalDAVRequests: conc, CalDAVHTTP: hc,
			Getenv: davtest.NetrcEnv(b, nil, "alice"), Connections: migrate.Connections{NoReadBack: !readBack}}}
	start := time.Now()
	sum, err := Run(context.Background(), o)
	elapsed := time.Since(start)
	if err != nil || sum.Failed != 0 || sum.Updated == 0 {
		b.Fatalf("run: %v %+v", err, sum)
	}
	return sum, elapsed
}

// davRecorder counts a run's requests by method (a calendar-multiget
// REPORT naming an object the run PUT, or a GET after a PUT of the same
// URL, counts as a read-back; another multiget reads a calendar) and
// keeps the bodies it PUT.
type davRecorder struct {
	base   http.RoundTripper
	mu     sync.Mutex
	counts map[string]int
	waits  map[string]time.Duration // summed time to the answer's headers
	puts   map[string][]byte        // path -> body
}

func (r *davRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	m := req.Method
	if m == http.MethodGet && r.puts[req.URL.Path] != nil {
		m = "GET(read-back)"
	}
	if m == "REPORT" && req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			if data, _ := io.ReadAll(body); bytes.Contains(data, []byte("calendar-multiget")) {
				m = "REPORT(multiget read)" // a calendar read whole
				for path := range r.puts {
					if bytes.Contains(data, []byte(path)) {
						m = "REPORT(read-back)" // of objects this run wrote
						break
					}
				}
			}
		}
	}
	r.counts[m]++
	if req.Method == http.MethodPut && req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			data, _ := io.ReadAll(body)
			r.puts[req.URL.Path] = data
		}
	}
	r.mu.Unlock()
	start := time.Now()
	resp, err := r.base.RoundTrip(req)
	r.mu.Lock()
	r.waits[m] += time.Since(start)
	r.mu.Unlock()
	return resp, err
}

// BenchmarkDAVvsBarePUT is issue 16's CalDAV target: a whole run (--send
// none) over 20 Radicale calendars of 50 objects each, read back after
// each write (the default) and not, beside Radicale's own rate for PUTs
// of the same rewritten objects with If-Match, from a bare net/http loop
// with as many requests in flight as the run's --caldav-requests (and
// --workers), each writing one calendar's objects in turn as a worker
// does, timed before and after the runs. Each measurement starts from
// the originals, the objects written put back first. One untimed run
// first counts the requests by method, sums their time to an answer, and
// keeps the bodies the bare loop then PUTs. Target: the run at 90% of
// the bare rate.
func BenchmarkDAVvsBarePUT(b *testing.B) {
	srv := davserver.Start(b, "radicale")
	d := newDAVBench(b, srv)
	bare := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	for _, conc := range []int{4} {
		b.Run(fmt.Sprintf("conc=%d", conc), func(b *testing.B) {
			d.reset(b, bare, nil)
			rec := &davRecorder{base: http.DefaultTransport, counts: map[string]int{}, waits: map[string]time.Duration{}, puts: map[string][]byte{}}
			sum, _ := d.run(b, conc, true, &http.Client{Transport: rec})
			var jobs []putJob
			for path, body := range rec.puts {
				jobs = append(jobs, putJob{href: d.srv.UserURL("alice") + strings.TrimPrefix(path, "/"), body: body})
			}
			perMeeting := func(m string) float64 { return float64(rec.counts[m]) / float64(sum.Updated) }
			b.Logf("%d objects, %d meetings rewritten, %d objects written; requests per meeting: PROPFIND %.2f, REPORT %.2f, multiget %.2f, GET %.2f, PUT %.2f, read-back multiget %.2f, read-back GET %.2f",
				davBenchCalendars*davBenchObjects, sum.Updated, len(jobs), perMeeting("PROPFIND"), perMeeting("REPORT"), perMeeting("REPORT(multiget read)"), perMeeting(http.MethodGet),
				perMeeting(http.MethodPut), perMeeting("REPORT(read-back)"), perMeeting("GET(read-back)"))
			b.Logf("summed time to an answer (%d in flight): PROPFIND %.1f s, REPORT %.1f s, multiget %.1f s, GET %.1f s, PUT %.1f s, read-back multiget %.1f s, read-back GET %.1f s", conc,
				rec.waits["PROPFIND"].Seconds(), rec.waits["REPORT"].Seconds(), rec.waits["REPORT(multiget read)"].Seconds(), rec.waits[http.MethodGet].Seconds(),
				rec.waits[http.MethodPut].Seconds(), rec.waits["REPORT(read-back)"].Seconds(), rec.waits["GET(read-back)"].Seconds())
			var on, off, bareT time.Duration
			var meetings, offMeetings, puts int
			barePuts := func() time.Duration {
				tags := d.reset(b, bare, rec.puts)
				for j := range jobs {
					u, _ := url.Parse(jobs[j].href)
					if jobs[j].etag = tags[u.Path]; jobs[j].etag == "" {
						b.Fatalf("no entity tag for %s", u.Path)
					}
				}
				start := time.Now()
				if err := putByCollection(bare, srv.URL, jobs, conc); err != nil {
					b.Fatal(err)
				}
				puts += len(jobs)
				return time.Since(start)
			}
			for i := 0; i < b.N; i++ {
				// the bare loop before and after the runs: a server (or
				// machine) that speeds up or slows down meanwhile counts
				// for both sides alike
				bareT += barePuts()
				d.reset(b, bare, rec.puts)
				s, t := d.run(b, conc, true, nil)
				on += t
				meetings += s.Updated
				d.reset(b, bare, rec.puts)
				s, t = d.run(b, conc, false, nil)
				off += t
				offMeetings += s.Updated
				bareT += barePuts()
			}
			bareRate := float64(puts) / bareT.Seconds()
			onRate, offRate := float64(meetings)/on.Seconds(), float64(offMeetings)/off.Seconds()
			b.ReportMetric(bareRate, "bare-PUT/s")
			b.ReportMetric(onRate, "run-readback-on-meetings/s")
			b.ReportMetric(offRate, "run-readback-off-meetings/s")
			b.ReportMetric(100*onRate/bareRate, "%bare-readback-on")
			b.ReportMetric(100*offRate/bareRate, "%bare-readback-off")
			b.Logf("bare PUT %.1f/s; run %.1f meetings/s read back (%.0f%% of bare), %.1f not (%.0f%%); target 90%%",
				bareRate, onRate, 100*onRate/bareRate, offRate, 100*offRate/bareRate)
		})
	}
}
