package block

import (
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// describe reads a block's fields from its visible text and links.
func describe(p Provider, join link, text string, links []link) Block {
	b := Block{Provider: p, JoinURL: join.url, MeetingID: meetingID(p, join, text)}
	if p != ProviderTeams && p != ProviderSkype {
		return b
	}
	if p == ProviderSkype {
		b.SkypeUser = skypeUser(join)
		b.NumberLabels = skypeLabels(text)
	} else {
		b.MeetingNumber, b.Passcode = meetingNumber(text)
	}
	b.ConferenceID = conferenceID(p, text, links)
	b.TollNumbers, b.TollFreeNumbers = numbers(text)
	if l, ok := dialInLink(links); ok {
		b.DialInURL = l.url
	}
	b.LCID = lcid(text)
	b.Lang = language(b.LCID, text, links)
	return b
}

// A passcode, as Teams shows one and as mms writes and reads one back: 4
// to 16 ASCII letters and digits ("7ZkQ2u").
const passcodePattern = `[A-Za-z0-9]{4,16}`

var (
	passcodeLine = regexp.MustCompile(`^[^:：<>]{1,40}[:：][ \t\x{00A0}\x{202F}\x{200E}\x{200F}]*(` + passcodePattern + `)$`)
	passcodeOnly = regexp.MustCompile(`^` + passcodePattern + `$`)
	// "Passcode:" alone on its line, as a block read out of HTML may show
	// it, its passcode on the next
	passcodeLabelAlone = regexp.MustCompile(`^[^:：<>]{1,40}[:：]$`)
)

// IsPasscode reports whether s is a passcode a block can show and be read
// back with: 4 to 16 ASCII letters and digits.
func IsPasscode(s string) bool { return passcodeOnly.MatchString(s) }

// conferenceID reads the conference id from, in order: the dial strings
// of tel: links (",,123456789#"), the visible label ("ID: 123 456 789#";
// Skype writes no '#'), the id of the dial-in page link.
func conferenceID(p Provider, text string, links []link) string {
	for _, l := range links {
		if hasPrefixFold(l.url, "tel:") {
			dial, err := url.PathUnescape(l.url)
			if err != nil {
				dial = l.url
			}
			if id := telConference(dial); id != "" {
				return id
			}
		}
	}
	if id := labelledConferenceID(text, p != ProviderSkype); id != "" {
		return id
	}
	if id := labelledConferenceIDFirst(text, p != ProviderSkype); id != "" {
		return id
	}
	if l, ok := dialInLink(links); ok {
		return digits(l.param("id"))
	}
	return ""
}

// IsConferenceID reports whether digits is a conference ID as a block's
// label shows it and mms reads it back: 2 digits or more.
func IsConferenceID(digits string) bool {
	return digits != "" && labelledConferenceID("Phone Conference ID: "+digits+"#", true) == digits
}

// telConference returns the conference id of a dial string: the digits of
// its first ",,123456789#" (commas, digits, '#'), as regexp ,+(\d+)#
// finds them; "" when there is none. By hand: it runs on every tel: link
// of every block found.
func telConference(dial string) string {
	for i := 0; i < len(dial); i++ {
		if dial[i] != ',' {
			continue
		}
		j := i
		for j < len(dial) && dial[j] == ',' {
			j++
		}
		k := j
		for k < len(dial) && isDigit(dial[k]) {
			k++
		}
		if k > j && k < len(dial) && dial[k] == '#' {
			return dial[j:k]
		}
		i = k - 1 // no match starts before the next comma
	}
	return ""
}

// numbers returns the dial-in numbers of a block as written, one per line,
// without the conference id Teams appends (",,123456789#"), split into toll
// and toll-free by the words of their line.
//
// Where Outlook hard-wrapped the block, the number's tel: link and its
// label stand on the next line ("+1 800-555-0100,,580849884#", then
// "<tel:+18005550100,,580849884#>   United States (Toll-free)"): that
// line's words count as the number's.
func numbers(text string) (toll, free []string) {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		n, ok := lineNumber(line)
		if !ok {
			continue
		}
		if i+1 < len(lines) && hasPrefixFold(strings.TrimLeft(lines[i+1], " \t"), "<tel:") {
			line += " " + lines[i+1]
		}
		if isTollFree(line) {
			free = append(free, n)
		} else {
			toll = append(toll, n)
		}
	}
	return toll, free
}

