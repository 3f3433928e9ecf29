package batch

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/store"
)

// A start's --user may name a user by an alias of the users file, any
// case, as status --user and rollback --user may, also once the user's
// rows are in several batches, or read from the files given (found by an audit: it said the state store
// held no migration of this user).
func TestStartUserByAlias(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	sum, err := Run(ctx, o)
	if err != nil || sum.Updated == 0 {
		t.Fatalf("run: %+v %v", sum, err)
	}
	for range 2 { // the second finds the user's rows in the run and in the first start
		s, err := Start(ctx, StartOptions{User: "Anna.Berg@contoso.com", Now: demoNow, DB: o.DB})
		if err != nil || s.User != "user00000@contoso.com" || s.From == "" {
			t.Fatalf("start of an alias: %+v %v", s, err)
		}
	}
	s, err := Start(ctx, StartOptions{User: "ANNA.BERG@contoso.com", Users: o.Users, Changes: o.Changes, Out: o.Out, Now: demoNow, DB: o.DB})
	if err != nil || s.User != "user00000@contoso.com" {
		t.Fatalf("start of an alias from the files: %+v %v", s, err)
	}
}

// An alias two batches give to different users names neither: a start of
// it is refused naming both, also by hand (found by an audit: it took one
// of them, or started the alias as a user of its own).
func TestStartOfAnAliasOfTwoUsers(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "mms.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{"user00001@contoso.com", "user00000@contoso.com"} {
		a, _ := json.Marshal(migrate.Assignment{User: user, Aliases: []string{"desk@contoso.com"}, Calendar: abs("../fixtures/demo/calendars/user00000.ics")})
		b, err := st.NewBatch(ctx, store.Batch{Kind: store.BatchRun, Now: demoNow, Stamp: demoNow, Options: json.RawMessage(`{"out": "/tmp/out"}`)})
		if err == nil {
			err = st.Enqueue(ctx, b.ID, []store.User{{UserID: user, State: store.NotTriggered, Payload: a}})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	for _, o := range []StartOptions{
		{User: "Desk@contoso.com", Now: demoNow, DB: db},
		{User: "desk@contoso.com", Calendar: "../fixtures/demo/calendars/user00002.ics", JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/0", Out: filepath.Join(t.TempDir(), "out"), Now: demoNow, DB: db},
	} {
		s, err := Start(ctx, o)
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "alias of 2 users: user00000@contoso.com, user00001@contoso.com") {
			t.Errorf("start of an alias of two users (calendar %q): %+v %v; want it refused naming both", o.Calendar, s, err)
		}
	}
}

// A start by hand (--calendar, --join-url, --conference-id; no users file
// and no row of the user's) is made from its flags, and its report and mms
// batches name them as its inputs (found by an audit: they named nothing).
func TestStartByHandNamesItsFlags(t *testing.T) {
	ctx := context.Background()
	work := t.TempDir()
	cal := "../fixtures/demo/calendars/user00002.ics"
	join := "https://teams.microsoft.com/l/meetup-join/{meeting}/0"
	o := StartOptions{User: "user00002@contoso.com", Calendar: cal, JoinURL: join, ConferenceID: "123", Out: filepath.Join(work, "out"),
		Report: filepath.Join(work, "s.csv"), Now: demoNow, DB: filepath.Join(work, "mms.db")}
	s, err := Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, o.DB)
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.Batch(ctx, s.BatchID)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	set, err := batchSettings(b)
	want := []string{"calendar " + abs(cal), "join_url " + join, "conference_id 123"}
	if err != nil || !slices.Equal(set.Inputs(), want) {
		t.Fatalf("the start's inputs: %q %v; want %q", set.Inputs(), err, want)
	}
	if _, err := Work(ctx, WorkOptions{DB: o.DB, BatchID: s.BatchID}); err != nil {
		t.Fatal(err)
	}
	if heading := read(t, filepath.Join(work, "s.heading.csv")); !strings.Contains(heading, strings.Join(want, ", ")) {
		t.Errorf("the report's heading does not name the flags %q:\n%s", want, heading)
	}
}

