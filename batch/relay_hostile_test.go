package batch

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/smtp"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/internal/smtpsink"
)

// stoppedBeforeTheBatch fails unless err stopped the run as could-not-run
// (exit 4), naming the relay and the words of want, with no batch made
// and no word of one resuming.
func stoppedBeforeTheBatch(t *testing.T, o RunOptions, err error, want ...string) {
	t.Helper()
	if err == nil || !migrate.StopsRun(err) || !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), o.Send) {
		t.Fatalf("Run: %v; want the run stopped as could-not-run, naming the relay", err)
	}
	if strings.Contains(err.Error(), "batch resumes") {
		t.Errorf("Run: %v; no batch was made, so none resumes", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Run: %v; want it to say %q", err, w)
		}
	}
	nothingWritten(t, o.Out)
	if n := batchCount(t, o.DB); n != 0 {
		t.Errorf("the stopped run left %d batches", n)
	}
}

// TestEndlessRelayReplyStopsTheRun: a relay whose EHLO answer never ends
// fails the pre-run check: the run stops before its batch is made.
func TestEndlessRelayReplyStopsTheRun(t *testing.T) {
	addr := smtpsink.Raw(t, smtpsink.EndlessEHLO)
	o := demoOptions(t)
	o.Send = "smtp://" + addr
	_, err := Run(context.Background(), o)
	stoppedBeforeTheBatch(t, o, err, "64 KiB", "cannot be used")
}

// TestSilentRelayStopsTheRun: a relay that takes the connection and never
// greets fails the pre-run check once smtp.DefaultCheckTimeout has run
// out: the run stops before its batch is made, saying what the relay did
// not do, and without advice that a batch resumes.
func TestSilentRelayStopsTheRun(t *testing.T) {
	if testing.Short() {
		t.Skip("waits smtp.DefaultCheckTimeout")
	}
	addr := smtpsink.Raw(t, func(net.Conn, *bufio.Reader) {})
	o := demoOptions(t)
	o.Send = "smtp://" + addr
	start := time.Now()
	_, err := Run(context.Background(), o)
	stoppedBeforeTheBatch(t, o, err, "sent no greeting", "cannot be used")
	if d := time.Since(start); d > smtp.DefaultCheckTimeout+15*time.Second {
		t.Errorf("the run took %s to stop", d)
	}
}

// TestUnansweredUpdateIsNotSentAgain: the relay keeps the first message
// but never answers its final dot; another update is deferred (451), so
// the queue tries the user again. The unanswered update is not sent again,
// neither by the sender nor by the later attempt: its meeting fails, saying
// it may have been delivered, and every message arrives once.
func TestUnansweredUpdateIsNotSentAgain(t *testing.T) {
	var firstTaken atomic.Bool
	r := smtpsink.StartWith(t, "127.0.0.1:0", smtpsink.Hooks{
		Mail: func(tx int) error {
			if tx == 2 {
				return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try later"}
			}
			return nil
		},
		Taken: func(m smtpsink.Message) {
			if firstTaken.CompareAndSwap(false, true) {
				time.Sleep(3 * time.Second) // kept, but the answer comes after mms gave up
			}
		},
	})
	ctx := context.Background()
	o := demoOptions(t)
	st, b := demoBatchOf(t, o, "user00000@contoso.com")
	s, err := smtp.New(smtp.Options{Addr: r.Addr, Retries: -1, Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	w := &migrate.Worker{Now: demoNow, Stamp: demoNow, Calendars: migrate.FileCalendars{Dir: filepath.Join(o.Out, "calendars")},
		Mailer: migrate.SMTPMailer{Sender: s, URL: "smtp://" + r.Addr}, Journal: &migrate.Journal{Store: st, BatchID: b.ID}}
	if n := workAll(t, st, b.ID, w); n < 2 {
		t.Fatalf("%d attempts, want the user tried again", n)
	}
	time.Sleep(3 * time.Second) // the kept message's session ends
	got := r.Arrivals()
	if len(got) == 0 {
		t.Fatal("nothing arrived")
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("%s arrived %d times", id, n)
		}
	}
	ms, _ := st.UserMeetings(ctx, b.ID, "user00000@contoso.com")
	var lost []string
	for _, m := range ms {
		if m.Reason == migrate.KindRelayNoAnswer {
			lost = append(lost, m.UID)
			if m.Outcome != migrate.Failed || !strings.Contains(m.Detail, "may have been delivered") {
				t.Errorf("meeting %s: %s %q", m.UID, m.Outcome, m.Detail)
			}
		}
	}
	if len(lost) != 1 {
		t.Fatalf("%d meetings failed with %s, want 1", len(lost), migrate.KindRelayNoAnswer)
	}
	// Its calendar copy keeps the rewrite its attendees most likely got.
	data, err := os.ReadFile(filepath.Join(o.Out, "calendars", "user00000.ics"))
	if err != nil {
		t.Fatal(err)
	}
	cal, err := ics.Parse("user00000.ics", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range cal.Meetings() {
		if m.UID != lost[0] {
			continue
		}
		if p, ok := m.First().Prop("DTSTAMP"); !ok || p.Value != demoNow.Format("20060102T150405Z") {
			t.Errorf("the meeting that may have been delivered was put back in its calendar copy (DTSTAMP %q)", p.Value)
		}
	}
	// Given up on, the user still says so of it, not "not sent".
	res, err := w.Abandon(ctx, migrate.Assignment{User: "user00000@contoso.com", Calendar: filepath.Join(filepath.Dir(o.Users), "calendars", "user00000.ics")},
		errors.New("451 try later"), store.MaxAttempts)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range res.Meetings {
		if m.UID == lost[0] && (m.Reason != migrate.KindRelayNoAnswer || !strings.Contains(m.Detail, "may have been delivered")) {
			t.Errorf("given up on, the unanswered meeting reads %s %q %q", m.Outcome, m.Reason, m.Detail)
		}
	}
}
