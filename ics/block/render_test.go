package block

import (
	"reflect"
	"strings"
	"testing"
)

var specs = map[string]Spec{
	"teams full": {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_N%40thread.v2/0?context=%7b%7d&x=1",
		ConferenceID: "111222333", TollNumbers: []string{"+46 8 505 248 89", "+1 323-849-4874"}, TollFreeNumbers: []string{"+1 800 555 0100"},
		DialInURL: "https://dialin.teams.microsoft.com/abc?id=111222333", Lang: "en-US"},
	"teams bare":     {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/meet/2345678901?p=abc", Lang: "en-US"},
	"teams swedish":  {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/x/0", ConferenceID: "580849884", TollNumbers: []string{"+46 8 505 248 89"}, Lang: "sv-SE"},
	"teams odd link": {Provider: ProviderTeams, JoinURL: "https://join.contoso.example/m/42?a=1&b=2", ConferenceID: "4242", Lang: "en-US"},
	"skype":          {Provider: ProviderSkype, JoinURL: "https://meet.lync.com/contoso/anna/AB12CD34", ConferenceID: "123456", TollNumbers: []string{"+46 8 123 456"}, DialInURL: "https://dialin.lync.com/abc", Lang: "en-US"},
	"skype swedish":  {Provider: ProviderSkype, JoinURL: "https://meet.contoso.se/anna/XY99", Lang: "sv-SE"},
}

// A rendered block is found again, whole, with the fields it was made from.
func TestRenderFindRoundTrip(t *testing.T) {
	for name, s := range specs {
		for _, form := range []struct {
			name   string
			render func(Spec) string
			find   func(string) (Block, bool)
		}{{"text", RenderText, FindText}, {"html", RenderHTML, FindHTML}} {
			t.Run(name+"/"+form.name, func(t *testing.T) {
				out := form.render(s)
				b, ok := form.find(out)
				if !ok {
					t.Fatalf("not found in:\n%s", out)
				}
				if b.Start != 0 || b.End != len(out) {
					t.Errorf("span [%d,%d), want [0,%d)", b.Start, b.End, len(out))
				}
				got := Spec{Provider: b.Provider, JoinURL: b.JoinURL, ConferenceID: b.ConferenceID, TollNumbers: b.TollNumbers,
					TollFreeNumbers: b.TollFreeNumbers, DialInURL: b.DialInURL, Lang: b.Lang}
				if !reflect.DeepEqual(got, s) {
					t.Errorf("found %+v\nwant  %+v", got, s)
				}
				// Splicing keeps the text around the block.
				around := "Före – 漢字 🙂 Cuộc họp\n" + out + "Efter ✓\n"
				b2, ok := form.find(around)
				if !ok || around[:b2.Start]+around[b2.End:] != "Före – 漢字 🙂 Cuộc họp\nEfter ✓\n" {
					t.Errorf("span in context: [%d,%d) of %q", b2.Start, b2.End, around)
				}
			})
		}
	}
}

func TestRenderEscapesHTML(t *testing.T) {
	out := RenderHTML(specs["teams odd link"])
	if !strings.Contains(out, `href="https://join.contoso.example/m/42?a=1&amp;b=2"`) {
		t.Fatalf("join link not escaped:\n%s", out)
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	for _, s := range specs {
		if RenderText(s) != RenderText(s) || RenderHTML(s) != RenderHTML(s) {
			t.Fatal("rendering differs between calls")
		}
	}
}
