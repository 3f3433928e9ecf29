package block

import "strings"

// labels are the words of a rendered block in one language.
type labels struct {
	lcid string // written in Skype blocks' [!OC([n])!] marker

	teamsHeader, teamsJoin, teamsClick, callIn string
	meetingID, passcode                        string
	phoneConferenceID, toll, tollFree          string

	skypeJoin, skypePhone, skypeToll, skypeTollFree, conferenceID string

	localNumber, learnMore string
}

var labelsByLang = map[string]labels{
	"en-US": {
		lcid:        "1033",
		teamsHeader: "Microsoft Teams meeting", teamsJoin: "Join on your computer, mobile app or room device",
		teamsClick: "Click here to join the meeting", callIn: "Or call in (audio only)",
		meetingID: "Meeting ID:", passcode: "Passcode:",
		phoneConferenceID: "Phone Conference ID:", toll: "(Toll)", tollFree: "(Toll-free)",
		skypeJoin: "Join Skype Meeting", skypePhone: "Join by phone",
		skypeToll: "Toll number:", skypeTollFree: "Toll-free number:", conferenceID: "Conference ID:",
		localNumber: "Find a local number", learnMore: "Learn More",
	},
	"sv-SE": {
		lcid:        "1053",
		teamsHeader: "Microsoft Teams-möte", teamsJoin: "Anslut på datorn, i mobilappen eller på en rumsenhet",
		teamsClick: "Klicka här för att ansluta till mötet", callIn: "Eller ring in (endast ljud)",
		meetingID: "Mötes-ID:", passcode: "Lösenord:",
		phoneConferenceID: "Telefonkonferens-ID:", toll: "(avgiftsbelagt)", tollFree: "(avgiftsfritt)",
		skypeJoin: "Anslut till Skype-mötet", skypePhone: "Anslut per telefon",
		skypeToll: "Avgiftsbelagt nummer:", skypeTollFree: "Avgiftsfritt nummer:", conferenceID: "Konferens-ID:",
		localNumber: "Hitta ett lokalt nummer", learnMore: "Läs mer",
	},
	"de-DE": {
		lcid:        "1031",
		teamsHeader: "Microsoft Teams-Besprechung", teamsJoin: "Nehmen Sie von Ihrem Computer, Ihrer mobilen App oder Ihrem Raumgerät aus teil",
		teamsClick: "Klicken Sie hier, um an der Besprechung teilzunehmen", callIn: "Oder rufen Sie an (nur Audio)",
		meetingID: "Besprechungs-ID:", passcode: "Kenncode:",
		phoneConferenceID: "Telefonkonferenz-ID:", toll: "(gebührenpflichtig)", tollFree: "(gebührenfrei)",
		skypeJoin: "An Skype-Besprechung teilnehmen", skypePhone: "Per Telefon teilnehmen",
		skypeToll: "Gebührenpflichtige Nummer:", skypeTollFree: "Gebührenfreie Nummer:", conferenceID: "Konferenz-ID:",
		localNumber: "Ortsnummer suchen", learnMore: "Weitere Informationen",
	},
	"fr-FR": {
		lcid:        "1036",
		teamsHeader: "Réunion Microsoft Teams", teamsJoin: "Rejoindre sur votre ordinateur, application mobile ou appareil de salle",
		teamsClick: "Cliquez ici pour participer à la réunion", callIn: "Ou appelez (audio uniquement)",
		meetingID: "ID de la réunion :", passcode: "Code secret :",
		phoneConferenceID: "ID de conférence téléphonique :", toll: "(payant)", tollFree: "(gratuit)",
		skypeJoin: "Rejoindre la réunion Skype", skypePhone: "Participer par téléphone",
		skypeToll: "Numéro payant :", skypeTollFree: "Numéro gratuit :", conferenceID: "ID de conférence :",
		localNumber: "Trouver un numéro local", learnMore: "En savoir plus",
	},
	"es-ES": {
		lcid:        "3082",
		teamsHeader: "Reunión de Microsoft Teams", teamsJoin: "Unirse desde el equipo, la aplicación móvil o el dispositivo de la sala",
		teamsClick: "Haga clic aquí para unirse a la reunión", callIn: "O llame (solo audio)",
		meetingID: "Id. de reunión:", passcode: "Código de acceso:",
		phoneConferenceID: "Id. de conferencia telefónica:", toll: "(de pago)", tollFree: "(gratuito)",
		skypeJoin: "Unirse a la reunión de Skype", skypePhone: "Unirse por teléfono",
		skypeToll: "Número de pago:", skypeTollFree: "Número gratuito:", conferenceID: "Id. de conferencia:",
		localNumber: "Buscar un número local", learnMore: "Más información",
	},
	"it-IT": {
		lcid:        "1040",
		teamsHeader: "Riunione di Microsoft Teams", teamsJoin: "Partecipa da computer, app per dispositivi mobili o dispositivo della sala",
		teamsClick: "Fai clic qui per partecipare alla riunione", callIn: "Oppure chiama (solo audio)",
		meetingID: "ID riunione:", passcode: "Passcode:",
		phoneConferenceID: "ID conferenza telefonica:", toll: "(a pagamento)", tollFree: "(numero verde)",
		skypeJoin: "Partecipa alla riunione di Skype", skypePhone: "Partecipa per telefono",
		skypeToll: "Numero a pagamento:", skypeTollFree: "Numero verde:", conferenceID: "ID conferenza:",
		localNumber: "Trova un numero locale", learnMore: "Altre informazioni",
	},
	"nl-NL": {
		lcid:        "1043",
		teamsHeader: "Microsoft Teams-vergadering", teamsJoin: "Deelnemen op uw computer, mobiele app of ruimteapparaat",
		teamsClick: "Klik hier om deel te nemen aan de vergadering", callIn: "Of bel in (alleen audio)",
		meetingID: "Vergadering-id:", passcode: "Wachtwoordcode:",
		phoneConferenceID: "Telefonische vergadering-id:", toll: "(betaald)", tollFree: "(gratis)",
		skypeJoin: "Deelnemen aan Skype-vergadering", skypePhone: "Deelnemen via telefoon",
		skypeToll: "Betaald nummer:", skypeTollFree: "Gratis nummer:", conferenceID: "Conferentie-id:",
		localNumber: "Een lokaal nummer zoeken", learnMore: "Meer informatie",
	},
	"pt-BR": {
		lcid:        "1046",
		teamsHeader: "Reunião do Microsoft Teams", teamsJoin: "Ingressar no seu computador, aplicativo móvel ou dispositivo de sala",
		teamsClick: "Clique aqui para ingressar na reunião", callIn: "Ou ligue para (somente áudio)",
		meetingID: "ID da Reunião:", passcode: "Senha:",
		phoneConferenceID: "ID de Conferência por Telefone:", toll: "(tarifado)", tollFree: "(gratuito)",
		skypeJoin: "Ingressar na Reunião do Skype", skypePhone: "Ingressar por telefone",
		skypeToll: "Número tarifado:", skypeTollFree: "Número gratuito:", conferenceID: "ID da Conferência:",
		localNumber: "Localizar um número local", learnMore: "Saiba mais",
	},
}

