package smtp_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/smtp"
	"github.com/mms-project/mms/internal/postfix"
)

// End to end through a real Postfix (scripts/postfix.sh): what these tests
// check is what Postfix delivered into its Maildir, one file per
// recipient per message.

const (
	arrival = 20 * time.Second       // Postfix delivers after it answers DATA
	settle  = 500 * time.Millisecond // for a copy too many to show
)

// update is a small message with its own Message-ID.
func update(id string) []byte {
	return []byte("From: organiser@example.com\r\nTo: attendees@example.com\r\nSubject: update " + id +
		"\r\nMessage-ID: <" + id + "@mms.invalid>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe meeting moved.\r\n")
}

// TestPostfix starts (or finds) one relay for all its cases.
func TestPostfix(t *testing.T) {
	pf := postfix.Start(t)
	for _, c := range []struct {
		name string
		run  func(*testing.T, *postfix.Server)
	}{
		{"OneCopyPerRecipientPerMessage", postfixOneCopyPerRecipientPerMessage},
		{"StartTLSNeedsTheCA", postfixStartTLSNeedsTheCA},
		{"TLSName", postfixTLSName},
		{"AuthPlainOverTLS", postfixAuthPlainOverTLS},
		{"RejectedRecipientIsNamed", postfixRejectedRecipientIsNamed},
		{"TemporaryFailureIsRetried", postfixTemporaryFailureIsRetried},
		{"SMTPUTF8", postfixSMTPUTF8},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, pf) })
	}
}

func postfixSender(t *testing.T, pf *postfix.Server, o smtp.Options) *smtp.Sender {
	t.Helper()
	o.Addr = pf.Addr
	if o.CAFile == "" {
		o.CAFile = pf.CAFile
	}
	return newSender(t, o)
}

func postfixOneCopyPerRecipientPerMessage(t *testing.T, pf *postfix.Server) {
	tag := postfix.Tag(t)
	s := postfixSender(t, pf, smtp.Options{})
	to := []string{"a@" + tag, "b@" + tag, "c@" + tag, "A@" + strings.ToUpper(tag)} // the last repeats the first
	for i := range 3 {
		res, err := s.Send(context.Background(), from, to, update(fmt.Sprintf("m%d.%s", i, tag)))
		if err != nil || len(res.Rejected) != 0 {
			t.Fatalf("message %d: %v, rejected %v", i, err, res.Rejected)
		}
	}
	got := pf.Wait(t, tag, 9, arrival, settle)
	copies := map[string]int{}
	for _, m := range got {
		copies[strings.ToLower(m.To)+" "+m.Header.Get("Message-ID")]++
		if rcv := m.Header.Get("Received"); !strings.Contains(rcv, "using TLS") {
			t.Errorf("%s came without TLS: Received: %s", m.To, rcv)
		}
	}
	if len(got) != 9 || len(copies) != 9 {
		t.Errorf("%d copies, %d distinct (recipient, Message-ID); want 9 and 9: %v", len(got), len(copies), copies)
	}
}

func postfixStartTLSNeedsTheCA(t *testing.T, pf *postfix.Server) {
	tag := postfix.Tag(t)
	s := newSender(t, smtp.Options{Addr: pf.Addr})
	_, err := s.Send(context.Background(), from, []string{"a@" + tag}, update("untrusted."+tag))
	if !errors.Is(err, smtp.ErrTLS) || !strings.Contains(err.Error(), "--smtp-ca") {
		t.Fatalf("without the CA: err = %v, want ErrTLS pointing to --smtp-ca", err)
	}
	if got := pf.Delivered(t, tag); len(got) != 0 {
		t.Errorf("%d copies delivered over an unverified connection", len(got))
	}
}

func postfixTLSName(t *testing.T, pf *postfix.Server) {
	tag := postfix.Tag(t)
	s := postfixSender(t, pf, smtp.Options{TLSName: pf.TLSName})
	send := func(s *smtp.Sender, id string) error {
		_, err := s.Send(context.Background(), from, []string{"a@" + tag}, update(id+"."+tag))
		return err
	}
	if err := send(s, "named"); err != nil {
		t.Fatalf("with --smtp-tls-name %s: %v", pf.TLSName, err)
	}
	pf.Wait(t, tag, 1, arrival, 0)
	wrong := postfixSender(t, pf, smtp.Options{TLSName: "other.mms.test"})
	if err := send(wrong, "wrong"); !errors.Is(err, smtp.ErrTLS) || !strings.Contains(err.Error(), "other.mms.test") {
		t.Errorf("with a name not on the certificate: err = %v, want ErrTLS naming it", err)
	}
}

