package migrate

import (
	"strings"
	"testing"

	"github.com/mms-project/mms/ics"
)

// Two objects sharing two UIDs fail naming the same UID every time (the
// same inputs give the same report), and one object listed twice is not
// taken for two holders of its UID.
func TestSharedUIDsSameEveryTime(t *testing.T) {
	object := func(uids ...string) *ics.Calendar {
		var b strings.Builder
		b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n")
		for _, u := range uids {
			b.WriteString("BEGIN:VEVENT\r\nUID:" + u + "\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260201T100000Z\r\nEND:VEVENT\r\n")
		}
		b.WriteString("END:VCALENDAR\r\n")
		cal, err := ics.Parse("t.ics", []byte(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		return cal
	}
	for range 20 {
		docs := []*Doc{{Name: "http://h/cal/1.ics", Cal: object("m", "c", "x")}, {Name: "http://h/cal/2.ics", Cal: object("x", "c", "m")}}
		sharedUIDs(docs)
		for _, d := range docs {
			if d.Err == nil || !strings.Contains(d.Err.Error(), "UID c also at") {
				t.Fatalf("%s: %v; want it to name UID c, the first shared", d.Name, d.Err)
			}
		}
	}
	twice := []*Doc{{Name: "http://h/cal/1.ics", Cal: object("a")}, {Name: "http://h/cal/1.ics", Cal: object("a")}}
	sharedUIDs(twice)
	for _, d := range twice {
		if d.Err != nil {
			t.Errorf("one object listed twice: %v", d.Err)
		}
	}
}
