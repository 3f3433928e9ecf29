package report

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkXLSX writes the report of 2,000 users with 120 meetings each
// (the whole-run benchmark's batch) and prints the file's size.
func BenchmarkXLSX(b *testing.B) {
	users := make([]User, 2000)
	for i := range users {
		users[i] = User{UserID: fmt.Sprintf("user%05d@contoso.com", i), State: "Succeeded", TotalMeeting: 120, SucceededMeeting: 40, SkippedMeeting: 80}
	}
	start := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	meetings := func(yield func(Meeting) error) error {
		for _, u := range users {
			for k := range 120 {
				m := Meeting{UserID: u.UserID, UID: fmt.Sprintf("040000008200E00074C5B7101A82E008%024x", k), Summary: "Họp nhóm hàng tuần",
					Start: start.Add(time.Duration(k) * time.Hour), Attendees: 12, Outcome: "skipped", Reason: "past", Provider: "teams"}
				if k%3 == 0 {
					m.Outcome, m.Reason = "updated", ""
					m.OldJoinURL = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_" + fmt.Sprint(k) + "%40thread.v2/0?context=%7b%22Tid%22%7d"
					m.NewJoinURL = "https://teams.microsoft.com/l/meetup-join/K00001F/0?context=%7b%22Tid%22%3a%22contoso%22%7d"
				}
				if err := yield(m); err != nil {
					return err
				}
			}
		}
		return nil
	}
	path := filepath.Join(b.TempDir(), "r.xlsx")
	for b.Loop() {
		if err := WriteStream(path, slice(users), meetings); err != nil {
			b.Fatal(err)
		}
	}
	if st, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(st.Size())/1e6, "MB")
	}
}
