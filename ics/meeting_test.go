package ics

import "testing"

func TestQuotedPrintable(t *testing.T) {
	for head, want := range map[string]bool{
		"DESCRIPTION;ENCODING=QUOTED-PRINTABLE":               true,
		"DESCRIPTION;CHARSET=UTF-8;encoding=Quoted-Printable": true,
		"X-ENCODING=QUOTED-PRINTABLE-ISH":                     true, // as strings.Contains(strings.ToUpper(head), ...) says
		"SUMMARY;CN=Åsa;ENCODıNG=QUOTED-PRINTABLE":            true, // dotless ı upper-cases to I
		"DESCRIPTION;ENCODING=BASE64":                         false,
		"DESCRIPTION;ENCODING=QUOTED":                         false,
		"DESCRIPTION":                                         false,
		"=QUOTED-PRINTABLE":                                   false,
	} {
		if got := quotedPrintable(head); got != want {
			t.Errorf("quotedPrintable(%q) = %v, want %v", head, got, want)
		}
	}
}
