package trigger

import (
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/input"
)

var (
	anna = input.User{Email: "anna@contoso.com", AudioProvider: "microsoft"}
	acp  = input.User{Email: "acp@contoso.com", AudioProvider: "intercall"}
)

func ch(user input.User, kind string, line int) input.Change {
	return input.Change{User: user.Email, Kind: kind, Line: line}
}

func TestRules(t *testing.T) {
	off := func(f func(*Tenant)) Tenant { t := DefaultTenant(); f(&t); return t }
	cases := []struct {
		name    string
		user    input.User
		kind    string
		tenant  Tenant
		trigger bool
		reason  string
	}{
		{"move", anna, input.MovedToOnline, DefaultTenant(), true, ""},
		{"licence", anna, input.LicenseAssigned, DefaultTenant(), true, ""},
		{"conference id", anna, input.ConferenceIDChanged, DefaultTenant(), true, ""},
		{"sip never", anna, input.SIPAddressChanged, DefaultTenant(), false, "sip-address-changed never triggers a meeting migration"},
		{"tenant url never", anna, input.TenantMeetingURLChanged, DefaultTenant(), false, "tenant-meeting-url-changed never triggers"},
		{"onprem manual", anna, input.MovedToOnprem, DefaultTenant(), false, "handled only by the manual path: mms start --user anna@contoso.com"},
		{"disabled tenant", anna, input.MovedToOnline, off(func(t *Tenant) { t.MeetingMigrationEnabled = false }), false, "meeting_migration_enabled is false"},
		{"no auto: audio change", anna, input.DialinEnabled, off(func(t *Tenant) { t.AutomaticallyMigrateUserMeetings = false }), false, "automatically_migrate_user_meetings is false"},
		{"no auto: move still", anna, input.MovedToOnline, off(func(t *Tenant) { t.AutomaticallyMigrateUserMeetings = false }), true, ""},
		{"acp licence, replace off", acp, input.LicenseAssigned, DefaultTenant(), false, `audio-conferencing provider "intercall"`},
		{"acp licence, replace on", acp, input.LicenseAssigned, off(func(t *Tenant) { t.AutomaticallyReplaceACPProvider = true }), true, ""},
		{"acp other change, replace on", acp, input.MovedToOnline, off(func(t *Tenant) { t.AutomaticallyReplaceACPProvider = true }), false, "only license-assigned triggers"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Plan([]input.User{tc.user}, []input.Change{ch(tc.user, tc.kind, 2)}, tc.tenant)
			if len(d) != 1 || d[0].Triggered != tc.trigger || !strings.Contains(d[0].Reason, tc.reason) {
				t.Fatalf("got %+v", d)
			}
		})
	}
}

func TestNoChangeIsNotTriggered(t *testing.T) {
	d := Plan([]input.User{anna}, nil, DefaultTenant())
	if d[0].Triggered || d[0].Reason != "no change for this user in this batch" {
		t.Fatalf("%+v", d[0])
	}
}

// Three changes to one user make one migration, later values winning.
func TestCoalesce(t *testing.T) {
	t0 := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	changes := []input.Change{
		{User: anna.Email, Kind: input.ConferenceIDChanged, Line: 2, ConferenceID: "999", At: t0.Add(2 * time.Hour)},
		{User: anna.Email, Kind: input.MovedToOnline, Line: 3, Target: "teams", JoinURL: "https://t/{meeting}", ConferenceID: "111", TollNumbers: []string{"+1 555 0100"}, At: t0},
		{User: anna.Email, Kind: input.DialinEnabled, Line: 4, DialInURL: "https://dialin.teams.microsoft.com/x"},
		{User: anna.Email, Kind: input.SIPAddressChanged, Line: 5},
	}
	d := Plan([]input.User{anna}, changes, DefaultTenant())
	m := d[0].Migration
	if !d[0].Triggered || len(d) != 1 {
		t.Fatalf("%+v", d)
	}
	if strings.Join(m.Kinds, ",") != "moved-to-online,conference-id-changed,dialin-enabled" || m.ConferenceID != "999" ||
		m.Target != "teams" || m.JoinURL != "https://t/{meeting}" || m.DialInURL == "" || m.TollNumbers[0] != "+1 555 0100" || m.MigrationType != "ToTeams" || m.DropDialIn {
		t.Fatalf("migration = %+v", m)
	}
}

func TestDialInRemoved(t *testing.T) {
	d := Plan([]input.User{anna}, []input.Change{ch(anna, input.DialinEnabled, 2), ch(anna, input.DialinDisabled, 3)}, DefaultTenant())
	if !d[0].Migration.DropDialIn || d[0].Migration.MigrationType != "SameType" {
		t.Fatalf("%+v", d[0].Migration)
	}
}
