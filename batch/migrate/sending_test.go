package migrate

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/ics/block"
)

// captured keeps every message sent, as written.
type captured struct {
	mu   sync.Mutex
	msgs []Message
	data [][]byte
}

func (c *captured) Send(_ context.Context, m Message) (Delivery, error) {
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return Delivery{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, m)
	c.data = append(c.data, buf.Bytes())
	return Delivery{}, nil
}

const (
	skypeUID = "040000008200E00074C5B7101A82E0080000000000000001000000010000000000000000100000001" // user00001's Skype meeting
	teamsURL = "https://teams.microsoft.com/l/meetup-join/{meeting}/0?context=%7b%22Tid%22%3a%22contoso%22%7d"
)

// attendeeCalendar is the demo's user00001 calendar with attendees added
// to its Skype meeting: the organiser under an alias, one malformed
// address and one on a non-ASCII domain.
func attendeeCalendar(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../fixtures/demo/calendars/user00001.ics")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	uid := strings.Index(s, "UID:"+skypeUID[:60])
	org := strings.LastIndex(s[:uid], "ORGANIZER")
	eol := org + strings.Index(s[org:], "\r\n") + 2
	added := "ATTENDEE;CN=Bo;RSVP=TRUE:mailto:bo@contoso.com\r\n" +
		"ATTENDEE;CN=Broken;RSVP=TRUE:mailto:not an address\r\n" +
		"ATTENDEE;CN=Åsa;RSVP=TRUE:mailto:asa@exämple.se\r\n"
	path := filepath.Join(t.TempDir(), "user00001.ics")
	if err := os.WriteFile(path, []byte(s[:eol]+added+s[eol:]), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func sendingWorker(t *testing.T, m Mailer) *Worker {
	stamp := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	return &Worker{Now: stamp, Stamp: stamp, Calendars: FileCalendars{Dir: t.TempDir()}, Mailer: m}
}

func sendingAssignment(cal string) Assignment {
	return Assignment{User: "user00001@contoso.com", Aliases: []string{"bo@contoso.com"}, Mailbox: "online", Calendar: cal,
		Change: ics.Change{Provider: block.ProviderTeams, JoinURL: teamsURL, ConferenceID: "500007919"}}
}

// mailParts reads a message's parts back with net/mail and mime/multipart.
func mailParts(t *testing.T, data []byte) (mail.Header, []string, map[string]string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q: %v", mt, err)
	}
	var types []string
	parts := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		body, _ := io.ReadAll(p)
		if ct == "text/calendar" {
			if body, err = base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(body))); err != nil {
				t.Fatal(err)
			}
		}
		types = append(types, ct)
		parts[ct] = string(body)
	}
	return msg.Header, types, parts
}

