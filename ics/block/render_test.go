package block

import (
	"strings"
	"testing"
)

var specs = map[string]Spec{
	"teams full": {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_N%40thread.v2/0?context=%7b%7d&x=1",
		ConferenceID: "111222333", TollNumbers: []string{"+46 8 505 248 89", "+1 323-849-4874"}, TollFreeNumbers: []string{"+1 800 555 0100"},
		DialInURL: "https://dialin.teams.microsoft.com/abc?id=111222333", Lang: "en-US"},
	"teams bare": {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/meet/2345678901?p=abc", Lang: "en-US"},
	"teams meeting id and passcode": {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_N%40thread.v2/0", MeetingNumber: "244 929 170 838",
		Passcode: "7ZkQ2u", ConferenceID: "111222333", TollNumbers: []string{"+46 8 505 248 89"}, Lang: "en-US"},
	"teams swedish meeting id and passcode": {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/meet/24492917083867?p=7ZkQ", MeetingNumber: "244 929 170 838 67",
		Passcode: "Ab1Cd2", Lang: "sv-SE"},
	// the least and the most IsMeetingID, IsPasscode and IsPhoneNumber accept
	"teams shortest values": {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/meet/7?p=8", MeetingNumber: "123456",
		Passcode: "abcd", ConferenceID: "12", TollNumbers: []string{"+46 8 505 2"}, TollFreeNumbers: []string{"+1 800 5550"}, Lang: "en-US"},
	"teams longest passcode": {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/meet/7?p=9", MeetingNumber: "1 2 3 4 5 6",
		Passcode: "PassWord1234567X", Lang: "en-US"},
	"teams meeting id only":   {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/meet/2?p=3", MeetingNumber: "231 244 578 937", Lang: "en-US"},
	"teams swedish":           {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/x/0", ConferenceID: "580849884", TollNumbers: []string{"+46 8 505 248 89"}, TollFreeNumbers: []string{"+46 20 12 34 56"}, Lang: "sv-SE"},
	"teams odd link":          {Provider: ProviderTeams, JoinURL: `https://join.contoso.example/m/42?a=1&b="2"`, ConferenceID: "4242", Lang: "en-US"},
	"teams only dial-in page": {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/meet/1?p=2", DialInURL: "https://dialin.teams.microsoft.com/usp/local", Lang: "sv-SE"},
	"skype":                   {Provider: ProviderSkype, JoinURL: "https://meet.lync.com/contoso/anna/AB12CD34", ConferenceID: "123456", TollNumbers: []string{"+46 8 123 456"}, DialInURL: "https://dialin.lync.com/abc", Lang: "en-US"},
	"skype swedish":           {Provider: ProviderSkype, JoinURL: "https://meet.contoso.se/åsa/XY99", ConferenceID: "98765", TollFreeNumbers: []string{"+46 20 79 00 00"}, Lang: "sv-SE"},
	"skype bare":              {Provider: ProviderSkype, JoinURL: "https://meet.lync.com/contoso/bo/Q1", Lang: "en-US"},
	"teams german": {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_D%40thread.v2/0", MeetingNumber: "244 929 170 838",
		Passcode: "7ZkQ2u", ConferenceID: "580849884", TollNumbers: []string{"+49 69 365051234"}, TollFreeNumbers: []string{"+49 800 5550100"},
		DialInURL: "https://dialin.teams.microsoft.com/abc?id=580849884", Lang: "de-DE"},
	"teams french": {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_F%40thread.v2/0", MeetingNumber: "244 929 170 838",
		Passcode: "7ZkQ2u", ConferenceID: "580849884", TollNumbers: []string{"+33 1 70 37 57 13"}, TollFreeNumbers: []string{"+33 800 555 010"},
		DialInURL: "https://dialin.teams.microsoft.com/abc?id=580849884", Lang: "fr-FR"},
	"skype german": {Provider: ProviderSkype, JoinURL: "https://meet.lync.com/contoso/anna/AB12", ConferenceID: "123456", TollNumbers: []string{"+49 69 1234567"},
		TollFreeNumbers: []string{"+49 800 1234567"}, DialInURL: "https://dialin.lync.com/abc", Lang: "de-DE"},
	"teams french without numbers": {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_F%40thread.v2/0", ConferenceID: "580849884",
		DialInURL: "https://dialin.teams.microsoft.com/abc?id=1", Lang: "fr-FR"},
	"skype french without numbers": {Provider: ProviderSkype, JoinURL: "https://meet.lync.com/contoso/anna/FR13", ConferenceID: "654321", Lang: "fr-FR"},
	"teams spanish": {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_E%40thread.v2/0", MeetingNumber: "244 929 170 838",
		Passcode: "7ZkQ2u", ConferenceID: "580849884", TollNumbers: []string{"+34 91 123 45 67"}, TollFreeNumbers: []string{"+34 900 123 456"}, Lang: "es-ES"},
	"teams italian": {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_I%40thread.v2/0", MeetingNumber: "244 929 170 838",
		Passcode: "7ZkQ2u", ConferenceID: "580849884", TollNumbers: []string{"+39 02 1234 5678"}, TollFreeNumbers: []string{"+39 800 123 456"}, Lang: "it-IT"},
	"teams dutch": {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_N%40thread.v2/0", MeetingNumber: "244 929 170 838",
		Passcode: "7ZkQ2u", ConferenceID: "580849884", TollNumbers: []string{"+31 20 123 4567"}, TollFreeNumbers: []string{"+31 800 123 4567"}, Lang: "nl-NL"},
	"teams portuguese": {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_P%40thread.v2/0", MeetingNumber: "244 929 170 838",
		Passcode: "7ZkQ2u", ConferenceID: "580849884", TollNumbers: []string{"+55 11 1234 5678"}, TollFreeNumbers: []string{"+55 800 123 4567"}, Lang: "pt-BR"},
	"teams spanish without numbers":    {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/meet/1?p=2", ConferenceID: "580849884", Lang: "es-ES"},
	"teams italian without numbers":    {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/meet/1?p=3", ConferenceID: "580849884", Lang: "it-IT"},
	"teams dutch without numbers":      {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/meet/1?p=4", ConferenceID: "580849884", Lang: "nl-NL"},
	"teams portuguese without numbers": {Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/meet/1?p=5", ConferenceID: "580849884", Lang: "pt-BR"},
	"skype spanish": {Provider: ProviderSkype, JoinURL: "https://meet.lync.com/contoso/anna/ES12", ConferenceID: "654321", TollNumbers: []string{"+34 91 123 45 67"},
		TollFreeNumbers: []string{"+34 900 123 456"}, Lang: "es-ES"},
	"skype italian": {Provider: ProviderSkype, JoinURL: "https://meet.lync.com/contoso/anna/IT12", ConferenceID: "654321", TollNumbers: []string{"+39 02 1234 5678"},
		TollFreeNumbers: []string{"+39 800 123 456"}, Lang: "it-IT"},
	"skype dutch": {Provider: ProviderSkype, JoinURL: "https://meet.lync.com/contoso/anna/NL12", ConferenceID: "654321", TollNumbers: []string{"+31 20 123 4567"},
		TollFreeNumbers: []string{"+31 800 123 4567"}, Lang: "nl-NL"},
	"skype portuguese": {Provider: ProviderSkype, JoinURL: "https://meet.lync.com/contoso/anna/PT12", ConferenceID: "654321", TollNumbers: []string{"+55 11 1234 5678"},
		TollFreeNumbers: []string{"+55 800 123 4567"}, Lang: "pt-BR"},
	"skype french": {Provider: ProviderSkype, JoinURL: "https://meet.lync.com/contoso/anna/FR12", ConferenceID: "654321", TollNumbers: []string{"+33 1 23 45 67 89"},
		TollFreeNumbers: []string{"+33 800 123 456"}, DialInURL: "https://dialin.lync.com/fr", Lang: "fr-FR"},
}

// A rendered block is found again, whole, with the fields it was made
// from, alone and spliced between text in other scripts.
func TestRenderFindRoundTrip(t *testing.T) {
	for name, s := range specs {
		for _, form := range []struct {
			name          string
			render        func(Spec) string
			find          func(string) (Block, bool)
			before, after string
		}{{"text", RenderText, FindText, textBefore, textAfter}, {"html", RenderHTML, FindHTML, htmlBefore, htmlAfter}} {
			t.Run(name+"/"+form.name, func(t *testing.T) {
				out := form.render(s)
				b, ok := form.find(out)
				if !ok {
					t.Fatalf("not found in:\n%s", out)
				}
				if b.Start != 0 || b.End != len(out) {
					t.Errorf("span [%d,%d), want [0,%d)", b.Start, b.End, len(out))
				}
				if got := specOf(b); !equalSpecs(got, s) {
					t.Errorf("found %+v\nwant  %+v\nin:\n%s", got, s, out)
				}
				around := form.before + out + form.after
				b2, ok := form.find(around)
				if !ok || b2.Start != len(form.before) || around[:b2.Start]+around[b2.End:] != form.before+form.after {
					t.Errorf("in context: found %v at [%d,%d)", ok, b2.Start, b2.End)
				}
			})
		}
	}
}

func specOf(b Block) Spec {
	return Spec{Provider: b.Provider, JoinURL: b.JoinURL, MeetingNumber: b.MeetingNumber, Passcode: b.Passcode, ConferenceID: b.ConferenceID,
		TollNumbers: b.TollNumbers, TollFreeNumbers: b.TollFreeNumbers, DialInURL: b.DialInURL, Lang: b.Lang}
}

func equalSpecs(a, b Spec) bool {
	return a.Provider == b.Provider && a.JoinURL == b.JoinURL && a.ConferenceID == b.ConferenceID && a.DialInURL == b.DialInURL &&
		a.MeetingNumber == b.MeetingNumber && a.Passcode == b.Passcode &&
		a.Lang == b.Lang && strings.Join(a.TollNumbers, "|") == strings.Join(b.TollNumbers, "|") &&
		strings.Join(a.TollFreeNumbers, "|") == strings.Join(b.TollFreeNumbers, "|")
}

// Languages without labels are written in en-US and read back as such.
func TestRenderUnknownLanguage(t *testing.T) {
	s := Spec{Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/meet/1?p=2", Lang: "xx-YY"}
	if b, ok := FindText(RenderText(s)); !ok || b.Lang != "en-US" {
		t.Fatalf("found %v lang %q, want en-US", ok, b.Lang)
	}
	if !strings.Contains(RenderText(s), "Click here to join the meeting") {
		t.Fatal("not in English")
	}
	sv := RenderText(Spec{Provider: ProviderSkype, JoinURL: "https://meet.lync.com/a/b/c", Lang: "sv"})
	if !strings.Contains(sv, "Anslut till Skype-mötet") || !strings.Contains(sv, "[!OC([1053])!]") {
		t.Fatalf("sv is not sv-SE:\n%s", sv)
	}
}

func TestRenderEscapesHTML(t *testing.T) {
	s := specs["teams odd link"]
	s.DialInURL = "https://dialin.teams.microsoft.com/<x>?a=1&b=2"
	out := RenderHTML(s)
	for _, want := range []string{`href="https://join.contoso.example/m/42?a=1&amp;b=&#34;2&#34;"`, `href="https://dialin.teams.microsoft.com/&lt;x&gt;?a=1&amp;b=2"`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in:\n%s", want, out)
		}
	}
	if b, ok := FindHTML(out); !ok || b.JoinURL != s.JoinURL || b.DialInURL != s.DialInURL {
		t.Errorf("read back %q %q", b.JoinURL, b.DialInURL)
	}
}

func TestRenderLeavesOutEmptyFields(t *testing.T) {
	out := RenderText(specs["teams bare"])
	for _, absent := range []string{"Or call in", "Conference ID", "Find a local number", "tel:"} {
		if strings.Contains(out, absent) {
			t.Errorf("%q written for a block without dial-in:\n%s", absent, out)
		}
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	for _, s := range specs {
		if RenderText(s) != RenderText(s) || RenderHTML(s) != RenderHTML(s) {
			t.Fatal("rendering differs between calls")
		}
	}
}

// A number given with its label splits where the number's last digit is;
// '/' (German area codes) is part of the number.
func TestSplitNumberLabel(t *testing.T) {
	for in, want := range map[string][2]string{
		"+44 20 3000 0000 London":         {"+44 20 3000 0000", "London"},
		"+1 (425) 555-0100 United States": {"+1 (425) 555-0100", "United States"},
		"+49 89/1234 5678 München":        {"+49 89/1234 5678", "München"},
		"+46 8 505 248 89":                {"+46 8 505 248 89", ""},
		"+1 206 555 0100 Seattle (WA)":    {"+1 206 555 0100", "Seattle (WA)"},
		"call me":                         {"", ""},
	} {
		n, l := SplitNumberLabel(in)
		if n != want[0] || l != want[1] {
			t.Errorf("%q: %q, %q; want %q, %q", in, n, l, want[0], want[1])
		}
	}
}

// IsPhoneNumber accepts what a block's numbers are found as, whole: a
// number given in another form would not be found in the block written,
// and every run would rewrite it again.
func TestIsPhoneNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"+46 8 505 248 89":  true,
		"+1 (425) 555-0100": true,
		"+44.20.3000.0000":  true,
		"+4685052489":       true,
		"4685052489":        false, // no '+'
		"08-505 248 89":     false,
		"+49 89/1234 5678":  false,
		"+12":               false,
		"+46 8 505":         false, // six digits: too few to be read as a number
		"+46 8 505 2":       true,
		"+46 8 505 248 89 ": false, // the label's blank belongs to no number
	} {
		if got := IsPhoneNumber(s); got != want {
			t.Errorf("IsPhoneNumber(%q) = %v, want %v", s, got, want)
		}
	}
}

// A number written with its trunk prefix, "+44 (0)20 3000 0000", is
// dialled without it: the tel: link holds +442030000000.
func TestTrunkPrefixNotDialled(t *testing.T) {
	spec := Spec{Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/x", ConferenceID: "123456789",
		TollNumbers: []string{"+44 (0)20 3000 0000"}}
	text := RenderText(spec)
	if !strings.Contains(text, "tel:+442030000000,,123456789#") || strings.Contains(text, "tel:+4402") {
		t.Errorf("tel: link of a number with its trunk prefix:\n%s", text)
	}
	if b, ok := FindText(text); !ok || len(b.TollNumbers) != 1 || b.TollNumbers[0] != "+44 (0)20 3000 0000" {
		t.Errorf("read back: %+v", b.TollNumbers)
	}
}
