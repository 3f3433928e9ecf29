package main

import (
	"os"
	"runtime"
	"runtime/debug"

	"github.com/mms-project/mms/batch"
)

// The process's memory policy: the batch library never changes the
// process; it calls memoryPhase as each phase of a run begins and ends.

// tuneGC sets a soft limit on the memory the collector lets the heap
// grow to, unless GOMEMLIMIT says otherwise; the work phase collects less
// often than Go's default while users are migrated, and the limit bounds
// that.
func tuneGC() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(160 << 20)
	}
}

// memoryPhase is the batch's Tuning.Phase of the command.
func memoryPhase(p batch.Phase) func() {
	switch p {
	case batch.PhaseWork:
		loose := collectLoosely(os.Getenv)
		bound := boundMemory(os.Getenv, workMemory)
		return func() { bound(); loose() }
	case batch.PhaseReport:
		// What the workers left is handed back first: new spans for the
		// report on top of the workers' freed ones were a 10,000-organiser
		// run's peak.
		debug.FreeOSMemory()
		return boundMemory(os.Getenv, reportMemory)
	}
	return func() {}
}

// workMemory is the soft limit on the Go memory of migrating users: the
// collector's 4x (collectLoosely) of the calendars at hand, with twice
// --workers users in flight (batch's usersInFlight), took a 10,000-organiser
// run to 137 MB; under this limit, 121 MB (issue 16: under 128 MB), a
// few percent more CPU. A calendar larger than it (tens of MB) is collected
// often, as under any limit below its size.
const workMemory = 100 << 20

// reportMemory is the soft limit on the Go memory of writing a report.
// The report holds little of its own (the rows stream through to a file
// beside it), but keeps each sheet's links (up to 65,529) until the sheet
// is written, and the collector, left to its 1x, let the heap grow to
// twice what is live. Under this limit it collects sooner instead, so the
// report of 10,000 organisers takes no more memory than that of 2,000.
const reportMemory = 64 << 20

// boundMemory lowers the soft memory limit to limit, unless GOMEMLIMIT
// sets one or it is lower already, until the returned func restores it.
func boundMemory(getenv func(string) string, limit int64) func() {
	was := debug.SetMemoryLimit(-1)
	if getenv("GOMEMLIMIT") != "" || was <= limit {
		return func() {}
	}
	debug.SetMemoryLimit(limit)
	return func() { debug.SetMemoryLimit(was) }
}

// collectLoosely has the collector run when the heap has grown 4x past
// what is live, not Go's 1x, until the returned func restores it; unless
// GOGC says otherwise. A worker allocates fast and keeps little (the
// calendar at hand): 4x saves a tenth of a run's CPU, and the soft limit
// cmd/mms sets bounds the peak all the same. Reading the inputs and writing
// the report keep what grows with the batch (its rows, the report's
// links), so they stay at 1x: at 4x, a 10,000-organiser
// batch's inputs took its peak memory past a 2,000-organiser run's.
func collectLoosely(getenv func(string) string) func() {
	if getenv("GOGC") != "" {
		return func() {}
	}
	// 4x of what is live now: the inputs just queued are garbage, and 4x
	// of the heap they left (15 MB for 10,000 organisers) had the first
	// workers' calendars take a larger batch's memory higher.
	runtime.GC()
	was := debug.SetGCPercent(400)
	return func() { debug.SetGCPercent(was) }
}
