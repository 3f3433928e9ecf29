package ics

import (
	"strings"
	"testing"
	"time"
)

// A future instance whose block is not the meeting's is left byte for
// byte, and the meeting's Notes say why: another service's block (a Zoom
// or Google Meet invitation pasted into one occurrence), another meeting's
// Teams or Skype block, online-meeting properties naming another meeting,
// or an instance another organiser holds. The master and the instances
// with the meeting's own block are rewritten as before.
func TestInstancesWithAnotherBlockLeftAlone(t *testing.T) {
	const otherTeams = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_OTHER%40thread.v2/0?context=%7b%22Tid%22%3a%22t%22%7d"
	cases := []struct {
		name     string
		instance event
		note     string
	}{
		{"zoom", event{body: "Join Zoom Meeting\nhttps://us02web.zoom.us/j/85512345678?pwd=abc\n\nMeeting ID: 855 1234 5678\nPasscode: 123456\n"},
			"it holds a block of zoom"},
		{"google meet", event{body: "Join with Google Meet: https://meet.google.com/que-ahrn-wnj\nJoin by phone\n(US) +1 443-424-4071 PIN: 291472#\n"},
			"it holds a block of google-meet"},
		{"another Teams meeting", event{body: teamsBody(otherTeams)}, "its block is of another meeting (join link https://teams.microsoft.com/l/meetup-join/19%3ameeting_OTHER"},
		{"another Skype user", event{body: strings.ReplaceAll(skypeBody, "meet.lync.com/contoso/anna/", "meet.lync.com/contoso/bob/")},
			"its block is of another meeting"},
		{"properties name another meeting", event{body: teamsBody(oldJoin), extra: "X-MICROSOFT-SKYPETEAMSMEETINGURL:" + otherTeams + "\r\n"},
			"its online-meeting properties name another meeting than its block"},
		{"another organiser", event{body: teamsBody(oldJoin), organizer: "bob@contoso.com"}, "its ORGANIZER is not the user"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			masterBody := teamsBody(oldJoin)
			if strings.Contains(tc.name, "Skype") {
				masterBody = skypeBody
			}
			master := future(event{start: "20260105T100000", body: masterBody, extra: "RRULE:FREQ=WEEKLY;COUNT=6\r\nSEQUENCE:0\r\n"})
			inst := tc.instance
			inst.start, inst.recurrenceID = "20260203T130000", "20260202T100000"
			inst.extra += "SEQUENCE:0\r\n"
			inst = future(inst)
			src := calendar(master, inst)
			cal, res := migrateOne(t, src, testRules, Change{ConferenceID: "999888777"})
			if !res.Rewritten() || len(res.Changed) != 1 {
				t.Fatalf("Skipped=%q Err=%v, %d components changed, want the master alone", res.Skipped, res.Err, len(res.Changed))
			}
			if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "the instance of 20260202T100000") || !strings.Contains(res.Notes[0], tc.note) {
				t.Errorf("Notes = %q, want one naming the instance and %q", res.Notes, tc.note)
			}
			if !strings.Contains(string(cal.Bytes()), inst.String()) {
				t.Errorf("the instance was not kept byte for byte:\n%s", cal.Bytes())
			}
			if _, ok := res.Changed[0].Prop("RRULE"); !ok {
				t.Errorf("the component rewritten is not the master")
			}
		})
	}
}

// A series whose own occurrences are all past, with one instance moved
// into the future, rewrites that instance alone: the master stays byte
// for byte, as past instances do. Where only the master holds the block,
// it is rewritten, and the instance, without a block of its own, goes
// with it (its SEQUENCE set), or attendees' clients would move it back.
func TestEndedSeriesWithAMovedInstance(t *testing.T) {
	r := testRules
	r.Now = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	for _, instBody := range []string{teamsBody(oldJoin), ""} {
		master := future(event{start: "20260105T100000", body: teamsBody(oldJoin), extra: "RRULE:FREQ=WEEKLY;COUNT=3\r\nSEQUENCE:0\r\n"})
		inst := future(event{start: "20260401T100000", recurrenceID: "20260112T100000", body: instBody, extra: "SEQUENCE:0\r\n"})
		cal, res := migrateOne(t, calendar(master, inst), r, Change{ConferenceID: "999888777"})
		want := 1
		if instBody == "" {
			want = 2
		}
		if !res.Rewritten() || len(res.Changed) != want {
			t.Fatalf("instance body %t: Skipped=%q Err=%v, %d changed, want %d", instBody != "", res.Skipped, res.Err, len(res.Changed), want)
		}
		_, isInstance := res.Changed[0].Prop("RECURRENCE-ID")
		if keptMaster := strings.Contains(string(cal.Bytes()), master.String()); isInstance != (instBody != "") || keptMaster != isInstance {
			t.Errorf("instance body %t: rewrote the instance first %v, kept the master %v", instBody != "", isInstance, keptMaster)
		}
		if instBody == "" && !strings.Contains(string(cal.Bytes()), strings.Replace(strings.Replace(inst.String(), "SEQUENCE:0", "SEQUENCE:1", 1),
			"DTSTAMP:20250101T000000Z", "DTSTAMP:"+r.Stamp.UTC().Format("20060102T150405Z"), 1)) {
			t.Errorf("the instance without a block did not go with the master, its SEQUENCE and DTSTAMP set:\n%s", cal.Bytes())
		}
	}
}

