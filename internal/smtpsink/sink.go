// Package smtpsink is an SMTP server for tests that records every message
// that arrives: go-smtp's server on a loopback address, accepting any
// sender and recipient, without TLS or AUTH.
package smtpsink

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
)

// Message is one message as it arrived.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Sink records messages until the test ends.
type Sink struct {
	Addr string // host:port it listens on
	mu   sync.Mutex
	msgs []Message
}

// Start listens on addr ("127.0.0.1:0" for any free port) and stops when
// the test ends.
func Start(t testing.TB, addr string) *Sink {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("smtp sink: listen on %s: %v", addr, err)
	}
	s := &Sink{Addr: ln.Addr().String()}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) {
		return &session{sink: s}, nil
	}))
	srv.Domain = "sink.test"
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Messages returns what arrived so far, oldest first.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

func (s *Sink) add(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
}

type session struct {
	sink *Sink
	from string
	to   []string
}

func (s *session) Mail(from string, _ *gosmtp.MailOptions) error { s.from = from; return nil }
func (s *session) Rcpt(to string, _ *gosmtp.RcptOptions) error   { s.to = append(s.to, to); return nil }
func (s *session) Reset()                                        { s.from, s.to = "", nil }
func (s *session) Logout() error                                 { return nil }

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.sink.add(Message{From: s.from, To: s.to, Data: b})
	return nil
}
