package block

import "strings"

// labels are the words of a rendered block in one language.
type labels struct {
	teamsHeader, teamsJoin, teamsClick string
	callIn, conferenceID, localNumber  string
	learnMore, tollFree, toll          string
	skypeJoin, skypePhone              string
	skypeConferenceID                  string
}

var labelsByLang = map[string]labels{
	"en-US": {
		teamsHeader: "Microsoft Teams meeting", teamsJoin: "Join on your computer, mobile app or room device",
		teamsClick: "Click here to join the meeting", callIn: "Or call in (audio only)",
		conferenceID: "Phone Conference ID:", localNumber: "Find a local number", learnMore: "Learn More",
		tollFree: "(Toll-free)", toll: "(Toll)", skypeJoin: "Join Skype Meeting", skypePhone: "Join by phone",
		skypeConferenceID: "Conference ID:",
	},
	"sv-SE": {
		teamsHeader: "Microsoft Teams-möte", teamsJoin: "Anslut på datorn, i mobilappen eller på en rumsenhet",
		teamsClick: "Klicka här för att ansluta till mötet", callIn: "Eller ring in (endast ljud)",
		conferenceID: "Telefonkonferens-ID:", localNumber: "Hitta ett lokalt nummer", learnMore: "Läs mer",
		tollFree: "(avgiftsfritt)", toll: "(avgiftsbelagt)", skypeJoin: "Anslut till Skype-mötet", skypePhone: "Anslut per telefon",
		skypeConferenceID: "Konferens-ID:",
	},
}

// lcidOf is the [!OC([n])!] id written in Skype blocks.
var lcidOf = map[string]string{"en-US": "1033", "sv-SE": "1053"}

// labelsFor returns the labels of a language, falling back to en-US.
func labelsFor(lang string) (labels, string) {
	for k, l := range labelsByLang {
		if strings.EqualFold(k, lang) {
			return l, k
		}
	}
	return labelsByLang["en-US"], "en-US"
}

// groupDigits writes a conference id as Outlook does: "580 849 884".
func groupDigits(id string) string {
	var b strings.Builder
	for i, r := range id {
		if i > 0 && (len(id)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// dialString is the tel: form of a number: digits and '+', then the
// conference id.
func dialString(number, conference string) string {
	d := "+" + digits(number)
	if conference != "" {
		d += ",," + conference + "#"
	}
	return d
}
