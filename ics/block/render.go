package block

import (
	"fmt"
	"html"
	"strings"
)

const (
	teamsRule = "________________________________________________________________________________"
	skypeRule = "........................................................................................................................................."
)

// RenderText writes a block for a plain-text body, in the layout Outlook
// uses, ending with a line break. A Spec whose Provider is not
// ProviderSkype gets a Teams block. Empty fields are left out.
func RenderText(s Spec) string {
	if s.Provider == ProviderSkype {
		return renderSkypeText(s)
	}
	return renderTeamsText(s)
}

// RenderHTML writes a block for an HTML body, in the markup Outlook uses,
// with every text and attribute value escaped. A Spec whose Provider is not
// ProviderSkype gets a Teams block. Empty fields are left out.
func RenderHTML(s Spec) string {
	if s.Provider == ProviderSkype {
		return renderSkypeHTML(s)
	}
	return renderTeamsHTML(s)
}

// lines collects the lines of a plain-text block.
type lines struct{ strings.Builder }

func (b *lines) line(format string, args ...string) {
	writeFormat(&b.Builder, format, args)
	b.WriteByte('\n')
}

// writeFormat writes format with each "%s" replaced by the next of args,
// as fmt would for string arguments.
func writeFormat(b *strings.Builder, format string, args []string) {
	for {
		i := strings.Index(format, "%s")
		if i < 0 || len(args) == 0 {
			b.WriteString(format)
			return
		}
		b.WriteString(format[:i])
		b.WriteString(args[0])
		format, args = format[i+2:], args[1:]
	}
}

func renderTeamsText(s Spec) string {
	l, lang := labelsFor(s.Lang)
	var b lines
	b.Grow(1024)
	b.line(teamsRule)
	b.line("%s", l.teamsHeader)
	b.line("%s", l.teamsJoin)
	b.line("%s <%s>", l.teamsClick, s.JoinURL)
	if s.MeetingNumber != "" {
		b.line("%s %s", l.meetingID, s.MeetingNumber)
		if s.Passcode != "" {
			b.line("%s %s", l.passcode, s.Passcode)
		}
	}
	if hasDialIn(s) {
		b.teamsDialIn(s, l)
	}
	b.line("%s <%s>", l.learnMore, learnMoreURL(lang))
	b.line(teamsRule)
	return b.String()
}

func (b *lines) teamsDialIn(s Spec, l labels) {
	b.line("%s", l.callIn)
	for _, n := range s.TollNumbers {
		b.line("%s <tel:%s>   %s", teamsNumber(n, s.ConferenceID), dialString(n, ",,", s.ConferenceID), s.TollLabel(n))
	}
	for _, n := range s.TollFreeNumbers {
		b.line("%s <tel:%s>   %s", teamsNumber(n, s.ConferenceID), dialString(n, ",,", s.ConferenceID), s.TollFreeLabel(n))
	}
	if s.ConferenceID != "" {
		b.line("%s %s#", l.phoneConferenceID, groupDigits(s.ConferenceID))
	}
	if s.DialInURL != "" {
		b.line("%s <%s>", l.localNumber, s.DialInURL)
	}
}

// DialInText returns the dial-in lines of a Teams block for a plain-text
// body, each ending with a line break: the heading, the numbers, the
// conference ID and the "find a local number" link, in s.Lang. A block
// that had none gains them where a change gives dial-in.
func DialInText(s Spec) []string {
	l, _ := labelsFor(s.Lang)
	var b lines
	b.teamsDialIn(s, l)
	out := strings.SplitAfter(b.String(), "\n")
	return out[:len(out)-1]
}

// DialInHTML is DialInText for an HTML body: Teams' elements where
// startTag is "", else one element each opened by startTag (a paragraph,
// as Outlook writes a block in <p class="MsoNormal">) and closed by
// endTag.
func DialInHTML(s Spec, startTag, endTag string) string {
	l, _ := labelsFor(s.Lang)
	var b markup
	if startTag == "" {
		b.teamsDialIn(s, l)
		return b.String()
	}
	p := func(format string, args ...string) { b.line(startTag+format+endTag, args...) }
	p("%s", esc(l.callIn))
	number := func(n, label string) {
		p(`<a href="tel:%s">%s</a> %s`, esc(dialString(n, ",,", s.ConferenceID)), esc(teamsNumber(n, s.ConferenceID)), esc(label))
	}
	for _, n := range s.TollNumbers {
		number(n, s.TollLabel(n))
	}
	for _, n := range s.TollFreeNumbers {
		number(n, s.TollFreeLabel(n))
	}
	if s.ConferenceID != "" {
		p("%s %s#", esc(l.phoneConferenceID), groupDigits(s.ConferenceID))
	}
	if s.DialInURL != "" {
		p(`<a href="%s">%s</a>`, esc(s.DialInURL), esc(l.localNumber))
	}
	return b.String()
}

