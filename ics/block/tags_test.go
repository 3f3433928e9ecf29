package block

import (
	"strings"
	"testing"
)

// Exchange's RTF-to-HTML converter writes tag names in upper case; a raw
// text element (<HEAD>, <TITLE>, <STYLE>) ends at its end tag in any case,
// not at the end of the document.
func TestUpperCaseRawTextTags(t *testing.T) {
	const head = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2//EN\">\n<HTML>\n<HEAD>\n" +
		"<META NAME=\"Generator\" CONTENT=\"MS Exchange Server version 16.0\">\n<TITLE></TITLE>\n<STYLE>p {margin:0}</Style>\n</HEAD>\n<BODY>\n<!-- Converted from text/rtf format -->\n"
	n := 0
	for _, c := range findCases {
		if !c.html {
			continue
		}
		n++
		body := head + c.block + "\n</BODY>\n</HTML>"
		got, ok := FindHTML(body)
		if !ok {
			t.Errorf("%s: no block found behind an upper-case <HEAD>", c.name)
			continue
		}
		if got.JoinURL != c.want.JoinURL || !strings.Contains(body[got.Start:got.End], c.want.JoinURL[:20]) {
			t.Errorf("%s: found %q at [%d,%d)", c.name, got.JoinURL, got.Start, got.End)
		}
	}
	if n == 0 {
		t.Fatal("no HTML cases")
	}
	if end := skipPastEndTag("<head>x</HeAd>y", 6, "head"); end != len("<head>x</HeAd") {
		t.Errorf("skipPastEndTag = %d", end)
	}
}

// LowerSameLength keeps every byte where it was: İ, the Kelvin sign and
// bytes that are not UTF-8 stay, other letters are lowered, so an offset
// found in the result is an offset in the input (not so with
// strings.ToLower, whose İ is three bytes and whose Kelvin sign is one).
func TestLowerSameLength(t *testing.T) {
	for in, want := range map[string]string{
		"<A HREF=x>":        "<a href=x>",
		"İstanbul <DIV>":    "İstanbul <div>",
		"\u212a <P>":        "\u212a <p>",
		"bad \xff <TR>":     "bad \xff <tr>",
		"ÅSA Öberg <SPAN>":  "åsa öberg <span>",
		"already lower <a>": "already lower <a>",
	} {
		got := LowerSameLength(in)
		if got != want || len(got) != len(in) {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
