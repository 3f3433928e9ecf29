package smtp_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/mms-project/mms/batch/smtp"
)

const from = "organiser@example.com"

var msg = []byte("From: organiser@example.com\r\nTo: a@example.com\r\nSubject: update\r\n\r\nbody line\r\n.leading dot\r\n")

// sleeps records the waits between attempts instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) Sleep(d time.Duration) { s.mu.Lock(); s.d = append(s.d, d); s.mu.Unlock() }

func (s *sleeps) Got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

func newSender(t *testing.T, o smtp.Options) *smtp.Sender {
	t.Helper()
	s, err := smtp.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func send(t *testing.T, s *smtp.Sender, to ...string) smtp.Result {
	t.Helper()
	res, err := s.Send(context.Background(), from, to, msg)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	return res
}

func TestPlainRelayGetsTheExactBytes(t *testing.T) {
	r := (&relay{}).start(t)
	s := newSender(t, smtp.Options{Addr: r.Addr})
	res := send(t, s, "a@example.com", "b@example.com", "A@example.com")
	if len(res.Rejected) != 0 {
		t.Errorf("rejected %v", res.Rejected)
	}
	got := r.Arrived()
	if len(got) != 1 {
		t.Fatalf("%d messages arrived, want 1", len(got))
	}
	if !bytes.Equal(got[0].Data, msg) {
		t.Errorf("arrived bytes differ:\n%q\nwant\n%q", got[0].Data, msg)
	}
	if got[0].From != from || !reflect.DeepEqual(got[0].To, []string{"a@example.com", "b@example.com"}) {
		t.Errorf("envelope %s -> %v (repeated recipient must be dropped)", got[0].From, got[0].To)
	}
	if got[0].TLS {
		t.Error("TLS on a relay that offers no STARTTLS")
	}
}

func TestSessionsAreReused(t *testing.T) {
	r := (&relay{}).start(t)
	s := newSender(t, smtp.Options{Addr: r.Addr})
	for i := range 5 {
		send(t, s, fmt.Sprintf("u%d@example.com", i))
	}
	if n := r.Conns(); n != 1 {
		t.Errorf("%d connections for 5 sequential messages, want 1 (RSET between messages)", n)
	}
	if n := len(r.Arrived()); n != 5 {
		t.Errorf("%d arrived, want 5", n)
	}
}

func TestStartTLSWhenOffered(t *testing.T) {
	cert, roots := selfSigned(t)
	r := (&relay{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}}).start(t)
	s := newSender(t, smtp.Options{Addr: r.Addr, TLSConfig: &tls.Config{RootCAs: roots}})
	send(t, s, "a@example.com")
	send(t, s, "b@example.com")
	got := r.Arrived()
	if len(got) != 2 || !got[0].TLS || !got[1].TLS {
		t.Fatalf("arrived %+v, want 2 messages over TLS", got)
	}
	if !bytes.Equal(got[1].Data, msg) {
		t.Errorf("bytes differ over TLS: %q", got[1].Data)
	}
	if r.Conns() != 1 {
		t.Errorf("%d connections, want 1", r.Conns())
	}
}

func TestUntrustedCertificateStopsTheRun(t *testing.T) {
	cert, _ := selfSigned(t)
	r := (&relay{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}}).start(t)
	s := newSender(t, smtp.Options{Addr: r.Addr}) // system roots: self-signed is not trusted
	_, err := s.Send(context.Background(), from, []string{"a@example.com"}, msg)
	if !errors.Is(err, smtp.ErrTLS) || !smtp.Stops(err) {
		t.Fatalf("err = %v, want ErrTLS that stops the run", err)
	}
	if len(r.Arrived()) != 0 {
		t.Error("a message arrived over an unverified connection")
	}
}

func TestAuthPlain(t *testing.T) {
	cert, roots := selfSigned(t)
	for _, withTLS := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", withTLS), func(t *testing.T) {
			rl := &relay{Users: map[string]string{"mms": "s3cret"}}
			o := smtp.Options{User: "mms", Password: "s3cret"}
			if withTLS {
				rl.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
				o.TLSConfig = &tls.Config{RootCAs: roots}
			}
			r := rl.start(t)
			o.Addr = r.Addr
			s := newSender(t, o)
			send(t, s, "a@example.com")
			send(t, s, "b@example.com") // the reused session stays authenticated
			got := r.Arrived()
			if len(got) != 2 || got[0].User != "mms" || got[1].User != "mms" || got[0].TLS != withTLS {
				t.Fatalf("arrived %+v, want 2 as mms, TLS %v", got, withTLS)
			}
		})
	}
}

