package batch

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
	User    string
	Total   int // with BatchStarted: the batch's users to migrate, Done of them done before (a resumed batch)
	Done    int
	Files   []string // with ReadingInputs and WritingReport
	Updated int      // meetings rewritten (or that would be), with UserDone
	Err     error
	Attempt int // with UserRetry: attempts made so far
}
