package batch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mms-project/mms/batch/input"
	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/report"
)

// TestRejectedRowsInTheReport: a changes row for a user the users file
// lacks is rejected; every other user runs, and the rejected row is in the
// report's heading, not only on stderr.
func TestRejectedRowsInTheReport(t *testing.T) {
	o := demoOptions(t)
	o.Report = strings.TrimSuffix(o.Report, ".csv") + ".html" // the CSV files are rows only
	data, err := os.ReadFile(o.Changes)
	if err != nil {
		t.Fatal(err)
	}
	o.Changes = filepath.Join(t.TempDir(), "changes.csv")
	data = append(data, "nobody@contoso.com,moved-to-online,teams,https://teams.microsoft.com/l/meetup-join/{meeting}/0,12,,,,2026-01-15T08:00:00Z\n"...)
	if err := os.WriteFile(o.Changes, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.RowErrors) != 1 || sum.Updated == 0 {
		t.Fatalf("summary %+v; want one rejected row and the rest updated", sum)
	}
	rep, err := os.ReadFile(o.Report)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rep), "rejected row: ") || !strings.Contains(string(rep), "changes.csv:9: column") || !strings.Contains(sum.RowErrors[0], "changes.csv:9") {
		t.Errorf("the report's heading lacks the rejected row %q:\n%.600s", sum.RowErrors[0], rep)
	}
	// The same command again reopens the batch: the row is still noted.
	again, err := Run(context.Background(), o)
	if err != nil || !again.Reopened {
		t.Fatalf("again: %+v %v", again, err)
	}
	if rep, _ := os.ReadFile(o.Report); strings.Count(string(rep), "rejected row: ") != 1 {
		t.Errorf("the reopened batch's report notes the rejected row %d times, want once", strings.Count(string(rep), "rejected row: "))
	}
	// A CSV report says it in FILE.heading.csv.
	o.Report = strings.TrimSuffix(o.Report, ".html") + ".csv"
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if rep, _ := os.ReadFile(report.HeadingCSV(o.Report)); !strings.Contains(string(rep), "Note,\"rejected row: ") || !strings.Contains(string(rep), "changes.csv:9: column") {
		t.Errorf("the CSV report's heading lacks the rejected row:\n%s", rep)
	}
}

// TestReportPathRefusedBeforeRunning: a --report that is a directory, or
// under a file, is refused before anything runs: no batch is made.
func TestReportPathRefusedBeforeRunning(t *testing.T) {
	for name, report := range map[string]func(dir string) string{
		"directory": func(dir string) string {
			p := filepath.Join(dir, "rdir.csv")
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
			return p
		},
		"under a file": func(dir string) string {
			p := filepath.Join(dir, "file")
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(p, "sub", "r.xlsx")
		},
	} {
		t.Run(name, func(t *testing.T) {
			o := demoOptions(t)
			o.Report = report(t.TempDir())
			_, err := Run(context.Background(), o)
			if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "--report") {
				t.Fatalf("Run: %v; want an input error naming --report", err)
			}
			if _, err := os.Stat(o.Out); err == nil {
				t.Error("the run wrote its output directory before refusing the report")
			}
			if _, err := os.Stat(o.DB); err == nil {
				st, err := store.Open(context.Background(), o.DB)
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				if bs, _ := st.Batches(context.Background()); len(bs) != 0 {
					t.Errorf("%d batches made before the report was refused", len(bs))
				}
			}
		})
	}
	o := demoOptions(t) // a missing directory is made when the report is written
	o.Report = filepath.Join(t.TempDir(), "new", "r.csv")
	if _, err := Run(context.Background(), o); err != nil {
		t.Errorf("a report in a directory yet to be made: %v", err)
	}
}

