package block

import "testing"

// A value alone under a label that is not a passcode's is not read as the
// passcode (a review of 1232afe found "Room:\nB1204" written over with a new
// passcode, or dropped with its label left), nor one on the label's line
// that names a host key, a room, an organiser, a moderator or a PIN.
func TestPasscodeLabelAloneFalsePositives(t *testing.T) {
	for _, text := range []string{
		"Meeting ID: 244 929 170 838 67\nOrganizer:\nAnna\n",
		"Meeting ID: 244 929 170 838 67\nRoom:\nB1204\n",
		"Meeting ID: 244 929 170 838 67\nHost key:\n482913\n",
		"Meeting ID: 244 929 170 838 67\nModerator:\nJohansson\n",
		"Meeting ID: 244 929 170 838 67\nHost key: 482913\n", // same line: the same mistake, from before
		"Meeting ID: 244 929 170 838 67\nPasscode:\nTeams\n", // no digit: not a passcode alone
	} {
		if _, p := meetingNumber(text); p != "" {
			t.Errorf("%q: passcode %q, want none", text, p)
		}
	}
}
