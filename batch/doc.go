// Package batch is the job: it reads the users and changes files, decides
// who is triggered, queues one migration per user in the state store
// (batch/store), migrates each user (read the calendar, rewrite its
// meetings, write it whole, send one update per rewritten meeting) and
// writes the report from the store's tables.
//
// # Crash safety
//
// [Run] remembers a fingerprint of its inputs and options; the same run
// started again after a kill finishes its unfinished batch with the
// batch's own time and settings. A [Worker] records, through its
// [Journal], each rewritten meeting's intent and original bytes before the
// calendar is written, and its completion once the update is sent; an
// attempt that starts again rewrites from the input (so SEQUENCE goes up
// once), writes the calendar whole and sends only what was not recorded as
// sent. A user's outcome is committed with the completion of its job.
// [Rollback] puts the original bytes back and is journaled the same way.
//
// # Commands
//
// [Run] is [Enqueue] and [Work] of one batch, then the report; [Start]
// queues one user as Start-CsExMeetingMigration does; [Work] works every
// queued batch until none is left, on as many machines as share the store.
//
// The package never prints: progress goes to an [Event] hook.
package batch
