package migrate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/mms-project/mms/batch/store"
)

// Mailer delivers one update. An error fails the attempt, which is tried
// again later (updates already sent are not sent again); an error marked
// with Permanent (every recipient refused) fails only the meeting; one for
// which StopsRun holds stops the run.
type Mailer interface {
	Send(ctx context.Context, m Message) (Delivery, error)
}

// Delivery says who did not get a message that others got.
type Delivery struct {
	Refused []string // "address: why", one per recipient
}

// Permanent marks an error that no retry can fix, for a Mailer or a
// Calendars: only what it touches fails, at once.
func Permanent(err error) error { return store.Permanent(err) }

// Outbox writes each message as one .eml file under Dir. The file name comes
// from the user and the message id, so sending again overwrites.
type Outbox struct{ Dir string }

// Idempotent: sending a message again writes the same file in place.
func (Outbox) Idempotent() bool { return true }

func (o Outbox) Send(_ context.Context, m Message) (Delivery, error) {
	buf := mailBuffers.Get().(*bytes.Buffer)
	defer func() { buf.Reset(); mailBuffers.Put(buf) }()
	if err := m.write(buf); err != nil {
		return Delivery{}, err
	}
	path := filepath.Join(o.Dir, OutboxName(m))
	err := writeAtomic(path, buf.Bytes(), false)
	if errors.Is(err, fs.ErrNotExist) { // the first message: no outbox yet
		if err = os.MkdirAll(o.Dir, 0o755); err == nil {
			err = writeAtomic(path, buf.Bytes(), false)
		} else {
			err = fmt.Errorf("outbox %s: %w", o.Dir, err)
		}
	}
	return Delivery{}, o.error(err)
}

// error sorts a failure to write into the outbox. One folder holds every
// user's messages, so a full disk or an outbox that cannot be written
// (read-only, a file in its place) stops the run at once, to be resumed
// once it is fixed, rather than every user being tried for minutes or
// failed with updates unsent; anything else fails the attempt, to be
// tried again.
func (o Outbox) error(err error) error {
	switch {
	case err == nil:
		return nil
	case diskFull(err):
		return localError(err)
	case cannotWrite(err):
		return runStop{fmt.Errorf("%w; the outbox %s cannot be written: fix it and run the same command again to resume", err, o.Dir)}
	}
	return err
}

// mailBuffers are reused for messages: an update is tens of kilobytes.
var mailBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._@-]+`)

// MaxOutboxName bounds the length in bytes of an outbox file's name, well
// within every file system's limit (255 bytes on most).
const MaxOutboxName = 200

// OutboxName is the file name of message m in the outbox: the user's
// address made safe for a file name, "-", the message id, ".eml". An
// address too long for that (a valid one may have 254 characters) keeps a
// readable prefix and ends with a hash of the whole address, so that two
// long addresses never share a name.
func OutboxName(m Message) string {
	user, tail := fileSafe(m.User), "-"+m.ID()+".eml"
	if len(user)+len(tail) > MaxOutboxName {
		sum := sha256.Sum256([]byte(m.User))
		hash := "~" + hex.EncodeToString(sum[:8])
		user = user[:MaxOutboxName-len(tail)-len(hash)] + hash
	}
	return user + tail
}

func fileSafe(s string) string {
	return strings.Trim(unsafeChars.ReplaceAllString(s, "_"), ".")
}

// Recorder stands in for the calendar writes (see DryRun) and the mailer in
// a dry run: it counts what would have been written or sent, and writes
// nothing.
type Recorder struct {
	mu        sync.Mutex
	Calendars int
	Messages  int
}

// Idempotent: a recorder sends nothing.
func (*Recorder) Idempotent() bool { return true }

func (r *Recorder) Send(context.Context, Message) (Delivery, error) {
	r.count(&r.Messages)
	return Delivery{}, nil
}

// ServerScheduling is the Mailer of --send server: the CalDAV server
// delivers the update when the organiser's copy is stored (RFC 6638), so
// nothing goes out from here.
type ServerScheduling struct{}

func (ServerScheduling) Send(context.Context, Message) (Delivery, error) { return Delivery{}, nil }
