package batch

// EventKind says what happened.
type EventKind int

const (
	BatchStarted EventKind = iota // Total users are queued
	UserStarted
	UserDone   // the user finished; Outcome holds the counts
	UserFailed // the user failed; Err says why
	UserRetry  // an attempt failed (Err); the user is tried again later, Attempt of MaxAttempts done
)

// Event reports progress to the command, which renders it.
type Event struct {
	Kind    EventKind
	BatchID string
	Resumed bool // with BatchStarted: an unfinished batch is being finished
	User    string
	Total   int
	Updated int // meetings rewritten (or that would be), with UserDone
	Err     error
	Attempt int // with UserRetry: attempts made so far
}
