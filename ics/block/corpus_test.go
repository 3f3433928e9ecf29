package block

import (
	"bytes"
	"fmt"
	"io"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	ical "github.com/emersion/go-ical"
	"github.com/mms-project/mms/internal/corpus"
)

// body is one DESCRIPTION ("text") or X-ALT-DESC ("html") of one VEVENT
// of a corpus file.
type body struct {
	key  string // "<file prefix>#<event>/<kind>"
	kind string
	text string
}

// corpusWant pins what each body of the real corpus holds, reviewed by
// eye. head and tail are the first and last 20 bytes of the span.
type corpusWant struct {
	provider   Provider // "" when no block is found
	join, conf string
	lang       string
	head, tail string
}

var corpusWants = map[string]corpusWant{
	// A Teams link pasted into the text by hand: no block. The HTML body
	// holds an older, complete block of another meeting (a different
	// thread id), which is a block; callers read the text body first.
	"NEGATIVE_outlook16_pasted#0/text": {},
	"NEGATIVE_outlook16_pasted#0/html": {provider: ProviderTeams,
		join: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_ZDljNDcxZjAtY2FkYi00ZTVmLWIzNjktMmVjMzZlYzUxYzJh%40thread.v2/0?context=%7b%22Tid%22%3a%2262f8c8c7-a85b-41d1-ba6b-743495fb8a48%22%2c%22Oid%22%3a%2223d27343-1f69-4338-90ca-b310792a3e5d%22%7d",
		lang: "en-US", head: `<div><p class=MsoNor`, tail: `__</span> </p></div>`},
	// A Teams live event's aka.ms link: no block in either body.
	"NEGATIVE_outlook16_teams_liveevent#0/text": {},
	"NEGATIVE_outlook16_teams_liveevent#0/html": {},
	// Webex, vCalendar 1.0, QUOTED-PRINTABLE, no rules.
	"android_vcal10#0/text": {provider: ProviderWebex,
		join: "https://capcom.webex.com/capcom/j.php?MTID=mc5e81039ce3445b71231fe9c37ab9013",
		head: "Join WebEx meeting<h", tail: " host information.\r\n"},
	// The author stripped the body; the meeting is in its properties only.
	"exchange_imip_teams#0/text": {},
	"google_calendar_meet#0/text": {provider: ProviderGoogleMeet, join: "https://meet.google.com/que-ahrn-wnj",
		head: "-::~:~::~:~:~:~:~:~:", tail: ":~:~:~:~:~:~::~:~::-"},
	"google_meet_block_en_sabre#0/text": {provider: ProviderGoogleMeet, join: "https://meet.google.com/gmg-zwji-oxc",
		head: "-::~:~::~:~:~:~:~:~:", tail: ":~:~:~:~:~:~::~:~::-"},
	// Skype for Business Online, 71 + 66 dots, a dial-in link broken by
	// Outlook's hard wrap ("?id=2944817\n6").
	"outlook16_skype_online_meeting_dialin#0/text": {provider: ProviderSkype, join: "https://meet.lync.com/microsoft/kakeim/VS3M3171",
		conf: "29448176", lang: "en-US", head: "....................", tail: "...................\n"},
	"outlook16_skype_online_meeting_dialin#0/html": {provider: ProviderSkype, join: "https://meet.lync.com/microsoft/kakeim/VS3M3171",
		conf: "29448176", lang: "en-US", head: "<p class=MsoNormal s", tail: ":p></o:p></span></p>"},
	"outlook16_skype_online_meeting_recurring#0/text": {provider: ProviderSkype, join: "https://meet.lync.com/microsoft/jaiello/ZRC25BBR",
		conf: "4334578", lang: "en-US", head: "....................", tail: "...................\n"},
	"outlook16_skype_online_meeting_recurring#0/html": {provider: ProviderSkype, join: "https://meet.lync.com/microsoft/jaiello/ZRC25BBR",
		conf: "4334578", lang: "en-US", head: "<p class=MsoNormal s", tail: ":p></o:p></span></p>"},
	// Teams 2018: "Join Microsoft Teams Meeting", "Conference ID".
	"outlook16_teams_2018#0/text": {provider: ProviderTeams, join: teams2018Join,
		conf: "50343176", lang: "en-US", head: "____________________", tail: "__________________ \n"},
	"outlook16_teams_2018#0/html": {provider: ProviderTeams, join: teams2018Join,
		conf: "50343176", lang: "en-US", head: "<p class=MsoNormal><", tail: ":p></span></p></div>"},
	// Teams 2022 with Safe Links around every helper link.
	"outlook16_teams_2022_safelinks#0/text": {provider: ProviderTeams, join: teams2022Join,
		conf: "285387578", lang: "en-US", head: "____________________", tail: "__________________ \n"},
	"outlook16_teams_2022_safelinks#0/html": {provider: ProviderTeams, join: teams2022Join,
		conf: "285387578", lang: "en-US", head: "<div><br><br><br><di", tail: "______</span>\n</div>"},
	// Teams 2020-22, "Join on your computer or mobile app".
	"outlook16_teams_meeting_dialin_dotnet-wg-maintainers_Meeting_8dd803d#0/text": {provider: ProviderTeams, join: dotnetJoin,
		conf: "580849884", lang: "en-US", head: "____________________", tail: "__________________ \n"},
	"outlook16_teams_meeting_dialin_dotnet-wg-maintainers_Meeting_8dd803d#0/html": {provider: ProviderTeams, join: dotnetJoin,
		conf: "580849884", lang: "en-US", head: `<div><p class="MsoNo`, tail: "o:p></o:p></p></div>"},
	"outlook16_teams_meeting_dialin_dotnet-wg-maintainers_Meeting_94be521#0/text": {provider: ProviderTeams, join: dotnetJoin,
		conf: "580849884", lang: "en-US", head: "____________________", tail: "__________________ \n"},
	"outlook16_teams_meeting_dialin_dotnet-wg-maintainers_Meeting_94be521#0/html": {provider: ProviderTeams, join: dotnetJoin,
		conf: "580849884", lang: "en-US", head: `<div><p class="MsoNo`, tail: "o:p></o:p></p></div>"},
	// Consumer Teams in Vietnamese, between dots.
	"outlookcom_teams_live#0/text": {provider: ProviderTeams, join: "https://teams.live.com/meet/9392947982999?p=qcrvLRJ0ODK2a5uraK",
		lang: "vi-VN", head: "....................", tail: "...................\n"},
}

