package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mms-project/mms/batch"
	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/smtp"
)

// The trust and read-back flags, and their MMS_* variables, land in
// Tuning.Connections of run, work and rollback.
func TestTLSFlagsToOptions(t *testing.T) {
	dir := t.TempDir()
	relayCA, davCA := filepath.Join(dir, "relay-ca.pem"), filepath.Join(dir, "dav-ca.pem")
	os.WriteFile(relayCA, []byte("pem"), 0o644)
	os.WriteFile(davCA, []byte("pem"), 0o644)
	want := migrate.Connections{SMTPCA: relayCA, SMTPTLSName: "relay.contoso.com", SMTPTLS: smtp.TLSSkipVerify,
		CalDAVCA: davCA, CalDAVSkipVerify: true, NoReadBack: true}
	flags := []string{"--smtp-ca", relayCA, "--smtp-tls-name", "relay.contoso.com", "--smtp-tls", "skip-verify",
		"--caldav-ca", davCA, "--caldav-tls", "skip-verify", "--caldav-readback=false"}
	if c := parse(t, nil, append([]string{"run"}, flags...)...); c.run == nil || c.run.Connections != want {
		t.Errorf("mms run: %+v, want %+v", c.run, want)
	}
	if c := parse(t, nil, append([]string{"work"}, flags...)...); c.work == nil || c.work.Connections != want {
		t.Errorf("mms work: %+v, want %+v", c.work, want)
	}
	smtpOnly := migrate.Connections{SMTPCA: want.SMTPCA, SMTPTLSName: want.SMTPTLSName, SMTPTLS: want.SMTPTLS}
	if c := parse(t, nil, append([]string{"rollback", "--batch", "b"}, flags[:6]...)...); c.rollback == nil || c.rollback.Connections != smtpOnly {
		t.Errorf("mms rollback: %+v, want %+v", c.rollback, smtpOnly)
	}
	env := map[string]string{"MMS_SMTP_CA": relayCA, "MMS_SMTP_TLS_NAME": "relay.contoso.com", "MMS_SMTP_TLS": "skip-verify",
		"MMS_CALDAV_CA": davCA, "MMS_CALDAV_TLS": "skip-verify", "MMS_CALDAV_READBACK": "false"}
	if c := parse(t, env, "run"); c.run == nil || c.run.Connections != want {
		t.Errorf("mms run from MMS_*: %+v, want %+v", c.run, want)
	}
}

// By default certificates are verified and writes read back; nothing is
// announced.
func TestTLSFlagsDefaults(t *testing.T) {
	c := parse(t, nil, "run")
	if c.run == nil || c.run.Connections != (migrate.Connections{SMTPTLS: smtp.TLSVerify}) {
		t.Errorf("defaults: %+v", c.run.Connections)
	}
}

// skip-verify is said out loud before anything runs; a mode that is
// neither verify nor skip-verify is refused, naming the flag.
func TestSkipVerifyIsLoud(t *testing.T) {
	var errOut bytes.Buffer
	calls := batchCalls{run: func(_ context.Context, o batch.RunOptions) (batch.Summary, error) { return batch.Summary{}, errParsed }}
	newAppWith(io.Discard, &errOut, calls).Run(context.Background(), []string{"mms", "run", "--smtp-tls", "skip-verify", "--caldav-tls", "skip-verify"})
	for _, flag := range []string{"--smtp-tls skip-verify", "--caldav-tls skip-verify"} {
		if !strings.Contains(errOut.String(), "WARNING: "+flag) {
			t.Errorf("output does not name %s:\n%s", flag, errOut.String())
		}
	}
	for _, args := range [][]string{{"run", "--smtp-tls", "off"}, {"run", "--caldav-tls", "none"},
		{"run", "--smtp-ca", "/nonexistent/ca.pem"}, {"work", "--caldav-ca", "/nonexistent/ca.pem"}, {"rollback", "--smtp-ca", "/nonexistent/ca.pem"}} {
		err := newAppWith(io.Discard, io.Discard, calls).Run(context.Background(), append([]string{"mms"}, args...))
		if err == nil || !strings.Contains(err.Error(), args[1]) {
			t.Errorf("mms %v: %v, want an error naming %s", args, err, args[1])
		}
	}
}
