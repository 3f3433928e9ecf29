package smtp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"syscall"

	gosmtp "github.com/emersion/go-smtp"
)

// Errors are classified by what the caller should do; find the class with
// errors.Is. An error of none of these classes is permanent for the one
// message (5xx): record it and go on.
var (
	// ErrAuth: the relay refused the credentials, or they could not be
	// sent safely. Every message would fail the same way: stop the run.
	ErrAuth = errors.New("smtp authentication failed")
	// ErrTLS: the relay's certificate could not be verified. Stop the run.
	ErrTLS = errors.New("smtp TLS failed")
	// ErrUnusable: the relay does not behave as an SMTP relay (a reply
	// that never ends; in Check, no greeting or no answer to EHLO in
	// time). Every message would meet the same: stop the run.
	ErrUnusable = errors.New("the mail relay cannot be used")
	// ErrUnanswered: the whole message, its final dot included, went to
	// the relay and no answer came (a timeout, a dropped connection). The
	// relay may have taken it: sent again, attendees may get it twice
	// (RFC 5321 §6.1). Fail the message; never send it again unasked.
	ErrUnanswered = errors.New("the relay did not answer after the whole message was sent; it may have been delivered: check the relay's log before sending it again")
	// ErrTemporary: 4xx, 421, a dropped connection or a timeout that
	// outlived the retries. The message may be tried again later.
	ErrTemporary = errors.New("temporary smtp failure")
)

// Stops reports whether err should stop the whole run rather than fail
// one message.
func Stops(err error) bool {
	return errors.Is(err, ErrAuth) || errors.Is(err, ErrTLS) || errors.Is(err, ErrUnusable)
}

// Unreachable reports whether err says the relay could not be connected
// to at all: the connection refused, no route to it, its name not found,
// or no answer to the dial. Every message would meet the same.
func Unreachable(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// Rejection is a recipient that did not get the message: refused at RCPT
// TO, or still deferred (or cut off) when Send gave up while others had it.
type Rejection struct {
	Recipient string
	Code      int    // the SMTP reply: 5xx refused, 4xx deferred; 0 when the connection failed; 553 also when not sent for want of SMTPUTF8
	Message   string // the relay's text
}

// temporary reports whether err is worth another attempt on a new or
// reset session.
func temporary(err error) bool {
	var se *gosmtp.SMTPError
	if errors.As(err, &se) {
		return se.Code/100 == 4
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false // the caller gave up; not the relay
	}
	if tlsFailure(err) || errors.Is(err, ErrUnusable) || errors.Is(err, ErrUnanswered) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

// tlsFailure reports whether err comes from verifying or negotiating TLS.
func tlsFailure(err error) bool {
	var (
		cv *tls.CertificateVerificationError
		ua x509.UnknownAuthorityError
		hn x509.HostnameError
		ci x509.CertificateInvalidError
		ae tls.AlertError
		re tls.RecordHeaderError
	)
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn) ||
		errors.As(err, &ci) || errors.As(err, &ae) || errors.As(err, &re)
}

// reusable reports whether a session may serve the next message after err:
// an SMTP reply other than 421 leaves it usable (after RSET).
func reusable(err error) bool {
	if err == nil {
		return true
	}
	var se *gosmtp.SMTPError
	return errors.As(err, &se) && se.Code != 421
}

// reply splits an SMTP error into code and text; 0 when it is not a reply.
func reply(err error) (int, string) {
	var se *gosmtp.SMTPError
	if errors.As(err, &se) {
		return se.Code, se.Message
	}
	return 0, err.Error()
}
