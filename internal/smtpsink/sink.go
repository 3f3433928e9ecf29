// Package smtpsink is an SMTP server for tests that records every message
// that arrives: go-smtp's server on a loopback address, without TLS. By
// default it accepts any sender and recipient without AUTH; Hooks give a
// test a say in each transaction and recipient, and credentials to ask for.
package smtpsink

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/mail"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// Message is one message as it arrived.
type Message struct {
	From string
	To   []string
	Data []byte
}

// ID is the message's Message-Id header ("" when it has none).
func (m Message) ID() string {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return ""
	}
	return msg.Header.Get("Message-Id")
}

// Hooks say how the sink answers. The zero value accepts everything.
type Hooks struct {
	// Users, when set, are the AUTH PLAIN logins it requires.
	Users map[string]string
	// Mail answers each transaction's MAIL FROM; tx counts from 1. Nil
	// accepts every transaction.
	Mail func(tx int) error
	// Rcpt answers each recipient; nil accepts everyone.
	Rcpt func(from, to string) error
	// Taken is told of each message the sink has read whole, before it
	// keeps it and answers 250 (it keeps it whatever happens to the
	// connection after, as a relay does); nil does nothing.
	Taken func(m Message)
}

// Sink records messages until the test ends.
type Sink struct {
	Addr  string // host:port it listens on
	hooks Hooks
	mu    sync.Mutex
	tx    int
	msgs  []Message
}

// Start listens on addr ("127.0.0.1:0" for any free port), accepting
// everything, and stops when the test ends.
func Start(t testing.TB, addr string) *Sink { return StartWith(t, addr, Hooks{}) }

// StartWith is Start with hooks: the relays of tests that refuse, defer
// or ask for credentials.
func StartWith(t testing.TB, addr string, h Hooks) *Sink {
	t.Helper()
	ln, err := listen(addr, 10*time.Second)
	if err != nil {
		t.Fatalf("smtp sink: listen on %s: %v", addr, err)
	}
	s := &Sink{Addr: ln.Addr().String(), hooks: h}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) {
		return &session{sink: s}, nil
	}))
	srv.Domain, srv.AllowInsecureAuth = "sink.test", true
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// listen listens on addr, trying again for up to wait while its port is in
// use: a fixed port (the one a server was configured to submit to) can be
// held for a moment as the local end of another program's connection.
func listen(addr string, wait time.Duration) (net.Listener, error) {
	deadline := time.Now().Add(wait)
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			return ln, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Messages returns what arrived so far, oldest first.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Arrivals is how often each message (by Message-Id) arrived.
func (s *Sink) Arrivals() map[string]int {
	out := map[string]int{}
	for _, m := range s.Messages() {
		out[m.ID()]++
	}
	return out
}

func (s *Sink) add(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
}

// Refuse is an SMTP answer with code (5xx permanent, 4xx temporary).
func Refuse(code int, text string) error {
	return &gosmtp.SMTPError{Code: code, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: text}
}

type session struct {
	sink     *Sink
	from     string
	to       []string
	authDone bool
}

func (s *session) AuthMechanisms() []string {
	if s.sink.hooks.Users == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if want, ok := s.sink.hooks.Users[user]; !ok || want != pass {
			return gosmtp.ErrAuthFailed
		}
		s.authDone = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *gosmtp.MailOptions) error {
	if s.sink.hooks.Users != nil && !s.authDone {
		return gosmtp.ErrAuthRequired
	}
	s.sink.mu.Lock()
	s.sink.tx++
	tx := s.sink.tx
	s.sink.mu.Unlock()
	if s.sink.hooks.Mail != nil {
		if err := s.sink.hooks.Mail(tx); err != nil {
			return err
		}
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if s.sink.hooks.Rcpt != nil {
		if err := s.sink.hooks.Rcpt(s.from, to); err != nil {
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{From: s.from, To: s.to, Data: b}
	if s.sink.hooks.Taken != nil {
		s.sink.hooks.Taken(m)
	}
	s.sink.add(m)
	return nil
}

// Raw accepts connections on 127.0.0.1 and hands each to serve, to play a
// relay that does not behave as one (silent, endless, cut off); every
// connection is closed when the test ends. It returns the address.
func Raw(t testing.TB, serve func(c net.Conn, r *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { <-done; c.Close() }()
			go serve(c, bufio.NewReader(c))
		}
	}()
	return ln.Addr().String()
}

// EndlessEHLO, served by Raw, greets, then answers EHLO with continuation
// lines until the connection is closed: a relay whose reply never ends.
func EndlessEHLO(c net.Conn, r *bufio.Reader) {
	c.Write([]byte("220 relay.test ESMTP\r\n"))
	if _, err := r.ReadString('\n'); err != nil {
		return
	}
	line := []byte("250-" + strings.Repeat("X", 998) + "\r\n")
	for {
		if _, err := c.Write(line); err != nil {
			return
		}
	}
}
