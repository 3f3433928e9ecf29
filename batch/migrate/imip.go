package migrate

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"github.com/mms-project/mms/batch/smtp"
	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/ics/block"
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

	hash   string // names the update (see requestUpdate.hash)
	legacy string // as a store of v0.31 or before named it (requestUpdate.legacy)
	key    string // names the change the update makes (see sender.key): part of ID
}

// ID is the message's stable identity: the same meeting, SEQUENCE, change
// and batch time (the batch's stamp, the same on every attempt) give the
// same id, so a resumed run overwrites or resends the same message rather
// than a new one (also when it carries more of the series than the first
// attempt would have: a CalDAV copy found rewritten already), and the same
// inputs and --now give the same outbox. Another change of the same
// meeting and SEQUENCE (a second batch over the same export with its
// conference ID corrected) is another message: it neither replaces the
// first in the outbox nor is dropped by a mail system as a copy of it.
func (m Message) ID() string {
	b := make([]byte, 0, len(m.User)+len(m.UID)+len(m.key)+64)
	b = append(append(b, m.User...), 0)
	b = append(append(b, m.UID...), 0)
	b = append(strconv.AppendInt(b, int64(m.Sequence), 10), 0)
	b = append(m.Date.UTC().AppendFormat(b, time.RFC3339Nano), 0)
	sum := sha256.Sum256(append(b, m.key...))
	return hex.EncodeToString(sum[:12])
}

// MessageID is the Message-ID header's value (without <>): ID on the
// organiser's domain, as the organiser's own client names its mail.
func (m Message) MessageID() string {
	return m.ID() + "@" + m.domain()
}

