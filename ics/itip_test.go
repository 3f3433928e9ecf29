package ics

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/mms-project/mms/ics/tz"
	"github.com/mms-project/mms/internal/corpus"
)

// Request copies the unedited stretches of a component in one piece each;
// it must give what writing it line by line gives: every real file and
// every demo calendar, rewritten and marked for CalDAV.
func TestRequestSameAsLineByLine(t *testing.T) {
	paths, _ := filepath.Glob("../fixtures/demo/calendars/*.ics")
	paths = append(paths, corpus.RealFiles(t)...)
	requests := 0
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cal, err := Parse(filepath.Base(path), data)
		if err != nil {
			continue
		}
		var sent [][]*Component
		for _, m := range cal.Meetings() {
			org := ""
			if p, ok := m.First().Prop("ORGANIZER"); ok {
				org = address(p.Value)
			}
			if res := cal.Migrate(m, Rules{Organizer: []string{org}, Now: goldenNow, Stamp: goldenStamp}, goldenChange); res.Rewritten() {
				sent = append(sent, res.Changed)
			}
		}
		for round := range 2 {
			if round == 1 {
				for _, changed := range sent {
					cal.SetScheduleAgentClient(changed)
				}
			}
			for _, changed := range sent {
				requests++
				if got, want := string(cal.Request(changed)), requestLineByLine(cal, changed); got != want {
					t.Fatalf("%s: request differs:\n%s", path, firstDiff(want, got))
				}
			}
		}
	}
	if requests == 0 {
		t.Fatal("no meeting was rewritten")
	}
}

// requestLineByLine is Request as first written: every line looked up in
// the edits, then line endings made CRLF.
func requestLineByLine(c *Calendar, changed []*Component) string {
	var b strings.Builder
	b.WriteString(requestHead)
	raw := func(begin, end int) string {
		var b strings.Builder
		for i := begin; i <= end; i++ {
			b.WriteString(c.insertions[i])
			if text, ok := c.unmarked[i]; ok {
				b.WriteString(text)
			} else if rep, ok := c.replace[i]; ok {
				b.WriteString(rep)
			} else {
				b.WriteString(c.data[c.lines[i].start:c.lines[i].end])
			}
		}
		return b.String()
	}
	for _, zone := range c.zonesUsed(changed) {
		b.WriteString(crlf(raw(zone.begin, zone.end)))
	}
	for _, comp := range changed {
		b.WriteString(crlf(raw(comp.begin, comp.end)))
	}
	b.WriteString("END:VCALENDAR\r\n")
	return b.String()
}

func TestMayHaveParam(t *testing.T) {
	for head, want := range map[string]bool{
		"DTSTART;TZID=W. Europe Standard Time":          true,
		"DTSTART;tzid=Europe/Berlin":                    true,
		"DTSTART;VALUE=DATE-TIME;TZID=\"Europe/Paris\"": true,
		"DTSTART":                           false,
		"ATTENDEE;CN=Tzid Person;RSVP=TRUE": false,
		"X-PROP;TZIDX=1":                    false,
		"X-PROP;CN=\"a;TZID=b\"":            true, // inside quotes: Param decides
	} {
		if got := mayHaveParam(head, "TZID"); got != want {
			t.Errorf("mayHaveParam(%q) = %v, want %v", head, got, want)
		}
	}
}

