package input

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
)

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// calendarDir holds anna.ics, a folder and a non-ics file.
func calendarDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, "anna.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
	write(t, dir, "anna.pst", "x")
	if err := os.Mkdir(filepath.Join(dir, "cals"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func errorStrings(errs []RowError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func TestReadUsers(t *testing.T) {
	dir := calendarDir(t)
	path := write(t, dir, "users.csv", "\uFEFF User ,CALENDAR,Notes,Mailbox,Audio Provider,aliases\n"+
		"Anna@Contoso.com,anna.ics,first,,,a.berg@contoso.com; ANNA@fabrikam.com;anna@contoso.com;SIP:jaiello@contoso.com\n"+
		"\n"+
		",,,,,\n"+
		"mailto:bo@contoso.com,https://dav.contoso.com/calendars/bo/,,ONLINE,InterCall,\n"+
		"cy@contoso.com,"+filepath.Join(dir, "anna.ics")+",,onprem,microsoft,\n")
	users, errs, err := ReadUsers(path)
	if err != nil || len(errs) > 0 {
		t.Fatalf("err %v, row errors %v", err, errs)
	}
	want := []User{
		{Line: 2, Email: "anna@contoso.com", Mailbox: "online", Calendar: filepath.Join(dir, "anna.ics"), AudioProvider: "microsoft", Aliases: []string{"a.berg@contoso.com", "anna@fabrikam.com", "jaiello@contoso.com"}}, // a SIP address as written in Skype's admin center
		{Line: 5, Email: "bo@contoso.com", Mailbox: "online", Calendar: "https://dav.contoso.com/calendars/bo/", AudioProvider: "intercall"},
		{Line: 6, Email: "cy@contoso.com", Mailbox: "onprem", Calendar: filepath.Join(dir, "anna.ics"), AudioProvider: "microsoft"},
	}
	if len(users) != len(want) {
		t.Fatalf("users = %+v", users)
	}
	for i := range want {
		if g, w := users[i], want[i]; g.Line != w.Line || g.Email != w.Email || g.Mailbox != w.Mailbox || g.Calendar != w.Calendar ||
			g.AudioProvider != w.AudioProvider || !slices.Equal(g.Aliases, w.Aliases) {
			t.Errorf("user %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	if users[0].IsACP() || !users[1].IsACP() {
		t.Error("IsACP: only a provider other than microsoft is an ACP")
	}
}

// Each case is the one data row of a users file (header
// user,calendar,mailbox,aliases), on line 2.
func TestUserRowErrors(t *testing.T) {
	dir := calendarDir(t)
	path := filepath.Join(dir, "users.csv")
	cases := []struct {
		name, row string
		user      string // RowError.User
		want      []string
	}{
		{"bad address", "bad-address,anna.ics,,", "",
			[]string{`column "user": "bad-address" is not an e-mail address like anna@contoso.com`}},
		{"display name: the row fails that user", "Anna <Anna@contoso.com>,anna.ics,,", "anna@contoso.com",
			[]string{`column "user": "Anna <Anna@contoso.com>" is not an e-mail address like anna@contoso.com; give the address alone: anna@contoso.com`}},
		{"empty user", ",anna.ics,,", "",
			[]string{`column "user": empty; give the organiser's e-mail address, like anna@contoso.com`}},
		{"bad user and bad mailbox: both said", "bad,anna.ics,hybrid,", "",
			[]string{`column "user": "bad" is not an e-mail address like anna@contoso.com`,
				`column "mailbox": "hybrid" is not a mailbox kind; use online or onprem`}},
		{"mailbox", "anna@contoso.com,anna.ics,hybrid,", "anna@contoso.com",
			[]string{`column "mailbox": "hybrid" is not a mailbox kind; use online or onprem`}},
		{"alias", "anna@contoso.com,anna.ics,,a.berg@contoso.com;anna at fabrikam", "anna@contoso.com",
			[]string{`column "aliases": "anna at fabrikam" is not an e-mail address; separate aliases with ';'`}},
		{"aliases separated by commas", `anna@contoso.com,anna.ics,,"a@contoso.com, b@contoso.com"`, "anna@contoso.com",
			[]string{`column "aliases": "a@contoso.com, b@contoso.com" is not an e-mail address; separate aliases with ';'`}},
		{"no calendar", "anna@contoso.com,,,", "anna@contoso.com",
			[]string{`column "calendar": empty; give an .ics file (relative to the users file's folder) or a CalDAV collection URL (http:// or https://)`}},
		{"missing calendar file", "anna@contoso.com,missing.ics,,", "anna@contoso.com",
			[]string{`column "calendar": "missing.ics" not found (looked for ` + filepath.Join(dir, "missing.ics") + `; a relative path starts at the users file's folder)`}},
		{"calendar is a folder", "anna@contoso.com,cals,,", "anna@contoso.com",
			[]string{`column "calendar": "cals" is a folder; give the calendar's .ics file`}},
		{"calendar not ics", "anna@contoso.com,anna.pst,,", "anna@contoso.com",
			[]string{`column "calendar": "anna.pst" is not an .ics file; export the calendar as iCalendar (.ics)`}},
		{"ftp URL", "anna@contoso.com,ftp://dav.contoso.com/anna,,", "anna@contoso.com",
			[]string{`column "calendar": "ftp://dav.contoso.com/anna" is neither an .ics file nor an http(s) URL`}},
		{"URL without host", "anna@contoso.com,https:///calendars/anna,,", "anna@contoso.com",
			[]string{`column "calendar": "https:///calendars/anna" has no host; give a CalDAV collection URL like https://dav.contoso.com/calendars/anna/`}},
		{"bad URL", "anna@contoso.com,https://dav contoso.com/%zz,,", "anna@contoso.com",
			[]string{`column "calendar": "https://dav contoso.com/%zz" is neither an .ics file nor an http(s) URL`}},
		{"dot segments in the URL", "anna@contoso.com,https://dav.contoso.com/calendars/anna/../bob/,,", "anna@contoso.com",
			[]string{`column "calendar": "https://dav.contoso.com/calendars/anna/../bob/" has . or .. in its path, which a server reads as another collection; give the collection's own path`}},
		{"escaped dot segments in the URL", "anna@contoso.com,https://dav.contoso.com/calendars/anna/%2e%2E/bob/,,", "anna@contoso.com",
			[]string{`column "calendar": "https://dav.contoso.com/calendars/anna/%2e%2E/bob/" has . or .. in its path, which a server reads as another collection; give the collection's own path`}},
		{"password in an ftp URL", "anna@contoso.com,ftp://anna:S3cret@dav.contoso.com/anna,,", "anna@contoso.com",
			[]string{`column "calendar": "ftp://anna@dav.contoso.com/anna" is neither an .ics file nor an http(s) URL`}},
		{"password in a URL without host", "anna@contoso.com,https://anna:S3cret@/calendars/anna,,", "anna@contoso.com",
			[]string{`column "calendar": "https://anna@/calendars/anna" has no host; give a CalDAV collection URL like https://dav.contoso.com/calendars/anna/`}},
		{"password in a bad URL", "anna@contoso.com,https://anna:S3cret@dav.contoso.com/%zz,,", "anna@contoso.com",
			[]string{`column "calendar": "https://dav.contoso.com/%zz" is neither an .ics file nor an http(s) URL`}},
		{"password in an onprem URL", "anna@contoso.com,https://anna:S3cret@dav.contoso.com/calendars/anna/,onprem,", "anna@contoso.com",
			[]string{`column "calendar": an onprem mailbox is migrated from an exported .ics file, not from a URL (https://anna@dav.contoso.com/calendars/anna/); give the export's path, or set mailbox to online`}},
		{"password in a URL with dot segments", "anna@contoso.com,https://anna:S3cret@dav.contoso.com/calendars/../bob/,,", "anna@contoso.com",
			[]string{`column "calendar": "https://anna@dav.contoso.com/calendars/../bob/" has . or .. in its path, which a server reads as another collection; give the collection's own path`}},
		{"password in a file URL", "anna@contoso.com,file://anna:S3cret@fileserver/anna.ics,,", "anna@contoso.com",
			[]string{`column "calendar": "file://anna@fileserver/anna.ics" is a file URL of another machine, or unreadable; give the file's path`}},
		{"onprem with URL", "anna@contoso.com,https://dav.contoso.com/calendars/anna/,onprem,", "anna@contoso.com",
			[]string{`column "calendar": an onprem mailbox is migrated from an exported .ics file, not from a URL (https://dav.contoso.com/calendars/anna/); give the export's path, or set mailbox to online`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			write(t, dir, "users.csv", "user,calendar,mailbox,aliases\n"+tc.row+"\n")
			users, errs, err := ReadUsers(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(users) != 0 {
				t.Errorf("a rejected row gave users %+v", users)
			}
			var want []string
			for _, w := range tc.want {
				want = append(want, path+":2: "+w)
			}
			if got := errorStrings(errs); !slices.Equal(got, want) {
				t.Fatalf("errors:\n got %q\nwant %q", got, want)
			}
			for _, e := range errs {
				if e.User != tc.user || e.File != path || e.Line != 2 {
					t.Errorf("RowError %+v: want User %q, File %s, Line 2", e, tc.user, path)
				}
			}
		})
	}
}

func TestDuplicateUsers(t *testing.T) {
	dir := calendarDir(t)
	path := write(t, dir, "users.csv", "user,calendar,aliases\n"+
		"anna@contoso.com,anna.ics,a.berg@contoso.com\n"+
		"bo@contoso.com,anna.ics,\n"+
		"ANNA@contoso.com,anna.ics,\n"+
		"a.berg@contoso.com,anna.ics,\n"+
		"cy@contoso.com,anna.ics,bo@contoso.com\n"+
		"dee@contoso.com,anna.ics,dee@contoso.com\n")
	users, errs, err := ReadUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	for _, u := range users {
		emails = append(emails, u.Email)
	}
	if !slices.Equal(emails, []string{"anna@contoso.com", "bo@contoso.com", "dee@contoso.com"}) || len(users[2].Aliases) != 0 {
		t.Errorf("users = %+v (an alias equal to the user's own address is dropped)", users)
	}
	want := []string{
		path + `:4: column "user": anna@contoso.com is already listed at line 2; list each user once`,
		path + `:5: column "user": a.berg@contoso.com is already an alias of anna@contoso.com (line 2); an address belongs to one user`,
		path + `:6: column "aliases": bo@contoso.com is already an address of bo@contoso.com (line 3); an address belongs to one user`,
	}
	if got := errorStrings(errs); !slices.Equal(got, want) {
		t.Fatalf("errors:\n got %q\nwant %q", got, want)
	}
	// The duplicate names the listed user, so that user fails as a whole.
	if errs[0].User != "anna@contoso.com" || errs[2].User != "cy@contoso.com" {
		t.Errorf("users named: %q, %q", errs[0].User, errs[2].User)
	}
}

// A rejected row still claims its address: a second row for it is a duplicate.
func TestDuplicateOfRejectedRow(t *testing.T) {
	dir := calendarDir(t)
	path := write(t, dir, "users.csv", "user,calendar\nanna@contoso.com,missing.ics\nanna@contoso.com,anna.ics\n")
	users, errs, err := ReadUsers(path)
	if err != nil || len(users) != 0 || len(errs) != 2 || !strings.Contains(errs[1].Error(), ":3: column \"user\": anna@contoso.com is already listed at line 2") {
		t.Fatalf("users %+v, errors %q, err %v", users, errorStrings(errs), err)
	}
}

func TestWholeFileErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ path, want string }{
		{write(t, dir, "nocal.csv", "user,mailbox\nanna@contoso.com,online\n"),
			`nocal.csv: no "calendar" column; columns found: user, mailbox. Expected: user, calendar[, mailbox, audio_provider, aliases]`},
		{write(t, dir, "gap.csv", "user,,Calendar Path\n"),
			`gap.csv: no "calendar" column; columns found: user, Calendar Path. Expected: user, calendar[, mailbox, audio_provider, aliases]`},
		{write(t, dir, "empty.csv", "\uFEFF\n\n"),
			`empty.csv: the file is empty; the first row must name the columns: user, calendar[, mailbox, audio_provider, aliases]`},
		{write(t, dir, "twice.csv", "user,calendar,User\n"),
			`twice.csv:1: column "user" is named twice (columns 1 and 3); keep one`},
		{write(t, dir, "users.txt", "user,calendar\n"),
			`users.txt: unknown file type ".txt"; use a .csv or .xlsx file`},
		{write(t, dir, "users.xls", "user,calendar\n"),
			`users.xls: .xls files are not read; save it as .xlsx (Excel workbook) or .csv (CSV UTF-8)`},
		{filepath.Join(dir, "absent.csv"), "absent.csv: no such file or directory; check the path (a relative one starts at the current folder)"},
		{mkdir(t, filepath.Join(dir, "exports")), "exports: a folder; give the file itself, a .csv or .xlsx file"},
		{filepath.Join(dir, "absent.xlsx"), "absent.xlsx: no such file or directory; check the path (a relative one starts at the current folder)"},
		{write(t, dir, "quote.csv", "user,\"calendar\n"),
			`quote.csv:1: the header row: extraneous or missing " in quoted-field (at byte 16 of line 1); a field holding ",", a line break or a double quote must be quoted, and a double quote in it doubled`},
		{write(t, dir, "quoteonly.csv", "\"\nuser,calendar\n"),
			`quoteonly.csv:1: the header row: a double quote opened on line 1 is not closed where a field ends (the reader looked for its end up to line 2: extraneous or missing " in quoted-field); lines 1 to 2 were read as one row, each of them rejected; a field holding ",", a line break or a double quote must be quoted, and a double quote in it doubled`},
		{write(t, dir, "utf16.csv", "\xff\xfeu\x00s\x00e"), "utf16.csv: the file is UTF-16 text cut short (an odd number of bytes); save it again, as CSV UTF-8"},
		// Excel's "CSV (Comma delimited)" in the system's code page (found by an audit: "Malmö" became "Malm\uFFFD")
		{write(t, dir, "cp1252.csv", "user;calendar\nanna@contoso.com;anna.ics\nbo@contoso.com;j\xf6rgen.ics\n"),
			`cp1252.csv:3: the file is not UTF-8 text (Excel's "CSV (Comma delimited)" writes the system's code page, which turns "ö" into another byte); save it as "CSV UTF-8"`},
		{write(t, dir, "workbook.csv", "PK\x03\x04\x14\x00\x06\x00docProps/app.xml"), "workbook.csv: the file is a zip archive (an Excel workbook?), not CSV text; name a workbook .xlsx, or save it as CSV UTF-8"},
		{write(t, dir, "binary.csv", "user,calendar\n\x00\x01\x02"), "binary.csv:2: the file is binary (it holds NUL bytes, the first on this line), not CSV text; save it as CSV UTF-8"},
		// found by an audit: "no rows under the header", the file read as one line
		{write(t, dir, "mac.csv", "user,calendar\ranna@contoso.com,anna.ics\r"), "mac.csv: line endings are CR only (classic Mac OS), so the file reads as one line; save it as CSV UTF-8 with CRLF or LF line endings"},
		{write(t, dir, "fake.xlsx", "user,calendar\n"), "fake.xlsx: not a readable .xlsx workbook (zip: not a valid zip file); save it again from Excel as .xlsx, or as CSV UTF-8"},
	}
	for _, tc := range cases {
		_, _, err := ReadUsers(tc.path)
		if err == nil || err.Error() != filepath.Join(dir, tc.want) {
			t.Errorf("%s:\n got %v\nwant %s", filepath.Base(tc.path), err, filepath.Join(dir, tc.want))
		}
	}
}

// A row the CSV reader cannot split (a stray double quote) is rejected
// alone, naming its line and the user it belongs to, and nothing else of
// it is taken (not its aliases); the rows around it are read.
func TestUnreadableRowCostsOnlyItself(t *testing.T) {
	dir := calendarDir(t)
	path := write(t, dir, "users.csv", "user,calendar,aliases\nbo@contoso.com,b\"o.ics,anna@contoso.com\nanna@contoso.com,anna.ics\ncy@contoso.com,anna.ics\n")
	users, errs, err := ReadUsers(path)
	if err != nil || len(users) != 2 || users[0].Email != "anna@contoso.com" || users[1].Email != "cy@contoso.com" {
		t.Fatalf("users %+v, errors %q, err %v", users, errorStrings(errs), err)
	}
	want := filepath.Join(dir, "users.csv") + `:2: bare " in non-quoted-field (at byte 17 of line 2); a field holding ",", a line break or a double quote must be quoted, and a double quote in it doubled`
	if len(errs) != 1 || errs[0].Error() != want || errs[0].User != "bo@contoso.com" {
		t.Fatalf("errors %q (user %q), want one: %s", errorStrings(errs), errs[0].User, want)
	}

	// a quote never closed: every line it ran over is rejected, each
	// naming its own user
	path = write(t, dir, "open.csv", "user,calendar\nanna@contoso.com,anna.ics\n\"bo@contoso.com,bo.ics\n\ncy@contoso.com,anna.ics\n")
	users, errs, err = ReadUsers(path)
	if err != nil || len(users) != 1 || len(errs) != 2 || errs[0].User != "bo@contoso.com" || errs[1].User != "cy@contoso.com" || errs[1].Line != 5 ||
		!strings.Contains(errs[1].Error(), ":5: a double quote opened on line 3 is not closed where a field ends (the reader looked for its end up to line 5: ") ||
		!strings.Contains(errs[1].Error(), "; lines 3 to 5 were read as one row, each of them rejected;") {
		t.Fatalf("users %+v, errors %q, err %v", users, errorStrings(errs), err)
	}
}

func TestSemicolonCSV(t *testing.T) {
	dir := calendarDir(t)
	path := write(t, dir, "users.csv", "\n\uFEFFuser;calendar;aliases\r\nanna@contoso.com;anna.ics;a@contoso.com;b@contoso.com\r\n")
	users, errs, err := ReadUsers(path)
	if err != nil || len(errs) > 0 || len(users) != 1 || users[0].Line != 3 || !slices.Equal(users[0].Aliases, []string{"a@contoso.com"}) {
		t.Fatalf("users %+v, errors %v, err %v", users, errs, err)
	}
}

// Excel's "sep=" first line names the delimiter; a tab-separated file
// is read by its tabs. Line numbers are the file's.
func TestSepLineAndTabs(t *testing.T) {
	dir := calendarDir(t)
	for name, text := range map[string]string{
		"sep.csv":      "\uFEFFsep=;\r\nuser;calendar;aliases\r\nanna@contoso.com;anna.ics;a@contoso.com\r\n",
		"sepcomma.csv": "SEP=,\nuser,calendar,aliases\nanna@contoso.com,anna.ics,a@contoso.com\n",
		"tabs.csv":     "\nuser\tcalendar\taliases\nanna@contoso.com\tanna.ics\ta@contoso.com\n",
		// Windows PowerShell's Export-Csv -Delimiter ';' without -NoTypeInformation
		"type.csv": "#TYPE System.Management.Automation.PSCustomObject\r\n\"user\";\"calendar\";\"aliases\"\r\n\"anna@contoso.com\";\"anna.ics\";\"a@contoso.com\"\r\n",
		// Excel's "Unicode Text", both byte orders
		"unicode.csv":   utf16Text(binary.LittleEndian, "\uFEFF\r\nuser\tcalendar\taliases\r\nanna@contoso.com\tanna.ics\ta@contoso.com\r\n"),
		"unicodebe.csv": utf16Text(binary.BigEndian, "\uFEFF\nuser,calendar,aliases\nanna@contoso.com,anna.ics,a@contoso.com\n"),
	} {
		users, errs, err := ReadUsers(write(t, dir, name, text))
		if err != nil || len(errs) > 0 || len(users) != 1 || users[0].Line != 3 || !slices.Equal(users[0].Aliases, []string{"a@contoso.com"}) {
			t.Errorf("%s: users %+v, errors %v, err %v", name, users, errs, err)
		}
	}
}

// utf16Text is s in UTF-16 of the byte order given.
func utf16Text(order binary.AppendByteOrder, s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = order.AppendUint16(b, u)
	}
	return string(b)
}

// UTF-16 text reads as the text it is: a non-BMP character (a pair of
// surrogates) and an e-mail address with "ö" in an ignored column.
func TestUTF16Text(t *testing.T) {
	dir := calendarDir(t)
	path := write(t, dir, "users.csv", utf16Text(binary.LittleEndian, "\uFEFFuser\tcalendar\tnotes\r\nanna@contoso.com\tanna.ics\tBjörk 🙂\r\n"))
	users, errs, err := ReadUsers(path)
	if err != nil || len(errs) > 0 || len(users) != 1 || users[0].Email != "anna@contoso.com" || users[0].Line != 2 {
		t.Fatalf("users %+v, errors %v, err %v", users, errs, err)
	}
	if got, err := fromUTF16([]byte(utf16Text(binary.LittleEndian, "a🙂b"))[:4], true); err != nil || string(got) != "a\uFFFD" {
		t.Errorf("a lone surrogate: %q, %v; want U+FFFD", got, err)
	}
}

// A quoted field spanning lines: the row's line is the one it starts on.
func TestCSVLineNumbers(t *testing.T) {
	dir := calendarDir(t)
	path := write(t, dir, "users.csv", "user,calendar,notes\nanna@contoso.com,anna.ics,\"two\nlines\"\nbo@contoso.com,missing.ics,\n")
	_, errs, err := ReadUsers(path)
	if err != nil || len(errs) != 1 || errs[0].Line != 4 {
		t.Fatalf("errors %v, err %v", errs, err)
	}
}

// A CSV row with more fields than the header (a value holding a comma,
// not quoted) says so with its first problem, the likely cause of it.
func TestRowOfAnotherWidthSaysSo(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.ics"), []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.ics"), []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), 0o644)
	path := filepath.Join(dir, "users.csv")
	os.WriteFile(path, []byte("user,mailbox,calendar,audio_provider,aliases\r\nanna@contoso.com,online,a.ics,microsoft,\r\n"+
		"bo@contoso.com,online,b.ics,Contoso, Inc.,bo.b@contoso.com\r\n"), 0o644)
	users, errs, err := ReadUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || len(errs) == 0 {
		t.Fatalf("users %v, errors %v; want anna read and bo's row rejected", users, errs)
	}
	const shape = "(the row has 6 fields, the header 5: is a value holding a comma not quoted?)"
	if !strings.HasSuffix(errs[0].Error(), shape) || errs[0].Line != 3 {
		t.Errorf("first error %q; want line 3 saying %s", errs[0].Error(), shape)
	}
	for _, e := range errs[1:] {
		if strings.Contains(e.Error(), "fields, the header") {
			t.Errorf("said again: %q", e.Error())
		}
	}
}

