package block

import "strings"

// teamsHosts serve Teams join links, commercial, government and consumer.
var teamsHosts = map[string]bool{
	"teams.microsoft.com": true, "teams.live.com": true, "teams.cloud.microsoft": true,
	"teams.microsoft.us": true, "gov.teams.microsoft.us": true, "dod.teams.microsoft.us": true,
}

// isTeamsJoin matches a Teams meeting link: /l/meetup-join/<thread> or
// /meet/<id>. A live event's link (IsBroadcastMeeting=true) is not one.
func isTeamsJoin(u link) bool {
	if !teamsHosts[u.host] || strings.EqualFold(u.param("IsBroadcastMeeting"), "true") {
		return false
	}
	segs := u.segs
	return len(segs) >= 2 && (segs[0] == "meet" || len(segs) >= 3 && segs[0] == "l" && strings.EqualFold(segs[1], "meetup-join"))
}

// isTeamsMarker matches the helper links only Teams blocks carry.
func isTeamsMarker(u link) bool {
	h := u.host
	return h == "dialin.teams.microsoft.com" ||
		h == "aka.ms" && hasPrefixFold(strings.TrimPrefix(pathOf(u.url), "/"), "JoinTeamsMeeting") ||
		teamsHosts[h] && hasPrefixFold(pathOf(u.url), "/meetingOptions")
}

// isSkypeJoin matches meet.lync.com/<tenant>/<user>/<key>, on-premises
// meet.<domain>/<user>/<key> and <pool>/meet/<user>/<key>.
func isSkypeJoin(u link) bool {
	h, segs := u.host, u.segs
	if strings.HasPrefix(h, "meet.") && h != "meet.google.com" {
		return len(segs) >= 2
	}
	return !teamsHosts[h] && len(segs) >= 3 && strings.EqualFold(segs[0], "meet")
}

// isLync tells Skype for Business Online's own hosts, which need no
// further sign that a block is Skype's.
func isLync(u link) bool {
	h := u.host
	return h == "lync.com" || strings.HasSuffix(h, ".lync.com")
}

// isSkypeMarker matches the dial-in pages of Skype blocks, online and
// on-premises.
func isSkypeMarker(u link) bool {
	h := u.host
	return strings.HasPrefix(h, "dialin.") && h != "dialin.teams.microsoft.com"
}

func isZoom(u link) bool {
	h, segs := u.host, u.segs
	zoomHost := h == "zoom.us" || strings.HasSuffix(h, ".zoom.us") || h == "zoomgov.com" || strings.HasSuffix(h, ".zoomgov.com")
	return zoomHost && len(segs) >= 2 && (segs[0] == "j" || segs[0] == "my" || segs[0] == "w" || segs[0] == "s")
}

func isWebex(u link) bool {
	h := u.host
	return h == "webex.com" || strings.HasSuffix(h, ".webex.com")
}

func isGoogleMeet(u link) bool {
	return u.host == "meet.google.com" && len(u.segs) >= 1
}

// classify names the provider of a region between rules from its links,
// and picks its join link.
func classify(links []link, text string) (Provider, link) {
	skypeMarked := strings.Contains(text, "[!OC(") || hasLink(links, isSkypeMarker)
	if u, ok := firstLink(links, isTeamsJoin); ok {
		return ProviderTeams, u
	}
	if u, ok := firstLink(links, isSkypeJoin); ok && (isLync(u) || skypeMarked) {
		return ProviderSkype, u
	}
	switch {
	case hasLink(links, isTeamsMarker):
		u, _ := firstLink(links, isJoinish)
		return ProviderTeams, u
	case skypeMarked:
		u, _ := firstLink(links, isJoinish)
		return ProviderSkype, u
	}
	return classifyOther(links)
}

// classifyOther names the first link of another service in the body:
// Zoom, Webex, Google Meet, GoTo Meeting, BlueJeans, Amazon Chime,
// RingCentral or Jitsi.
func classifyOther(links []link) (Provider, link) {
	for _, l := range links {
		switch {
		case isGoogleMeet(l):
			return ProviderGoogleMeet, l
		case isZoom(l):
			return ProviderZoom, l
		case isWebex(l):
			return ProviderWebex, l
		}
		if p := otherHosts[l.host]; p != "" && len(l.segs) >= 1 {
			return p, l
		}
	}
	return "", link{parts: &parts{}}
}

// otherHosts are the hosts of the join links of services whose links have
// no other mark: a link to one with a path is that service's meeting.
var otherHosts = map[string]Provider{
	"global.gotomeeting.com": ProviderGoTo, "www.gotomeeting.com": ProviderGoTo, "gotomeeting.com": ProviderGoTo,
	"app.gotomeeting.com": ProviderGoTo, "meet.goto.com": ProviderGoTo, "gotomeet.me": ProviderGoTo,
	"bluejeans.com": ProviderBlueJeans, "www.bluejeans.com": ProviderBlueJeans,
	"chime.aws": ProviderChime, "app.chime.aws": ProviderChime,
	"meetings.ringcentral.com": ProviderRingCentral, "v.ringcentral.com": ProviderRingCentral, "video.ringcentral.com": ProviderRingCentral,
	"meet.jit.si": ProviderJitsi,
}

// firstLink returns the first link that is, if any. A link with an empty
// url counts as none.
func firstLink(links []link, is func(link) bool) (link, bool) {
	for _, l := range links {
		if is(l) {
			return l, l.url != ""
		}
	}
	return link{parts: &parts{}}, false
}

func hasLink(links []link, is func(link) bool) bool {
	_, ok := firstLink(links, is)
	return ok
}

// isJoinish tells a link that may be the join link of a block whose join
// link has no known pattern: a web link that is none of the helper links
// (dial-in, PIN, help, options, downloads).
func isJoinish(u link) bool {
	h := u.host
	if !hasPrefixFold(u.url, "http") || isTeamsMarker(u) || isSkypeMarker(u) {
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

// SkypeKey is the conference key a Skype block whose join link is rawURL
// is read with (its MeetingID: the link's last path segment), whatever
// the link's host; "" when the link has no path.
func SkypeKey(rawURL string) string {
	return meetingID(ProviderSkype, newLink(rawURL, 0), "")
}

// JoinProvider tells which service a join link belongs to: Teams or Skype
// for Business; false for any other link.
func JoinProvider(rawURL string) (Provider, bool) {
	u := newLink(rawURL, 0)
	switch {
	case isTeamsJoin(u):
		return ProviderTeams, true
	case isSkypeJoin(u):
		return ProviderSkype, true
	}
	return "", false
}

// IsAppLink tells the links of Teams' 2022 "Download Teams | Join on the
// web" line, which the dial-in part follows.
func IsAppLink(u string) bool {
	u = strings.ToLower(u)
	return strings.Contains(u, "microsoft.com/") && !strings.Contains(u, "?vtc") &&
		(strings.Contains(u, "/microsoft-teams/download-app") || strings.Contains(u, "/microsoft-teams/join-a-meeting"))
}