const (
	teams2018Join = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_OTc2YThjZGQtNWE4Yi00NDQyLTk5NTktYWIwYjdhMGZjNDRl%40thread.v2/0?context=%7b%22Tid%22%3a%2272f988bf-86f1-41af-91ab-2d7cd011db47%22%2c%22Oid%22%3a%222fd83437-7fe6-4ee4-a109-828a19cb7bff%22%7d"
	teams2022Join = "https://teams.microsoft.com/l/meetup-join/19%3a227a226ae75f4ffabc67f77a9d439d15%40thread.tacv2/1663619007963?context=%7b%22Tid%22%3a%2272f988bf-86f1-41af-91ab-2d7cd011db47%22%2c%22Oid%22%3a%2251e61f55-8b80-4e86-b936-84c85cd9db4c%22%7d"
	dotnetJoin    = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_ZGU5NWZjYTItOTFiZi00OWQyLWExYTItMWQ4ZWM0YzhlZTA4%40thread.v2/0?context=%7b%22Tid%22%3a%22f0bdbbf2-cd76-4967-8c4c-50a802746912%22%2c%22Oid%22%3a%2233e33123-f641-455f-8467-58a715c2da80%22%7d"
)

// TestCorpus checks every body of every real file against corpusWants,
// and that a new block spliced into each span is found again in place
// with every byte around it kept.
func TestCorpus(t *testing.T) {
	seen := map[string]bool{}
	for _, path := range corpus.RealFiles(t) {
		for _, b := range corpusBodies(t, path) {
			key, ok := lookupWant(b.key)
			if !ok {
				t.Errorf("%s: no expectation pinned", b.key)
				continue
			}
			seen[key] = true
			want := corpusWants[key]
			t.Run(b.key, func(t *testing.T) { checkCorpusBody(t, b, want) })
		}
	}
	for key := range corpusWants {
		if !seen[key] {
			t.Errorf("%s: pinned, but no such body in the corpus", key)
		}
	}
}

// lookupWant returns the key of corpusWants whose file prefix and body
// match a body's key.
func lookupWant(key string) (string, bool) {
	file, rest, _ := strings.Cut(key, "#")
	for k := range corpusWants {
		prefix, wrest, _ := strings.Cut(k, "#")
		if strings.HasPrefix(file, prefix) && rest == wrest {
			return k, true
		}
	}
	return "", false
}

