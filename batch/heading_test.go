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

// A start's report says it is one (not "run") and, without a users file,
// which batch's row of the user it took.
func TestHeadingOfAStart(t *testing.T) {
	for _, c := range []struct {
		b    store.Batch
		want string
	}{
		{store.Batch{ID: "b2", Kind: store.BatchStart}, "start"},
		{store.Batch{ID: "b2", Kind: store.BatchStart, DryRun: true}, "start (dry run)"},
		{store.Batch{ID: "b3", Kind: store.BatchRun}, "run"},
	} {
		h := heading(c.b, Settings{StartedFrom: "b1"}, nil)
		if h.Kind != c.want || !slices.Equal(h.Inputs, []string{"the user's row of batch b1"}) {
			t.Errorf("%+v: kind %q inputs %q, want %q", c.b, h.Kind, h.Inputs, c.want)
		}
	}
}
