package block

import (
	"regexp"
	"strings"
	"testing"
)

// meetingIDLine finds what the regular expression it replaced found.
func TestMeetingIDLineAgreesWithTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`(?im)\bID[ \t]*:[ \t]*(\d[\d \t]{4,}\d)[ \t]*$`)
	for _, text := range []string{
		"Meeting ID: 244 929 170 838\nPasscode: 7ZkQ2u\n",
		"Mötes-ID: 244 929 170 838 67   \nLösenord: x\n",
		"Meeting id:244929170838",
		"ID: 123456",
		"ID: 12345",
		"Valid ID: 1234 5678 x",
		"AID: 123456",
		"Conference ID: 503 431 76#",
		"https://x?id=123456\nMeeting ID : 111 222 333\n",
		"text\n\nMeeting ID:\t111 222 333\t\nnext",
		"a_ID: 123456\nb ID: 654321",
		"",
		"no id here",
	} {
		var want string
		if m := re.FindStringSubmatch(text); m != nil {
			want = strings.Join(strings.Fields(m[1]), " ")
		}
		if got, _ := meetingIDLine(text); got != want {
			t.Errorf("meetingIDLine(%q) = %q, the regexp found %q", text, got, want)
		}
	}
}
