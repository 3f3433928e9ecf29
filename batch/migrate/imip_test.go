package migrate

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"github.com/mms-project/mms/ics"
)

// The calendar part's base64 has lines of 76 characters at most, CRLF
// between them and none after the last, and decodes to the calendar.
func TestBase64Lines(t *testing.T) {
	for _, n := range []int{0, 1, 56, 57, 58, 114, 1000} {
		src := bytes.Repeat([]byte("BEGIN:VEVENT\r\n"), 100)[:n]
		got := string(base64Lines(nil, src))
		lines := strings.Split(got, "\r\n")
		for i, l := range lines {
			if len(l) > 76 || (i < len(lines)-1 && len(l) != 76) {
				t.Fatalf("%d bytes: line %d is %d characters", n, i+1, len(l))
			}
		}
		dec, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(got, "\r\n", ""))
		if err != nil || !bytes.Equal(dec, src) {
			t.Errorf("%d bytes: decodes to %d bytes, %v", n, len(dec), err)
		}
	}
}

// appendQP writes what mime/quotedprintable's Writer writes, byte for byte.
func TestAppendQPAgreesWithTheStandardLibrary(t *testing.T) {
	for _, s := range qpSeeds {
		checkQP(t, s)
	}
}

func FuzzAppendQP(f *testing.F) {
	for _, s := range qpSeeds {
		f.Add(s)
	}
	f.Fuzz(checkQP)
}

var qpSeeds = []string{
	"", "a", "=", " ", "a \r\nb\t\n", "\r", "\r\r\n\n", "\ré\n", "é\r\n",
	strings.Repeat("x", 75) + "=", strings.Repeat("x", 74) + " ", strings.Repeat("y", 200),
	strings.Repeat("ab ", 40) + "\n" + strings.Repeat("é", 40),
	"Hej alla – agendan följer.\n\n___\nClick here <https://teams.microsoft.com/l/meetup-join/x?context=%7b%22Tid%22%7d>\n",
}

func checkQP(t *testing.T, s string) {
	var want bytes.Buffer
	w := quotedprintable.NewWriter(&want)
	w.Write([]byte(s))
	w.Close()
	if got := appendQP([]byte("prefix"), s); string(got) != "prefix"+want.String() {
		t.Errorf("appendQP(%q) = %q, mime/quotedprintable wrote %q", s, got[len("prefix"):], want.String())
	}
}

// A message is byte for byte what go-message's multipart writer and
// mime/quotedprintable wrote before the parts were written by hand.
func TestMessageAsGoMessageWroteIt(t *testing.T) {
	date := time.Date(2026, 1, 15, 9, 0, 0, 0, time.FixedZone("CET", 3600))
	for _, m := range []Message{
		{User: "anna@contoso.com", UID: "u1", Sequence: 2, From: "anna@contoso.com", To: []string{"bo@fabrikam.com", "cy@fabrikam.com"},
			Subject: "Updated: Réunion", Text: "Hej – agendan.\n\nJoin <https://x?a=1>\n", HTML: "<p>Hej &ndash; <b>x</b></p>\r\n",
			Calendar: []byte("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"), Date: date},
		{User: "bo@contoso.com", UID: "u2", From: "not an address", To: []string{"x@y.z"}, Subject: "s", Text: "", Calendar: nil, Date: date.UTC()},
	} {
		var got bytes.Buffer
		if err := m.write(&got); err != nil {
			t.Fatal(err)
		}
		if want := goMessageWrite(t, m); got.String() != want {
			t.Errorf("message %s:\n got %q\nwant %q", m.UID, got.String(), want)
		}
	}
}

