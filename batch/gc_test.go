package batch

import (
	"runtime/debug"
	"testing"
)

// The work phase collects at 4x unless GOGC is set, and gives back the
// setting it found.
func TestCollectLoosely(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, c := range []struct {
		env    string
		during int
	}{{"", 400}, {"100", 100}, {"50", 50}, {"off", -1}} {
		before := c.during
		if c.env == "" {
			before = 100
		}
		debug.SetGCPercent(before)
		restore := collectLoosely(func(k string) string {
			if k == "GOGC" {
				return c.env
			}
			return ""
		})
		if got := debug.SetGCPercent(c.during); got != c.during {
			t.Errorf("GOGC=%q: %d while users are migrated, want %d", c.env, got, c.during)
		}
		restore()
		if got := debug.SetGCPercent(before); got != before {
			t.Errorf("GOGC=%q: %d after the work, want %d back", c.env, got, before)
		}
	}
}
