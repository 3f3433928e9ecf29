package batch

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/ics"
	"github.com/mms-project/mms/report"
)

// copyDemo copies the demo batch (users, changes, calendars) into a new
// directory, the layout a consultant keeps: users.csv beside calendars/.
func copyDemo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../fixtures/demo")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func sums(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		out[path] = sha256.Sum256(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A run whose report or rewritten calendars would land on its inputs is
// refused before anything is written: inputs are never modified.
func TestOutputsNeverReplaceInputs(t *testing.T) {
	dir := copyDemo(t)
	linked := t.TempDir()
	if err := os.Symlink(filepath.Join(dir, "calendars"), filepath.Join(linked, "calendars")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name        string
		out, report string
		dryRun      bool
		want        string
	}{
		{"out is the input folder", dir, filepath.Join(t.TempDir(), "r.csv"), false, "would replace the calendar of user00000@contoso.com"},
		{"out links to the input calendars", linked, filepath.Join(t.TempDir(), "r.csv"), false, "would replace the calendar of"},
		{"report is the changes file", t.TempDir(), filepath.Join(dir, "changes.csv"), true, "is the changes file"},
		{"report is the users file", t.TempDir(), filepath.Join(dir, "users.csv"), true, "is the users file"},
		{"meetings CSV is the changes file", t.TempDir(), filepath.Join(dir, "changes-x.csv"), true, "is the changes file"},
		{"report is a calendar", t.TempDir(), filepath.Join(dir, "calendars", "user00001.ics"), false, "use a name ending in .xlsx, .csv or .html (.htm)"},
		// an audit: the meetings file was written over
		{"report is the meetings file", t.TempDir(), filepath.Join(dir, "meetings.csv"), true, "is the meetings file"},
		{"report's meetings CSV is the meetings file", t.TempDir(), filepath.Join(dir, "meetings.csv"), true, "is the meetings file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := sums(t, dir)
			o := RunOptions{Users: filepath.Join(dir, "users.csv"), Changes: filepath.Join(dir, "changes.csv"), Out: c.out, Report: c.report,
				Now: demoNow, DryRun: c.dryRun, DB: filepath.Join(t.TempDir(), "mms.db")}
			switch c.name {
			case "report is the meetings file":
				o.Meetings = filepath.Join(dir, "meetings.csv")
			case "report's meetings CSV is the meetings file":
				o.Meetings, o.Report = filepath.Join(dir, "r.meetings.csv"), filepath.Join(dir, "r.csv")
			}
			if o.Meetings != "" {
				if err := os.WriteFile(o.Meetings, []byte("user,uid,join_url\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				defer os.Remove(o.Meetings)
				before = sums(t, dir)
			}
			if c.name == "meetings CSV is the changes file" { // FILE.csv writes FILE.meetings.csv beside it
				o.Changes = filepath.Join(dir, "changes-x.meetings.csv")
				if err := os.Rename(filepath.Join(dir, "changes.csv"), o.Changes); err != nil {
					t.Fatal(err)
				}
				defer os.Rename(o.Changes, filepath.Join(dir, "changes.csv"))
				before = sums(t, dir)
			}
			_, err := Run(context.Background(), o)
			if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want bad input saying %q", err, c.want)
			}
			after := sums(t, dir)
			for path, sum := range before {
				if after[path] != sum {
					t.Errorf("%s changed", path)
				}
			}
			if len(after) != len(before) {
				t.Errorf("%d files in the input folder, %d before", len(after), len(before))
			}
		})
	}
}

// A dry run's users say what would be done, never that it was.
func TestDryRunMessages(t *testing.T) {
	o := demoOptions(t)
	o.DryRun = true
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(o.Report)
	if err != nil {
		t.Fatal(err)
	}
	if text := string(data); strings.Contains(text, "meetings rewritten") || !strings.Contains(text, "meetings would be rewritten (dry run") {
		t.Errorf("dry-run users report:\n%s", text)
	}
}

// The demo's weekly series has an instance a week before now, moved: the
// run rewrites the master and the future instance and leaves that past
// instance byte for byte.
func TestDemoPastInstanceKeepsItsBytes(t *testing.T) {
	o := demoOptions(t)
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	in, err := os.ReadFile("../fixtures/demo/calendars/user00001.ics")
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(filepath.Join(o.Out, "calendars", "user00001.ics"))
	if err != nil {
		t.Fatal(err)
	}
	past := event(t, string(in), `RECURRENCE-ID;TZID="W. Europe Standard Time":20260108T100000`)
	if !strings.Contains(string(out), past) {
		t.Error("the past instance changed")
	}
	future := event(t, string(in), `RECURRENCE-ID;TZID="W. Europe Standard Time":20260122T100000`)
	if strings.Contains(string(out), future) {
		t.Error("the future instance was not rewritten")
	}
}