func checkCorpusBody(t *testing.T, b body, want corpusWant) {
	find, render := FindText, RenderText
	if b.kind == "html" {
		find, render = FindHTML, RenderHTML
	}
	got, ok := find(b.text)
	if ok != (want.provider != "") {
		t.Fatalf("found %v (%s %q), want %q", ok, got.Provider, got.JoinURL, want.provider)
	}
	if !ok {
		return
	}
	span := b.text[got.Start:got.End]
	head, tail := span[:min(20, len(span))], span[max(0, len(span)-20):]
	if got.Provider != want.provider || got.JoinURL != want.join || got.ConferenceID != want.conf || got.Lang != want.lang || head != want.head || tail != want.tail {
		t.Errorf("got  %s join=%q conf=%q lang=%q head=%q tail=%q\nwant %s join=%q conf=%q lang=%q head=%q tail=%q",
			got.Provider, got.JoinURL, got.ConferenceID, got.Lang, head, tail,
			want.provider, want.join, want.conf, want.lang, want.head, want.tail)
	}
	if b.kind == "html" && !balanced(span) {
		t.Errorf("span is not balanced markup: %.200q", span)
	}
	if got.Provider == ProviderTeams || got.Provider == ProviderSkype {
		checkSplice(t, b.text, got, find, render)
	}
}

// checkSplice replaces a block with a new one and finds the new one.
func checkSplice(t *testing.T, text string, old Block, find func(string) (Block, bool), render func(Spec) string) {
	t.Helper()
	s := Spec{Provider: ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NEW%40thread.v2/0", ConferenceID: "123456789",
		TollNumbers: []string{"+46 8 505 248 89"}, DialInURL: "https://dialin.teams.microsoft.com/x?id=123456789", Lang: "sv-SE"}
	block := render(s)
	out := text[:old.Start] + block + text[old.End:]
	got, ok := find(out)
	if !ok || got.Start != old.Start || got.End != old.Start+len(block) || got.JoinURL != s.JoinURL || got.ConferenceID != s.ConferenceID {
		t.Errorf("spliced block found %v at [%d,%d) join %q, want [%d,%d)", ok, got.Start, got.End, got.JoinURL, old.Start, old.Start+len(block))
	}
}

var tagPattern = regexp.MustCompile(`(?s)<!--.*?-->|<(/?)([A-Za-z][A-Za-z0-9:]*)[^>]*?(/?)>`)

// balanced reports whether every element opened in a fragment is closed
// in it and nothing is closed that it did not open (void elements aside).
func balanced(fragment string) bool {
	var stack []string
	for _, m := range tagPattern.FindAllStringSubmatch(fragment, -1) {
		name := strings.ToLower(m[2])
		switch {
		case name == "" || m[3] == "/" || isVoid(name):
		case m[1] == "":
			stack = append(stack, name)
		case len(stack) == 0 || stack[len(stack)-1] != name:
			return false
		default:
			stack = stack[:len(stack)-1]
		}
	}
	return len(stack) == 0
}

// corpusBodies reads the text and HTML bodies of every VEVENT of a file.
// Malformed files that go-ical refuses are read by hand where they are
// the vCalendar 1.0 quoted-printable kind.
func corpusBodies(t *testing.T, path string) []body {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Base(path)
	if bytes.Contains(data, []byte("VERSION:1.0")) {
		return []body{{key: name + "#0/text", kind: "text", text: quotedPrintableDescription(t, data)}}
	}
	cal, err := decode(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var out []body
	n := 0
	for _, ev := range cal.Children {
		if ev.Name != ical.CompEvent {
			continue
		}
		for _, kind := range []struct{ prop, kind string }{{"DESCRIPTION", "text"}, {"X-ALT-DESC", "html"}} {
			if p := ev.Props.Get(kind.prop); p != nil {
				v, err := p.Text()
				if err != nil {
					t.Fatalf("%s: %s: %v", name, kind.prop, err)
				}
				out = append(out, body{key: fmt.Sprintf("%s#%d/%s", name, n, kind.kind), kind: kind.kind, text: v})
			}
		}
		n++
	}
	return out
}

// decode reads a calendar with go-ical, turning its panics into errors.
func decode(data []byte) (cal *ical.Calendar, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("go-ical panicked: %v", r)
		}
	}()
	return ical.NewDecoder(bytes.NewReader(data)).Decode()
}

// quotedPrintableDescription decodes the DESCRIPTION of a vCalendar 1.0
// file, whose quoted-printable lines end in '=' when they go on.
func quotedPrintableDescription(t *testing.T, data []byte) string {
	t.Helper()
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	_, rest, ok := strings.Cut(text, "\nDESCRIPTION;")
	if !ok {
		t.Fatal("no DESCRIPTION")
	}
	_, value, _ := strings.Cut(rest, ":")
	var lines []string
	for _, line := range strings.Split(value, "\n") {
		lines = append(lines, line)
		if !strings.HasSuffix(line, "=") {
			break
		}
	}
	decoded, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(strings.Join(lines, "\n"))))
	if err != nil {
		t.Fatal(err)
	}
	return string(decoded)
}
