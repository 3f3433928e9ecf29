package main

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/mms-project/mms/batch"
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

// The 4x is of the heap live when the work starts, measured by a
// collection there: not of what the inputs left.
func TestCollectLooselyCollectsFirst(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	collectLoosely(func(string) string { return "" })()
	runtime.ReadMemStats(&after)
	if after.NumGC == before.NumGC {
		t.Error("no collection before the collector was loosened")
	}
}

// The report phase lowers the soft memory limit to its own, unless
// GOMEMLIMIT is set or the limit is lower already, and restores it.
func TestBoundMemory(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	const mib = 1 << 20
	for _, c := range []struct {
		env            string
		before, during int64
	}{{"", 160 * mib, 64 * mib}, {"", 32 * mib, 32 * mib}, {"1GiB", 1 << 30, 1 << 30}} {
		debug.SetMemoryLimit(c.before)
		restore := boundMemory(func(k string) string {
			if k == "GOMEMLIMIT" {
				return c.env
			}
			return ""
		}, 64*mib)
		if got := debug.SetMemoryLimit(-1); got != c.during {
			t.Errorf("GOMEMLIMIT=%q, limit %d: %d while the report is written, want %d", c.env, c.before, got, c.during)
		}
		restore()
		if got := debug.SetMemoryLimit(-1); got != c.before {
			t.Errorf("GOMEMLIMIT=%q: %d after the report, want %d back", c.env, got, c.before)
		}
	}
}

// Migrating users lowers the soft memory limit to workMemory and gives
// back what it found (found by issue 16's bench: twice --workers users in
// flight took a 10,000-organiser run past 128 MB).
func TestWorkPhaseBoundsMemory(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	t.Setenv("GOGC", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(160 << 20))
	restore := memoryPhase(batch.PhaseWork)
	if got := debug.SetMemoryLimit(-1); got != workMemory {
		t.Errorf("limit %d while users are migrated, want %d", got, workMemory)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != 160<<20 {
		t.Errorf("limit %d after, want 160 MiB back", got)
	}
}
