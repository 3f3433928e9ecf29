package caldav

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Credentials say which user name and password to send to a server. They
// come from the environment or a netrc file, never from flags.
type Credentials struct {
	User, Password string    // MMS_CALDAV_USER / MMS_CALDAV_PASSWORD: every host
	Netrc          []Machine // from the netrc file, in file order
	// PlainHTTP (MMS_CALDAV_INSECURE=1) lets them go over plain http to
	// a host that is not this machine.
	PlainHTTP bool
}

// Machine is one netrc entry; Name "" is the `default` entry.
type Machine struct {
	Name, Login, Password string
}

// LoadCredentials reads MMS_CALDAV_USER and MMS_CALDAV_PASSWORD through
// getenv (pass os.Getenv) and the netrc file named by $NETRC, else
// $HOME/.netrc. A missing netrc file is no error; an unreadable or
// malformed one is, naming the file and line.
func LoadCredentials(getenv func(string) string) (Credentials, error) {
	c := Credentials{User: getenv("MMS_CALDAV_USER"), Password: getenv("MMS_CALDAV_PASSWORD"), PlainHTTP: getenv("MMS_CALDAV_INSECURE") == "1"}
	if (c.User == "") != (c.Password == "") {
		return Credentials{}, errors.New("caldav: set both MMS_CALDAV_USER and MMS_CALDAV_PASSWORD, or neither (and use a netrc file)")
	}
	path := getenv("NETRC")
	if path == "" {
		home := getenv("HOME")
		if home == "" {
			return c, nil
		}
		path = filepath.Join(home, ".netrc")
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return Credentials{}, fmt.Errorf("caldav: netrc: %w", err)
	}
	c.Netrc, err = ParseNetrc(path, data)
	return c, err
}

// For returns the login for host (host or host:port). A URL that names a
// user (http://alice@host/) asks for that user's netrc entry or the
// environment's user; otherwise the environment's user wins, then the
// netrc entry for the host, then the netrc default. ok is false when
// nothing applies and the request goes without credentials.
func (c Credentials) For(host, user string) (login, password string, ok bool) {
	name := hostname(host)
	if user != "" {
		if c.User == user {
			return c.User, c.Password, true
		}
		for _, m := range c.Netrc {
			if (m.Name == name || m.Name == host || m.Name == "") && m.Login == user {
				return m.Login, m.Password, true
			}
		}
		return "", "", false
	}
	if c.User != "" {
		return c.User, c.Password, true
	}
	for _, want := range []string{host, name, ""} {
		for _, m := range c.Netrc {
			if m.Name == want {
				return m.Login, m.Password, true
			}
		}
	}
	return "", "", false
}

func hostname(host string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		return strings.Trim(host[:i], "[]")
	}
	return strings.Trim(host, "[]")
}

// ParseNetrc reads netrc entries (machine, default, login, password;
// account and macdef are skipped). name is used in errors.
func ParseNetrc(name string, data []byte) ([]Machine, error) {
	var (
		out  []Machine
		line int
	)
	cur := func() *Machine { return &out[len(out)-1] }
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line++
		text := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(text), "#") {
			continue
		}
		fields := strings.Fields(text)
		for i := 0; i < len(fields); i++ {
			tok := fields[i]
			if tok == "default" {
				out = append(out, Machine{})
				continue
			}
			if tok == "macdef" {
				for sc.Scan() && strings.TrimSpace(sc.Text()) != "" {
					line++
				}
				line++
				break
			}
			if i+1 >= len(fields) {
				return nil, fmt.Errorf("%s:%d: %q needs a value", name, line, tok)
			}
			val := fields[i+1]
			i++
			switch tok {
			case "machine":
				out = append(out, Machine{Name: val})
			case "login", "password", "account":
				if len(out) == 0 {
					return nil, fmt.Errorf("%s:%d: %q before any machine or default entry", name, line, tok)
				}
				if tok == "login" {
					cur().Login = val
				} else if tok == "password" {
					cur().Password = val
				}
			default:
				return nil, fmt.Errorf("%s:%d: unknown netrc token %q (expected machine, default, login, password, account or macdef)", name, line, tok)
			}
		}
	}
	return out, sc.Err()
}
