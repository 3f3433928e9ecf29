package migrate

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// The calendar part's base64 has lines of 76 characters at most, CRLF
// between them and none after the last, and decodes to the calendar.
func TestBase64Lines(t *testing.T) {
	for _, n := range []int{0, 1, 56, 57, 58, 114, 1000} {
		src := bytes.Repeat([]byte("BEGIN:VEVENT\r\n"), 100)[:n]
		got := string(base64Lines(nil, src))
		lines := strings.Split(got, "\r\n")
		for i, l := range lines {
			if len(l) > 76 || (i < len(lines)-1 && len(l) != 76) {
				t.Fatalf("%d bytes: line %d is %d characters", n, i+1, len(l))
			}
		}
		dec, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(got, "\r\n", ""))
		if err != nil || !bytes.Equal(dec, src) {
			t.Errorf("%d bytes: decodes to %d bytes, %v", n, len(dec), err)
		}
	}
}
