package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/mms-project/mms/batch"
	"github.com/mms-project/mms/batch/input"
)

func runCommand(out, errOut io.Writer, calls batchCalls) *cli.Command {
	return &cli.Command{
		Name:  "run",
		Usage: "run one batch start to finish: read, decide, rewrite, send, report",
		UsageText: "mms run --users FILE --changes FILE --out DIR --report FILE.xlsx|FILE.csv|FILE.html [--dry-run] [--now TIME] [--send MODE] [--user U]... [--yes] [--workers N] [--db FILE|URL]\n\n" +
			"A calendar in the users file is an .ics file (rewritten into DIR/calendars) or a CalDAV URL, a collection or a\n" +
			"server root (written back in place with If-Match; credentials from MMS_CALDAV_USER/MMS_CALDAV_PASSWORD or netrc).\n\n" +
			"Killed or interrupted, the same command started again resumes the unfinished batch (same users and changes\n" +
			"files, --out, --now, --dry-run and --send) and finishes it: nothing written or sent before is written or sent\n" +
			"again. mms rollback --batch ID undoes a batch.\n\n" +
			"Sending mail (--send smtp://... or server) from a terminal asks first; --yes does not ask.\n\n" + exitCodesHelp,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "users", Usage: "users file, CSV or XLSX (columns: user, calendar, mailbox, audio_provider, aliases)", Sources: cli.EnvVars("MMS_USERS")},
			&cli.StringFlag{Name: "changes", Usage: "changes file, CSV or XLSX (columns: user, change, target, join_url, conference_id, ...)", Sources: cli.EnvVars("MMS_CHANGES")},
			meetingsFlag(),
			&cli.StringFlag{Name: "out", Usage: "output directory: rewritten calendars in DIR/calendars, updates in DIR/outbox", Sources: cli.EnvVars("MMS_OUT")},
			&cli.StringFlag{Name: "report", Usage: "report file: FILE.xlsx, FILE.csv (users) with FILE.meetings.csv and FILE.heading.csv, or FILE.html (a preview page)", Sources: cli.EnvVars("MMS_REPORT")},
			&cli.StringFlag{Name: "now", Usage: "treat this RFC 3339 time (2026-01-15T09:00:00Z, or a date alone: midnight UTC) as now: meetings before it are past; also written as DTSTAMP (default: the current time)", Sources: cli.EnvVars("MMS_NOW")},
			&cli.BoolFlag{Name: "again", Usage: "run the batch anew, rewriting and sending everything again, even when the same inputs and options were run to the end before (by default such a run tries only that batch's failed users again)", Sources: cli.EnvVars("MMS_AGAIN")},
			&cli.BoolFlag{Name: "dry-run", Usage: "decide and report what would change; write and send nothing but the report", Sources: cli.EnvVars("MMS_DRY_RUN")},
			&cli.StringFlag{Name: "send", Value: "outbox", Usage: "how updates go out: outbox (.eml files under DIR/outbox), smtp://host:port (submitted to that relay, " +
				"STARTTLS when offered, credentials from MMS_SMTP_USER/MMS_SMTP_PASSWORD), server (CalDAV calendars only: the server's own scheduling sends them) or none (calendars rewritten, no update sent " +
				"by anyone: attendees keep the old block, and a later batch finds those meetings current and sends nothing)", Sources: cli.EnvVars("MMS_SEND")},
			&cli.IntFlag{Name: "workers", Value: batch.DefaultWorkers(), Usage: "users migrated at once (their calendars read and rewritten; as many more may be sending their updates meanwhile), 1 to 256; the default is one more than the CPUs (0 asks for it too)", Sources: cli.EnvVars("MMS_WORKERS")},
			&cli.StringSliceFlag{Name: "user", Usage: "a pilot: only this user of the files (repeat for more; primary address or alias). Its variable is MMS_PILOT (comma-separated), not MMS_USER: a MMS_USER set for mms status never narrows a run", Sources: cli.EnvVars("MMS_PILOT")},
			yesFlag(),
			dbFlag(),
			rescueFlag(),
			caldavRequestsFlag(),
			smtpSessionsFlag(),
			smtpCAFlag(),
			smtpTLSNameFlag(),
			smtpTLSFlag(),
			caldavCAFlag(),
			caldavTLSFlag(),
			caldavReadBackFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			o := batch.RunOptions{Users: cmd.String("users"), Changes: cmd.String("changes"), Out: cmd.String("out"), Report: cmd.String("report"),
				DryRun: cmd.Bool("dry-run"), Again: cmd.Bool("again"), Send: cmd.String("send"), DB: cmd.String("db"), Only: cmd.StringSlice("user"),
				Tuning: batch.Tuning{Workers: int(cmd.Int("workers")), Lease: cmd.Duration("rescue-after"),
					CalDAVRequests: int(cmd.Int("caldav-requests")), SMTPSessions: int(cmd.Int("smtp-sessions")), Phase: memoryPhase}}
			o.Meetings = cmd.String("meetings")
			if v := cmd.String("now"); v != "" {
				t, err := input.ParseTime(v)
				if err != nil {
					return fmt.Errorf("--now (or MMS_NOW) %q %w", v, err)
				}
				o.Now = t
			}
			conns, err := connections(cmd)
			if err != nil {
				return err
			}
			o.Connections = conns
			sayNotes(errOut, conns)
			if !o.DryRun && mailGoesOut(o.Send) {
				if err := confirm(calls.stdin, errOut, cmd.Bool("yes"), "This run will rewrite the meetings of the triggered users and send their updates "+sendsTo(o.Send)); err != nil {
					return err
				}
			}
			p := newProgress(errOut, o.DryRun)
			o.Events = p.Event
			sum, err := calls.run(ctx, o)
			p.finish()
			if err != nil {
				return err
			}
			return summarize(out, errOut, o, sum)
		},
	}
}

