// Package block finds the online-meeting block in a meeting's plain-text or
// HTML body and renders a new one.
//
// Detection anchors on what does not change with the language: rule lines
// (underscores, dots, Google's "-::~:~::~:"), link patterns (meet.lync.com,
// /l/meetup-join/, teams.microsoft.com/meet/, teams.live.com/meet/,
// dialin.lync.com, dialin.teams.microsoft.com, aka.ms/JoinTeamsMeeting) and
// the [!OC([n])!] marker, never on English words. A Teams or Skype block is
// the text between two rules that holds such a link; a join link pasted
// without rules is not a block.
package block

import "strings"

// Provider names an online-meeting service.
type Provider string

const (
	ProviderTeams      Provider = "teams"
	ProviderSkype      Provider = "skype"
	ProviderZoom       Provider = "zoom"
	ProviderWebex      Provider = "webex"
	ProviderGoogleMeet Provider = "google-meet"
)

// Block is an online-meeting block found in a body. Start and End are byte
// offsets into the searched text: text[Start:End] is the whole block, rule
// lines included.
type Block struct {
	Provider        Provider
	Start, End      int
	JoinURL         string // Safe Links unwrapped
	MeetingID       string // Teams thread id or numeric id; Skype conference key
	SkypeUser       string // user part of a Skype join link
	ConferenceID    string // digits only
	TollNumbers     []string
	TollFreeNumbers []string
	DialInURL       string
	LCID            string // as written: "1033" or "041d"
	Lang            string // BCP 47, "" when unknown
}

// Spec is what a new block says.
type Spec struct {
	Provider        Provider // ProviderTeams or ProviderSkype
	JoinURL         string
	ConferenceID    string
	TollNumbers     []string
	TollFreeNumbers []string
	DialInURL       string
	Lang            string // labels; unknown languages fall back to en-US
}

// FindText finds the block in a plain-text body (an unescaped DESCRIPTION).
// The span ends after the line break that ends the closing rule.
func FindText(text string) (Block, bool) {
	b, ok := find(plainView(text))
	if ok && b.Start < b.End {
		switch {
		case strings.HasPrefix(text[b.End:], "\r\n"):
			b.End += 2
		case strings.HasPrefix(text[b.End:], "\n"):
			b.End++
		}
	}
	return b, ok
}

// FindHTML finds the block in an HTML body (an unescaped X-ALT-DESC). The
// span covers whole elements, from the element holding the first rule to
// the end of the element holding the last.
func FindHTML(html string) (Block, bool) {
	b, ok := find(htmlView(html))
	if ok && b.Start < b.End {
		b.Start, b.End = elementStart(html, b.Start), elementEnd(html, b.End)
	}
	return b, ok
}
