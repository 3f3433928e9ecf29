// Package smtp submits iMIP updates to a mail relay, the delivery of
// `mms run --send smtp://host:port`.
//
// A Sender keeps at most Options.Sessions SMTP sessions open and reuses
// them across messages (RSET between messages), upgrades each with
// STARTTLS when the relay offers it, and authenticates with AUTH PLAIN when
// credentials are given, never sending a password unencrypted to another
// machine. The relay's certificate is verified against the system roots
// plus Options.CAFile, for Options.TLSName or the host of the address;
// Options.TLS TLSSkipVerify turns that off for test relays. Temporary failures (4xx, 421, dropped connections, timeouts)
// are retried with backoff inside Send, the one retry layer; what Send
// returns is classified with errors.Is: ErrAuth and ErrTLS stop the run
// (see Stops), ErrTemporary may be tried again later, anything else fails
// the one message; ErrUnanswered (sent whole, no reply) is never retried,
// since the relay may have taken it. Recipients refused at RCPT TO are reported in the Result
// while the others still get the message. Address and SplitRecipients
// prepare the attendees of an update: IDNA domains, the organiser and its
// aliases left out, malformed addresses returned with their fault.
package smtp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	gosmtp "github.com/emersion/go-smtp"
)

// Sender submits messages over a bounded pool of SMTP sessions. It is safe
// for concurrent use.
type Sender struct {
	o    Options
	pool *pool
	mu   sync.Mutex
	stop error // the first error that stops the run; later sends return it
}

// Result tells which recipients did not get the message; all others did.
type Result struct {
	Rejected []Rejection
}

// New validates o and returns a Sender; nothing is dialled until Send.
func New(o Options) (*Sender, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	c, err := trust(o)
	if err != nil {
		return nil, err
	}
	o.TLSConfig = c
	s := &Sender{o: o}
	s.pool = newPool(o.Sessions, func(ctx context.Context) (*session, error) { return dial(ctx, o) })
	return s, nil
}

// Check opens one session as Send does (greeting, EHLO, STARTTLS when
// offered, AUTH when credentials are set) and ends it with QUIT, submitting
// nothing: a relay that cannot be reached, or that refuses the credentials
// or fails TLS, is known before anything is sent. Each wait is bounded by
// Options.CheckTimeout, and a relay that lets one run out (no greeting, no
// answer to EHLO) is ErrUnusable. Its error is classified as Send's
// (Stops, Unreachable, ErrTemporary).
func (s *Sender) Check(ctx context.Context) error {
	o := s.o
	o.Timeout = o.CheckTimeout
	sess, err := dial(ctx, o)
	if errors.As(err, new(*noAnswer)) && ctx.Err() == nil {
		return fmt.Errorf("%w: %w", ErrUnusable, err)
	}
	if err != nil {
		return err
	}
	sess.quit()
	return nil
}

// Close ends the idle sessions with QUIT; sessions still sending are closed
// when their message is done. Send fails after Close.
func (s *Sender) Close() error {
	s.pool.close()
	return nil
}

// Send submits msg (a whole RFC 5322 message with CRLF line endings, as
// go-message writes it) from the envelope sender to each recipient.
// The Result lists who did not get it; on an error it lists the recipients
// refused so far.
//
// Domains go out in IDNA ASCII form. An address whose local part is not
// ASCII is sent only when the relay offers SMTPUTF8; otherwise that
// recipient is refused here (code 553, a reason naming the address) while
// the others get the message, and a non-ASCII sender fails the message.
func (s *Sender) Send(ctx context.Context, from string, to []string, msg []byte) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("smtp %s: %w", s.o.Addr, err)
	}
	if err := s.stopped(); err != nil {
		return Result{}, err
	}
	if err := check(from, to, msg); err != nil {
		return Result{}, fmt.Errorf("smtp %s: %w", s.o.Addr, err)
	}
	d := &delivery{from: envelope(from), msg: msg, pending: unique(envelopes(to))}
	for n := 0; ; n++ {
		err := s.attempt(ctx, d)
		if err == nil && len(d.pending) == 0 {
			return d.done(s.o.Addr)
		}
		if err != nil && !temporary(err) {
			s.noteStop(err)
			if d.delivered > 0 && !Stops(err) {
				return d.giveUp(s.o.Addr, err) // the others have it: report the rest
			}
			return d.result(), err
		}
		if n >= s.o.Retries {
			return d.giveUp(s.o.Addr, err)
		}
		s.retried(err, d, backoff(n))
		if err := s.wait(ctx, backoff(n)); err != nil {
			return d.result(), fmt.Errorf("smtp %s: %w", s.o.Addr, err)
		}
	}
}

