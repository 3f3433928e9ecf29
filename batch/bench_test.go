package batch

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/migrate"
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
