package smtp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults for the zero values of Options.
const (
	DefaultSessions = 4
	DefaultRetries  = 3
	DefaultTimeout  = time.Minute
	// DefaultCheckTimeout bounds each wait of the pre-run check (Check):
	// a relay that does not greet or answer EHLO within it is unusable.
	DefaultCheckTimeout = 30 * time.Second
	DefaultHello        = "localhost"
	firstBackoff        = time.Second
	maxBackoff          = time.Minute
)

// Options configure a Sender. Credentials come from the environment
// (CredentialsFromEnv), never from flags.
type Options struct {
	Addr           string // host:port of the relay
	User, Password string // AUTH PLAIN when User is set

	// Sessions bounds the SMTP sessions open at once (a relay allows few);
	// 0 means DefaultSessions.
	Sessions int
	// TLSConfig is used for STARTTLS; nil verifies the server's
	// certificate against the host name of Addr with the system roots.
	// CAFile, TLSName and TLS apply on top of it.
	TLSConfig *tls.Config
	// CAFile names a PEM bundle of CA certificates trusted for the relay
	// in addition to the system roots (--smtp-ca, MMS_SMTP_CA).
	CAFile string
	// TLSName is the name the relay's certificate must carry, when the
	// relay is reached by address or by another name (--smtp-tls-name);
	// "" means the host of Addr.
	TLSName string
	// TLS is how the certificate is checked (--smtp-tls); "" means
	// TLSVerify. TLSSkipVerify is for test relays only.
	TLS     TLSMode
	Hello   string        // EHLO name; "" means DefaultHello
	Timeout time.Duration // for the dial and each command; 0 means DefaultTimeout
	// CheckTimeout is Timeout for Check, the pre-run check; 0 means
	// DefaultCheckTimeout, at most Timeout.
	CheckTimeout time.Duration

	// Retries is how many more attempts a temporarily failed message gets
	// (4xx, 421, dropped connection, timeout); 0 means DefaultRetries,
	// negative means none. Waits double from one second, at most a minute.
	Retries int
	// Sleep waits between attempts; nil waits on a timer and gives up when
	// the context of Send is done. Tests pass a recorder.
	Sleep func(time.Duration)
	// OnRetry, when set, is told of each temporary failure before the wait
	// that precedes the next attempt (for progress events and RetryCount).
	OnRetry func(err error, wait time.Duration)
	// StopGrace is how long a transaction whose message is already going
	// to the relay (DATA sent) may still take when the context of Send is
	// done: cut then, the relay may keep the message while mms counts it
	// unsent and sends it again on resume. 0 means DefaultStopGrace, at
	// most Timeout.
	StopGrace time.Duration
}

// DefaultStopGrace bounds the wait for a relay's answer to a message
// already sent when a run is stopped (Options.StopGrace).
const DefaultStopGrace = 10 * time.Second

// CredentialsFromEnv reads MMS_SMTP_USER and MMS_SMTP_PASSWORD through
// getenv (os.Getenv in the command). Both or neither must be set.
func CredentialsFromEnv(getenv func(string) string) (user, password string, err error) {
	user, password = getenv("MMS_SMTP_USER"), getenv("MMS_SMTP_PASSWORD")
	if (user == "") != (password == "") {
		return "", "", errors.New("set both MMS_SMTP_USER and MMS_SMTP_PASSWORD, or neither to send without AUTH")
	}
	return user, password, nil
}

// ParseURL turns the value of `--send smtp://host:port` into an address
// for Options.Addr; the port defaults to 25.
func ParseURL(raw string) (addr string, err error) {
	u, err := url.Parse(raw)
	if err == nil && strings.EqualFold(u.Scheme, "smtps") {
		return "", fmt.Errorf("--send %q: a relay's implicit TLS (smtps://, port 465) is not spoken; give its submission port, smtp://%s, where mms uses STARTTLS", u.Redacted(), net.JoinHostPort(u.Hostname(), "587"))
	}
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" || u.Opaque != "" {
		return "", fmt.Errorf("--send %q: want smtp://host:port, e.g. smtp://relay.example.com:587", raw)
	}
	if u.User != nil {
		return "", fmt.Errorf("--send %q: credentials do not belong in the URL; set MMS_SMTP_USER and MMS_SMTP_PASSWORD", u.Redacted())
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("--send %q: want only smtp://host:port, without path or query", raw)
	}
	port := u.Port()
	if port == "" {
		port = "25"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("--send %q: port %s is not a port number (1 to 65535); want smtp://host:port, e.g. smtp://relay.example.com:587", raw, port)
	}
	return net.JoinHostPort(u.Hostname(), port), nil
}

// Validate checks the options before anything is dialled.
func (o Options) Validate() error {
	host, port, err := net.SplitHostPort(o.Addr)
	if err != nil || host == "" || port == "" {
		return fmt.Errorf("smtp address %q: want host:port, e.g. relay.example.com:587", o.Addr)
	}
	if o.Sessions < 0 {
		return fmt.Errorf("smtp sessions %d: want at least 1 (0 means %d)", o.Sessions, DefaultSessions)
	}
	if strings.ContainsAny(o.Hello, " \t\r\n") {
		return fmt.Errorf("smtp hello name %q: want one word, e.g. mms.example.com", o.Hello)
	}
	if o.Timeout < 0 {
		return fmt.Errorf("smtp timeout %v: want a positive duration (0 means %v)", o.Timeout, DefaultTimeout)
	}
	if (o.User == "") != (o.Password == "") {
		return errors.New("smtp credentials: set both MMS_SMTP_USER and MMS_SMTP_PASSWORD, or neither")
	}
	return o.validateTLS()
}

// withDefaults fills the zero values.
func (o Options) withDefaults() Options {
	if o.Sessions == 0 {
		o.Sessions = DefaultSessions
	}
	if o.Retries == 0 {
		o.Retries = DefaultRetries
	}
	if o.Retries < 0 {
		o.Retries = 0
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.CheckTimeout <= 0 {
		o.CheckTimeout = DefaultCheckTimeout
	}
	o.CheckTimeout = min(o.CheckTimeout, o.Timeout)
	if o.StopGrace <= 0 {
		o.StopGrace = min(DefaultStopGrace, o.Timeout)
	}
	if o.Hello == "" {
		o.Hello = DefaultHello
	}
	return o
}

// tlsConfig is a copy of c (or a new config) that verifies the host of addr.
func tlsConfig(c *tls.Config, addr string) *tls.Config {
	if c == nil {
		c = &tls.Config{MinVersion: tls.VersionTLS12}
	} else {
		c = c.Clone()
	}
	if c.ServerName == "" {
		c.ServerName, _, _ = net.SplitHostPort(addr)
	}
	return c
}

// backoff is the wait before attempt n+1 (n counts from 0).
func backoff(n int) time.Duration {
	d := firstBackoff << n
	if d > maxBackoff || d <= 0 {
		return maxBackoff
	}
	return d
}
