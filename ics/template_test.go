package ics

import (
	"strings"
	"testing"

	"github.com/mms-project/mms/ics/block"
)

// A join_url template with any text around "{meeting}" is current for a
// block whose link already fits it: a run over its own output changes
// nothing, and no link ever nests ("NEW-NEW-...").
func TestTemplateShapesAreIdempotent(t *testing.T) {
	cases := []struct {
		name     string
		ch       Change
		wantLink string
	}{
		{"prefix", Change{JoinURL: "https://teams.microsoft.com/l/meetup-join/NEW-{meeting}"},
			"https://teams.microsoft.com/l/meetup-join/NEW-19%3ameeting_OLD%40thread.v2"},
		{"suffix", Change{JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/0?context=%7b%22Tid%22%3a%22new%22%7d"},
			"https://teams.microsoft.com/l/meetup-join/19%3ameeting_OLD%40thread.v2/0?context=%7b%22Tid%22%3a%22new%22%7d"},
		{"both", Change{JoinURL: "https://teams.microsoft.com/l/meetup-join/NEW-{meeting}-X?p=1", ConferenceID: "111222333"},
			"https://teams.microsoft.com/l/meetup-join/NEW-19%3ameeting_OLD%40thread.v2-X?p=1"},
		{"path segment", Change{Provider: block.ProviderSkype, JoinURL: "https://meet.lync.com/contoso/bob/{meeting}"},
			"https://meet.lync.com/contoso/bob/19%3ameeting_OLD%40thread.v2"},
		{"two placeholders", Change{JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/x/{meeting}"},
			"https://teams.microsoft.com/l/meetup-join/19%3ameeting_OLD%40thread.v2/x/19%3ameeting_OLD%40thread.v2"},
		{"none", Change{JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NEW%40thread.v2/0"},
			"https://teams.microsoft.com/l/meetup-join/19%3ameeting_NEW%40thread.v2/0"},
	}
	rules := testRules
	rules.Organizer = append([]string{"bob@contoso.com"}, rules.Organizer...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cal, res := migrateOne(t, calendar(future(event{body: teamsBody(oldJoin)})), rules, tc.ch)
			if !res.Rewritten() {
				t.Fatalf("first run: Skipped=%q Err=%v", res.Skipped, res.Err)
			}
			if res.NewJoinURL != tc.wantLink {
				t.Fatalf("first run link = %q, want %q", res.NewJoinURL, tc.wantLink)
			}
			out := string(cal.Bytes())
			_, again := migrateOne(t, out, rules, tc.ch)
			if again.Skipped != AlreadyCurrent || again.Err != nil {
				t.Fatalf("second run: Skipped=%q Err=%v NewJoinURL=%q", again.Skipped, again.Err, again.NewJoinURL)
			}
			if again.NewJoinURL != tc.wantLink {
				t.Errorf("second run would write %q, want %q", again.NewJoinURL, tc.wantLink)
			}
			if strings.Contains(out, "NEW-NEW-") {
				t.Error("link nests")
			}
		})
	}
}

// An upper-cased host, or a Safe Links wrapper, still fits the template.
func TestFitsTemplate(t *testing.T) {
	cases := []struct {
		link, template string
		want           bool
	}{
		{"https://x.example/NEW-abc", "https://x.example/NEW-{meeting}", true},
		{"HTTPS://X.EXAMPLE/NEW-abc", "https://x.example/NEW-{meeting}", true},
		{"https://x.example/NEW-", "https://x.example/NEW-{meeting}", false},
		{"https://x.example/abc", "https://x.example/NEW-{meeting}", false},
		{"https://x.example/NEW-a/b", "https://x.example/NEW-{meeting}", false},
		{"https://x.example/a-S", "https://x.example/{meeting}-S", true},
		{"https://x.example/a-Sx", "https://x.example/{meeting}-S", false},
		{"https://x.example/fixed", "https://x.example/fixed", true},
		{"https://x.example/other", "https://x.example/fixed", false},
		{"https://x.example/x", "{meeting}", false},
	}
	for _, tc := range cases {
		if got := fitsTemplate(tc.link, tc.template); got != tc.want {
			t.Errorf("fitsTemplate(%q, %q) = %v, want %v", tc.link, tc.template, got, tc.want)
		}
	}
}

// A template written around the id's own start and end does not repeat
// them: a link copied with only the middle of the id replaced by
// {meeting} gives the meeting's link, and a run over its own output
// finds it current.
func TestTemplateAroundTheIDsOwnAffixes(t *testing.T) {
	id := "19%3ameeting_OLD%40thread.v2"
	for tmpl, want := range map[string]string{
		"https://teams.microsoft.com/l/meetup-join/{meeting}/0":                          "https://teams.microsoft.com/l/meetup-join/" + id + "/0",
		"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{meeting}%40thread.v2/0": "https://teams.microsoft.com/l/meetup-join/" + id + "/0",
		"https://teams.microsoft.com/l/meetup-join/19%3AMEETING_{meeting}/0":             "https://teams.microsoft.com/l/meetup-join/" + id + "/0",
		"https://x.example/{meeting}?again={meeting}":                                    "https://x.example/" + id + "?again=" + id,
	} {
		if got := expandMeeting(tmpl, id); got != want {
			t.Errorf("%s:\n got %s\nwant %s", tmpl, got, want)
		}
	}
	ch := Change{JoinURL: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_{meeting}%40thread.v2/0?context=new"}
	cal, res := migrateOne(t, calendar(future(event{body: teamsBody(oldJoin)})), testRules, ch)
	if !res.Rewritten() || strings.Count(res.NewJoinURL, "meeting_") != 1 {
		t.Fatalf("Skipped=%q Err=%v NewJoinURL %s", res.Skipped, res.Err, res.NewJoinURL)
	}
	if _, again := migrateOne(t, string(cal.Bytes()), testRules, ch); again.Skipped != AlreadyCurrent {
		t.Errorf("rerun: Skipped=%q Err=%v", again.Skipped, again.Err)
	}
}
