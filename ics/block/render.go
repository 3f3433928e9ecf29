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

// RenderText writes a block for a plain-text body, ending with a line break.
func RenderText(s Spec) string {
	if s.Provider == ProviderSkype {
		return renderSkypeText(s)
	}
	return renderTeamsText(s)
}

func renderTeamsText(s Spec) string {
	l, _ := labelsFor(s.Lang)
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line(teamsRule)
	line("%s", l.teamsHeader)
	line("%s", l.teamsJoin)
	line("%s <%s>", l.teamsClick, s.JoinURL)
	if hasDialIn(s) {
		line("%s", l.callIn)
		for _, n := range s.TollNumbers {
			line("%s <tel:%s>   %s", numberText(n, s.ConferenceID), dialString(n, s.ConferenceID), l.toll)
		}
		for _, n := range s.TollFreeNumbers {
			line("%s <tel:%s>   %s", numberText(n, s.ConferenceID), dialString(n, s.ConferenceID), l.tollFree)
		}
		if s.ConferenceID != "" {
			line("%s %s#", l.conferenceID, groupDigits(s.ConferenceID))
		}
		if s.DialInURL != "" {
			line("%s <%s>", l.localNumber, s.DialInURL)
		}
	}
	line("%s <https://aka.ms/JoinTeamsMeeting>", l.learnMore)
	line(teamsRule)
	return b.String()
}

func renderSkypeText(s Spec) string {
	l, lang := labelsFor(s.Lang)
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line(skypeRule)
	line("--> %s <%s>", l.skypeJoin, s.JoinURL)
	if hasDialIn(s) {
		line("%s", l.skypePhone)
		for _, n := range s.TollNumbers {
			line("%s <tel:%s>   %s", n, dialString(n, s.ConferenceID), l.toll)
		}
		for _, n := range s.TollFreeNumbers {
			line("%s <tel:%s>   %s", n, dialString(n, s.ConferenceID), l.tollFree)
		}
		if s.DialInURL != "" {
			line("%s <%s>", l.localNumber, s.DialInURL)
		}
		if s.ConferenceID != "" {
			line("%s %s", l.skypeConferenceID, s.ConferenceID)
		}
	}
	line("[!OC([%s])!]", lcidOf[lang])
	line(skypeRule)
	return b.String()
}

func hasDialIn(s Spec) bool {
	return len(s.TollNumbers)+len(s.TollFreeNumbers) > 0 || s.ConferenceID != "" || s.DialInURL != ""
}

func numberText(n, conference string) string {
	if conference == "" {
		return n
	}
	return n + ",," + conference + "#"
}

// RenderHTML writes a block for an HTML body, in the markup Outlook uses.
func RenderHTML(s Spec) string {
	if s.Provider == ProviderSkype {
		return renderSkypeHTML(s)
	}
	return renderTeamsHTML(s)
}

const (
	ruleDiv   = `<div style="width:100%%;height: 20px;"><span style="white-space:nowrap;color:#5F5F5F;opacity:.36;">%s</span></div>`
	font      = `font-family:'Segoe UI','Helvetica Neue',Helvetica,Arial,sans-serif;`
	linkStyle = `font-size: 14px;text-decoration: underline;color: #6264a7;` + font
)

