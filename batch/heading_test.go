package batch

import (
	"slices"
	"strings"
	"testing"

	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/smtp"
	"github.com/mms-project/mms/batch/store"
)

// The report's heading names every input, the meetings file included, and
// carries the run's loud notices (skip-verify) next to the batch's own.
func TestHeadingInputsAndNotes(t *testing.T) {
	set := Settings{Users: "/in/users.csv", Changes: "/in/changes.csv", Meetings: "/in/meetings.xlsx", Notes: []string{"from the batch"}}
	conns := migrate.Connections{SMTPTLS: smtp.TLSSkipVerify}
	h := heading(store.Batch{ID: "b1"}, set, conns.Notes())
	if want := []string{"/in/users.csv", "/in/changes.csv", "/in/meetings.xlsx"}; !slices.Equal(h.Inputs, want) {
		t.Errorf("inputs %q, want %q", h.Inputs, want)
	}
	joined := strings.Join(h.Notes, "\n")
	if !strings.Contains(joined, "from the batch") || !strings.Contains(joined, "--smtp-tls skip-verify") {
		t.Errorf("notes %q lack the batch's note or the skip-verify warning", h.Notes)
	}
}
