package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/mms-project/mms/batch"
	"github.com/mms-project/mms/batch/input"
	"github.com/mms-project/mms/batch/smtp"
)

// batchCalls are the batch functions the commands call. A test replaces
// one to see the options a command line makes without running the batch,
// as gh's commands take a runF.
type batchCalls struct {
	run      func(context.Context, batch.RunOptions) (batch.Summary, error)
	enqueue  func(context.Context, batch.RunOptions) (batch.Summary, error)
	start    func(context.Context, batch.StartOptions) (batch.Started, error)
	work     func(context.Context, batch.WorkOptions) ([]batch.Summary, error)
	rollback func(context.Context, batch.RollbackOptions) (batch.RolledBack, error)
	// stdin is where a question before sending mail is answered; the
	// zero value never asks.
	stdin terminalIn
}

// batchPackage are the real calls.
var batchPackage = batchCalls{run: batch.Run, enqueue: batch.Enqueue, start: batch.Start, work: batch.Work, rollback: batch.Rollback}

// newApp builds the command tree; out and errOut are stdout and stderr.
func newApp(out, errOut io.Writer) *cli.Command {
	calls := batchPackage
	calls.stdin = osStdin()
	return newAppWith(out, errOut, calls)
}

// newAppWith is newApp calling the batch through calls.
func newAppWith(out, errOut io.Writer, calls batchCalls) *cli.Command {
	app := &cli.Command{
		Name:  "mms",
		Usage: "migrate the online-meeting block of future meetings when organisers' conferencing details change",
		Description: "mms reads a users file and a changes file, finds every future meeting each triggered user organises,\n" +
			"replaces its Skype or Teams join block with the user's new details, sends one update per meeting,\n" +
			"and writes a report of every outcome. Start with a dry run:\n\n" +
			"   mms run --users users.csv --changes changes.csv --report report.xlsx --dry-run\n\n" + exitCodesHelp,
		Version:               batch.Version(),
		EnableShellCompletion: true, // mms completion bash|zsh|fish|pwsh
		Writer:                out,
		ErrWriter:             errOut,
		ExitErrHandler:        func(context.Context, *cli.Command, error) {}, // main maps errors to exit codes
		Action: func(_ context.Context, cmd *cli.Command) error {
			if cmd.Args().Present() {
				return unknownCommand(cmd.Args().First())
			}
			return cli.ShowRootCommandHelp(cmd)
		},
		Commands: []*cli.Command{runCommand(out, errOut, calls), startCommand(out, calls), workCommand(out, errOut, calls), statusCommand(out, errOut),
			batchesCommand(out), rollbackCommand(out, errOut, calls), tenantCommand(out, errOut), helpCommand()},
		HideHelpCommand: true, // ours, helpCommand, is listed instead
	}
	usageErrors(app)
	for _, sub := range app.Commands {
		noStrayWords(sub)
	}
	return app
}

// helpCommand is "mms help [COMMAND [SUBCOMMAND]]" (and "mms tenant help
// [SUBCOMMAND]"), as urfave/cli's own help command, which refused its own
// --help.
func helpCommand() *cli.Command {
	return &cli.Command{
		Name:      "help",
		Aliases:   []string{"h"},
		Usage:     "show a list of commands or help for one command",
		ArgsUsage: "[COMMAND [SUBCOMMAND]]",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			parent, names := cmd.Lineage()[1], cmd.Args().Slice()
			if len(names) == 0 && parent == cmd.Root() {
				return cli.ShowRootCommandHelp(parent)
			}
			if len(names) == 0 {
				return cli.ShowSubcommandHelp(parent)
			}
			for _, name := range names[:len(names)-1] {
				if parent = parent.Command(name); parent == nil {
					return fmt.Errorf("no command %q (mms --help lists them)", strings.Join(names, " "))
				}
			}
			last := names[len(names)-1]
			if parent.Command(last) == nil {
				return fmt.Errorf("no command %q (mms --help lists them)", strings.Join(names, " "))
			}
			return cli.ShowCommandHelp(ctx, parent, last)
		},
	}
}

// noStrayWords refuses, on every command that takes none, words without
// dashes: "mms run ... dry-run" must not become a real run that sends.
// A word that is one of the command's flags without its dashes is named
// as that flag. tenant set takes its NAME and value; the root command
// (not passed here) says an unknown command itself.
func noStrayWords(cmd *cli.Command) {
	for _, sub := range cmd.Commands {
		noStrayWords(sub)
	}
	if cmd.Action == nil || cmd.Name == "set" || cmd.Name == "help" || len(cmd.Commands) > 0 { // mms tenant says its own
		return
	}
	action := cmd.Action
	cmd.Action = func(ctx context.Context, cmd *cli.Command) error {
		if !cmd.Args().Present() {
			return action(ctx, cmd)
		}
		word := cmd.Args().First()
		if word == "help" && cmd.Args().Len() == 1 { // "mms status help": as --help
			return cli.ShowSubcommandHelp(cmd)
		}
		for _, f := range cmd.Flags {
			for _, name := range f.Names() {
				if name == strings.TrimLeft(word, "-") {
					return fmt.Errorf("%q is not an option of %s: did you mean --%s? (see %s --help)", word, cmd.FullName(), name, cmd.FullName())
				}
			}
		}
		return fmt.Errorf("%s takes options only, not %q (see %s --help)", cmd.FullName(), word, cmd.FullName())
	}
}

