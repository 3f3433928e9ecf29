package smtp_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/smtp"
	"github.com/mms-project/mms/internal/smtpsink"
)

// A relay whose EHLO answer never ends is cut off after MaxReply bytes,
// as unusable (the run stops), in the pre-run check and in Send alike,
// long before the command timeout.
func TestEndlessReplyIsCutOff(t *testing.T) {
	addr := smtpsink.Raw(t, smtpsink.EndlessEHLO)
	s := newSender(t, smtp.Options{Addr: addr, Timeout: 3 * time.Second, Retries: -1})
	start := time.Now()
	err := s.Check(context.Background())
	if !errors.Is(err, smtp.ErrUnusable) || !smtp.Stops(err) || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "64 KiB") {
		t.Fatalf("Check: %v; want ErrUnusable naming the relay and the bound", err)
	}
	_, err = s.Send(context.Background(), from, []string{"a@example.com"}, msg)
	if !errors.Is(err, smtp.ErrUnusable) || !smtp.Stops(err) {
		t.Fatalf("Send: %v; want ErrUnusable", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s: cut off by the timeout, not by the bound", d)
	}
}

// neverGreets accepts the connection and says nothing.
func neverGreets(net.Conn, *bufio.Reader) {}

// neverAnswersEHLO greets and then says nothing.
func neverAnswersEHLO(c net.Conn, _ *bufio.Reader) { c.Write([]byte("220 relay.test ESMTP\r\n")) }

// The pre-run check waits CheckTimeout, not Timeout, for the greeting and
// for the answer to EHLO; a relay that lets it run out is unusable (the
// run stops), and the error says what it did not do.
func TestCheckGivesUpOnASilentRelay(t *testing.T) {
	for _, tc := range []struct {
		name  string
		serve func(net.Conn, *bufio.Reader)
		want  string
	}{
		{"no greeting", neverGreets, "sent no greeting"},
		{"no EHLO answer", neverAnswersEHLO, "did not answer EHLO"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := smtpsink.Raw(t, tc.serve)
			s := newSender(t, smtp.Options{Addr: addr, Timeout: time.Minute, CheckTimeout: 200 * time.Millisecond})
			start := time.Now()
			err := s.Check(context.Background())
			if !errors.Is(err, smtp.ErrUnusable) || !smtp.Stops(err) || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check: %v; want ErrUnusable naming the relay and saying it %s", err, tc.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Check took %s, want about CheckTimeout", d)
			}
		})
	}
}

// A relay that offers STARTTLS and then cuts the connection instead of the
// TLS handshake is said to have broken it off, without the advice about
// its CA meant for a certificate mms cannot check.
func TestStartTLSCutOffAdvice(t *testing.T) {
	addr := smtpsink.Raw(t, func(c net.Conn, r *bufio.Reader) {
		c.Write([]byte("220 relay.test ESMTP\r\n"))
		r.ReadString('\n')
		c.Write([]byte("250-relay.test\r\n250 STARTTLS\r\n"))
		r.ReadString('\n')
		c.Write([]byte("220 go ahead\r\n"))
		c.Close()
	})
	s := newSender(t, smtp.Options{Addr: addr})
	err := s.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "broke off the TLS handshake") || strings.Contains(err.Error(), "--smtp-ca") {
		t.Fatalf("Check: %v; want it to say the relay broke off the handshake, without CA advice", err)
	}
}

// oneEHLO plays a relay without STARTTLS that answers a second EHLO of a
// session "503 Duplicate HELO/EHLO", as Python's smtpd does, and takes
// mail otherwise; each session's commands go to said.
func oneEHLO(said chan<- []string) func(net.Conn, *bufio.Reader) {
	return func(c net.Conn, r *bufio.Reader) {
		defer c.Close()
		c.Write([]byte("220 relay.test ESMTP\r\n"))
		var cmds []string
		defer func() { said <- cmds }()
		greeted, data := false, false
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if data {
				if line == ".\r\n" {
					data = false
					c.Write([]byte("250 OK\r\n"))
				}
				continue
			}
			verb := strings.ToUpper(strings.Fields(line + " x")[0])
			cmds = append(cmds, verb)
			switch {
			case verb == "EHLO" && greeted:
				c.Write([]byte("503 Duplicate HELO/EHLO\r\n"))
			case verb == "EHLO":
				greeted = true
				c.Write([]byte("250-relay.test\r\n250-8BITMIME\r\n250 SIZE 1000000\r\n"))
			case verb == "DATA":
				data = true
				c.Write([]byte("354 go on\r\n"))
			case verb == "QUIT":
				c.Write([]byte("221 bye\r\n"))
				return
			default:
				c.Write([]byte("250 OK\r\n"))
			}
		}
	}
}

// A relay without STARTTLS hears EHLO once a session, and mail goes
// through one that refuses a second (found by an audit: every update was
// refused by Python's smtpd, after mms's EHLO and go-smtp's).
func TestOneEHLOASession(t *testing.T) {
	said := make(chan []string, 8)
	addr := smtpsink.Raw(t, oneEHLO(said))
	s := newSender(t, smtp.Options{Addr: addr, Retries: -1})
	if err := s.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(context.Background(), from, []string{"a@example.com"}, msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	s.Close()
	for range 2 {
		select {
		case cmds := <-said:
			if n := strings.Count(strings.Join(cmds, " "), "EHLO"); n != 1 {
				t.Errorf("a session said %v: %d EHLOs", cmds, n)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a session did not end")
		}
	}
}