// TestUpdateMailSaysWhatTheMeetingSays: each update's text part is the
// meeting's new DESCRIPTION, its HTML part the new X-ALT-DESC, its
// calendar part the request; the Message-ID is on the organiser's domain
// and the same when the same batch sends it again.
func TestUpdateMailSaysWhatTheMeetingSays(t *testing.T) {
	ctx := context.Background()
	cal := attendeeCalendar(t)
	got := &captured{}
	w := sendingWorker(t, got)
	out, err := w.Migrate(ctx, sendingAssignment(cal))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.data) == 0 || out.Invites != len(got.data) {
		t.Fatalf("%d updates sent, %d invites counted", len(got.data), out.Invites)
	}
	written, err := os.ReadFile(filepath.Join(w.Calendars.(FileCalendars).Dir, "user00001.ics"))
	if err != nil {
		t.Fatal(err)
	}
	rewritten, err := ics.Parse("out", written)
	if err != nil {
		t.Fatal(err)
	}
	byUID := map[string]*ics.Component{}
	for _, ev := range rewritten.Components("VEVENT") {
		if p, ok := ev.Prop("UID"); ok {
			if _, seen := byUID[p.Text()]; !seen {
				byUID[p.Text()] = ev // the master (or first instance)
			}
		}
	}
	for i, data := range got.data {
		h, types, parts := mailParts(t, data)
		uid := got.msgs[i].UID
		ev := byUID[uid]
		if ev == nil {
			t.Fatalf("update for %s, not in the rewritten calendar", uid)
		}
		desc, _ := ev.Prop("DESCRIPTION")
		alt, hasAlt := ev.Prop("X-ALT-DESC")
		want := "text/plain,text/calendar"
		if hasAlt {
			want = "text/plain,text/html,text/calendar"
		}
		if strings.Join(types, ",") != want {
			t.Errorf("%s: parts %v, want %s", uid, types, want)
		}
		crlf := strings.NewReplacer("\r\n", "\n") // a mail's lines end in CRLF
		if crlf.Replace(parts["text/plain"]) != desc.Text() || !strings.Contains(parts["text/plain"], "teams.microsoft.com") {
			t.Errorf("%s: the text part is not the new DESCRIPTION:\n%q\nwant\n%q", uid, parts["text/plain"], desc.Text())
		}
		if hasAlt && crlf.Replace(parts["text/html"]) != alt.Text() {
			t.Errorf("%s: the HTML part is not the new X-ALT-DESC", uid)
		}
		if !strings.Contains(parts["text/calendar"], "METHOD:REQUEST") || !strings.Contains(strings.ReplaceAll(parts["text/calendar"], "\r\n\t", ""), uid) {
			t.Errorf("%s: the calendar part is not the request", uid)
		}
		if id := h.Get("Message-Id"); !strings.HasSuffix(id, "@contoso.com>") || strings.Contains(id, "mms.invalid") {
			t.Errorf("%s: Message-ID %s, want one on the organiser's domain", uid, id)
		}
	}

	again := &captured{}
	if _, err := sendingWorker(t, again).Migrate(ctx, sendingAssignment(cal)); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, m := range again.msgs {
		ids[m.UID] = m.MessageID()
	}
	for _, m := range got.msgs {
		if m.MessageID() != ids[m.UID] {
			t.Errorf("%s: Message-ID %s, then %s", m.UID, m.MessageID(), ids[m.UID])
		}
	}
	other := got.msgs[0]
	other.Sequence++
	if other.MessageID() == got.msgs[0].MessageID() {
		t.Error("another SEQUENCE has the same Message-ID")
	}
}

// TestUpdateRecipients: the organiser under an alias gets no update; a
// malformed attendee is named in the meeting's Detail; a non-ASCII domain
// goes into To: in IDNA.
func TestUpdateRecipients(t *testing.T) {
	got := &captured{}
	out, err := sendingWorker(t, got).Migrate(context.Background(), sendingAssignment(attendeeCalendar(t)))
	if err != nil {
		t.Fatal(err)
	}
	var data []byte
	for i, m := range got.msgs {
		if m.UID == skypeUID {
			data = got.data[i]
		}
	}
	if data == nil {
		t.Fatalf("no update for the Skype meeting; %d sent", len(got.msgs))
	}
	h, _, _ := mailParts(t, data)
	to, err := h.AddressList("To")
	if err != nil {
		t.Fatalf("To: %q: %v", h.Get("To"), err)
	}
	var addrs []string
	for _, a := range to {
		addrs = append(addrs, a.Address)
	}
	joined := strings.Join(addrs, ",")
	if strings.Contains(joined, "bo@contoso.com") || strings.Contains(joined, "user00001@") {
		t.Errorf("the organiser gets its own update: %s", joined)
	}
	if !strings.Contains(joined, "asa@xn--exmple-cua.se") || !strings.Contains(joined, "guest000@fabrikam.com") {
		t.Errorf("To: %s, want asa@xn--exmple-cua.se and the other guests", joined)
	}
	if strings.Contains(joined, "not an address") {
		t.Errorf("a malformed address in To: %s", joined)
	}
	found := false
	for _, m := range out.Meetings {
		if m.UID != skypeUID {
			continue
		}
		found = true
		if m.Outcome != Updated || !strings.Contains(m.Detail, `"not an address"`) || !strings.Contains(m.Detail, "malformed") {
			t.Errorf("the Skype meeting: %s, Detail %q; want updated, naming the malformed attendee", m.Outcome, m.Detail)
		}
	}
	if !found {
		t.Error("no row for the Skype meeting")
	}
}

