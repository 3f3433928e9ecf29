package batch

import (
	"maps"
	"testing"

	"github.com/mms-project/mms/batch/input"
)

// Every file user gets a name of its own under DIR/calendars, whatever
// the order (a review: a calendar inside the users file's folder lost its
// path to an earlier one outside and failed; one at the root had none).
func TestOutputNamesAllDistinct(t *testing.T) {
	users := []input.User{
		{Email: "a@x", Calendar: "/lists/Calendar.ics"},
		{Email: "b@x", Calendar: "/exports/u2/Calendar.ics"},
		{Email: "c@x", Calendar: "/lists/u2/Calendar.ics"},
		{Email: "d@x", Calendar: "/Calendar.ics"},
		{Email: "e@x", Calendar: "/other/exports/u2/Calendar.ics"},
	}
	got := outputNames(users, "/lists")
	want := map[string]string{"a@x": "Calendar.ics", "b@x": "u2/Calendar.ics", "c@x": "lists/u2/Calendar.ics",
		"d@x": "Calendar-2.ics", "e@x": "exports/u2/Calendar.ics"}
	if !maps.Equal(got, want) {
		t.Errorf("names %q,\nwant %q", got, want)
	}
}
