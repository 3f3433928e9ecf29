package trigger

import (
	"fmt"
	"slices"

	"github.com/mms-project/mms/batch/input"
)

// Triggering lists the change kinds that trigger a migration (tenant
// settings and audio-conferencing providers permitting); a copy, which the
// caller may change.
func Triggering() []string { return slices.Clone(triggering) }

var triggering = []string{input.MovedToOnline, input.LicenseAssigned, input.LicenseRemoved,
	input.DialinEnabled, input.DialinDisabled, input.ConferenceIDChanged, input.ConferenceIDReset,
	input.BridgeChanged, input.BridgeNumberUnassigned}

// IsAudio reports whether a kind is an audio-conferencing change: every
// triggering kind but moved-to-online.
func IsAudio(kind string) bool {
	return kind != input.MovedToOnline && slices.Contains(triggering, kind)
}

// Reasons a change does not trigger, for the report.
const (
	reasonNoChange    = "no change in this batch"
	reasonNever       = "%s never triggers a migration (as with MMS)"
	reasonNeverHint   = "to rewrite this user's meetings anyway, run mms start --user %s --calendar FILE --join-url URL, then mms work"
	reasonOnprem      = "moved-to-onprem is not migrated by mms run: the meetings of a user moved on-premises are migrated only by hand, from an export: mms start --user %s --calendar FILE --join-url URL --target-meeting-type skype, then mms work"
	reasonDisabled    = "tenant setting meeting_migration_enabled is false: no meeting migrates"
	reasonNoAuto      = "tenant setting automatically_migrate_user_meetings is false: audio-conferencing changes do not trigger"
	reasonACPNoSwitch = "%s uses the third-party audio-conferencing provider %q and tenant setting automatically_replace_acp_provider is false: license-assigned does not trigger"
	reasonACPOther    = "%s uses the third-party audio-conferencing provider %q: %s does not trigger (only license-assigned does, with automatically_replace_acp_provider true)"
	reasonUnknown     = "%q is not a change kind"
)

// triggers reports whether one change to u triggers a migration, and if
// not, why. The order of the checks decides which reason is given: what
// the change is, then the tenant, then the user's provider.
func triggers(u input.User, c input.Change, t Tenant) (bool, string) {
	switch {
	case c.Kind == input.SIPAddressChanged || c.Kind == input.TenantMeetingURLChanged:
		return false, fmt.Sprintf(reasonNever, c.Kind)
	case c.Kind == input.MovedToOnprem:
		return false, fmt.Sprintf(reasonOnprem, u.Email)
	case !slices.Contains(triggering, c.Kind):
		return false, fmt.Sprintf(reasonUnknown, c.Kind)
	case !t.MeetingMigrationEnabled:
		return false, reasonDisabled
	case u.IsACP() && c.Kind != input.LicenseAssigned:
		return false, fmt.Sprintf(reasonACPOther, u.Email, u.AudioProvider, c.Kind)
	case u.IsACP() && !t.AutomaticallyReplaceACPProvider:
		return false, fmt.Sprintf(reasonACPNoSwitch, u.Email, u.AudioProvider)
	case IsAudio(c.Kind) && !t.AutomaticallyMigrateUserMeetings:
		return false, reasonNoAuto
	}
	return true, ""
}
