package smtp_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/mms-project/mms/batch/smtp"
)

func TestAddress(t *testing.T) {
	for in, want := range map[string]string{
		"a@example.com":                   "a@example.com",
		"  mailto:a@Example.COM ":         "a@example.com",
		"MAILTO:b.c+x@example.com":        "b.c+x@example.com",
		"mailto:%C3%A5sa@ex%C3%A4mple.se": "åsa@xn--exmple-cua.se",
		"åsa@exämple.se":                  "åsa@xn--exmple-cua.se",
		"bob@bücher.example":              "bob@xn--bcher-kva.example",
		"Anne.Smith@EXAMPLE.com":          "Anne.Smith@example.com",
		"op@[192.0.2.1]":                  "op@[192.0.2.1]",
	} {
		if got, err := smtp.Address(in); got != want || err != nil {
			t.Errorf("Address(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, why := range map[string]string{
		"":                                       "no @",
		"mailto:":                                "no @",
		"alice":                                  "no @",
		"@example.com":                           "nothing before",
		"alice@":                                 "nothing after",
		"al ice@example.com":                     "not allowed",
		"al<ice@example.com":                     "not allowed",
		"alice@exa mple.com":                     "domain",
		"alice@-example.com":                     "domain",
		".alice@example.com":                     "dot",
		"al..ice@example.com":                    "dot",
		"a\x00b@example.com":                     "not allowed",
		"\xff@example.com":                       "UTF-8",
		strings.Repeat("x", 65) + "@example.com": "64 bytes",
	} {
		_, err := smtp.Address(in)
		if !errors.Is(err, smtp.ErrMalformed) || !strings.Contains(err.Error(), why) {
			t.Errorf("Address(%q): err = %v, want ErrMalformed saying %q", in, err, why)
			continue
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("%q", in)) {
			t.Errorf("Address(%q): error %q does not name the address", in, err)
		}
	}
}

func TestSplitRecipients(t *testing.T) {
	rs := smtp.SplitRecipients("mailto:Boss@Example.com", []string{"the.boss@example.com", "boss@exämple.se"}, []string{
		"mailto:a@example.com",
		"mailto:BOSS@example.com",       // the organiser
		"mailto:The.Boss@EXAMPLE.com",   // the organiser under an alias
		"mailto:boss@xn--exmple-cua.se", // an alias, in its ASCII form
		"mailto:A@example.com",          // repeated
		"mailto:not-an-address",
		"mailto:åsa@exämple.se",
		"mailto:x@exa mple.com",
	})
	if want := []string{"a@example.com", "åsa@xn--exmple-cua.se"}; !reflect.DeepEqual(rs.To, want) {
		t.Errorf("To = %q, want %q", rs.To, want)
	}
	if len(rs.Malformed) != 2 || rs.Malformed[0].Address != "mailto:not-an-address" || rs.Malformed[1].Address != "mailto:x@exa mple.com" {
		t.Fatalf("Malformed = %+v, want the two bad addresses as given", rs.Malformed)
	}
	for _, m := range rs.Malformed {
		if !errors.Is(m.Err, smtp.ErrMalformed) || !strings.Contains(m.Err.Error(), m.Address) {
			t.Errorf("%q: err %v does not name it", m.Address, m.Err)
		}
	}
}

func TestNonASCIILocalPartSentWhenRelayOffersSMTPUTF8(t *testing.T) {
	r := (&relay{UTF8: true}).start(t)
	s := newSender(t, smtp.Options{Addr: r.Addr})
	res := send(t, s, "åsa@exämple.se", "bob@example.com")
	got := r.Arrived()
	if len(res.Rejected) != 0 || len(got) != 1 {
		t.Fatalf("rejected %v, arrived %+v", res.Rejected, got)
	}
	if want := []string{"åsa@xn--exmple-cua.se", "bob@example.com"}; !reflect.DeepEqual(got[0].To, want) || !got[0].UTF8 {
		t.Errorf("envelope %q, SMTPUTF8 %v; want %q with SMTPUTF8", got[0].To, got[0].UTF8, want)
	}
	if got[0].Body != gosmtp.Body8BitMIME {
		t.Errorf("BODY=%q, want 8BITMIME (the relay offers it)", got[0].Body)
	}
}

func TestNonASCIILocalPartRefusedWithoutSMTPUTF8(t *testing.T) {
	r := (&relay{}).start(t)
	s := newSender(t, smtp.Options{Addr: r.Addr})
	res := send(t, s, "åsa@exämple.se", "bob@bücher.example")
	if len(res.Rejected) != 1 || res.Rejected[0].Recipient != "åsa@xn--exmple-cua.se" || res.Rejected[0].Code != 553 ||
		!strings.Contains(res.Rejected[0].Message, "<åsa@xn--exmple-cua.se>") || !strings.Contains(res.Rejected[0].Message, "SMTPUTF8") {
		t.Fatalf("rejected %+v, want åsa refused with a reason naming her and SMTPUTF8", res.Rejected)
	}
	got := r.Arrived()
	if len(got) != 1 || !reflect.DeepEqual(got[0].To, []string{"bob@xn--bcher-kva.example"}) || got[0].UTF8 {
		t.Fatalf("arrived %+v, want bob only, by his ASCII domain, without SMTPUTF8", got)
	}
	// Nobody left: an error naming the address, nothing sent.
	_, err := s.Send(context.Background(), from, []string{"åsa@exämple.se"}, msg)
	if err == nil || !strings.Contains(err.Error(), "åsa@xn--exmple-cua.se") || !strings.Contains(err.Error(), "SMTPUTF8") {
		t.Errorf("err = %v, want one naming the address and SMTPUTF8", err)
	}
	_, err = s.Send(context.Background(), "örjan@example.com", []string{"bob@example.com"}, msg)
	if err == nil || smtp.Stops(err) || errors.Is(err, smtp.ErrTemporary) || !strings.Contains(err.Error(), "örjan@example.com") {
		t.Errorf("non-ASCII sender: err = %v, want a permanent error naming it", err)
	}
	if n := len(r.Arrived()); n != 1 {
		t.Errorf("%d messages arrived, want still 1", n)
	}
}
