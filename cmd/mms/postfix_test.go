package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/internal/postfix"
)

// TestRunThroughPostfix (issue 17): the binary sends through Debian's
// Postfix, which offers STARTTLS with a certificate of a private CA for
// 127.0.0.1 and relay.mms.test; given only --smtp-ca and --smtp-tls-name,
// every update reaches each recipient once; a recipient Postfix refuses
// (550) is named in the meeting's row; the same command run again
// delivers nothing.
func TestRunThroughPostfix(t *testing.T) {
	relay := postfix.Start(t)
	domain := postfix.Tag(t)
	in := demo(t)
	for _, u := range []string{"user00000", "user00001"} {
		p := filepath.Join(in, "calendars", u+".ics")
		text := strings.ReplaceAll(string(mustRead(t, p)), "@fabrikam.com", "@"+domain)
		if u == "user00000" { // guest000 becomes an address the relay refuses
			text = strings.ReplaceAll(text, "mailto:guest000@"+domain, "mailto:reject@"+domain)
		}
		os.WriteFile(p, []byte(text), 0o644)
	}
	lines := func(file string, n int) string {
		return strings.Join(strings.Split(string(mustRead(t, filepath.Join(in, file))), "\n")[:n], "\n") + "\n"
	}
	os.WriteFile(filepath.Join(in, "pf-users.csv"), []byte(lines("users.csv", 3)), 0o644)
	os.WriteFile(filepath.Join(in, "pf-changes.csv"), []byte(lines("changes.csv", 3)), 0o644)
	work := t.TempDir()
	run := func(n int, tlsName string) result {
		return mms(t, "run", "--users", filepath.Join(in, "pf-users.csv"), "--changes", filepath.Join(in, "pf-changes.csv"),
			"--out", filepath.Join(work, fmt.Sprint("out", n)), "--report", filepath.Join(work, fmt.Sprint("r", n, ".csv")), "--now", demoNow,
			"--db", filepath.Join(work, "mms.db"), "--send", relay.URL, "--smtp-ca", relay.CAFile, "--smtp-tls-name", tlsName)
	}
	r := run(1, relay.TLSName)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	meetings := readCSV(t, filepath.Join(work, "r1.meetings.csv"))
	recipients := attendeesIn(t, domain, filepath.Join(in, "calendars", "user00000.ics"), filepath.Join(in, "calendars", "user00001.ics"))
	want, updated, named := 0, 0, 0
	for _, m := range meetings {
		if m["Outcome"] != "updated" {
			continue
		}
		updated++
		rs := recipients[m["UID"]]
		want += len(rs)
		if rs["reject@"+domain] {
			want--
			if !strings.Contains(m["Reason"]+m["Detail"], "reject@"+domain) || !strings.Contains(m["Reason"]+m["Detail"], "550") {
				t.Errorf("UID %s: the refused recipient is not named: %q %q", m["UID"], m["Reason"], m["Detail"])
			}
			named++
		}
	}
	if updated == 0 || named == 0 || want == 0 {
		t.Fatalf("%d meetings updated, %d with the refused recipient, %d copies expected", updated, named, want)
	}
	got := relay.Wait(t, domain, want, 60*time.Second, 2*time.Second)
	perCopy, ids := map[string]int{}, map[string]bool{}
	for _, m := range got {
		id := m.Header.Get("Message-Id")
		ids[id] = true
		perCopy[id+" "+strings.ToLower(m.To)]++
		if strings.HasPrefix(strings.ToLower(m.To), "reject@") {
			t.Errorf("the refused recipient got %s", m.File)
		}
	}
	if len(got) != want || len(ids) != updated {
		t.Errorf("%d copies of %d messages arrived, want %d copies of %d", len(got), len(ids), want, updated)
	}
	for k, n := range perCopy {
		if n != 1 {
			t.Errorf("%s arrived %d times", k, n)
		}
	}
	r = run(1, relay.TLSName) // the same command again
	if r.code != 0 || !strings.Contains(r.stdout, "already ran to the end") {
		t.Fatalf("second run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	time.Sleep(2 * time.Second)
	if again := relay.Delivered(t, domain); len(again) != len(got) {
		t.Errorf("the second run delivered %d more copies", len(again)-len(got))
	}
}

// Without --smtp-ca the relay's certificate is not trusted: the run stops
// (exit 4) before any mail, naming the flag to use.
func TestPostfixUntrustedStops(t *testing.T) {
	relay := postfix.Start(t)
	in := demo(t)
	work := t.TempDir()
	r := mms(t, "run", "--users", filepath.Join(in, "users.csv"), "--changes", filepath.Join(in, "changes.csv"),
		"--out", filepath.Join(work, "out"), "--report", filepath.Join(work, "r.csv"), "--now", demoNow,
		"--db", filepath.Join(work, "mms.db"), "--send", relay.URL)
	if r.code != 4 || !strings.Contains(r.stderr+r.stdout, "--smtp-ca") {
		t.Errorf("without --smtp-ca: exit %d, want 4 naming --smtp-ca\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// attendeesIn lists, per UID, the attendees in domain of the calendars'
// events (every instance of a series), lower case.
func attendeesIn(t *testing.T, domain string, files ...string) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, f := range files {
		text := strings.NewReplacer("\r\n ", "", "\r\n\t", "").Replace(string(mustRead(t, f)))
		for _, ev := range strings.Split(text, "BEGIN:VEVENT\r\n")[1:] {
			uid, people := "", map[string]bool{}
			for _, l := range strings.Split(ev, "\r\n") {
				if v, ok := strings.CutPrefix(l, "UID:"); ok {
					uid = v
				}
				if strings.HasPrefix(l, "ATTENDEE") {
					addr := strings.ToLower(l[strings.LastIndex(strings.ToLower(l), "mailto:")+len("mailto:"):])
					if strings.HasSuffix(addr, "@"+domain) {
						people[addr] = true
					}
				}
			}
			if out[uid] == nil {
				out[uid] = map[string]bool{}
			}
			for a := range people {
				out[uid][a] = true
			}
		}
	}
	return out
}
