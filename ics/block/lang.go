package block

import (
	"regexp"
	"strconv"
	"strings"
)

var ocMarker = regexp.MustCompile(`\[!OC\(\[([0-9A-Fa-f]{1,8})\]\)!\]`)

// lcid returns the language id of a Skype block's [!OC([n])!] marker, as
// written.
func lcid(text string) string {
	if !strings.Contains(text, "[!OC(") {
		return ""
	}
	if m := ocMarker.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	return ""
}

// lcidLangs maps Windows language ids to BCP 47 tags.
var lcidLangs = map[int]string{
	0x0401: "ar-SA", 0x0403: "ca-ES", 0x0404: "zh-TW", 0x0405: "cs-CZ", 0x0406: "da-DK", 0x0407: "de-DE",
	0x0408: "el-GR", 0x0409: "en-US", 0x040b: "fi-FI", 0x040c: "fr-FR", 0x040d: "he-IL", 0x040e: "hu-HU",
	0x0410: "it-IT", 0x0411: "ja-JP", 0x0412: "ko-KR", 0x0413: "nl-NL", 0x0414: "nb-NO", 0x0415: "pl-PL",
	0x0416: "pt-BR", 0x0418: "ro-RO", 0x0419: "ru-RU", 0x041a: "hr-HR", 0x041b: "sk-SK", 0x041d: "sv-SE",
	0x041e: "th-TH", 0x041f: "tr-TR", 0x0421: "id-ID", 0x0422: "uk-UA", 0x0424: "sl-SI", 0x0425: "et-EE",
	0x0426: "lv-LV", 0x0427: "lt-LT", 0x042a: "vi-VN", 0x0439: "hi-IN", 0x043e: "ms-MY", 0x0804: "zh-CN",
	0x0809: "en-GB", 0x0816: "pt-PT", 0x0c0a: "es-ES", 0x0c0c: "fr-CA", 0x0c09: "en-AU", 0x1009: "en-CA",
}

// LangOfLCID returns the BCP 47 tag of a Windows language id written in
// decimal ("1053") or hexadecimal ("041d", "0x041D"), or "" when unknown.
// Four digits with a leading zero, or any hex letter, mean hexadecimal.
func LangOfLCID(id string) string {
	s := strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(id, "0x"), "0X"))
	base := 10
	if s != id || strings.ContainsAny(s, "abcdef") || len(s) == 4 && s[0] == '0' {
		base = 16
	}
	n, err := strconv.ParseInt(s, base, 32)
	if err != nil {
		return ""
	}
	return lcidLangs[int(n)]
}

// langParams name a link's query parameter that carries the language of
// the block: Teams' meeting options link ("language=en-US"), its help link
// ("omkt=en-US").
var langParams = []string{"language", "omkt", "lang"}

// bcp47 returns a tag of the form "en-US" (two or three letters, '-',
// two letters) in its usual case, or "".
func bcp47(s string) string {
	lang, region, ok := strings.Cut(s, "-")
	if !ok || len(lang) < 2 || len(lang) > 3 || len(region) != 2 || !letters(lang) || !letters(region) {
		return ""
	}
	return strings.ToLower(lang) + "-" + strings.ToUpper(region)
}

func letters(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) {
			return false
		}
	}
	return true
}

// language returns the block's language: from its LCID, else from a
// link's language parameter, else from words only one language's labels
// use; "" when none says.
func language(id, text string, links []link) string {
	if l := LangOfLCID(id); l != "" {
		return l
	}
	for _, l := range links {
		for _, name := range langParams {
			if tag := bcp47(l.param(name)); tag != "" {
				return tag
			}
		}
	}
	for _, h := range labelHints {
		if strings.Contains(text, h.word) {
			return h.lang
		}
	}
	return ""
}

// labelHints are words of Teams and Skype block labels that only one
// language uses. English comes last: other languages' blocks keep a few
// English product names.
var labelHints = []struct{ word, lang string }{
	{"Anslut", "sv-SE"}, {"Teams-möte", "sv-SE"}, {"Skype-möte", "sv-SE"}, {"Klicka här", "sv-SE"},
	{"Teams-møde", "da-DK"}, {"Deltag", "da-DK"}, {"Klik her", "da-DK"},
	{"Teams-møte", "nb-NO"}, {"Bli med", "nb-NO"}, {"Klikk her", "nb-NO"},
	{"Teams-Besprechung", "de-DE"}, {"Skype-Besprechung", "de-DE"}, {"Hier klicken", "de-DE"},
	{"Réunion Microsoft Teams", "fr-FR"}, {"Participer à la réunion", "fr-FR"}, {"Rejoindre", "fr-FR"},
	{"Microsoft Teams-vergadering", "nl-NL"}, {"Deelnemen", "nl-NL"},
	{"Reunión de Microsoft Teams", "es-ES"}, {"Unirse", "es-ES"},
	{"Riunione di Microsoft Teams", "it-IT"}, {"Partecipa", "it-IT"},
	{"Reunião do Microsoft Teams", "pt-BR"}, {"Ingressar", "pt-BR"},
	{"Teams-kokous", "fi-FI"}, {"Liity", "fi-FI"},
	{"Tham gia", "vi-VN"}, {"cuộc họp", "vi-VN"},
	{"会議に参加", "ja-JP"},
	{"Join Skype Meeting", "en-US"}, {"Join Microsoft Teams Meeting", "en-US"}, {"Microsoft Teams meeting", "en-US"},
	{"Click here to join", "en-US"}, {"Join the meeting now", "en-US"}, {"Join on your computer", "en-US"},
}