// TestAlreadySentDetail: a second batch in the same store skips the
// updates the first sent, naming it in Detail; with SendAgain it sends
// them.
func TestAlreadySentDetail(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "mms.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	run := batchesOf(t, st, attendeeCalendar(t))
	first, _, sent := run(false)
	if len(sent.msgs) == 0 {
		t.Fatal("the first batch sent nothing")
	}
	_, out, resent := run(false)
	if len(resent.msgs) != 0 || out.Invites != 0 {
		t.Errorf("the second batch sent %d updates again", len(resent.msgs))
	}
	skipped := 0
	for _, m := range out.Meetings {
		if m.Reason == AlreadySent {
			skipped++
			// and that the calendar copy has the new block all the same
			// (found by an audit: "skipped" read as left as it was)
			if m.Outcome != Skipped || !strings.Contains(m.Detail, "sent by batch "+first) || !strings.Contains(m.Detail, "calendar copy written with its new block") {
				t.Errorf("%s: %s, Detail %q; want skipped naming batch %s and the copy written", m.UID, m.Outcome, m.Detail, first)
			}
		}
	}
	if skipped != len(sent.msgs) {
		t.Errorf("%d meetings already-sent, want %d", skipped, len(sent.msgs))
	}
	_, _, anew := run(true)
	if len(anew.msgs) != len(sent.msgs) {
		t.Errorf("SendAgain sent %d updates, want %d", len(anew.msgs), len(sent.msgs))
	}
	// Each sent anew is a message of its own: another Message-ID, another
	// outbox file (found by an audit: --again wrote the first batch's
	// files over, adding none).
	ids := map[string]bool{}
	for _, m := range append(sent.msgs, anew.msgs...) {
		ids[m.ID()] = true
	}
	if len(ids) != len(sent.msgs)+len(anew.msgs) {
		t.Errorf("%d distinct message ids for %d messages", len(ids), len(sent.msgs)+len(anew.msgs))
	}
}

// TestReportMailTextIsTheMailSent: the report's mail text of each
// rewritten meeting is the text part of the update sent for it (both come
// from the one request made when the meeting is decided), and names the
// new join link; a meeting not rewritten has none.
func TestReportMailTextIsTheMailSent(t *testing.T) {
	got := &captured{}
	w := sendingWorker(t, got)
	out, err := w.Migrate(context.Background(), sendingAssignment(attendeeCalendar(t)))
	if err != nil {
		t.Fatal(err)
	}
	sent := map[string]Message{}
	for _, m := range got.msgs {
		sent[m.UID] = m
	}
	rewritten := 0
	for _, row := range out.Meetings {
		m, ok := sent[row.UID]
		if !ok {
			if row.MailText != "" {
				t.Errorf("%s (%s): mail text %q, but no update was sent", row.UID, row.Outcome, row.MailText)
			}
			continue
		}
		rewritten++
		if row.MailText == "" || row.MailText != m.Text || !strings.Contains(row.MailText, "teams.microsoft.com") {
			t.Errorf("%s: report's mail text\n%q\nthe update's text part\n%q", row.UID, row.MailText, m.Text)
		}
	}
	if rewritten == 0 || rewritten != len(got.msgs) {
		t.Fatalf("%d rows with an update, %d updates sent", rewritten, len(got.msgs))
	}
}

// refusing fails, as a relay refusing every recipient does, the update of
// one meeting, and captures the others.
type refusing struct {
	captured
	uid string
}

