package batch

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
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

// Summary is what a finished run tells the command.
type Summary struct {
	BatchID  string
	Resumed  bool // an unfinished batch of the same inputs and options was finished
	Reopened bool // a finished batch of the same inputs and options: only its failed users were tried again
	Retried  int  // with Reopened: how many
	// RolledBack: with Reopened, how many of the batch's users a rollback
	// restored since; its counts say what it did before.
	RolledBack int
	Started    time.Time // when the batch was made
	Now        time.Time // its --now
	Report     string    // the report's path (and, for CSV, the meetings file beside it); "" without one
	Users      int       // users in the users file (in the batch, for mms work)
	Triggered  int       // users a change triggered
	Failed     int       // triggered users that failed
	Updated    int       // meetings rewritten (or, dry run, that would be)
	Invites    int       // updates sent (or that would be)
	// ServerInvites are those of Invites left to a CalDAV server's own
	// scheduling (it sent them, not mms).
	ServerInvites int
	Meetings      int // meetings in the report that the users organise
	Past          int // of them, skipped as past (no occurrence at or after --now)
	// Skipped, AlreadySent and FailedMeetings count the others of them, as
	// the report is written: skipped (of those, already sent by an
	// earlier batch) and failed.
	Skipped, AlreadySent, FailedMeetings int
	// Borrowed counts the meetings updated (or that would be) moved to
	// another service whose new link a join_url template made from their
	// old id (see ics.BorrowedIDNote).
	Borrowed  int
	RowErrors []string // rejected rows that belong to no user: the first maxListed, then how many more
	Rejected  int      // all rejected rows that belong to no user
	CalDAV    int      // triggered users whose calendar is a CalDAV URL (written in place)
	Send      string   // where the batch's updates go (--send), as its settings say
	DryRun    bool     // a dry run's batch: Updated and Invites say what would be
	// Warnings are what the command should say loudly, and the report
	// says in its heading: a dry run's relay that could not be used.
	Warnings []string
	// FailedUsers name the first failedNamed failed users and why (their
	// LastMessage, cut short), for the command to say without the report.
	FailedUsers []string
}

// BorrowedWarning says how many meetings moved to another service got a
// link made from their old id, which opens a meeting only if one was made
// with it: the report's Detail says so of each, the run once. "" when
// none did.
func (s Summary) BorrowedWarning() string {
	if s.Borrowed == 0 {
		return ""
	}
	each := "each"
	if s.Borrowed == 1 {
		each = "it"
	}
	return fmt.Sprintf("%s moved to another service got a join link made from the join_url template and the old service's id (Detail names them): %s %s, which mms cannot know; give each its own link with --meetings",
		plural(s.Borrowed, "meeting"), each, ics.BorrowedIDNote)
}

// failedNamed bounds Summary.FailedUsers; the report lists every one.
const failedNamed = 10

// add counts one user's row into the summary; plan and finish both count
// users here.
func (s *Summary) add(u store.User) {
	s.Users++
	if u.State != store.NotTriggered {
		s.Triggered++
	}
	if u.State == store.Failed {
		s.Failed++
		if len(s.FailedUsers) < failedNamed {
			why := u.LastMessage
			if len(why) > 600 { // a change kind's message lists every kind
				why = strings.ToValidUTF8(why[:600], "") + "…"
			}
			s.FailedUsers = append(s.FailedUsers, u.Shown()+": "+why)
		}
	}
	s.Updated += u.SucceededMeeting
	s.Invites += u.InvitesUpdate
	s.ServerInvites += u.ServerInvites
}

// Run is one batch, start to finish: read, decide, queue, work, report.
// When the state store holds an unfinished batch made from the same inputs
// and options (the run was killed), Run finishes that batch instead of
// making a new one: what was written and sent is not done again.
func Run(ctx context.Context, o RunOptions) (Summary, error) {
	st, b, sum, err := enqueue(ctx, &o)
	if err != nil {
		return sum, err
	}
	defer st.Close()
	started, err := startedEvent(ctx, st, b.ID, sum.Resumed)
	if err != nil {
		return sum, unavailable(err)
	}
	started.Reopened = sum.Reopened
	soFar, err := counted(ctx, st, b.ID)
	if err != nil {
		return sum, err
	}
	started.Counted = soFar
	o.Events(started)
	workStart := time.Now()
	if err := work(ctx, st, b.ID, o.tuning()); err != nil {
		return sum, err
	}
	return finish(ctx, st, b, o.Report, workStart, sum, o.tuning())
}

