package input

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mms-project/mms/ics/block"
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

// Kinds lists every change kind, in the order the contract gives them; a
// copy, which the caller may change.
func Kinds() []string { return slices.Clone(kinds) }

var kinds = []string{MovedToOnline, LicenseAssigned, LicenseRemoved, DialinEnabled, DialinDisabled,
	ConferenceIDChanged, ConferenceIDReset, BridgeChanged, BridgeNumberUnassigned,
	SIPAddressChanged, TenantMeetingURLChanged, MovedToOnprem}

// Block kinds a change can ask for.
const (
	Teams = "teams"
	Skype = "skype"
)

// Change is one accepted row of the changes file.
type Change struct {
	File            string // the changes file, as given
	Line            int
	User            string // the user's primary address, even when the row names an alias
	Kind            string // one of Kinds
	Target          string // "", "teams" or "skype"
	JoinURL         string // may hold "{meeting}"
	ConferenceID    string // digits only
	TollNumbers     []string
	TollFreeNumbers []string
	DialInURL       string
	At              time.Time // zero when absent
}

// Where names the row: "changes.csv:7" (just "line 7" without a file).
func (c Change) Where() string {
	if c.File == "" {
		return fmt.Sprintf("line %d", c.Line)
	}
	return fmt.Sprintf("%s:%d", c.File, c.Line)
}

var changesSchema = schema{
	required: []string{"user", "change"},
	optional: []string{"target", "join_url", "conference_id", "toll_number", "toll_free_number", "dialin_url", "at"},
}

