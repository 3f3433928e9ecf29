package batch

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/mms-project/mms/batch/input"
	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/trigger"
)

// Settings are the options a batch keeps in the state store: what its
// workers need (mms work, on any machine) and what its report is.
type Settings struct {
	Users   string `json:"users,omitempty"`
	Changes string `json:"changes,omitempty"`
	// Meetings is the --meetings file: online meetings of their own.
	Meetings string    `json:"meetings,omitempty"`
	Out      string    `json:"out,omitempty"`
	Report   string    `json:"report,omitempty"`
	Now      time.Time `json:"now,omitzero"` // as given; zero: the run's time
	DryRun   bool      `json:"dry_run,omitempty"`
	Send     string    `json:"send,omitempty"`
	// Again (--again) sends every update anew, even those an earlier batch
	// sent (see migrate.AlreadySent).
	Again bool `json:"again,omitempty"`
	// RollbackOf is the batch a rollback batch undoes.
	RollbackOf string `json:"rollback_of,omitempty"`
	// StartedFrom is the batch whose row of the user a start took, when
	// no users file was given.
	StartedFrom string `json:"started_from,omitempty"`
	// Flags are the values a start's flags gave in place of the rows'
	// ("--calendar /abs/u.ics", "--join-url URL"): all a start by hand is
	// made from.
	Flags []string `json:"flags,omitempty"`
	// Only are the users a pilot runs (run --user); none: every user.
	Only []string `json:"only,omitempty"`
	// Notes go into the report's heading as they are (e.g. that TLS
	// certificates of a host were not verified).
	Notes []string `json:"notes,omitempty"`
}

// Inputs are what the batch was made from, as its report and mms batches
// name them: the files given, the batch a rollback undoes, the batch whose
// row of the user a start took, the values a start's flags gave.
func (set Settings) Inputs() []string {
	var in []string
	for _, f := range []string{set.Users, set.Changes, set.Meetings} {
		if f != "" {
			in = append(in, f)
		}
	}
	if set.RollbackOf != "" {
		in = append(in, "batch "+set.RollbackOf)
	}
	if set.StartedFrom != "" {
		in = append(in, "the user's row of batch "+set.StartedFrom)
	}
	return append(in, set.Flags...)
}

func (o RunOptions) settings() Settings {
	return Settings{Users: abs(o.Users), Changes: abs(o.Changes), Meetings: abs(o.Meetings), Out: abs(o.Out), Report: abs(o.Report), Now: o.Now, DryRun: o.DryRun, Send: o.Send, Again: o.Again,
		Only: o.Only}
}

func abs(p string) string {
	if p == "" {
		return ""
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// fingerprint names a run by what decides its effects: the contents of the
// users, changes and meetings files, the output directory, --now, --dry-run and
// --send (and, by withTenant, the tenant settings). The same command started again, after a kill, has the same
// fingerprint and resumes its unfinished batch; --workers and --report may
// differ. Calendars are read when each user is migrated, not here.
func fingerprint(s Settings, users []input.User) (string, error) {
	h := sha256.New()
	for _, f := range []string{s.Users, s.Changes, s.Meetings} {
		if f == "" {
			continue // no --meetings
		}
		sum, err := fileSum(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%s\x00", f, sum)
	}
	for _, u := range users { // a calendar exported again makes another batch
		if migrate.IsCalDAV(u.Calendar) {
			continue
		}
		if fi, err := os.Stat(u.Calendar); err == nil {
			fmt.Fprintf(h, "%s\x00%d\x00%d\x00", u.Calendar, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	key, _ := json.Marshal(struct {
		Out    string    `json:"out"`
		Now    time.Time `json:"now"`
		DryRun bool      `json:"dry_run"`
		Send   string    `json:"send"`
		Only   []string  `json:"only,omitempty"`
	}{s.Out, s.Now.UTC(), s.DryRun, s.Send, s.Only})
	h.Write(key)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// withTenant adds the tenant settings to a fingerprint: they decide who is
// triggered, so the same command after `mms tenant set` is a new batch that
// decides again, not the finished one.
func withTenant(fp string, t trigger.Tenant) string {
	key, _ := json.Marshal(t)
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s", fp, key)
	return hex.EncodeToString(h.Sum(nil))
}

func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