// withoutResume is a run-stopping message without its advice to run the
// same command again, which a dry run has no use for.
func withoutResume(msg string) string {
	for _, advice := range []string{", then run the same command again", " and run the same command again"} {
		if i := strings.Index(msg, advice); i >= 0 {
			return msg[:i]
		}
	}
	return msg
}

// startedEvent says how many users the batch has to migrate: those left
// and, for a resumed batch, those done before (220 of 1500 done, not 0 of
// 1280).
func startedEvent(ctx context.Context, st *store.Store, batchID string, resumed bool) (Event, error) {
	left, err := st.Left(ctx, batchID)
	if err != nil || !resumed {
		return Event{Kind: BatchStarted, BatchID: batchID, Total: left}, err
	}
	states, err := st.Summary(ctx, batchID)
	total := 0
	for state, n := range states {
		if state != store.NotTriggered {
			total += n
		}
	}
	return Event{Kind: BatchStarted, BatchID: batchID, Total: total, Done: total - left, Resumed: true}, err
}

// Enqueue is the first half of Run: it reads, decides and queues the
// batch (or finds the unfinished batch of the same inputs and options) for
// `mms work`, on this machine or others, to carry out.
func Enqueue(ctx context.Context, o RunOptions) (Summary, error) {
	st, _, sum, err := enqueue(ctx, &o)
	if err == nil {
		st.Close()
	}
	return sum, err
}

