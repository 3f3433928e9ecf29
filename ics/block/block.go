// Package block finds the online-meeting block in a meeting's plain-text or
// HTML body and renders a new one.
//
// Detection anchors on what does not change with the language: rule lines
// (underscores, dots, Google's "-::~:~::~:", Zoom's "──────────"), link
// patterns (meet.lync.com, /l/meetup-join/, teams.microsoft.com/meet/,
// teams.live.com/meet/, dialin.lync.com, dialin.teams.microsoft.com,
// aka.ms/JoinTeamsMeeting) and the [!OC([n])!] marker, never on English
// words. A Teams or Skype block is the text between two rules of the same
// kind that holds such a link; in HTML it may also be the element around
// its join link that Teams marks as its block, or that holds every dial-in,
// help and options link of the body. A join link pasted without them is
// not a block. Zoom, Webex and Google Meet invitations are found with or
// without rules, so that they can be named and left alone.
//
// Spans cover whole lines in plain text and whole elements in HTML, so a
// caller can splice a new block in and keep every byte outside it.
package block

// Provider names an online-meeting service.
type Provider string

// The providers a block can belong to.
const (
	ProviderTeams       Provider = "teams"
	ProviderSkype       Provider = "skype"
	ProviderZoom        Provider = "zoom"
	ProviderWebex       Provider = "webex"
	ProviderGoogleMeet  Provider = "google-meet"
	ProviderGoTo        Provider = "gotomeeting"
	ProviderBlueJeans   Provider = "bluejeans"
	ProviderChime       Provider = "chime"
	ProviderRingCentral Provider = "ringcentral"
	ProviderJitsi       Provider = "jitsi"
)

// Block is an online-meeting block found in a body. Start and End are byte
// offsets into the searched text: text[Start:End] is the whole block, rule
// lines included.
type Block struct {
	Provider        Provider
	Start, End      int
	JoinURL         string // Safe Links unwrapped
	MeetingID       string // Teams thread id or numeric id; Skype conference key; Zoom or Meet id
	MeetingNumber   string // the "Meeting ID" a Teams block shows, white space collapsed: "244 929 170 838"
	Passcode        string // the passcode on the line after the Meeting ID
	SkypeUser       string // user part of a Skype join link, as written
	ConferenceID    string // digits only
	TollNumbers     []string
	TollFreeNumbers []string
	DialInURL       string
	LCID            string // as written: "1033" or "041d"
	Lang            string // BCP 47, "" when unknown
	// NumberLabels are the regions a Skype block writes after its numbers
	// ("+46 8 123 456 78 (Stockholm)" gives "Stockholm"), by number: the
	// labels a block made anew of another kind keeps.
	NumberLabels map[string]string
}

// Spec is what a new block says.
type Spec struct {
	Provider        Provider // ProviderTeams or ProviderSkype
	JoinURL         string
	MeetingNumber   string // a Teams meeting's Meeting ID, written as given; left out of Skype blocks
	Passcode        string // written only with a MeetingNumber
	ConferenceID    string
	TollNumbers     []string
	TollFreeNumbers []string
	DialInURL       string
	Lang            string // labels; unknown languages fall back to en-US

	// NewDialIn: the old block's dial-in part goes whole and this one's is
	// written instead, not its values replaced one by one (a third-party
	// provider's numbers and participant code, replaced by Microsoft's).
	NewDialIn bool

	// NumberLabels are the labels of numbers a change gives with them
	// ("Sweden, Stockholm"); a number without one is labelled "(Toll)" or
	// "(Toll-free)" in the block's language.
	NumberLabels map[string]string
}

// TollLabel returns the label a toll number n gets in a block of spec s.
func (s Spec) TollLabel(n string) string {
	if l := s.NumberLabels[n]; l != "" {
		return l
	}
	l, _ := labelsFor(s.Lang)
	return l.toll
}

// TollFreeLabel returns the label a toll-free number n gets.
func (s Spec) TollFreeLabel(n string) string {
	if l := s.NumberLabels[n]; l != "" {
		return l
	}
	l, _ := labelsFor(s.Lang)
	return l.tollFree
}

// FindText finds the block in a plain-text body (an unescaped DESCRIPTION).
//
// The span starts at the beginning of the opening rule's line and ends after
// the line break that ends the closing rule's line (white space before the
// break included), so RenderText's output, which ends with a line break,
// can replace it line for line.
func FindText(text string) (Block, bool) {
	return findText(nil, text, true)
}

// SpanText finds the block FindText finds but reads only its Provider and
// span: what a caller that already knows the block's fields needs to
// splice a new block in.
func SpanText(text string) (Block, bool) {
	return findText(nil, text, false)
}

func findText(c linkCache, text string, full bool) (Block, bool) {
	v := plainView(c, text)
	b, r, ok := find(v, full)
	if !ok {
		return Block{}, false
	}
	b.Start, b.End = lineStart(text, r.start), lineEnd(text, r.end)
	return b, true
}

// FindHTML finds the block in an HTML body (an unescaped X-ALT-DESC).
//
// The span covers whole elements: from the start tag of the element that
// holds the opening rule to the end tag of the element that holds the
// closing rule, taken at the level where both are siblings, so removing it
// leaves the markup balanced. Where that element also holds text outside
// the block, the span narrows to keep the text and may then cut through an
// element.
//
// A Teams or Skype block written without rules (Teams' HTML since 2023) is
// found from its join link: the element around it that carries the class
// Teams gives its block (me-email-text, me-email-container), else the
// smallest element that holds the join link and every dial-in, help and
// options link of the body. The span is that element, start tag to end
// tag.
func FindHTML(html string) (Block, bool) {
	return findHTML(nil, html, true)
}

// SpanHTML finds the block FindHTML finds but reads only its Provider and
// span.
func SpanHTML(html string) (Block, bool) {
	return findHTML(nil, html, false)
}

func findHTML(c linkCache, html string, full bool) (Block, bool) {
	v := htmlView(c, html)
	b, r, ok := findRuled(v, full)
	if !ok {
		if b, start, end, ok := findAnchored(v, full); ok {
			b.Start, b.End = start, end
			return b, true
		}
		b, r, ok = findOther(v, full)
	}
	if !ok {
		return Block{}, false
	}
	b.Start, b.End = elementSpan(html, v.src(r.start), v.srcEnd(r.end))
	return b, true
}

// lineStart moves i back to the start of its line when only blanks precede
// it there.
func lineStart(text string, i int) int {
	j := i
	for j > 0 && (text[j-1] == ' ' || text[j-1] == '\t') {
		j--
	}
	if j == 0 || text[j-1] == '\n' {
		return j
	}
	return i
}

// lineEnd moves i past the blanks and the line break that follow it, when
// nothing else is left on its line.
func lineEnd(text string, i int) int {
	j := i
	for j < len(text) && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r') {
		j++
	}
	switch {
	case j == len(text):
		return j
	case text[j] == '\n':
		return j + 1
	}
	return i
}
