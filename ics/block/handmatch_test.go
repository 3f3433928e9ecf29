package block

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The matchers written by hand find what the regular expressions they
// replaced found.
var (
	teamsConfLabelRE = regexp.MustCompile(`(?i)\bID[ \t]*:[ \t]*(\d[\d \t]*\d)[ \t]*#`)
	skypeConfLabelRE = regexp.MustCompile(`(?i)\bID[ \t]*:[ \t]*(\d[\d \t]*\d)`)
	phoneNumberRE    = regexp.MustCompile(`\+\d[\d \-().]{5,}\d`)
	angleBracketedRE = regexp.MustCompile(`<[^<>]*>`)
	bcp47RE          = regexp.MustCompile(`^([A-Za-z]{2,3})-([A-Za-z]{2})$`)
	telConferenceRE  = regexp.MustCompile(`,+(\d+)#`)
)

var handMatchSeeds = []string{
	"Conference ID: 503 431 76#",
	"Conference ID: 503 431 76 #\nx",
	"Conference id:50343176",
	"Conference ID: 5#",
	"Conference ID: 5 6#",
	"AID: 123 456#\nID: 9 9#",
	"Valid ID : \t 12 34\t#",
	"İD: 12#", "ıd: 12#", "éID: 12#", "_ID: 12#",
	"ID:",
	"id",
	"+1 425-555-0100,,123456#   United States, Seattle (Toll)",
	"<tel:+14255550100,,123#> +1 425-555-0100 (Toll-free)",
	"<a <b> c> d <e",
	"<<>>",
	"+12345 6",
	"+1234567",
	"++1 (425) 555.0100)",
	"en-US", "EN-us", "eng-GB", "e-US", "en-USA", "en_US", "én-US", "",
	"tel:+14255550100,,123456#", "tel:+1,2,,34#", ",#,,#,1,#", "+1,,12,,34#", ",,,", ",9", "1#", ",١#,5#",
}

func TestHandMatchersAgreeWithTheRegexps(t *testing.T) {
	for _, s := range handMatchSeeds {
		checkHandMatchers(t, s)
	}
}

func FuzzHandMatchers(f *testing.F) {
	for _, s := range handMatchSeeds {
		f.Add(s)
	}
	f.Fuzz(checkHandMatchers)
}

func checkHandMatchers(t *testing.T, s string) {
	for hash, re := range map[bool]*regexp.Regexp{true: teamsConfLabelRE, false: skypeConfLabelRE} {
		var want string
		if m := re.FindStringSubmatch(s); m != nil {
			want = digits(m[1])
		}
		if got := labelledConferenceID(s, hash); got != want {
			t.Errorf("labelledConferenceID(%q, %v) = %q, the regexp found %q", s, hash, got, want)
		}
	}
	if got, want := phoneNumberAt(s), phoneNumberRE.FindStringIndex(s); !slices.Equal(got, want) {
		t.Errorf("phoneNumberAt(%q) = %v, the regexp found %v", s, got, want)
	}
	if got, want := withoutTags(s), angleBracketedRE.ReplaceAllString(s, " "); got != want {
		t.Errorf("withoutTags(%q) = %q, the regexp gave %q", s, got, want)
	}
	var tel string
	if m := telConferenceRE.FindStringSubmatch(s); m != nil {
		tel = m[1]
	}
	if got := telConference(s); got != tel {
		t.Errorf("telConference(%q) = %q, the regexp found %q", s, got, tel)
	}
	var want string
	if m := bcp47RE.FindStringSubmatch(s); m != nil {
		want = strings.ToLower(m[1]) + "-" + strings.ToUpper(m[2])
	}
	if got := bcp47(s); got != want {
		t.Errorf("bcp47(%q) = %q, the regexp gave %q", s, got, want)
	}
}
