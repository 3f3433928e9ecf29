package smtp

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// ErrMalformed marks an address that no relay could deliver to.
var ErrMalformed = errors.New("malformed mail address")

// Address returns addr as it goes into the envelope and the To: header:
// without a "mailto:" prefix (percent-decoded) and surrounding space, the
// domain in its IDNA ASCII form (exämple.se -> xn--exmple-cua.se,
// lower case), the local part as given. A local part that is not ASCII
// stays so: it needs a relay that offers SMTPUTF8 (see Sender.Send). The
// error, ErrMalformed, names the address and what is wrong with it.
func Address(addr string) (string, error) {
	s := strings.TrimSpace(addr)
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return "", malformed(addr, "no @")
	}
	local, domain := s[:at], s[at+1:]
	if why := badLocal(local); why != "" {
		return "", malformed(addr, why)
	}
	ascii, why := asciiDomain(domain)
	if why != "" {
		return "", malformed(addr, why)
	}
	return local + "@" + ascii, nil
}

func malformed(addr, why string) error {
	return fmt.Errorf("%w %q: %s", ErrMalformed, addr, why)
}

// badLocal says what is wrong with a local part (dot-atom, RFC 5321
// section 4.1.2, with UTF-8 as RFC 6531 allows); "" when nothing is.
func badLocal(local string) string {
	switch {
	case local == "":
		return "nothing before the @"
	case len(local) > 64:
		return "more than 64 bytes before the @"
	case !utf8.ValidString(local):
		return "invalid UTF-8 before the @"
	case local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, ".."):
		return "a dot at the start or end, or two dots in a row, before the @"
	}
	for _, r := range local {
		if r <= ' ' || r == 0x7f || unicode.IsControl(r) || unicode.IsSpace(r) || strings.ContainsRune(`"(),:;<>@[\]`, r) {
			return fmt.Sprintf("%q is not allowed before the @", r)
		}
	}
	return ""
}

// asciiDomain is the domain's IDNA ASCII form, or what is wrong with it.
func asciiDomain(domain string) (string, string) {
	if domain == "" {
		return "", "nothing after the @"
	}
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") && ascii(domain) && !strings.ContainsAny(domain, " \\") {
		return domain, "" // an address literal, [192.0.2.1]
	}
	a, err := idna.Lookup.ToASCII(domain)
	if err != nil {
		return "", fmt.Sprintf("the domain %q is not a valid host name (%v)", domain, err)
	}
	if len(a) > 253 || strings.HasSuffix(a, ".") {
		return "", fmt.Sprintf("the domain %q is not a valid host name", domain)
	}
	return a, ""
}

// Recipients are the attendees an update goes to, and those it cannot.
type Recipients struct {
	To        []string  // normalised by Address, each once, in attendee order
	Malformed []Invalid // attendees no relay could deliver to
}

// Invalid is an attendee address that cannot be sent to, and why.
type Invalid struct {
	Address string // as the calendar gave it
	Err     error  // ErrMalformed, naming the address and the fault
}

// SplitRecipients sorts the attendees of a meeting for its update: the
// organiser, under its own address or any of its aliases, gets none;
// repeated attendees get one; malformed addresses are returned for the
// meeting's Detail rather than dropped unseen. Addresses are compared as
// Address leaves them, without regard to case.
func SplitRecipients(organizer string, aliases, attendees []string) Recipients {
	self := make(map[string]bool, 1+len(aliases))
	for _, a := range append([]string{organizer}, aliases...) {
		if n, err := Address(a); err == nil {
			self[strings.ToLower(n)] = true
		}
	}
	var rs Recipients
	seen := make(map[string]bool, len(attendees))
	for _, a := range attendees {
		n, err := Address(a)
		if err != nil {
			rs.Malformed = append(rs.Malformed, Invalid{Address: a, Err: err})
			continue
		}
		k := strings.ToLower(n)
		if self[k] || seen[k] {
			continue
		}
		seen[k] = true
		rs.To = append(rs.To, n)
	}
	return rs
}

// envelope is addr with its domain in IDNA ASCII form when that can be
// had; otherwise addr unchanged, for the relay to judge.
func envelope(addr string) string {
	if ascii(addr) {
		return addr
	}
	if n, err := Address(addr); err == nil {
		return n
	}
	return addr
}

// localASCII reports whether the part of addr before its last @ is ASCII.
func localASCII(addr string) bool {
	at := strings.LastIndexByte(addr, '@')
	return ascii(addr[:max(at, 0)])
}
