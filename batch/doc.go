// Package batch is the job: it reads the users and changes files, decides
// who is triggered, queues one migration per user in the state store
// (batch/store), has the engine (batch/migrate) migrate each user and
// writes the report from the store's tables. It is the orchestration
// layer; batch/migrate is the per-user engine and never imports it.
//
// # Crash safety
//
// [Run] remembers a fingerprint of its inputs and options; the same run
// started again after a kill finishes its unfinished batch with the
// batch's own time and settings. A user's outcome is committed with the
// completion of its job; the engine's journal makes sure that nothing is
// written or sent twice. [Rollback] undoes a batch, user by user, through
// the engine's migrate.Rollback.
//
// # Commands
//
// [Run] is [Enqueue] and [Work] of one batch, then the report; [Start]
// queues one user as Start-CsExMeetingMigration does; [Work] works every
// queued batch until none is left, on as many machines as share the store.
//
// # Errors
//
// [ErrInput]: bad input, nothing was started. [ErrUnavailable]: the state
// store, a server or the relay could not be reached before any user was
// done. A run whose users failed returns no error: its [Summary] says so.
//
// The package never prints and never changes the process: progress goes
// to an [Event] hook, memory policy to [Tuning].Phase.
package batch