// enqueue validates o (filling its defaults) and returns the open store
// and the batch to work.
func enqueue(ctx context.Context, o *RunOptions) (*store.Store, store.Batch, Summary, error) {
	var b store.Batch
	*o = o.WithDefaults()
	if err := o.Validate(); err != nil {
		return nil, b, Summary{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	o.Events(Event{Kind: ReadingInputs, Files: []string{o.Users, o.Changes}})
	users, changes, rowErrs, err := readInputs(*o)
	if err == nil {
		users, changes, rowErrs, err = pilot(o.Only, users, changes, rowErrs)
	}
	if err != nil {
		return nil, b, Summary{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	meetings, meetingErrs, err := readMeetings(o.Meetings, users, rowErrs)
	if err != nil {
		return nil, b, Summary{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	rowErrs = append(rowErrs, meetingErrs...)
	if err := checkOutputs(*o, users); err != nil {
		return nil, b, Summary{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if err := o.checkUsers(users); err != nil {
		return nil, b, Summary{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	set := o.settings()
	w, err := migrate.New(set.config(store.Batch{DryRun: o.DryRun}, nil, o.tuning().withDefaults()))
	if err != nil { // refuse what no user could do
		return nil, b, Summary{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	w.Close()
	// The mail relay (--send smtp://) is tried before the batch is made.
	// A real run whose relay cannot be reached, or refuses the credentials
	// or TLS, stops at once, nothing queued or written (no batch is left
	// for mms work to take up once the command is corrected); a dry run
	// goes on and says so in its summary and its report. A relay busy or
	// refusing one message: each update finds out.
	relayErr := migrate.CheckRelay(ctx, set.config(store.Batch{DryRun: o.DryRun}, nil, o.tuning().withDefaults()))
	if ctx.Err() != nil {
		relayErr = nil
	}
	if relayErr != nil && !o.DryRun && migrate.StopsRun(relayErr) {
		return nil, b, Summary{}, unavailable(relayErr)
	}
	fp, err := fingerprint(set, users)
	if err != nil {
		return nil, b, Summary{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if errors.Is(StoreExists(o.DB), fs.ErrNotExist) { // a SQLite store not there yet holds no batch: say so before it is made
		if _, err := checkOutStore(ctx, nil, *o); err != nil && !o.DryRun {
			return nil, b, Summary{}, err
		}
	}
	st, err := OpenStore(ctx, o.DB)
	if err != nil {
		return nil, b, Summary{}, err
	}
	outWarning, err := checkOutStore(ctx, st, *o)
	if err != nil {
		st.Close()
		return nil, b, Summary{}, err
	}
	b, sum, err := planOrResume(ctx, st, *o, set, fp, users, changes, rowErrs, meetings)
	if err != nil {
		st.Close()
		return nil, b, sum, unavailable(err)
	}
	if err := markOutStore(st, *o, b.ID); err != nil {
		st.Close()
		return nil, b, sum, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if outWarning != "" {
		sum.Warnings = append(sum.Warnings, outWarning)
	}
	if relayErr != nil && o.DryRun {
		sum.Warnings = append(sum.Warnings, "the mail relay was tried and cannot be used; a real run would stop there: "+withoutResume(relayErr.Error()))
	}
	return st, b, sum, nil
}

func planOrResume(ctx context.Context, st *store.Store, o RunOptions, set Settings, fp string,
	users []input.User, changes []input.Change, rowErrs []input.RowError, meetings []input.Meeting) (store.Batch, Summary, error) {
	tenant, err := st.Tenant(ctx)
	if err != nil {
		return store.Batch{}, Summary{}, err
	}
	fp = withTenant(fp, tenant)
	records, sum := plan(users, changes, rowErrs, tenant, set.Users)
	if err := withMeetings(records, meetings); err != nil {
		return store.Batch{}, sum, err
	}
	if !tenant.MeetingMigrationEnabled {
		sum.Warnings = append(sum.Warnings, "the tenant setting meeting_migration_enabled is false: no user is migrated "+
			"(mms tenant set meeting_migration_enabled true turns it on)")
	}
	b, resumed, err := st.ResumableBatch(ctx, fp)
	if err != nil {
		return b, sum, err
	}
	if !resumed && !o.Again {
		// The same command after the batch finished: what it did stands;
		// only its failed users are tried again (SPEC: a second run sends
		// no update).
		if done, ok, err := st.FinishedBatch(ctx, fp); err != nil {
			return b, sum, err
		} else if ok {
			if sum.Retried, err = st.Reopen(ctx, done.ID); err != nil {
				return b, sum, err
			}
			b, resumed, sum.Reopened = done, true, true
			restored, err := st.RestoredUsers(ctx, done.ID)
			if err != nil {
				return b, sum, err
			}
			sum.RolledBack = len(restored)
			if len(restored) > 0 {
				sum.Warnings = append(sum.Warnings, fmt.Sprintf("batch %s was rolled back for %d of its users (mms batches lists the rollback): "+
					"what it wrote for them was undone, and this run rewrites and sends nothing for them; its report shows what the batch did before. "+
					"To migrate them again, run on their calendars as they are now (a fresh export, or the calendars the rollback wrote): "+
					"the exports from before are older than the rollback's updates", done.ID[:min(len(done.ID), 8)], len(restored)))
			}
		}
	}
	if !resumed {
		for _, e := range sum.RowErrors { // in the report's heading, not only on stderr
			set.Notes = append(set.Notes, "rejected row: "+e)
		}
		if err := warnUnfinished(ctx, st, set, &sum); err != nil {
			return b, sum, err
		}
		b, err = newRunBatch(ctx, st, o, set, fp, records)
		if err != nil { // the same command, started at the same time, made it first?
			var again error
			if b, resumed, again = st.ResumableBatch(ctx, fp); again != nil || !resumed {
				return b, sum, err
			}
		}
	}
	sum.BatchID, sum.Resumed, sum.Started = b.ID, resumed, b.CreatedAt
	return b, sum, nil
}

// warnUnfinished warns of an unfinished real batch (other inputs or
// options, another --now) that writes the same --out or --report as the
// new one: finished later (its own command again, or mms work), it would
// write its calendars, outbox and report over this run's.
func warnUnfinished(ctx context.Context, st *store.Store, set Settings, sum *Summary) error {
	unfinished, err := st.UnfinishedBatches(ctx)
	if err != nil {
		return err
	}
	for _, b := range unfinished {
		if b.DryRun || b.Kind == store.BatchRollback {
			continue
		}
		other := settingsOf(b)
		var same []string
		if set.Out != "" && other.Out == set.Out {
			same = append(same, "--out "+set.Out)
		}
		if set.Report != "" && other.Report == set.Report {
			same = append(same, "--report "+set.Report)
		}
		if len(same) > 0 {
			sum.Warnings = append(sum.Warnings, fmt.Sprintf("batch %s (started %s, --now %s) is unfinished and writes the same %s: finished later (its own command again, or mms work), it would write over this run's; finish it first, or give this run another --out and --report",
				b.ID[:min(len(b.ID), 8)], b.CreatedAt.UTC().Format(time.RFC3339), b.Now.UTC().Format(time.RFC3339), strings.Join(same, " and ")))
		}
	}
	return nil
}

func newRunBatch(ctx context.Context, st *store.Store, o RunOptions, set Settings, fp string, records []store.User) (store.Batch, error) {
	now := o.Now
	if now.IsZero() {
		now = o.Clock()
	}
	opts, err := json.Marshal(set)
	if err != nil {
		return store.Batch{}, err
	}
	return st.CreateBatch(ctx, store.Batch{Now: now, Stamp: now, DryRun: o.DryRun, Options: opts, Kind: store.BatchRun, Fingerprint: fp}, records)
}

// readInputs reads both files. Rows that belong to no user are reported,
// not fatal.
func readInputs(o RunOptions) ([]input.User, []input.Change, []input.RowError, error) {
	users, userErrs, err := input.ReadUsersCalendarLater(o.Users)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(users) == 0 && len(userErrs) == 0 {
		return nil, nil, nil, fmt.Errorf("%s: no user rows under the header; add one row per organiser (user, calendar)", o.Users)
	}
	changes, changeErrs, err := input.ReadChanges(o.Changes, users, userErrs...)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(changes) == 0 && len(changeErrs) == 0 && len(userErrs) == 0 { // the changes of users rejected in the users file were left out, not missing
		return nil, nil, nil, fmt.Errorf("%s: no change rows under the header; add one row per change to a user (user, change)", o.Changes)
	}
	return users, changes, append(userErrs, changeErrs...), nil
}

// maxListed bounds the rejected rows a run lists (on stderr, in the
// report's heading) and the bad rows a user's message quotes: a file of
// a million bad rows costs their count, not a million lines.
const maxListed = 100

// plan decides every user and turns the decisions into state rows: Pending
// (a job), NotTriggered, or Failed by a bad row of their own (a rejected
// change row leaves what the admin meant unknown).
//
// Users keep the users file's order (usersFile, an absolute path), those
// whose own row there was rejected included, at that row's line.
func plan(users []input.User, changes []input.Change, rowErrs []input.RowError, t trigger.Tenant, usersFile string) ([]store.User, Summary) {
	var sum Summary
	failedBy := map[string][]string{}
	rowAt := map[string]int{} // the line of a user's first rejected row in the users file
	for _, e := range rowErrs {
		if abs, err := filepath.Abs(e.File); e.User != "" && err == nil && abs == usersFile {
			if l, ok := rowAt[e.User]; !ok || e.Line < l {
				rowAt[e.User] = e.Line
			}
		}
		if e.User == "" && e.Rows > 0 { // rows past those the file kept, counted
			sum.Rejected += e.Rows
			continue
		}
		if e.User == "" {
			if sum.Rejected++; sum.Rejected <= maxListed {
				sum.RowErrors = append(sum.RowErrors, e.Error())
			}
			continue
		}
		switch n := len(failedBy[e.User]); {
		case n < maxListed:
			failedBy[e.User] = append(failedBy[e.User], e.Error())
		case n == maxListed:
			failedBy[e.User] = append(failedBy[e.User], "… and more bad rows, not listed")
		}
	}
	if more := sum.Rejected - maxListed; more > 0 {
		sum.RowErrors = append(sum.RowErrors, fmt.Sprintf("… and %d more rejected rows, not listed", more))
	}
	var records []store.User
	var lines []int // each record's line in the users file
	seen := map[string]bool{}
	calendarOf := map[string]string{} // a calendar file's first migrated user
	outputs := outputNames(users, filepath.Dir(usersFile))
	for _, d := range trigger.Plan(users, changes, t) {
		seen[d.User.Email] = true
		lines = append(lines, d.User.Line)
		rec := store.User{UserID: d.User.Email, Display: d.User.Given, State: store.NotTriggered, LastMessage: d.Reason}
		problems := slices.Clone(failedBy[d.User.Email])
		if d.Triggered { // a calendar matters only to a user who is migrated
			for _, e := range d.User.CalendarErrs {
				problems = append(problems, e.Error())
			}
			problems = append(problems, d.Problems...)
		}
		shared := ""
		if d.Triggered && len(problems) == 0 && d.User.Calendar != "" && !migrate.IsCalDAV(d.User.Calendar) {
			key := sameFileKey(d.User.Calendar) // a link to a file is the file
			if shared = calendarOf[key]; shared == "" {
				calendarOf[key] = d.User.Email
			}
		}
		switch {
		case len(problems) > 0:
			rec.State, rec.LastMessage = store.Failed, strings.Join(problems, "; ")
		case !d.Triggered:
		case shared != "":
			rec.State = store.Failed
			rec.LastMessage = fmt.Sprintf("%s is also %s's calendar, listed before: each user's meetings are rewritten into a copy of their own calendar, so two users of one file would each get a copy missing the other's changes; give each user a calendar file of their own (an export of their mailbox)",
				d.User.Calendar, shared)
		case !migrate.IsCalDAV(d.User.Calendar) && outputs[d.User.Email] == "":
			rec.State = store.Failed
			rec.LastMessage = fmt.Sprintf("%s: another user's calendar is written as calendars/%s, and its path below the users file's folder is taken too; give each user a calendar file of its own name",
				d.User.Calendar, filepath.Base(d.User.Calendar))
		case caldav.RedactURL(d.User.Calendar) != d.User.Calendar:
			// Refused here, so that the password is never stored.
			rec.State = store.Failed
			rec.LastMessage = passwordInURL(d.User.Calendar)
		default:
			a := assignment(d)
			a.Calendar = caldav.RedactURL(a.Calendar)
			a.Output = outputs[d.User.Email]
			rec.State, rec.MigrationType = store.Pending, d.Migration.MigrationType
			rec.Payload, _ = json.Marshal(a)
			if migrate.IsCalDAV(a.Calendar) {
				sum.CalDAV++
			}
		}
		records = append(records, rec)
	}
	var rejected []string // users whose users-file row was rejected
	for user := range failedBy {
		if !seen[user] {
			seen[user] = true
			rejected = append(rejected, user)
		}
	}
	slices.Sort(rejected)
	for _, user := range rejected {
		records = append(records, store.User{UserID: user, State: store.Failed, LastMessage: strings.Join(failedBy[user], "; ")})
		l, ok := rowAt[user]
		if !ok {
			l = math.MaxInt // no row of its own: after those that have one
		}
		lines = append(lines, l)
	}
	order := make([]int, len(records))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(lines[a], lines[b]) })
	sorted := make([]store.User, len(records))
	for i, k := range order {
		sorted[i] = records[k]
	}
	records = sorted
	for _, rec := range records {
		sum.add(rec)
	}
	return records, sum
}

func assignment(d trigger.Decision) migrate.Assignment {
	m := d.Migration
	return migrate.Assignment{
		User: d.User.Email, Aliases: d.User.Aliases, Mailbox: d.User.Mailbox, Calendar: d.User.Calendar,
		MigrationType: m.MigrationType, Kinds: m.Kinds, Notes: m.Notes,
		Change: ics.Change{
			Provider: block.Provider(m.Target), JoinURL: m.JoinURL, ConferenceID: m.ConferenceID,
			TollNumbers: m.TollNumbers, TollFreeNumbers: m.TollFreeNumbers, DialInURL: m.DialInURL, DropDialIn: m.DropDialIn,
		},
	}
}

// passwordInURL is the refusal of a calendar URL that holds a password,
// which mms never stores: it names the URL without it.
func passwordInURL(calendar string) string {
	return fmt.Sprintf("calendar %s: the URL holds a password, which mms does not keep; put it in the netrc file or MMS_CALDAV_PASSWORD instead", caldav.RedactURL(calendar))
}