func mkdir(t *testing.T, dir string) string {
	t.Helper()
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// An audio_provider cell naming Microsoft's own service or a placeholder
// for none is no third-party provider; a provider's name is one.
func TestAudioProviderPlaceholders(t *testing.T) {
	dir := calendarDir(t)
	rows := "user,calendar,audio_provider\n"
	cells := []string{"none", "N/A", "-", "Microsoft Teams", " MICROSOFT ", "teams", "", "InterCall", "BT MeetMe", "Microsoftish"}
	for i, c := range cells {
		rows += fmt.Sprintf("u%d@contoso.com,anna.ics,%s\n", i, c)
	}
	users, errs, err := ReadUsers(write(t, dir, "users.csv", rows))
	if err != nil || len(errs) > 0 || len(users) != len(cells) {
		t.Fatalf("err %v, row errors %v, %d users", err, errs, len(users))
	}
	for i, u := range users {
		if want := i >= 7; u.IsACP() != want {
			t.Errorf("audio_provider %q: IsACP %v, want %v (AudioProvider %q)", cells[i], u.IsACP(), want, u.AudioProvider)
		}
	}
}

// An audio_provider cell that names no provider at all (an Excel error, a
// number, a typo of microsoft) fails its user naming the cell, and "MS
// Teams" is Microsoft's: none quietly stops a user's migration as a
// third-party provider's would (found by an audit).
func TestAudioProviderJunk(t *testing.T) {
	dir := calendarDir(t)
	rows := "user,calendar,audio_provider\nu0@contoso.com,anna.ics,#N/A\nu1@contoso.com,anna.ics,0\nu2@contoso.com,anna.ics,Microsft\nu3@contoso.com,anna.ics,MS Teams\n"
	users, errs, err := ReadUsers(write(t, dir, "users.csv", rows))
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].Email != "u3@contoso.com" || users[0].IsACP() {
		t.Errorf("users %+v", users)
	}
	got := errorStrings(errs)
	if len(got) != 3 || !strings.Contains(got[0], "Excel error") || !strings.Contains(got[1], `"0" is not a provider's name`) || !strings.Contains(got[2], "did you mean microsoft?") {
		t.Errorf("errors %q", got)
	}
}

