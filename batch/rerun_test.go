package batch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/internal/davserver"
	"github.com/mms-project/mms/internal/davtest"
)

// templateShapes are join_url templates with text on either side of
// {meeting}, or none. USER stands for the organiser's local part: a Skype
// link naming another user (https://meet.lync.com/contoso/bob/...) would
// be a pasted block on the rerun, not the organiser's own.
var templateShapes = []struct{ name, target, joinURL string }{
	{"prefix", "teams", "https://teams.microsoft.com/l/meetup-join/NEW-{meeting}"},
	{"suffix", "teams", "https://teams.microsoft.com/l/meetup-join/{meeting}/0?context=%7b%22Tid%22%3a%22new%22%7d"},
	{"both", "teams", "https://teams.microsoft.com/l/meetup-join/NEW-{meeting}-X?p=1"},
	{"path segment", "skype", "https://meet.lync.com/contoso/USER/{meeting}"},
	{"none", "teams", "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NEW%40thread.v2/0"},
}

// shapeFiles writes a users file giving each of the first four demo users
// the calendar calendar(i) names, and a changes file moving them with the
// template.
func shapeFiles(t *testing.T, dir, suffix, target, joinURL string, calendar func(i int) string) (string, string) {
	t.Helper()
	users := "user,mailbox,calendar,audio_provider,aliases\n"
	changes := "user,change,target,join_url,conference_id\n"
	for i := range 4 {
		users += fmt.Sprintf("user%05d@contoso.com,online,%s,microsoft,\n", i, calendar(i))
		link := strings.ReplaceAll(joinURL, "USER", fmt.Sprintf("user%05d", i))
		changes += fmt.Sprintf("user%05d@contoso.com,moved-to-online,%s,%s,5000%05d\n", i, target, link, i)
	}
	up, cp := filepath.Join(dir, "users"+suffix+".csv"), filepath.Join(dir, "changes"+suffix+".csv")
	if err := os.WriteFile(up, []byte(users), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cp, []byte(changes), 0o644); err != nil {
		t.Fatal(err)
	}
	return up, cp
}

// checkQuietRerun: the first batch updated meetings; the rerun over its
// output updated none, found each of them already-current (not merely
// already-sent) and sent nothing.
func checkQuietRerun(t *testing.T, o RunOptions, first, rerun Summary) {
	t.Helper()
	updated := map[string]bool{}
	for _, m := range batchMeetings(t, o.DB, first.BatchID) {
		if m.Outcome == migrate.Updated {
			updated[m.UserID+" "+m.UID] = true
		}
	}
	if len(updated) == 0 {
		t.Fatalf("the first run updated nothing: %+v", first)
	}
	current := 0
	for _, m := range batchMeetings(t, o.DB, rerun.BatchID) {
		key := m.UserID + " " + m.UID
		switch {
		case m.Outcome == migrate.Updated || m.Outcome == migrate.Failed:
			t.Errorf("rerun: %s %s %q (new link %q)", key, m.Outcome, m.Reason, m.NewJoinURL)
		case updated[key] && m.Reason != "already-current":
			t.Errorf("rerun: %s, updated by the first run, is %s %q; want already-current", key, m.Outcome, m.Reason)
		case updated[key]:
			current++
		}
		if strings.Contains(m.NewJoinURL, "NEW-NEW-") || strings.Count(m.NewJoinURL, "/user0000") > 1 {
			t.Errorf("rerun: %s: the link nests: %s", key, m.NewJoinURL)
		}
	}
	if current != len(updated) || rerun.Updated != 0 || rerun.Invites != 0 {
		t.Errorf("rerun: %d of %d already-current, %d updated, %d sent", current, len(updated), rerun.Updated, rerun.Invites)
	}
	if eml, _ := filepath.Glob(filepath.Join(o.Out, "outbox", "*.eml")); len(eml) != 0 {
		t.Errorf("rerun wrote %d messages to the outbox", len(eml))
	}
}

// TestRerunOverOutputSendsNothing: for every template shape, a run, then
// a run over its own output calendars (--again: a batch of its own, so
// nothing is held back as already-sent) finds everything current.
func TestRerunOverOutputSendsNothing(t *testing.T) {
	for _, shape := range templateShapes {
		t.Run(shape.name, func(t *testing.T) {
			o := demoOptions(t)
			dir := filepath.Dir(o.Report)
			o.Users, o.Changes = shapeFiles(t, dir, "", shape.target, shape.joinURL, func(i int) string {
				return abs(fmt.Sprintf("../fixtures/demo/calendars/user%05d.ics", i))
			})
			o.Out = filepath.Join(dir, "out1")
			first, err := Run(context.Background(), o)
			if err != nil || first.Failed != 0 {
				t.Fatalf("first run: %+v, %v", first, err)
			}
			o.Users, o.Changes = shapeFiles(t, dir, "-rerun", shape.target, shape.joinURL, func(i int) string {
				out := filepath.Join(dir, "out1", "calendars", fmt.Sprintf("user%05d.ics", i))
				if _, err := os.Stat(out); err != nil {
					return abs(fmt.Sprintf("../fixtures/demo/calendars/user%05d.ics", i)) // nothing of it rewritten
				}
				return out
			})
			o.Out, o.Again = filepath.Join(dir, "out2"), true
			rerun, err := Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			checkQuietRerun(t, o, first, rerun)
		})
	}
}

// TestRerunOverRadicaleSendsNothing: the same over CalDAV: a run writes
// the meetings back to Radicale; the same run again (--again) finds
// everything there current.
func TestRerunOverRadicaleSendsNothing(t *testing.T) {
	srv := davserver.Start(t, "radicale")
	logins := []string{"alice", "bob", "carol", "dave"}
	for n, shape := range templateShapes {
		t.Run(shape.name, func(t *testing.T) {
			o := demoOptions(t)
			dir := filepath.Dir(o.Report)
			name := fmt.Sprintf("rerun-%d-%d", n, time.Now().UnixNano())
			o.Users, o.Changes = shapeFiles(t, dir, "", shape.target, shape.joinURL, func(i int) string {
				return davtest.Calendar(t, srv, logins[i], name, fmt.Sprintf("../fixtures/demo/calendars/user%05d.ics", i))
			})
			o.Getenv = davtest.NetrcEnv(t, nil, logins...)
			o.Out = filepath.Join(dir, "out1")
			first, err := Run(context.Background(), o)
			if err != nil || first.Failed != 0 {
				t.Fatalf("first run: %+v, %v", first, err)
			}
			o.Out, o.Again = filepath.Join(dir, "out2"), true
			rerun, err := Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			checkQuietRerun(t, o, first, rerun)
		})
	}
}
