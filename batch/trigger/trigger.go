// Package trigger decides which users a batch migrates: the change kinds
// that trigger, the tenant settings, third-party audio-conferencing
// providers, and the coalescing of several changes to one user into one
// migration so that attendees get one update.
package trigger

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/mms-project/mms/batch/input"
)

// Tenant holds the tenant's meeting-migration settings.
type Tenant struct {
	MeetingMigrationEnabled          bool `json:"meeting_migration_enabled"`
	AutomaticallyMigrateUserMeetings bool `json:"automatically_migrate_user_meetings"`
	AutomaticallyReplaceACPProvider  bool `json:"automatically_replace_acp_provider"`
}

// DefaultTenant is what a new state store holds.
func DefaultTenant() Tenant {
	return Tenant{MeetingMigrationEnabled: true, AutomaticallyMigrateUserMeetings: true}
}

// Migration is the coalesced effect of a user's triggering changes. Later
// changes (by "at", then by line) override earlier values.
type Migration struct {
	Kinds           []string
	Target          string // "", "teams" or "skype"
	JoinURL         string
	ConferenceID    string
	TollNumbers     []string
	TollFreeNumbers []string
	DialInURL       string
	DropDialIn      bool   // dial-in was disabled or the licence removed, and no new numbers given
	MigrationType   string // ToTeams, ToSkype or SameType
}

// Decision is the verdict for one user.
type Decision struct {
	User      input.User
	Triggered bool
	Reason    string // why not, when not triggered
	Migration Migration
}

// Plan decides every user: each gets exactly one Decision, in file order.
func Plan(users []input.User, changes []input.Change, t Tenant) []Decision {
	byUser := map[string][]input.Change{}
	for _, c := range changes {
		byUser[c.User] = append(byUser[c.User], c)
	}
	out := make([]Decision, 0, len(users))
	for _, u := range users {
		out = append(out, decide(u, byUser[u.Email], t))
	}
	return out
}

func decide(u input.User, changes []input.Change, t Tenant) Decision {
	d := Decision{User: u}
	switch {
	case !t.MeetingMigrationEnabled:
		d.Reason = "meeting migration is disabled for the tenant (meeting_migration_enabled is false)"
		return d
	case len(changes) == 0:
		d.Reason = "no change for this user in this batch"
		return d
	}
	var triggering []input.Change
	var reasons []string
	for _, c := range changes {
		if ok, why := triggers(u, c, t); ok {
			triggering = append(triggering, c)
		} else if !slices.Contains(reasons, why) {
			reasons = append(reasons, why)
		}
	}
	if len(triggering) == 0 {
		d.Reason = strings.Join(reasons, "; ")
		return d
	}
	d.Triggered, d.Migration = true, coalesce(triggering)
	return d
}

var audioKinds = []string{input.LicenseAssigned, input.LicenseRemoved, input.DialinEnabled, input.DialinDisabled,
	input.ConferenceIDChanged, input.ConferenceIDReset, input.BridgeChanged, input.BridgeNumberUnassigned}

// triggers reports whether one change triggers a migration, and why not.
func triggers(u input.User, c input.Change, t Tenant) (bool, string) {
	switch {
	case c.Kind == input.SIPAddressChanged || c.Kind == input.TenantMeetingURLChanged:
		return false, c.Kind + " never triggers a meeting migration"
	case c.Kind == input.MovedToOnprem:
		return false, "moved-to-onprem is handled only by the manual path: mms start --user " + u.Email
	case u.IsACP() && c.Kind == input.LicenseAssigned && t.AutomaticallyReplaceACPProvider:
		return true, ""
	case u.IsACP():
		return false, fmt.Sprintf("%s uses the audio-conferencing provider %q: only license-assigned triggers, and only with automatically_replace_acp_provider true", u.Email, u.AudioProvider)
	case slices.Contains(audioKinds, c.Kind) && !t.AutomaticallyMigrateUserMeetings:
		return false, "automatically_migrate_user_meetings is false: audio-conferencing changes (" + c.Kind + ") do not trigger"
	}
	return true, ""
}

// coalesce merges triggering changes in time order: by "at", rows without
// one after those with one, then by line.
func coalesce(changes []input.Change) Migration {
	sort.SliceStable(changes, func(i, j int) bool { return earlier(changes[i], changes[j]) })
	var m Migration
	for _, c := range changes {
		if !slices.Contains(m.Kinds, c.Kind) {
			m.Kinds = append(m.Kinds, c.Kind)
		}
		set(&m.Target, c.Target)
		set(&m.JoinURL, c.JoinURL)
		set(&m.ConferenceID, c.ConferenceID)
		set(&m.DialInURL, c.DialInURL)
		if len(c.TollNumbers) > 0 {
			m.TollNumbers = c.TollNumbers
		}
		if len(c.TollFreeNumbers) > 0 {
			m.TollFreeNumbers = c.TollFreeNumbers
		}
		switch c.Kind {
		case input.DialinDisabled, input.LicenseRemoved, input.BridgeNumberUnassigned:
			m.DropDialIn = true
			m.TollNumbers, m.TollFreeNumbers, m.ConferenceID, m.DialInURL = c.TollNumbers, c.TollFreeNumbers, c.ConferenceID, c.DialInURL
		case input.DialinEnabled, input.LicenseAssigned:
			m.DropDialIn = false
		}
	}
	if len(m.TollNumbers)+len(m.TollFreeNumbers) > 0 {
		m.DropDialIn = false
	}
	m.MigrationType = migrationType(m.Target)
	return m
}

func earlier(a, b input.Change) bool {
	switch {
	case a.At.IsZero() != b.At.IsZero():
		return !a.At.IsZero()
	case !a.At.Equal(b.At):
		return a.At.Before(b.At)
	}
	return a.Line < b.Line
}

func set(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

func migrationType(target string) string {
	switch target {
	case "teams":
		return "ToTeams"
	case "skype":
		return "ToSkype"
	}
	return "SameType"
}