func TestAuthFailureStopsTheRun(t *testing.T) {
	r := (&relay{Users: map[string]string{"mms": "right"}}).start(t)
	sl := &sleeps{}
	s := newSender(t, smtp.Options{Addr: r.Addr, User: "mms", Password: "wrong", Sleep: sl.Sleep})
	_, err := s.Send(context.Background(), from, []string{"a@example.com"}, msg)
	if !errors.Is(err, smtp.ErrAuth) || !smtp.Stops(err) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
	for _, want := range []string{r.Addr, "535", "MMS_SMTP_PASSWORD"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if len(sl.Got()) != 0 {
		t.Errorf("retried an auth failure: %v", sl.Got())
	}
	conns := r.Conns()
	_, err2 := s.Send(context.Background(), from, []string{"b@example.com"}, msg)
	if !errors.Is(err2, smtp.ErrAuth) || r.Conns() != conns {
		t.Errorf("second send: err %v, %d new connections; want ErrAuth without dialling", err2, r.Conns()-conns)
	}
}

func TestNoAuthOfferedWithCredentials(t *testing.T) {
	r := (&relay{}).start(t)
	s := newSender(t, smtp.Options{Addr: r.Addr, User: "mms", Password: "x"})
	_, err := s.Send(context.Background(), from, []string{"a@example.com"}, msg)
	if !errors.Is(err, smtp.ErrAuth) || !strings.Contains(err.Error(), "no AUTH PLAIN") {
		t.Fatalf("err = %v, want ErrAuth saying the relay offers no AUTH PLAIN", err)
	}
}

func TestRejectedRecipientIsReportedOthersReceive(t *testing.T) {
	r := (&relay{OnRcpt: func(_ int, to string) error {
		if to == "gone@example.com" {
			return code(550, "5.1.1 no such user")
		}
		return nil
	}}).start(t)
	s := newSender(t, smtp.Options{Addr: r.Addr})
	res := send(t, s, "a@example.com", "gone@example.com", "b@example.com")
	want := []smtp.Rejection{{Recipient: "gone@example.com", Code: 550, Message: "5.1.1 no such user"}}
	if !reflect.DeepEqual(res.Rejected, want) {
		t.Errorf("rejected %+v, want %+v", res.Rejected, want)
	}
	got := r.Arrived()
	if len(got) != 1 || !reflect.DeepEqual(got[0].To, []string{"a@example.com", "b@example.com"}) {
		t.Fatalf("arrived %+v", got)
	}
}

func TestAllRecipientsRefusedIsAnError(t *testing.T) {
	r := (&relay{OnRcpt: func(int, string) error { return code(550, "no") }}).start(t)
	sl := &sleeps{}
	s := newSender(t, smtp.Options{Addr: r.Addr, Sleep: sl.Sleep})
	res, err := s.Send(context.Background(), from, []string{"a@example.com", "b@example.com"}, msg)
	if err == nil || errors.Is(err, smtp.ErrTemporary) || smtp.Stops(err) {
		t.Fatalf("err = %v, want a permanent error for this message", err)
	}
	if len(res.Rejected) != 2 || len(sl.Got()) != 0 {
		t.Errorf("rejected %+v, waits %v; want 2 rejections, no retry", res.Rejected, sl.Got())
	}
	send(t, newSender(t, smtp.Options{Addr: (&relay{}).start(t).Addr}), "c@example.com") // other senders unaffected
}

func TestTemporary451ThenSuccess(t *testing.T) {
	r := (&relay{OnData: func(tx int, _ *gosmtp.Conn) error {
		if tx == 1 {
			return code(451, "4.3.0 try again later")
		}
		return nil
	}}).start(t)
	sl := &sleeps{}
	var retried []error
	s := newSender(t, smtp.Options{Addr: r.Addr, Sleep: sl.Sleep, OnRetry: func(err error, _ time.Duration) { retried = append(retried, err) }})
	send(t, s, "a@example.com")
	if len(retried) != 1 || !strings.Contains(retried[0].Error(), "451") {
		t.Errorf("OnRetry got %v, want the one 451", retried)
	}
	if got := r.Arrived(); len(got) != 1 || !bytes.Equal(got[0].Data, msg) {
		t.Fatalf("arrived %+v, want the message once", got)
	}
	if got := sl.Got(); !reflect.DeepEqual(got, []time.Duration{time.Second}) {
		t.Errorf("waits %v, want one of 1s", got)
	}
	if r.Conns() != 1 {
		t.Errorf("%d connections: a 451 leaves the session usable", r.Conns())
	}
}

func TestDeferredRecipientRetriedAlone(t *testing.T) {
	r := (&relay{OnRcpt: func(tx int, to string) error {
		if tx == 1 && to == "busy@example.com" {
			return code(452, "4.2.2 mailbox full")
		}
		return nil
	}}).start(t)
	sl := &sleeps{}
	s := newSender(t, smtp.Options{Addr: r.Addr, Sleep: sl.Sleep})
	res := send(t, s, "a@example.com", "busy@example.com")
	got := r.Arrived()
	if len(res.Rejected) != 0 || len(got) != 2 ||
		!reflect.DeepEqual(got[0].To, []string{"a@example.com"}) || !reflect.DeepEqual(got[1].To, []string{"busy@example.com"}) {
		t.Fatalf("rejected %+v, arrived %+v: want a then busy, each once", res.Rejected, got)
	}
}

func TestRetriesRunOut(t *testing.T) {
	r := (&relay{OnMail: func(int) error { return code(451, "4.7.1 greylisted") }}).start(t)
	sl := &sleeps{}
	s := newSender(t, smtp.Options{Addr: r.Addr, Sleep: sl.Sleep, Retries: 3})
	_, err := s.Send(context.Background(), from, []string{"a@example.com"}, msg)
	if !errors.Is(err, smtp.ErrTemporary) || smtp.Stops(err) || !strings.Contains(err.Error(), "greylisted") {
		t.Fatalf("err = %v, want ErrTemporary with the relay's text", err)
	}
	if got, want := sl.Got(), []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}; !reflect.DeepEqual(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	// Deferred at RCPT while another got it: reported with the 4xx code.
	r2 := (&relay{OnRcpt: func(_ int, to string) error {
		if to == "busy@example.com" {
			return code(450, "4.2.1 busy")
		}
		return nil
	}}).start(t)
	s2 := newSender(t, smtp.Options{Addr: r2.Addr, Sleep: sl.Sleep, Retries: -1})
	res := send(t, s2, "a@example.com", "busy@example.com")
	want := []smtp.Rejection{{Recipient: "busy@example.com", Code: 450, Message: "4.2.1 busy"}}
	if !reflect.DeepEqual(res.Rejected, want) {
		t.Errorf("rejected %+v, want %+v", res.Rejected, want)
	}
}

func TestReconnectAfter421MidSession(t *testing.T) {
	r := (&relay{OnMail: func(tx int) error {
		if tx == 2 {
			return code(421, "4.4.2 closing connection")
		}
		return nil
	}}).start(t)
	sl := &sleeps{}
	s := newSender(t, smtp.Options{Addr: r.Addr, Sleep: sl.Sleep})
	send(t, s, "a@example.com")
	send(t, s, "b@example.com")
	got := r.Arrived()
	if len(got) != 2 || got[0].Conn != 1 || got[1].Conn != 2 {
		t.Fatalf("arrived %+v, want the second message on a new connection", got)
	}
	if len(sl.Got()) != 1 {
		t.Errorf("waits %v, want one retry", sl.Got())
	}
}

// A relay that took the whole message, final dot included, and then gave
// no answer (dropped the connection, or let the wait run out) may have
// queued it: it is not sent again (RFC 5321 §6.1), and the error says so.
func TestUnansweredMessageIsNotSentAgain(t *testing.T) {
	for _, tc := range []struct {
		name string
		hang func(c *gosmtp.Conn)
	}{
		{"dropped", func(c *gosmtp.Conn) { c.Conn().Close() }},
		{"silent", func(*gosmtp.Conn) { time.Sleep(time.Second) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := (&relay{OnData: func(tx int, c *gosmtp.Conn) error {
				if tx == 1 {
					tc.hang(c)
					return errors.New("no answer")
				}
				return nil
			}}).start(t)
			sl := &sleeps{}
			s := newSender(t, smtp.Options{Addr: r.Addr, Sleep: sl.Sleep, Timeout: 200 * time.Millisecond})
			_, err := s.Send(context.Background(), from, []string{"a@example.com"}, msg)
			if !errors.Is(err, smtp.ErrUnanswered) || errors.Is(err, smtp.ErrTemporary) || smtp.Stops(err) {
				t.Fatalf("Send: %v; want ErrUnanswered, neither temporary nor stopping the run", err)
			}
			if !strings.Contains(err.Error(), "may have been delivered") {
				t.Errorf("Send: %v; want it to say the message may have been delivered", err)
			}
			if len(sl.Got()) != 0 {
				t.Errorf("waits %v: the message was tried again", sl.Got())
			}
		})
	}
}

// A run stopped while the relay owes the answer to a whole message keeps
// the message unanswered (it may have been delivered), not a plain stop
// that a resumed run would send again.
func TestStopAfterTheWholeMessageKeepsItUnanswered(t *testing.T) {
	got := make(chan struct{})
	r := (&relay{OnData: func(tx int, c *gosmtp.Conn) error {
		close(got)
		time.Sleep(2 * time.Second)
		return errors.New("no answer")
	}}).start(t)
	s := newSender(t, smtp.Options{Addr: r.Addr, Timeout: 10 * time.Second, StopGrace: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-got; cancel() }()
	_, err := s.Send(ctx, from, []string{"a@example.com"}, msg)
	if !errors.Is(err, smtp.ErrUnanswered) {
		t.Fatalf("Send stopped after the whole message: %v; want ErrUnanswered", err)
	}
}

func TestIdleSessionDroppedByRelayIsRedialled(t *testing.T) {
	r := (&relay{}).start(t)
	sl := &sleeps{}
	s := newSender(t, smtp.Options{Addr: r.Addr, Sleep: sl.Sleep})
	send(t, s, "a@example.com")
	r.DropAll()
	send(t, s, "b@example.com")
	if got := r.Arrived(); len(got) != 2 || got[1].Conn != 2 {
		t.Fatalf("arrived %+v", got)
	}
	if len(sl.Got()) != 0 {
		t.Errorf("waits %v: a dead idle session is replaced, not retried", sl.Got())
	}
}

func TestConcurrentSendsStayWithinSessions(t *testing.T) {
	// The relay holds every DATA until as many as Sessions wait at once,
	// so that the sessions really overlap.
	const sessions, messages = 2, 16
	var mu sync.Mutex
	waiting := 0
	gate := make(chan struct{})
	r := (&relay{OnData: func(int, *gosmtp.Conn) error {
		mu.Lock()
		if waiting++; waiting == sessions {
			close(gate)
		}
		mu.Unlock()
		<-gate
		return nil
	}}).start(t)
	s := newSender(t, smtp.Options{Addr: r.Addr, Sessions: sessions})
	var wg sync.WaitGroup
	errs := make(chan error, messages)
	for i := range messages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Send(context.Background(), from, []string{fmt.Sprintf("u%d@example.com", i)}, msg)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := len(r.Arrived()); n != messages {
		t.Errorf("%d arrived, want %d", n, messages)
	}
	if r.MaxOpen() != sessions || r.Conns() != sessions {
		t.Errorf("max open %d, connections %d; want %d", r.MaxOpen(), r.Conns(), sessions)
	}
}

func TestCancelledContext(t *testing.T) {
	r := (&relay{}).start(t)
	s := newSender(t, smtp.Options{Addr: r.Addr})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Send(ctx, from, []string{"a@example.com"}, msg)
	if !errors.Is(err, context.Canceled) || errors.Is(err, smtp.ErrTemporary) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestClosedSenderRefuses(t *testing.T) {
	r := (&relay{}).start(t)
	s := newSender(t, smtp.Options{Addr: r.Addr})
	send(t, s, "a@example.com")
	s.Close()
	if _, err := s.Send(context.Background(), from, []string{"a@example.com"}, msg); err == nil {
		t.Fatal("Send after Close succeeded")
	}
}

// BenchmarkSend submits one iMIP-sized message per iteration to an
// in-process relay, over reused sessions.
func BenchmarkSend(b *testing.B) {
	r := (&relay{Discard: true}).start(b)
	s, err := smtp.New(smtp.Options{Addr: r.Addr, Sessions: 4})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	body := bytes.Repeat([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456\r\n"), 100)
	b.SetBytes(int64(len(body)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Send(context.Background(), from, []string{"a@example.com", "b@example.com"}, body); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func TestPermanentFailureAfterPartialDelivery(t *testing.T) {
	// b is deferred; when it is retried the relay refuses the whole
	// transaction for good. a has the message, so Send reports b only.
	r := (&relay{
		OnRcpt: func(tx int, to string) error {
			if tx == 1 && to == "b@example.com" {
				return code(451, "later")
			}
			return nil
		},
		OnMail: func(tx int) error {
			if tx == 2 {
				return code(554, "5.7.1 policy")
			}
			return nil
		},
	}).start(t)
	s := newSender(t, smtp.Options{Addr: r.Addr, Sleep: (&sleeps{}).Sleep})
	res := send(t, s, "a@example.com", "b@example.com")
	want := []smtp.Rejection{{Recipient: "b@example.com", Code: 554, Message: "5.7.1 policy"}}
	if !reflect.DeepEqual(res.Rejected, want) {
		t.Errorf("rejected %+v, want %+v", res.Rejected, want)
	}
	if got := r.Arrived(); len(got) != 1 || !reflect.DeepEqual(got[0].To, []string{"a@example.com"}) {
		t.Errorf("arrived %+v", got)
	}
}

func TestSilentRelayTimesOutAsTemporary(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // accept and never greet; close all when the listener is closed
		var conns []net.Conn
		for {
			c, err := ln.Accept()
			if err != nil {
				for _, c := range conns {
					c.Close()
				}
				return
			}
			conns = append(conns, c)
		}
	}()
	s := newSender(t, smtp.Options{Addr: ln.Addr().String(), Timeout: 50 * time.Millisecond, Retries: -1})
	_, err = s.Send(context.Background(), from, []string{"a@example.com"}, msg)
	if !errors.Is(err, smtp.ErrTemporary) || !strings.Contains(err.Error(), "greeting") {
		t.Fatalf("err = %v, want ErrTemporary naming the greeting", err)
	}
}

// A stop while the relay is taking the message (DATA sent) waits for its
// answer: the message it took is reported sent, not cut off and sent
// again on resume.
func TestStopDuringDataWaitsForTheAnswer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := (&relay{OnData: func(int, *gosmtp.Conn) error {
		cancel() // the run is stopped while the relay holds the whole message
		time.Sleep(100 * time.Millisecond)
		return nil
	}}).start(t)
	s := newSender(t, smtp.Options{Addr: r.Addr, Sleep: (&sleeps{}).Sleep})
	res, err := s.Send(ctx, from, []string{"a@example.com"}, msg)
	if err != nil || len(res.Rejected) != 0 {
		t.Fatalf("Send = %+v, %v; want the message the relay took reported sent", res, err)
	}
	if got := r.Arrived(); len(got) != 1 {
		t.Fatalf("%d messages arrived", len(got))
	}
	if _, err := s.Send(ctx, from, []string{"b@example.com"}, msg); !errors.Is(err, context.Canceled) {
		t.Errorf("a Send after the stop: %v, want context.Canceled", err)
	}
}

// A stop before DATA cuts the transaction at once; one during DATA whose
// relay never answers is cut after StopGrace.
func TestStopCutsTransactionsBeforeDataAtOnce(t *testing.T) {
	t.Run("before DATA", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		release := make(chan struct{})
		defer close(release)
		r := (&relay{OnRcpt: func(int, string) error {
			cancel()
			<-release // a relay slow to answer RCPT
			return nil
		}}).start(t)
		s := newSender(t, smtp.Options{Addr: r.Addr, StopGrace: time.Hour, Sleep: (&sleeps{}).Sleep})
		start := time.Now()
		_, err := s.Send(ctx, from, []string{"a@example.com"}, msg)
		if !errors.Is(err, context.Canceled) || time.Since(start) > 10*time.Second {
			t.Errorf("Send = %v after %v; want context.Canceled at once", err, time.Since(start))
		}
	})
	t.Run("relay silent after DATA", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		release := make(chan struct{})
		defer close(release)
		r := (&relay{OnData: func(int, *gosmtp.Conn) error {
			cancel()
			<-release
			return nil
		}}).start(t)
		s := newSender(t, smtp.Options{Addr: r.Addr, StopGrace: 200 * time.Millisecond, Sleep: (&sleeps{}).Sleep})
		start := time.Now()
		_, err := s.Send(ctx, from, []string{"a@example.com"}, msg)
		if took := time.Since(start); !errors.Is(err, context.Canceled) || took < 200*time.Millisecond || took > 10*time.Second {
			t.Errorf("Send = %v after %v; want context.Canceled after the 200ms grace", err, took)
		}
	})
}