// attempt runs one transaction on a pooled session.
func (s *Sender) attempt(ctx context.Context, d *delivery) error {
	sess, err := s.pool.get(ctx)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("smtp %s: %w", s.o.Addr, err)
		}
		return err
	}
	// A stop cuts the transaction at once, unless its message is already
	// going to the relay: then the relay's answer is awaited, at most
	// StopGrace, so that a message the relay took is counted sent and
	// not sent again on resume.
	var (
		mu       sync.Mutex
		finished bool
		grace    *time.Timer
	)
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case finished:
		case sess.committing.Load():
			grace = time.AfterFunc(s.o.StopGrace, sess.kill)
		default:
			sess.kill()
		}
	})
	err = d.transact(sess, s.o.Addr)
	mu.Lock()
	finished = true
	if grace != nil {
		grace.Stop()
	}
	mu.Unlock()
	stopped := !stop()
	s.pool.put(sess, !stopped && reusable(err))
	if stopped && err != nil {
		if errors.Is(err, ErrUnanswered) { // the message went whole: it may be delivered, and must not go again
			return fmt.Errorf("%w (stopped: %w)", err, ctx.Err())
		}
		return fmt.Errorf("smtp %s: %w", s.o.Addr, ctx.Err())
	}
	return err
}

func (s *Sender) wait(ctx context.Context, d time.Duration) error {
	if s.o.Sleep != nil {
		s.o.Sleep(d)
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retried tells OnRetry; a nil err means recipients were deferred.
func (s *Sender) retried(err error, d *delivery, wait time.Duration) {
	if s.o.OnRetry == nil {
		return
	}
	if err == nil {
		err = fmt.Errorf("smtp %s: %w: recipients deferred: %s", s.o.Addr, ErrTemporary, summary(d.deferredRejections()))
	}
	s.o.OnRetry(err, wait)
}

func (s *Sender) stopped() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stop
}

func (s *Sender) noteStop(err error) {
	if !Stops(err) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop == nil {
		s.stop = err
	}
}

func check(from string, to []string, msg []byte) error {
	switch {
	case from == "":
		return errors.New("no envelope sender (MAIL FROM)")
	case len(to) == 0:
		return errors.New("no recipients")
	case len(msg) == 0:
		return errors.New("empty message")
	}
	return nil
}

// envelopes puts the domains of the addresses in IDNA ASCII form.
func envelopes(to []string) []string {
	out := make([]string, len(to))
	for i, r := range to {
		out[i] = envelope(r)
	}
	return out
}

// unique drops repeated recipients, keeping the first spelling.
func unique(to []string) []string {
	seen := make(map[string]bool, len(to))
	out := make([]string, 0, len(to))
	for _, r := range to {
		k := strings.ToLower(r)
		if !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}

func ascii(ss ...string) bool {
	for _, s := range ss {
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return false
			}
		}
	}
	return true
}

// mailOptions asks for SMTPUTF8 only when an address needs it (go-smtp
// adds BODY=8BITMIME itself when the relay offers it).
func mailOptions(from string, to []string, size int) *gosmtp.MailOptions {
	return &gosmtp.MailOptions{Size: int64(size), UTF8: !ascii(append([]string{from}, to...)...)}
}