// When no future occurrence holds the meeting's block, the meeting is
// skipped with the rule that holds for the block a rewrite would edit,
// and nothing is rewritten or sent: an ended series whose one instance
// moved into the future holds a Zoom block (other-provider, naming zoom);
// a series whose master's block is the meeting's has one future instance
// another organiser holds (not-organizer, naming that instance).
func TestNoFutureOccurrenceWithTheBlock(t *testing.T) {
	r := testRules
	r.Now = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	zoom := "Join Zoom Meeting\nhttps://us02web.zoom.us/j/85512345678?pwd=abc\n\nMeeting ID: 855 1234 5678\nPasscode: 123456\n"
	for _, c := range []struct {
		name     string
		next     event
		want     Reason
		provider string
		evidence string
	}{
		{"ended series, moved instance with Zoom", event{body: zoom}, OtherProvider, "zoom", "provider zoom"},
		{"ended series, moved instance another organiser holds", event{body: teamsBody(oldJoin), organizer: "bob@contoso.com"}, NotOrganizer, "teams",
			"the instance of 20260119T100000"},
	} {
		t.Run(c.name, func(t *testing.T) {
			master := future(event{start: "20260105T100000", body: teamsBody(oldJoin), extra: "RRULE:FREQ=WEEKLY;COUNT=3\r\nSEQUENCE:0\r\n"})
			next := c.next
			next.start, next.recurrenceID = "20260401T100000", "20260119T100000"
			src := calendar(master, future(next))
			cal, res := migrateOne(t, src, r, Change{ConferenceID: "999888777"})
			if res.Err != nil || res.Skipped != c.want || string(res.Provider) != c.provider {
				t.Fatalf("Skipped=%q Provider=%q Err=%v, want %q naming %s", res.Skipped, res.Provider, res.Err, c.want, c.provider)
			}
			if !strings.Contains(res.Evidence, c.evidence) || len(res.Changed) != 0 || len(res.Notes) != 0 {
				t.Errorf("Evidence %q, %d changed, Notes %q", res.Evidence, len(res.Changed), res.Notes)
			}
			if string(cal.Bytes()) != src {
				t.Error("the calendar was edited")
			}
		})
	}
}

// A series whose master is past is decided on the block of the future
// instance the rewrite edits: a run over its own output finds it already
// current and sends nothing, and an instance that already shows the new
// values is already current from the start.
func TestPastMasterDecidedOnTheFutureInstance(t *testing.T) {
	r := testRules
	r.Now = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	ch := Change{ConferenceID: "999888777"}
	master := future(event{start: "20260105T100000", body: teamsBody(oldJoin), extra: "RRULE:FREQ=WEEKLY;COUNT=3\r\nSEQUENCE:0\r\n"})
	inst := future(event{start: "20260401T100000", recurrenceID: "20260119T100000", body: teamsBody(oldJoin), extra: "SEQUENCE:0\r\n"})
	cal, res := migrateOne(t, calendar(master, inst), r, ch)
	if !res.Rewritten() || len(res.Changed) != 1 {
		t.Fatalf("first run: Skipped=%q Err=%v, %d changed", res.Skipped, res.Err, len(res.Changed))
	}
	_, again := migrateOne(t, string(cal.Bytes()), r, ch)
	if again.Skipped != AlreadyCurrent {
		t.Errorf("rerun over the output: Skipped=%q Err=%v, want already-current", again.Skipped, again.Err)
	}
	current := inst
	current.body = strings.NewReplacer("580849884", "999888777", "580 849 884", "999 888 777").Replace(teamsBody(oldJoin))
	if _, res := migrateOne(t, calendar(master, current), r, ch); res.Skipped != AlreadyCurrent {
		t.Errorf("instance already current: Skipped=%q Err=%v", res.Skipped, res.Err)
	}
}

// An instance whose block already carries the new join link (rewritten
// before, by hand or an earlier run) is the meeting's own, not another's.
func TestInstanceWithTheNewLinkIsTheMeetings(t *testing.T) {
	newLink := "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NEW%40thread.v2/0?context=%7b%22Tid%22%3a%22t%22%7d"
	master := future(event{start: "20260105T100000", body: teamsBody(oldJoin), extra: "RRULE:FREQ=WEEKLY;COUNT=6\r\nSEQUENCE:0\r\n"})
	inst := future(event{start: "20260203T130000", recurrenceID: "20260202T100000", body: teamsBody(newLink), extra: "SEQUENCE:0\r\n"})
	_, res := migrateOne(t, calendar(master, inst), testRules, Change{JoinURL: newLink, ConferenceID: "999888777"})
	if !res.Rewritten() || len(res.Notes) != 0 || len(res.Changed) != 2 {
		t.Errorf("Skipped=%q Err=%v Notes=%q, %d changed; want both components rewritten", res.Skipped, res.Err, res.Notes, len(res.Changed))
	}
}
