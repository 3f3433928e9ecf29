package batch

import (
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"time"
)

// RunOptions is one `mms run`.
type RunOptions struct {
	Users   string    // users file (CSV or XLSX)
	Changes string    // changes file (CSV or XLSX)
	Out     string    // output directory
	Report  string    // report file (.xlsx or .csv)
	Now     time.Time // zero: the current time
	DryRun  bool
	Send    string // "outbox" (default), "none", "smtp://host:port", "server"
	Workers int    // zero: number of CPUs
	DB      string // SQLite file or postgres:// URL
	// Lease is how long a worker process on another host may go silent
	// before the users it was migrating are taken again (a process on this
	// host that is gone is noticed at once); zero: 30 s.
	Lease time.Duration
	// RetryDelay is the wait after failed attempt n; nil: 2^n s, at most
	// 5 min (store.DefaultRetryDelay).
	RetryDelay func(attempt int) time.Duration
	Events     func(Event)
	Clock      func() time.Time // the run's time when Now is zero; time.Now when nil
}

// Validate checks the options before anything is opened, and fills defaults.
func (o *RunOptions) Validate() error {
	var problems []string
	need := func(v, flag, hint string) {
		if strings.TrimSpace(v) == "" {
			problems = append(problems, fmt.Sprintf("--%s is required (%s)", flag, hint))
		}
	}
	need(o.Users, "users", "the users file, CSV or XLSX")
	need(o.Changes, "changes", "the changes file, CSV or XLSX")
	need(o.Report, "report", "where to write the report, FILE.xlsx or FILE.csv")
	if !o.DryRun {
		need(o.Out, "out", "the directory for rewritten calendars and the outbox")
	}
	if r := strings.ToLower(o.Report); o.Report != "" && !strings.HasSuffix(r, ".xlsx") && !strings.HasSuffix(r, ".csv") {
		problems = append(problems, fmt.Sprintf("--report %s: use a name ending in .xlsx or .csv", o.Report))
	}
	if err := o.validateSend(); err != nil {
		problems = append(problems, err.Error())
	}
	if o.Lease < 0 {
		problems = append(problems, fmt.Sprintf("--rescue-after %s: use a positive duration such as 30s", o.Lease))
	}
	if o.Workers < 0 {
		problems = append(problems, fmt.Sprintf("--workers %d: use a positive number (default: %d, the number of CPUs)", o.Workers, runtime.NumCPU()))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	o.defaults()
	return nil
}

func (o *RunOptions) validateSend() error {
	switch {
	case o.Send == "" || o.Send == "outbox" || o.Send == "none" || o.Send == "server":
		return nil
	case strings.HasPrefix(o.Send, "smtp://"):
		u, err := url.Parse(o.Send)
		if err != nil || u.Host == "" || u.Port() == "" {
			return fmt.Errorf("--send %s: write smtp://host:port", o.Send)
		}
		return nil
	}
	return fmt.Errorf("--send %s: use outbox, none, server or smtp://host:port", o.Send)
}

func (o *RunOptions) defaults() {
	if o.Send == "" {
		o.Send = "outbox"
	}
	if o.Workers == 0 {
		o.Workers = runtime.NumCPU()
	}
	if o.DB == "" {
		o.DB = "mms.db"
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Events == nil {
		o.Events = func(Event) {}
	}
}

// Tuning is how a process works a queue, whatever the batch.
type Tuning struct {
	Workers    int                             // users migrated at once; zero: number of CPUs
	Lease      time.Duration                   // see RunOptions.Lease
	RetryDelay func(attempt int) time.Duration // nil: store.DefaultRetryDelay
	Events     func(Event)
}

func (o RunOptions) tuning() Tuning {
	return Tuning{Workers: o.Workers, Lease: o.Lease, RetryDelay: o.RetryDelay, Events: o.Events}
}

func (t Tuning) withDefaults() Tuning {
	if t.Workers <= 0 {
		t.Workers = runtime.NumCPU()
	}
	if t.Events == nil {
		t.Events = func(Event) {}
	}
	return t
}