// Current reads a property as the calendar now stands: edited, removed,
// inserted where missing, or as read.
func TestCurrent(t *testing.T) {
	cal, err := Parse("t.ics", []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nLOCATION:Old\r\nX-GONE:x\r\nDESCRIPTION:a long \r\n folded value\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	ev := cal.Components("VEVENT")[0]
	loc, _ := ev.Prop("LOCATION")
	gone, _ := ev.Prop("X-GONE")
	cal.setValue(loc, "New, "+strings.Repeat("x", 80))
	cal.remove(gone)
	cal.insertBefore(cal.tail(ev), "SEQUENCE:1")
	cal.insertBefore(cal.tail(ev), "DTSTAMP:20261206T090000Z")
	for name, want := range map[string]string{"LOCATION": "New, " + strings.Repeat("x", 80), "DESCRIPTION": "a long folded value", "SEQUENCE": "1",
		"DTSTAMP": "20261206T090000Z", "UID": "u"} {
		if p, ok := cal.Current(ev, name); !ok || p.Value != want {
			t.Errorf("Current %s = %q, %v; want %q", name, p.Value, ok, want)
		}
	}
	for _, name := range []string{"X-GONE", "ACTION", "SUMMARY"} {
		if p, ok := cal.Current(ev, name); ok {
			t.Errorf("Current %s = %q, want none", name, p.Value)
		}
	}
}

// The request carries no scheduling parameter (RFC 6638 keeps
// SCHEDULE-AGENT and SCHEDULE-STATUS to the stored calendar): neither the
// input's nor the CLIENT marks mms puts on a CalDAV copy; every other
// parameter and every attendee stays.
func TestRequestWithoutSchedulingParams(t *testing.T) {
	src := strings.NewReplacer(
		"ORGANIZER;CN=Anna:", "ORGANIZER;CN=Anna;SCHEDULE-AGENT=SERVER:",
		`ATTENDEE;CN="Person 0";PARTSTAT=ACCEPTED;RSVP=TRUE:`, `ATTENDEE;CN="Person 0";SCHEDULE-STATUS="1.2,3.7";PARTSTAT=ACCEPTED;RSVP=TRUE:`,
		`ATTENDEE;CN="Person 1";PARTSTAT=ACCEPTED;RSVP=TRUE:`, `ATTENDEE;SCHEDULE-AGENT=NONE;CN="Person 1";PARTSTAT=ACCEPTED;RSVP=TRUE:`,
		`ATTENDEE;CN="Person 2";PARTSTAT=ACCEPTED;RSVP=TRUE:`, `ATTENDEE;CN="Person 2";SCHEDULE-FORCE-SEND=REQUEST;PARTSTAT=ACCEPTED;RSVP=TRUE:`,
	).Replace(calendar(future(event{body: teamsBody(oldJoin)})))
	if !strings.Contains(src, "SCHEDULE-STATUS") || !strings.Contains(src, "SCHEDULE-AGENT=NONE") {
		t.Fatal("the test's calendar lacks its scheduling parameters")
	}
	cal, res := migrateOne(t, src, testRules, newTeams)
	cal.SetScheduleAgentClient(res.Changed)
	req := strings.NewReplacer("\r\n ", "", "\r\n\t", "").Replace(string(cal.Request(res.Changed)))
	if strings.Contains(req, "SCHEDULE-") {
		t.Errorf("the request carries a scheduling parameter:\n%s", req)
	}
	for _, want := range []string{
		"ORGANIZER;CN=Anna:mailto:anna@contoso.com\r\n",
		`ATTENDEE;CN="Person 0";PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:p0@fabrikam.com` + "\r\n",
		`ATTENDEE;CN="Person 1";PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:p1@fabrikam.com` + "\r\n",
		`ATTENDEE;CN="Person 2";PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:p2@fabrikam.com` + "\r\n",
	} {
		if !strings.Contains(req, want) {
			t.Errorf("the request lacks %q", want)
		}
	}
	if stored := strings.NewReplacer("\r\n ", "").Replace(string(cal.Bytes())); !strings.Contains(stored, "SCHEDULE-AGENT=NONE") || !strings.Contains(stored, `SCHEDULE-STATUS="1.2,3.7"`) {
		t.Error("the stored copy lost its scheduling parameters")
	}
}

// A file of several VCALENDARs (exports joined together) defines a zone in
// each: an update carries it once, as the meeting's own VCALENDAR defines it.
func TestRequestCarriesEachZoneOnce(t *testing.T) {
	one := calendar(future(event{uid: "first@x", body: teamsBody(oldJoin)}))
	own := strings.Replace(wEurope, "TZID:W. Europe Standard Time\r\n", "TZID:W. Europe Standard Time\r\nX-LIC-LOCATION:Europe/Berlin\r\n", 1)
	two := strings.Replace(calendar(future(event{uid: "second@x", body: teamsBody(oldJoin)})), wEurope, own, 1)
	src := one + two + one
	cal, err := Parse("joined.ics", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range cal.Meetings() {
		if m.UID != "second@x" {
			continue
		}
		res := cal.Migrate(m, testRules, newTeams)
		if !res.Rewritten() {
			t.Fatalf("%+v", res)
		}
		req := string(cal.Request(res.Changed))
		if n := strings.Count(req, "BEGIN:VTIMEZONE"); n != 1 {
			t.Errorf("the update carries %d VTIMEZONEs, want 1", n)
		}
		if !strings.Contains(req, "X-LIC-LOCATION:Europe/Berlin") {
			t.Error("the zone carried is not the meeting's own VCALENDAR's")
		}
		// Its VCALENDAR defines the zone after the event.
		k := strings.Index(two, "BEGIN:VEVENT")
		after := strings.Replace(two[:k], own, "", 1) + strings.Replace(two[k:], "END:VCALENDAR", own+"END:VCALENDAR", 1)
		cal, err := Parse("joined.ics", []byte(one+after+one))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range cal.Meetings() {
			if m.UID == "second@x" {
				res := cal.Migrate(m, testRules, newTeams)
				if req := string(cal.Request(res.Changed)); strings.Count(req, "BEGIN:VTIMEZONE") != 1 || !strings.Contains(req, "X-LIC-LOCATION:Europe/Berlin") {
					t.Errorf("zone defined after the event: the update carries another VCALENDAR's:\n%s", req)
				}
			}
		}
		return
	}
	t.Fatal("no meeting second@x")
}

// A TZID the calendar does not define (Outlook's Windows names, exported
// without their VTIMEZONE) is defined in the update from the zone mms
// resolved it to, once, before the event; one the file defines is carried
// as the file has it; UTC needs none.
func TestRequestDefinesZonesTheFileLacks(t *testing.T) {
	src := strings.Replace(calendar(future(event{body: teamsBody(oldJoin)})), wEurope, "", 1)
	src = strings.ReplaceAll(src, `TZID="W. Europe Standard Time"`, `TZID="Pacific Standard Time"`)
	if strings.Contains(src, "BEGIN:VTIMEZONE") {
		t.Fatal("the test calendar should define no zone")
	}
	cal, res := migrateOne(t, src, testRules, newTeams)
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	req := string(cal.Request(res.Changed))
	if n := strings.Count(req, "BEGIN:VTIMEZONE\r\nTZID:Pacific Standard Time\r\n"); n != 1 || strings.Index(req, "BEGIN:VTIMEZONE") > strings.Index(req, "BEGIN:VEVENT") {
		t.Fatalf("the update defines Pacific Standard Time %d times, want once before the event:\n%s", n, req)
	}
	parsed, err := ical.NewDecoder(strings.NewReader(req)).Decode()
	if err != nil {
		t.Fatal(err)
	}
	var zones []*ical.Component
	for _, child := range parsed.Children {
		if child.Name == ical.CompTimezone {
			zones = append(zones, child)
		}
	}
	def, err := tz.NewResolver(zones).Location("Zone Read From The Update")
	if err == nil {
		t.Fatalf("an unknown TZID resolved: %v", def)
	}
	la, _ := time.LoadLocation("America/Los_Angeles")
	// Read as a zone of the file's own (a name neither IANA nor Windows knows).
	renamed := strings.ReplaceAll(req, "Pacific Standard Time", "Zone Read From The Update")
	parsed, err = ical.NewDecoder(strings.NewReader(renamed)).Decode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := tz.NewResolver(parsed.Children).Location("Zone Read From The Update")
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []string{"2026-01-20T18:00:00Z", "2026-03-08T09:59:59Z", "2026-03-08T10:00:00Z", "2026-07-01T12:00:00Z", "2026-11-01T09:00:00Z"} {
		instant, _ := time.Parse(time.RFC3339, at)
		_, want := instant.In(la).Zone()
		if _, got := instant.In(back).Zone(); got != want {
			t.Errorf("at %s the update's zone is %d s from UTC, Los Angeles %d s", at, got, want)
		}
	}
	// A zone the file defines is not defined again.
	cal, res = migrateOne(t, calendar(future(event{body: teamsBody(oldJoin)})), testRules, newTeams)
	if req := string(cal.Request(res.Changed)); strings.Count(req, "BEGIN:VTIMEZONE") != 1 {
		t.Errorf("a zone the file defines: %d VTIMEZONEs in the update, want 1", strings.Count(req, "BEGIN:VTIMEZONE"))
	}
	// UTC needs no definition.
	utc := strings.ReplaceAll(src, `DTSTART;TZID="Pacific Standard Time":20260120T100000`, `DTSTART:20260120T100000Z`)
	utc = strings.ReplaceAll(utc, `TZID="Pacific Standard Time"`, `TZID=UTC`)
	cal, res = migrateOne(t, utc, testRules, newTeams)
	if req := string(cal.Request(res.Changed)); strings.Contains(req, "BEGIN:VTIMEZONE") {
		t.Errorf("a UTC meeting's update defines a zone:\n%s", req)
	}
}

// A TZID with commas, a Windows display name as some exporters write it,
// with no VTIMEZONE in the file: the meeting is read in its zone and the
// update defines it, its TZID escaped as TEXT (it failed time-zone, and
// then went undefined).
func TestRequestDefinesADisplayNameZone(t *testing.T) {
	const name = "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"
	src := strings.Replace(calendar(future(event{body: teamsBody(oldJoin)})), wEurope, "", 1)
	src = strings.ReplaceAll(src, `TZID="W. Europe Standard Time"`, `TZID="`+name+`"`)
	if strings.Contains(src, "BEGIN:VTIMEZONE") {
		t.Fatal("the test calendar should define no zone")
	}
	cal, res := migrateOne(t, src, testRules, newTeams)
	if !res.Rewritten() || res.Start.UTC().Format(time.RFC3339) != "2026-01-20T09:00:00Z" {
		t.Fatalf("rewritten %v, start %v, err %v", res.Rewritten(), res.Start, res.Err)
	}
	req := string(cal.Request(res.Changed))
	if !strings.Contains(strings.ReplaceAll(req, "\r\n ", ""), `BEGIN:VTIMEZONE`+"\r\n"+`TZID:(UTC+01:00) Amsterdam\, Berlin\, Bern\, Rome\, Stockholm\, Vienna`+"\r\n") {
		t.Fatalf("the update does not define the zone:\n%s", req)
	}
	parsed, err := ical.NewDecoder(strings.NewReader(req)).Decode()
	if err != nil {
		t.Fatal(err)
	}
	for _, child := range parsed.Children {
		if child.Name == ical.CompTimezone {
			if id, err := child.Props.Get(ical.PropTimezoneID).Text(); err != nil || id != name {
				t.Errorf("the VTIMEZONE's TZID reads as %q, %v; want %q", id, err, name)
			}
		}
	}
}

// A file's VTIMEZONE whose TZID escapes its comma (TEXT) is the zone of a
// parameter that writes the comma plainly, or writes the same escaped
// bytes: the meeting is read in it and the update carries it as it is
// (found by a review: refused, or replaced by a zone made by mms).
func TestEscapedTZIDOfTheFile(t *testing.T) {
	custom := "BEGIN:VTIMEZONE\r\nTZID:Contoso\\, HQ\r\nBEGIN:STANDARD\r\nDTSTART:16010101T000000\r\nTZOFFSETFROM:+0130\r\nTZOFFSETTO:+0130\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
	for _, param := range []string{`TZID="Contoso, HQ"`, `TZID="Contoso\, HQ"`} {
		src := strings.Replace(calendar(future(event{body: teamsBody(oldJoin)})), wEurope, custom, 1)
		src = strings.ReplaceAll(src, `TZID="W. Europe Standard Time"`, param)
		cal, res := migrateOne(t, src, testRules, newTeams)
		if !res.Rewritten() || res.Start.UTC().Format(time.RFC3339) != "2026-01-20T08:30:00Z" {
			t.Fatalf("%s: rewritten %v, start %v, %v", param, res.Rewritten(), res.Start, res.Err)
		}
		if req := string(cal.Request(res.Changed)); !strings.Contains(req, custom) || strings.Count(req, "BEGIN:VTIMEZONE") != 1 {
			t.Errorf("%s: the update does not carry the file's own VTIMEZONE alone:\n%s", param, req)
		}
	}
}
