package caldav

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// A server says it schedules by calendar-auto-schedule among its DAV
// classes; it is asked once; one that refuses OPTIONS does not schedule;
// one that fails is an error.
func TestAutoSchedules(t *testing.T) {
	for _, c := range []struct {
		name    string
		status  int
		dav     string
		want    bool
		wantErr bool
	}{
		{"scheduling server", 200, "1, 2, 3, calendar-access, calendar-auto-schedule", true, false},
		{"in a second header", 200, "", true, false},
		{"plain CalDAV", 200, "1, 2, 3, calendar-access", false, false},
		{"method not allowed", 405, "", false, false},
		{"busy", 503, "", false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var asked atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodOptions {
					t.Errorf("%s %s", r.Method, r.URL)
				}
				asked.Add(1)
				if c.dav != "" {
					w.Header().Set("DAV", c.dav)
				} else if c.want {
					w.Header().Add("DAV", "1, 2")
					w.Header().Add("DAV", "calendar-access, Calendar-Auto-Schedule")
				}
				w.WriteHeader(c.status)
			}))
			defer srv.Close()
			cl, err := New(Options{Retries: -1})
			if err != nil {
				t.Fatal(err)
			}
			for _, coll := range []string{srv.URL + "/cal/anna/", srv.URL + "/cal/bo/"} {
				got, err := cl.AutoSchedules(context.Background(), coll)
				if got != c.want || (err != nil) != c.wantErr {
					t.Errorf("%s: %v, %v; want %v (error %v)", coll, got, err, c.want, c.wantErr)
				}
			}
			if want := int32(1); !c.wantErr && asked.Load() != want {
				t.Errorf("asked %d times, want once per server", asked.Load())
			}
		})
	}
}