func (r *refusing) Send(ctx context.Context, m Message) (Delivery, error) {
	if m.UID == r.uid {
		return Delivery{}, store.Permanent(errors.New("550 5.1.1 every recipient refused"))
	}
	return r.captured.Send(ctx, m)
}

// A rewritten meeting whose update cannot be sent fails, and the written
// calendar holds it as it was, so that the organiser's copy says what the
// attendees were told and a later batch over it rewrites and sends it;
// the other meetings keep their rewrite. Detail says the copy was left.
func TestUnsentMeetingLeftAsItWasInTheCopy(t *testing.T) {
	src := attendeeCalendar(t)
	mailer := &refusing{uid: skypeUID}
	w := sendingWorker(t, mailer)
	out, err := w.Migrate(context.Background(), sendingAssignment(src))
	if err != nil {
		t.Fatal(err)
	}
	var failed, updated int
	rewritten := map[string]bool{}
	for _, m := range out.Meetings {
		rewritten[m.UID] = m.Outcome == Updated
		switch {
		case m.UID == skypeUID:
			if m.Outcome != Failed || !strings.Contains(m.Detail, "every recipient refused") || !strings.Contains(m.Detail, "its calendar copy is left as it was") {
				t.Errorf("the refused meeting: %s, Detail %q", m.Outcome, m.Detail)
			}
			failed++
		case m.Outcome == Updated:
			updated++
		}
	}
	if failed != 1 || updated == 0 || len(mailer.msgs) != updated {
		t.Fatalf("%d failed, %d updated, %d sent", failed, updated, len(mailer.msgs))
	}
	in := parseFile(t, src)
	written := mustRead(t, w.Calendars.(FileCalendars).Output(src, ""))
	for _, m := range in.Meetings() { // the first component of a rewritten meeting is rewritten
		orig := string(in.Original(m.First()))
		if kept := strings.Contains(string(written), orig); kept == rewritten[m.UID] {
			t.Errorf("UID %s: copy holds it as it was: %v", m.UID, kept)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A meeting rewritten with no attendee but the organiser sends nothing and
// says so in its Detail, rather than an updated row that looks sent.
func TestNoAttendeeSaysNothingSent(t *testing.T) {
	data, err := os.ReadFile("../../fixtures/demo/calendars/user00001.ics")
	if err != nil {
		t.Fatal(err)
	}
	var src strings.Builder
	attendee := false // within an ATTENDEE line and its folds
	for _, l := range strings.SplitAfter(string(data), "\r\n") {
		if !strings.HasPrefix(l, " ") {
			attendee = strings.HasPrefix(l, "ATTENDEE")
		}
		if !attendee {
			src.WriteString(l)
		}
	}
	path := filepath.Join(t.TempDir(), "user00001.ics")
	if err := os.WriteFile(path, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	got := &captured{}
	out, err := sendingWorker(t, got).Migrate(context.Background(), sendingAssignment(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.msgs) != 0 {
		t.Errorf("%d updates sent to nobody", len(got.msgs))
	}
	updated := 0
	for _, m := range out.Meetings {
		if m.Outcome == Updated {
			updated++
			if !strings.Contains(m.Detail, noAttendees) {
				t.Errorf("%s: Detail %q, want it to say %q", m.UID, m.Detail, noAttendees)
			}
		}
	}
	if updated == 0 || out.Invites != 0 {
		t.Errorf("%d meetings updated, %d invites; want some updated, none sent", updated, out.Invites)
	}
}

// A meeting whose only body is an HTML DESCRIPTION (Google's export) is
// mailed with that HTML as its HTML part and its visible text, links
// after their texts, as its plain part.
func TestHTMLDescriptionMail(t *testing.T) {
	uid, html := demoTeamsBody(t, "X-ALT-DESC")
	ev := "BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTART:20260301T100000Z\r\nDTEND:20260301T110000Z\r\nDTSTAMP:20260101T000000Z\r\n" +
		"ORGANIZER:mailto:user00001@contoso.com\r\nATTENDEE:mailto:guest@fabrikam.com\r\nSUMMARY:Review\r\n" +
		"DESCRIPTION:" + strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`).Replace(html) + "\r\nEND:VEVENT\r\n"
	path := filepath.Join(t.TempDir(), "user00001.ics")
	if err := os.WriteFile(path, []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"+ev+"END:VCALENDAR\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := &captured{}
	a := sendingAssignment(path)
	a.Change.Provider = ""
	out, err := sendingWorker(t, got).Migrate(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.msgs) != 1 {
		t.Fatalf("%d updates sent; meetings %+v", len(got.msgs), out.Meetings)
	}
	_, types, parts := mailParts(t, got.data[0])
	if strings.Join(types, ",") != "text/plain,text/html,text/calendar" {
		t.Fatalf("parts %q", types)
	}
	plain := parts["text/plain"]
	if strings.Contains(plain, "<div") || strings.Contains(plain, "<span") || !strings.Contains(plain, "Conference ID: 500007919") ||
		!strings.Contains(plain, "<https://teams.microsoft.com/l/meetup-join/") {
		t.Errorf("plain part is not the HTML's text with its links: %q", plain)
	}
	if !strings.Contains(parts["text/html"], "<a ") {
		t.Errorf("HTML part: %q", parts["text/html"])
	}
}

// demoTeamsBody returns the UID and the body named prop (DESCRIPTION or
// X-ALT-DESC) of the first Teams meeting of the demo's user00001.
func demoTeamsBody(t *testing.T, prop string) (uid, body string) {
	t.Helper()
	data, err := os.ReadFile("../../fixtures/demo/calendars/user00001.ics")
	if err != nil {
		t.Fatal(err)
	}
	cal, err := ics.Parse("user00001.ics", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range cal.Meetings() {
		if p, ok := m.First().Prop(prop); ok && strings.Contains(p.Text(), "meetup-join") {
			return m.UID, p.Text()
		}
	}
	t.Fatalf("no Teams meeting with a %s in the demo calendar", prop)
	return "", ""
}

// secondWriteFails is FileCalendars whose writes after the first fail,
// as a disk that fills up would: not a Permanent error.
type secondWriteFails struct {
	FileCalendars
	writes int
}

func (c *secondWriteFails) Write(ctx context.Context, d *Doc) error {
	if c.writes++; c.writes > 1 {
		return errors.New("no space left on device")
	}
	return c.FileCalendars.Write(ctx, d)
}

// stopsWhileSending captures updates and stops the run while the last of
// them is going out, as a SIGINT during a relay's answer does.
type stopsWhileSending struct {
	captured
	stop func()
}

func (s *stopsWhileSending) Send(ctx context.Context, m Message) (Delivery, error) {
	s.stop()
	return s.captured.Send(ctx, m)
}

// The updates an attempt sent are kept for later batches (AlreadySent)
// when the attempt fails after they went out (the copy of a meeting whose
// update was refused cannot be written back) and when the run is stopped
// while they go out: a later batch does not send them again.
func TestSentUpdatesKeptWhateverFollows(t *testing.T) {
	for _, c := range []string{"a failed attempt", "a stop"} {
		t.Run(c, func(t *testing.T) {
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			st, err := store.Open(ctx, filepath.Join(t.TempDir(), "mms.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			now := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
			b, err := st.NewBatch(ctx, store.Batch{Now: now, Stamp: now})
			if err != nil {
				t.Fatal(err)
			}
			var got *captured
			var w *Worker
			if c == "a stop" {
				m := &stopsWhileSending{stop: stop}
				got, w = &m.captured, sendingWorker(t, m)
			} else {
				m := &refusing{uid: skypeUID}
				got, w = &m.captured, sendingWorker(t, m)
				w.Calendars = &secondWriteFails{FileCalendars: w.Calendars.(FileCalendars)}
			}
			w.Journal = &Journal{Store: st, BatchID: b.ID}
			a := sendingAssignment(attendeeCalendar(t))
			w.Migrate(ctx, a)
			if len(got.msgs) == 0 {
				t.Fatal("nothing sent")
			}
			kept, err := st.LastSent(context.Background(), a.User, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(kept) != len(got.msgs) {
				t.Errorf("%d updates kept of the %d sent", len(kept), len(got.msgs))
			}
			for _, m := range got.msgs {
				if k := kept[m.UID]; k.BatchID != b.ID || k.Sequence != m.Sequence {
					t.Errorf("%s: kept %+v, want SEQUENCE %d of batch %s", m.UID, k, m.Sequence, b.ID)
				}
			}
		})
	}
}

// A store written by mms v0.31 or before holds one hash of each update
// sent, not one per component: those updates are still found sent (found
// by a review: after an upgrade every update went out again).
func TestAlreadySentByAnEarlierVersion(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "mms.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	run := batchesOf(t, st, attendeeCalendar(t))
	first, _, sent := run(false)
	if len(sent.msgs) == 0 {
		t.Fatal("the first batch sent nothing")
	}
	var old []store.Sent // as v0.31 recorded them
	for _, m := range sent.msgs {
		if m.legacy == "" || m.legacy == m.hash {
			t.Fatalf("%s: legacy hash %q", m.UID, m.legacy)
		}
		old = append(old, store.Sent{UID: m.UID, Sequence: m.Sequence, Hash: m.legacy})
	}
	if err := st.RecordSent(ctx, first, "user00001@contoso.com", old); err != nil {
		t.Fatal(err)
	}
	if _, out, again := run(false); len(again.msgs) != 0 || out.Invites != 0 {
		t.Errorf("after an upgrade, %d updates sent again", len(again.msgs))
	}
}

// batchesOf runs each time a new batch of the store over the calendar's
// user (with SendAgain when again): the batch, the user's outcome and the
// messages sent.
func batchesOf(t *testing.T, st *store.Store, cal string) func(again bool) (string, UserOutcome, *captured) {
	return func(again bool) (string, UserOutcome, *captured) {
		t.Helper()
		ctx := context.Background()
		now := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
		b, err := st.NewBatch(ctx, store.Batch{Now: now, Stamp: now})
		if err != nil {
			t.Fatal(err)
		}
		got := &captured{}
		w := sendingWorker(t, got)
		w.Journal, w.SendAgain = &Journal{Store: st, BatchID: b.ID}, again
		out, err := w.Migrate(ctx, sendingAssignment(cal))
		if err != nil {
			t.Fatal(err)
		}
		return b.ID, out, got
	}
}

// closesStore delivers each update, and closes the store after the first:
// its completion cannot be recorded (a store locked or failing after the
// relay took the update).
type closesStore struct {
	captured
	st   *store.Store
	once sync.Once
}

func (c *closesStore) Send(ctx context.Context, m Message) (Delivery, error) {
	d, err := c.captured.Send(ctx, m)
	c.once.Do(func() { c.st.Close() })
	return d, err
}

// An update that went out but whose record the store did not take is not
// sent again by a later attempt of the same process: it is recorded then.
// The attempt that could not record it says so.
func TestSentButUnrecordedNotSentAgain(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mms.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	b, err := st.NewBatch(ctx, store.Batch{Now: now, Stamp: now})
	if err != nil {
		t.Fatal(err)
	}
	mailer := &closesStore{st: st}
	w := sendingWorker(t, mailer)
	w.Journal = &Journal{Store: st, BatchID: b.ID}
	cal := attendeeCalendar(t)
	if _, err := w.Migrate(ctx, sendingAssignment(cal)); err == nil || !strings.Contains(err.Error(), "went out, but the state store did not record it") {
		t.Fatalf("first attempt: %v, want it to say an update went out unrecorded", err)
	}
	first := len(mailer.msgs)
	if first == 0 {
		t.Fatal("nothing sent")
	}
	st2, err := store.Open(ctx, path) // the store back
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	w.Journal.Store = st2
	out, err := w.Migrate(ctx, sendingAssignment(cal))
	if err != nil {
		t.Fatalf("second attempt: %v", err)
	}
	seen := map[string]int{}
	for _, m := range mailer.msgs {
		seen[m.UID]++
	}
	for uid, n := range seen {
		if n > 1 {
			t.Errorf("%s sent %d times", uid, n)
		}
	}
	if out.Invites != len(seen) {
		t.Errorf("the second attempt counts %d updates, %d meetings were sent one each", out.Invites, len(seen))
	}
	ms, err := st2.UserMeetings(ctx, b.ID, "user00001@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if seen[m.UID] > 0 && !m.Completed {
			t.Errorf("%s: sent, not recorded completed", m.UID)
		}
	}
}

// The same across processes: the updates sent whose record the store
// refused are kept in the spill file, which the process that resumes the
// batch reads back, and removes once they are recorded.
func TestSentButUnrecordedKeptForTheNextProcess(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "mms.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	b, err := st.NewBatch(ctx, store.Batch{Now: now, Stamp: now})
	if err != nil {
		t.Fatal(err)
	}
	spill := SpillName(dir, b.ID)
	mailer := &closesStore{st: st}
	w := sendingWorker(t, mailer)
	w.Journal = &Journal{Store: st, BatchID: b.ID, Spill: spill}
	cal := attendeeCalendar(t)
	if _, err := w.Migrate(ctx, sendingAssignment(cal)); err == nil {
		t.Fatal("first attempt: no error")
	}
	w.Close()
	files, _ := filepath.Glob(spill + "-*")
	if len(files) != 1 {
		t.Fatalf("spill files after updates went out unrecorded: %v", files)
	}
	st2, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	next := &captured{} // the next process
	w2 := sendingWorker(t, next)
	w2.Journal = &Journal{Store: st2, BatchID: b.ID, Spill: spill}
	w2.Journal.LoadSpill()
	out, err := w2.Migrate(ctx, sendingAssignment(cal))
	if err != nil {
		t.Fatalf("resumed: %v", err)
	}
	sent := map[string]bool{}
	for _, m := range mailer.msgs {
		sent[m.UID] = true
	}
	for _, m := range next.msgs {
		if sent[m.UID] {
			t.Errorf("%s sent again by the next process", m.UID)
		}
		sent[m.UID] = true
	}
	if out.Invites != len(sent) {
		t.Errorf("the resumed attempt counts %d updates, %d meetings were sent", out.Invites, len(sent))
	}
	w2.Close()
	if _, err := os.Stat(files[0]); err != nil {
		t.Errorf("another process's spill file removed before the batch is finished: %v", err)
	}
	RemoveSpills(dir, b.ID) // the batch finished
	if left, _ := filepath.Glob(spill + "*"); len(left) > 0 {
		t.Errorf("spill files left after the batch finished: %v", left)
	}
}

// A spill line a full disk cut short does not take the next with it, and
// a process reads what another adds to its file later.
func TestSpillLinesCutShort(t *testing.T) {
	dir := t.TempDir()
	spill := SpillName(dir, "b")
	other := spill + "-otherhost-1"
	a, b := store.Sent{UID: "a", Sequence: 1, Hash: "x"}, store.Sent{UID: "b", Sequence: 1, Hash: "y"}
	if err := os.WriteFile(other, []byte("\n"+strconv.Quote(unrecordedKey("u", a))[:9]), 0o600); err != nil { // cut short
		t.Fatal(err)
	}
	j := &Journal{Spill: spill}
	j.LoadSpill()
	f, err := os.OpenFile(other, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("\n" + strconv.Quote(unrecordedKey("u", b)) + "\n" + strings.Repeat("z", 70<<10) + "\n")
	f.Close()
	j.LoadSpill()
	if j.sentBefore("u", a) || !j.sentBefore("u", b) {
		t.Errorf("after a line cut short: a %v (want false), b %v (want true)", j.sentBefore("u", a), j.sentBefore("u", b))
	}
}
