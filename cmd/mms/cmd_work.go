package main

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/urfave/cli/v3"

	"github.com/mms-project/mms/batch"
)

func workCommand(out, errOut io.Writer, calls batchCalls) *cli.Command {
	return &cli.Command{
		Name:  "work",
		Usage: "migrate queued users until the queue is empty; start it on several machines sharing a postgres:// store",
		UsageText: "mms work [--batch ID] [--workers N] [--rescue-after D] [--db DSN]\n\n" +
			"Each batch is worked with its own settings (output directory, --send, --now, dry run). When a batch has\n" +
			"no user left, its report is written (if it has one) and it is summed up here.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "batch", Usage: "only this batch: its id, a unique prefix of 6+ characters, or last (default: every batch with users left)", Sources: cli.EnvVars("MMS_BATCH")},
			&cli.IntFlag{Name: "workers", Value: batch.DefaultWorkers(), Usage: "users migrated at once by this process (their calendars read and rewritten; as many more may be sending their updates meanwhile), 1 to 256; the default is one more than the CPUs (0 asks for it too)", Sources: cli.EnvVars("MMS_WORKERS")},
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
			tuning := batch.Tuning{Workers: int(cmd.Int("workers")), Lease: cmd.Duration("rescue-after"),
				CalDAVRequests: int(cmd.Int("caldav-requests")), SMTPSessions: int(cmd.Int("smtp-sessions")), Phase: memoryPhase}
			conns, err := connections(cmd)
			if err != nil {
				return err
			}
			tuning.Connections = conns
			sayNotes(errOut, conns)
			p := newProgress(errOut, false)
			var mine counter
			events := func(e batch.Event) { mine.add(e); p.Event(e) }
			tuning.Events = events
			o := batch.WorkOptions{DB: cmd.String("db"), BatchID: cmd.String("batch"), Tuning: tuning}
			sums, err := calls.work(ctx, o)
			p.finish()
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "this process migrated %s\n", counted(mine.get(), "user"))
			failed, triggered := 0, 0
			for _, s := range sums {
				updated := "updated"
				if s.DryRun {
					updated = "would be updated (dry run: nothing written or sent)"
				}
				fmt.Fprintf(out, "batch %s finished: %s, %d failed; %s %s, %s%s\n", s.BatchID, counted(s.Triggered, "user"), s.Failed,
					counted(s.Updated, "meeting"), updated, sentCount(s.Invites, batch.RunOptions{Send: s.Send, DryRun: s.DryRun}), leftAlone(s))
				if s.Report != "" {
					fmt.Fprintf(out, "report: %s\n", s.Report)
				}
				for _, w := range append(s.Warnings, pastWarning(batch.RunOptions{}, s), s.BorrowedWarning()) {
					if w != "" {
						fmt.Fprintln(errOut, "mms: warning:", w)
					}
				}
				sayFailed(errOut, s)
				failed, triggered = failed+s.Failed, triggered+s.Triggered
			}
			if len(sums) == 0 {
				fmt.Fprintln(out, "no batch finished (the queue was empty, or another process is finishing its users)")
			}
			if failed > 0 {
				return usersFailedError{failed: failed, total: triggered}
			}
			return nil
		},
	}
}

// counter counts the users this process finished.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) add(e batch.Event) {
	if e.Kind == batch.UserDone || e.Kind == batch.UserFailed {
		c.mu.Lock()
		c.n++
		c.mu.Unlock()
	}
}

func (c *counter) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
