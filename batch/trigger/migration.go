package trigger

import (
	"fmt"
	"slices"

	"github.com/mms-project/mms/batch/input"
)

// Migration types, for the report's MigrationType column: the kind of
// block the migration writes.
const (
	ToTeams  = "ToTeams"  // target teams: every Skype or Teams block becomes a Teams block
	ToSkype  = "ToSkype"  // target skype: every Skype or Teams block becomes a Skype block
	SameType = "SameType" // no target: each meeting keeps its kind, with the new details
)

// Migration is the coalesced effect of a user's triggering changes.
type Migration struct {
	Kinds           []string // distinct, in the order applied
	Target          string   // "", "teams" or "skype"
	JoinURL         string
	ConferenceID    string
	TollNumbers     []string
	TollFreeNumbers []string
	DialInURL       string
	// DropDialIn: the old dial-in details (conference ID, numbers, dial-in
	// link) go; the values above, if any, are written instead.
	DropDialIn bool
	// Removed: the last row that says so removes the dial-in
	// (dialin-disabled, license-removed), not an ACP licence replacing it.
	Removed       bool
	MigrationType string // ToTeams, ToSkype or SameType
	// Notes say what of the rows was not taken, for the user's
	// LastMessage.
	Notes []string
}

// Coalesce merges triggering changes into one migration. Changes apply in
// time order: those with an "at" first, by time; those without, after
// them, in file order. A later non-empty value overrides an earlier one.
//
// Dial-in: dialin-disabled and license-removed drop the dial-in details,
// forgetting numbers given before them and ignoring any their own row
// gives. A bridge change (bridge-changed, bridge-number-unassigned) gives
// the new numbers; the user keeps its dial-in and conference ID.
// dialin-enabled and license-assigned bring dial-in back, keeping what
// later rows give. For a user of a third-party provider (acp),
// license-assigned replaces the provider: its details are dropped.
func Coalesce(changes []input.Change, acp bool) Migration {
	changes = slices.Clone(changes)
	slices.SortStableFunc(changes, byTime)
	var m Migration
	late := false // a row after the last that removed the dial-in gives a conference ID or dial-in link
	for _, c := range changes {
		if !slices.Contains(m.Kinds, c.Kind) {
			m.Kinds = append(m.Kinds, c.Kind)
		}
		dropped := m.dialIn(c, acp)
		if dropped {
			late = false
		} else if m.DropDialIn && (c.ConferenceID != "" || c.DialInURL != "") {
			late = true
		}
		if (c.Kind == input.DialinDisabled || c.Kind == input.LicenseRemoved) &&
			(c.ConferenceID != "" || len(c.TollNumbers)+len(c.TollFreeNumbers) > 0 || c.DialInURL != "") {
			// the row removes the dial-in: numbers, a conference ID or a
			// dial-in link it gives would leave a block that says "call
			// in" with nothing to call
			m.Notes = append(m.Notes, fmt.Sprintf("%s: %s removes the dial-in, so the conference_id, numbers and dialin_url it gives are ignored", c.Where(), c.Kind))
			c.ConferenceID, c.TollNumbers, c.TollFreeNumbers, c.DialInURL = "", nil, nil, ""
		}
		m.apply(c)
	}
	if late && m.DropDialIn && len(m.TollNumbers)+len(m.TollFreeNumbers) == 0 && (m.ConferenceID != "" || m.DialInURL != "") {
		// a later row's conference ID or dial-in link, with the dial-in
		// removed and no numbers given since: nothing to call
		m.Notes = append(m.Notes, "the dial-in is removed and no row gives new numbers, so the conference_id and dialin_url of later rows are ignored")
		m.ConferenceID, m.DialInURL = "", ""
	}
	m.MigrationType = migrationType(m.Target)
	return m
}

// dialIn applies what a change's kind says about dial-in, and reports
// whether it removed it.
func (m *Migration) dialIn(c input.Change, acp bool) bool {
	switch c.Kind {
	case input.DialinDisabled, input.LicenseRemoved:
		m.drop()
		m.Removed = true
		return true
	case input.LicenseAssigned:
		m.Removed = false
		if acp {
			m.drop()
			return true
		}
		m.DropDialIn = false
	case input.DialinEnabled:
		m.DropDialIn, m.Removed = false, false
	}
	return false
}

func (m *Migration) drop() {
	m.DropDialIn = true
	m.ConferenceID, m.TollNumbers, m.TollFreeNumbers, m.DialInURL = "", nil, nil, ""
}

// apply sets the change's non-empty values.
func (m *Migration) apply(c input.Change) {
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
}

// byTime orders changes with an "at" before those without, then by time,
// then by line.
func byTime(a, b input.Change) int {
	switch {
	case a.At.IsZero() != b.At.IsZero():
		if a.At.IsZero() {
			return 1
		}
		return -1
	case !a.At.Equal(b.At):
		return a.At.Compare(b.At)
	}
	return a.Line - b.Line
}

func set(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

func migrationType(target string) string {
	switch target {
	case input.Teams:
		return ToTeams
	case input.Skype:
		return ToSkype
	}
	return SameType
}
