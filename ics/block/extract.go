package block

import (
	"net/url"
	"regexp"
	"strings"
)

var (
	telConf    = regexp.MustCompile(`,,(\d+)#`)
	labelConf  = regexp.MustCompile(`ID\s*:\s*(\d[\d ]*\d)\s*#`)
	namedConf  = regexp.MustCompile(`(?i)conf\w*[ -]?id\s*:\s*(\d[\d ]*\d)`)
	phone      = regexp.MustCompile(`\+\d[\d \-().]{5,}\d`)
	lcid       = regexp.MustCompile(`\[!OC\(\[([0-9A-Fa-f]+)\]\)!\]`)
	langParam  = regexp.MustCompile(`[?&]language=([A-Za-z]{2,3}-[A-Za-z]{2})`)
	angleParts = regexp.MustCompile(`<[^<>]*>`)
)

// extract reads the dial-in details and language of a block's text and
// links.
func extract(text string, links []link) Block {
	var b Block
	b.ConferenceID = conferenceID(text, links)
	b.TollNumbers, b.TollFreeNumbers = numbers(text)
	for _, l := range links {
		if b.DialInURL == "" && strings.HasPrefix(host(l.url), "dialin.") {
			b.DialInURL = l.url
		}
	}
	if strings.Contains(text, "[!OC(") {
		if m := lcid.FindStringSubmatch(text); m != nil {
			b.LCID = m[1]
		}
	}
	b.Lang = language(b.LCID, text, links)
	return b
}

func conferenceID(text string, links []link) string {
	for _, l := range links {
		if m := telConf.FindStringSubmatch(l.url); m != nil {
			return m[1]
		}
	}
	for _, l := range links {
		if strings.HasPrefix(host(l.url), "dialin.") {
			if u, err := url.Parse(l.url); err == nil && u.Query().Get("id") != "" {
				return digits(u.Query().Get("id"))
			}
		}
	}
	for _, re := range []*regexp.Regexp{labelConf, namedConf} {
		if m := re.FindStringSubmatch(text); m != nil {
			return digits(m[1])
		}
	}
	return ""
}

// numbers returns the dial-in numbers of a block, one per line, split into
// toll and toll-free.
func numbers(text string) (toll, free []string) {
	for _, line := range strings.Split(text, "\n") {
		if !strings.Contains(line, "+") {
			continue
		}
		visible := line
		if strings.Contains(visible, "<") {
			visible = angleParts.ReplaceAllString(visible, " ")
		}
		if strings.Contains(visible, ":") {
			visible = bareLink.ReplaceAllString(visible, " ")
		}
		n := phone.FindString(visible)
		if n == "" {
			continue
		}
		n = strings.Join(strings.Fields(n), " ")
		if isTollFree(line) {
			free = append(free, n)
		} else {
			toll = append(toll, n)
		}
	}
	return toll, free
}

// tollFreeWords mark a toll-free number's line, in the languages seen.
var tollFreeWords = []string{"toll free", "toll-free", "tollfree", "avgiftsfri", "gratuit", "gebührenfrei", "kostenlos", "gratis", "miễn phí", "フリーダイヤル"}

func isTollFree(line string) bool {
	low := strings.ToLower(line)
	for _, w := range tollFreeWords {
		if strings.Contains(low, w) {
			return true
		}
	}
	return false
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// lcids maps Outlook's language ids, decimal and hex, to BCP 47.
var lcids = map[string]string{
	"1033": "en-US", "0409": "en-US", "409": "en-US",
	"2057": "en-GB", "0809": "en-GB", "809": "en-GB",
	"1053": "sv-SE", "041d": "sv-SE", "41d": "sv-SE",
	"1030": "da-DK", "0406": "da-DK", "406": "da-DK",
	"1031": "de-DE", "0407": "de-DE", "407": "de-DE",
	"1036": "fr-FR", "040c": "fr-FR", "40c": "fr-FR",
	"1044": "nb-NO", "0414": "nb-NO", "414": "nb-NO",
	"1035": "fi-FI", "040b": "fi-FI", "40b": "fi-FI",
	"1043": "nl-NL", "0413": "nl-NL", "413": "nl-NL",
	"3082": "es-ES", "0c0a": "es-ES", "c0a": "es-ES",
	"1066": "vi-VN", "042a": "vi-VN", "42a": "vi-VN",
}

// labelHints guess a block's language from words that only that language's
// labels use, when neither LCID nor a language parameter says.
var labelHints = []struct{ word, lang string }{
	{"Anslut", "sv-SE"}, {"Teams-möte", "sv-SE"}, {"Skype-mötet", "sv-SE"},
	{"Tham gia", "vi-VN"}, {"Click here to join the meeting", "en-US"}, {"Join Skype Meeting", "en-US"}, {"Teams-møde", "da-DK"}, {"Teams-Besprechung", "de-DE"},
}

func language(id, text string, links []link) string {
	if l, ok := lcids[strings.ToLower(id)]; ok {
		return l
	}
	for _, l := range links {
		if strings.Contains(l.url, "language=") {
			if m := langParam.FindStringSubmatch(l.url); m != nil {
				return m[1]
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
