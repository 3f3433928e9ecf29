package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/mms-project/mms/batch"
	"github.com/mms-project/mms/batch/input"
	"github.com/mms-project/mms/ics"
)

func startCommand(out io.Writer, calls batchCalls) *cli.Command {
	return &cli.Command{
		Name:  "start",
		Usage: "queue one user's migration, like Start-CsExMeetingMigration (or, without --user, a whole batch); mms work carries it out",
		UsageText: "mms start --user U [--source-meeting-type sfb|teams|all] [--target-meeting-type current|teams|skype]\n" +
			"          [--users FILE [--changes FILE]] [--calendar FILE] [--join-url URL] [--conference-id ID]\n" +
			"          [--out DIR] [--report FILE] [--now TIME] [--dry-run] [--send MODE] [--db DSN]\n\n" +
			"The user's rows are the last ones the state store holds (from an earlier run), or those of --users and\n" +
			"--changes, decided by the trigger rules and tenant settings as a run would. --out, --send and --report\n" +
			"default to those of the batch the rows come from. Nothing runs while meeting_migration_enabled is false.\n\n" +
			"Without --user, mms start --users F --changes F --out DIR --report FILE queues the whole batch as mms run\n" +
			"would, without working it: start mms work on one or more machines sharing the --db.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "user", Usage: "the organiser's e-mail address (primary address or alias)", Sources: cli.EnvVars("MMS_USER")},
			&cli.StringFlag{Name: "source-meeting-type", Value: "all", Usage: "which meetings: sfb (Skype for Business blocks), teams, or all", Sources: cli.EnvVars("MMS_SOURCE_MEETING_TYPE")},
			&cli.StringFlag{Name: "target-meeting-type", Usage: "current (each meeting keeps its kind), teams (write Teams blocks) or skype (Skype blocks, for a user moved on-premises); default: as the user's migration says", Sources: cli.EnvVars("MMS_TARGET_MEETING_TYPE")},
			&cli.StringFlag{Name: "users", Usage: "read the user's row from this users file instead of the state store", Sources: cli.EnvVars("MMS_USERS")},
			&cli.StringFlag{Name: "changes", Usage: "with --users: the changes file holding the user's changes", Sources: cli.EnvVars("MMS_CHANGES")},
			meetingsFlag(),
			&cli.StringFlag{Name: "calendar", Usage: "the user's .ics file, replacing the row's", Sources: cli.EnvVars("MMS_CALENDAR")},
			&cli.StringFlag{Name: "join-url", Usage: "the new join link ({meeting} stands for the meeting's id), replacing the row's", Sources: cli.EnvVars("MMS_JOIN_URL")},
			&cli.StringFlag{Name: "conference-id", Usage: "the new conference ID, replacing the row's", Sources: cli.EnvVars("MMS_CONFERENCE_ID")},
			&cli.StringFlag{Name: "out", Usage: "output directory (default: the earlier batch's)", Sources: cli.EnvVars("MMS_OUT")},
			&cli.StringFlag{Name: "report", Usage: "report written when mms work finishes the batch, FILE.xlsx, FILE.csv or FILE.html (default: none; see mms status; its variable is MMS_START_REPORT: the run's MMS_REPORT would be written over)", Sources: cli.EnvVars("MMS_START_REPORT")},
			&cli.StringFlag{Name: "now", Usage: "treat this RFC 3339 time (2026-01-15T09:00:00Z, or a date alone: midnight UTC) as now (default: the current time)", Sources: cli.EnvVars("MMS_NOW")},
			&cli.BoolFlag{Name: "dry-run", Usage: "decide and record what would change; write and send nothing", Sources: cli.EnvVars("MMS_DRY_RUN")},
			&cli.StringFlag{Name: "send", Usage: "outbox, none, smtp://host:port or server (CalDAV calendars only; default: the earlier batch's, else outbox)", Sources: cli.EnvVars("MMS_SEND")},
			dbFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.String("user") == "" && cmd.String("users") != "" {
				return startBatch(ctx, cmd, out, calls)
			}
			src, err := ics.ParseSourceType(cmd.String("source-meeting-type"))
			if err != nil {
				return err
			}
			o := batch.StartOptions{
				User: cmd.String("user"), Source: src, Target: cmd.String("target-meeting-type"),
				Users: cmd.String("users"), Changes: cmd.String("changes"),
				Calendar: cmd.String("calendar"), JoinURL: cmd.String("join-url"), ConferenceID: cmd.String("conference-id"),
				Meetings: cmd.String("meetings"),
				Out:      cmd.String("out"), Report: cmd.String("report"), Send: cmd.String("send"), DryRun: cmd.Bool("dry-run"), DB: cmd.String("db"),
			}
			if o.Now, err = parseNow(cmd.String("now")); err != nil {
				return err
			}
			s, err := calls.start(ctx, o)
			if err != nil {
				return err
			}
			from := "from the rows of the files given"
			switch {
			case s.From != "":
				from = "from the rows of batch " + s.From
			case o.Users == "":
				from = "from the flags given" // by hand: --calendar and --join-url
			}
			fmt.Fprintf(out, "queued %s in batch %s (%s); run mms work to migrate\n", s.User, s.BatchID, from)
			sayStarted(out, s, o.Now.IsZero())
			return nil
		},
	}
}

