package migrate

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime/quotedprintable"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"github.com/mms-project/mms/batch/smtp"
	"github.com/mms-project/mms/ics"
)

// Message is one iMIP update (RFC 6047) for the attendees of one meeting.
type Message struct {
	User     string // whose batch it belongs to
	UID      string
	Sequence int    // the update's SEQUENCE
	From     string // the organiser
	To       []string
	Subject  string
	Text     string // text/plain: the meeting's new DESCRIPTION
	HTML     string // text/html: its new X-ALT-DESC; "" for none
	Calendar []byte // the iTIP METHOD:REQUEST
	Date     time.Time

	hash string // names the update (see requestUpdate.hash)
}

// ID is the message's stable identity: the same meeting, SEQUENCE and
// batch time (the batch's stamp, the same on every attempt) give the same
// id, so a resumed run overwrites or resends the same message rather than
// a new one, and the same inputs and --now give the same outbox.
func (m Message) ID() string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%d\x00%s", m.User, m.UID, m.Sequence, m.Date.UTC().Format(time.RFC3339Nano)))
	return hex.EncodeToString(sum[:12])
}

// MessageID is the Message-ID header's value (without <>): ID on the
// organiser's domain, as the organiser's own client names its mail.
func (m Message) MessageID() string {
	domain := "mms.invalid" // an organiser with no usable address
	if a, err := smtp.Address(m.From); err == nil {
		domain = strings.ToLower(a[strings.LastIndexByte(a, '@')+1:])
	}
	return m.ID() + "@" + domain
}

// WriteTo writes the message as MIME, as Outlook writes an update:
// multipart/alternative with the text part, the HTML part (when the
// meeting has an HTML body) and the text/calendar; method=REQUEST part.
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
	w.Grow(2048 + 40*len(m.To) + 2*len(m.Text) + 2*len(m.HTML) + base64.StdEncoding.EncodedLen(len(m.Calendar))*78/76)
	var h mail.Header
	h.SetDate(m.Date)
	h.SetAddressList("From", []*mail.Address{{Address: m.From}})
	h.SetAddressList("To", addressList(m.To))
	h.SetSubject(m.Subject)
	h.SetMessageID(m.MessageID())
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
	if err := writeQP(mw, "text/plain", m.Text); err != nil {
		return err
	}
	if m.HTML != "" {
		if err := writeQP(mw, "text/html", m.HTML); err != nil {
			return err
		}
	}
	params := map[string]string{"method": "REQUEST", "charset": "utf-8", "component": "VEVENT"}
	if _, err := createPart(mw, "text/calendar", params, "base64"); err != nil {
		return err
	}
	w.Write(base64Lines(w.AvailableBuffer(), m.Calendar))
	return mw.Close()
}

// writeQP writes a text part in quoted-printable, UTF-8.
func writeQP(mw *textproto.MultipartWriter, ctype, text string) error {
	pw, err := createPart(mw, ctype, map[string]string{"charset": "utf-8"}, "quoted-printable")
	if err != nil {
		return err
	}
	qp := quotedprintable.NewWriter(pw)
	if _, err := qp.Write([]byte(text)); err != nil {
		return err
	}
	return qp.Close()
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

// requestUpdate is what one meeting's update says, read back from its iTIP
// request: the master's (or first instance's) new bodies, its SEQUENCE,
// and a hash of every component's new block text and SEQUENCE that names
// the update (see store.Sent): DTSTAMP and LAST-MODIFIED, which each batch
// writes anew, are not in it.
type requestUpdate struct {
	text, html string
	sequence   int
	hash       string
}

// readUpdate reads an update from its iTIP request (as ics.Calendar.Request
// makes it).
func readUpdate(request []byte) requestUpdate {
	var u requestUpdate
	h := sha256.New()
	cal, err := ics.Parse("update", request)
	if err != nil { // not expected of our own request: hash it whole
		h.Write(request)
		u.hash = hex.EncodeToString(h.Sum(nil))
		return u
	}
	for i, c := range cal.Components("VEVENT") {
		seq := 0
		if p, ok := c.Prop("SEQUENCE"); ok {
			seq, _ = strconv.Atoi(strings.TrimSpace(p.Value))
		}
		desc, _ := c.Prop("DESCRIPTION")
		alt, hasAlt := c.Prop("X-ALT-DESC")
		if hasAlt && !strings.EqualFold(alt.Param("FMTTYPE"), "text/html") {
			hasAlt = false
		}
		if i == 0 {
			u.text, u.sequence = desc.Text(), seq
			if hasAlt {
				u.html = alt.Text()
			}
		}
		for _, name := range []string{"RECURRENCE-ID", "SEQUENCE", "DESCRIPTION", "X-ALT-DESC", "LOCATION"} {
			p, _ := c.Prop(name)
			fmt.Fprintf(h, "%s:%s\x00", name, p.Value)
		}
		h.Write([]byte{0xff}) // between components
	}
	u.hash = hex.EncodeToString(h.Sum(nil))
	return u
}

// updateText is the readable part of an update whose meeting has no
// DESCRIPTION.
func updateText(summary, joinURL string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The online meeting details of %q have changed.\r\n", summary)
	if joinURL != "" {
		fmt.Fprintf(&b, "Join: %s\r\n", joinURL)
	}
	b.WriteString("Your calendar program shows the updated meeting.\r\n")
	return b.String()
}
