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

// A Meeting ID is read in the languages whose label does not end in "ID"
// (found by an audit: a meetings file's row on a French block kept the old
// Meeting ID and added an English one), and never from the number of a
// phone or video conference.
func TestMeetingIDInManyLanguages(t *testing.T) {
	for _, c := range []struct{ text, number, passcode string }{
		{"ID de la réunion : 244 929 170 838\nCode secret : 7ZkQ2u\n", "244 929 170 838", "7ZkQ2u"},
		{"   \u00a0ID de la réunion : 244 929 170 838\n  Code secret : 7ZkQ2u\n", "244 929 170 838", "7ZkQ2u"}, // as an HTML body reads
		{"Id. de reunión: 244 929 170 838\nCódigo de acceso: 7ZkQ2u\n", "244 929 170 838", "7ZkQ2u"},
		{"ID riunione: 244 929 170 838\nPasscode: 7ZkQ2u\n", "244 929 170 838", "7ZkQ2u"},
		{"ID da Reunião: 244 929 170 838\nSenha: 7ZkQ2u\n", "244 929 170 838", "7ZkQ2u"},
		{"ID cuộc họp: 244 929 170 838\nMật mã: 7ZkQ2u\n", "244 929 170 838", "7ZkQ2u"},
		{"Kokouksen tunnus: 244 929 170 838\nPääsykoodi: 7ZkQ2u\n", "244 929 170 838", "7ZkQ2u"},
		{"Identyfikator spotkania: 244 929 170 838\nKod dostępu: 7ZkQ2u\n", "244 929 170 838", "7ZkQ2u"},
		{"Идентификатор собрания: 244 929 170 838\nСекретный код: 7ZkQ2u\n", "244 929 170 838", "7ZkQ2u"},
		{"Toplantı Kimliği: 244 929 170 838\nGeçiş Kodu: 7ZkQ2u\n", "244 929 170 838", "7ZkQ2u"},
		{"Besprechungs-ID: 244 929 170 838\nKennung: 7ZkQ2u\n", "244 929 170 838", "7ZkQ2u"},
		{"Video Conference ID: 112 567 894 0\nAlternate VTC instructions\n", "", ""},
		{"ID de conférence vidéo : 112 567 894 0\n", "", ""},
		{"Telefonkonferenz-ID: 482 615 937\n", "", ""},
		{"Identity: 244 929 170 838\n", "", ""},
		{"Идентификатор видеоконференции: 112 567 894 0\n", "", ""},
		{"Identyfikator konferencji wideo: 112 567 894 0\n", "", ""},
		{"Αναγνωριστικό βιντεοδιάσκεψης: 112 567 894 0\n", "", ""},
		{"ID hội nghị truyền hình: 112 567 894 0\n", "", ""},
		// found by an audit: a right-to-left block's direction mark, a
		// no-break space, a full-width colon, a value on the next line
		// hid the Meeting ID, and a new link kept the old meeting's
		{"מזהה פגישה: \u200e312 440 523 644 \nקוד סיסמה: \u200eQz040Wx \n", "312 440 523 644", "Qz040Wx"},
		{"معرف الاجتماع: \u200f312 440 523 644\u200f\nرمز المرور: Qz040Wx\n", "312 440 523 644", "Qz040Wx"},
		{"Meeting ID:\u00a0312\u00a0440\u00a0523\u00a0644\nPasscode:\u00a0Qz040Wx\n", "312 440 523 644", "Qz040Wx"},
		{"会議 ID：312 440 523 644 \nパスコード：Qz040Wx \n", "312 440 523 644", "Qz040Wx"},
		{"Ідентифікатор наради: 312 440 523 644\nСекретний код: Qz040Wx\n", "312 440 523 644", "Qz040Wx"},
		{"Identificador de la reunió: 312 440 523 644\nCodi d'accés: Qz040Wx\n", "312 440 523 644", "Qz040Wx"},
		{"電話会議 ID：700 040 520\n", "", ""},
		{"Meeting ID:\nsee below\n312 440 523 644\n", "", ""},
		// found by a review of the above: a label alone on its line is not
		// a passcode's (a provider's code under it was deleted), nor are
		// a value cut by a CR or too short for its bytes
		{"Meeting ID: 244 929 170 838\nAudio conference (InterCall):\n86655501\n", "244 929 170 838", ""},
		{"会议 ID：\n312 440 523 644\n", "312 440 523 644", ""},
		{"Meeting ID:\n244 929 170 838 67\nPasscode: 7ZkQ2u\n", "244 929 170 838 67", "7ZkQ2u"}, // a second review: the old ID stayed
		{"Meeting ID: 244 929 170 838\nAudio conference (InterCall): 86655501\n", "244 929 170 838", ""},
		{"Meeting ID: 244 929 170 838\nPhone Conference ID: 285387578\n", "244 929 170 838", ""},
		{"Meeting ID: 244 929 170 838\nDate: 20260115\n", "244 929 170 838", ""},
		// a passcode alone on the line under its label, as the Meeting ID
		// may be (left at stop 35): read, unless the label is another
		// number's or the line is not a passcode
		{"Meeting ID:\n244 929 170 838 67\nPasscode:\n7ZkQ2u\n", "244 929 170 838 67", "7ZkQ2u"},
		{"Meeting ID: 244 929 170 838\n\u00a0Kenncode:\u00a0\n\n  7ZkQ2u\n", "244 929 170 838", "7ZkQ2u"},
		{"会議 ID：312 440 523 644\nパスコード：\nQz040Wx\n", "312 440 523 644", "Qz040Wx"},
		{"Meeting ID: 244 929 170 838\nPhone conference ID:\n285387578\n", "244 929 170 838", ""},
		{"Meeting ID: 244 929 170 838\nPasscode:\nsee the invitation\n", "244 929 170 838", ""},
		{"Meeting ID: 244 929 170 838\nPasscode:\n", "244 929 170 838", ""},
		{"ID:0\u00a0000\n", "", ""},
		{"Meeting ID: 000\r00\n", "", ""},
	} {
		if n, p := meetingNumber(c.text); n != c.number || p != c.passcode {
			t.Errorf("%q: %q, %q; want %q, %q", c.text, n, p, c.number, c.passcode)
		}
	}
}
