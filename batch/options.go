package batch

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/mms-project/mms/batch/caldav"
	"github.com/mms-project/mms/batch/input"
	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/smtp"
)

// RunOptions is one `mms run`.
type RunOptions struct {
	Users    string    // users file (CSV or XLSX)
	Changes  string    // changes file (CSV or XLSX)
	Meetings string    // meetings file (CSV or XLSX): online meetings of their own; "" none
	Out      string    // output directory
	Report   string    // report file (.xlsx, .csv or .html)
	Now      time.Time // zero: the current time
	DryRun   bool
	Send     string // "outbox" (default), "none", "smtp://host:port", "server"
	DB       string // SQLite file or postgres:// URL
	// Again makes a new batch even when one of the same inputs and options
	// finished; without it, that batch's failed users are tried again and
	// nothing else is redone.
	Again bool
	Clock func() time.Time // the run's time when Now is zero; time.Now when nil

	// Only are the users of a pilot (run --user, any case, primary address
	// or alias): a batch of just them from the files; none: every user.
	Only []string
	// Tuning: how this process works the queue (workers, lease, retries,
	// limits, credentials, progress and the memory-phase hook).
	Tuning
}

// WithDefaults is o with every unset option given its default; Validate
// checks the result.
func (o RunOptions) WithDefaults() RunOptions {
	if o.Send == "" {
		o.Send = "outbox"
	}
	if o.Workers == 0 {
		o.Workers = DefaultWorkers()
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
	return o
}

// Validate checks the options before anything is opened; it changes
// nothing. Run applies WithDefaults first, then Validate, once.
func (o RunOptions) Validate() error {
	var problems []string
	need := func(v, flag, hint string) {
		if strings.TrimSpace(v) == "" {
			problems = append(problems, fmt.Sprintf("--%s is required (%s)", flag, hint))
		}
	}
	need(o.Users, "users", "the users file, CSV or XLSX")
	if strings.TrimSpace(o.Users) == "" && len(o.Only) > 0 {
		problems = append(problems, "  (--user names pilot users of the users file; did you mean --users?)")
	}
	need(o.Changes, "changes", "the changes file, CSV or XLSX")
	need(o.Report, "report", "where to write the report, FILE.xlsx, FILE.csv or FILE.html")
	if !o.DryRun {
		need(o.Out, "out", "the directory for rewritten calendars and the outbox")
	}
	if err := validateReport(o.Report); err != nil {
		problems = append(problems, err.Error())
	}
	if err := validateSend(o.Send); err != nil {
		problems = append(problems, err.Error())
	}
	if o.Lease < 0 {
		problems = append(problems, fmt.Sprintf("--rescue-after %s: use a positive duration such as 30s", o.Lease))
	}
	problems = append(problems, o.tuning().validate()...)
	if o.Workers < 0 {
		problems = append(problems, fmt.Sprintf("--workers %d: use 1 to 256 users migrated at once, or 0 or nothing for the default (%d, one more than the CPUs)", o.Workers, DefaultWorkers()))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

// validateSend is the one check of a --send value ("" takes the default
// or the batch's).
func validateSend(send string) error {
	switch {
	case send == "" || send == "outbox" || send == "none" || send == "server":
		return nil
	case strings.Contains(send, "://"):
		u, err := url.Parse(send)
		if err != nil {
			return fmt.Errorf("--send: write smtp://host:port, e.g. smtp://relay.example.com:587 (the value given is not a URL)")
		}
		if scheme := strings.ToLower(u.Scheme); scheme != "smtp" && scheme != "smtps" {
			return fmt.Errorf("--send %s: use outbox, none, server or smtp://host:port", u.Redacted())
		}
		if _, err := smtp.ParseURL(send); err != nil { // says what is wrong, the password hidden
			return err
		}
		if u.Port() == "" {
			return fmt.Errorf("--send %s: write smtp://host:port, e.g. smtp://relay.example.com:587", u.Redacted())
		}
		return nil
	}
	return fmt.Errorf("--send %s: use outbox, none, server or smtp://host:port", send)
}

// checkUsers refuses --send server when a user's calendar is a file: only
// a CalDAV server can schedule the update; a file user would get none.
// CalDAV credentials that cannot be read are refused too.
func (o *RunOptions) checkUsers(users []input.User) error {
	if slices.ContainsFunc(users, func(u input.User) bool { return migrate.IsCalDAV(u.Calendar) }) {
		if _, err := caldav.LoadCredentials(o.tuning().withDefaults().Getenv); err != nil {
			return fmt.Errorf("the users file lists CalDAV calendars, but their credentials cannot be read: %w", err)
		}
	}
	if o.Send != "server" {
		return nil
	}
	var files []string
	for _, u := range users {
		if !migrate.IsCalDAV(u.Calendar) && len(u.CalendarErrs) == 0 { // a calendar in error fails its user, if triggered, anyway
			files = append(files, u.Email)
		}
	}
	switch {
	case len(files) == 0:
		return nil
	case len(files) > 3:
		files = append(files[:3], fmt.Sprintf("and %d more", len(files)-3))
	}
	return fmt.Errorf("--send server leaves delivery to the CalDAV server's scheduling, but the calendars of %s are files, whose attendees would get no update; "+
		"use --send outbox or --send smtp://host:port, or run the CalDAV users (calendar http:// or https://) in a batch of their own", strings.Join(files, ", "))
}

// Tuning is how a process works a queue, whatever the batch.
type Tuning struct {
	Workers int // users migrated at once; zero: DefaultWorkers
	// Lease is how long a worker process on another host may go silent
	// before the users it was migrating are taken again (a process on this
	// host that is gone is noticed at once); zero: 30 s.
	Lease time.Duration
	// RetryDelay is the wait after failed attempt n; nil: 2^n s, at most
	// 5 min (store.DefaultRetryDelay).
	RetryDelay func(attempt int) time.Duration
	Events     func(Event) // progress, called from the workers at once (it must be safe for that); nil: none

	// CalDAVRequests bounds the requests in flight to one CalDAV server,
	// across the workers of a batch; zero: caldav's default (4).
	CalDAVRequests int
	// SMTPSessions bounds the sessions open at once to the mail relay of
	// --send smtp://; zero: smtp.DefaultSessions.
	SMTPSessions int
	// CalDAVHTTP is the HTTP client under the CalDAV transport (nil: its
	// own, TLS verified); tests wrap its Transport.
	CalDAVHTTP *http.Client
	// Getenv reads the credentials (MMS_CALDAV_USER/PASSWORD, NETRC, HOME,
	// MMS_SMTP_USER/PASSWORD); nil: os.Getenv.
	Getenv func(string) string
	// Connections: the trust of the relay and the CalDAV servers (the
	// --smtp-ca, --smtp-tls-name, --smtp-tls, --caldav-ca, --caldav-tls
	// flags) and CalDAV read-back; its Notes belong in the report's heading.
	Connections migrate.Connections
	// Phase, when set, is called as a phase of the run begins; the func it
	// returns is called as the phase ends. The command sets the process's
	// memory policy there (the library never does).
	Phase func(Phase) (end func())
}

// Phase is a part of a run with a use of memory of its own (see
// Tuning.Phase).
type Phase int

const (
	// PhaseWork: users are migrated; much garbage, little kept.
	PhaseWork Phase = iota + 1
	// PhaseReport: the report is written from the store; large buffers.
	PhaseReport
)

// enter begins phase p and returns what ends it.
func (t Tuning) enter(p Phase) func() {
	if t.Phase == nil {
		return func() {}
	}
	if end := t.Phase(p); end != nil {
		return end
	}
	return func() {}
}

func (o RunOptions) tuning() Tuning { return o.Tuning }

func (t Tuning) withDefaults() Tuning {
	if t.Workers == 0 {
		t.Workers = DefaultWorkers()
	}
	if t.Events == nil {
		t.Events = func(Event) {}
	}
	if t.Getenv == nil {
		t.Getenv = os.Getenv
	}
	return t
}

// Upper limits of a Tuning: more gains nothing and costs memory, file
// handles or the servers' patience.
const (
	MaxWorkers        = 256 // --workers
	MaxCalDAVRequests = 64  // --caldav-requests
	MaxSMTPSessions   = 64  // --smtp-sessions
)

// validate checks the limits of a Tuning, with the flags that set them.
func (t Tuning) validate() []string {
	var problems []string
	if t.CalDAVRequests < 0 || t.CalDAVRequests > MaxCalDAVRequests {
		problems = append(problems, fmt.Sprintf("--caldav-requests %d: use 1 or more requests in flight per CalDAV server (0 or nothing: the default, 4), at most %d", t.CalDAVRequests, MaxCalDAVRequests))
	}
	if t.SMTPSessions < 0 || t.SMTPSessions > MaxSMTPSessions {
		problems = append(problems, fmt.Sprintf("--smtp-sessions %d: use 1 or more sessions with the mail relay (0 or nothing: the default, %d), at most %d", t.SMTPSessions, smtp.DefaultSessions, MaxSMTPSessions))
	}
	if t.Workers > MaxWorkers {
		problems = append(problems, fmt.Sprintf("--workers %d: use 1 to %d users migrated at once, or 0 or nothing for the default (%d, one more than the CPUs)", t.Workers, MaxWorkers, DefaultWorkers()))
	}
	return problems
}

// check checks the tuning of `mms work`, once its defaults are applied.
func (t Tuning) check() error {
	problems := t.validate()
	if t.Workers < 0 {
		problems = append(problems, fmt.Sprintf("--workers %d: use 1 to 256 users migrated at once, or 0 or nothing for the default (%d, one more than the CPUs)", t.Workers, DefaultWorkers()))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

// DefaultWorkers is --workers left out: one user more than the CPUs. A
// worker waits now and then (for the state store, which one writer holds
// at a time, and for the disk), and with one per CPU a core idled then:
// at 2,000 organisers one more worker took 8% less time (README, Speed).
func DefaultWorkers() int { return min(runtime.NumCPU()+1, MaxWorkers) }
