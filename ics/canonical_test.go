package ics

import "testing"

var canonicalSeeds = []string{
	"https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjA1ZWQ4%40thread.v2/0?context=%7b%22Tid%22%3a%2272f988bf%22%2c%22Oid%22%3a%22a1b2%22%7d",
	"HTTPS://Teams.Microsoft.com/l/meetup-join/19%3Ameeting_NjA1ZWQ4%40thread.v2/0/?context=%7B%7D",
	"https://meet.lync.com/contoso/jdoe/K7PQ2X9R",
	"https://dialin.teams.microsoft.com/8a7b6c5d-1234?id=555666777",
	"https://teams.live.com/meet/9385561212345",
	"http://host",
	"https://host?a+b=c%20d",
	"https://host/a+b/c%2Fd/%7e",
	"https://host/%zz",
	"https://host/a?%zz",
	"https://host/a#frag",
	"https://user@host/a",
	"https://host:8443/a",
	"https://host/a b",
	"https://host/a\\b",
	"https://[::1]/a",
	"https:///a",
	"https://host/a%2",
	"mailto:someone@contoso.com",
	"https://host/ünï",
}

// TestPlainCanonicalLinkTakesBlockLinks: the links blocks hold take the
// fast path, and whatever takes it reads as url.Parse reads it.
func TestPlainCanonicalLinkTakesBlockLinks(t *testing.T) {
	for _, s := range canonicalSeeds[:8] {
		got, ok := plainCanonicalLink(s)
		if !ok {
			t.Errorf("%q: not taken by the fast path", s)
			continue
		}
		if want := parsedCanonicalLink(s); got != want {
			t.Errorf("%q: %q, url.Parse gives %q", s, got, want)
		}
	}
	for _, s := range canonicalSeeds[8:] {
		if got, ok := plainCanonicalLink(s); ok && got != parsedCanonicalLink(s) {
			t.Errorf("%q: %q, url.Parse gives %q", s, got, parsedCanonicalLink(s))
		}
	}
}

func FuzzPlainCanonicalLink(f *testing.F) {
	for _, s := range canonicalSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, ok := plainCanonicalLink(s); ok {
			if want := parsedCanonicalLink(s); got != want {
				t.Fatalf("%q: %q, url.Parse gives %q", s, got, want)
			}
		}
	})
}
