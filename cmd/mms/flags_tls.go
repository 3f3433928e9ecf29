package main

import (
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v3"

	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/smtp"
)

// The flags of trust and checks, for the commands that send mail or reach
// CalDAV servers (run, work, rollback): --smtp-ca, --smtp-tls-name,
// --smtp-tls, --caldav-ca, --caldav-tls, --caldav-readback.

func smtpCAFlag() cli.Flag {
	return &cli.StringFlag{Name: "smtp-ca", Usage: "PEM file of the CA certificates to trust for the relay of --send smtp://, besides the system's (an organisation's own CA)",
		Sources: cli.EnvVars("MMS_SMTP_CA")}
}

func smtpTLSNameFlag() cli.Flag {
	return &cli.StringFlag{Name: "smtp-tls-name", Usage: "the name the relay's certificate must carry, when --send smtp:// reaches it by address or by another name",
		Sources: cli.EnvVars("MMS_SMTP_TLS_NAME")}
}

func smtpTLSFlag() cli.Flag {
	return &cli.StringFlag{Name: "smtp-tls", Value: string(smtp.TLSVerify), Usage: "verify (the relay's certificate is checked) or skip-verify (NOT checked: test relays only; refused with credentials to a host that is not this machine)",
		Sources: cli.EnvVars("MMS_SMTP_TLS")}
}

func caldavCAFlag() cli.Flag {
	return &cli.StringFlag{Name: "caldav-ca", Usage: "PEM file of the CA certificates to trust for CalDAV servers, besides the system's",
		Sources: cli.EnvVars("MMS_CALDAV_CA")}
}

func caldavTLSFlag() cli.Flag {
	return &cli.StringFlag{Name: "caldav-tls", Value: "verify", Usage: "verify (CalDAV servers' certificates are checked) or skip-verify (NOT checked: test servers only; credentials go only to this machine)",
		Sources: cli.EnvVars("MMS_CALDAV_TLS")}
}

func caldavReadBackFlag() cli.Flag {
	return &cli.BoolFlag{Name: "caldav-readback", Value: true, Usage: "read each CalDAV object back after writing it (on by default); when the server kept something else, put the original back and fail the meeting (--caldav-readback=false: one request less per write)",
		Sources: cli.EnvVars("MMS_CALDAV_READBACK")}
}

// smtpConnections reads the --smtp-* flags above (rollback has only those).
func smtpConnections(cmd *cli.Command) (migrate.Connections, error) {
	mode, err := smtp.ParseTLSMode(cmd.String("smtp-tls"))
	if err != nil {
		return migrate.Connections{}, err
	}
	c := migrate.Connections{SMTPCA: cmd.String("smtp-ca"), SMTPTLSName: cmd.String("smtp-tls-name"), SMTPTLS: mode}
	return c, readable("--smtp-ca", c.SMTPCA)
}

// readable checks a CA bundle before anything runs: a missing one would
// otherwise fail every user, one at a time.
func readable(flag, file string) error {
	if file == "" {
		return nil
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("%s: %w; give a PEM file of CA certificates", flag, err)
	}
	return f.Close()
}

// connections reads every flag above.
func connections(cmd *cli.Command) (migrate.Connections, error) {
	c, err := smtpConnections(cmd)
	if err != nil {
		return c, err
	}
	c.CalDAVCA, c.NoReadBack = cmd.String("caldav-ca"), !cmd.Bool("caldav-readback")
	if err := readable("--caldav-ca", c.CalDAVCA); err != nil {
		return c, err
	}
	switch v := cmd.String("caldav-tls"); v {
	case "", "verify":
	case "skip-verify":
		c.CalDAVSkipVerify = true
	default:
		return c, fmt.Errorf("--caldav-tls %q: use verify (the default) or skip-verify (test servers only)", v)
	}
	return c, nil
}

// sayNotes prints the loud notices of c (certificate checks off) before
// the run begins.
func sayNotes(errOut io.Writer, c migrate.Connections) {
	for _, n := range c.Notes() {
		fmt.Fprintln(errOut, "mms:", n)
	}
}
