package block

import "strings"

// Link kinds, by pattern.
func isTeamsJoin(u string) bool {
	h, l := host(u), strings.ToLower(u)
	return (h == "teams.microsoft.com" || h == "teams.live.com" || strings.HasSuffix(h, ".teams.microsoft.us") || h == "gov.teams.microsoft.us" || h == "dod.teams.microsoft.us") &&
		(strings.Contains(l, "/l/meetup-join/") || strings.Contains(l, "/meet/"))
}

func isTeamsMarker(u string) bool {
	l := strings.ToLower(u)
	return strings.Contains(l, "aka.ms/jointeamsmeeting") || host(u) == "dialin.teams.microsoft.com"
}

// isSkypeJoin matches meet.lync.com/<tenant>/<user>/<key> and on-premises
// meet.<domain>/<user>/<key>.
func isSkypeJoin(u string) bool {
	h := host(u)
	if !strings.HasPrefix(h, "meet.") || h == "meet.google.com" {
		return false
	}
	return len(pathSegments(u)) >= 2
}

func isSkypeMarker(u string) bool {
	h := host(u)
	return h == "dialin.lync.com" || strings.HasPrefix(h, "dialin.") && !strings.Contains(h, "teams")
}

func isZoom(u string) bool {
	h, l := host(u), strings.ToLower(u)
	return (h == "zoom.us" || strings.HasSuffix(h, ".zoom.us")) && (strings.Contains(l, "/j/") || strings.Contains(l, "/my/") || strings.Contains(l, "/w/"))
}

func isWebex(u string) bool {
	h := host(u)
	return h == "webex.com" || strings.HasSuffix(h, ".webex.com")
}

func isGoogleMeet(u string) bool {
	return host(u) == "meet.google.com"
}

// classify names the provider of a region from its links and text.
func classify(links []link, text string) (Provider, string) {
	for _, l := range links {
		if isTeamsJoin(l.url) {
			return ProviderTeams, l.url
		}
	}
	skypeMarked := strings.Contains(text, "[!OC(")
	for _, l := range links {
		if isSkypeJoin(l.url) {
			return ProviderSkype, l.url
		}
	}
	for _, l := range links {
		if isTeamsMarker(l.url) && !skypeMarked {
			return ProviderTeams, firstJoinish(links)
		}
		if isSkypeMarker(l.url) || skypeMarked {
			return ProviderSkype, firstJoinish(links)
		}
	}
	for _, other := range []struct {
		p  Provider
		is func(string) bool
	}{{ProviderGoogleMeet, isGoogleMeet}, {ProviderZoom, isZoom}, {ProviderWebex, isWebex}} {
		for _, l := range links {
			if other.is(l.url) {
				return other.p, l.url
			}
		}
	}
	return "", ""
}

// firstJoinish is the first link that is not a helper link (dial-in, help,
// settings, phone), taken as the join link of a block whose join link has
// no known pattern.
func firstJoinish(links []link) string {
	for _, l := range links {
		low := strings.ToLower(l.url)
		if strings.HasPrefix(low, "tel:") || isTeamsMarker(l.url) || isSkypeMarker(l.url) ||
			strings.Contains(low, "mysettings.lync.com") || strings.Contains(low, "meetingoptions") ||
			strings.Contains(low, "go.microsoft.com") || strings.Contains(low, "microsoft-teams/download") {
			continue
		}
		return l.url
	}
	return ""
}
