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
// on-premises now. Otherwise a user triggers when at least one of its changes does; changes that do
// not trigger are then ignored. A user none of whose changes trigger gets
// the distinct reasons, joined with "; ".
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
		if slices.ContainsFunc(changes, func(c input.Change) bool {
			return c.Kind == input.SIPAddressChanged || c.Kind == input.TenantMeetingURLChanged
		}) {
			reasons = append(reasons, fmt.Sprintf(reasonNeverHint, u.Email)) // once, however many such changes
		}
		d.Reason = strings.Join(reasons, "; ")
		return d
	}
	d.Triggered, d.Migration = true, Coalesce(triggering, u.IsACP())
	return d
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
