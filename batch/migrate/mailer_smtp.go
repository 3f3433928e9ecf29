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
	switch {
	case err == nil:
		return Delivery{Refused: refusals(res.Rejected)}, nil
	case smtp.Stops(err):
		return Delivery{}, runStop{fmt.Errorf("--send %s: %w; fix the relay settings (MMS_SMTP_USER and MMS_SMTP_PASSWORD, the relay's certificate) and run the same command again: the batch resumes where it stopped", s.URL, err)}
	case smtp.Unreachable(err) && ctx.Err() == nil:
		return Delivery{}, runStop{fmt.Errorf("--send %s: the mail relay cannot be reached: %w; check the address and that the relay is running, then run the same command again: the batch resumes where it stopped", s.URL, err)}
	case errors.Is(err, smtp.ErrTemporary) || ctx.Err() != nil:
		return Delivery{}, err
	}
	return Delivery{}, Permanent(relayRefused{err})
}

func refusals(rs []smtp.Rejection) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s: %d %s", r.Recipient, r.Code, r.Message))
	}
	return out
}
