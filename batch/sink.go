package batch

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/mms-project/mms/batch/store"
)

// CalendarWriter stores a rewritten calendar.
type CalendarWriter interface {
	WriteCalendar(ctx context.Context, name string, data []byte) error
}

// Mailer delivers one update. An error fails the attempt, which is tried
// again later (updates already sent are not sent again); an error marked
// with Permanent (a rejected address) fails only the meeting.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// Permanent marks an error that no retry can fix, for a Mailer or a
// CalendarWriter: only what it touches fails, at once.
func Permanent(err error) error { return store.Permanent(err) }

// FileWriter writes calendars under Dir, each whole or not at all.
type FileWriter struct{ Dir string }

func (w FileWriter) WriteCalendar(_ context.Context, name string, data []byte) error {
	return writeFileAtomic(filepath.Join(w.Dir, filepath.Base(name)), data)
}

// Outbox writes each message as one .eml file under Dir. The file name comes
// from the user and the message id, so sending again overwrites.
type Outbox struct{ Dir string }

func (o Outbox) Send(_ context.Context, m Message) error {
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(o.Dir, fileSafe(m.User)+"-"+m.ID()+".eml"), buf.Bytes(), false)
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._@-]+`)

func fileSafe(s string) string {
	return strings.Trim(unsafeChars.ReplaceAllString(s, "_"), ".")
}

// Recorder stands in for the calendar writer and the mailer in a dry run: it
// counts what would have been written or sent, and writes nothing.
type Recorder struct {
	mu        sync.Mutex
	Calendars int
	Messages  int
}

func (r *Recorder) WriteCalendar(context.Context, string, []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Calendars++
	return nil
}

func (r *Recorder) Send(context.Context, Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Messages++
	return nil
}