// skypeLabels returns the region a Skype block writes in brackets after
// each number ("+46 8 123 456 78 (Stockholm)  English (United States)"),
// by number; a generic label is no region (see genericLabel).
func skypeLabels(text string) map[string]string {
	var out map[string]string
	for line := range strings.SplitSeq(text, "\n") {
		n, rest, ok := numberAndRest(line)
		if !ok {
			continue
		}
		if strings.IndexByte(rest, '&') >= 0 { // an HTML body's &nbsp;
			rest = html.UnescapeString(rest)
		}
		rest = strings.TrimLeft(rest, " \t\u00a0")
		if !strings.HasPrefix(rest, "(") {
			continue
		}
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			continue
		}
		label := strings.Join(strings.Fields(rest[1:end]), " ")
		if label == "" || len(label) > 80 || genericLabel(label) {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[n] = label
	}
	return out
}

// genericLabel reports a number's label that names no region: Skype
// Online's "(Dial-in Number)", "(Toll)", "(Toll-free)".
func genericLabel(label string) bool {
	l := strings.ToLower(label)
	return strings.Contains(l, "toll") || strings.Contains(l, "dial") || strings.Contains(l, "number")
}

// lineNumber returns the phone number written on a line outside links,
// with its white space collapsed.
func lineNumber(line string) (string, bool) {
	n, _, ok := numberAndRest(line)
	return n, ok
}

// numberAndRest is lineNumber, and the visible text after the number.
func numberAndRest(line string) (string, string, bool) {
	if !strings.Contains(line, "+") {
		return "", "", false
	}
	visible := withoutTags(line)
	for {
		k := nextLinkStart(visible, 0)
		if k < 0 {
			break
		}
		end := k + strings.IndexAny(visible[k:]+" ", " \t")
		visible = visible[:k] + visible[end:]
	}
	loc := phoneNumberAt(visible)
	if loc == nil || len(digits(visible[loc[0]:loc[1]])) < minNumberDigits || (loc[0] > 0 && isWordByte(visible[loc[0]-1])) {
		return "", "", false
	}
	n := strings.Join(strings.Fields(visible[loc[0]:loc[1]]), " ")
	return n, visible[loc[1]:], true
}

// labelledConferenceID returns the digits of the first "ID: 123 456 789"
// of text (the label ends in ID, in any case, as a word; the value is
// digits, spaces and tabs, two digits or more), followed by '#' when
// hash; "" when there is none. It finds what
// (?i)\bID[ \t]*:[ \t]*(\d[\d \t]*\d)[ \t]*# (without the last part when
// !hash) finds, by hand: it runs on every block found.
func labelledConferenceID(text string, hash bool) string {
	return conferenceIDAfter(text, hash, func(i int) int {
		if j := skipBlanks(text, i+2); j < len(text) && text[j] == ':' {
			return j
		}
		return -1
	})
}

// labelledConferenceIDFirst is labelledConferenceID for the languages that
// write "ID" first and the conference after it, before the colon: "ID de
// conférence téléphonique : 580 849 884#", "ID de conférence : 123456".
func labelledConferenceIDFirst(text string, hash bool) string {
	return conferenceIDAfter(text, hash, func(i int) int { return conferenceLabelEnd(text, i) })
}

