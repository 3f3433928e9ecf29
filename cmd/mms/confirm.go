package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v3"
	"golang.org/x/term"

	"github.com/mms-project/mms/batch"
)

// terminalIn is the standard input and whether it is a terminal: a command
// that will send mail asks there first.
type terminalIn struct {
	r        io.Reader
	terminal func() bool
}

// osStdin is the process's standard input.
func osStdin() terminalIn {
	return terminalIn{r: os.Stdin, terminal: func() bool { return term.IsTerminal(int(os.Stdin.Fd())) }}
}

// yesFlag skips the question.
func yesFlag() cli.Flag {
	return &cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask before sending mail (a command whose standard input is not a terminal never asks)",
		Sources: cli.EnvVars("MMS_YES")}
}

// confirm asks on errOut, and reads the answer from in, whether to go on
// with what will send mail; without a terminal, or with --yes, it does
// not ask. Anything but y or yes is no: nothing is done.
func confirm(in terminalIn, errOut io.Writer, yes bool, what string) error {
	if yes || in.r == nil || in.terminal == nil || !in.terminal() {
		return nil
	}
	fmt.Fprintf(errOut, "%s. Go on? [y/N] ", what)
	answer, _ := bufio.NewReader(in.r).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return fmt.Errorf("%w: not confirmed; nothing was written or sent (--yes skips the question)", batch.ErrInput)
}

// mailGoesOut reports whether --send hands updates to someone who mails
// them: a relay, or the CalDAV server's scheduling ("" is the batch's own,
// for a rollback: it may).
func mailGoesOut(send string) bool {
	return send != "none" && send != "outbox"
}
