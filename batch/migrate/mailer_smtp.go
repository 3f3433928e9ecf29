package migrate

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/mms-project/mms/batch/smtp"
)

// SMTPMailer submits each update as iMIP mail through a relay
// (--send smtp://host:port).
type SMTPMailer struct {
	Sender *smtp.Sender // one per batch: its session limit is shared
	URL    string       // for messages
}

// Send submits m to its attendees. Recipients the relay refused while
// others got it are returned; every recipient refused (5xx) is Permanent
// for the meeting; refused credentials or an untrusted certificate stop
// the run, and so does a relay that cannot be reached; a relay that stays busy (4xx) fails the attempt.
func (s SMTPMailer) Send(ctx context.Context, m Message) (Delivery, error) {
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return Delivery{}, err
	}
	res, err := s.Sender.Send(ctx, m.From, m.To, buf.Bytes())
	if err == nil {
		return Delivery{Refused: refusals(res.Rejected)}, nil
	}
	return Delivery{}, s.classify(ctx, err, resumes)
}

// Check connects to the relay as the first update would, and leaves
// without sending anything; its error is classified as Send's, its advice
// for before any batch exists.
func (s SMTPMailer) Check(ctx context.Context) error {
	if err := s.Sender.Check(ctx); err != nil {
		return s.classify(ctx, err, "")
	}
	return nil
}

// classify says what a failure of the relay means for the run: refused
// credentials, an untrusted certificate, a relay that cannot be reached
// or does not behave as one stop it; a relay that stays busy (4xx) fails
// the attempt; anything else (a message the relay gave no answer for
// included) fails the meeting. after ends the advice of a stop: resumes
// once a batch exists.
func (s SMTPMailer) classify(ctx context.Context, err error, after string) error {
	switch {
	case errors.Is(err, smtp.ErrUnanswered): // may be delivered: never sent again unasked, also after a stop
		return Permanent(err)
	case errors.Is(err, smtp.ErrUnusable):
		return runStop{fmt.Errorf("--send %s: %w; check that it is an SMTP relay and that it is working, then run the same command again%s", s.URL, err, after)}
	case errors.Is(err, smtp.ErrAuth):
		return runStop{fmt.Errorf("--send %s: %w; fix MMS_SMTP_USER and MMS_SMTP_PASSWORD or the relay's settings and run the same command again%s", s.URL, err, after)}
	case smtp.Stops(err): // TLS: the error says what to fix
		return runStop{fmt.Errorf("--send %s: %w; fix it and run the same command again%s", s.URL, err, after)}
	case smtp.Unreachable(err) && ctx.Err() == nil:
		return runStop{fmt.Errorf("--send %s: the mail relay cannot be reached: %w; check the address and that the relay is running, then run the same command again%s", s.URL, err, after)}
	case errors.Is(err, smtp.ErrTemporary) || ctx.Err() != nil:
		return err
	}
	return Permanent(relayRefused{err})
}

// resumes is the end of a stop's advice once the batch exists.
const resumes = ": the batch resumes where it stopped"

func refusals(rs []smtp.Rejection) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s: %d %s", r.Recipient, r.Code, r.Message))
	}
	return out
}