// dialIn2024 holds the words of the 2024 block's dial-in part ("Join the
// meeting now"), by language: those known from blocks seen.
var dialIn2024 = map[string]struct{ heading, conferenceID string }{
	"en-US": {"Dial in by phone", "Phone conference ID:"},
}

// DialInText2024 is DialInText for the 2024 block: "Dial in by phone",
// the numbers, the "find a local number" link, then "Phone conference
// ID:". A language whose 2024 words are not known gets DialInText.
func DialInText2024(s Spec) []string {
	l, lang := labelsFor(s.Lang)
	w, ok := dialIn2024[lang]
	if !ok {
		return DialInText(s)
	}
	var b lines
	b.line("%s", w.heading)
	number := func(n, label string) {
		b.line("%s <tel:%s> %s", teamsNumber(n, s.ConferenceID), dialString(n, ",,", s.ConferenceID), label)
	}
	forNumbers(s, number)
	if s.DialInURL != "" {
		b.line("%s <%s>", l.localNumber, s.DialInURL)
	}
	if s.ConferenceID != "" {
		b.line("%s %s#", w.conferenceID, groupDigits(s.ConferenceID))
	}
	out := strings.SplitAfter(b.String(), "\n")
	return out[:len(out)-1]
}

// teams2024Link opens a link of the 2024 block's markup.
const teams2024Link = `<a class="me-email-link" style="font-size: 14px; font-family: 'Segoe UI Semibold','Segoe UI',sans-serif; text-decoration: underline; color: #5b5fc7;" target="_blank" rel="noreferrer noopener" href="%s">`

// DialInHTML2024 is DialInText2024 for an HTML body, in the 2024 block's
// elements. A language whose 2024 words are not known gets Teams'
// elements of DialInHTML.
func DialInHTML2024(s Spec) string {
	l, lang := labelsFor(s.Lang)
	w, ok := dialIn2024[lang]
	if !ok {
		return DialInHTML(s, "", "")
	}
	var b markup
	b.line(`<div style="font-size: 14px; margin-bottom: 4px; font-weight: 600;">%s</div>`, esc(w.heading))
	number := func(n, label string) {
		b.line(`<div style="margin-bottom: 4px;">`+teams2024Link+`%s</a><span style="font-size: 14px; color: #242424;"> %s</span></div>`,
			esc("tel:"+dialString(n, ",,", s.ConferenceID)), esc(teamsNumber(n, s.ConferenceID)), esc(label))
	}
	forNumbers(s, number)
	if s.DialInURL != "" {
		b.line(`<div style="margin-bottom: 4px;">`+teams2024Link+`%s</a></div>`, esc(s.DialInURL), esc(l.localNumber))
	}
	if s.ConferenceID != "" {
		b.line(`<div style="margin-bottom: 24px;"><span class="me-email-text-secondary" style="font-size: 14px; color: #242424;">%s </span>`+
			`<span class="me-email-text" style="font-size: 14px; color: #242424;">%s#</span></div>`, esc(w.conferenceID), groupDigits(s.ConferenceID))
	}
	return b.String()
}

// forNumbers calls add with each number of s and its label, the toll
// numbers first.
func forNumbers(s Spec, add func(n, label string)) {
	for _, n := range s.TollNumbers {
		add(n, s.TollLabel(n))
	}
	for _, n := range s.TollFreeNumbers {
		add(n, s.TollFreeLabel(n))
	}
}

func renderSkypeText(s Spec) string {
	l, _ := labelsFor(s.Lang)
	var b lines
	b.Grow(1024)
	b.line(skypeRule)
	b.line("--> %s <%s>", l.skypeJoin, s.JoinURL)
	if hasDialIn(s) {
		b.line("%s", l.skypePhone)
		for _, n := range s.TollNumbers {
			b.line("%s %s <tel:%s>", l.skypeToll, n, dialString(n, ",", s.ConferenceID))
		}
		for _, n := range s.TollFreeNumbers {
			b.line("%s %s <tel:%s>", l.skypeTollFree, n, dialString(n, ",", s.ConferenceID))
		}
		if s.DialInURL != "" {
			b.line("%s <%s>", l.localNumber, s.DialInURL)
		}
		if s.ConferenceID != "" {
			b.line("%s %s", l.conferenceID, s.ConferenceID)
		}
	}
	b.line("[!OC([%s])!]", l.lcid)
	b.line(skypeRule)
	return b.String()
}

