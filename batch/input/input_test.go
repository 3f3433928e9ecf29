package input

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadUsers(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "anna.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
	users := write(t, dir, "users.csv", "\uFEFFUser , Calendar,Mailbox,Aliases,Extra\n"+
		"Anna@Contoso.com,anna.ics,,a.berg@contoso.com;ANNA@fabrikam.com,x\n"+
		"\n"+
		"bad-address,anna.ics,,,\n"+
		"bo@contoso.com,missing.ics,,,\n"+
		"cy@contoso.com,anna.ics,hybrid,,\n"+
		"dee@contoso.com,https://dav.example/cal/,onprem,,\n"+
		"anna@contoso.com,anna.ics,,,\n"+
		"eve@contoso.com,ftp://x,,,\n")
	got, errs, err := ReadUsers(users)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Email != "anna@contoso.com" || got[0].Mailbox != "online" || got[0].AudioProvider != "microsoft" ||
		strings.Join(got[0].Aliases, ",") != "a.berg@contoso.com,anna@fabrikam.com" || got[0].Calendar != filepath.Join(dir, "anna.ics") {
		t.Fatalf("users = %+v", got)
	}
	want := []string{
		users + `:4: column "user": "bad-address" is not an e-mail address like anna@contoso.com`,
		users + `:5: column "calendar": file ` + filepath.Join(dir, "missing.ics") + ` not found`,
		users + `:6: column "mailbox": "hybrid" is not a mailbox kind; use online or onprem`,
		users + `:7: column "calendar": an onprem mailbox is migrated from an exported .ics file, not from a URL (https://dav.example/cal/)`,
		users + `:8: column "user": anna@contoso.com is already listed at line 2; each user appears once`,
		users + `:9: column "calendar": "ftp://x" is neither an .ics file nor an http(s) URL`,
	}
	if len(errs) != len(want) {
		t.Fatalf("%d errors: %v", len(errs), errs)
	}
	for i, w := range want {
		if errs[i].Error() != w {
			t.Errorf("error %d:\n got %s\nwant %s", i, errs[i].Error(), w)
		}
	}
	if errs[1].User != "bo@contoso.com" {
		t.Errorf("a bad calendar should name its user, got %q", errs[1].User)
	}
}

func TestWholeFileErrors(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		write(t, dir, "nocal.csv", "user,mailbox\nanna@contoso.com,online\n"): `nocal.csv: no "calendar" column; columns found: user, mailbox. Expected: user, calendar[, mailbox, audio_provider, aliases]`,
		write(t, dir, "empty.csv", "\n\n"):                                    "empty.csv: the file is empty; the first row must name the columns",
		write(t, dir, "users.txt", "user,calendar\n"):                         `users.txt: unknown file type ".txt"; use a .csv or .xlsx file`,
		filepath.Join(dir, "absent.csv"):                                      "absent.csv: no such file or directory",
	}
	for path, want := range cases {
		_, _, err := ReadUsers(path)
		if err == nil || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("%s: err = %v, want it to end with %q", filepath.Base(path), err, want)
		}
	}
}

func TestReadChanges(t *testing.T) {
	dir := t.TempDir()
	users := []User{{Email: "anna@contoso.com", Aliases: []string{"a.berg@contoso.com"}}}
	path := write(t, dir, "changes.csv", "user;change;target;join_url;conference_id;toll_number;at\n"+
		"A.Berg@contoso.com;Moved-To-Online;teams;https://teams.microsoft.com/l/meetup-join/{meeting};580 849 884#;+46 8 505 248 89;2026-01-10T08:00:00Z\n"+
		"zed@contoso.com;moved-to-online;;;;;\n"+
		"anna@contoso.com;moved;;;;;\n"+
		"anna@contoso.com;license-assigned;zoom;;;;\n"+
		"anna@contoso.com;license-assigned;;teams.microsoft.com/x;;;\n"+
		"anna@contoso.com;conference-id-changed;;;12a;;\n"+
		"anna@contoso.com;dialin-enabled;;;;call me;\n"+
		"anna@contoso.com;bridge-changed;;;;;yesterday\n")
	got, errs, err := ReadChanges(path, users)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].User != "anna@contoso.com" || got[0].Kind != MovedToOnline || got[0].ConferenceID != "580849884" || got[0].TollNumbers[0] != "+46 8 505 248 89" || got[0].At.IsZero() {
		t.Fatalf("changes = %+v", got)
	}
	want := []string{
		`:3: column "user": zed@contoso.com is not in the users file; every change must name a listed user`,
		`:4: column "change": "moved" is not a change kind; use one of: moved-to-online, license-assigned, license-removed, dialin-enabled, dialin-disabled, conference-id-changed, conference-id-reset, bridge-changed, bridge-number-unassigned, sip-address-changed, tenant-meeting-url-changed, moved-to-onprem`,
		`:5: column "target": "zoom" is not a target; use teams, skype, or leave it empty to keep each meeting's kind`,
		`:6: column "join_url": "teams.microsoft.com/x" is not an http(s) URL`,
		`:7: column "conference_id": "12a" is not a conference ID; use digits (spaces allowed)`,
		`:8: column "toll_number": "call me" is not a phone number like +46 8 505 248 89; separate numbers with ';'`,
		`:9: column "at": "yesterday" is not an RFC 3339 time like 2026-01-15T09:00:00Z`,
	}
	if len(errs) != len(want) {
		t.Fatalf("%d errors: %v", len(errs), errs)
	}
	for i, w := range want {
		if errs[i].Error() != path+w {
			t.Errorf("error %d:\n got %s\nwant %s", i, errs[i].Error(), path+w)
		}
	}
}

func TestXLSX(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "anna.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
	f := excelize.NewFile()
	for cell, v := range map[string]any{"A1": "USER", "B1": "Calendar", "A2": "anna@contoso.com", "B2": "anna.ics"} {
		f.SetCellValue("Sheet1", cell, v)
	}
	users := filepath.Join(dir, "users.xlsx")
	if err := f.SaveAs(users); err != nil {
		t.Fatal(err)
	}
	c := excelize.NewFile()
	for cell, v := range map[string]any{"A1": "user", "B1": "change", "C1": "conference_id", "A2": "anna@contoso.com", "B2": "conference-id-changed", "C2": 580849884} {
		c.SetCellValue("Sheet1", cell, v)
	}
	changes := filepath.Join(dir, "changes.xlsx")
	if err := c.SaveAs(changes); err != nil {
		t.Fatal(err)
	}
	us, errs, err := ReadUsers(users)
	if err != nil || len(errs) > 0 || len(us) != 1 {
		t.Fatalf("users %v %v %v", us, errs, err)
	}
	cs, errs, err := ReadChanges(changes, us)
	if err != nil || len(errs) > 0 || len(cs) != 1 || cs[0].ConferenceID != "580849884" || cs[0].Line != 2 {
		t.Fatalf("changes %+v %v %v", cs, errs, err)
	}
}
