package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/store"
)

// RollbackOptions is one `mms rollback --batch ID [--user U]`.
type RollbackOptions struct {
	DB      string
	BatchID string
	User    string    // "" every user of the batch
	Now     time.Time // DTSTAMP of the restored meetings; zero: the current time
	Send    string    // "" the batch's; else outbox or none
	Report  string    // optional report of the rollback
	Clock   func() time.Time
	// DryRun reports what would be restored, from the batch's journal:
	// nothing is written, sent or recorded (no rollback batch is made).
	DryRun bool
	Tuning // the mail relay's sessions, the credentials, the phase hook
}

// RolledBack says what a rollback did, per user.
type RolledBack struct {
	BatchID string // the rollback's own batch (see mms status)
	Of      string
	Resumed bool
	Users   []store.User
	Report  string
	DryRun  bool // nothing was done: Users say what would be
	// Out and Send are where the restored calendars went (Out/calendars)
	// and how their updates went out (--send, as for a run).
	Out, Send string
	// Already is the finished rollback that restored every user asked
	// for: nothing was done again, no batch made.
	Already *store.Batch
}

// Rollback puts back, in the output calendars of a batch, the original
// bytes of every component the batch rewrote (SEQUENCE one above the
// rewrite's, DTSTAMP the rollback's time) and sends each meeting's update
// again. It is a batch of its own in the state store, journaled like a
// run: started again after a crash, it finishes without sending twice.
func Rollback(ctx context.Context, o RollbackOptions) (RolledBack, error) {
	if strings.TrimSpace(o.BatchID) == "" {
		return RolledBack{}, fmt.Errorf("%w: --batch is required (the id mms run printed, a unique prefix of it, or last; mms batches lists them)", ErrInput)
	}
	if err := validateReport(o.Report); err != nil {
		return RolledBack{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if err := checkReportPath(o.Report, o.DB, nil); err != nil {
		return RolledBack{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	st, err := OpenExistingStore(ctx, o.DB)
	if err != nil {
		return RolledBack{}, err
	}
	defer st.Close()
	of, set, err := rollbackSource(ctx, st, o)
	if err != nil {
		return RolledBack{}, err
	}
	// nor over the inputs of the batch it rolls back (an audit: its
	// users file was written over)
	named := map[string]string{set.Users: "the users file of batch " + of.ID, set.Changes: "the changes file of batch " + of.ID, set.Meetings: "the meetings file of batch " + of.ID}
	if err := checkReportPath(o.Report, o.DB, named); err != nil {
		return RolledBack{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if o.User, err = userOrAlias(ctx, st, of.ID, o.User); err != nil {
		return RolledBack{}, err
	}
	if o.DryRun {
		return rollbackDryRun(ctx, st, o, of, set)
	}
	rb, resumed, err := rollbackBatch(ctx, st, o, of, set)
	if done, ok := already(of, err); ok {
		return done, nil
	}
	if err != nil {
		return RolledBack{}, err
	}
	rset, _ := batchSettings(rb)
	t := o.Tuning.withDefaults()
	mailer, closeMailer, err := migrate.NewMailer(rset.config(rb, st, t))
	if err != nil {
		return RolledBack{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if closeMailer != nil {
		defer closeMailer()
	}
	r := migrate.Rollback{Store: st, Of: of.ID, BatchID: rb.ID, Stamp: rb.Stamp, Out: rset.Out, Mailer: mailer, OfStamp: of.Stamp, OfCreated: of.CreatedAt}
	users, err := st.Users(ctx, store.Filter{BatchID: rb.ID})
	if err != nil {
		return RolledBack{}, err
	}
	for _, u := range users {
		if u.State == store.Succeeded || u.State == store.Failed {
			continue // done before a crash
		}
		res, err := r.Restore(ctx, u.UserID)
		if err != nil {
			return RolledBack{BatchID: rb.ID, Of: of.ID, Resumed: resumed}, unavailable(fmt.Errorf("rollback %s stopped: %w; run the same mms rollback again to finish it (no update recorded as sent is sent again)", rb.ID, err))
		}
		if err := st.Record(ctx, rb.ID, u.UserID, res); err != nil {
			return RolledBack{}, err
		}
	}
	sum, err := finish(ctx, st, rb, "", time.Now(), Summary{}, t)
	if err != nil {
		return RolledBack{}, err
	}
	users, err = st.Users(ctx, store.Filter{BatchID: rb.ID})
	return RolledBack{BatchID: rb.ID, Of: of.ID, Resumed: resumed, Users: users, Report: sum.Report, Out: rset.Out, Send: rset.Send}, err
}

func rollbackSource(ctx context.Context, st *store.Store, o RollbackOptions) (store.Batch, Settings, error) {
	of, err := st.FindBatch(ctx, o.BatchID) // a unique prefix, or last
	if err != nil {
		return of, Settings{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if strings.EqualFold(strings.TrimSpace(o.BatchID), store.LastBatch) && (of.DryRun || of.Kind == store.BatchRollback && of.Finished) {
		// last is the latest batch a rollback can undo, as mms status
		// reads it: not a dry run, nor a rollback done (one that stopped
		// goes on, below)
		if real, ok, err := st.LatestRealBatch(ctx); err != nil {
			return of, Settings{}, err
		} else if ok {
			of = real
		}
	}
	set, err := batchSettings(of)
	switch {
	case err != nil:
		return of, set, err
	case of.Kind == store.BatchRollback && !of.Finished && set.RollbackOf != "" && set.RollbackOf != o.BatchID:
		// an unfinished rollback (--batch last after one was stopped): the
		// same command goes on with the batch it rolls back; another
		// --user would start another rollback beside it, so it is refused
		if err := sameRollback(ctx, st, of, set.RollbackOf, o.User); err != nil {
			return of, set, err
		}
		o.BatchID = set.RollbackOf
		return rollbackSource(ctx, st, o)
	case of.Kind == store.BatchRollback:
		return of, set, fmt.Errorf("%w: batch %s is itself a rollback; run the batch again instead", ErrInput, of.ID)
	case of.DryRun:
		return of, set, fmt.Errorf("%w: batch %s was a dry run: it wrote and sent nothing, so there is nothing to roll back", ErrInput, of.ID)
	case set.Out == "":
		return of, set, fmt.Errorf("%w: batch %s records no output directory", ErrInput, of.ID)
	}
	left, err := st.Left(ctx, of.ID)
	if err != nil {
		return of, set, err
	}
	if left > 0 {
		return of, set, fmt.Errorf("%w: batch %s has %s not finished; finish it first (run the same mms run again, or mms work), then roll it back", ErrInput, of.ID, plural(left, "user"))
	}
	return of, set, nil
}

// rollbackBatch is the unfinished rollback of the same batch and user, or
// a new one with a row per user to restore.
func rollbackBatch(ctx context.Context, st *store.Store, o RollbackOptions, of store.Batch, set Settings) (store.Batch, bool, error) {
	if b, ok, err := st.ResumableRollback(ctx, of.ID, o.User); err != nil || ok {
		return b, ok, err
	}
	users, err := toRollBack(ctx, st, o, of)
	if err != nil {
		return store.Batch{}, false, err
	}
	var rows []store.User
	for _, u := range users {
		rows = append(rows, store.User{UserID: u.UserID, Display: u.Display, State: store.Pending, MigrationType: "Rollback", Payload: u.Payload})
	}
	stamp := o.Now
	if stamp.IsZero() {
		stamp = o.Clock()
	}
	rset := Settings{Out: set.Out, Send: set.Send, Report: abs(o.Report), RollbackOf: of.ID}
	if o.Send != "" {
		rset.Send = o.Send
	}
	opts, _ := json.Marshal(rset)
	b, err := st.NewBatch(ctx, store.Batch{Now: stamp, Stamp: stamp, Options: opts, Kind: store.BatchRollback, Fingerprint: store.RollbackFingerprint(of.ID, o.User)})
	if err != nil {
		return b, false, err
	}
	return b, false, st.Enqueue(ctx, b.ID, withoutJobs(rows))
}

// toRollBack returns the users of batch of (o.User only, if given) that it
// rewrote meetings of and that no finished rollback restored already. When
// a rollback restored them all, the error is rolledBackAlready; when the
// batch rewrote nothing, ErrInput.
func toRollBack(ctx context.Context, st *store.Store, o RollbackOptions, of store.Batch) ([]store.User, error) {
	users, err := st.Users(ctx, store.Filter{BatchID: of.ID, UserID: o.User})
	if err != nil {
		return nil, err
	}
	restored, err := st.RestoredUsers(ctx, of.ID)
	if err != nil {
		return nil, err
	}
	var left []store.User
	var by *store.Batch
	for _, u := range users {
		if u.State == store.NotTriggered || u.InvitesUpdate+u.SucceededMeeting == 0 {
			continue
		}
		if rb, done := restored[u.UserID]; done {
			by = &rb
			continue
		}
		left = append(left, u)
	}
	switch {
	case len(left) > 0:
		return left, nil
	case by != nil:
		return nil, rolledBackAlready{by: *by}
	}
	return nil, fmt.Errorf("%w: batch %s rewrote no meeting%s; nothing to roll back", ErrInput, of.ID, forUser(o.User))
}

// rolledBackAlready: every user asked for was restored by rollback by.
// Not a failure: the rollback asked for is done.
type rolledBackAlready struct{ by store.Batch }

func (e rolledBackAlready) Error() string {
	return "rolled back already, by rollback " + e.by.ID
}

// already is what a rollback of batch of says when err is
// rolledBackAlready: nothing done, and which rollback did it.
func already(of store.Batch, err error) (RolledBack, bool) {
	var ra rolledBackAlready
	if !errors.As(err, &ra) {
		return RolledBack{}, false
	}
	return RolledBack{Of: of.ID, Already: &ra.by}, true
}

// withoutJobs records the users InProgress, without River jobs: a rollback
// is carried out by the command itself, not by mms work.
func withoutJobs(rows []store.User) []store.User {
	for i := range rows {
		rows[i].State = store.InProgress
	}
	return rows
}

func forUser(u string) string {
	if u == "" {
		return ""
	}
	return " of " + u
}

// userOrAlias returns the user of batch of (of every batch when of is "")
// that --user names: the user itself or, where it names none, the one user
// of whom it is an alias (as mms run --user and mms status --user read it).
// An alias of several users (batches apart may list it for different
// users) names none of them: it is refused, naming them.
func userOrAlias(ctx context.Context, st *store.Store, of, user string) (string, error) {
	if user == "" {
		return "", nil
	}
	if users, err := st.Users(ctx, store.Filter{BatchID: of, UserID: user}); err != nil || len(users) > 0 {
		return user, err
	}
	var found []string
	err := st.EachUser(ctx, store.Filter{BatchID: of}, func(u store.User) error {
		var a migrate.Assignment
		if json.Unmarshal(u.Payload, &a) == nil && slices.ContainsFunc(a.Aliases, func(x string) bool { return strings.EqualFold(x, user) }) &&
			!slices.Contains(found, u.UserID) { // a user has a row in each batch that lists it
			found = append(found, u.UserID)
		}
		return nil
	})
	switch {
	case err != nil || len(found) == 0:
		return user, err // none: the user as given, which names none
	case len(found) > 1:
		slices.Sort(found)
		return "", fmt.Errorf("--user %s is an alias of %d users: %s; give the address of the one meant", user, len(found), strings.Join(found, ", "))
	}
	return found[0], nil
}

// sameRollback refuses to go on with the unfinished rollback rb of batch
// of unless it is the rollback --user (user) asks for: it names the
// command that finishes it.
func sameRollback(ctx context.Context, st *store.Store, rb store.Batch, of, user string) error {
	user, err := userOrAlias(ctx, st, of, user)
	if err != nil {
		return err
	}
	if b, ok, err := st.ResumableRollback(ctx, of, user); err != nil || ok && b.ID == rb.ID {
		return err
	}
	finish := "mms rollback --batch " + of
	if b, ok, err := st.ResumableRollback(ctx, of, ""); err == nil && !(ok && b.ID == rb.ID) {
		users, err := st.Users(ctx, store.Filter{BatchID: rb.ID})
		if err != nil {
			return err
		}
		for _, u := range users {
			if b, ok, err := st.ResumableRollback(ctx, of, u.UserID); err == nil && ok && b.ID == rb.ID {
				finish += " --user " + u.UserID
				break
			}
		}
	}
	return fmt.Errorf("%w: the latest batch, %s, is a rollback of batch %s that did not finish, for other users than asked; %s finishes it, then roll back the rest", ErrInput, rb.ID, of, finish)
}