// conferenceIDAfter returns the digits after the first label that colon
// ends: colon(i) is the offset of the colon of a label whose "ID" (a word)
// is at text[i], or -1.
func conferenceIDAfter(text string, hash bool, colon func(i int) int) string {
	for from := 0; ; {
		k := indexFold(text[from:], "id")
		if k < 0 {
			return ""
		}
		i := from + k
		from = i + 1
		if i > 0 && isIDWordByte(text[i-1]) {
			continue
		}
		j := colon(i)
		if j < 0 {
			continue
		}
		j = skipBlanks(text, j+1)
		end := j
		for end < len(text) && (isDigit(text[end]) || text[end] == ' ' || text[end] == '\t') {
			end++
		}
		if j == end || !isDigit(text[j]) {
			continue
		}
		value := digits(text[j:end])
		if len(value) < 2 || hash && (end == len(text) || text[end] != '#') {
			continue
		}
		return value
	}
}

// conferenceLabelEnd returns the offset of the colon that ends a label
// which starts with "ID" at text[i] and names a conference, on one line
// ("ID de conférence téléphonique : 580 849 884#", "ID conferenza
// telefonica:"), or -1.
func conferenceLabelEnd(text string, i int) int {
	label := text[i:min(len(text), i+64)]
	c := strings.IndexByte(label, ':')
	if c < 0 || strings.IndexByte(label[:c], '\n') >= 0 || !strings.Contains(strings.ToLower(label[:c]), "conf") {
		return -1
	}
	return i + c
}

// indexFold is the index of the first ASCII letter pair in s equal to
// lower ("id") without regard to case, or -1.
func indexFold(s, lower string) int {
	for i := 0; i+1 < len(s); i++ {
		if s[i]|0x20 == lower[0] && s[i+1]|0x20 == lower[1] {
			return i
		}
	}
	return -1
}