func hasDialIn(s Spec) bool {
	return len(s.TollNumbers)+len(s.TollFreeNumbers) > 0 || s.ConferenceID != "" || s.DialInURL != ""
}

// teamsNumber is a number as Teams shows it, with the conference id to
// dial after it.
func teamsNumber(n, conference string) string {
	if conference == "" {
		return n
	}
	return n + ",," + conference + "#"
}

// learnMoreURL is Teams' help link; its omkt parameter names the block's
// language.
func learnMoreURL(lang string) string {
	return "https://aka.ms/JoinTeamsMeeting?omkt=" + lang
}

const (
	teamsFont   = `font-family:'Segoe UI','Helvetica Neue',Helvetica,Arial,sans-serif;`
	teamsLink   = `font-size: 14px;text-decoration: underline;color: #6264a7;` + teamsFont
	teamsRuleEl = `<div style="width:100%;height: 20px;"><span style="white-space:nowrap;color:#5F5F5F;opacity:.36;">` + teamsRule + `</span></div>`
)

// markup collects the lines of an HTML block.
type markup struct{ strings.Builder }

func (b *markup) line(format string, args ...string) {
	writeFormat(&b.Builder, format, args)
	b.WriteByte('\n')
}

func renderTeamsHTML(s Spec) string {
	l, lang := labelsFor(s.Lang)
	var b markup
	b.Grow(4096)
	b.line("%s", teamsRuleEl)
	b.line(`<div class="me-email-text" lang="%s" style="color:#252424;%s">`, lang, teamsFont)
	b.line(`<div style="margin-top: 24px; margin-bottom: 20px;"><span style="font-size: 24px; color:#252424">%s</span></div>`, esc(l.teamsHeader))
	b.line(`<div style="margin-bottom: 20px;"><div style="margin-top: 0px; margin-bottom: 0px; font-weight: bold"><span style="font-size: 14px; color:#252424">%s</span></div>`, esc(l.teamsJoin))
	b.line(`<a class="me-email-headline" style="%s" href="%s" target="_blank" rel="noreferrer noopener">%s</a></div>`, teamsLink, esc(s.JoinURL), esc(l.teamsClick))
	if s.MeetingNumber != "" {
		b.line(`<div style="margin-bottom: 4px;"><span style="font-size: 14px; color:#252424">%s </span><span style="font-size: 16px; color:#252424">%s</span></div>`, esc(l.meetingID), esc(s.MeetingNumber))
		if s.Passcode != "" {
			b.line(`<div style="margin-bottom: 20px;"><span style="font-size: 14px; color:#252424">%s </span><span style="font-size: 16px; color:#252424">%s</span></div>`, esc(l.passcode), esc(s.Passcode))
		}
	}
	if hasDialIn(s) {
		b.teamsDialIn(s, l)
	}
	b.line(`<div style="margin-top: 20px;"><a class="me-email-link" style="%s" href="%s" target="_blank" rel="noreferrer noopener">%s</a></div>`, teamsLink, esc(learnMoreURL(lang)), esc(l.learnMore))
	b.line(`</div>`)
	b.WriteString(teamsRuleEl)
	return b.String()
}

func (b *markup) teamsDialIn(s Spec, l labels) {
	b.line(`<div style="margin-bottom: 4px; margin-top: 20px;"><span style="font-size: 14px; color:#252424; font-weight: bold;">%s</span></div>`, esc(l.callIn))
	b.teamsNumbers(s.TollNumbers, s.ConferenceID, s.TollLabel)
	b.teamsNumbers(s.TollFreeNumbers, s.ConferenceID, s.TollFreeLabel)
	if s.ConferenceID != "" {
		b.line(`<div style="margin-bottom: 4px;"><span style="font-size: 12px; color:#252424">%s </span><span style="font-size: 14px; color:#252424">%s# </span></div>`, esc(l.phoneConferenceID), groupDigits(s.ConferenceID))
	}
	if s.DialInURL != "" {
		b.line(`<div style="margin-bottom: 4px;"><a class="me-email-link" style="%s" href="%s" target="_blank" rel="noreferrer noopener">%s</a></div>`, teamsLink, esc(s.DialInURL), esc(l.localNumber))
	}
}

