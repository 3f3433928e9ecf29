package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/mms-project/mms/batch"
	"github.com/mms-project/mms/batch/store"
)

func rollbackCommand(out, errOut io.Writer, calls batchCalls) *cli.Command {
	return &cli.Command{
		Name:  "rollback",
		Usage: "put back what a batch rewrote, in its output calendars, and send the updates again",
		UsageText: "mms rollback --batch ID|PREFIX|last [--user U] [--now TIME] [--send MODE] [--report FILE] [--dry-run] [--yes] [--db DSN]\n\n" +
			"Every component the batch rewrote gets its original bytes back, except SEQUENCE (one above the rewrite's)\n" +
			"and DTSTAMP (the rollback's time), and each meeting's attendees get one update. A meeting changed since\n" +
			"the batch (edited: its SEQUENCE or DTSTAMP not the batch's; an instance gone; or updated by a later batch)\n" +
			"fails with a message and is left as it is. Started again\n" +
			"after a crash, the rollback finishes without sending anything twice. --dry-run says what would be restored\n" +
			"and writes nothing but its report. A rollback that may send mail asks first on a terminal; --yes does not ask.\n\n" + rollbackExitHelp,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "batch", Usage: "the batch to roll back: its id, a unique prefix of 6+ characters, or last (the latest that is not a dry run or a rollback done; mms batches lists them)", Sources: cli.EnvVars("MMS_BATCH")},
			&cli.StringFlag{Name: "user", Usage: "only this user (its variable is MMS_ROLLBACK_USER, not MMS_USER, which mms status and start read)", Sources: cli.EnvVars("MMS_ROLLBACK_USER")},
			&cli.StringFlag{Name: "now", Usage: "RFC 3339 time (2026-01-15T09:00:00Z, or a date alone: midnight UTC) written as DTSTAMP of the restored meetings (default: the current time; its variable is MMS_ROLLBACK_NOW, not the run's MMS_NOW)", Sources: cli.EnvVars("MMS_ROLLBACK_NOW")},
			&cli.StringFlag{Name: "send", Usage: "outbox or none (default: as the batch sent: its outbox, or its smtp:// relay, which the --smtp-* flags below configure)", Sources: cli.EnvVars("MMS_SEND")},
			&cli.StringFlag{Name: "report", Usage: "also write what was restored as a report, FILE.xlsx, FILE.csv or FILE.html (its variable is MMS_ROLLBACK_REPORT: the run's MMS_REPORT would be written over)", Sources: cli.EnvVars("MMS_ROLLBACK_REPORT")},
			&cli.BoolFlag{Name: "dry-run", Usage: "say what would be restored; write, send and record nothing but the report", Sources: cli.EnvVars("MMS_DRY_RUN")},
			yesFlag(),
			dbFlag(),
			smtpCAFlag(),
			smtpTLSNameFlag(),
			smtpTLSFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			now, err := parseNowFrom(cmd.String("now"), "MMS_ROLLBACK_NOW")
			if err != nil {
				return err
			}
			conns, err := smtpConnections(cmd)
			if err != nil {
				return err
			}
			sayNotes(out, conns)
			o := batch.RollbackOptions{DB: cmd.String("db"), BatchID: cmd.String("batch"), User: cmd.String("user"),
				Now: now, Send: cmd.String("send"), Report: cmd.String("report"), DryRun: cmd.Bool("dry-run"), Tuning: batch.Tuning{Phase: memoryPhase, Connections: conns}}
			if !o.DryRun && mailGoesOut(o.Send) {
				if err := confirm(calls.stdin, errOut, cmd.Bool("yes"), "This rollback will restore the meetings of batch "+o.BatchID+
					" and send their updates as the batch did (--send none or outbox sends no mail)"); err != nil {
					return err
				}
			}
			p := newProgress(errOut, o.DryRun)
			o.Events = p.Event
			rb, err := calls.rollback(ctx, o)
			p.finish()
			if err != nil {
				return err
			}
			return printRollback(out, rb)
		},
	}
}

func printRollback(out io.Writer, rb batch.RolledBack) error {
	if rb.Already != nil {
		fmt.Fprintf(out, "batch %s was rolled back already, by rollback %s on %s: nothing is left to roll back; nothing was written or sent\n",
			rb.Of, rb.Already.ID, rb.Already.CreatedAt.UTC().Format(time.RFC3339))
		return nil
	}
	if rb.Resumed {
		fmt.Fprintf(out, "resumed rollback %s: finished what was left; nothing sent again\n", rb.BatchID)
	}
	failed, restored, sent := 0, 0, 0
	for _, u := range rb.Users {
		fmt.Fprintf(out, "%s: %s\n", u.UserID, u.LastMessage)
		restored, sent = restored+u.SucceededMeeting, sent+u.InvitesUpdate
		if u.State == store.Failed {
			failed++
		}
	}
	if rb.DryRun {
		fmt.Fprintf(out, "rollback of batch %s, dry run: %s, %s would be restored, %s would be sent", rb.Of, counted(len(rb.Users), "user"), counted(restored, "meeting"), counted(sent, "update"))
		if failed > 0 {
			fmt.Fprintf(out, ", %s would fail", counted(failed, "user"))
		}
		fmt.Fprintln(out, "; nothing was written or sent")
	} else {
		fmt.Fprintf(out, "rollback %s of batch %s: %s, %s restored, %s, %s failed\n",
			rb.BatchID, rb.Of, counted(len(rb.Users), "user"), counted(restored, "meeting"), sentCount(sent, batch.RunOptions{Send: rb.Send}), counted(failed, "user"))
		if restored > 0 && rb.Out != "" {
			fmt.Fprintf(out, "calendars: %s/calendars (restored in place)", rb.Out)
			if rb.Send == "outbox" && sent > 0 {
				fmt.Fprintf(out, "  outbox: %s/outbox", rb.Out)
			}
			fmt.Fprintln(out)
		}
	}
	if rb.Report != "" {
		fmt.Fprintf(out, "report: %s\n", rb.Report)
	}
	if failed > 0 {
		return usersFailedError{failed: failed, total: len(rb.Users)}
	}
	return nil
}