// goParseError is Go's own wording of a number that does not parse.
var goParseError = regexp.MustCompile(`strconv\.Parse(Int|Uint|Float): parsing "[^"]*": (invalid syntax|value out of range)`)

// singleDash is a flag as the parser names it (-workers).
var singleDash = regexp.MustCompile(`(^|\s)-([A-Za-z])`)

// usageErrors makes a flag the parser refuses (unknown, or a bad value)
// one line, said once by main on stderr with a pointer to the command's
// help, instead of the whole help on stdout and the error twice.
func usageErrors(cmd *cli.Command) {
	cmd.OnUsageError = func(_ context.Context, cmd *cli.Command, err error, _ bool) error {
		if cmd.Root() == cmd && cmd.Args().Present() { // "mms statsu --db x": the word, not its flag, is wrong
			return unknownCommand(cmd.Args().First())
		}
		if len(cmd.Commands) > 0 && cmd.Args().Present() { // "mms tenant get --db x": the same, one level down
			return unknownSubcommand(cmd, cmd.Args().First())
		}
		msg := singleDash.ReplaceAllString(err.Error(), "$1--$2") // the flag as it is typed
		msg = goParseError.ReplaceAllString(msg, "not a whole number")
		if typed, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
			var names []string
			for _, f := range cmd.Flags {
				names = append(names, f.Names()...)
			}
			if s := input.Closest(strings.TrimLeft(typed, "-"), names); s != "" && len(strings.TrimLeft(typed, "-")) > 2 {
				return fmt.Errorf("%s: did you mean --%s? (see %s --help)", msg, s, cmd.FullName())
			}
		}
		return fmt.Errorf("%s; see %s --help", msg, cmd.FullName())
	}
	for _, sub := range cmd.Commands {
		usageErrors(sub)
	}
}

// dbFlag is the state store, shared by every command.
func dbFlag() cli.Flag {
	return &cli.StringFlag{Name: "db", Value: "mms.db", Usage: "state store: a SQLite file, or a postgres:// URL shared by workers on several machines", Sources: cli.EnvVars("MMS_DB")}
}

// rescueFlag is how long a silent worker process on another host keeps its
// users; a gone process on this host is noticed at once.
func rescueFlag() cli.Flag {
	return &cli.DurationFlag{Name: "rescue-after", Value: 30 * time.Second,
		Usage:   "take back the users of a worker process on another host after it has been silent this long (one on this host that died is noticed at once)",
		Sources: cli.EnvVars("MMS_RESCUE_AFTER")}
}

// caldavRequestsFlag bounds the requests in flight to one CalDAV server.
func caldavRequestsFlag() cli.Flag {
	return &cli.IntFlag{Name: "caldav-requests", Value: 4,
		Usage:   "CalDAV requests in flight at once per server, shared by all workers (a server answering 429 or 503 is also waited for)",
		Sources: cli.EnvVars("MMS_CALDAV_REQUESTS")}
}

// smtpSessionsFlag bounds the sessions with the mail relay of --send smtp://.
func smtpSessionsFlag() cli.Flag {
	return &cli.IntFlag{Name: "smtp-sessions", Value: smtp.DefaultSessions,
		Usage:   "SMTP sessions open at once with the relay of --send smtp://host:port, shared by all workers",
		Sources: cli.EnvVars("MMS_SMTP_SESSIONS")}
}

// unknownSubcommand is a word after a command of subcommands (mms tenant)
// that names none of them.
func unknownSubcommand(cmd *cli.Command, word string) error {
	var names []string
	for _, c := range cmd.Commands {
		if c.Name != "help" {
			names = append(names, c.Name)
		}
	}
	return fmt.Errorf("unknown command %q: use %s %s (see %s --help)", cmd.FullName()+" "+word, cmd.FullName(), strings.Join(names, " or "), cmd.FullName())
}

// unknownCommand is the error of a first word that names no command.
func unknownCommand(word string) error {
	if c := input.Closest(strings.ToLower(word), []string{"run", "start", "work", "status", "batches", "rollback", "tenant", "help"}); c != "" && len(word) > 2 {
		return fmt.Errorf("unknown command %q: did you mean %s? (mms --help lists run, start, work, status, batches, rollback and tenant)", word, c)
	}
	return fmt.Errorf("unknown command %q: use run, start, work, status, batches, rollback or tenant (mms --help)", word)
}
