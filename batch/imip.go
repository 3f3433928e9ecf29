package batch

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
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
	var buf bytes.Buffer
	if err := m.write(&buf); err != nil {
		return 0, err
	}
	return buf.WriteTo(w)
}

func (m Message) write(w io.Writer) error {
	var h mail.Header
	h.SetDate(m.Date)
	h.SetAddressList("From", []*mail.Address{{Address: m.From}})
	h.SetAddressList("To", addressList(m.To))
	h.SetSubject(m.Subject)
	h.SetMessageID(m.ID() + "@mms.invalid")
	h.Set("MIME-Version", "1.0")
	h.SetContentType("multipart/alternative", map[string]string{"boundary": "mms-" + m.ID()})
	mw, err := message.CreateWriter(w, h.Header)
	if err != nil {
		return err
	}
	if err := writePart(mw, "text/plain", map[string]string{"charset": "utf-8"}, "quoted-printable", []byte(m.Text)); err != nil {
		return err
	}
	params := map[string]string{"method": "REQUEST", "charset": "utf-8", "component": "VEVENT"}
	if err := writePart(mw, "text/calendar", params, "base64", m.Calendar); err != nil {
		return err
	}
	return mw.Close()
}

func writePart(mw *message.Writer, ctype string, params map[string]string, encoding string, body []byte) error {
	var ph message.Header
	ph.SetContentType(ctype, params)
	ph.Set("Content-Transfer-Encoding", encoding)
	pw, err := mw.CreatePart(ph)
	if err != nil {
		return fmt.Errorf("mail part %s: %w", ctype, err)
	}
	if _, err := pw.Write(body); err != nil {
		return err
	}
	return pw.Close()
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
