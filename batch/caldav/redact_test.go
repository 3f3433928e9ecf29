package caldav

import (
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"https://alice:s3cret@cal.example.com/alice/work/", "https://alice@cal.example.com/alice/work/"},
		{"https://alice:@cal.example.com/", "https://alice@cal.example.com/"},
		{"http://alice%40example.com:p%2Fw@127.0.0.1:5232/alice/", "http://alice%40example.com@127.0.0.1:5232/alice/"},
		{"https://alice@cal.example.com/alice/", "https://alice@cal.example.com/alice/"},
		{"https://cal.example.com:8443/SOGo/dav/alice@example.com/Calendar/", "https://cal.example.com:8443/SOGo/dav/alice@example.com/Calendar/"},
		{"https://cal.example.com/", "https://cal.example.com/"},
		{"calendars/alice.ics", "calendars/alice.ics"},
		{"", ""},
		{"https://alice:s3cret%zz@cal.example.com/alice/", "https://cal.example.com/alice/"}, // does not parse
		{"https://alice:s3cret@cal.example.com/%zz", "https://cal.example.com/%zz"},          // does not parse
		{"https://alice:s3/cret!@cal.example.com/alice/", "https://cal.example.com/alice/"},  // a '/' in the password: does not parse (a review)
		{"https://alice:s3/cret@cal.example.com/alice@example.com/", "https://example.com/"}, // and an '@' in the path: all up to it goes
	} {
		got := RedactURL(c.in)
		if got != c.want {
			t.Errorf("RedactURL(%q) = %q, want %q", c.in, got, c.want)
		}
		if strings.Contains(got, "s3cret") || strings.Contains(got, "p%2Fw") {
			t.Errorf("RedactURL(%q) = %q keeps the password", c.in, got)
		}
	}
}