// event returns the VEVENT of data that holds line.
func event(t *testing.T, data, line string) string {
	t.Helper()
	at := strings.Index(data, line)
	if at < 0 {
		t.Fatalf("no %s", line)
	}
	begin := strings.LastIndex(data[:at], "BEGIN:VEVENT")
	end := at + strings.Index(data[at:], "END:VEVENT") + len("END:VEVENT")
	return data[begin:end]
}

// Outlook names every export Calendar.ics: users whose calendars share a
// file name in different folders are all migrated, the first under its
// file name, the others under their path below the users file's folder.
func TestSameFileNames(t *testing.T) {
	dir := t.TempDir()
	demo, err := os.ReadFile("../fixtures/demo/calendars/user00001.ics")
	if err != nil {
		t.Fatal(err)
	}
	var users, changes strings.Builder
	users.WriteString("user,calendar\n")
	changes.WriteString("user,change,target,join_url\n")
	for _, u := range []string{"u1", "u2", "u3"} {
		if err := os.MkdirAll(filepath.Join(dir, u), 0o755); err != nil {
			t.Fatal(err)
		}
		// The same organiser's export for each, so every user has meetings to rewrite.
		if err := os.WriteFile(filepath.Join(dir, u, "Calendar.ics"), []byte(strings.ReplaceAll(string(demo), "user00001@", u+"@")), 0o644); err != nil {
			t.Fatal(err)
		}
		users.WriteString(u + "@contoso.com," + u + "/Calendar.ics\n")
		changes.WriteString(u + "@contoso.com,moved-to-online,teams,https://teams.microsoft.com/l/meetup-join/{meeting}/0\n")
	}
	os.WriteFile(filepath.Join(dir, "users.csv"), []byte(users.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "changes.csv"), []byte(changes.String()), 0o644)
	o := demoOptions(t)
	o.Users, o.Changes = filepath.Join(dir, "users.csv"), filepath.Join(dir, "changes.csv")
	sum, err := Run(context.Background(), o)
	if err != nil || sum.Failed != 0 || sum.Updated == 0 {
		t.Fatalf("run: %+v, %v", sum, err)
	}
	for _, name := range []string{"Calendar.ics", "u2/Calendar.ics", "u3/Calendar.ics"} {
		data, err := os.ReadFile(filepath.Join(o.Out, "calendars", name))
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]string{"Calendar.ics": "u1@", "u2/Calendar.ics": "u2@", "u3/Calendar.ics": "u3@"}[name]; !strings.Contains(string(data), "mailto:"+want+"contoso.com") {
			t.Errorf("%s is not the calendar of %s", name, want)
		}
	}
}

// Exports named Calendar.ics outside the users file's folder are told
// apart by the folders above them, as few as it takes: the second user
// failed ("give each user a calendar file of its own name").
func TestSameFileNamesOutside(t *testing.T) {
	dir := t.TempDir()
	demo, err := os.ReadFile("../fixtures/demo/calendars/user00001.ics")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "lists"), 0o755)
	var users, changes strings.Builder
	users.WriteString("user,calendar\n")
	changes.WriteString("user,change,target,join_url\n")
	want := map[string]string{}
	for i, folder := range []string{"exports/u1", "exports/u2", "old/u2", "exports/u3"} {
		u := fmt.Sprintf("u%d", i+1)
		path := filepath.Join(dir, folder, "Calendar.ics")
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(demo), "user00001@", u+"@")), 0o644); err != nil {
			t.Fatal(err)
		}
		users.WriteString(u + "@contoso.com," + path + "\n")
		changes.WriteString(u + "@contoso.com,moved-to-online,teams,https://teams.microsoft.com/l/meetup-join/{meeting}/0\n")
		want[u] = []string{"Calendar.ics", "u2/Calendar.ics", "old/u2/Calendar.ics", "u3/Calendar.ics"}[i]
	}
	os.WriteFile(filepath.Join(dir, "lists", "users.csv"), []byte(users.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "lists", "changes.csv"), []byte(changes.String()), 0o644)
	o := demoOptions(t)
	o.Users, o.Changes = filepath.Join(dir, "lists", "users.csv"), filepath.Join(dir, "lists", "changes.csv")
	sum, err := Run(context.Background(), o)
	if err != nil || sum.Failed != 0 || sum.Updated == 0 {
		t.Fatalf("run: %+v, %v", sum, err)
	}
	for u, name := range want {
		data, err := os.ReadFile(filepath.Join(o.Out, "calendars", name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "mailto:"+u+"@contoso.com") {
			t.Errorf("%s is not the calendar of %s", name, u)
		}
	}
}