// TestCalendarOnlyOfTriggeredUsers: a user no change triggers is
// NotTriggered whatever its calendar (here a file that is not there); a
// triggered user whose calendar is missing fails with the row's problem.
func TestCalendarOnlyOfTriggeredUsers(t *testing.T) {
	o := demoOptions(t)
	dir, err := filepath.Abs("../fixtures/demo/calendars")
	if err != nil {
		t.Fatal(err)
	}
	o.Users = filepath.Join(t.TempDir(), "users.csv")
	users := "user,calendar\n" +
		"user00000@contoso.com," + filepath.Join(dir, "user00000.ics") + "\n" +
		"user00001@contoso.com,missing-triggered.ics\n" +
		"idle@contoso.com,missing-idle.ics\n"
	if err := os.WriteFile(o.Users, []byte(users), 0o644); err != nil {
		t.Fatal(err)
	}
	changes := "user,change,target,join_url,conference_id\n" +
		"user00000@contoso.com,moved-to-online,teams,https://teams.microsoft.com/l/meetup-join/{meeting}/0,500000000\n" +
		"user00001@contoso.com,moved-to-online,teams,https://teams.microsoft.com/l/meetup-join/{meeting}/0,500007919\n"
	o.Changes = filepath.Join(t.TempDir(), "changes.csv")
	if err := os.WriteFile(o.Changes, []byte(changes), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Users != 3 || sum.Triggered != 2 || sum.Failed != 1 || len(sum.RowErrors) != 0 {
		t.Errorf("summary %+v; want 3 users, 2 triggered, 1 failed, no rejected rows", sum)
	}
	for _, u := range batchUsers(t, o.DB, store.Filter{BatchID: sum.BatchID}) {
		switch u.UserID {
		case "idle@contoso.com":
			if u.State != store.NotTriggered {
				t.Errorf("idle user: %s %q, want NotTriggered", u.State, u.LastMessage)
			}
		case "user00001@contoso.com":
			if u.State != store.Failed || !strings.Contains(u.LastMessage, `"missing-triggered.ics" not found`) {
				t.Errorf("triggered user without its calendar: %s %q, want failed naming the file", u.State, u.LastMessage)
			}
		}
	}
}

// --send server refuses file calendars, but not a user whose calendar cell
// is in error: that user fails only if triggered, and gets no update.
func TestSendServerIgnoresCalendarInError(t *testing.T) {
	env := map[string]string{"MMS_CALDAV_USER": "u", "MMS_CALDAV_PASSWORD": "p"}
	o := RunOptions{Send: "server", Tuning: Tuning{Getenv: func(k string) string { return env[k] }}}
	users := []input.User{{Email: "dav@contoso.com", Calendar: "https://dav.contoso.com/cal/"},
		{Email: "idle@contoso.com", CalendarErrs: []input.RowError{{Column: "calendar", Msg: "not found"}}}}
	if err := o.checkUsers(users); err != nil {
		t.Errorf("--send server with a calendar in error: %v", err)
	}
	users = append(users, input.User{Email: "file@contoso.com", Calendar: "/in/file.ics"})
	if err := o.checkUsers(users); err == nil || !strings.Contains(err.Error(), "file@contoso.com") {
		t.Errorf("--send server with a file calendar: %v", err)
	}
}

// TestManyRejectedRowsCounted: a changes file of many rows for users the
// users file lacks lists the first maxListed of them and says how many
// more; it counts them all, and runs every other user.
func TestManyRejectedRowsCounted(t *testing.T) {
	o := demoOptions(t)
	data, err := os.ReadFile(o.Changes)
	if err != nil {
		t.Fatal(err)
	}
	const n = maxListed + 57
	for i := range n {
		data = append(data, fmt.Sprintf("nobody%d@contoso.com,conference-id-changed,,,12,,,,\n", i)...)
	}
	o.Changes = filepath.Join(t.TempDir(), "changes.csv")
	if err := os.WriteFile(o.Changes, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rejected != n || len(sum.RowErrors) != maxListed+1 || !strings.Contains(sum.RowErrors[maxListed], "and 57 more rejected rows") || sum.Updated == 0 {
		t.Fatalf("%d rejected, %d listed (last %q), %d updated; want %d, %d listed and the rest updated",
			sum.Rejected, len(sum.RowErrors), sum.RowErrors[len(sum.RowErrors)-1], sum.Updated, n, maxListed+1)
	}
	heading, _ := os.ReadFile(report.HeadingCSV(o.Report))
	got := 0
	for _, line := range strings.Split(string(heading), "\n") {
		if strings.HasPrefix(line, "Note,") && strings.Contains(line, "rejected row: ") {
			got++
		}
	}
	if got != maxListed+1 {
		t.Errorf("the heading names %d rejected rows, want %d", got, maxListed+1)
	}
}

// TestReportUnwritableAtTheEnd: a report that cannot be written once the
// work is done (here a folder put in its place meanwhile; a full disk
// alike) is could-not-run (exit 4), saying the work is recorded; the same
// command then writes the report, sending nothing again.
func TestReportUnwritableAtTheEnd(t *testing.T) {
	o := demoOptions(t)
	o.Events = func(e Event) {
		if e.Kind == WritingReport {
			os.MkdirAll(filepath.Join(o.Report, "in-the-way"), 0o755)
		}
	}
	_, err := Run(context.Background(), o)
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "run the same command again to write its report") {
		t.Fatalf("Run with the report's place taken: %v; want could-not-run, saying the same command writes it", err)
	}
	os.RemoveAll(o.Report)
	o.Events = nil
	sum, err := Run(context.Background(), o)
	if err != nil || !sum.Resumed || sum.Report == "" {
		t.Fatalf("the same command again: %+v %v", sum, err)
	}
	if _, err := os.Stat(o.Report); err != nil {
		t.Errorf("the report was not written: %v", err)
	}
}
