package smtp

import (
	"errors"
	"net"
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	for in, want := range map[string]string{
		"smtp://relay.example.com:587": "relay.example.com:587",
		"smtp://relay.example.com":     "relay.example.com:25",
		"smtp://127.0.0.1:2525/":       "127.0.0.1:2525",
		"smtp://[::1]:25":              "[::1]:25",
	} {
		if got, err := ParseURL(in); err != nil || got != want {
			t.Errorf("ParseURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, hint := range map[string]string{
		"relay.example.com:25":           "smtp://host:port",
		"smtps://relay.example.com":      "implicit TLS (smtps://, port 465) is not spoken; give its submission port, smtp://relay.example.com:587",
		"SMTPS://u:p@relay.example.com":  "smtp://relay.example.com:587",
		"smtp://u:p@relay.example.com":   "MMS_SMTP_PASSWORD",
		"smtp://relay.example.com/x?y=z": "without path",
	} {
		_, err := ParseURL(in)
		if err == nil || !strings.Contains(err.Error(), hint) {
			t.Errorf("ParseURL(%q) = %v, want an error saying %q", in, err, hint)
		}
		if err != nil && strings.Contains(err.Error(), ":p@") {
			t.Errorf("ParseURL error shows the password: %v", err)
		}
	}
}

func TestCredentialsFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	u, p, err := CredentialsFromEnv(env(map[string]string{"MMS_SMTP_USER": "mms", "MMS_SMTP_PASSWORD": "pw"}))
	if u != "mms" || p != "pw" || err != nil {
		t.Errorf("got %q %q %v", u, p, err)
	}
	if u, p, err := CredentialsFromEnv(env(nil)); u != "" || p != "" || err != nil {
		t.Errorf("unset: got %q %q %v", u, p, err)
	}
	if _, _, err := CredentialsFromEnv(env(map[string]string{"MMS_SMTP_USER": "mms"})); err == nil {
		t.Error("user without password accepted")
	}
}

func TestValidate(t *testing.T) {
	for _, o := range []Options{
		{Addr: "relay.example.com"},
		{Addr: ":25"},
		{Addr: "relay:25", Sessions: -1},
		{Addr: "relay:25", User: "mms"},
		{Addr: "relay:25", Hello: "evil\r\nRCPT TO:<x>"},
	} {
		if err := o.Validate(); err == nil {
			t.Errorf("%+v accepted", o)
		}
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
	if err := (Options{Addr: "relay:25"}).Validate(); err != nil {
		t.Error(err)
	}
	o := (Options{Addr: "relay:25"}).withDefaults()
	c, err := trust(o)
	if err != nil || o.Sessions != DefaultSessions || o.Retries != DefaultRetries ||
		c.InsecureSkipVerify || c.ServerName != "relay" || c.RootCAs != nil {
		t.Errorf("defaults %+v, TLS %+v, %v", o, c, err)
	}
}

// The password goes unencrypted only to this machine; the check reads the
// connection's remote address, so it is tested here without dialling out.
func TestNoClearTextPasswordToAnotherMachine(t *testing.T) {
	o := Options{Addr: "relay.example.com:25", User: "mms", Password: "pw"}
	err := authenticate(nil, o, false, &net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 25})
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("err = %v, want ErrAuth explaining STARTTLS is missing", err)
	}
	if !loopback(&net.TCPAddr{IP: net.ParseIP("127.0.0.1")}) || !loopback(&net.TCPAddr{IP: net.IPv6loopback}) {
		t.Error("loopback not recognised")
	}
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]string{0: "1s", 1: "2s", 5: "32s", 6: "1m0s", 70: "1m0s"} {
		if got := backoff(n).String(); got != want {
			t.Errorf("backoff(%d) = %s, want %s", n, got, want)
		}
	}
}
