package store

import (
	"bytes"
	"strings"
	"testing"
)

func TestPackOriginal(t *testing.T) {
	ev := []byte("BEGIN:VEVENT\r\nUID:m1\r\n" + strings.Repeat("ATTENDEE;CN=Guest;RSVP=TRUE:mailto:guest@fabrikam.com\r\n", 200) + "END:VEVENT\r\n")
	packed := packOriginal(ev)
	if packed[0] != packedDeflate || len(packed) > len(ev)/4 {
		t.Errorf("packed %d bytes into %d (marker %#x)", len(ev), len(packed), packed[0])
	}
	for _, c := range []struct {
		name     string
		in, want []byte
	}{
		{"packed", packed, ev},
		{"raw, as schema 3 kept it", ev, ev},
		{"empty", []byte{}, []byte{}},
		{"nil", nil, nil},
	} {
		got, err := unpackOriginal(c.in)
		if err != nil || !bytes.Equal(got, c.want) {
			t.Errorf("%s: %d bytes, %v", c.name, len(got), err)
		}
	}
	if packOriginal(nil) != nil {
		t.Error("no original packed into one")
	}
	if _, err := unpackOriginal(packed[:len(packed)/2]); err == nil {
		t.Error("a truncated original inflated without error")
	}
}