func skipBlanks(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// withoutTags replaces each <...> holding no '<' or '>' of line with a
// space, as regexp <[^<>]*> would.
func withoutTags(line string) string {
	if !strings.Contains(line, "<") {
		return line
	}
	var b strings.Builder
	rest := line
	for {
		open := strings.IndexByte(rest, '<')
		if open < 0 {
			break
		}
		k := strings.IndexAny(rest[open+1:], "<>")
		if k < 0 {
			break
		}
		if rest[open+1+k] == '<' { // this '<' opens nothing; the next may
			b.WriteString(rest[:open+1+k])
			rest = rest[open+1+k:]
			continue
		}
		b.WriteString(rest[:open])
		b.WriteByte(' ')
		rest = rest[open+k+2:]
	}
	b.WriteString(rest)
	return b.String()
}

// phoneNumberAt returns the span of the first phone number of s as
// regexp \+\d[\d \-().]{5,}\d finds it: '+', a digit, then digits and
// " -()." up to the last digit, at least seven bytes in all; nil when none.
func phoneNumberAt(s string) []int {
	for from := 0; ; {
		k := strings.IndexByte(s[from:], '+')
		if k < 0 {
			return nil
		}
		plus := from + k
		from = plus + 1
		if plus+1 >= len(s) || !isDigit(s[plus+1]) {
			continue
		}
		last := -1
		for i := plus + 2; i < len(s) && strings.IndexByte("0123456789 -().", s[i]) >= 0; i++ {
			if isDigit(s[i]) {
				last = i
			}
		}
		if last-(plus+2) >= 5 {
			return []int{plus, last + 1}
		}
	}
}

// IsPhoneNumber reports whether s is a phone number as a block's numbers
// are found (see phoneNumberAt), whole: a number written into a block is
// found there again, so a run over its own output changes nothing.
func IsPhoneNumber(s string) bool {
	at := phoneNumberAt(s)
	return at != nil && at[0] == 0 && at[1] == len(s) && len(digits(s)) >= minNumberDigits
}

// minNumberDigits is the fewest digits a block's phone number has: fewer
// are read as some other number of the block.
const minNumberDigits = 7

// IsMeetingID reports whether s is a Meeting ID as a block's is found
// (digits and spaces, 6 characters or more, a digit at each end): one
// written into a block is found there again.
func IsMeetingID(s string) bool {
	return meetingIDValue("Meeting ID: "+s) != "" && strings.Trim(s, "0123456789 \t") == ""
}

func isWordByte(c byte) bool { return isLetter(c) || c >= '0' && c <= '9' || c == '%' || c == '=' }

// tollFreeWords mark a toll-free number's line, in the languages seen.
var tollFreeWords = []string{
	"toll free", "toll-free", "tollfree", "avgiftsfri", "gratuit", "gebührenfrei", "kostenlos", "kostenfrei",
	"gratis", "maksuton", "miễn phí", "フリーダイヤル", "無料", "免费", "免費", "무료", "수신자 부담", "numero verde",
	"бесплатн", "безкоштовн", "bezpłatn", "bezplatn", "ücretsiz", "díjmentes", "δωρεάν", "χωρίς χρέωση",
	"مجاني", "ללא תשלום", "חינם", "bebas pulsa", "โทรฟรี",
}

func isTollFree(line string) bool {
	low := strings.ToLower(line)
	for _, w := range tollFreeWords {
		if strings.Contains(low, w) {
			return true
		}
	}
	return false
}

// dialInLink returns the "find a local number" link: the first dial-in
// page link that is not the PIN reset page.
func dialInLink(links []link) (link, bool) {
	for _, l := range links {
		if strings.HasPrefix(l.host, "dialin.") && !strings.Contains(strings.ToLower(l.url), "pstnconferencing") {
			return l, l.url != ""
		}
	}
	return link{}, false
}

// meetingID returns the meeting's own id: Teams' thread id from a
// /l/meetup-join/ link or the id of a /meet/ link, else the numeric
// "Meeting ID" of the block; Skype's conference key; Zoom's or Meet's id.
func meetingID(p Provider, join link, text string) string {
	segs := join.segs
	switch {
	case p == ProviderTeams && len(segs) >= 3 && segs[0] == "l":
		return segs[2]
	case p == ProviderTeams && len(segs) >= 2 && segs[0] == "meet":
		return segs[1]
	case p == ProviderTeams:
		if n, _ := meetingIDLine(text); n != "" {
			return digits(n)
		}
	case p == ProviderSkype && len(segs) > 0:
		return segs[len(segs)-1]
	case p == ProviderZoom && len(segs) >= 2:
		return segs[1]
	case p == ProviderGoogleMeet && len(segs) >= 1:
		return segs[0]
	}
	return ""
}

// meetingNumber returns the Meeting ID a Teams block shows ("Meeting ID:
// 244 929 170 838", "Besprechungs-ID: ...", "Møde-id: ...") with its white
// space collapsed, and the passcode written on the next line that is not
// blank: the single word after its label's colon ("Passcode: 7ZkQ2u").
// Labels are not read, only where they stand.
func meetingNumber(text string) (string, string) {
	number, end := meetingIDLine(text)
	if number == "" {
		return "", ""
	}
	label := "" // a passcode's label alone, its passcode on the next line
	for line := range strings.SplitSeq(text[end:], "\n") {
		line = strings.TrimFunc(line, blankOrMark)
		switch {
		case line == "":
			continue
		case label != "":
			if passcodeOnly.MatchString(line) && strings.ContainsAny(line, "0123456789") {
				return number, line
			}
		case passcodeLabelAlone.MatchString(line) && knownPasscodeLabel(line):
			label = line
			continue
		default:
			if m := passcodeLine.FindStringSubmatch(line); m != nil && passcodeLabel(m[1], line) {
				return number, m[1]
			}
		}
		break
	}
	return number, ""
}

// passcodeLabels are the passcode's label in the languages Teams writes
// (lower case, without the colon): where a label stands alone on its line,
// only these say the next line is the passcode, which must then hold a
// digit ("Room:" / "B1204", "Organizer:" / "Anna" are not; a review).
var passcodeLabels = []string{"passcode", "password", "kenncode", "kennung", "lösenord", "code secret", "código de acceso", "código de acesso",
	"wachtwoordcode", "senha", "mật mã", "pääsykoodi", "kod dostępu", "секретный код", "секретний код", "geçiş kodu", "קוד סיסמה",
	"رمز المرور", "パスコード", "codi d'accés", "密码", "密碼", "암호", "adgangskode", "passord", "heslo", "jelszó", "parolă", "κωδικός πρόσβασης", "kode sandi"}

// knownPasscodeLabel reports whether a line ("Passcode:", "Kenncode :")
// is a passcode's label alone.
func knownPasscodeLabel(line string) bool {
	label := strings.ToLower(strings.TrimFunc(strings.TrimRight(strings.TrimFunc(line, blankOrMark), ":："), blankOrMark))
	return slices.Contains(passcodeLabels, label)
}

// passcodeLabel reports whether the label before a passcode-like word of
// a line is no other number's: not a conference's, a phone's, a video's,
// an audio provider's or a date ("Audio conference (InterCall):
// 86655501", "Phone Conference ID: 285387578").
func passcodeLabel(word, line string) bool {
	label := strings.ToLower(line[:strings.LastIndex(line, word)])
	for _, w := range notPasscodeWords {
		if strings.Contains(label, w) {
			return false
		}
	}
	return true
}

// skypeUser is the user part of meet.lync.com/<tenant>/<user>/<key> or
// meet.contoso.com/<user>/<key>, as written.
func skypeUser(join link) string {
	segs := join.segs
	if len(segs) < 2 {
		return ""
	}
	return segs[len(segs)-2]
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

// meetingIDLine finds the first line "... ID: 123 456 789 012" (the label
// ends in ID, in any case, as a word; the value is digits and spaces, six
// or more) and returns the number with single spaces and the offset of the
// line's end; "" when there is none. By hand, not a regular expression:
// it runs on every block found.
func meetingIDLine(text string) (string, int) {
	for start := 0; start < len(text); {
		end, next := len(text), len(text)
		if nl := strings.IndexByte(text[start:], '\n'); nl >= 0 {
			end, next = start+nl, start+nl+1
		}
		if n := meetingIDValue(text[start:end]); n != "" {
			return n, end
		}
		// a label alone, its number on the next line ("Meeting ID:" /
		// "244 929 170 838 67", as a block read out of HTML may be)
		if next < len(text) && meetingIDLabelAlone(text[start:end]) {
			e := len(text)
			if nl := strings.IndexByte(text[next:], '\n'); nl >= 0 {
				e = next + nl
			}
			if n := idDigits(strings.TrimFunc(text[next:e], blankOrMark)); n != "" {
				return n, e
			}
		}
		start = next
	}
	return "", 0
}

// meetingIDLabelAlone reports whether a line is a Meeting ID's label and
// its colon, nothing after it.
func meetingIDLabelAlone(line string) bool {
	line = strings.TrimRightFunc(line, blankOrMark)
	label, ok := strings.CutSuffix(line, ":")
	if !ok {
		label, ok = strings.CutSuffix(line, "：")
	}
	return ok && len(label) >= 2 && meetingIDLabel(strings.TrimFunc(label, blankOrMark))
}

// meetingIDValue reads a line "<label>: 244 929 170 838": a full-width
// colon, no-break spaces and the direction marks right-to-left text
// writes around a number too.
func meetingIDValue(line string) string {
	if strings.IndexByte(line, ':') < 0 && !strings.Contains(line, "：") {
		return ""
	}
	line = strings.TrimRightFunc(line, blankOrMark)
	colon, width := strings.LastIndexByte(line, ':'), 1
	if k := strings.LastIndex(line, "："); k > colon {
		colon, width = k, len("：")
	}
	if colon < 2 {
		return ""
	}
	n := idDigits(strings.TrimFunc(line[colon+width:], blankOrMark))
	if n == "" || !meetingIDLabel(strings.TrimFunc(line[:colon], blankOrMark)) {
		return ""
	}
	return n
}

// idDigits is a Meeting ID's value, digits and blanks only (spaces,
// tabs, no-break and thin spaces), six characters or more, a digit at each
// end, with single spaces; "" for anything else.
func idDigits(v string) string {
	if utf8.RuneCountInString(v) < 6 || !isDigit(v[0]) || !isDigit(v[len(v)-1]) {
		return ""
	}
	for _, r := range v {
		if !(r >= '0' && r <= '9') && !idBlank(r) {
			return ""
		}
	}
	return strings.Join(strings.FieldsFunc(v, idBlank), " ")
}

// idBlank is a blank between a Meeting ID's digits.
func idBlank(r rune) bool { return r == ' ' || r == '\t' || r == 0xa0 || r == 0x202f || r == 0x2009 }

// blankOrMark is white space, or one of the invisible direction marks
// right-to-left text writes around numbers (U+200E, U+200F, U+202A to
// U+202E, U+2066 to U+2069).
func blankOrMark(r rune) bool {
	return unicode.IsSpace(r) || r == 0x200e || r == 0x200f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// meetingIDLabel reports whether a label names a Teams meeting's ID: "ID"
// as the last word ("Meeting ID", "Besprechungs-ID", "Møde-id") or the
// first ("ID de la réunion", "Id. de reunión", "ID riunione", "ID cuộc
// họp"), or a language's own word for it ("Kokouksen tunnus",
// "Identyfikator spotkania", "Toplantı Kimliği"); never a conference's
// ("Phone Conference ID", "Video Conference ID": a dial-in or VTC number).
func meetingIDLabel(label string) bool {
	n := len(label)
	if n < 2 {
		return false
	}
	low := strings.ToLower(label)
	for _, w := range notMeetingIDWords {
		if strings.Contains(low, w) {
			return false
		}
	}
	if strings.EqualFold(label[n-2:], "id") && (n == 2 || !isIDWordByte(label[n-3])) ||
		strings.EqualFold(label[:2], "id") && (n == 2 || !isIDWordByte(label[2])) {
		return true
	}
	for _, w := range meetingIDWords {
		if strings.Contains(low, w) {
			return true
		}
	}
	return false
}

// meetingIDWords are words for "ID" in Meeting ID labels that do not write
// "ID"; notMeetingIDWords mark the labels of other numbers of a block.
var (
	meetingIDWords    = []string{"tunnus", "identyfikator", "идентификатор", "ідентифікатор", "identificador", "kimliği", "azonosító", "identificator", "αναγνωριστικό", "معرف", "מזהה"}
	notMeetingIDWords = []string{"conf", "video", "vidéo", "vtc", "phone", "telefon", "téléphon", "telefoon", "puhelin",
		"видео", "конференц", "телефон", "wideo", "konferencj", "βίντεο", "διάσκεψ", "τηλεδιάσκεψ", "truyền hình", "hội nghị", "điện thoại",
		"วิดีโอ", "فيديو", "مؤتمر", "هاتف", "וידאו", "ועידה", "טלפון", "ビデオ", "電話", "视频", "电话", "會議電話", "視訊", "화상", "전화"}
)

// notPasscodeWords mark the labels of numbers of a block other than its
// passcode.
var notPasscodeWords = append(slices.Clip(notMeetingIDWords), "audio", "date", "datum", "fecha", "host", "room", "organi", "moderat", "pin")

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isIDWordByte is a byte that \b counts as part of a word.
func isIDWordByte(c byte) bool { return isDigit(c) || c == '_' || isLetter(c) }
