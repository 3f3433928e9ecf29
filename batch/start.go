package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mms-project/mms/batch/caldav"
	"github.com/mms-project/mms/batch/input"
	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/batch/trigger"
	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/ics/block"
)

// StartOptions is one `mms start --user U`: one user's migration queued,
// as Start-CsExMeetingMigration does, for `mms work` to carry out.
type StartOptions struct {
	User string
	// Source: which meetings, by the kind of block they hold (sfb, teams,
	// all). Target: "current" keeps each meeting's kind, "teams" writes a
	// Teams block, "skype" a Skype one (a user moved on-premises); ""
	// keeps what the user's migration says.
	Source ics.SourceType
	Target string

	// Users and Changes, when given, are read for the user's rows, and the
	// trigger rules and tenant settings decide as in a run. Otherwise the
	// user's last known rows in the state store are used.
	Users, Changes string
	// Calendar, JoinURL and ConferenceID, when given, replace those of the
	// rows.
	Calendar, JoinURL, ConferenceID string
	// Meetings, when given, is a meetings file: the user's rows give
	// meetings online meetings of their own (see RunOptions.Meetings).
	Meetings string

	Out, Report string    // "" takes those of the batch the rows come from
	Send        string    // "" likewise; else outbox or none
	Now         time.Time // zero: the current time
	DryRun      bool
	DB          string
	Clock       func() time.Time
}

// Started says what Start queued.
type Started struct {
	BatchID string
	User    string
	From    string // the batch whose rows were used; "" when read from files
	// Now is the batch's --now (the current time when none was given);
	// FromNow that of the batch it took rows, --out or --send from, if
	// any, for the command to say where they differ.
	Now, FromNow time.Time
	Out          string // where its calendars and outbox go; "" in a dry run without one
	Send         string // where its updates go (--send)
	DryRun       bool
}