// goMessageWrite is how Message.write wrote a message with go-message's
// writers.
func goMessageWrite(t *testing.T, m Message) string {
	var w bytes.Buffer
	var h mail.Header
	h.SetDate(m.Date)
	h.SetAddressList("From", []*mail.Address{{Address: m.From}})
	h.SetAddressList("To", addressList(m.To))
	h.SetSubject(m.Subject)
	h.SetMessageID(m.MessageID())
	h.Set("MIME-Version", "1.0")
	boundary := "mms-" + m.ID()
	h.SetContentType("multipart/alternative", map[string]string{"boundary": boundary})
	if err := textproto.WriteHeader(&w, h.Header.Header); err != nil {
		t.Fatal(err)
	}
	mw := textproto.NewMultipartWriter(&w)
	if err := mw.SetBoundary(boundary); err != nil {
		t.Fatal(err)
	}
	part := func(ctype string, params map[string]string, encoding string) *textproto.MultipartWriter {
		var ph message.Header
		ph.SetContentType(ctype, params)
		ph.Set("Content-Transfer-Encoding", encoding)
		pw, err := mw.CreatePart(ph.Header)
		if err != nil {
			t.Fatal(err)
		}
		if encoding == "quoted-printable" {
			qp := quotedprintable.NewWriter(pw)
			text := m.Text
			if ctype == "text/html" {
				text = m.HTML
			}
			qp.Write([]byte(text))
			qp.Close()
		}
		return mw
	}
	part("text/plain", map[string]string{"charset": "utf-8"}, "quoted-printable")
	if m.HTML != "" {
		part("text/html", map[string]string{"charset": "utf-8"}, "quoted-printable")
	}
	part("text/calendar", map[string]string{"method": "REQUEST", "charset": "utf-8", "component": "VEVENT"}, "base64")
	w.Write(base64Lines(w.AvailableBuffer(), m.Calendar))
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return w.String()
}

