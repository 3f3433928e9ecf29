package smtp

import (
	"errors"
	"fmt"
	"strings"

	gosmtp "github.com/emersion/go-smtp"
)

// delivery is one message over its attempts.
type delivery struct {
	from      string
	msg       []byte
	pending   []string             // recipients still to try
	delivered int                  // recipients that got the message
	rejected  []Rejection          // refused for good (5xx)
	deferred  map[string]Rejection // refused for now (4xx) by the last attempt
}

// transact runs MAIL FROM, RCPT TO for each pending recipient and DATA.
// Permanent refusals go to rejected, temporary ones stay pending; an error
// is returned only when the transaction as a whole failed, and then every
// recipient not refused for good stays pending.
func (d *delivery) transact(sess *session, addr string) error {
	c := sess.c
	d.deferred = map[string]Rejection{}
	utf8, _ := c.Extension("SMTPUTF8")
	if !utf8 && !localASCII(d.from) {
		return fmt.Errorf("smtp %s: %w", addr, noUTF8(d.from, "organiser"))
	}
	tried := d.sendable(utf8)
	if len(tried) == 0 {
		return nil
	}
	if err := c.Mail(d.from, mailOptions(d.from, tried, len(d.msg))); err != nil {
		return fmt.Errorf("smtp %s: MAIL FROM:<%s>: %w", addr, d.from, err)
	}
	accepted := 0
	for _, r := range tried {
		err := c.Rcpt(r, nil)
		if err == nil {
			accepted++
			continue
		}
		code, text := reply(err)
		switch {
		case code/100 == 5:
			d.rejected = append(d.rejected, Rejection{Recipient: r, Code: code, Message: text})
		case code/100 == 4 && code != 421:
			d.deferred[r] = Rejection{Recipient: r, Code: code, Message: text}
		default: // 421 or the connection failed: the whole transaction
			d.pending = d.notRejected(tried)
			return fmt.Errorf("smtp %s: RCPT TO:<%s>: %w", addr, r, err)
		}
	}
	if accepted > 0 {
		sess.committing.Store(true)
		defer sess.committing.Store(false)
		if err := data(c, sess.wire, d.msg); err != nil {
			d.pending = d.notRejected(tried)
			return fmt.Errorf("smtp %s: DATA: %w", addr, err)
		}
		d.delivered += accepted
	}
	d.pending = d.deferredOf(tried)
	return nil
}

// sendable is the pending recipients the relay can take: all when it
// offers SMTPUTF8, else those with an ASCII local part; the others are
// refused for good.
func (d *delivery) sendable(utf8 bool) []string {
	if utf8 {
		return d.pending
	}
	var out []string
	for _, r := range d.pending {
		if localASCII(r) {
			out = append(out, r)
			continue
		}
		d.rejected = append(d.rejected, Rejection{Recipient: r, Code: 553, Message: noUTF8(r, "attendee").Error()})
	}
	d.pending = out
	return out
}

// noUTF8 is why an address with a non-ASCII local part (the organiser's,
// sending, or an attendee's) could not be used.
func noUTF8(addr, whose string) error {
	verb := "not sent to"
	if whose == "organiser" {
		verb = "not sent from"
	}
	return fmt.Errorf("%s <%s>: its part before the @ is not ASCII and the relay does not offer SMTPUTF8 (RFC 6531); "+
		"use a relay that does, or the %s's ASCII address", verb, addr, whose)
}

// data sends msg after DATA. When its end (the final dot) went out whole
// and no reply came, the error is ErrUnanswered.
func data(c *gosmtp.Client, conn *wire, msg []byte) error {
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		w.Close()
		return err
	}
	err = w.Close() // writes the rest and the dot, then reads the reply
	var reply *gosmtp.SMTPError
	if err != nil && !errors.As(err, &reply) && conn.wrote.Load() {
		return fmt.Errorf("%w: %w", ErrUnanswered, err)
	}
	return err
}

// notRejected is tried less the recipients refused for good.
func (d *delivery) notRejected(tried []string) []string {
	gone := make(map[string]bool, len(d.rejected))
	for _, r := range d.rejected {
		gone[r.Recipient] = true
	}
	var out []string
	for _, r := range tried {
		if !gone[r] {
			out = append(out, r)
		}
	}
	return out
}

// deferredOf is the recipients of tried that the last attempt deferred.
func (d *delivery) deferredOf(tried []string) []string {
	var out []string
	for _, r := range tried {
		if _, ok := d.deferred[r]; ok {
			out = append(out, r)
		}
	}
	return out
}

func (d *delivery) result() Result { return Result{Rejected: d.rejected} }

// done ends a delivery with nothing pending: an error when no recipient
// got the message.
func (d *delivery) done(addr string) (Result, error) {
	if d.delivered > 0 {
		return d.result(), nil
	}
	return d.result(), fmt.Errorf("smtp %s: every recipient refused: %s", addr, summary(d.rejected))
}

// giveUp ends a delivery whose retries ran out, or that failed for good,
// with recipients pending.
// When some recipients got the message the pending ones are reported as
// rejected with their last answer (code 0: the connection failed);
// otherwise the message failed temporarily.
func (d *delivery) giveUp(addr string, last error) (Result, error) {
	if d.delivered == 0 {
		why := last
		if why == nil {
			why = fmt.Errorf("recipients deferred: %s", summary(d.deferredRejections()))
		}
		return d.result(), fmt.Errorf("%w: %w", ErrTemporary, why)
	}
	res := d.result()
	for _, r := range d.pending {
		rej, ok := d.deferred[r]
		if !ok || last != nil {
			code, text := reply(last)
			rej = Rejection{Recipient: r, Code: code, Message: text}
		}
		res.Rejected = append(res.Rejected, rej)
	}
	return res, nil
}

func (d *delivery) deferredRejections() []Rejection {
	var out []Rejection
	for _, r := range d.pending {
		if rej, ok := d.deferred[r]; ok {
			out = append(out, rej)
		}
	}
	return out
}

func summary(rs []Rejection) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("<%s>: %d %s", r.Recipient, r.Code, r.Message)
	}
	return strings.Join(parts, "; ")
}
