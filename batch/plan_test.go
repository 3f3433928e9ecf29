package batch

import (
	"slices"
	"testing"

	"github.com/mms-project/mms/batch/input"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/batch/trigger"
)

// The summary's counts agree with the rows: every user of the batch is
// counted once (those whose users-file row was rejected too), triggered
// users are those not NotTriggered, and failed ones are among them.
func TestPlanCounts(t *testing.T) {
	users := []input.User{
		{Email: "anna@contoso.com", Calendar: "/in/anna.ics", Mailbox: "online", AudioProvider: "microsoft"},
		{Email: "bo@contoso.com", Calendar: "/in/bo.ics", Mailbox: "online", AudioProvider: "microsoft"},
		{Email: "cy@contoso.com", Calendar: "/in/cy.ics", Mailbox: "online", AudioProvider: "microsoft"},
	}
	changes := []input.Change{
		{User: "anna@contoso.com", Kind: "moved-to-online", Target: "teams", JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/0"},
		{User: "bo@contoso.com", Kind: "sip-address-changed"},
	}
	rowErrs := []input.RowError{
		{File: "users.csv", Line: 5, Column: "calendar", User: "dee@contoso.com", Msg: "no such file"},
		{File: "users.csv", Line: 6, Column: "user", User: "eve@contoso.com", Msg: "listed twice"},
		{File: "changes.csv", Line: 4, Column: "change", User: "cy@contoso.com", Msg: `"moved" is not a change kind`},
		{File: "changes.csv", Line: 9, Column: "user", Msg: "nobody@contoso.com is not in the users file"},
	}
	records, sum := plan(users, changes, rowErrs, trigger.DefaultTenant(), "/in/users.csv")
	states := map[string]string{}
	for _, r := range records {
		states[r.UserID] = r.State
	}
	want := map[string]string{"anna@contoso.com": store.Pending, "bo@contoso.com": store.NotTriggered, "cy@contoso.com": store.Failed,
		"dee@contoso.com": store.Failed, "eve@contoso.com": store.Failed}
	for u, s := range want {
		if states[u] != s {
			t.Errorf("%s: %s, want %s", u, states[u], s)
		}
	}
	if sum.Users != 5 || sum.Triggered != 4 || sum.Failed != 3 || len(sum.RowErrors) != 1 {
		t.Errorf("summary %d users, %d triggered, %d failed, %d rows of nobody; want 5, 4, 3, 1", sum.Users, sum.Triggered, sum.Failed, len(sum.RowErrors))
	}
}

// Users keep the users file's order, those whose own row was rejected at
// that row's place; a user with no row of its own comes last.
func TestPlanKeepsFileOrder(t *testing.T) {
	users := []input.User{
		{Line: 2, Email: "anna@contoso.com", Calendar: "/in/anna.ics", Mailbox: "online", AudioProvider: "microsoft"},
		{Line: 4, Email: "cy@contoso.com", Calendar: "/in/cy.ics", Mailbox: "online", AudioProvider: "microsoft"},
	}
	rowErrs := []input.RowError{
		{File: "/in/changes.csv", Line: 2, Column: "change", User: "zed@contoso.com", Msg: "not a change kind"},
		{File: "/in/users.csv", Line: 5, Column: "calendar", User: "dee@contoso.com", Msg: "no such file"},
		{File: "/in/users.csv", Line: 3, Column: "mailbox", User: "bo@contoso.com", Msg: `"cloudy" is not a mailbox kind`},
	}
	records, _ := plan(users, nil, rowErrs, trigger.DefaultTenant(), "/in/users.csv")
	var got []string
	for _, r := range records {
		got = append(got, r.UserID)
	}
	want := []string{"anna@contoso.com", "bo@contoso.com", "cy@contoso.com", "dee@contoso.com", "zed@contoso.com"}
	if !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}
