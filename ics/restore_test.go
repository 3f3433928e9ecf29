package ics

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRestorePutsBackTheOriginals rewrites a calendar, restores every
// rewritten meeting from the bytes Original kept, and checks that each
// component is the original byte for byte apart from SEQUENCE (one above
// the rewrite's) and DTSTAMP (the restore's time), that the rest of the
// file is untouched, and that restoring again changes nothing.
func TestRestorePutsBackTheOriginals(t *testing.T) {
	const path = "../fixtures/demo/calendars/user00000.ics"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	in, err := Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	rules := Rules{Organizer: []string{"user00000@contoso.com", "anna.berg@contoso.com"}, Now: now, Stamp: now}
	change := Change{Provider: "teams", JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/0", ConferenceID: "500000000"}
	originals := map[string][]byte{}
	rewritten := map[string]bool{} // UID and instance of each rewritten component
	for _, m := range in.Meetings() {
		res := in.Migrate(m, rules, change)
		if !res.Rewritten() {
			continue
		}
		for _, comp := range res.Changed {
			originals[m.UID] = append(originals[m.UID], in.Original(comp)...)
			rewritten[m.UID+"\x00"+instanceKey(comp)] = true
		}
	}
	if len(originals) == 0 {
		t.Fatal("nothing rewritten")
	}
	out, err := Parse("out.ics", in.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	stamp := time.Date(2026, 1, 20, 10, 30, 0, 0, time.UTC)
	for uid, orig := range originals {
		changed, err := out.Restore(uid, orig, stamp)
		if err != nil || len(changed) == 0 {
			t.Fatalf("restore %s: %d components, %v", uid, len(changed), err)
		}
	}
	restored := out.Bytes()
	back, err := Parse("restored.ics", restored)
	if err != nil {
		t.Fatal(err)
	}
	// Apart from the restamped lines, the restored file is the input.
	if a, b := withoutStamps(data, originals), withoutStamps(restored, originals); a != b {
		t.Fatalf("restored calendar differs from the input beyond SEQUENCE and DTSTAMP:\n%s", firstLineDiff(a, b))
	}
	for uid := range originals {
		for _, comp := range back.Components("VEVENT") {
			if componentUID(comp) != uid || !rewritten[uid+"\x00"+instanceKey(comp)] {
				continue // a past instance is never rewritten, so never restored
			}
			before := findInstance(t, in, uid, instanceKey(comp))
			if seq, want := propValue(comp, "SEQUENCE"), seqPlus(t, propValue(before, "SEQUENCE"), 2); seq != want {
				t.Errorf("UID %s: SEQUENCE %s after restore, want %s (the original's plus two)", uid, seq, want)
			}
			if stampv := propValue(comp, "DTSTAMP"); stampv != "20260120T103000Z" {
				t.Errorf("UID %s: DTSTAMP %s", uid, stampv)
			}
		}
	}
	for uid, orig := range originals {
		if changed, err := back.Restore(uid, orig, stamp.Add(time.Hour)); err != nil || len(changed) != 0 {
			t.Errorf("second restore of %s changed %d components (%v)", uid, len(changed), err)
		}
	}
	if !bytes.Equal(back.Bytes(), restored) {
		t.Error("a second restore changed the file")
	}
}

func TestRestoreRefusesAMissingInstance(t *testing.T) {
	cal, _ := Parse("c.ics", []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nSEQUENCE:1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	_, err := cal.Restore("a", []byte("BEGIN:VEVENT\r\nUID:a\r\nRECURRENCE-ID:20260101T090000Z\r\nEND:VEVENT\r\n"), time.Now())
	if err == nil || !strings.Contains(err.Error(), "UID a (RECURRENCE-ID 20260101T090000Z) is no longer in the calendar") {
		t.Fatalf("err = %v", err)
	}
}

func withoutStamps(data []byte, originals map[string][]byte) string {
	var keep []string
	for _, l := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		name := strings.ToUpper(strings.SplitN(strings.SplitN(l, ":", 2)[0], ";", 2)[0])
		if !stampProps[name] {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func firstLineDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return "line " + la[i] + "\n  vs " + lb[i]
		}
	}
	return "lengths differ"
}

func findInstance(t *testing.T, c *Calendar, uid, key string) *Component {
	for _, comp := range c.Components("VEVENT") {
		if componentUID(comp) == uid && instanceKey(comp) == key {
			return comp
		}
	}
	t.Fatalf("UID %s %q not in the input", uid, key)
	return nil
}

func propValue(comp *Component, name string) string {
	p, _ := comp.Prop(name)
	return strings.TrimSpace(p.Value)
}

func seqPlus(t *testing.T, v string, n int) string {
	t.Helper()
	if v == "" {
		v = "0"
	}
	x, err := strconv.Atoi(v)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(x + n)
}
