package migrate

import (
	"bytes"
	"context"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/smtp"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/internal/smtpsink"
)

// mailerEnv is one Mailer under test and what its attendees see.
type mailerEnv struct {
	mailer Mailer
	// arrived returns each message that reached the attendees, as they
	// got it, in arrival order; nil when the Mailer hands updates to
	// someone out of sight (the CalDAV server's scheduling).
	arrived func(t *testing.T) []arrival
	// recorded counts the messages a Mailer that sends nothing recorded;
	// nil for the others.
	recorded func() int
	// refused is an address this env's relay refuses; "" when nothing
	// is ever refused.
	refused string
}

// arrival is one message as an attendee's side got it.
type arrival struct {
	id   string   // Message.ID
	to   []string // the recipients
	data []byte
}

// testMailer is the suite every Mailer passes, as testCalendars is for
// Calendars and store's exercise for the engines.
func testMailer(t *testing.T, env func(t *testing.T) mailerEnv) {
	ctx := context.Background()
	t.Run("delivers each update to its attendees once", func(t *testing.T) {
		e := env(t)
		msgs := []Message{update("m1", "b@contoso.com", "c@fabrikam.com"), update("m2", "b@contoso.com"), update("m3", "d@contoso.com")}
		var wg sync.WaitGroup
		errs := make([]error, len(msgs))
		for i, m := range msgs { // the worker sends a few at once
			wg.Add(1)
			go func() {
				defer wg.Done()
				var got Delivery
				got, errs[i] = e.mailer.Send(ctx, m)
				if len(got.Refused) > 0 {
					errs[i] = fmt.Errorf("refused %v", got.Refused)
				}
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("%s: %v", msgs[i].UID, err)
			}
		}
		if e.recorded != nil && e.recorded() != len(msgs) {
			t.Errorf("recorded %d messages, want %d", e.recorded(), len(msgs))
		}
		if e.arrived == nil {
			return
		}
		got := e.arrived(t)
		if len(got) != len(msgs) {
			t.Fatalf("%d messages arrived, want %d", len(got), len(msgs))
		}
		for _, m := range msgs {
			i := slices.IndexFunc(got, func(a arrival) bool { return a.id == m.ID() })
			if i < 0 {
				t.Errorf("%s did not arrive", m.UID)
				continue
			}
			if to := slices.Sorted(slices.Values(got[i].to)); !slices.Equal(to, m.To) {
				t.Errorf("%s went to %v, want %v", m.UID, to, m.To)
			}
			if !bytes.Contains(got[i].data, []byte("text/calendar")) || !bytes.Contains(got[i].data, []byte("method=REQUEST")) {
				t.Errorf("%s is no iMIP REQUEST:\n%s", m.UID, got[i].data)
			}
		}
	})
	t.Run("a Mailer that says it is idempotent delivers a message sent again once", func(t *testing.T) {
		e := env(t)
		m := update("again", "b@contoso.com")
		for range 2 { // the second as after a crash, before the journal recorded the first
			if _, err := e.mailer.Send(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		if e.arrived == nil {
			return
		}
		want := 2 // the journal keeps the worker from sending twice
		if i, ok := e.mailer.(idempotent); ok && i.Idempotent() {
			want = 1
		}
		if got := len(e.arrived(t)); got != want {
			t.Errorf("%d arrived after sending twice, want %d", got, want)
		}
	})
	t.Run("a refused recipient is named, the others get the update", func(t *testing.T) {
		e := env(t)
		if e.refused == "" {
			t.Skip("this Mailer never refuses a recipient")
		}
		got, err := e.mailer.Send(ctx, update("partly", "b@contoso.com", e.refused))
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Refused) != 1 || !strings.HasPrefix(got.Refused[0], e.refused+": ") {
			t.Errorf("refused %q, want %s named", got.Refused, e.refused)
		}
		if a := e.arrived(t); len(a) != 1 || !slices.Equal(a[0].to, []string{"b@contoso.com"}) {
			t.Errorf("arrived %+v, want one to b@contoso.com", a)
		}
	})
	t.Run("every recipient refused fails only the meeting", func(t *testing.T) {
		e := env(t)
		if e.refused == "" {
			t.Skip("this Mailer never refuses a recipient")
		}
		_, err := e.mailer.Send(ctx, update("none", e.refused))
		if err == nil || !store.IsPermanent(err) || StopsRun(err) {
			t.Errorf("every recipient refused: %v; want a Permanent error that does not stop the run", err)
		}
	})
}

var mailerDate = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)