// Validate checks the options before anything is opened; it changes
// nothing. Start applies WithDefaults first, then Validate, once.
func (o StartOptions) Validate() error {
	var problems []string
	if strings.TrimSpace(o.User) == "" {
		problems = append(problems, "--user is required (the organiser's e-mail address)")
	}
	switch o.Target {
	case "", "current", "teams", "skype":
	default:
		problems = append(problems, fmt.Sprintf("--target-meeting-type %q: use current, teams or skype", o.Target))
	}
	if o.Changes != "" && o.Users == "" {
		problems = append(problems, "--changes needs --users (the user's row)")
	}
	problems = append(problems, input.CheckChangeFlags(o.JoinURL, o.ConferenceID)...)
	if err := validateSend(o.Send); err != nil {
		problems = append(problems, err.Error())
	}
	if err := validateReport(o.Report); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

// WithDefaults is o with its user's address in lower case and the clock
// set; Validate checks the result.
func (o StartOptions) WithDefaults() StartOptions {
	o.User = strings.ToLower(strings.TrimSpace(o.User))
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return o
}

// Start queues one user's migration in a batch of its own.
func Start(ctx context.Context, o StartOptions) (Started, error) {
	o = o.WithDefaults()
	if err := o.Validate(); err != nil {
		return Started{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if err := checkReportPath(o.Report, o.DB, map[string]string{o.Users: "the users file", o.Changes: "the changes file", o.Meetings: "the meetings file", o.Calendar: "the calendar"}); err != nil {
		return Started{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if o.Users == "" && o.Calendar == "" { // the user's row must come from the store: make none
		if err := StoreExists(o.DB); err != nil {
			return Started{}, err
		}
	}
	st, err := OpenStore(ctx, o.DB)
	if err != nil {
		return Started{}, err
	}
	defer st.Close()
	tenant, err := st.Tenant(ctx)
	if err != nil {
		return Started{}, err
	}
	if !tenant.MeetingMigrationEnabled {
		return Started{}, fmt.Errorf("%w: meeting migration is disabled for the tenant; enable it with: mms tenant set meeting_migration_enabled true", ErrInput)
	}
	a, from, err := o.assignment(ctx, st, tenant)
	if err != nil {
		return Started{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	manual := a.MigrationType == byHand && a.Calendar == "" // byHandOf: no row of the user's (an earlier start by hand's has one)
	o.override(&a)
	if p, ok := block.JoinProvider(strings.ReplaceAll(a.Change.JoinURL, "{meeting}", "x")); ok && a.Change.Provider != "" && p != a.Change.Provider {
		// a Skype block around a Teams link reads back as Teams: rewritten and sent again on every run
		return Started{}, fmt.Errorf("%w: the join link %s is a %s link, and the target is %s: give a %s link, or --target-meeting-type %s",
			ErrInput, a.Change.JoinURL, p, a.Change.Provider, a.Change.Provider, p)
	}
	if err := o.addMeetings(&a); err != nil {
		return Started{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	set, err := o.settings(from)
	if err != nil {
		return Started{}, err
	}
	if manual {
		set.StartedFrom = "" // no row of that batch is migrated: only its --out and --send are taken
	}
	if set.Out == "" && !o.DryRun {
		return Started{}, fmt.Errorf("%w: --out is required: the directory for the rewritten calendar and the outbox", ErrInput)
	}
	if caldav.RedactURL(a.Calendar) != a.Calendar {
		return Started{}, fmt.Errorf("%w: user %s: %s", ErrInput, a.User, passwordInURL(a.Calendar))
	}
	payload, _ := json.Marshal(a)
	opts, _ := json.Marshal(set)
	now := o.Now
	if now.IsZero() {
		now = o.Clock()
	}
	user := store.User{UserID: a.User, State: store.Pending, MigrationType: a.MigrationType, Payload: payload}
	b, err := st.CreateBatch(ctx, store.Batch{Now: now, Stamp: now, DryRun: o.DryRun, Options: opts, Kind: store.BatchStart}, []store.User{user})
	if err != nil {
		return Started{}, err
	}
	return Started{BatchID: b.ID, User: a.User, From: set.StartedFrom, Now: now, FromNow: from.Now, Out: set.Out, Send: set.Send, DryRun: o.DryRun}, nil
}

// assignment is the user's migration: from the files given, or from the
// user's last row in the state store that holds one, a real batch's before
// any dry run's or rollback's (--user may name the user by an alias, as
// for status and rollback).
func (o StartOptions) assignment(ctx context.Context, st *store.Store, t trigger.Tenant) (migrate.Assignment, store.Batch, error) {
	if o.Users != "" {
		a, err := o.fromFiles(t)
		return a, store.Batch{}, err
	}
	user, err := userOrAlias(ctx, st, "", o.User)
	if err != nil {
		return migrate.Assignment{}, store.Batch{}, err
	}
	o.User = user
	users, err := st.Users(ctx, store.Filter{UserID: o.User})
	if err != nil {
		return migrate.Assignment{}, store.Batch{}, err
	}
	// The latest real batch's row (a dry run's --out and --send were never
	// used, a rollback's row undoes), else the latest row of any batch.
	var fallback migrate.Assignment
	var fallbackOf store.Batch
	for i := len(users) - 1; i >= 0; i-- {
		var a migrate.Assignment
		if json.Unmarshal(users[i].Payload, &a) != nil || a.User == "" || a.Calendar == "" {
			continue
		}
		b, err := st.Batch(ctx, users[i].BatchID)
		if err != nil {
			return a, b, err
		}
		if b.Real() {
			return a, b, nil
		}
		if fallback.User == "" {
			fallback, fallbackOf = a, b
		}
	}
	if fallback.User != "" {
		return fallback, fallbackOf, nil
	}
	if o.Calendar != "" {
		// by hand (a user no change triggered, moved on-premises): the
		// latest real batch that listed the user gives --out and --send
		// (a dry run's --send was never used)
		for i := len(users) - 1; i >= 0; i-- {
			b, err := st.Batch(ctx, users[i].BatchID)
			if err != nil {
				return migrate.Assignment{}, store.Batch{}, err
			}
			if !b.DryRun {
				return byHandOf(o.User), b, nil
			}
		}
		return byHandOf(o.User), store.Batch{}, nil
	}
	return migrate.Assignment{}, store.Batch{}, fmt.Errorf("user %s: the state store %s holds no migration of this user; give --users FILE [--changes FILE], or --calendar FILE with --join-url", o.User, st)
}

// byHand is the MigrationType of a user migrated by hand.
const byHand = "Manual"

// byHandOf is the assignment of a user migrated by hand: --calendar and
// --join-url say the rest.
func byHandOf(user string) migrate.Assignment {
	return migrate.Assignment{User: user, Mailbox: input.Online, MigrationType: byHand}
}

// fromFiles reads the user's rows and decides as a run would.
func (o StartOptions) fromFiles(t trigger.Tenant) (migrate.Assignment, error) {
	users, userErrs, err := input.ReadUsers(o.Users)
	if err != nil {
		return migrate.Assignment{}, err
	}
	var changes []input.Change
	if o.Changes != "" {
		var changeErrs []input.RowError
		if changes, changeErrs, err = input.ReadChanges(o.Changes, users, userErrs...); err != nil {
			return migrate.Assignment{}, err
		}
		userErrs = append(userErrs, changeErrs...)
	}
	given := strings.ToLower(strings.TrimSpace(o.User))
	for _, e := range userErrs { // a rejected row of the address as given: its error, not another user's alias
		if e.User == given {
			return migrate.Assignment{}, e
		}
	}
	if only, _, _, err := pilot([]string{o.User}, slices.Clone(users), nil, nil); err == nil {
		o.User = only[0].Email // an alias names its user, as for run --user
	}
	for _, e := range userErrs {
		if e.User == o.User {
			return migrate.Assignment{}, e
		}
	}
	for _, u := range users {
		if u.Email != o.User {
			continue
		}
		var mine []input.Change
		for _, c := range changes {
			if c.User == u.Email {
				mine = append(mine, c)
			}
		}
		d := trigger.Decide(u, mine, t)
		if !d.Triggered {
			return migrate.Assignment{}, fmt.Errorf("user %s is not triggered: %s", o.User, d.Reason)
		}
		a := assignment(d)
		a.Output = outputNames(users, filepath.Dir(abs(o.Users)))[u.Email]
		return a, nil
	}
	return migrate.Assignment{}, fmt.Errorf("%s: user %s is not in the users file", o.Users, o.User)
}

// override applies the flags that replace parts of the user's rows.
func (o StartOptions) override(a *migrate.Assignment) {
	if o.Calendar != "" {
		a.Calendar, a.Output = o.calendar(), ""
	}
	if o.JoinURL != "" {
		a.Change.JoinURL = o.JoinURL
	}
	if o.ConferenceID != "" {
		a.Change.ConferenceID = input.ConferenceIDOf(o.ConferenceID)
	}
	switch o.Target {
	case "teams":
		a.Change.Provider, a.MigrationType = block.ProviderTeams, trigger.ToTeams
	case "skype": // a user moved on-premises: Skype Server blocks
		a.Change.Provider, a.MigrationType = block.ProviderSkype, trigger.ToSkype
	case "current":
		a.Change.Provider, a.MigrationType = "", trigger.SameType
	}
	a.Source = o.Source
}

// calendar is --calendar: a file's absolute path, or a CalDAV URL.
func (o StartOptions) calendar() string {
	if migrate.IsCalDAV(o.Calendar) { // a URL, not a path
		return o.Calendar
	}
	return abs(o.Calendar)
}

// flags are the values the flags give in place of the rows', as the
// batch's inputs name them: "calendar /in/u.ics", "join_url https://...",
// named as the files' columns are (a name beginning "-" would be quoted
// as a formula in a CSV report).
func (o StartOptions) flags() []string {
	var in []string
	for _, f := range []struct{ name, value string }{
		{"calendar", o.calendar()}, {"join_url", o.JoinURL}, {"conference_id", o.ConferenceID}, {"target", o.Target},
	} {
		if f.value != "" {
			in = append(in, f.name+" "+f.value)
		}
	}
	return in
}

// addMeetings reads the user's rows of the --meetings file into the
// assignment; a bad row of the user's refuses the start. Other users'
// rows are not this start's business.
func (o StartOptions) addMeetings(a *migrate.Assignment) error {
	if o.Meetings == "" {
		return nil
	}
	rows, errs, err := input.ReadMeetings(o.Meetings, []input.User{{Email: a.User, Aliases: a.Aliases}})
	if err != nil {
		return err
	}
	for _, e := range errs {
		if e.User == a.User {
			return e
		}
	}
	addMeetings(a, rows)
	return nil
}

// settings are the new batch's: the flags, else those of the batch the
// rows came from.
func (o StartOptions) settings(from store.Batch) (Settings, error) {
	var set Settings
	if from.ID != "" {
		var err error
		if set, err = batchSettings(from); err != nil {
			return set, err
		}
	}
	set.Users, set.Changes, set.Meetings, set.RollbackOf, set.Again = abs(o.Users), abs(o.Changes), abs(o.Meetings), "", false
	set.StartedFrom = ""
	if o.Users == "" {
		set.StartedFrom = from.ID
	}
	set.Flags = o.flags()
	set.Now, set.DryRun = o.Now, o.DryRun
	if o.Out != "" {
		set.Out = abs(o.Out)
	}
	if o.Report != "" {
		set.Report = abs(o.Report)
	} else {
		set.Report = "" // a start reports through mms status unless asked
	}
	if o.Send != "" {
		set.Send = o.Send
	}
	return set, nil
}
