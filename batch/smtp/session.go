package smtp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// session is one open SMTP connection, greeted and authenticated.
type session struct {
	c    *gosmtp.Client
	raw  net.Conn // the TCP connection under any TLS, closed to abort
	wire *wire    // raw as read and written, under any TLS
	// committing is set once a transaction's DATA is under way: from
	// then on the relay may take the message, so a stop waits for its
	// answer (Options.StopGrace) instead of cutting it.
	committing atomic.Bool
}

func (s *session) kill() { s.raw.Close() }

func (s *session) quit() {
	if s.c.Quit() != nil {
		s.c.Close()
	}
}

// dial opens a session: greeting, EHLO, STARTTLS when offered, AUTH PLAIN
// when credentials are set. smtp.SendMail is not used: it insists on TLS.
func dial(ctx context.Context, o Options) (*session, error) {
	d := net.Dialer{Timeout: o.Timeout}
	raw, err := d.DialContext(ctx, "tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtp %s: dial: %w", o.Addr, err)
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	s, err := open(&wire{Conn: raw}, raw, o)
	if err != nil {
		raw.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("smtp %s: %w", o.Addr, ctx.Err())
		}
		return nil, err
	}
	return s, nil
}

// open runs a session on w, the connection raw with the bound on replies.
func open(w *wire, raw net.Conn, o Options) (*session, error) {
	conn, encrypted, err := starttls(w, o)
	if err != nil {
		return nil, err
	}
	c := gosmtp.NewClient(conn)
	c.CommandTimeout, c.SubmissionTimeout = o.Timeout, 2*o.Timeout
	if err := c.Hello(o.Hello); err != nil {
		return nil, fmt.Errorf("smtp %s: EHLO: %w", o.Addr, silent(err, "did not answer EHLO", o.Timeout))
	}
	s := &session{c: c, raw: raw, wire: w}
	if o.User == "" {
		return s, nil
	}
	if err := authenticate(c, o, encrypted, raw.RemoteAddr()); err != nil {
		return nil, err
	}
	return s, nil
}

// starttls reads the greeting and says EHLO itself so that it can see
// whether STARTTLS is offered (go-smtp exports no StartTLS on a greeted
// client), upgrades when it is, and hands go-smtp a connection that
// replays the greeting so that its client starts as on a new connection.
func starttls(raw net.Conn, o Options) (net.Conn, bool, error) {
	raw.SetDeadline(time.Now().Add(o.Timeout))
	defer raw.SetDeadline(time.Time{})
	br := bufio.NewReader(raw)
	tp := textproto.NewReader(br)
	_, greeting, err := tp.ReadResponse(220)
	if err != nil {
		return nil, false, fmt.Errorf("smtp %s: greeting: %w", o.Addr, silent(protoErr(err), "accepted the connection but sent no greeting", o.Timeout))
	}
	replay := "220 " + strings.ReplaceAll(greeting, "\n", " ") + "\r\n"
	if _, err := fmt.Fprintf(raw, "EHLO %s\r\n", o.Hello); err != nil {
		return nil, false, fmt.Errorf("smtp %s: EHLO: %w", o.Addr, err)
	}
	_, ext, err := tp.ReadResponse(250)
	if errors.Is(err, ErrUnusable) || timeout(err) {
		return nil, false, fmt.Errorf("smtp %s: EHLO: %w", o.Addr, silent(err, "did not answer EHLO", o.Timeout))
	}
	if err != nil {
		// No EHLO: go-smtp says it again, then falls back to HELO.
		return &replayConn{Conn: raw, r: io.MultiReader(strings.NewReader(replay), br)}, false, nil
	}
	if !offers(ext, "STARTTLS") {
		// Plain: go-smtp reads the greeting and this EHLO's answer again, and
		// its own EHLO goes nowhere, so that the relay hears one: some refuse
		// a second (Python's smtpd: "503 Duplicate HELO/EHLO").
		replay += ehloReply(ext)
		return &replayConn{Conn: raw, r: io.MultiReader(strings.NewReader(replay), br), swallow: "EHLO "}, false, nil
	}
	if _, err := fmt.Fprintf(raw, "STARTTLS\r\n"); err != nil {
		return nil, false, fmt.Errorf("smtp %s: STARTTLS: %w", o.Addr, err)
	}
	if _, _, err := tp.ReadResponse(220); err != nil {
		return nil, false, fmt.Errorf("smtp %s: STARTTLS: %w", o.Addr, silent(protoErr(err), "did not answer STARTTLS", o.Timeout))
	}
	if br.Buffered() > 0 {
		return nil, false, fmt.Errorf("smtp %s: STARTTLS: the server sent data before the TLS handshake", o.Addr)
	}
	tc := tls.Client(raw, o.TLSConfig)
	if err := tc.Handshake(); err != nil {
		return nil, false, fmt.Errorf("smtp %s: STARTTLS: %w", o.Addr, handshakeError(err))
	}
	return &replayConn{Conn: tc, r: io.MultiReader(strings.NewReader(replay), tc)}, true, nil
}

