package ics

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/ics/block"
)

// A meeting moved to Teams with a row of its own gets the row's link,
// Meeting ID and passcode; one without a row, whose change gives no
// join_url, fails with what to add, and no link is made up. A rerun over
// the output changes nothing.
func TestPerMeetingValues(t *testing.T) {
	const ownLink = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_OWN%40thread.v2/0"
	ch := Change{Provider: block.ProviderTeams, Meetings: map[string]MeetingChange{
		"own": {JoinURL: ownLink, MeetingID: "311 222 333 444", Passcode: "Xy12Ab", ConferenceID: "777888999", TollNumbers: []string{"+46 8 505 248 89"}},
	}}
	src := calendar(future(event{uid: "own", body: skypeBody}), future(event{uid: "none", body: skypeBody}))
	cal, err := Parse("per.ics", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	r := testRules
	r.Organizer = append(r.Organizer, "anna@contoso.com")
	byUID := map[string]Result{}
	for _, m := range cal.Meetings() {
		byUID[m.UID] = cal.Migrate(m, r, ch)
	}
	own, none := byUID["own"], byUID["none"]
	if !own.Rewritten() || own.NewJoinURL != ownLink {
		t.Fatalf("own: %+v", own)
	}
	if !errors.Is(none.Err, ErrNoJoinLink) || !strings.Contains(none.Err.Error(), "no new join link: add the meeting to --meetings or give join_url in the change") {
		t.Fatalf("none: Err = %v, Skipped = %q", none.Err, none.Skipped)
	}
	if none.NewJoinURL != "" || none.Changed != nil {
		t.Errorf("none: made up %q", none.NewJoinURL)
	}
	out, err := Parse("out.ics", cal.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	desc, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
	b, ok := block.FindText(desc.Text())
	if !ok || b.Provider != block.ProviderTeams || b.MeetingNumber != "311 222 333 444" || b.Passcode != "Xy12Ab" || b.ConferenceID != "777888999" || len(b.TollNumbers) != 1 {
		t.Errorf("new block = %+v, %v", b, ok)
	}
	if !strings.Contains(desc.Text(), "Agenda\n") {
		t.Errorf("text around the block lost: %q", desc.Text())
	}
	again := out.Migrate(out.Meetings()[0], r, ch)
	if again.Skipped != AlreadyCurrent {
		t.Errorf("rerun: Skipped=%q Err=%v", again.Skipped, again.Err)
	}
}

// A row's Meeting ID and passcode replace the old block's in place; so
// where they stand alone on the line under their labels, as a block read
// out of HTML may show them (left at stop 35: the old passcode stayed, the
// new one added under it).
func TestPerMeetingIDReplacesInPlace(t *testing.T) {
	for name, body := range map[string]string{
		"after their labels": teams2025Body,
		"under their labels": strings.NewReplacer("Meeting ID: ", "Meeting ID:\n", "Passcode: ", "Passcode:\n").Replace(teams2025Body),
	} {
		t.Run(name, func(t *testing.T) {
			ch := Change{Meetings: map[string]MeetingChange{"uid-1": {JoinURL: "https://teams.microsoft.com/meet/99999999999?p=NEWPASS", MeetingID: "999 999 999 99", Passcode: "NEWP12"}}}
			cal, res := migrateOne(t, calendar(future(event{body: body, extra: "X-MICROSOFT-SKYPETEAMSMEETINGURL:" + oldJoin + "\r\n"})), testRules, ch)
			if !res.Rewritten() {
				t.Fatalf("%+v", res)
			}
			out, _ := Parse("out.ics", cal.Bytes())
			desc, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
			want := strings.NewReplacer(
				"https://teams.microsoft.com/meet/24492917083867?p=7ZkQ2u4XyZaB1cDe", "https://teams.microsoft.com/meet/99999999999?p=NEWPASS",
				oldJoin, "https://teams.microsoft.com/meet/99999999999?p=NEWPASS",
				"244 929 170 838 67", "999 999 999 99", "7ZkQ2u\n", "NEWP12\n").Replace(body)
			if desc.Text() != want {
				t.Errorf("DESCRIPTION\n got %q\nwant %q", desc.Text(), want)
			}
		})
	}
}

// The report's End is Start plus the meeting's length, and Recurrence is
// the master's RRULE.
func TestEndAndRecurrence(t *testing.T) {
	ev := future(event{start: "20260105T100000", body: teamsBody(oldJoin), extra: "DTEND;TZID=\"W. Europe Standard Time\":20260105T113000\r\nRRULE:FREQ=WEEKLY;BYDAY=MO\r\n"})
	_, res := migrateOne(t, calendar(ev), testRules, newTeams)
	if !res.HasStart || !res.HasEnd || res.End.Sub(res.Start) != 90*time.Minute {
		t.Errorf("Start %s End %s (%v %v)", res.Start, res.End, res.HasStart, res.HasEnd)
	}
	if !res.Start.Equal(time.Date(2026, 1, 19, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("Start = %s, want the next occurrence", res.Start)
	}
	if res.Recurrence != "FREQ=WEEKLY;BYDAY=MO" {
		t.Errorf("Recurrence = %q", res.Recurrence)
	}
}

func TestUnknownMeetings(t *testing.T) {
	cal, err := Parse("u.ics", []byte(calendar(future(event{uid: "a"}), future(event{uid: "b"}))))
	if err != nil {
		t.Fatal(err)
	}
	ch := Change{Meetings: map[string]MeetingChange{"b": {}, "z": {}, "c": {}}}
	if got := ch.UnknownMeetings(cal.Meetings()); strings.Join(got, ",") != "c,z" {
		t.Errorf("UnknownMeetings = %v", got)
	}
}

// A block without a Meeting ID gains the row's Meeting ID and passcode
// after its join link, spaced as its lines are, in text and HTML; the rest
// stays.
func TestPerMeetingIDAddedInPlace(t *testing.T) {
	const link = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_ROW%40thread.v2/0"
	ch := Change{Meetings: map[string]MeetingChange{"uid-1": {JoinURL: link, MeetingID: "311 222 333 444", Passcode: "Xy12Ab"}}}
	cal, res := migrateOne(t, calendar(future(event{body: teamsBody(oldJoin), extra: altDesc(teamsHTML(oldJoin))})), testRules, ch)
	if !res.Rewritten() {
		t.Fatalf("%+v", res)
	}
	out, _ := Parse("out.ics", cal.Bytes())
	desc, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
	want := strings.Replace(teamsBody(oldJoin), "Click here to join the meeting <"+oldJoin+">\n\n",
		"Click here to join the meeting <"+link+">\n\nMeeting ID: 311 222 333 444\n\nPasscode: Xy12Ab\n\n", 1)
	want = strings.Replace(want, " | Meeting options <https://teams.microsoft.com/meetingOptions/>", "", 1)
	if desc.Text() != want {
		t.Errorf("DESCRIPTION\n got %q\nwant %q", desc.Text(), want)
	}
	p, _ := htmlBody(out.Meetings()[0].First())
	b, ok := block.FindHTML(p.Text())
	added := "Click here to join the meeting</a></div>" + block.MeetingIDHTML(block.Spec{MeetingNumber: "311 222 333 444", Passcode: "Xy12Ab", Lang: "en-US"})
	if !ok || b.MeetingNumber != "311 222 333 444" || b.Passcode != "Xy12Ab" || !strings.Contains(p.Text(), added) {
		t.Errorf("HTML block = %+v %v", b, ok)
	}
	if again := out.Migrate(out.Meetings()[0], testRules, ch); again.Skipped != AlreadyCurrent {
		t.Errorf("rerun: Skipped=%q Err=%v", again.Skipped, again.Err)
	}
}

// A Meeting ID mms writes from a row is grouped in threes from the left,
// as Teams shows it, whether it is added to the old block or written in a
// whole new one.
func TestRowMeetingIDIsGrouped(t *testing.T) {
	const link = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_ROW%40thread.v2/0"
	ch := Change{Provider: block.ProviderTeams, Meetings: map[string]MeetingChange{"uid-1": {JoinURL: link, MeetingID: "300000000001", Passcode: "Ab12Cd"}}}
	for name, body := range map[string]string{"added in place": teamsBody(oldJoin), "new block": skypeBody} {
		cal, res := migrateOne(t, calendar(future(event{body: body, extra: altDesc(teamsHTML(oldJoin))})), testRules, ch)
		if !res.Rewritten() {
			t.Fatalf("%s: %+v", name, res)
		}
		out, _ := Parse("out.ics", cal.Bytes())
		desc, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
		if !strings.Contains(desc.Text(), "Meeting ID: 300 000 000 001\n") {
			t.Errorf("%s: DESCRIPTION %q", name, desc.Text())
		}
		p, _ := htmlBody(out.Meetings()[0].First())
		if !strings.Contains(p.Text(), ">300 000 000 001<") {
			t.Errorf("%s: X-ALT-DESC %q", name, p.Text())
		}
	}
	for in, want := range map[string]string{"24492917083867": "244 929 170 838 67", "300 000 000 001": "300 000 000 001", "12-34": "12-34", "1": "1"} {
		if got := teamsMeetingID(in); got != want {
			t.Errorf("teamsMeetingID(%q) = %q, want %q", in, got, want)
		}
	}
}

// A Skype meeting moved to Teams by a join_url template gets a link made
// from its Skype id, which opens a meeting only if one was made with it:
// its Notes say so and point at --meetings. A meeting with a row of its
// own, and a Teams meeting kept on Teams, get no such note.
func TestTemplateOverAnotherServicesID(t *testing.T) {
	const template = "https://teams.microsoft.com/l/meetup-join/{meeting}/0?context=%7b%22Tid%22%3a%22contoso%22%7d"
	const ownLink = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_OWN%40thread.v2/0"
	ch := Change{Provider: block.ProviderTeams, JoinURL: template, Meetings: map[string]MeetingChange{"own": {JoinURL: ownLink}}}
	src := calendar(future(event{uid: "skype", body: skypeBody}), future(event{uid: "own", body: skypeBody}), future(event{uid: "teams", body: teamsBody(oldJoin)}))
	cal, err := Parse("t.ics", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	r := testRules
	r.Organizer = append(r.Organizer, "anna@contoso.com")
	for _, m := range cal.Meetings() {
		res := cal.Migrate(m, r, ch)
		if !res.Rewritten() {
			t.Fatalf("%s: Skipped=%q Err=%v", m.UID, res.Skipped, res.Err)
		}
		noted := strings.Contains(strings.Join(res.Notes, "; "), "the new join link is the join_url template's with this meeting's skype id")
		if noted != (m.UID == "skype") {
			t.Errorf("%s: Notes %q", m.UID, res.Notes)
		}
	}
}

// A new join link without a Meeting ID drops the old Meeting ID and
// passcode, their labels with them where they stand alone above them (a
// review: "Meeting ID:" and "Passcode:" were left with nothing under
// them).
func TestMeetingIDDroppedWithItsLabel(t *testing.T) {
	newLink := "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NEW%40thread.v2/0?context=%7b%7d"
	for name, body := range map[string]string{
		"after their labels": teams2025Body,
		"under their labels": strings.NewReplacer("Meeting ID: ", "Meeting ID:\n", "Passcode: ", "Passcode:\n").Replace(teams2025Body),
	} {
		t.Run(name, func(t *testing.T) {
			row := Change{Meetings: map[string]MeetingChange{"uid-1": {JoinURL: newLink}}}
			cal, res := migrateOne(t, calendar(future(event{body: body, extra: "X-MICROSOFT-SKYPETEAMSMEETINGURL:" + oldJoin + "\r\n"})), testRules, row)
			if !res.Rewritten() {
				t.Fatalf("%+v", res)
			}
			out, _ := Parse("out.ics", cal.Bytes())
			desc, _ := out.Meetings()[0].First().Prop("DESCRIPTION")
			text := desc.Text()
			for _, gone := range []string{"Meeting ID", "Passcode", "244 929 170 838 67", "7ZkQ2u"} {
				if strings.Contains(text, gone) {
					t.Errorf("%q left in\n%s", gone, text)
				}
			}
			if !strings.Contains(text, newLink) || !strings.Contains(text, "Microsoft Teams meeting\n") {
				t.Errorf("DESCRIPTION\n%s", text)
			}
		})
	}
}
