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
	applied, notes := toApply(u, changes, fired)
	d.Triggered, d.Migration = true, Coalesce(applied, u.IsACP())
	problems, more := lacking(u, fired, applied, d.Migration)
	d.Problems = bounded(problems)
	d.Migration.Notes = bounded(slices.Concat(notes, more, d.Migration.Notes))
	return d
}

// maxSaid bounds the problems and notes said of one user: a file of a
// million rows for one user costs their count, not a million lines.
const maxSaid = 100

// bounded returns the first maxSaid of list and, past them, how many more.
func bounded(list []string) []string {
	if len(list) <= maxSaid {
		return list
	}
	return append(list[:maxSaid:maxSaid], fmt.Sprintf("… and %d more, not listed", len(list)-maxSaid))
}

// toApply returns the rows a migrated user's meetings get the values of:
// every row of a triggering kind, also one a setting kept from triggering
// on its own (an audio change with automatically_migrate_user_meetings
// false): each says the user's details now. An ACP user's rows before the
// licence that triggered are the provider's, and are left. The notes say
// what is left that gives values.
func toApply(u input.User, changes, fired []input.Change) ([]input.Change, []string) {
	var licence *input.Change // an ACP user's first licence that triggered, in time order
	if u.IsACP() {
		for i := range fired {
			if licence == nil || byTime(fired[i], *licence) < 0 {
				licence = &fired[i]
			}
		}
	}
	var applied []input.Change
	var notes []string
	for _, c := range changes {
		switch {
		case !slices.Contains(triggering, c.Kind):
			if givesValues(c) {
				notes = append(notes, fmt.Sprintf("%s: %s does not trigger, so the values it gives are not used", c.Where(), c.Kind))
			}
		case licence != nil && byTime(c, *licence) < 0:
			if givesValues(c) {
				notes = append(notes, fmt.Sprintf("%s: %s comes before the licence (%s) that replaces %s's provider %q, so its values, the provider's, are not used", c.Where(), c.Kind, licence.Where(), u.Email, u.AudioProvider))
			}
		default:
			applied = append(applied, c)
		}
	}
	return applied, notes
}

// givesValues reports whether a change row gives any new value.
func givesValues(c input.Change) bool {
	return c.Target != "" || c.JoinURL != "" || c.ConferenceID != "" || len(c.TollNumbers)+len(c.TollFreeNumbers) > 0 || c.DialInURL != ""
}

// lacking says what a migration needs that none of the user's rows gives:
// the new conference ID of a conference-id change, the new numbers of a
// bridge change, the numbers and conference ID of an ACP user's licence,
// which replace the provider's. mms never makes them up. A row that
// triggered and lacks one fails the user (the meetings would keep the old
// values, or lose their dial-in, while it is reported migrated); one that
// did not trigger on its own (a setting kept it) gets a note: the change
// that triggered goes on. Nothing is needed where the dial-in is removed.
func lacking(u input.User, fired, applied []input.Change, m Migration) (problems, notes []string) {
	numbers := len(m.TollNumbers)+len(m.TollFreeNumbers) > 0
	if m.Removed && !numbers {
		return nil, nil // the dial-in goes: nothing of it is needed
	}
	type row struct {
		file string
		line int
	}
	triggered := make(map[row]bool, len(fired))
	for _, f := range fired {
		triggered[row{f.File, f.Line}] = true
	}
	for _, c := range applied {
		why := ""
		switch {
		case c.Kind == input.LicenseAssigned && u.IsACP() && !numbers:
			why = fmt.Sprintf("license-assigned replaces the dial-in of %s's provider %q with Microsoft's, and no row of the user gives its numbers (toll_number, toll_free_number): give them, with the conference_id, or every meeting would lose its dial-in", u.Email, u.AudioProvider)
		case c.Kind == input.LicenseAssigned && u.IsACP() && m.ConferenceID == "":
			why = fmt.Sprintf("license-assigned replaces the dial-in of %s's provider %q with Microsoft's, and no row of the user gives its conference_id: give it, or the meetings would show numbers no one can join by", u.Email, u.AudioProvider)
		case (c.Kind == input.ConferenceIDChanged || c.Kind == input.ConferenceIDReset) && m.ConferenceID == "" && c.ConferenceID != "":
			why = fmt.Sprintf("%s's conference_id was removed with the dial-in by a later row, and no row that brings it back gives one: give it on that row", c.Kind)
		case (c.Kind == input.ConferenceIDChanged || c.Kind == input.ConferenceIDReset) && m.ConferenceID == "":
			why = fmt.Sprintf("%s gives no conference_id, and no row of %s does: give the user's new conference ID (mms makes none up)", c.Kind, u.Email)
		case (c.Kind == input.BridgeChanged || c.Kind == input.BridgeNumberUnassigned) && !numbers:
			why = fmt.Sprintf("%s gives no toll_number or toll_free_number, and no row of %s does: give the user's numbers on the new bridge (mms makes none up)", c.Kind, u.Email)
		}
		switch {
		case why == "":
		case triggered[row{c.File, c.Line}]:
			problems = append(problems, c.Where()+": "+why)
		default:
			notes = append(notes, c.Where()+": "+why+" (the row did not trigger on its own: the meetings keep what they say of it)")
		}
	}
	return problems, notes
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
