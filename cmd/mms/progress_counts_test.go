package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

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
