package store

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "mms.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestEnqueueAndWork(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	b, err := s.NewBatch(ctx, Batch{Now: time.Now(), Stamp: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Enqueue(ctx, b.ID, []User{
		{UserID: "anna@contoso.com", State: Pending, MigrationType: "ToTeams", Payload: []byte(`{"n":1}`)},
		{UserID: "bo@contoso.com", State: Pending},
		{UserID: "flaky@contoso.com", State: Pending},
		{UserID: "broken@contoso.com", State: Pending},
		{UserID: "bad-input@contoso.com", State: Pending},
		{UserID: "cy@contoso.com", State: NotTriggered, LastMessage: "no change for this user in this batch"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	calls := map[string]int{}
	opts := WorkOptions{Workers: 2, RetryDelay: func(int) time.Duration { return 10 * time.Millisecond }}
	err = s.Work(ctx, b.ID, opts, func(ctx context.Context, j Job) (Result, error) {
		mu.Lock()
		calls[j.UserID]++
		n := calls[j.UserID]
		mu.Unlock()
		switch {
		case j.UserID == "bad-input@contoso.com":
			return Result{}, Permanent(errors.New("cal.ics: line 2: not iCalendar"))
		case j.UserID == "broken@contoso.com":
			return Result{}, errors.New("calendar unreadable")
		case j.UserID == "flaky@contoso.com" && n == 1:
			return Result{}, errors.New("server busy")
		}
		return Result{State: Succeeded, TotalMeeting: 1, SucceededMeeting: 1, InvitesUpdate: 1,
			Meetings: []Meeting{{UserID: j.UserID, UID: "u-" + j.UserID, Summary: "Möte 漢字", Outcome: "updated", Start: time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC)}}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	users, err := s.Users(ctx, Filter{BatchID: b.ID})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]User{}
	for _, u := range users {
		got[u.UserID] = u
	}
	if u := got["anna@contoso.com"]; u.State != Succeeded || u.TotalMeeting != 1 || u.MigrationType != "ToTeams" || u.CorrelationID == "" || calls["anna@contoso.com"] != 1 {
		t.Errorf("anna: %+v calls=%d", u, calls["anna@contoso.com"])
	}
	if u := got["flaky@contoso.com"]; u.State != Succeeded || u.RetryCount != 1 || calls["flaky@contoso.com"] != 2 {
		t.Errorf("flaky: %+v calls=%d", u, calls["flaky@contoso.com"])
	}
	if u := got["broken@contoso.com"]; u.State != Failed || calls["broken@contoso.com"] != MaxAttempts || u.LastMessage != "failed after 9 attempts: calendar unreadable" {
		t.Errorf("broken: %+v calls=%d", u, calls["broken@contoso.com"])
	}
	if u := got["bad-input@contoso.com"]; u.State != Failed || calls["bad-input@contoso.com"] != 1 || u.LastMessage != "cal.ics: line 2: not iCalendar" {
		t.Errorf("bad input is not retried: %+v calls=%d", u, calls["bad-input@contoso.com"])
	}
	if u := got["cy@contoso.com"]; u.State != NotTriggered || calls["cy@contoso.com"] != 0 {
		t.Errorf("cy: %+v", u)
	}
	var meetings []Meeting
	s.Meetings(ctx, b.ID, func(m Meeting) error { meetings = append(meetings, m); return nil })
	if len(meetings) != 3 || meetings[0].UserID != "anna@contoso.com" || meetings[0].Summary != "Möte 漢字" || !meetings[0].Start.Equal(time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("meetings: %+v", meetings)
	}
	failed, _ := s.Users(ctx, Filter{State: Failed})
	if len(failed) != 2 {
		t.Errorf("state filter: %d", len(failed))
	}
	if later, _ := s.Users(ctx, Filter{Since: time.Now().Add(time.Hour)}); len(later) != 0 {
		t.Errorf("since filter: %d", len(later))
	}
}

func TestTenant(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	tn, err := s.Tenant(ctx)
	if err != nil || !tn.MeetingMigrationEnabled || !tn.AutomaticallyMigrateUserMeetings || tn.AutomaticallyReplaceACPProvider {
		t.Fatalf("defaults %+v %v", tn, err)
	}
	if err := s.SetTenant(ctx, "automatically_replace_acp_provider", "true"); err != nil {
		t.Fatal(err)
	}
	if tn, _ := s.Tenant(ctx); !tn.AutomaticallyReplaceACPProvider {
		t.Fatal("setting not kept")
	}
	if err := s.SetTenant(ctx, "colour", "true"); err == nil {
		t.Fatal("unknown key accepted")
	}
	if err := s.SetTenant(ctx, "meeting_migration_enabled", "maybe"); err == nil {
		t.Fatal("bad value accepted")
	}
}
