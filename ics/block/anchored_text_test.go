package block

import (
	"strings"
	"testing"
)

// A block found from its join link (findAnchoredText) holds what a block
// writes and nothing of the organiser's (found by a review: a signature's
// phone number, "Owner: Anna", another meeting's link were taken in, and
// a rewrite replaced or deleted them; real layouts were cut short). Each
// case names text that must stay outside the block's region, or be in it.
func TestAnchoredTextRegion(t *testing.T) {
	head := "Microsoft Teams meeting\nJoin: https://teams.microsoft.com/meet/367303551350901?p=L3BRp5lNJX38hqTIJa\nMeeting ID: 367 303 551 350 901\nPasscode: i7mG96rz\n"
	for _, c := range []struct{ name, body, outside, inside string }{
		{"the heading right above", "Hi\n" + head + "\nThanks,\nAnna Berg\n+46 70 123 45 67\n", "Hi", "Microsoft Teams meeting"},
		{"signature phone", head + "\nThanks,\nAnna Berg\n+46 70 123 45 67\n", "Anna Berg", ""},
		{"key: value agenda lines", head + "\nOwner: Anna\nBudget: 50000\n", "Owner: Anna", ""},
		{"another Teams link below", head + "\nRecording of last week: https://teams.microsoft.com/l/meetup-join/19%3ameeting_OLD%40thread.v2/0\n", "Recording of last week", ""},
		{"organiser line naming Skype above a pasted link", "Hi all\nSkype retirement planning\nJoin here\nhttps://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0\n", "Skype retirement planning", ""},
		{"pasted link in a sentence, tel: link below", "Please join https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0 and bring your notes\nCall me if the link fails\ntel:+46701234567\n", "bring your notes", ""},
		{"teams 2025 with video-device section: Phone conference ID left out", "Join the meeting now<https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0>\nMeeting ID: 222 333 444 555\nPasscode: aB3cD4\n________________________________\nDial in by phone\n+1 323-849-4874,,111222333#<tel:+13238494874,,111222333#> United States, Los Angeles\nFind a local number<https://dialin.teams.microsoft.com/abc?id=111222333>\nPhone conference ID: 111 222 333#\nJoin on a video conferencing device\nTenant key: teams@vc.contoso.com\nVideo ID: 123 456 789 0\nMore info<https://dialin.plcm.vc/teams/?key=x&conf=1234567890>\nFor organizers: Meeting options<https://teams.microsoft.com/meetingOptions/?organizerId=x>\n", "", "Phone conference ID: 111 222 333#"},
		{"classic text with Download Teams line: dial-in left out", "Microsoft Teams meeting\nJoin on your computer, mobile app or room device\nClick here to join the meeting<https://teams.microsoft.com/l/meetup-join/19%3ameeting_ABC%40thread.v2/0>\nMeeting ID: 123 456 789 012\nPasscode: abc123\nDownload Teams<https://www.microsoft.com/en-us/microsoft-teams/download-app> | Join on the web<https://www.microsoft.com/microsoft-teams/join-a-meeting>\nOr call in (audio only)\n+1 323-849-4874,,111222333#<tel:+13238494874,,111222333#>   United States, Los Angeles\nPhone Conference ID: 111 222 333#\n", "", "Phone Conference ID: 111 222 333#"},
		{"classic layout: the Meeting ID in", "Microsoft Teams meeting\nJoin on your computer, mobile app or room device\nClick here to join the meeting<https://teams.microsoft.com/l/meetup-join/19%3ameeting_ABC%40thread.v2/0>\nMeeting ID: 123 456 789 012\n", "", "Meeting ID: 123 456 789 012"},
		{"join link hard-wrapped by Outlook: not found", "Microsoft Teams meeting\nClick here to join the meeting<https://teams.microsoft.com/l/meetup-join/19%3ameeting_ZmQ5YjRhNjctYTFkZi00\nYjYxLWE3NTUtN2QzNjQ0YzY2MzBj%40thread.v2/0?context=%7b%22Tid%22%3a%22x%22%7d>\nMeeting ID: 222 333 444 555\n", "", "Meeting ID: 222 333 444 555"},
	} {
		_, r, ok := find(plainView(nil, c.body), true)
		region := ""
		if ok {
			region = c.body[r.start:r.end]
		}
		if c.outside != "" && strings.Contains(region, c.outside) {
			t.Errorf("%s: organiser text %q is inside the block region:\n%s", c.name, c.outside, region)
		}
		if c.inside != "" && !strings.Contains(region, c.inside) {
			t.Errorf("%s: block text %q is not in the block region (found=%v):\n%s", c.name, c.inside, ok, region)
		}
	}
}
