package main

import (
	"os"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"testing"
)

// MMS_CPUPROFILE and MMS_TRACE each write their file while the command
// runs; unset, nothing is written.
func TestRecordWritesWhatTheEnvironmentNames(t *testing.T) {
	dir := t.TempDir()
	profile, tr := filepath.Join(dir, "cpu.out"), filepath.Join(dir, "trace.out")
	t.Setenv("MMS_CPUPROFILE", profile)
	t.Setenv("MMS_TRACE", tr)
	stopProfile := record("MMS_CPUPROFILE", pprof.StartCPUProfile, pprof.StopCPUProfile)
	stopTrace := record("MMS_TRACE", trace.Start, trace.Stop)
	stopTrace()
	stopProfile()
	for _, path := range []string{profile, tr} {
		if st, err := os.Stat(path); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v, %v", path, st, err)
		}
	}
	t.Setenv("MMS_TRACE", "")
	record("MMS_TRACE", trace.Start, trace.Stop)()
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("%d files with MMS_TRACE unset, want the 2 of before", len(entries))
	}
}
