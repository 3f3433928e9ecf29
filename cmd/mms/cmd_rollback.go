package main

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v3"

	"github.com/mms-project/mms/batch"
	"github.com/mms-project/mms/batch/store"
)

func rollbackCommand(out io.Writer, calls batchCalls) *cli.Command {
	return &cli.Command{
		Name:  "rollback",
		Usage: "put back what a batch rewrote, in its output calendars, and send the updates again",
		UsageText: "mms rollback --batch ID [--user U] [--now TIME] [--send MODE] [--report FILE] [--db DSN]\n\n" +
			"Every component the batch rewrote gets its original bytes back, except SEQUENCE (one above the rewrite's)\n" +
			"and DTSTAMP (the rollback's time), and each meeting's attendees get one update. A meeting changed since\n" +
			"the batch (another UID set, an instance gone) fails with a message and is left as it is. Started again\n" +
			"after a crash, the rollback finishes without sending anything twice.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "batch", Usage: "the batch to roll back (mms status --all lists the batches)", Sources: cli.EnvVars("MMS_BATCH")},
			&cli.StringFlag{Name: "user", Usage: "only this user", Sources: cli.EnvVars("MMS_USER")},
			&cli.StringFlag{Name: "now", Usage: "RFC 3339 time written as DTSTAMP of the restored meetings (default: the current time)", Sources: cli.EnvVars("MMS_NOW")},
			&cli.StringFlag{Name: "send", Usage: "outbox or none (default: as the batch sent)", Sources: cli.EnvVars("MMS_SEND")},
			&cli.StringFlag{Name: "report", Usage: "also write what was restored as a report, FILE.xlsx or FILE.csv", Sources: cli.EnvVars("MMS_REPORT")},
			dbFlag(),
			smtpCAFlag(),
			smtpTLSNameFlag(),
			smtpTLSFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			now, err := parseNow(cmd.String("now"))
			if err != nil {
				return err
			}
			conns, err := smtpConnections(cmd)
			if err != nil {
				return err
			}
			sayNotes(out, conns)
			rb, err := calls.rollback(ctx, batch.RollbackOptions{DB: cmd.String("db"), BatchID: cmd.String("batch"), User: cmd.String("user"),
				Now: now, Send: cmd.String("send"), Report: cmd.String("report"), Tuning: batch.Tuning{Phase: memoryPhase, Connections: conns}})
			if err != nil {
				return err
			}
			return printRollback(out, rb)
		},
	}
}

func printRollback(out io.Writer, rb batch.RolledBack) error {
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
	fmt.Fprintf(out, "rollback %s of batch %s: %d users, %d meetings restored, %d updates sent, %d users failed\n",
		rb.BatchID, rb.Of, len(rb.Users), restored, sent, failed)
	if rb.Report != "" {
		fmt.Fprintf(out, "report: %s\n", rb.Report)
	}
	if failed > 0 {
		return usersFailedError{failed: failed, total: len(rb.Users)}
	}
	return nil
}
