package batch

import (
	"strings"
	"testing"
)

// The smtps:// hint reaches the commands (a review: it lived in
// smtp.ParseURL, which validateSend called only for "smtp://"), and a
// --send carrying a password is never said with it.
func TestValidateSendSmtpsAndPasswords(t *testing.T) {
	for in, want := range map[string]string{
		"smtps://relay.example.com":     "smtp://relay.example.com:587",
		"smtps://relay.example.com:465": "smtp://relay.example.com:587",
	} {
		if err := validateSend(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--send %s: %v, want the hint %s", in, err, want)
		}
	}
	for _, in := range []string{"smtp://u:s3cret@relay.example.com", "SMTPS://u:s3cret@relay.example.com:465", "smtps://u:s3cret@relay.example.com"} {
		if err := validateSend(in); err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("--send %s: %v: the password is said", in, err)
		}
	}
}