// handshakeError is a failed TLS handshake with advice for its cause: a
// certificate mms cannot check, or a relay that broke off the handshake.
func handshakeError(err error) error {
	if tlsFailure(err) {
		return fmt.Errorf("%w: %w (%s)", ErrTLS, err, trustHint)
	}
	return fmt.Errorf("%w: the relay broke off the TLS handshake: %w (its TLS setup is broken or does not accept mms's TLS 1.2 or later; see the relay's log)", ErrTLS, err)
}

// offers reports whether an EHLO answer lists the extension.
func offers(ehlo, ext string) bool {
	for _, line := range strings.Split(ehlo, "\n")[1:] {
		if f := strings.Fields(line); len(f) > 0 && strings.EqualFold(f[0], ext) {
			return true
		}
	}
	return false
}

// authenticate sends AUTH PLAIN, never a password in clear text to a
// server that is not on this machine.
func authenticate(c *gosmtp.Client, o Options, encrypted bool, remote net.Addr) error {
	if o.TLS == TLSSkipVerify && !loopback(remote) {
		return fmt.Errorf("smtp %s: %w: --smtp-tls %s, and the password is not sent to %s, whose certificate was not checked; %s", o.Addr, ErrAuth, TLSSkipVerify, remote, verifyHint)
	}
	if !encrypted && !loopback(remote) {
		return fmt.Errorf("smtp %s: %w: the server offers no STARTTLS, and the password is not sent unencrypted to %s; use a relay with STARTTLS (or one on this machine)", o.Addr, ErrAuth, remote)
	}
	if !c.SupportsAuth(sasl.Plain) {
		_, mechs := c.Extension("AUTH")
		return fmt.Errorf("smtp %s: %w: the server offers no AUTH PLAIN (AUTH %q); unset MMS_SMTP_USER to send without AUTH", o.Addr, ErrAuth, mechs)
	}
	err := c.Auth(sasl.NewPlainClient("", o.User, o.Password))
	if err == nil {
		return nil
	}
	if code, _ := reply(err); code/100 == 4 || (code == 0 && temporary(err)) {
		return fmt.Errorf("smtp %s: AUTH: %w", o.Addr, err)
	}
	return fmt.Errorf("smtp %s: %w as %q: %w; check MMS_SMTP_USER and MMS_SMTP_PASSWORD", o.Addr, ErrAuth, o.User, err)
}

func loopback(a net.Addr) bool {
	t, ok := a.(*net.TCPAddr)
	return ok && t.IP.IsLoopback()
}

// protoErr turns a textproto reply error into go-smtp's, so that one
// classification sees every reply.
func protoErr(err error) error {
	if pe, ok := err.(*textproto.Error); ok {
		return &gosmtp.SMTPError{Code: pe.Code, Message: pe.Msg}
	}
	return err
}

// replayConn reads from r: the replayed greeting, then the connection.
type replayConn struct {
	net.Conn
	r io.Reader
	// swallow, when set, starts the command line the client's first is
	// expected to be, which is not sent: its answer is in r already.
	swallow string
	first   []byte // the first line, while it is incomplete
}

func (c *replayConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// Write sends p, but the client's first command line when it is the one
// to swallow; any other first line is sent as it is.
func (c *replayConn) Write(p []byte) (int, error) {
	if c.swallow == "" {
		return c.Conn.Write(p)
	}
	c.first = append(c.first, p...)
	end := bytes.Index(c.first, []byte("\r\n"))
	if end < 0 && len(c.first) < maxCommandLine {
		return len(p), nil
	}
	line, rest := c.first, []byte(nil)
	if end >= 0 {
		line, rest = c.first[:end+2], c.first[end+2:]
	}
	swallow := end >= 0 && len(line) >= len(c.swallow) && strings.EqualFold(string(line[:len(c.swallow)]), c.swallow)
	c.swallow, c.first = "", nil
	if !swallow {
		rest = append(line, rest...)
	}
	if len(rest) > 0 {
		if _, err := c.Conn.Write(rest); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// maxCommandLine bounds a command line kept back by replayConn: RFC 5321
// allows 512 octets.
const maxCommandLine = 512

// ehloReply writes an EHLO answer again as a relay sent it: its lines as
// textproto read them, code 250.
func ehloReply(msg string) string {
	lines := strings.Split(msg, "\n")
	var b strings.Builder
	for i, l := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		b.WriteString("250" + sep + l + "\r\n")
	}
	return b.String()
}

// reset sends RSET, aborting it when ctx is done.
func (s *session) reset(ctx context.Context) error {
	stop := context.AfterFunc(ctx, s.kill)
	defer stop()
	return s.c.Reset()
}
