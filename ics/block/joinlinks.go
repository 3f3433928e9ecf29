package block

// TextLinks returns the links written in a plain-text body, in order, as
// detection reads them: Safe Links unwrapped, Outlook's hard wrap inside
// "<url>" undone.
func TextLinks(text string) []string { return urls(textLinks(text)) }

// HTMLLinks returns the links of an HTML body, in order: the targets of its
// anchors and the urls written in its text, Safe Links unwrapped.
func HTMLLinks(html string) []string { return urls(htmlLinks(html)) }

func urls(links []link) []string {
	out := make([]string, 0, len(links))
	for _, l := range links {
		if l.url != "" {
			out = append(out, l.url)
		}
	}
	return out
}

// IsJoinLink reports whether u joins a Teams meeting (/l/meetup-join/ or
// /meet/ on a Teams host) or a Skype for Business Online meeting
// (meet.lync.com): a link that names one meeting wherever it is pasted.
func IsJoinLink(u string) bool {
	l := newLink(UnwrapSafeLink(u), 0)
	return isTeamsJoin(l) || isLync(l) && isSkypeJoin(l)
}
