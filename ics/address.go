package ics

import (
	"net/url"
	"slices"
	"strings"
	"unicode"
)

// Address returns the e-mail address of a CAL-ADDRESS value as mms
// compares them: lower case, without "mailto:".
func Address(value string) string { return address(value) }

// address returns the e-mail address of a CAL-ADDRESS value: lower case,
// without "mailto:" (see mailAddress).
func address(value string) string { return strings.ToLower(mailAddress(value)) }

// mailAddress returns the e-mail address of a CAL-ADDRESS value as it is
// written, without "mailto:", the percent-escapes of a mailto: URI decoded
// (RFC 6068: "mailto:bob%2Btag@fabrikam.com" is bob+tag@fabrikam.com)
// unless they make a control character: the case of its local part is the
// mailbox's own (RFC 5321, 2.4). A plain address (an EMAIL parameter's) is
// taken as it is.
func mailAddress(value string) string {
	v := strings.TrimSpace(value)
	if len(v) < 7 || !strings.EqualFold(v[:7], "mailto:") {
		return v
	}
	v = v[7:]
	if strings.IndexByte(v, '%') >= 0 {
		if d, err := url.PathUnescape(v); err == nil && !strings.ContainsFunc(d, unicode.IsControl) {
			v = d
		}
	}
	return strings.TrimSpace(v)
}

// UserAddress returns the e-mail address of a calendar user property
// (ORGANIZER, ATTENDEE) as mms compares and mails them; see userAddress.
func UserAddress(p Property) string { return userAddress(p) }

// userAddress returns the e-mail address of a calendar user property:
// the one its EMAIL parameter gives (RFC 7986, section 6.2: the address
// to mail the user at; Apple's exports name users by urn:uuid:, a server's
// principal path or an iMIP relay address, with the user's own address
// there), else its mailto: value.
func userAddress(p Property) string { return strings.ToLower(userMailAddress(p)) }

// userMailAddress is userAddress as written, to mail it (see mailAddress).
func userMailAddress(p Property) string {
	if mayHaveParam(p.head, "EMAIL") {
		if e := mailAddress(p.Param("EMAIL")); isMailAddress(e) {
			return e
		}
	}
	return mailAddress(p.Value)
}

// isMailAddress reports whether a value without "mailto:" reads as a mail
// address rather than another kind of URI.
func isMailAddress(a string) bool {
	at := strings.IndexByte(a, '@')
	return at > 0 && !strings.Contains(a[:at], ":") && !strings.Contains(a, "/")
}

// localPart returns what stands before the '@'.
func localPart(addr string) string {
	if i := strings.IndexByte(addr, '@'); i >= 0 {
		return addr[:i]
	}
	return addr
}

// isOrganizer reports whether the ORGANIZER of a component is one of addrs.
func isOrganizer(comp *Component, addrs []string) bool {
	p, ok := comp.Prop("ORGANIZER")
	if !ok {
		return false
	}
	org, email := address(p.Value), ""
	if mayHaveParam(p.head, "EMAIL") { // Apple's ORGANIZER;EMAIL=anna@contoso.com:mailto:2_...@imip.me.com
		email = address(p.Param("EMAIL"))
	}
	for _, a := range addrs {
		if a := address(a); a == org || a == email && email != "" {
			return true
		}
	}
	return false
}

// people returns the distinct attendee addresses of the components, the
// organiser excluded, and the organiser's address.
func people(comps []*Component) (attendees []string, organizer string) {
	n := 0
	for _, comp := range comps {
		if p, ok := comp.Prop("ORGANIZER"); ok && organizer == "" {
			organizer = userAddress(p)
		}
		for _, p := range comp.Props {
			if p.Name == "ATTENDEE" {
				n++
			}
		}
	}
	if n == 0 {
		return nil, organizer
	}
	attendees = make([]string, 0, n)
	for _, comp := range comps {
		for _, p := range comp.Props {
			if p.Name != "ATTENDEE" {
				continue
			}
			if a := userAddress(p); a != "" && a != organizer {
				attendees = append(attendees, a)
			}
		}
	}
	attendees = firstOfEach(attendees)
	if len(attendees) == 0 {
		return nil, organizer
	}
	return attendees, organizer
}

// Organizer returns the organiser's address of the components (the first
// ORGANIZER), lower case, without "mailto:" (see userAddress); "" when none
// names one.
func Organizer(comps []*Component) string {
	for _, comp := range comps {
		if p, ok := comp.Prop("ORGANIZER"); ok {
			return userAddress(p)
		}
	}
	return ""
}

// Recipients returns the distinct attendee addresses of the components an
// update carries, the organiser excluded: an attendee of an instance the
// update leaves out (a past one) is not told of it. An attendee marked
// SCHEDULE-AGENT=NONE gets no scheduling messages (RFC 6638) and is left
// out too.
func Recipients(comps []*Component) []string {
	var out []string
	organizer := Organizer(comps)
	for _, comp := range comps {
		for _, p := range comp.Props {
			if p.Name != "ATTENDEE" || mayHaveParam(p.head, "SCHEDULE-AGENT") && strings.EqualFold(p.Param("SCHEDULE-AGENT"), "NONE") {
				continue
			}
			if a := userMailAddress(p); a != "" && !strings.EqualFold(a, organizer) {
				out = append(out, a)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return firstOfEachFold(out)
}

// firstOfEachFold is firstOfEach of addresses told apart in any case: the
// first spelling of each is kept.
func firstOfEachFold(list []string) []string {
	seen := make(map[string]bool, len(list))
	return slices.DeleteFunc(list, func(a string) bool {
		k := strings.ToLower(a)
		dup := seen[k]
		seen[k] = true
		return dup
	})
}

// firstOfEach drops the repetitions of a list, keeping the first of each in
// place. Lists without repetitions, the usual case, are checked on a
// sorted copy instead of a set.
func firstOfEach(list []string) []string {
	sorted := slices.Clone(list)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) == len(list) {
		return list
	}
	seen := make(map[string]bool, len(list))
	return slices.DeleteFunc(list, func(a string) bool {
		dup := seen[a]
		seen[a] = true
		return dup
	})
}