// sayStarted says what a queued user's migration will take as now, where
// that is not the time of the batch its rows or --out came from (a
// newcomer's mms start on the demo's rows read every meeting as past, with
// no word why), and where its outputs go.
func sayStarted(out io.Writer, s batch.Started, clock bool) {
	at := s.Now.UTC().Format(time.RFC3339)
	if clock {
		at += " (the current time)"
	}
	switch {
	case !s.FromNow.IsZero() && !s.FromNow.Equal(s.Now):
		fmt.Fprintf(out, "--now: %s; the earlier batch's was %s (give --now %s to decide as it did: meetings before --now are past)\n",
			at, s.FromNow.UTC().Format(time.RFC3339), s.FromNow.UTC().Format(time.RFC3339))
	default:
		fmt.Fprintf(out, "--now: %s\n", at)
	}
	switch {
	case s.DryRun || s.Out == "": // a dry run writes nothing
	case s.Send == "outbox" || s.Send == "":
		fmt.Fprintf(out, "calendars: %s  outbox: %s\n", filepath.Join(s.Out, "calendars"), filepath.Join(s.Out, "outbox"))
	default:
		fmt.Fprintf(out, "calendars: %s\n", filepath.Join(s.Out, "calendars"))
	}
}

// parseNow reads --now; "" is the zero time (the current time).
func parseNow(v string) (time.Time, error) { return parseNowFrom(v, "MMS_NOW") }

// parseNowFrom is parseNow of a command whose --now is read from env.
func parseNowFrom(v, env string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := input.ParseTime(v)
	if err != nil {
		return t, fmt.Errorf("--now (or %s) %q %w", env, v, err)
	}
	return t, nil
}

// startBatch queues a whole batch, the first half of mms run.
func startBatch(ctx context.Context, cmd *cli.Command, out io.Writer, calls batchCalls) error {
	o := batch.RunOptions{Users: cmd.String("users"), Changes: cmd.String("changes"), Out: cmd.String("out"), Report: cmd.String("report"),
		DryRun: cmd.Bool("dry-run"), Send: cmd.String("send"), DB: cmd.String("db")}
	o.Meetings = cmd.String("meetings")
	var err error
	if o.Now, err = parseNow(cmd.String("now")); err != nil {
		return err
	}
	sum, err := calls.enqueue(ctx, o)
	if err != nil {
		return err
	}
	for _, e := range sum.RowErrors {
		fmt.Fprintln(out, "rejected row:", e)
	}
	verb := "queued"
	if sum.Resumed {
		verb = "already queued, unfinished:"
	}
	fmt.Fprintf(out, "%s batch %s: %s, %d triggered; run mms work to migrate\n", verb, sum.BatchID, counted(sum.Users, "user"), sum.Triggered)
	return nil
}

// meetingsFlag is --meetings, on run and start.
func meetingsFlag() cli.Flag {
	return &cli.StringFlag{Name: "meetings", Usage: "meetings file, CSV or XLSX: meetings that get an online meeting of their own " +
		"(columns: user, uid, join_url; optional meeting_id, passcode, conference_id, toll_number, toll_free_number, dialin_url)", Sources: cli.EnvVars("MMS_MEETINGS")}
}
