package smtp

import (
	"strings"
	"testing"
)

// A non-ASCII local part the relay cannot carry is named as the
// organiser's (the sender) or an attendee's, never one for the other.
func TestNoUTF8SaysWhose(t *testing.T) {
	from := noUTF8("jürgen@bücher.de", "organiser").Error()
	to := noUTF8("åsa@fabrikam.se", "attendee").Error()
	if !strings.HasPrefix(from, "not sent from <jürgen@bücher.de>") || !strings.Contains(from, "the organiser's ASCII address") {
		t.Errorf("organiser: %s", from)
	}
	if !strings.HasPrefix(to, "not sent to <åsa@fabrikam.se>") || !strings.Contains(to, "the attendee's ASCII address") {
		t.Errorf("attendee: %s", to)
	}
}