// domain is the organiser's domain, lower case.
func (m Message) domain() string {
	if a, err := smtp.Address(m.From); err == nil {
		return strings.ToLower(a[strings.LastIndexByte(a, '@')+1:])
	}
	return "mms.invalid" // an organiser with no usable address
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

// write builds the message: the header with go-message's header writer,
// the parts by hand in the layout of its multipart writer (their headers
// never change), the texts quoted-printable and the calendar part
// base64-encoded in one pass each, into a buffer grown once (go-message's
// encoder wrapped lines a byte at a time: a third of an update's cost).
func (m Message) write(w *bytes.Buffer) error {
	w.Grow(2048 + 40*len(m.To) + 2*len(m.Text) + 2*len(m.HTML) + base64.StdEncoding.EncodedLen(len(m.Calendar))*78/76)
	id := m.ID()
	var h mail.Header
	h.Set("Date", mailDate(m.Date))
	from := m.From
	if a, err := smtp.Address(m.From); err == nil {
		from = a // its domain in IDNA form, as To's and the envelope's
	}
	h.SetAddressList("From", []*mail.Address{{Address: from}})
	h.AddRaw([]byte("To: " + toHeader(m.To) + "\r\n"))
	if subject := subjectHeader(m.Subject); strings.Contains(subject, "\r\n") {
		h.AddRaw([]byte("Subject: " + subject + "\r\n")) // folded already: go-message refuses a value with line breaks
	} else {
		h.Set("Subject", subject)
	}
	h.SetMessageID(id + "@" + m.domain())
	h.Set("MIME-Version", "1.0")
	boundary := "mms-" + id
	h.SetContentType("multipart/alternative", map[string]string{"boundary": boundary})
	if err := textproto.WriteHeader(w, h.Header.Header); err != nil {
		return err
	}
	w.WriteString("--" + boundary + "\r\n" + textPartHeader)
	w.Write(appendQP(w.AvailableBuffer(), m.Text))
	if m.HTML != "" {
		w.WriteString("\r\n--" + boundary + "\r\n" + htmlPartHeader)
		w.Write(appendQP(w.AvailableBuffer(), m.HTML))
	}
	w.WriteString("\r\n--" + boundary + "\r\n" + calendarPartHeader)
	w.Write(base64Lines(w.AvailableBuffer(), m.Calendar))
	w.WriteString("\r\n--" + boundary + "--\r\n")
	return nil
}

// The parts' headers, as go-message writes them.
const (
	textPartHeader     = "Content-Transfer-Encoding: quoted-printable\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
	htmlPartHeader     = "Content-Transfer-Encoding: quoted-printable\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
	calendarPartHeader = "Content-Transfer-Encoding: base64\r\nContent-Type: text/calendar; charset=utf-8; component=VEVENT; method=REQUEST\r\n\r\n"
)

// lastDate is the Date header of the last message written: every message
// of a batch carries the batch's time.
var lastDate atomic.Pointer[struct {
	t time.Time
	s string
}]

// mailDate is t as mail.Header.SetDate writes it.
func mailDate(t time.Time) string {
	if d := lastDate.Load(); d != nil && d.t.Equal(t) && d.t.Location() == t.Location() {
		return d.s
	}
	var h mail.Header
	h.SetDate(t)
	s := h.Get("Date")
	lastDate.Store(&struct {
		t time.Time
		s string
	}{t, s})
	return s
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

// toHeader is the To field's value: the addresses as go-message writes
// them, folded between addresses so that a line holds at most 76
// characters (RFC 5322's 78, as go-message folds), an address longer than
// that alone on its line. go-message folds only at 76 or at 998, so a list
// of long addresses made lines of 900 characters.
func toHeader(addrs []string) string {
	const width = 76
	var b strings.Builder
	n := len("To: ")
	for i, a := range addrs {
		s := (&mail.Address{Address: a}).String()
		need := len(s)
		if i < len(addrs)-1 {
			need++ // its comma
		}
		switch {
		case i == 0:
			n += need
		case n+1+need <= width:
			b.WriteByte(' ')
			n += 1 + need
		default:
			b.WriteString("\r\n ")
			n = 1 + need
		}
		b.WriteString(s)
		if i < len(addrs)-1 {
			b.WriteByte(',')
		}
	}
	return b.String()
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
// and a hash of each component's new block text and SEQUENCE that names
// the update (see store.Sent and coveredBy): DTSTAMP and LAST-MODIFIED,
// which each batch writes anew, are not in it.
type requestUpdate struct {
	text, html string
	sequence   int
	hash       string
	// legacy is the hash a store written before component hashes (v0.31)
	// holds of the same update: one sha256 of every component's lines
	legacy string
}

// readUpdate reads an update from its iTIP request (as ics.Calendar.Request
// makes it).
func readUpdate(request []byte) requestUpdate {
	cal, err := ics.Parse("update", request)
	if err != nil { // not expected of our own request: hash it whole
		sum := sha256.Sum256(request)
		return requestUpdate{hash: hex.EncodeToString(sum[:])}
	}
	return updateOf(cal.Components("VEVENT"), (*ics.Component).Prop)
}

// readChanged reads the update of a meeting's changed components from the
// calendar as the rewrite left it, as readUpdate reads it from their
// request, without writing and parsing the request again.
func readChanged(cal *ics.Calendar, changed []*ics.Component) requestUpdate {
	return updateOf(changed, func(c *ics.Component, name string) (ics.Property, bool) { return cal.Current(c, name) })
}

// updateOf reads an update from its components, prop giving a
// component's first property of a name.
func updateOf(comps []*ics.Component, prop func(*ics.Component, string) (ics.Property, bool)) requestUpdate {
	var u requestUpdate
	hash := []byte(componentHashes)
	whole := sha256.New()
	for i, c := range comps {
		h := sha256.New()
		seq := 0
		if p, ok := prop(c, "SEQUENCE"); ok {
			seq, _ = strconv.Atoi(strings.TrimSpace(p.Value))
		}
		desc, _ := prop(c, "DESCRIPTION")
		alt, hasAlt := prop(c, "X-ALT-DESC")
		if hasAlt && !ics.IsHTMLBody(alt.Param("FMTTYPE")) {
			hasAlt = false
		}
		if i == 0 {
			u.text, u.sequence = desc.Text(), seq
			switch { // the HTML body as a rewrite reads it (see ics.htmlBody)
			case hasAlt:
				u.html = alt.Text()
			case ics.IsHTMLDescription(u.text): // Google's: the text part is what it shows
				u.html, u.text = u.text, block.HTMLText(u.text)
			default:
				u.html, _ = ics.AltrepHTML(desc) // Thunderbird's
			}
		}
		for _, name := range []string{"RECURRENCE-ID", "SEQUENCE", "DESCRIPTION", "X-ALT-DESC", "LOCATION"} {
			p, _ := prop(c, name)
			line := []byte(name + ":" + p.Value + "\x00")
			h.Write(line)
			whole.Write(line)
		}
		whole.Write([]byte{0xff}) // between components
		hash = hex.AppendEncode(hash, h.Sum(nil)[:componentHashSize])
	}
	u.hash, u.legacy = string(hash), hex.EncodeToString(whole.Sum(nil))
	return u
}

// componentHashes starts the hash of an update made of a hash of each
// component it carries, componentHashSize bytes each (in hex): an update
// whose components an earlier one all carried, as they are, says nothing
// new (see coveredBy).
const (
	componentHashes    = "c1:"
	componentHashSize  = 12
	componentHashWidth = 2 * componentHashSize
)

// coveredBy reports whether the update hashed as hash says nothing that
// the one hashed as prior did not: the same hash, or each of its
// components' hashes among prior's (a series update sent again once one
// of its instances is past carries fewer of them).
func coveredBy(hash, prior string) bool {
	if hash == prior {
		return true
	}
	rest, ok := strings.CutPrefix(hash, componentHashes)
	before, ok2 := strings.CutPrefix(prior, componentHashes)
	if !ok || !ok2 || len(rest)%componentHashWidth != 0 || len(before)%componentHashWidth != 0 {
		return false
	}
	had := make(map[string]bool, len(before)/componentHashWidth)
	for i := 0; i < len(before); i += componentHashWidth {
		had[before[i:i+componentHashWidth]] = true
	}
	for i := 0; i < len(rest); i += componentHashWidth {
		if !had[rest[i:i+componentHashWidth]] {
			return false
		}
	}
	return rest != ""
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

// subjectHeader encodes a Subject: line breaks and tabs become spaces (a
// SUMMARY may hold them), non-ASCII goes into encoded words (RFC 2047),
// each of whole characters and folded onto a line of its own so that no
// line of the header, "Subject: " included, is longer than 76 characters
// (go-message folds only between words, and mime's words are up to 75
// characters, too long for the first line: it then made one line of them
// all). A word too long for a header line (over 900 bytes without a
// space) is cut into encoded words too: folding it would add a space that
// is not in the SUMMARY, while the space between encoded words is not
// text.
func subjectHeader(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == '\t' {
			return ' '
		}
		return r
	}, s)
	long := false
	for _, w := range strings.Fields(s) {
		long = long || len(w) > 900
	}
	if !long && !strings.Contains(s, "=?") && mime.QEncoding.Encode("utf-8", s) == s {
		return s // ASCII: go-message folds it between words ("=?" would be read as an encoded word's start)
	}
	const open, end = "=?utf-8?q?", "?="
	var words []string
	limit := 76 - len("Subject: ") - len(open) - len(end) // the first line's
	var word []byte
	for _, r := range s {
		var b [utf8.UTFMax]byte
		n := utf8.EncodeRune(b[:], r)
		enc := appendQ(nil, b[:n])
		if len(word)+len(enc) > limit && len(word) > 0 {
			words = append(words, open+string(word)+end)
			word, limit = word[:0], 76-len(" ")-len(open)-len(end)
		}
		word = append(word, enc...)
	}
	words = append(words, open+string(word)+end)
	return strings.Join(words, "\r\n ")
}

// appendQ appends b in RFC 2047's Q encoding, as mime.QEncoding writes it.
func appendQ(dst, b []byte) []byte {
	const hex = "0123456789ABCDEF"
	for _, c := range b {
		switch {
		case c == ' ':
			dst = append(dst, '_')
		case c >= '!' && c <= '~' && c != '=' && c != '?' && c != '_':
			dst = append(dst, c)
		default:
			dst = append(dst, '=', hex[c>>4], hex[c&0x0f])
		}
	}
	return dst
}
