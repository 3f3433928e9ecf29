package main

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mms-project/mms/batch"
)

// A batch run again starts its progress line from what the batch had
// done, as its summary counts: one failed user retried and failing again
// leaves "meetings updated: 5, users failed: 1", as the summary says.
func TestProgressStartsFromTheBatch(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out, false)
	p.Event(batch.Event{Kind: batch.BatchStarted, Total: 1, Counted: batch.Summary{Updated: 5}})
	p.Event(batch.Event{Kind: batch.UserFailed, User: "u1", Err: errors.New("refused")})
	p.finish()
	if !strings.Contains(out.String(), "1/1 user done, meetings updated: 5, users failed: 1") {
		t.Errorf("progress:\n%s", out.String())
	}
}

// A new batch's users that failed on their input rows (never queued) are
// said once, apart: the progress line counts the users migrated ("1/1
// user done, ... users failed: 0"), not "1/1 done, 2 failed".
func TestProgressSaysInputFailuresApart(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out, false)
	p.Event(batch.Event{Kind: batch.BatchStarted, Total: 1, Counted: batch.Summary{Failed: 1}})
	p.Event(batch.Event{Kind: batch.UserDone, User: "u1", Updated: 3})
	p.finish()
	got := out.String()
	if !strings.Contains(got, "1 user failed on their input rows (the report says why)") || !strings.Contains(got, "1/1 user done, meetings updated: 3, users failed: 0") {
		t.Errorf("progress:\n%s", got)
	}
}

// waitFor returns what out holds once it says want, or after 10 s: the
// heartbeat's ticks come late on a loaded machine.
func waitFor(out *lockedBuffer, want string) string {
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), want) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	return out.String()
}

// lockedBuffer is a bytes.Buffer safe for the heartbeat's goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestProgressSaysWhoIsStillAtWork: plain progress that has said nothing
// for a while names the users still being migrated, longest first, and
// stops once they are done and the run finishes.
func TestProgressSaysWhoIsStillAtWork(t *testing.T) {
	var out lockedBuffer
	p := newProgress(&out, false)
	p.quiet = 40 * time.Millisecond
	p.Event(batch.Event{Kind: batch.BatchStarted, Total: 2})
	p.Event(batch.Event{Kind: batch.UserStarted, User: "slow@contoso.com"})
	p.Event(batch.Event{Kind: batch.UserStarted, User: "quick@contoso.com"})
	p.Event(batch.Event{Kind: batch.UserDone, User: "quick@contoso.com"})
	said := waitFor(&out, "still at work on slow@contoso.com")
	if !strings.Contains(said, "1/2 users done; still at work on slow@contoso.com (for ") || strings.Contains(said, "work on quick") {
		t.Errorf("progress after a quiet while:\n%s", said)
	}
	p.Event(batch.Event{Kind: batch.UserDone, User: "slow@contoso.com"})
	p.finish()
	time.Sleep(100 * time.Millisecond)
	if after := out.String(); strings.Count(after, "still at work") != strings.Count(after[:len(said)], "still at work") {
		t.Errorf("the heartbeat went on after the users were done:\n%s", after)
	}
}

// A user whose attempt failed is not "still at work" while it waits for
// its next attempt: the heartbeat says it is waiting to try again.
func TestProgressSaysWhoWaitsToTryAgain(t *testing.T) {
	var out lockedBuffer
	p := newProgress(&out, false)
	p.quiet = 40 * time.Millisecond
	p.Event(batch.Event{Kind: batch.BatchStarted, Total: 1})
	p.Event(batch.Event{Kind: batch.UserStarted, User: "busy@contoso.com"})
	p.Event(batch.Event{Kind: batch.UserRetry, User: "busy@contoso.com", Attempt: 2, Err: errors.New("503 Service Unavailable")})
	waitFor(&out, "waiting to try again")
	p.finish()
	said := out.String()
	if !strings.Contains(said, "0/1 user done; waiting to try again: busy@contoso.com (after attempt 2 of 9)") || strings.Contains(said, "still at work") {
		t.Errorf("progress while a user waits for its next attempt:\n%s", said)
	}
}