// One calendar file named for two users fails the later user, naming the
// first: each would get a copy missing the other's changes. Two files of
// one name go to a folder of their own, and the user's message says where.
func TestCalendarsSharedOrOfOneName(t *testing.T) {
	dir := copyDemo(t)
	os.MkdirAll(filepath.Join(dir, "bo"), 0o755)
	data, _ := os.ReadFile(filepath.Join(dir, "calendars", "user00003.ics"))
	os.WriteFile(filepath.Join(dir, "bo", "user00001.ics"), data, 0o644)
	o, by := runCalendars(t, dir, [][]string{
		{"user00000@contoso.com", "calendars/user00000.ics"},
		{"user00001@contoso.com", "calendars/user00000.ics"},
		{"user00002@contoso.com", "calendars/user00001.ics"},
		{"user00003@contoso.com", "bo/user00001.ics"},
	})
	if u := by["user00001@contoso.com"]; u.State != store.Failed || !strings.Contains(u.LastMessage, "also user00000@contoso.com's calendar") {
		t.Errorf("the second user of one file: %s %q", u.State, u.LastMessage)
	}
	if u := by["user00000@contoso.com"]; u.State != store.Succeeded {
		t.Errorf("the first user of one file: %s %q", u.State, u.LastMessage)
	}
	if u := by["user00003@contoso.com"]; u.State != store.Succeeded || !strings.Contains(u.LastMessage, "written as calendars/bo/user00001.ics") {
		t.Errorf("a second file of one name: %s %q", u.State, u.LastMessage)
	}
	if _, err := os.Stat(filepath.Join(o.Out, "calendars", "bo", "user00001.ics")); err != nil {
		t.Error(err)
	}
}