// summarize prints the outcome and returns the error that sets the exit
// status.
func summarize(out, errOut io.Writer, o batch.RunOptions, sum batch.Summary) error {
	for _, e := range sum.RowErrors {
		fmt.Fprintln(errOut, "mms: rejected row:", e)
	}
	if sum.Reopened {
		fmt.Fprintf(out, "batch %s (started %s) already ran to the end with the same inputs and options: %s tried again, nothing else written or sent again (--again runs it anew)\n",
			sum.BatchID, sum.Started.Format(time.RFC3339), counted(sum.Retried, "failed user"))
		if sum.RolledBack > 0 {
			fmt.Fprintf(out, "%s of it rolled back since: the counts below are what the batch did before; the calendars hold what the rollback wrote\n", counted(sum.RolledBack, "user"))
		}
	} else if sum.Resumed {
		fmt.Fprintf(out, "resumed batch %s (started %s with the same inputs and options): finished what was left, sending no update recorded as sent (one whose sending a kill cut short, before it was recorded, may go out again: an outbox file is written again, the same bytes; the relay gets it again)\n",
			sum.BatchID, sum.Started.Format(time.RFC3339))
	}
	mode := "updated"
	if o.DryRun {
		mode = "would be updated (dry run: nothing written or sent)"
	}
	inAll := ""
	if sum.Reopened || sum.Resumed { // the totals count what the runs before did too
		inAll = " in all"
	}
	if len(o.Only) > 0 {
		inAll += " (a pilot: only the users --user named)"
	}
	sent := sentCount(sum.Invites, o)
	if server := sum.ServerInvites; server > 0 && o.Send != "server" {
		left := "left to the CalDAV server's scheduling (it scheduled those meetings before)"
		if o.DryRun {
			left = "would be " + left
		}
		sent = fmt.Sprintf("%s, %d %s", sentCount(sum.Invites-server, o), server, left)
	}
	fmt.Fprintf(out, "batch %s%s: %s, %d triggered, %d failed; %s %s, %s%s\n",
		sum.BatchID, inAll, counted(sum.Users, "user"), sum.Triggered, sum.Failed, counted(sum.Updated, "meeting"), mode, sent, leftAlone(sum))
	for _, w := range append(sum.Warnings, pastWarning(o, sum), sum.BorrowedWarning()) {
		if w != "" {
			fmt.Fprintln(errOut, "mms: warning:", w)
		}
	}
	if !o.DryRun && o.Out != "" && (sum.Updated > 0 || exists(filepath.Join(o.Out, "calendars"))) { // nothing written, nothing to point at
		fmt.Fprintf(out, "calendars: %s/calendars", o.Out)
		if sum.CalDAV > 0 {
			fmt.Fprint(out, " (CalDAV calendars: in place)")
		}
		if o.Send == "outbox" && sum.Invites > 0 {
			fmt.Fprintf(out, "  outbox: %s/outbox", o.Out)
		}
		fmt.Fprintln(out)
	}
	fmt.Fprintf(out, "report: %s\n", sum.Report)
	sayFailed(errOut, sum)
	if sum.Failed > 0 {
		return usersFailedError{failed: sum.Failed, total: sum.Triggered}
	}
	if len(sum.RowErrors) > 0 {
		return rowsRejectedError{rows: max(sum.Rejected, len(sum.RowErrors))}
	}
	return nil
}

