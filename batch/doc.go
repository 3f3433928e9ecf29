// Package batch is the job: it reads the users and changes files, decides
// who is triggered, queues one migration per user in the state store
// (batch/store), migrates each user (read the calendar, rewrite its
// meetings, store each rewritten document, send one update per rewritten
// meeting) and writes the report from the store's tables.
//
// # Calendars and delivery
//
// A [Worker] reads and writes through [Calendars]: [FileCalendars] (an
// .ics file, written whole under the output directory) or [DAVCalendars]
// (each object of a CalDAV collection, written back in place with
// If-Match; an object changed meanwhile is read and decided again, never
// overwritten). Updates go through a [Mailer]: [Outbox], [SMTPMailer]
// (batch/smtp), [ServerScheduling] (the CalDAV server's own, RFC 6638) or
// a [Recorder]. Failures cost what they touch: a document or meeting, a
// user (refused CalDAV credentials), an attempt (a busy server, retried by
// the queue) or the run ([StopsRun]: the relay refused our credentials or
// its certificate; the batch resumes when started again).
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
