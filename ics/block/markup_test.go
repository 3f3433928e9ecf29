package block

import (
	"strings"
	"testing"
	"time"
)

func TestIsMarkup(t *testing.T) {
	for text, want := range map[string]bool{
		"<p>Planning</p>": true,
		"Agenda<br>Join: <a href=\"https://x\">here</a>":                                                       true,
		"Join Microsoft Teams Meeting<https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0>": false,
		"a < b and c > d":         false,
		"<!-- only a comment -->": false,
		"":                        false,
		"<":                       false,
		"x <span":                 false, // cut short: no tag
		"x <span>":                true,
		"Host: Peter Jones <p.jones@contoso.com>":    false,
		"<li.wei@contoso.com>, <b.berg@contoso.com>": false,
		"Agenda</p>": true,
	} {
		if got := IsMarkup(text); got != want {
			t.Errorf("IsMarkup(%q) = %v, want %v", text, got, want)
		}
	}
}

// A hostile body of unclosed tags is read in linear time: "</ " without a
// name scanned to the end of the text from each '<' (480 KB took a minute).
func TestIsMarkupLinear(t *testing.T) {
	for _, text := range []string{strings.Repeat("<x ", 400000), strings.Repeat("</ ", 400000), strings.Repeat("</", 600000)} {
		start := time.Now()
		if IsMarkup(text) {
			t.Error("unclosed tags read as HTML")
		}
		HTMLText(text)
		FindHTML(text)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%.10q...: %v for 1.2 MB", text, d)
		}
	}
}

func TestHTMLText(t *testing.T) {
	src := `<p>Planning</p><div><span>Microsoft Teams meeting</span></div><div>` +
		`<a href="https://teams.microsoft.com/l/meetup-join/x">Click&nbsp;here&nbsp;to&nbsp;join</a></div>` +
		`<div><a href="tel:+13238494874,,123#">+1 323-849-4874,,123#</a></div><br><br><br>` +
		`<div><a href="https://aka.ms/JoinTeamsMeeting">https://aka.ms/JoinTeamsMeeting</a> | Åsa</div>`
	want := "Planning\n\nMicrosoft Teams meeting\n\nClick here to join<https://teams.microsoft.com/l/meetup-join/x>\n\n" +
		"+1 323-849-4874,,123#<tel:+13238494874,,123#>\n\nhttps://aka.ms/JoinTeamsMeeting | Åsa"
	if got := HTMLText(src); got != want {
		t.Errorf("HTMLText =\n%q\nwant\n%q", got, want)
	}
}
