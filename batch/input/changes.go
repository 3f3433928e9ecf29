package input

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Change kinds.
const (
	MovedToOnline           = "moved-to-online"
	MovedToOnprem           = "moved-to-onprem"
	LicenseAssigned         = "license-assigned"
	LicenseRemoved          = "license-removed"
	DialinEnabled           = "dialin-enabled"
	DialinDisabled          = "dialin-disabled"
	ConferenceIDChanged     = "conference-id-changed"
	ConferenceIDReset       = "conference-id-reset"
	BridgeChanged           = "bridge-changed"
	BridgeNumberUnassigned  = "bridge-number-unassigned"
	SIPAddressChanged       = "sip-address-changed"
	TenantMeetingURLChanged = "tenant-meeting-url-changed"
)

// Kinds lists every change kind, in the order the contract gives them.
var Kinds = []string{MovedToOnline, LicenseAssigned, LicenseRemoved, DialinEnabled, DialinDisabled,
	ConferenceIDChanged, ConferenceIDReset, BridgeChanged, BridgeNumberUnassigned,
	SIPAddressChanged, TenantMeetingURLChanged, MovedToOnprem}

// Change is one row of the changes file.
type Change struct {
	Line            int
	User            string // the user's primary address
	Kind            string
	Target          string // "", "teams" or "skype"
	JoinURL         string
	ConferenceID    string // digits
	TollNumbers     []string
	TollFreeNumbers []string
	DialInURL       string
	At              time.Time
}

const changesColumns = "user, change[, target, join_url, conference_id, toll_number, toll_free_number, dialin_url, at]"

var phoneChars = regexp.MustCompile(`^\+?[0-9][0-9 ()./-]{3,}$`)

// ReadChanges reads the changes file. A change may name a user by an alias;
// it is filed under the user's primary address.
func ReadChanges(path string, users []User) ([]Change, []RowError, error) {
	t, err := readTable(path)
	if err != nil {
		return nil, nil, err
	}
	if err := t.require(changesColumns, "user", "change"); err != nil {
		return nil, nil, err
	}
	primary := map[string]string{}
	for _, u := range users {
		primary[u.Email] = u.Email
		for _, a := range u.Aliases {
			primary[a] = u.Email
		}
	}
	var changes []Change
	var errs []RowError
	for _, r := range t.rows {
		c, rerr := parseChange(t.file, r, primary)
		if rerr != nil {
			errs = append(errs, *rerr)
			continue
		}
		changes = append(changes, c)
	}
	return changes, errs, nil
}

func parseChange(file string, r row, primary map[string]string) (Change, *RowError) {
	c := Change{Line: r.line}
	bad := func(col, format string, args ...any) *RowError {
		return &RowError{File: file, Line: r.line, Column: col, User: c.User, Msg: fmt.Sprintf(format, args...)}
	}
	email, ok := address(r.get("user"))
	if !ok {
		return c, bad("user", "%q is not an e-mail address like anna@contoso.com", r.get("user"))
	}
	if c.User, ok = primary[email]; !ok {
		return c, bad("user", "%s is not in the users file; every change must name a listed user", email)
	}
	c.Kind = strings.ToLower(r.get("change"))
	if !slices.Contains(Kinds, c.Kind) {
		return c, bad("change", "%q is not a change kind; use one of: %s", r.get("change"), strings.Join(Kinds, ", "))
	}
	c.Target = strings.ToLower(r.get("target"))
	if c.Target != "" && c.Target != "teams" && c.Target != "skype" {
		return c, bad("target", "%q is not a target; use teams, skype, or leave it empty to keep each meeting's kind", r.get("target"))
	}
	for _, f := range []struct {
		col string
		dst *string
	}{{"join_url", &c.JoinURL}, {"dialin_url", &c.DialInURL}} {
		if v := r.get(f.col); v != "" {
			if u, err := url.Parse(strings.ReplaceAll(v, "{meeting}", "x")); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return c, bad(f.col, "%q is not an http(s) URL", v)
			}
			*f.dst = v
		}
	}
	if v := r.get("conference_id"); v != "" {
		if strings.Trim(v, "0123456789 #") != "" {
			return c, bad("conference_id", "%q is not a conference ID; use digits (spaces allowed)", v)
		}
		c.ConferenceID = strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, v)
	}
	for _, f := range []struct {
		col string
		dst *[]string
	}{{"toll_number", &c.TollNumbers}, {"toll_free_number", &c.TollFreeNumbers}} {
		for _, n := range splitList(r.get(f.col)) {
			if !phoneChars.MatchString(n) {
				return c, bad(f.col, "%q is not a phone number like +46 8 505 248 89; separate numbers with ';'", n)
			}
			*f.dst = append(*f.dst, n)
		}
	}
	if v := r.get("at"); v != "" {
		at, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return c, bad("at", "%q is not an RFC 3339 time like 2026-01-15T09:00:00Z", v)
		}
		c.At = at
	}
	return c, nil
}
