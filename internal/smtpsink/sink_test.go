package smtpsink_test

import (
	"bytes"
	"net"
	"net/smtp"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/internal/smtpsink"
)

func TestSinkRecords(t *testing.T) {
	s := smtpsink.Start(t, "127.0.0.1:0")
	body := []byte("Subject: x\r\n\r\nhello\r\n")
	if err := smtp.SendMail(s.Addr, nil, "a@example.com", []string{"b@example.com", "c@example.com"}, body); err != nil {
		t.Fatal(err)
	}
	got := s.Messages()
	if len(got) != 1 || got[0].From != "a@example.com" ||
		!reflect.DeepEqual(got[0].To, []string{"b@example.com", "c@example.com"}) || !bytes.Equal(got[0].Data, body) {
		t.Fatalf("recorded %+v", got)
	}
}

// Hooks refuse what they are told to, and credentials are required when
// set; what got through is counted by Message-Id.
func TestSinkHooks(t *testing.T) {
	s := smtpsink.StartWith(t, "127.0.0.1:0", smtpsink.Hooks{
		Users: map[string]string{"mms": "right"},
		Rcpt: func(_, to string) error {
			if to == "gone@example.com" {
				return smtpsink.Refuse(550, "no such user")
			}
			return nil
		},
	})
	body := []byte("Message-Id: <1@mms.invalid>\r\nSubject: x\r\n\r\nhello\r\n")
	if err := smtp.SendMail(s.Addr, nil, "a@example.com", []string{"b@example.com"}, body); err == nil {
		t.Error("sent without the credentials it requires")
	}
	auth := smtp.PlainAuth("", "mms", "right", "127.0.0.1")
	err := smtp.SendMail(s.Addr, auth, "a@example.com", []string{"gone@example.com"}, body)
	if err == nil || !strings.Contains(err.Error(), "550") {
		t.Errorf("refused recipient: %v", err)
	}
	if err := smtp.SendMail(s.Addr, auth, "a@example.com", []string{"b@example.com"}, body); err != nil {
		t.Fatal(err)
	}
	if got := s.Arrivals(); len(got) != 1 || got["<1@mms.invalid>"] != 1 {
		t.Errorf("arrivals %v", got)
	}
}

// A fixed port held for a moment by something else (the local end of
// another program's connection, in CI) is waited for, not failed on.
func TestSinkWaitsForAHeldPort(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := held.Addr().String()
	go func() {
		time.Sleep(500 * time.Millisecond)
		held.Close()
	}()
	s := smtpsink.Start(t, addr)
	if s.Addr != addr {
		t.Fatalf("listening on %s, want %s", s.Addr, addr)
	}
	if err := smtp.SendMail(s.Addr, nil, "a@example.com", []string{"b@example.com"}, []byte("Subject: x\r\n\r\nhi\r\n")); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Messages()); n != 1 {
		t.Fatalf("%d messages arrived, want 1", n)
	}
}