func renderTeamsHTML(s Spec) string {
	l, lang := labelsFor(s.Lang)
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w(ruleDiv, teamsRule)
	w(`<div class="me-email-text" lang="%s" style="color:#252424;%s">`, lang, font)
	w(`<div style="margin-top: 24px; margin-bottom: 20px;"><span style="font-size: 24px; color:#252424">%s</span></div>`, esc(l.teamsHeader))
	w(`<div style="margin-bottom: 20px;"><div style="margin-top: 0px; margin-bottom: 0px; font-weight: bold"><span style="font-size: 14px; color:#252424">%s</span></div>`, esc(l.teamsJoin))
	w(`<a class="me-email-headline" style="%s" href="%s" target="_blank" rel="noreferrer noopener">%s</a></div>`, linkStyle, esc(s.JoinURL), esc(l.teamsClick))
	if hasDialIn(s) {
		w(`<div style="margin-bottom: 4px; margin-top: 20px;"><span style="font-size: 14px; color:#252424; font-weight: bold;">%s</span></div>`, esc(l.callIn))
		writeNumbersHTML(&b, s.TollNumbers, s.ConferenceID, l.toll)
		writeNumbersHTML(&b, s.TollFreeNumbers, s.ConferenceID, l.tollFree)
		if s.ConferenceID != "" {
			w(`<div style="margin-bottom: 4px;"><span style="font-size: 12px; color:#252424">%s </span><span style="font-size: 14px; color:#252424">%s# </span></div>`, esc(l.conferenceID), groupDigits(s.ConferenceID))
		}
		if s.DialInURL != "" {
			w(`<div style="margin-bottom: 4px;"><a class="me-email-link" style="%s" href="%s" target="_blank" rel="noreferrer noopener">%s</a></div>`, linkStyle, esc(s.DialInURL), esc(l.localNumber))
		}
	}
	w(`<div style="margin-top: 20px;"><a class="me-email-link" style="%s" href="https://aka.ms/JoinTeamsMeeting" target="_blank" rel="noreferrer noopener">%s</a></div>`, linkStyle, esc(l.learnMore))
	w(`</div>`)
	b.WriteString(fmt.Sprintf(ruleDiv, teamsRule))
	return b.String()
}

func writeNumbersHTML(b *strings.Builder, numbers []string, conference, label string) {
	for _, n := range numbers {
		fmt.Fprintf(b, `<div style="margin-bottom: 4px;"><a class="me-email-link" style="%s" href="tel:%s" target="_blank" rel="noreferrer noopener">%s</a><span style="font-size: 12px;"> &nbsp; %s</span></div>`+"\n",
			linkStyle, esc(dialString(n, conference)), esc(numberText(n, conference)), esc(label))
	}
}

func renderSkypeHTML(s Spec) string {
	l, lang := labelsFor(s.Lang)
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p := func(inner string) { w(`<p class="MsoNormal">%s</p>`, inner) }
	w(`<p class="MsoNormal"><span style="font-size:8.0pt;color:#404040">%s</span></p>`, skypeRule)
	p(fmt.Sprintf(`<a href="%s"><span style="font-size:16.0pt;color:#0066CC">%s</span></a>`, esc(s.JoinURL), esc(l.skypeJoin)))
	if hasDialIn(s) {
		p(esc(l.skypePhone))
		for _, n := range s.TollNumbers {
			p(fmt.Sprintf(`%s <a href="tel:%s">%s</a> %s`, esc(n), esc(dialString(n, s.ConferenceID)), esc(n), esc(l.toll)))
		}
		for _, n := range s.TollFreeNumbers {
			p(fmt.Sprintf(`%s <a href="tel:%s">%s</a> %s`, esc(n), esc(dialString(n, s.ConferenceID)), esc(n), esc(l.tollFree)))
		}
		if s.DialInURL != "" {
			p(fmt.Sprintf(`<a href="%s">%s</a>`, esc(s.DialInURL), esc(l.localNumber)))
		}
		if s.ConferenceID != "" {
			p(fmt.Sprintf(`%s %s`, esc(l.skypeConferenceID), s.ConferenceID))
		}
	}
	p(fmt.Sprintf(`<span style="font-size:8.0pt;color:#404040">[!OC([%s])!]</span>`, lcidOf[lang]))
	b.WriteString(fmt.Sprintf(`<p class="MsoNormal"><span style="font-size:8.0pt;color:#404040">%s</span></p>`, skypeRule))
	return b.String()
}

func esc(s string) string { return html.EscapeString(s) }