// sentCount is how many updates went where --send hands them; with
// --send none they went nowhere, and none is counted.
func sentCount(n int, o batch.RunOptions) string {
	switch {
	case o.Send == "none" && o.DryRun:
		return "no update would be sent (--send none)"
	case o.Send == "none":
		return "updates " + sentVerb(o)
	}
	return counted(n, "update") + " " + sentVerb(o)
}

func sentVerb(o batch.RunOptions) string {
	would := ""
	if o.DryRun {
		would = "would be "
	}
	switch {
	case o.Send == "none":
		return would + "not sent (--send none)"
	case o.Send == "server":
		return would + "left to the CalDAV server's scheduling (--send server)"
	case strings.HasPrefix(o.Send, "smtp://"):
		return would + "submitted to " + o.Send
	}
	return would + "written to the outbox"
}

// sendsTo says where --send hands the updates, for the question asked
// before.
func sendsTo(send string) string {
	if send == "server" {
		return "through the CalDAV server's scheduling (--send server)"
	}
	return "to " + send
}

// pastWarning warns of a run that updated nothing because every meeting
// of its triggered users starts before --now (past): the --now is likely wrong.
// When only some do, the others were skipped for their own reasons, which
// the report gives; no warning.
func pastWarning(o batch.RunOptions, sum batch.Summary) string {
	if sum.Updated > 0 || sum.Past == 0 || sum.Past != sum.Meetings {
		return ""
	}
	now := o.Now
	if now.IsZero() {
		now = sum.Now
	}
	if now.IsZero() {
		now = sum.Started
	}
	at := now.UTC().Format(time.RFC3339)
	return fmt.Sprintf("all %s start before --now %s (past: none has an occurrence at or after it); did you mean an earlier --now?", counted(sum.Past, "meeting"), at)
}

// sayFailed names the first failed users of a batch and why, so that a
// bad row or calendar is seen without opening the report.
func sayFailed(errOut io.Writer, sum batch.Summary) {
	for _, f := range sum.FailedUsers {
		fmt.Fprintln(errOut, "mms: failed:", f)
	}
	if more := sum.Failed - len(sum.FailedUsers); more > 0 && len(sum.FailedUsers) > 0 {
		fmt.Fprintf(errOut, "mms: and %s more: the report lists every one and why\n", counted(more, "failed user"))
	}
}

// exists reports whether path is there.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// leftAlone says how many of the users' meetings a batch did not update,
// which the summary would otherwise hide: "; not updated: 16 skipped (12
// already sent), 1 failed: see the report". "" when none.
func leftAlone(sum batch.Summary) string {
	var parts []string
	if sum.Skipped > 0 {
		s := fmt.Sprintf("%d skipped", sum.Skipped)
		if sum.AlreadySent > 0 {
			s += fmt.Sprintf(" (%d already sent)", sum.AlreadySent)
		}
		parts = append(parts, s)
	}
	if sum.FailedMeetings > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", sum.FailedMeetings))
	}
	if len(parts) == 0 {
		return ""
	}
	if sum.DryRun {
		return "; would not be updated: " + strings.Join(parts, ", ") + ": see the report"
	}
	return "; not updated: " + strings.Join(parts, ", ") + ": see the report"
}
