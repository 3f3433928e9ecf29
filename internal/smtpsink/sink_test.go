package smtpsink_test

import (
	"bytes"
	"net/smtp"
	"reflect"
	"testing"

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