func (b *markup) teamsNumbers(numbers []string, conference string, label func(string) string) {
	for _, n := range numbers {
		b.line(`<div style="margin-bottom: 4px;"><a class="me-email-link" style="%s" href="tel:%s" target="_blank" rel="noreferrer noopener">%s</a><span style="font-size: 12px;"> &nbsp; %s</span></div>`,
			teamsLink, esc(dialString(n, ",,", conference)), esc(teamsNumber(n, conference)), esc(label(n)))
	}
}

const skypeSmall = `<span style="font-size:8.0pt;color:#404040">%s</span>`

func renderSkypeHTML(s Spec) string {
	l, _ := labelsFor(s.Lang)
	var b markup
	b.Grow(4096)
	p := func(format string, args ...string) { b.line(`<p class="MsoNormal">`+format+`</p>`, args...) }
	p(skypeSmall, skypeRule)
	p(`<a href="%s"><span style="font-size:16.0pt;color:#0066CC">%s</span></a>`, esc(s.JoinURL), esc(l.skypeJoin))
	if hasDialIn(s) {
		p(`<span style="font-size:13.0pt">%s</span>`, esc(l.skypePhone))
		for _, n := range s.TollNumbers {
			p(`%s <a href="tel:%s"><span style="color:#0066CC">%s</span></a>`, esc(l.skypeToll), esc(dialString(n, ",", s.ConferenceID)), esc(n))
		}
		for _, n := range s.TollFreeNumbers {
			p(`%s <a href="tel:%s"><span style="color:#0066CC">%s</span></a>`, esc(l.skypeTollFree), esc(dialString(n, ",", s.ConferenceID)), esc(n))
		}
		if s.DialInURL != "" {
			p(`<a href="%s"><span style="color:#0066CC">%s</span></a>`, esc(s.DialInURL), esc(l.localNumber))
		}
		if s.ConferenceID != "" {
			p(`%s %s`, esc(l.conferenceID), esc(s.ConferenceID))
		}
	}
	p(`<span style="font-size:1.0pt;color:white">[!OC([%s])!]</span>`, l.lcid)
	b.WriteString(`<p class="MsoNormal">` + fmt.Sprintf(skypeSmall, skypeRule) + `</p>`)
	return b.String()
}

func esc(s string) string { return html.EscapeString(s) }

// MeetingIDText returns the Meeting ID line, and the passcode line where
// there is a passcode, of a Teams block for a plain-text body, each ending
// with a line break: what a block that had none gains with a meeting of
// its own.
func MeetingIDText(s Spec) []string {
	l, _ := labelsFor(s.Lang)
	out := []string{l.meetingID + " " + s.MeetingNumber + "\n"}
	if s.Passcode != "" {
		out = append(out, l.passcode+" "+s.Passcode+"\n")
	}
	return out
}

// MeetingIDHTML is MeetingIDText for an HTML body: one element each.
func MeetingIDHTML(s Spec) string {
	l, _ := labelsFor(s.Lang)
	var b markup
	b.line(`<div style="margin-bottom: 4px;"><span style="font-size: 14px; color:#252424">%s </span><span style="font-size: 16px; color:#252424">%s</span></div>`, esc(l.meetingID), esc(s.MeetingNumber))
	if s.Passcode != "" {
		b.line(`<div style="margin-bottom: 20px;"><span style="font-size: 14px; color:#252424">%s </span><span style="font-size: 16px; color:#252424">%s</span></div>`, esc(l.passcode), esc(s.Passcode))
	}
	return b.String()
}

// ConferenceIDLine is the conference ID line a block of spec s shows, in
// its service's words and s.Lang, with no line break: "Phone Conference
// ID: 580 849 884#" (Teams) or "Conference ID: 580849884" (Skype). A
// block that had dial-in numbers without one gains it.
func ConferenceIDLine(s Spec) string {
	l, _ := labelsFor(s.Lang)
	if s.Provider == ProviderSkype {
		return l.conferenceID + " " + s.ConferenceID
	}
	return l.phoneConferenceID + " " + groupDigits(s.ConferenceID) + "#"
}

// LocalNumberText is the label of the dial-in link ("Find a local
// number") in s.Lang.
func LocalNumberText(s Spec) string {
	l, _ := labelsFor(s.Lang)
	return l.localNumber
}
