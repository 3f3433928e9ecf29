package batch

import (
	"context"

	"github.com/mms-project/mms/batch/store"
)

// EventKind says what happened.
type EventKind int

const (
	BatchStarted EventKind = iota // Total users are queued
	UserStarted
	UserDone   // the user finished; Outcome holds the counts
	UserFailed // the user failed; Err says why
	UserRetry  // an attempt failed (Err); the user is tried again later, Attempt of MaxAttempts done

	ReadingInputs // the users and changes files (Files) are being read
	WritingReport // the report (Files) is being written
)

// Event reports progress to the command, which renders it.
type Event struct {
	Kind    EventKind
	BatchID string
	Resumed bool // with BatchStarted: an unfinished batch is being finished
	// Reopened, with Resumed: the batch had finished (its report written);
	// only its failed users, if any, are tried again.
	Reopened bool
	User     string
	Total    int // with BatchStarted: the batch's users to migrate, Done of them done before (a resumed batch)
	Done     int
	Files    []string // with ReadingInputs and WritingReport
	Updated  int      // meetings rewritten (or that would be), with UserDone and UserFailed
	// Counted, with BatchStarted: the batch's users already finished
	// (those not queued now), counted as the run's Summary counts them.
	// Adding each UserDone and UserFailed to it gives the Summary's
	// Failed and Updated at the end: progress and summary agree.
	Counted Summary
	Err     error
	Attempt int // with UserRetry: attempts made so far
}

// counted sums the users of a batch that are finished, as Summary.add
// does: what a progress line starts from when a batch is resumed or run
// again.
func counted(ctx context.Context, st *store.Store, batchID string) (Summary, error) {
	var sum Summary
	err := st.EachUser(ctx, store.Filter{BatchID: batchID}, func(u store.User) error {
		if u.State != store.Pending && u.State != store.InProgress {
			sum.add(u)
		}
		return nil
	})
	if err != nil {
		return sum, unavailable(err)
	}
	return sum, nil
}
