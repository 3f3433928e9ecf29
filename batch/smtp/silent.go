package smtp

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// noAnswer is a relay that let a wait run out: what it did not do, and
// for how long it was waited for. It unwraps to the timeout, which Send
// retries; Check calls it ErrUnusable.
type noAnswer struct {
	what  string // "sent no greeting", "did not answer EHLO"
	after time.Duration
	err   error
}

func (e *noAnswer) Error() string {
	return fmt.Sprintf("it %s within %v (%v)", e.what, e.after, e.err)
}

func (e *noAnswer) Unwrap() error { return e.err }

// silent is err as a noAnswer when it is a timeout, else err.
func silent(err error, what string, after time.Duration) error {
	if !timeout(err) {
		return err
	}
	return &noAnswer{what: what, after: after, err: err}
}

// timeout reports whether err is a wait that ran out.
func timeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
