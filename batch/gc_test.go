package batch

import (
	"runtime/debug"
	"testing"
)

// The report phase collects at 1x unless GOGC asks for tighter or off, and
// gives back the setting it found.
func TestCollectTightly(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, c := range []struct{ before, during int }{{400, 100}, {100, 100}, {50, 50}, {-1, -1}} {
		debug.SetGCPercent(c.before)
		restore := collectTightly()
		if got := debug.SetGCPercent(c.during); got != c.during {
			t.Errorf("GOGC %d: %d while the report is written, want %d", c.before, got, c.during)
		}
		restore()
		if got := debug.SetGCPercent(c.before); got != c.before {
			t.Errorf("GOGC %d: %d after the report, want it back", c.before, got)
		}
	}
}
