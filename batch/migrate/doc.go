// Package migrate is the per-user engine of a batch: a [Worker] migrates
// one user (read the calendar, rewrite its meetings, store each rewritten
// document, send one update per rewritten meeting) and [Rollback] puts
// one user's meetings back. The batch package above it decides who is
// migrated, queues them and reports; this package never imports it.
//
// # Calendars and delivery
//
// A [Worker] reads and writes through [Calendars]: [FileCalendars] (an
// .ics file, written whole under the output directory) or [DAVCalendars]
// (each object of a CalDAV collection, written back in place with
// If-Match; an object changed meanwhile is read and decided again, never
// overwritten); [DryRun] records writes instead. Updates go through a
// [Mailer]: [Outbox], [SMTPMailer] (batch/smtp), [ServerScheduling] (the
// CalDAV server's own, RFC 6638) or a [Recorder]. [New] builds the Worker
// of a batch from its [Config]. Failures cost what they touch: a document
// or meeting ([Permanent]), a user (refused CalDAV credentials), an
// attempt (a busy server, retried by the queue) or the run ([StopsRun]:
// the relay refused our credentials or its certificate).
//
// # Crash safety
//
// A [Worker] records, through its [Journal], each rewritten meeting's
// intent and original bytes before the calendar is written, and its
// completion once the update is sent; an attempt that starts again
// rewrites from the input (so SEQUENCE goes up once), writes the calendar
// whole and sends only what was not recorded as sent. [Rollback] puts the
// original bytes back and is journaled the same way.
//
// Every meeting's row is a report.Meeting ([UserOutcome]); [Result] turns
// a user's rows into the state store's, counting outcomes in one place.
package migrate