// renderedLangs are the languages a block is written in anew, in order;
// a block of any other language is written in en-US.
var renderedLangs = []string{"en-US", "sv-SE", "de-DE", "fr-FR", "es-ES", "it-IT", "nl-NL", "pt-BR"}

// labelsFor returns the labels of a language and its canonical tag; a tag
// is matched without case, then by its language subtag ("sv" is sv-SE);
// unknown languages fall back to en-US.
func labelsFor(lang string) (labels, string) {
	for _, tag := range renderedLangs {
		if strings.EqualFold(tag, lang) {
			return labelsByLang[tag], tag
		}
	}
	primary, _, _ := strings.Cut(lang, "-")
	for _, tag := range renderedLangs {
		if p, _, _ := strings.Cut(tag, "-"); strings.EqualFold(p, primary) {
			return labelsByLang[tag], tag
		}
	}
	return labelsByLang["en-US"], "en-US"
}

// groupDigits writes a conference id as Teams does: "580 849 884".
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

// DialDigits are the digits a number is dialled with: "+44 (0)20 3000
// 0000" is 442030000000, the trunk prefix "(0)" written for callers in the
// country left out.
func DialDigits(number string) string {
	return digits(strings.Replace(number, "(0)", "", 1))
}

// dialString is the tel: form of a number: '+' and its digits, then the
// conference id after sep ("," for Skype, ",," for Teams).
func dialString(number, sep, conference string) string {
	d := "+" + DialDigits(number)
	if conference != "" {
		d += sep + conference + "#"
	}
	return d
}

// SkypeNumberKinds returns the words a Skype block of language lang
// writes before a toll and a toll-free number ("Toll number:",
// "Toll-free number:").
func SkypeNumberKinds(lang string) (toll, tollFree string) {
	l, _ := labelsFor(lang)
	return l.skypeToll, l.skypeTollFree
}

// SplitNumberLabel cuts "+1 (425) 555-0100 United States" into the number
// and the label after it: the number runs while characters are digits,
// blanks, '+', '-', '.', '/', '(' or ')', and ends at its last digit.
func SplitNumberLabel(s string) (number, label string) {
	s = strings.TrimSpace(s)
	lastDigit := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			lastDigit = i
			continue
		}
		if !strings.ContainsRune("+-.()/ \t", rune(c)) {
			break
		}
	}
	if lastDigit < 0 {
		return "", ""
	}
	number, label = s[:lastDigit+1], strings.TrimSpace(s[lastDigit+1:])
	if strings.Count(number, "(") > strings.Count(number, ")") && strings.HasPrefix(label, ")") {
		number, label = number+")", strings.TrimSpace(label[1:])
	}
	return number, label
}
