package migrate

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mms-project/mms/batch/caldav"
	"github.com/mms-project/mms/batch/smtp"
	"github.com/mms-project/mms/batch/store"
)

// Config is what the Worker of one batch is built from: the batch's
// settings and the process's limits.
type Config struct {
	BatchID    string    // for messages
	Now, Stamp time.Time // see Worker
	DryRun     bool
	SendAgain  bool   // --again: send even the updates earlier batches sent
	Out        string // the output directory: DIR/calendars, DIR/outbox
	Send       string // outbox ("" too), none, server or smtp://host:port
	// Store keeps the journal of a real run; nil journals nothing.
	Store *store.Store

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
	// Connections is how the relay and CalDAV servers are trusted, and
	// whether CalDAV writes are read back.
	Connections Connections
	// Deciders bounds the users decided at once (see Worker.Deciders);
	// zero: no bound. Deciding, when set, holds them for every batch of
	// the process (mms work takes users of several); nil: the batch's own.
	Deciders int
	Deciding *Slots
}

// Connections is how a process trusts the servers it reaches and checks
// what it wrote: the --smtp-ca, --smtp-tls-name, --smtp-tls, --caldav-ca,
// --caldav-tls and --caldav-readback flags. It is the process's, not the
// batch's: another machine running `mms work` may keep its CA elsewhere.
type Connections struct {
	SMTPCA      string       // PEM bundle trusted for the relay, besides the system roots
	SMTPTLSName string       // the name the relay's certificate must carry ("" the host of --send)
	SMTPTLS     smtp.TLSMode // "" or smtp.TLSVerify; smtp.TLSSkipVerify for test relays only
	CalDAVCA    string       // PEM bundle trusted for CalDAV servers, besides the system roots
	// CalDAVSkipVerify accepts any certificate from CalDAV servers: for
	// test servers only.
	CalDAVSkipVerify bool
	// NoReadBack turns off reading each CalDAV object back after a user's
	// writes (one calendar-multiget per collection: DAVCalendars.Check,
	// caldav.(*Client).ReadBackAll), which catches a server that
	// acknowledges a write and stores something else.
	NoReadBack bool
}

// Notes are the loud notices a run with these settings owes its output
// and its report's heading: certificate checks that are off.
func (c Connections) Notes() []string {
	var notes []string
	if c.SMTPTLS == smtp.TLSSkipVerify {
		notes = append(notes, "WARNING: --smtp-tls skip-verify: the mail relay's certificate is NOT checked; anyone on the path can read and change the updates (for test relays only)")
	}
	if c.CalDAVSkipVerify {
		notes = append(notes, "WARNING: --caldav-tls skip-verify: CalDAV servers' certificates are NOT checked; anyone on the path can read and change the calendars (for test servers only)")
	}
	if c.NoReadBack {
		notes = append(notes, "--caldav-readback=false: CalDAV objects were not read back after each write")
	}
	return notes
}

func (c Config) getenv() func(string) string {
	if c.Getenv == nil {
		return os.Getenv
	}
	return c.Getenv
}

// New makes the worker of one batch: calendars read from files or
// CalDAV, written under the output directory or back in place, updates
// sent as the batch says; recorders in place of every write for a dry run.
// Close frees what it holds.
func New(c Config) (*Worker, error) {
	w := &Worker{Now: c.Now, Stamp: c.Stamp, DryRun: c.DryRun, SendAgain: c.SendAgain, Deciders: c.Deciders, deciding: c.Deciding}
	cals := Router{Files: FileCalendars{Dir: filepath.Join(c.Out, "calendars")}, DAV: newDAV(c)}
	if c.Store != nil && !c.SendAgain {
		w.History = &Journal{Store: c.Store, BatchID: c.BatchID}
	}
	if c.DryRun {
		rec := &Recorder{}
		w.Calendars, w.Mailer = DryRun{Calendars: cals, Recorder: rec}, rec
		return w, nil
	}
	if c.Out == "" {
		return nil, fmt.Errorf("batch %s has no output directory; start it again with --out DIR", c.BatchID)
	}
	if c.Store != nil {
		w.Journal = &Journal{Store: c.Store, BatchID: c.BatchID, Spill: SpillName(c.Out, c.BatchID)}
		w.Journal.LoadSpill()
	}
	w.Calendars = cals
	m, closeMailer, err := NewMailer(c)
	if err != nil {
		return nil, err
	}
	w.Mailer, w.close = m, closeMailer
	return w, nil
}

