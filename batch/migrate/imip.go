package migrate

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime/quotedprintable"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// Message is one iMIP update (RFC 6047) for the attendees of one meeting.
type Message struct {
	User     string // whose batch it belongs to
	UID      string
	From     string // the organiser
	To       []string
	Subject  string
	Text     string // the readable part
	Calendar []byte // the iTIP METHOD:REQUEST
	Date     time.Time
}

// ID is the message's stable identity: the same meeting and run time give
// the same id, so a resumed run overwrites rather than duplicates.
func (m Message) ID() string {
	sum := sha256.Sum256([]byte(m.User + "\x00" + m.UID + "\x00" + m.Date.UTC().Format(time.RFC3339Nano)))
	return hex.EncodeToString(sum[:12])
}

// WriteTo writes the message as MIME: multipart/alternative with a text part
// and the text/calendar; method=REQUEST part.
func (m Message) WriteTo(w io.Writer) (int64, error) {
	if b, ok := w.(*bytes.Buffer); ok {
		n := b.Len()
		err := m.write(b)
		return int64(b.Len() - n), err
	}
	var buf bytes.Buffer
	if err := m.write(&buf); err != nil {
		return 0, err
	}
	return buf.WriteTo(w)
}

// write builds the message with go-message's header and multipart
// writers; the calendar part is base64-encoded here in one pass, into a
// buffer grown once (go-message's encoder wrapped lines a byte at a time:
// a third of an update's cost).
func (m Message) write(w *bytes.Buffer) error {
	w.Grow(2048 + 40*len(m.To) + 2*len(m.Text) + base64.StdEncoding.EncodedLen(len(m.Calendar))*78/76)
	var h mail.Header
	h.SetDate(m.Date)
	h.SetAddressList("From", []*mail.Address{{Address: m.From}})
	h.SetAddressList("To", addressList(m.To))
	h.SetSubject(m.Subject)
	h.SetMessageID(m.ID() + "@mms.invalid")
	h.Set("MIME-Version", "1.0")
	boundary := "mms-" + m.ID()
	h.SetContentType("multipart/alternative", map[string]string{"boundary": boundary})
	if err := textproto.WriteHeader(w, h.Header.Header); err != nil {
		return err
	}
	mw := textproto.NewMultipartWriter(w)
	if err := mw.SetBoundary(boundary); err != nil {
		return err
	}
	pw, err := createPart(mw, "text/plain", map[string]string{"charset": "utf-8"}, "quoted-printable")
	if err != nil {
		return err
	}
	qp := quotedprintable.NewWriter(pw)
	if _, err := qp.Write([]byte(m.Text)); err != nil {
		return err
	}
	if err := qp.Close(); err != nil {
		return err
	}
	params := map[string]string{"method": "REQUEST", "charset": "utf-8", "component": "VEVENT"}
	if _, err := createPart(mw, "text/calendar", params, "base64"); err != nil {
		return err
	}
	w.Write(base64Lines(w.AvailableBuffer(), m.Calendar))
	return mw.Close()
}

func createPart(mw *textproto.MultipartWriter, ctype string, params map[string]string, encoding string) (io.Writer, error) {
	var ph message.Header
	ph.SetContentType(ctype, params)
	ph.Set("Content-Transfer-Encoding", encoding)
	pw, err := mw.CreatePart(ph.Header)
	if err != nil {
		return nil, fmt.Errorf("mail part %s: %w", ctype, err)
	}
	return pw, nil
}

// base64Lines appends src to dst in base64, lines of 76 characters
// separated by CRLF (RFC 2045, section 6.8).
func base64Lines(dst, src []byte) []byte {
	const perLine = 57 // bytes in, 76 characters out
	for len(src) > 0 {
		n := min(len(src), perLine)
		dst = base64.StdEncoding.AppendEncode(dst, src[:n])
		if src = src[n:]; len(src) > 0 {
			dst = append(dst, '\r', '\n')
		}
	}
	return dst
}

func addressList(addrs []string) []*mail.Address {
	out := make([]*mail.Address, len(addrs))
	for i, a := range addrs {
		out[i] = &mail.Address{Address: a}
	}
	return out
}

// updateText is the readable part of an update.
func updateText(summary, joinURL string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The online meeting details of %q have changed.\r\n", summary)
	if joinURL != "" {
		fmt.Fprintf(&b, "Join: %s\r\n", joinURL)
	}
	b.WriteString("Your calendar program shows the updated meeting.\r\n")
	return b.String()
}