// From names an organiser on a non-ASCII domain in IDNA form, as To, the
// Message-ID and the envelope do: an outbox file carries no SMTPUTF8.
func TestFromInIDNA(t *testing.T) {
	var buf bytes.Buffer
	m := Message{UID: "u", From: "anna@exämple.se", To: []string{"bo@fabrikam.com"}, Subject: "Updated: x", Text: "t", Calendar: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")}
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(buf.String(), "\r\n\r\n")
	if !strings.Contains(head, "From: <anna@xn--exmple-cua.se>") {
		t.Errorf("header:\n%s", head)
	}
}

// A Subject reads back as the SUMMARY: line breaks become spaces (never a
// new header line), and a word too long for one header line is cut into
// encoded words, not folded with a space it does not hold; no line of
// encoded words is longer than 76 characters (RFC 2047).
func TestSubjectReadsBackAsTheSummary(t *testing.T) {
	long := strings.Repeat("X", 1200) + "é" + strings.Repeat("Y", 300)
	french := strings.Repeat("Réunion d'équipe hebdomadaire ", 6) + strings.Repeat("é", 300) + " _=? 🙂"
	for _, c := range []struct{ summary, want string }{
		{"Weekly sync", "Weekly sync"},
		{"Line1\nBcc: eve@example.com", "Line1 Bcc: eve@example.com"},
		{"Möte 🙂", "Möte 🙂"},
		{long, long},
		{french, french},
		{strings.Repeat("word ", 99) + "end", strings.Repeat("word ", 99) + "end"},
		{"=?utf-8?q?Hi?= and =?x", "=?utf-8?q?Hi?= and =?x"}, // looks like encoded words: read back as written
	} {
		var buf bytes.Buffer
		m := Message{UID: "u", From: "anna@contoso.com", To: []string{"bo@fabrikam.com"}, Subject: "Updated: " + c.summary, Text: "t",
			Calendar: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")}
		if _, err := m.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(buf.String(), "\r\n") {
			if l == "" {
				break // the header's end
			}
			if len(l) > 76 && strings.Contains(l, "=?") {
				t.Errorf("%.40q: a header line of %d characters holds encoded words (at most 76): %.80q", c.summary, len(l), l)
			}
		}
		msg, err := netmail.ReadMessage(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if msg.Header.Get("Bcc") != "" {
			t.Errorf("%q: a Bcc header appeared", c.summary)
		}
		got, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || got != "Updated: "+c.want {
			t.Errorf("%.40q: Subject reads back %.80q (%v)", c.summary, got, err)
		}
	}
}

// An update that carries an instance alone is titled with the instance's
// own SUMMARY; one without any, with the meeting's.
func TestSummaryOfTheComponentsCarried(t *testing.T) {
	cal, err := ics.Parse("s.ics", []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nSUMMARY:Moved instance\r\nRECURRENCE-ID:20260112T100000Z\r\nEND:VEVENT\r\n"+
		"BEGIN:VEVENT\r\nUID:v\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	ms := cal.Meetings()
	if got := summaryOf(ms[0].Components(), "Series"); got != "Moved instance" {
		t.Errorf("instance: %q", got)
	}
	if got := summaryOf(ms[1].Components(), "Series"); got != "Series" {
		t.Errorf("no SUMMARY: %q", got)
	}
}

// An update's id is that of its meeting, SEQUENCE, batch time and change:
// the same whatever part of the series it carries (an attempt resumed on a
// CalDAV copy rewritten already carries the whole series), another for
// another change (a corrected conference ID).
func TestMessageIDNamesTheChange(t *testing.T) {
	first := ics.Change{ConferenceID: "555000111"}
	m := Message{User: "anna@contoso.com", UID: "u1", Sequence: 1, Date: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC), hash: "aa", key: changeKey(first)}
	more, corrected := m, m
	more.hash = "bb"
	corrected.key = changeKey(ics.Change{ConferenceID: "555000112"})
	if m.ID() != more.ID() {
		t.Error("the same change carrying more of the series got another id")
	}
	if m.ID() == corrected.ID() || OutboxName(m) == OutboxName(corrected) {
		t.Error("another change got the same id")
	}
	if changeKey(first) != changeKey(ics.Change{ConferenceID: "555000111"}) {
		t.Error("the same change named twice differently")
	}
}

// ID is the message's identity as ever (the outbox of an earlier version
// keeps its names): a hash of user, UID, SEQUENCE, batch time and change.
func TestIDAsEver(t *testing.T) {
	m := Message{User: "ana@contoso.com", UID: "uid-1", Sequence: 3, Date: time.Date(2026, 1, 15, 9, 0, 0, 5, time.FixedZone("x", 3600)), key: "abc"}
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%d\x00%s\x00%s", m.User, m.UID, m.Sequence, m.Date.UTC().Format(time.RFC3339Nano), m.key))
	if want := hex.EncodeToString(sum[:12]); m.ID() != want {
		t.Errorf("ID %s, want %s", m.ID(), want)
	}
}

// The To field folds between addresses, each line at most 76 characters
// but for an address longer than that, alone on its line; where
// go-message's folding keeps to 76 it is byte for byte go-message's. Found
// by an audit: 249 long addresses made lines of 913 characters.
func TestToHeaderFolds(t *testing.T) {
	for _, n := range []int{1, 2, 7, 30, 249} {
		for _, local := range []int{1, 12, 40, 70, 90} {
			var addrs []string
			for i := range n {
				addrs = append(addrs, fmt.Sprintf("%s%d@fabrikam-example.com", strings.Repeat("a", local), i))
			}
			var msg bytes.Buffer
			if err := (Message{UID: "u", From: "anna@contoso.com", To: addrs, Subject: "s", Date: time.Unix(0, 0)}).write(&msg); err != nil {
				t.Fatal(err)
			}
			head := msg.String()[:strings.Index(msg.String(), "\r\n\r\n")+2]
			start := strings.Index(head, "\r\nTo: ") + 2
			end := start + strings.Index(head[start:], "\r\n")
			for strings.HasPrefix(head[end+2:], " ") {
				end += 2 + strings.Index(head[end+2:], "\r\n")
			}
			got := head[start:end] + "\r\n"
			long := false
			for _, line := range strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n") {
				if len(line) > 76 {
					long = true
					if f := strings.Fields(line); len(f) != 1 && !(len(f) == 2 && f[0] == "To:") {
						t.Errorf("%d addresses of %d: a line over 76 characters holds more than one address: %q", n, local, line)
					}
				}
			}
			parsed, err := netmail.ParseAddressList(strings.ReplaceAll(strings.TrimPrefix(strings.TrimSuffix(got, "\r\n"), "To: "), "\r\n", ""))
			if err != nil || len(parsed) != n || parsed[n-1].Address != addrs[n-1] {
				t.Fatalf("%d addresses of %d: %v, %d read back", n, local, err, len(parsed))
			}
			if long {
				continue
			}
			var h mail.Header
			h.SetAddressList("To", addressList(addrs))
			var want bytes.Buffer
			textproto.WriteHeader(&want, h.Header.Header)
			if got+"\r\n" != want.String() {
				t.Errorf("%d addresses of %d:\n got %q\nwant %q", n, local, got, want.String())
			}
		}
	}
}
