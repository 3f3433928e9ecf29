// Package trigger decides which users a batch migrates: the change kinds
// that trigger, the tenant settings, third-party audio-conferencing
// providers (ACP), and the coalescing of several changes to one user into
// one migration, so that attendees get one update.
//
// Rules, per change:
//   - sip-address-changed and tenant-meeting-url-changed never trigger;
//     moved-to-onprem is left to the manual path (mms start --user).
//   - meeting_migration_enabled false: nothing triggers.
//   - A user with a third-party provider (audio_provider other than
//     microsoft): only license-assigned triggers, and only with
//     automatically_replace_acp_provider true; the migration then drops
//     the provider's dial-in details for the ones the change gives.
//   - automatically_migrate_user_meetings false: audio-conferencing changes
//     (every triggering kind but moved-to-online, ACP replacement included)
//     do not trigger; moves still do.
//
// A user whose last move (in the changes' time order) is moved-to-onprem
// is left to the manual path, whatever else changed: its mailbox is
// on-premises now. Otherwise a user triggers when at least one of its
// changes does; then every change of a triggering kind applies (each says
// the user's details now), and the others are ignored, with a note where
// they give values. A user none of whose changes trigger gets the
// distinct reasons, joined with "; ". A migration that needs a value no
// row gives (a conference-id change's new ID, a bridge change's numbers,
// an ACP user's new numbers) has Problems: the user fails.
package trigger

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mms-project/mms/batch/input"
)

// Decision is the verdict for one user.
type Decision struct {
	User      input.User
	Triggered bool
	Reason    string    // why not, when not triggered
	Migration Migration // when triggered
	// Problems say why a triggered migration cannot be made as the
	// changes say: a value it needs that no row gives. The user fails
	// with them, nothing rewritten.
	Problems []string
}

// Plan decides every user, in the order given: each gets exactly one
// Decision. Changes to users not in users are ignored (the input reported
// them).
func Plan(users []input.User, changes []input.Change, t Tenant) []Decision {
	byUser := map[string][]input.Change{}
	for _, c := range changes {
		byUser[c.User] = append(byUser[c.User], c)
	}
	out := make([]Decision, 0, len(users))
	for _, u := range users {
		out = append(out, Decide(u, byUser[u.Email], t))
	}
	return out
}

// Decide decides one user from its changes.
func Decide(u input.User, changes []input.Change, t Tenant) Decision {
	d := Decision{User: u}
	if len(changes) == 0 {
		d.Reason = reasonNoChange
		return d
	}
	if onprem(changes) {
		d.Reason = fmt.Sprintf(reasonOnprem, u.Email)
		return d
	}
	var fired []input.Change
	var reasons []string
	for _, c := range changes {
		if ok, why := triggers(u, c, t); ok {
			fired = append(fired, c)
		} else if !slices.Contains(reasons, why) {
			reasons = append(reasons, why)
		}
	}
	if len(fired) == 0 {
		if slices.ContainsFunc(changes, func(c input.Change) bool {
			return c.Kind == input.SIPAddressChanged || c.Kind == input.TenantMeetingURLChanged
		}) {
			reasons = append(reasons, fmt.Sprintf(reasonNeverHint, u.Email)) // once, however many such changes
		}
		d.Reason = strings.Join(reasons, "; ")
		return d
	}
	// Once a user is migrated, every row of a triggering kind says its
	// details now, also one a setting kept from triggering on its own
	// (an audio change with automatically_migrate_user_meetings false, a
	// change after an ACP user's licence): the meetings get them all.
	var applied []input.Change
	var notes []string
	for _, c := range changes {
		switch {
		case slices.Contains(triggering, c.Kind):
			applied = append(applied, c)
		case givesValues(c):
			notes = append(notes, fmt.Sprintf("changes file line %d: %s does not trigger, so the values it gives are not used", c.Line, c.Kind))
		}
	}
	d.Triggered, d.Migration = true, Coalesce(applied, u.IsACP())
	d.Migration.Notes = append(notes, d.Migration.Notes...)
	d.Problems = lacking(u, applied, d.Migration)
	return d
}

// givesValues reports whether a change row gives any new value.
func givesValues(c input.Change) bool {
	return c.Target != "" || c.JoinURL != "" || c.ConferenceID != "" || len(c.TollNumbers)+len(c.TollFreeNumbers) > 0 || c.DialInURL != ""
}

// lacking says what a migration needs that none of the user's rows gives:
// the new conference ID of a conference-id change, the new numbers of a
// bridge change, and those of an ACP user's licence, which replace the
// provider's. mms never makes them up, and without them the meetings
// would keep the old ones, or lose their dial-in, while the user is
// reported migrated.
func lacking(u input.User, changes []input.Change, m Migration) []string {
	numbers := len(m.TollNumbers)+len(m.TollFreeNumbers) > 0
	gone := m.DropDialIn && !numbers && !u.IsACP() // the dial-in goes: nothing of it is needed
	var out []string
	for _, c := range changes {
		switch {
		case c.Kind == input.LicenseAssigned && u.IsACP():
			if !numbers {
				out = append(out, fmt.Sprintf("changes file line %d: license-assigned replaces the dial-in of %s's provider %q with Microsoft's, and no row of the user gives its numbers (toll_number, toll_free_number): give them, with the conference_id, or every meeting would lose its dial-in", c.Line, u.Email, u.AudioProvider))
			}
		case gone:
		case (c.Kind == input.ConferenceIDChanged || c.Kind == input.ConferenceIDReset) && m.ConferenceID == "":
			out = append(out, fmt.Sprintf("changes file line %d: %s gives no conference_id, and no row of %s does: give the user's new conference ID (mms makes none up)", c.Line, c.Kind, u.Email))
		case (c.Kind == input.BridgeChanged || c.Kind == input.BridgeNumberUnassigned) && !numbers:
			out = append(out, fmt.Sprintf("changes file line %d: %s gives no toll_number or toll_free_number, and no row of %s does: give the user's numbers on the new bridge (mms makes none up)", c.Line, c.Kind, u.Email))
		}
	}
	return out
}

// onprem reports whether the last of the changes that move a user
// (moved-to-online, moved-to-onprem), in time order, moves it on-premises.
func onprem(changes []input.Change) bool {
	var last *input.Change
	for i, c := range changes {
		if c.Kind != input.MovedToOnprem && c.Kind != input.MovedToOnline {
			continue
		}
		if last == nil || byTime(*last, c) < 0 {
			last = &changes[i]
		}
	}
	return last != nil && last.Kind == input.MovedToOnprem
}