// Close frees what the worker holds (SMTP sessions), and the journal's
// spill file once nothing in it is left unrecorded.
func (w *Worker) Close() {
	if w.close != nil {
		w.close()
	}
	w.Journal.CloseSpill()
}

// newDAV is the CalDAV side of a batch: one client, so that the limit of
// requests per server holds across its workers. Credentials that cannot be
// read fail the CalDAV users only.
func newDAV(c Config) Calendars {
	creds, err := caldav.LoadCredentials(c.getenv())
	if err != nil {
		return unavailable{err}
	}
	cl, err := caldav.New(caldav.Options{Credentials: creds, RequestsPerServer: c.CalDAVRequests, HTTP: c.CalDAVHTTP,
		CAFile: c.Connections.CalDAVCA, TLSSkipVerify: c.Connections.CalDAVSkipVerify})
	if err != nil {
		return unavailable{err}
	}
	return DAVCalendars{Client: cl, From: c.Now, ClientScheduling: c.Send != "server", NoReadBack: c.Connections.NoReadBack}
}

// unavailable is a Calendars that cannot work; each user it would serve
// fails with why.
type unavailable struct{ err error }

func (u unavailable) Read(context.Context, string) ([]*Doc, error) { return nil, Permanent(u.err) }
func (u unavailable) Write(context.Context, *Doc) error            { return Permanent(u.err) }
func (u unavailable) Reread(context.Context, *Doc) (*Doc, error)   { return nil, Permanent(u.err) }

// NewMailer is the delivery of c.Send, and what frees it (nil: nothing).
func NewMailer(c Config) (Mailer, func(), error) {
	switch {
	case c.Send == "outbox" || c.Send == "":
		return Outbox{Dir: filepath.Join(c.Out, "outbox")}, nil, nil
	case c.Send == "none":
		return &Recorder{}, nil, nil
	case c.Send == "server":
		return ServerScheduling{}, nil, nil
	case strings.HasPrefix(c.Send, "smtp://"):
		m, closeMailer, err := newSMTP(c)
		if err != nil {
			return nil, nil, err
		}
		return m, closeMailer, nil
	}
	return nil, nil, fmt.Errorf("--send %s: use outbox, none, server or smtp://host:port", c.Send)
}

func newSMTP(c Config) (SMTPMailer, func(), error) {
	addr, err := smtp.ParseURL(c.Send)
	if err != nil {
		return SMTPMailer{}, nil, err
	}
	user, password, err := smtp.CredentialsFromEnv(c.getenv())
	if err != nil {
		return SMTPMailer{}, nil, fmt.Errorf("--send %s: %w", c.Send, err)
	}
	s, err := smtp.New(smtp.Options{Addr: addr, User: user, Password: password, Sessions: c.SMTPSessions,
		CAFile: c.Connections.SMTPCA, TLSName: c.Connections.SMTPTLSName, TLS: c.Connections.SMTPTLS})
	if err != nil {
		return SMTPMailer{}, nil, fmt.Errorf("--send %s: %w", c.Send, err)
	}
	return SMTPMailer{Sender: s, URL: c.Send}, func() { s.Close() }, nil
}

// CheckRelay connects to the mail relay of an smtp:// --send and leaves
// without sending: a relay that cannot be reached, or that refuses the
// credentials or fails TLS, is known before any calendar is written.
// Other --send modes have no relay to check.
func CheckRelay(ctx context.Context, c Config) error {
	if !strings.HasPrefix(c.Send, "smtp://") {
		return nil
	}
	m, closeMailer, err := newSMTP(c)
	if err != nil {
		return err
	}
	defer closeMailer()
	return m.Check(ctx)
}

// IsCalDAV says whether a users-file calendar is a CalDAV URL rather than
// a file.
func IsCalDAV(location string) bool {
	return strings.HasPrefix(location, "http://") || strings.HasPrefix(location, "https://")
}