// A start of a user an earlier start queued by hand takes that start's row
// of the user and names its batch, as a start from any earlier row does: it
// named no input (found with the audit of starts by hand).
func TestStartAfterAStartByHandNamesItsBatch(t *testing.T) {
	ctx := context.Background()
	work := t.TempDir()
	o := StartOptions{User: "user00002@contoso.com", Calendar: "../fixtures/demo/calendars/user00002.ics", JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/0",
		Out: filepath.Join(work, "out"), Now: demoNow, DB: filepath.Join(work, "mms.db")}
	first, err := Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Start(ctx, StartOptions{User: o.User, Now: demoNow, DB: o.DB})
	if err != nil || again.From != first.BatchID {
		t.Fatalf("a start after a start by hand: %+v %v; want the rows of batch %s", again, err, first.BatchID)
	}
}

// A user moved on-premises is migrated by hand with its Skype Server link
// and --target-meeting-type skype, as the reason its run gives says;
// without a target its Teams meetings keep their kind and fail, saying so
// (its Skype ones take the link).
func TestStartByHandOnPremises(t *testing.T) {
	ctx := context.Background()
	for _, target := range []string{"skype", ""} {
		work := t.TempDir()
		o := StartOptions{User: "user00000@contoso.com", Calendar: "../fixtures/demo/calendars/user00000.ics", JoinURL: "https://meet.contoso.com/user00000/{meeting}",
			Target: target, Out: filepath.Join(work, "out"), Now: demoNow, DB: filepath.Join(work, "mms.db")}
		s, err := Start(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Work(ctx, WorkOptions{DB: o.DB, BatchID: s.BatchID}); err != nil {
			t.Fatal(err)
		}
		updated, other := 0, 0
		for _, m := range batchMeetings(t, o.DB, s.BatchID) {
			switch {
			case m.Outcome == migrate.Updated && strings.HasPrefix(m.NewJoinURL, "https://meet.contoso.com/user00000/"):
				updated++
			case m.Outcome == migrate.Failed && m.Reason == migrate.KindOtherService:
				other++
			}
		}
		if target == "skype" && (updated < 2 || other > 0) || target == "" && other == 0 {
			t.Errorf("target %q: %d moved to Skype Server, %d failed for another service's link", target, updated, other)
		}
	}
}

// An address whose own users-file row was rejected (it is another user's
// alias there) is refused with that row's error, not started as the user
// whose alias it is.
func TestStartOfAContestedAddress(t *testing.T) {
	work := t.TempDir()
	users := writeTable(t, filepath.Join(work, "users.csv"), [][]string{
		{"user", "calendar", "aliases"},
		{"user00000@contoso.com", abs("../fixtures/demo/calendars/user00000.ics"), "bo@contoso.com"},
		{"bo@contoso.com", abs("../fixtures/demo/calendars/user00001.ics"), ""},
	})
	_, err := Start(context.Background(), StartOptions{User: "bo@contoso.com", Users: users, Out: filepath.Join(work, "out"), Now: demoNow, DB: filepath.Join(work, "mms.db")})
	if err == nil || !strings.Contains(err.Error(), "users.csv:3") {
		t.Errorf("start of an address another user has as alias: %v, want its row's error", err)
	}
}

// A start whose target and join link name two services is refused: a
// Skype block around a Teams link reads back as Teams, and every later
// run would rewrite and send it again.
func TestStartTargetAndLinkAgree(t *testing.T) {
	work := t.TempDir()
	_, err := Start(context.Background(), StartOptions{User: "user00000@contoso.com", Calendar: "../fixtures/demo/calendars/user00000.ics",
		JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/0", Target: "skype", Out: filepath.Join(work, "out"), Now: demoNow, DB: filepath.Join(work, "mms.db")})
	if err == nil || !strings.Contains(err.Error(), "--target-meeting-type teams") {
		t.Errorf("target skype with a Teams link: %v", err)
	}
}

// A start takes the user's rows, --out and --send from the latest real
// batch, not from a dry run made after it (found by an audit: it said
// --out is required, the dry run having none).
func TestStartAfterADryRunTakesTheRun(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	if sum, err := Run(ctx, o); err != nil || sum.Updated == 0 {
		t.Fatalf("run: %+v %v", sum, err)
	}
	run, err := Run(ctx, RunOptions{Users: o.Users, Changes: o.Changes, Report: filepath.Join(t.TempDir(), "dry.csv"), Now: o.Now, DB: o.DB, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(ctx, StartOptions{User: "user00000@contoso.com", Now: demoNow, DB: o.DB})
	if err != nil || s.From == "" || s.From == run.BatchID {
		t.Fatalf("start after a dry run: %+v %v (the dry run was %s)", s, err, run.BatchID)
	}
}