// ReadChanges reads the changes file against the accepted users. A row may
// name a user by one of its aliases; the change is filed under the primary
// address. Change kinds and targets are case-insensitive, and "_" or " "
// in a kind reads as "-". A conference ID may hold spaces and a closing
// "#"; only its digits are kept.
//
// rejected are the users file's row errors, when the caller has them: a
// change to a user whose row was rejected is then not reported as naming
// an unknown user (that user fails already), and is left out.
//
// A row naming no known user is reported with an empty RowError.User;
// any other bad row names its user, so the caller can fail just that user.
func ReadChanges(path string, users []User, rejected ...RowError) ([]Change, []RowError, error) {
	book := addresses(users, rejected)
	var changes []Change
	var errs []RowError
	var unowned unownedCap
	err := eachRow(path, changesSchema, func(r row) error { // a row at a time: a file of many rows keeps only what they say
		c, rowErrs := parseChange(path, r, book)
		for _, e := range rowErrs {
			errs = unowned.add(errs, e)
		}
		if len(rowErrs) == 0 && c.User != "" {
			changes = append(changes, c)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return changes, unowned.end(path, errs), nil
}

// addressBook resolves the user cell of a change or meeting row.
type addressBook struct {
	primary map[string]string // every address of the users (primary or alias) to the primary one
	failed  map[string]bool   // the users whose users-file row was rejected
	// contested are the aliases of a user that are also listed, rejected,
	// as users of their own, each to the alias's owner: a row naming one
	// may be meant for either, so it fails the owner, saying why.
	contested map[string]string
}

// addresses makes the address book of the users and the users file's
// rejected rows.
func addresses(users []User, rejected []RowError) addressBook {
	b := addressBook{primary: map[string]string{}, failed: map[string]bool{}, contested: map[string]string{}}
	for _, u := range users {
		b.primary[u.Email] = u.Email
		for _, a := range u.Aliases {
			b.primary[a] = u.Email
		}
	}
	for _, e := range rejected {
		switch owner := b.primary[e.User]; {
		case e.User == "" || owner == e.User:
		case owner != "":
			b.contested[e.User] = owner
		default:
			b.failed[e.User] = true
		}
	}
	return b
}

// parseChange checks every cell of a row. c.User is empty when the row's
// user failed in the users file.
func parseChange(file string, r row, book addressBook) (Change, []RowError) {
	re := newRowErrors(file, r, changesSchema.columns())
	c := Change{File: file, Line: r.line}
	user := rowUser(&re, "change", r.get("user"), book)
	if book.primary[user] != "" {
		c.User = book.primary[user]
	}
	c.Kind = kind(r.get("change"))
	switch {
	case c.Kind == "":
		re.add("change", "empty; use one of: %s", strings.Join(kinds, ", "))
	case !slices.Contains(kinds, c.Kind):
		re.add("change", "%q is not a change kind%s; use one of: %s", r.get("change"), didYouMean(c.Kind, kinds), strings.Join(kinds, ", "))
	}
	c.Target = strings.ToLower(r.get("target"))
	if c.Target != "" && c.Target != Teams && c.Target != Skype {
		re.add("target", "%q is not a target; use teams, skype, or leave it empty to keep each meeting's kind", r.get("target"))
	}
	c.JoinURL = webURL(&re, "join_url", r.get("join_url"))
	c.DialInURL = webURL(&re, "dialin_url", r.get("dialin_url"))
	c.ConferenceID = conferenceID(&re, r.get("conference_id"))
	c.TollNumbers = phoneNumbers(&re, "toll_number", r.get("toll_number"))
	c.TollFreeNumbers = phoneNumbers(&re, "toll_free_number", r.get("toll_free_number"))
	c.At = at(&re, r.get("at"))
	return c, re.owned(user)
}

// rowUser returns the address the user cell of a change or meeting row
// (what) names when it is a known or a failed user, the owner of a
// contested alias (having reported why: the row fails the owner), and ""
// (having reported why) otherwise.
func rowUser(re *rowErrors, what, v string, book addressBook) string {
	email, ok := address(v)
	switch {
	case v == "":
		re.add("user", "empty; give a user of the users file")
	case !ok:
		re.add("user", "%q is not an e-mail address like anna@contoso.com%s", v, aloneHint(v))
		if a, shown := displayed(v); shown && (book.primary[a] != "" || book.failed[a]) {
			return cmp.Or(book.primary[a], a) // the row fails that user, not no one
		}
	case book.contested[email] != "":
		owner := book.contested[email]
		re.add("user", "%s is an alias of %s and also listed as a user of its own (rejected): which one this %s is for is not clear; list the address once in the users file", email, owner, what)
		return owner
	case book.primary[email] != "":
		return book.primary[email]
	case book.failed[email]:
		return email
	default:
		re.add("user", "%s is not in the users file; every %s must name a listed user or one of its aliases", email, what)
	}
	return ""
}

// didYouMean names the word of words closest to v, when a typo or two
// away: " (did you mean moved-to-online?)"; "" otherwise.
func didYouMean(v string, words []string) string {
	best := Closest(v, words)
	if best == "" {
		return ""
	}
	return " (did you mean " + best + "?)"
}

// Closest is the word of words closest to v when a typo or two away (an
// edit distance of at most 2), else "".
func Closest(v string, words []string) string {
	best, dist := "", 3
	for _, w := range words {
		if d := editDistance(v, w); d < dist {
			best, dist = w, d
		}
	}
	return best
}

// kind folds "Moved_To_Online" and "moved to online" to "moved-to-online".
func kind(v string) string {
	return strings.NewReplacer("_", "-", " ", "-").Replace(strings.ToLower(v))
}

func webURL(re *rowErrors, col, v string) string {
	if v == "" {
		return ""
	}
	bare := strings.ReplaceAll(v, "{meeting}", "x")
	u, err := url.Parse(bare)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		example := "https://teams.microsoft.com/l/meetup-join/{meeting}"
		if col == "dialin_url" {
			example = "https://dialin.teams.microsoft.com/contoso?id=580849884"
		}
		re.add(col, "%q is not an http(s) URL like %s", v, example)
		return ""
	}
	if col == "dialin_url" && (strings.Contains(v, "{meeting}") || block.IsJoinLink(bare)) {
		re.add(col, "%q is a meeting's join link, not a dial-in page (\"find a local number\") like https://dialin.teams.microsoft.com/contoso?id=580849884; is it in the wrong column?", v)
		return ""
	}
	if i := strings.IndexFunc(bare, notInURL); i >= 0 {
		r, _ := utf8.DecodeRuneInString(bare[i:])
		re.add(col, "%q holds %q, which a URL writes escaped (a block's text ends a link at it, or it shows as nothing); escape it, as %s", v, string(r), url.QueryEscape(string(r)))
		return ""
	}
	return v
}

// notInURL: a character RFC 3986 leaves out of URLs, which a block's
// text writes around its links (<...>) or would break them at.
func notInURL(r rune) bool {
	return r <= ' ' || r == 0x7f || strings.ContainsRune(`<>"{}|\^`+"`", r) ||
		unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) // a no-break space, a zero-width space, a soft hyphen
}

func conferenceID(re *rowErrors, v string) string {
	if v == "" {
		return ""
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, v)
	if !block.IsConferenceID(digits) || strings.Trim(v, "0123456789 #") != "" {
		re.add("conference_id", "%q is not a conference ID; use 2 digits or more (spaces allowed)", v)
		return ""
	}
	return digits
}

// phoneNumbers reads a cell of numbers separated by ';', each in
// international form and optionally followed by its label. A number of
// digits alone gets its '+' back (a spreadsheet cell typed +46850524889
// holds the number 46850524889).
func phoneNumbers(re *rowErrors, col, v string) []string {
	var out []string
	for _, n := range splitList(v) {
		number, label := block.SplitNumberLabel(n)
		if len(number) >= 7 && strings.Trim(number, "0123456789") == "" && number[0] != '0' { // 08... is national: no '+' to give back
			n, number = "+"+n, "+"+number
		}
		if block.IsPhoneNumber(number) && holdsNumber(label) {
			re.add(col, "%q holds a second number after the first (%q); separate numbers with ';'", n, label)
			continue
		}
		if l := strings.TrimLeft(label, ", "); l != label { // "+44 20 7946 0000, London": the comma is no part of the label
			label, n = l, strings.TrimSpace(number+" "+l)
		}
		if !block.IsPhoneNumber(number) || !numberLabel(label) {
			re.add(col, "%q is not a phone number in international form like +46 8 505 248 89 (digits, spaces, '-', '.', '(' and ')' after the '+'), "+
				"with or without a label after it (+44 20 3000 0000 London); separate numbers with ';'", n)
			continue
		}
		out = append(out, n)
	}
	return out
}

// holdsNumber tells a label that holds a run of 7 digits or more, with
// the blanks and dashes numbers are written with: another number.
func holdsNumber(label string) bool {
	run := 0
	for _, r := range label {
		switch {
		case r >= '0' && r <= '9':
			if run++; run >= 7 {
				return true
			}
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '/':
		default:
			run = 0
		}
	}
	return false
}

// numberLabel accepts the label written after a number: up to 100 bytes
// of printable text without the angle brackets that delimit a block's
// links.
func numberLabel(label string) bool {
	if len(label) > 100 || strings.ContainsAny(label, "<>") {
		return false
	}
	for _, r := range label {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func at(re *rowErrors, v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, err := ParseTime(v)
	if err != nil {
		hint := ""
		if strings.Trim(v, "0123456789.") == "" {
			hint = " (a spreadsheet date? type it as text, with its offset)"
		}
		re.add("at", "%q %s%s", v, err, hint)
		return time.Time{}
	}
	return t
}

// ParseTime reads an RFC 3339 time as a command line or a changes file
// gives it: 2026-01-15T09:00:00Z, with an offset, a space for the T, or a
// date alone (midnight UTC). Its error says what would be accepted, and
// that a time without a zone needs one.
func ParseTime(v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, v)
	// A space for the T, minutes without seconds, a full-date.
	for _, layout := range []string{"2006-01-02 15:04:05Z07:00", "2006-01-02T15:04Z07:00", "2006-01-02 15:04Z07:00", time.DateOnly} {
		if err != nil {
			t, err = time.Parse(layout, v)
		}
	}
	if err == nil {
		return t, nil
	}
	for _, local := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"} {
		if _, e := time.Parse(local, v); e == nil {
			return time.Time{}, fmt.Errorf("has no time zone: add Z (UTC) or an offset, like 2026-01-15T09:00:00Z or 2026-01-15T10:00:00+01:00")
		}
	}
	return time.Time{}, fmt.Errorf("is not an RFC 3339 time like 2026-01-15T09:00:00Z, 2026-01-15T10:00:00+01:00 or 2026-01-15 (midnight UTC)")
}
