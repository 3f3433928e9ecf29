package caldav

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// StartExampleServer starts the in-process CalDAV server of the tests with one
// Skype meeting, arranged so that someone else edits it while the first
// PUT is on its way. It returns the server root (with the user name), the
// credentials to use and a function that stops it.
func StartExampleServer() (root string, creds Credentials, stop func()) {
	s := startFakeServer()
	var tb exampleTB
	s.put(tb, workPath+"standup.ics", skypeMeeting("Stand-up"))
	s.inject(&fault{method: "PUT", times: 1, before: func(*http.Request) {
		s.put(tb, workPath+"standup.ics", skypeMeeting("Stand-up (moved to 9:30 by Bob)"))
	}})
	return s.url("/"), Credentials{User: testUser, Password: testPassword}, s.Close
}

func skypeMeeting(summary string) string {
	return strings.Replace(event("standup", summary), "DTEND", "LOCATION:Skype Meeting\r\nDTEND", 1)
}

// exampleTB lets the fixture helpers run outside a test; they never fail
// on the fixed fixtures used here.
type exampleTB struct{ testing.TB }

func (exampleTB) Fatalf(format string, args ...any) { panic("example fixture: " + format) }

// SeenToExpand reports what c learnt of the time-range queries of the
// server of collection u: "expands", "does not expand" or "unknown".
func SeenToExpand(c *Client, u string) string {
	parsed, _ := url.Parse(u)
	switch c.expansion.get(parsed) {
	case expandSeen:
		return "expands"
	case expandNotSeen:
		return "does not expand"
	}
	return "unknown"
}

// TimeRangeOnly makes c's Fetch ask the time-range query of every
// calendar, small ones too, as before fetchListed.
func TimeRangeOnly(c *Client) { c.timeRangeOnly = true }
