package caldav

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseNetrc(t *testing.T) {
	data := "# comment\nmachine cal.example.com login alice password a1\n" +
		"machine other.example.com\n  login bob\n  password b2\n" +
		"macdef init\ncd /\n\ndefault login anon password x\n"
	ms, err := ParseNetrc("netrc", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []Machine{{"cal.example.com", "alice", "a1"}, {"other.example.com", "bob", "b2"}, {"", "anon", "x"}}
	if len(ms) != len(want) {
		t.Fatalf("got %+v, want %+v", ms, want)
	}
	for i := range want {
		if ms[i] != want[i] {
			t.Errorf("entry %d: %+v, want %+v", i, ms[i], want[i])
		}
	}
	for _, bad := range []string{"login alice\n", "machine a\nlogin\n", "machine a frobnicate b\n"} {
		_, err := ParseNetrc("/home/u/.netrc", []byte(bad))
		if err == nil || !strings.Contains(err.Error(), "/home/u/.netrc:") {
			t.Errorf("ParseNetrc(%q) = %v, want an error naming file and line", bad, err)
		}
	}
}

func TestCredentialsFor(t *testing.T) {
	netrc := []Machine{{"cal.example.com", "alice", "a1"}, {"cal.example.com", "bob", "b2"}, {"", "anon", "x"}}
	tests := []struct {
		c               Credentials
		host, user      string
		login, password string
		ok              bool
	}{
		{Credentials{Netrc: netrc}, "cal.example.com:8443", "", "alice", "a1", true},
		{Credentials{Netrc: netrc}, "cal.example.com", "bob", "bob", "b2", true},
		{Credentials{Netrc: netrc}, "elsewhere", "", "anon", "x", true},
		{Credentials{Netrc: netrc[:2]}, "elsewhere", "", "", "", false},
		{Credentials{Netrc: netrc[:2]}, "cal.example.com", "carol", "", "", false},
		{Credentials{User: "svc", Password: "p", Netrc: netrc}, "cal.example.com", "", "svc", "p", true},
		{Credentials{User: "svc", Password: "p", Netrc: netrc}, "cal.example.com", "bob", "bob", "b2", true},
	}
	for _, tt := range tests {
		l, p, ok := tt.c.For(tt.host, tt.user)
		if l != tt.login || p != tt.password || ok != tt.ok {
			t.Errorf("For(%q, %q) = %q %q %v, want %q %q %v", tt.host, tt.user, l, p, ok, tt.login, tt.password, tt.ok)
		}
	}
}

func TestLoadCredentials(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "netrc")
	if err := os.WriteFile(path, []byte("machine h login u password p\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	c, err := LoadCredentials(env(map[string]string{"MMS_CALDAV_USER": "svc", "MMS_CALDAV_PASSWORD": "pw", "NETRC": path}))
	if err != nil || c.User != "svc" || c.Password != "pw" || len(c.Netrc) != 1 {
		t.Errorf("env and netrc: %+v %v", c, err)
	}
	c, err = LoadCredentials(env(map[string]string{"HOME": dir})) // no ~/.netrc there
	if err != nil || c.User != "" || len(c.Netrc) != 0 {
		t.Errorf("nothing configured: %+v %v", c, err)
	}
	if _, err := LoadCredentials(env(map[string]string{"MMS_CALDAV_USER": "svc"})); err == nil {
		t.Error("a user without a password must be refused")
	}
	os.WriteFile(path, []byte("machine h bogus\n"), 0o600)
	if _, err := LoadCredentials(env(map[string]string{"NETRC": path})); err == nil || !strings.Contains(err.Error(), path+":1") {
		t.Errorf("malformed netrc: %v", err)
	}
}
