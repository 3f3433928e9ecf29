package smtp_test

import (
	"bytes"
	"io"
	"mime"
	"testing"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/mms-project/mms/batch/smtp"
)

const request = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//mms//EN\r\nMETHOD:REQUEST\r\n" +
	"BEGIN:VEVENT\r\nUID:040000008200E00074C5B7101A82E008\r\nSEQUENCE:1\r\n" +
	"DTSTART:20270105T090000Z\r\nDTEND:20270105T093000Z\r\nSUMMARY:Weekly sync\r\n" +
	"ORGANIZER:mailto:organiser@example.com\r\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:a@example.com\r\n" +
	"DESCRIPTION:Join Microsoft Teams Meeting\\nhttps://teams.microsoft.com/l/meetup-join/19%3ameeting_x\r\n" +
	" %40thread.v2/0\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

// imip builds a message the way batch/imip.go does: multipart/alternative
// with a quoted-printable text part and a base64 text/calendar;
// method=REQUEST part.
func imip(t *testing.T) []byte {
	t.Helper()
	var h mail.Header
	h.SetDate(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC))
	h.SetAddressList("From", []*mail.Address{{Address: from}})
	h.SetAddressList("To", []*mail.Address{{Address: "a@example.com"}, {Address: "b@example.com"}})
	h.SetSubject("Updated: Weekly sync — neue Einwahl")
	h.SetMessageID("0123456789abcdef@mms.invalid")
	h.Set("MIME-Version", "1.0")
	h.SetContentType("multipart/alternative", map[string]string{"boundary": "mms-0123456789abcdef"})
	var buf bytes.Buffer
	mw, err := message.CreateWriter(&buf, h.Header)
	if err != nil {
		t.Fatal(err)
	}
	part := func(ctype string, params map[string]string, enc, body string) {
		var ph message.Header
		ph.SetContentType(ctype, params)
		ph.Set("Content-Transfer-Encoding", enc)
		pw, err := mw.CreatePart(ph)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(pw, body)
		pw.Close()
	}
	part("text/plain", map[string]string{"charset": "utf-8"}, "quoted-printable", "The online meeting details of \"Weekly sync\" have changed.\r\n.\r\nJoin: https://teams.microsoft.com/l/x\r\n")
	part("text/calendar", map[string]string{"method": "REQUEST", "charset": "utf-8", "component": "VEVENT"}, "base64", request)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestIMIPMessageArrivesIntact(t *testing.T) {
	r := (&relay{}).start(t)
	s := newSender(t, smtp.Options{Addr: r.Addr})
	raw := imip(t)
	if _, err := s.Send(t.Context(), from, []string{"a@example.com", "b@example.com"}, raw); err != nil {
		t.Fatal(err)
	}
	got := r.Arrived()
	if len(got) != 1 || !bytes.Equal(got[0].Data, raw) {
		t.Fatalf("arrived %d messages; bytes equal: %v", len(got), len(got) == 1 && bytes.Equal(got[0].Data, raw))
	}
	e, err := message.Read(bytes.NewReader(got[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if ct, _, _ := e.Header.ContentType(); ct != "multipart/alternative" {
		t.Fatalf("content type %q", ct)
	}
	mr := e.MultipartReader()
	var calendars int
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, params, _ := p.Header.ContentType()
		if ct != "text/calendar" {
			continue
		}
		calendars++
		if params["method"] != "REQUEST" {
			t.Errorf("calendar part params %v, want method=REQUEST", params)
		}
		body, err := io.ReadAll(p.Body) // go-message decodes the base64
		if err != nil {
			t.Fatal(err)
		}
		if string(body) != request {
			t.Errorf("calendar part differs:\n%q\nwant\n%q", body, request)
		}
	}
	if calendars != 1 {
		t.Errorf("%d text/calendar parts, want 1", calendars)
	}
	mh := mail.Header{Header: e.Header}
	subj, _ := mh.Subject()
	if want := "Updated: Weekly sync — neue Einwahl"; subj != want {
		t.Errorf("subject %q, want %q (%s)", subj, want, mime.QEncoding.Encode("utf-8", want))
	}
}
