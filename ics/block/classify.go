package block

import "strings"

// teamsHosts serve Teams join links, commercial, government and consumer.
var teamsHosts = map[string]bool{
	"teams.microsoft.com": true, "teams.live.com": true, "teams.cloud.microsoft": true,
	"teams.microsoft.us": true, "gov.teams.microsoft.us": true, "dod.teams.microsoft.us": true,
}

// isTeamsJoin matches a Teams meeting link: /l/meetup-join/<thread> or
// /meet/<id>. A live event's link (IsBroadcastMeeting=true) is not one.
func isTeamsJoin(u string) bool {
	if !teamsHosts[host(u)] || strings.EqualFold(query(u, "IsBroadcastMeeting"), "true") {
		return false
	}
	segs := pathSegments(u)
	return len(segs) >= 2 && (segs[0] == "meet" || len(segs) >= 3 && segs[0] == "l" && strings.EqualFold(segs[1], "meetup-join"))
}

// isTeamsMarker matches the helper links only Teams blocks carry.
func isTeamsMarker(u string) bool {
	h := host(u)
	return h == "dialin.teams.microsoft.com" ||
		h == "aka.ms" && hasPrefixFold(strings.TrimPrefix(pathOf(u), "/"), "JoinTeamsMeeting") ||
		teamsHosts[h] && hasPrefixFold(pathOf(u), "/meetingOptions")
}

// isSkypeJoin matches meet.lync.com/<tenant>/<user>/<key>, on-premises
// meet.<domain>/<user>/<key> and <pool>/meet/<user>/<key>.
func isSkypeJoin(u string) bool {
	h, segs := host(u), pathSegments(u)
	if strings.HasPrefix(h, "meet.") && h != "meet.google.com" {
		return len(segs) >= 2
	}
	return !teamsHosts[h] && len(segs) >= 3 && strings.EqualFold(segs[0], "meet")
}

// isLync tells Skype for Business Online's own hosts, which need no
// further sign that a block is Skype's.
func isLync(u string) bool {
	h := host(u)
	return h == "lync.com" || strings.HasSuffix(h, ".lync.com")
}

// isSkypeMarker matches the dial-in pages of Skype blocks, online and
// on-premises.
func isSkypeMarker(u string) bool {
	h := host(u)
	return strings.HasPrefix(h, "dialin.") && h != "dialin.teams.microsoft.com"
}

func isZoom(u string) bool {
	h, segs := host(u), pathSegments(u)
	zoomHost := h == "zoom.us" || strings.HasSuffix(h, ".zoom.us") || h == "zoomgov.com" || strings.HasSuffix(h, ".zoomgov.com")
	return zoomHost && len(segs) >= 2 && (segs[0] == "j" || segs[0] == "my" || segs[0] == "w" || segs[0] == "s")
}

func isWebex(u string) bool {
	h := host(u)
	return h == "webex.com" || strings.HasSuffix(h, ".webex.com")
}

func isGoogleMeet(u string) bool {
	return host(u) == "meet.google.com" && len(pathSegments(u)) >= 1
}

// classify names the provider of a region between rules from its links,
// and picks its join link.
func classify(links []link, text string) (Provider, string) {
	skypeMarked := strings.Contains(text, "[!OC(") || hasLink(links, isSkypeMarker)
	if u := firstLink(links, isTeamsJoin); u != "" {
		return ProviderTeams, u
	}
	if u := firstLink(links, isSkypeJoin); u != "" && (isLync(u) || skypeMarked) {
		return ProviderSkype, u
	}
	switch {
	case hasLink(links, isTeamsMarker):
		return ProviderTeams, firstLink(links, isJoinish)
	case skypeMarked:
		return ProviderSkype, firstLink(links, isJoinish)
	}
	return classifyOther(links)
}

// classifyOther names a Zoom, Webex or Google Meet link, the first of
// them in the body.
func classifyOther(links []link) (Provider, string) {
	for _, l := range links {
		switch {
		case isGoogleMeet(l.url):
			return ProviderGoogleMeet, l.url
		case isZoom(l.url):
			return ProviderZoom, l.url
		case isWebex(l.url):
			return ProviderWebex, l.url
		}
	}
	return "", ""
}

func firstLink(links []link, is func(string) bool) string {
	for _, l := range links {
		if is(l.url) {
			return l.url
		}
	}
	return ""
}

func hasLink(links []link, is func(string) bool) bool {
	return firstLink(links, is) != ""
}

// isJoinish tells a link that may be the join link of a block whose join
// link has no known pattern: a web link that is none of the helper links
// (dial-in, PIN, help, options, downloads).
func isJoinish(u string) bool {
	h := host(u)
	if !hasPrefixFold(u, "http") || isTeamsMarker(u) || isSkypeMarker(u) {
		return false
	}
	switch {
	case h == "aka.ms", h == "go.microsoft.com", h == "mysettings.lync.com", strings.HasSuffix(h, "microsoft.com") && !teamsHosts[h]:
		return false
	}
	return true
}

func pathOf(u string) string {
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		return ""
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[i:]
	}
	return ""
}