// A calendar path as Windows writes it: '\' between folders, in the
// quotes of Explorer's "Copy as path", or as a file:// URL (found by an
// audit: each failed its user).
func TestCalendarPathsAsWindowsWritesThem(t *testing.T) {
	dir := calendarDir(t)
	write(t, filepath.Join(dir, "cals"), "bo.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
	abs := filepath.Join(dir, "anna.ics")
	rows := "user,calendar\n" +
		"u0@contoso.com,cals\\bo.ics\n" +
		"u1@contoso.com,\"\"\"cals\\bo.ics\"\"\"\n" +
		"u2@contoso.com,file://" + abs + "\n" +
		"u3@contoso.com,file://otherhost/share/anna.ics\n"
	users, errs, err := ReadUsers(write(t, dir, "users.csv", rows))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "cals", "bo.ics"), filepath.Join(dir, "cals", "bo.ics"), abs}
	var got []string
	for _, u := range users {
		got = append(got, u.Calendar)
	}
	if !slices.Equal(got, want) {
		t.Errorf("calendars %q, want %q (errors %q)", got, want, errorStrings(errs))
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "another machine") {
		t.Errorf("errors %q, want the other machine's file refused", errorStrings(errs))
	}
}

// Found by an audit of the folding and provider rules: a third-party
// provider's name holding "Microsoft Teams" is that provider's, Skype for
// Business is Microsoft's; an extra column "Change #" is another column,
// not a second "change"; a file whose name holds a '\' is read as named.
func TestFoldingStopsWhereNamesDiffer(t *testing.T) {
	dir := calendarDir(t)
	write(t, dir, `odd\name.ics`, "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
	rows := "user,calendar,audio_provider\nu0@contoso.com,anna.ics,BT MeetMe for Microsoft Teams\nu1@contoso.com,anna.ics,Skype for Business\nu2@contoso.com,odd\\name.ics,\n"
	users, errs, err := ReadUsers(write(t, dir, "users.csv", rows))
	if err != nil || len(errs) != 0 || len(users) != 3 {
		t.Fatalf("users %+v, errors %q, %v", users, errorStrings(errs), err)
	}
	if !users[0].IsACP() || users[1].IsACP() || users[2].Calendar != filepath.Join(dir, `odd\name.ics`) {
		t.Errorf("users %+v", users)
	}
	changes, errs, err := ReadChanges(write(t, dir, "changes.csv", "user,change,Change #\nanna@contoso.com,moved-to-online,CHG0042\n"), listed)
	if err != nil || len(errs) != 0 || len(changes) != 1 || changes[0].Kind != "moved-to-online" {
		t.Errorf("changes %+v, errors %q, %v", changes, errorStrings(errs), err)
	}
}
