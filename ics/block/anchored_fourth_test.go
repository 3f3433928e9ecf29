package block

import (
	"strings"
	"testing"
)

const (
	u80     = "________________________________________________________________________________"
	box     = "──────────────────────────────────────────────────"
	classic = "Microsoft Teams meeting\nJoin on your computer or mobile app\nClick here to join the meeting<https://teams.microsoft.com/l/meetup-join/19%3ameeting_OLD%40thread.v2/0>\nLearn More<https://aka.ms/JoinTeamsMeeting> | Meeting options<https://teams.microsoft.com/meetingOptions/?organizerId=o>\n"
	join25  = "Microsoft Teams meeting\nJoin: https://teams.microsoft.com/meet/367303551350901?p=L3BRp5lNJX38hqTIJa\nMeeting ID: 367 303 551 350 901\nPasscode: i7mG96rz\n"
)

var fourthReviewCases = []struct{ name, body, outside string }{
	// a fifth review: a title right above the join link, labels of the
	// organiser's in the slots of Help, System reference, the Meeting ID,
	// the passcode and the organisers' label
	{"heading: 'Intro to Microsoft Teams' title above join", "Hi all\nIntro to Microsoft Teams\n" + join25[len("Microsoft Teams meeting\n"):] + "Bye\n", "Intro to"},
	{"heading: 'Microsoft Teams training' title above join", "Microsoft Teams training\n" + join25[len("Microsoft Teams meeting\n"):], "training"},
	{"heading: CRLF organiser title above join", strings.ReplaceAll("Hi\nIntro to Microsoft Teams\n"+join25[len("Microsoft Teams meeting\n"):], "\n", "\r\n"), "Intro to"},
	{"System reference slot: organiser's meetup-join link under Help", join25[len("Microsoft Teams meeting\n"):] + "Help: https://aka.ms/JoinTeamsMeeting?omkt=en-GB\nPrep meeting chat: https://teams.microsoft.com/l/meetup-join/19%3ameeting_OLD%40thread.v2/0\nBye\n", "Prep meeting chat"},
	{"Help slot: organiser's labelled help link", join25[len("Microsoft Teams meeting\n"):] + "Contoso IT help: https://aka.ms/JoinTeamsMeeting\nBye\n", "Contoso IT"},
	{"Meeting ID slot: 'Employee ID' under join", "Join: https://teams.microsoft.com/meet/367303551350901?p=L3BRp5lNJX38hqTIJa\nEmployee ID: 12345 67890\nBye\n", "Employee ID"},
	{"passcode slot: guest 'Password:' under Meeting ID", "Join: https://teams.microsoft.com/meet/367303551350901?p=L3BRp5lNJX38hqTIJa\nMeeting ID: 367 303 551 350 901\nPassword: guest2024\nBye\n", "guest2024"},
	{"organisers slot: 'Note to organizers:' after short rule", join25[len("Microsoft Teams meeting\n"):] + "________________\nNote to organizers:\nOptions: https://teams.microsoft.com/meetingOptions/?organizerId=5df\nBye\n", "Note to"},
	// shape 3
	{"3: organiser's own 80-underscore rule, notes, then a rule-less classic block at the end", "Hi all\n" + u80 + "\nPlease read the deck before we meet\nBring your questions\n\n" + classic, "Please read the deck"},
	{"3: organiser's 40-underscore signature rule below Zoom-less notes", "Hi\n________________________________________\nAgenda\n- Budget\n- Hiring\n" + classic, "Agenda"},
	{"3: box-rule (Zoom add-in) box with closing rule missing, Webex phone backup", "Agenda for today\n" + box + "\nWebex backup (phone only)\nMeeting number: 2555 123 4567\nPassword: abc123\n+1-415-655-0001,,25551234567## US Toll\n\n" + classic, "Webex backup"},
	{"3: complete Zoom box: its closing rule taken with notes", "Hi\n" + u80 + "\nZoom backup\nhttps://us02web.zoom.us/j/85512345678?pwd=abc\nMeeting ID: 855 1234 5678\n" + u80 + "\nNotes: bring the Q3 deck\n\n" + classic, "Notes: bring the Q3 deck"},
	{"3: signature with a Teams help link as the last line", "Hi\n" + u80 + "\n" + classic + "\nThanks,\nAnna Berg\nContoso IT, how to join Teams: https://aka.ms/JoinTeamsMeeting\n", "Anna Berg"},
	{"3: signature's own rule, help link last line, Teams link in it", "See you there\n" + box + "\nAnna Berg | Head of Sales\nMy Teams room: https://teams.microsoft.com/l/meetup-join/19%3ameeting_ANNA%40thread.v2/0\nTeams help: https://aka.ms/JoinTeamsMeeting\n", "Anna Berg"},
	{"3: microsoft.com survey link in notes", "Hi\n" + u80 + "\nPlease fill in the survey https://forms.microsoft.com/r/abc123\n\n" + classic, "survey"},
	{"3: dots rule as organiser separator", "Hi\n........................................\nAgenda: budget\n" + classic, "Agenda: budget"},
	// shape 1
	{"1: 'Previous session:' meetup-join link right under passcode", join25 + "Previous session: https://teams.microsoft.com/l/meetup-join/19%3ameeting_OLD%40thread.v2/0\nThanks\n", "Previous session"},
	{"1: 'Co-organizer: Anna Berg' line then a help link", join25 + "Co-organizer: Anna Berg\nHelp: https://aka.ms/JoinTeamsMeeting\nThanks\n", "Co-organizer: Anna Berg"},
	{"1: organiser's short signature rule then labelled help link", join25 + "____________________\nQuestions: https://aka.ms/JoinTeamsMeeting\nBye\n", "Questions"},
	{"1: organiser 'Dial-in for room' labelled dialin link", join25 + "Room 4B dial-in: https://dialin.teams.microsoft.com/abc?id=111222333\nBye\n", "Room 4B"},
	{"1: 'Questions for the organiser' label", join25 + "Questions for the organiser\nHelp: https://aka.ms/JoinTeamsMeeting\nBye\n", "Questions for the organiser"},
	{"1: 'Ask the organisers' then options", join25 + "Contact the organisers\nMeeting options: https://teams.microsoft.com/meetingOptions/?organizerId=5df\nBye\n", "Contact the organisers"},
	// shape 2
	{"2: old teams.live link first, its label", "Microsoft Teams (free) group\nOld link, do not use https://teams.live.com/meet/9477691496180?p=abcdEFGH\n\n" + join25, "Old link, do not use"},
	{"2: label is organiser sentence", "Microsoft Teams family call\nGrandma's birthday https://teams.live.com/meet/9477691496180?p=abcdEFGH\n", "Grandma's birthday"},
}

// A fourth review: a looser finder took these lines in (a block without
// rules found after any outer rule, labels and lines of the organiser's
// taken as the block's, a Teams (free) link's label); none is in a block.
func TestAnchoredTextFourthReview(t *testing.T) {
	for _, c := range fourthReviewCases {
		_, r, ok := find(plainView(nil, c.body), true)
		if ok && strings.Contains(c.body[r.start:r.end], c.outside) {
			t.Errorf("%s: organiser text %q is in the block:\n%s", c.name, c.outside, c.body[r.start:r.end])
		}
	}
}
