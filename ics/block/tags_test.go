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