// A user the users file spells otherwise than in lower case is reported
// (users and meetings), and shown by mms status, as the file spells it,
// so that a reader finds the rows of the address they gave; it is matched
// (changes file, aliases, status --user) in any case.
func TestReportsSpellUsersAsTheUsersFile(t *testing.T) {
	dir := copyDemo(t)
	users := filepath.Join(dir, "users.csv")
	data, err := os.ReadFile(users)
	if err != nil {
		t.Fatal(err)
	}
	const given = "User00000@Contoso.com"
	if err := os.WriteFile(users, []byte(strings.Replace(string(data), "\nuser00000@contoso.com,", "\n"+given+",", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	o := RunOptions{Users: users, Changes: filepath.Join(dir, "changes.csv"), Out: filepath.Join(t.TempDir(), "out"), Report: filepath.Join(t.TempDir(), "r.csv"),
		Now: demoNow, DB: filepath.Join(t.TempDir(), "mms.db")}
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{o.Report, report.MeetingsCSV(o.Report)} {
		rows := readCSVFile(t, file)
		found := 0
		for _, r := range rows {
			switch r["UserId"] {
			case given:
				found++
			case "user00000@contoso.com":
				t.Errorf("%s: a row says %s in lower case", filepath.Base(file), given)
			}
		}
		if found == 0 {
			t.Errorf("%s: no row of %s", filepath.Base(file), given)
		}
	}
	st, err := store.Open(context.Background(), o.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	us, err := st.Users(context.Background(), store.Filter{BatchID: sum.BatchID, UserID: given})
	if err != nil || len(us) != 1 || us[0].Shown() != given || us[0].UserID != "user00000@contoso.com" || us[0].State != store.Succeeded {
		t.Errorf("the store's user: %+v, %v; want %s shown, its key in lower case, succeeded", us, err, given)
	}
}

// readCSVFile reads a report's CSV (byte order mark and all) as rows by
// column name.
func readCSVFile(t *testing.T, path string) []map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\uFEFF"))).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("%s: %v", path, err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, name := range recs[0] {
			if i < len(rec) {
				row[name] = rec[i]
			}
		}
		out = append(out, row)
	}
	return out
}

// A meeting's Attendees is how many people it invites: each ATTENDEE
// address once, the organiser's not (found by an audit: the organiser was
// counted, 8 for a meeting of 7 attendees).
func TestAttendeesColumnCountsTheInvited(t *testing.T) {
	o := demoOptions(t)
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../fixtures/demo/calendars/user00000.ics")
	if err != nil {
		t.Fatal(err)
	}
	cal, err := ics.Parse("user00000.ics", data)
	if err != nil {
		t.Fatal(err)
	}
	invited := map[string]map[string]bool{}
	for _, ev := range cal.Components("VEVENT") {
		uid, _ := ev.Prop("UID")
		org, _ := ev.Prop("ORGANIZER")
		for _, a := range ev.All("ATTENDEE") {
			if addr := strings.ToLower(a.Value); addr != strings.ToLower(org.Value) {
				if invited[uid.Value] == nil {
					invited[uid.Value] = map[string]bool{}
				}
				invited[uid.Value][addr] = true
			}
		}
	}
	checked := 0
	for _, m := range readCSVFile(t, strings.TrimSuffix(o.Report, ".csv")+".meetings.csv") {
		if m["UserId"] != "user00000@contoso.com" {
			continue
		}
		if want := strconv.Itoa(len(invited[m["UID"]])); m["Attendees"] != want {
			t.Errorf("%s: Attendees %s, want %s", m["UID"], m["Attendees"], want)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no meeting of user00000 in the report")
	}
}

// A new batch writing the same --out and --report as an unfinished one
// (started with another --now, say, and left) is warned of: that batch,
// finished later, would write over this one's files (found by a newcomer
// trial: mms work finished it and replaced the newer report).
func TestRunWarnsOfAnUnfinishedBatchWritingTheSameFiles(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	left, err := Enqueue(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	o.Now = o.Now.Add(time.Second)
	sum, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	want := "batch " + left.BatchID[:8] + " (started "
	if !slices.ContainsFunc(sum.Warnings, func(w string) bool {
		return strings.Contains(w, want) && strings.Contains(w, "is unfinished and writes the same --out "+o.Out+" and --report "+o.Report)
	}) {
		t.Errorf("warnings %q, want one naming batch %s", sum.Warnings, left.BatchID)
	}
	o.Now = o.Now.Add(time.Second)
	o.Out, o.Report = filepath.Join(t.TempDir(), "out"), filepath.Join(t.TempDir(), "r.csv")
	if sum, err := Run(ctx, o); err != nil || len(sum.Warnings) != 0 {
		t.Errorf("other files: warnings %q, %v", sum.Warnings, err)
	}
}

// A calendar file reached by a symbolic or a hard link is the file: a
// second user of it fails as one naming the same path does. Found by an
// audit: each user's copy went out missing the other's changes.
func TestCalendarSharedThroughALink(t *testing.T) {
	dir := copyDemo(t)
	if err := os.Symlink(filepath.Join(dir, "calendars", "user00000.ics"), filepath.Join(dir, "sym.ics")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if err := os.Link(filepath.Join(dir, "calendars", "user00002.ics"), filepath.Join(dir, "hard.ics")); err != nil {
		t.Skip("no hard links here:", err)
	}
	_, by := runCalendars(t, dir, [][]string{
		{"user00000@contoso.com", "calendars/user00000.ics"},
		{"user00001@contoso.com", "sym.ics"},
		{"user00002@contoso.com", "calendars/user00002.ics"},
		{"user00003@contoso.com", "hard.ics"},
	})
	for user, first := range map[string]string{"user00001@contoso.com": "user00000@contoso.com", "user00003@contoso.com": "user00002@contoso.com"} {
		if u := by[user]; u.State != store.Failed || !strings.Contains(u.LastMessage, "also "+first+"'s calendar") {
			t.Errorf("%s, a link to %s's calendar: %s %q", user, first, u.State, u.LastMessage)
		}
		if u := by[first]; u.State != store.Succeeded {
			t.Errorf("%s: %s %q", first, u.State, u.LastMessage)
		}
	}
}

// runCalendars runs the demo's changes for users given their calendars
// (rows of user, calendar in the demo copy dir) and returns the options
// and the batch's users by address.
func runCalendars(t *testing.T, dir string, rows [][]string) (RunOptions, map[string]store.User) {
	t.Helper()
	o := demoOptions(t)
	o.Users = writeTable(t, filepath.Join(dir, "users2.csv"), append([][]string{{"user", "calendar"}}, rows...))
	o.Changes = filepath.Join(dir, "changes.csv")
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]store.User{}
	for _, u := range batchUsers(t, o.DB, store.Filter{BatchID: sum.BatchID}) {
		by[u.UserID] = u
	}
	return o, by
}

// A run that sends (here over SMTP) into an --out that a batch of another
// state store wrote stops before its store is even made, naming the store
// that batch used; with the marker removed it would go on.
func TestOutStoreRefusesSending(t *testing.T) {
	ctx := context.Background()
	o := demoOptions(t)
	sum, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(o.DB)
	other := filepath.Join(t.TempDir(), "new", "mms.db")
	send := o
	send.DB, send.Send = other, "smtp://127.0.0.1:2525"
	_, err = checkOutStore(ctx, nil, send)
	want := "was written by batch " + sum.BatchID + ", whose state store was " + abs + "; this run's, " + other + ", does not hold it, so the updates that batch sent would all go out again"
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	st, err := OpenStore(ctx, o.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if w, err := checkOutStore(ctx, st, send); w != "" || err != nil { // the store that wrote it
		t.Errorf("the same store: %q, %v", w, err)
	}
	if err := os.Remove(filepath.Join(o.Out, OutStoreFile)); err != nil {
		t.Fatal(err)
	}
	if w, err := checkOutStore(ctx, nil, send); w != "" || err != nil {
		t.Errorf("the marker removed: %q, %v", w, err)
	}
}