// update is a message for the attendees, sorted.
func update(uid string, to ...string) Message {
	return Message{User: "a@contoso.com", UID: uid, From: "a@contoso.com", To: slices.Sorted(slices.Values(to)), Subject: "Updated: " + uid,
		Text: updateText(uid, "https://teams.microsoft.com/l/meetup-join/x"), Date: mailerDate,
		Calendar: []byte("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:" + uid + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")}
}

// messageID reads a message's id back from its Message-Id header.
func messageID(t *testing.T, data []byte) (string, []string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var to []string
	if list, err := msg.Header.AddressList("To"); err == nil {
		for _, a := range list {
			to = append(to, a.Address)
		}
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(msg.Header.Get("Message-Id"), "<"), "@")
	return id, to
}

func TestOutbox(t *testing.T) {
	testMailer(t, func(t *testing.T) mailerEnv {
		dir := filepath.Join(t.TempDir(), "outbox") // made by the first message
		return mailerEnv{mailer: Outbox{Dir: dir}, arrived: func(t *testing.T) []arrival {
			names, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
			var out []arrival
			for _, name := range names {
				data, err := os.ReadFile(name)
				if err != nil {
					t.Fatal(err)
				}
				id, to := messageID(t, data)
				out = append(out, arrival{id: id, to: to, data: data})
			}
			return out
		}}
	})
}

func TestSMTPMailer(t *testing.T) {
	testMailer(t, func(t *testing.T) mailerEnv {
		const refused = "gone@fabrikam.com"
		sink := smtpsink.StartWith(t, "127.0.0.1:0", smtpsink.Hooks{Rcpt: func(_, to string) error {
			if to == refused {
				return smtpsink.Refuse(550, "no such user")
			}
			return nil
		}})
		s, err := smtp.New(smtp.Options{Addr: sink.Addr, Sessions: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return mailerEnv{mailer: SMTPMailer{Sender: s, URL: "smtp://" + sink.Addr}, refused: refused, arrived: func(t *testing.T) []arrival {
			var out []arrival
			for _, m := range sink.Messages() {
				id, _ := messageID(t, m.Data)
				out = append(out, arrival{id: id, to: m.To, data: m.Data})
			}
			return out
		}}
	})
}

func TestRecorder(t *testing.T) {
	testMailer(t, func(t *testing.T) mailerEnv {
		r := &Recorder{}
		return mailerEnv{mailer: r, recorded: func() int {
			r.mu.Lock()
			defer r.mu.Unlock()
			return r.Messages
		}}
	})
}

// Server scheduling sends nothing from here: the CalDAV server delivers
// when the calendar is written (batch's TestSendServerOnCyrus shows it).
func TestServerScheduling(t *testing.T) {
	testMailer(t, func(t *testing.T) mailerEnv { return mailerEnv{mailer: ServerScheduling{}} })
}

// Outbox file names stay within MaxOutboxName bytes for any address, even
// the longest valid one, keep a readable start and differ for addresses
// that differ only at their end; the message is written.
func TestOutboxNameLong(t *testing.T) {
	local := strings.Repeat("a", 64)
	domain := strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 57) + ".se"
	a, b := update("m1", "x@contoso.com"), update("m1", "x@contoso.com")
	a.User, b.User = local+"@"+domain, local+"@"+domain[:len(domain)-3]+".de"
	na, nb := OutboxName(a), OutboxName(b)
	if len(na) > MaxOutboxName || len(nb) > MaxOutboxName {
		t.Errorf("names of %d and %d bytes, over %d", len(na), len(nb), MaxOutboxName)
	}
	if na == nb || !strings.HasPrefix(na, local+"@bbb") {
		t.Errorf("names %s and %s", na, nb)
	}
	if short := update("m1", "x@contoso.com"); OutboxName(short) != fileSafe(short.User)+"-"+short.ID()+".eml" {
		t.Errorf("a short address named %s", OutboxName(short))
	}
	dir := t.TempDir()
	if _, err := (Outbox{Dir: dir}).Send(context.Background(), a); err != nil {
		t.Fatalf("sending for a %d-byte address: %v", len(a.User), err)
	}
	if _, err := os.Stat(filepath.Join(dir, na)); err != nil {
		t.Error(err)
	}
}

// An outbox that cannot be written (a file in its place) stops the run at
// once, naming the outbox, instead of failing the attempt to be retried.
func TestOutboxBlockedStopsTheRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	if err := os.WriteFile(dir, []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := (Outbox{Dir: dir}).Send(context.Background(), update("m1", "b@contoso.com"))
	if !StopsRun(err) || store.IsPermanent(err) || !strings.Contains(err.Error(), dir) {
		t.Errorf("%v, want an error that stops the run naming %s", err, dir)
	}
}

// A message the relay got whole but never answered fails its meeting for
// good (it may have been delivered: never sent again unasked), also when
// the run was stopped meanwhile, and even when the relay is unusable.
func TestUnansweredIsPermanentAlsoWhenStopped(t *testing.T) {
	m := SMTPMailer{URL: "smtp://relay.example:25"}
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	unanswered := fmt.Errorf("smtp relay.example:25: %w", smtp.ErrUnanswered)
	for name, c := range map[string]struct {
		ctx context.Context
		err error
	}{
		"running":  {context.Background(), unanswered},
		"stopped":  {stopped, fmt.Errorf("%w (stopped: %w)", unanswered, context.Canceled)},
		"unusable": {context.Background(), fmt.Errorf("%w: %w", unanswered, smtp.ErrUnusable)},
	} {
		if err := m.classify(c.ctx, c.err, ""); !store.IsPermanent(err) {
			t.Errorf("%s: classify = %v; want a permanent failure of the meeting", name, err)
		}
	}
}