func postfixAuthPlainOverTLS(t *testing.T, pf *postfix.Server) {
	tag := postfix.Tag(t)
	s := postfixSender(t, pf, smtp.Options{User: pf.User, Password: pf.Password})
	if _, err := s.Send(context.Background(), from, []string{"a@" + tag}, update("auth."+tag)); err != nil {
		t.Fatal(err)
	}
	got := pf.Wait(t, tag, 1, arrival, 0)
	if rcv := got[0].Header.Get("Received"); !strings.Contains(rcv, "Authenticated sender: "+pf.User) || !strings.Contains(rcv, "using TLS") {
		t.Errorf("Received: %s; want TLS and the authenticated sender %s", rcv, pf.User)
	}
	bad := postfixSender(t, pf, smtp.Options{User: pf.User, Password: "wrong-" + pf.Password})
	_, err := bad.Send(context.Background(), from, []string{"b@" + tag}, update("badauth."+tag))
	if !errors.Is(err, smtp.ErrAuth) || !strings.Contains(err.Error(), "535") {
		t.Errorf("wrong password: err = %v, want ErrAuth with Postfix's 535", err)
	}
}

func postfixRejectedRecipientIsNamed(t *testing.T, pf *postfix.Server) {
	tag := postfix.Tag(t)
	s := postfixSender(t, pf, smtp.Options{})
	res, err := s.Send(context.Background(), from, []string{"a@" + tag, "reject@" + tag}, update("rej."+tag))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejected) != 1 || res.Rejected[0].Recipient != "reject@"+tag || res.Rejected[0].Code != 550 {
		t.Errorf("rejected %+v, want reject@%s with 550", res.Rejected, tag)
	}
	if got := pf.Wait(t, tag, 1, arrival, settle); len(got) != 1 || got[0].To != "a@"+tag {
		t.Errorf("delivered %+v, want one copy for a@%s", got, tag)
	}
	_, err = s.Send(context.Background(), from, []string{"reject@" + tag}, update("rejall."+tag))
	if err == nil || !strings.Contains(err.Error(), "reject@"+tag) || !strings.Contains(err.Error(), "550") {
		t.Errorf("all refused: err = %v, want one naming reject@%s and 550", err, tag)
	}
}

func postfixTemporaryFailureIsRetried(t *testing.T, pf *postfix.Server) {
	tag := postfix.Tag(t)
	sl := &sleeps{}
	var mu sync.Mutex
	var retries []error
	s := postfixSender(t, pf, smtp.Options{Retries: 2, Sleep: sl.Sleep, OnRetry: func(err error, _ time.Duration) {
		mu.Lock()
		retries = append(retries, err)
		mu.Unlock()
	}})
	res, err := s.Send(context.Background(), from, []string{"a@" + tag, "tempfail@" + tag}, update("temp."+tag))
	if err != nil {
		t.Fatal(err)
	}
	if len(sl.Got()) != 2 || len(retries) != 2 || !strings.Contains(retries[0].Error(), "tempfail@"+tag) {
		t.Errorf("waits %v, retries %v; want 2 of each naming tempfail@%s", sl.Got(), retries, tag)
	}
	if len(res.Rejected) != 1 || res.Rejected[0].Recipient != "tempfail@"+tag || res.Rejected[0].Code != 450 {
		t.Errorf("rejected %+v, want tempfail@%s with Postfix's 450 after the retries", res.Rejected, tag)
	}
	if got := pf.Wait(t, tag, 1, arrival, settle); len(got) != 1 {
		t.Errorf("%d copies for a@%s, want 1: the retries are for the deferred recipient alone", len(got), tag)
	}
	_, err = s.Send(context.Background(), from, []string{"tempfail@" + tag}, update("tempall."+tag))
	if !errors.Is(err, smtp.ErrTemporary) || !strings.Contains(err.Error(), "450") {
		t.Errorf("only a deferred recipient: err = %v, want ErrTemporary with 450", err)
	}
}

func postfixSMTPUTF8(t *testing.T, pf *postfix.Server) {
	tag := postfix.Tag(t)
	s := postfixSender(t, pf, smtp.Options{})
	res, err := s.Send(context.Background(), from, []string{"åsa@" + tag, "örjan@" + tag}, update("utf8."+tag))
	if err != nil || len(res.Rejected) != 0 {
		t.Fatalf("%v, rejected %v", err, res.Rejected)
	}
	got := pf.Wait(t, tag, 2, arrival, settle)
	to := map[string]bool{}
	for _, m := range got {
		to[m.To] = true
	}
	if len(got) != 2 || !to["åsa@"+tag] || !to["örjan@"+tag] {
		t.Errorf("delivered to %v, want åsa@%s and örjan@%s once each", to, tag, tag)
	}
}
