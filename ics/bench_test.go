package ics

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/mms-project/mms/fixtures/gen"
	"github.com/mms-project/mms/ics/block"
)

// benchCalendar is one generated Outlook-style calendar of 10,000 meetings
// (about 11,000 VEVENTs with series overrides).
func benchCalendar(b *testing.B) []byte {
	b.Helper()
	dir := b.TempDir()
	if err := gen.Write(dir, gen.Options{Users: 1, MeetingsPerUser: 10000, Seed: 1, Ref: testNow}); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "calendars", "user00000.ics"))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkReadDecideRewrite is what mms does to one calendar.
func BenchmarkReadDecideRewrite(b *testing.B) {
	data := benchCalendar(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		readDecideRewrite(b, data)
	}
}

func readDecideRewrite(b *testing.B, data []byte) {
	ch := Change{Provider: block.ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/0", ConferenceID: "555666777"}
	r := Rules{Organizer: []string{"user00000@contoso.com"}, Now: testNow, Stamp: testStamp}
	cal, err := Parse("bench.ics", data)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, m := range cal.Meetings() {
		if cal.Migrate(m, r, ch).Rewritten() {
			n++
		}
	}
	if n == 0 || bytes.Equal(cal.Bytes(), data) {
		b.Fatal("nothing rewritten")
	}
}

// BenchmarkRewriteAndRequestEach is the worker's order over one calendar
// of 10,000 meetings: each meeting decided and rewritten, then its update
// (Request) written before the next. An update copies its components'
// edited lines; found by sorting every edit of the calendar each time,
// the calendar's cost grew with the square of its meetings (a 10,000
// meeting calendar took 10.4 s in a whole run, half of it sorting).
func BenchmarkRewriteAndRequestEach(b *testing.B) {
	data := benchCalendar(b)
	b.SetBytes(int64(len(data)))
	ch := Change{Provider: block.ProviderTeams, JoinURL: "https://teams.microsoft.com/l/meetup-join/{meeting}/0", ConferenceID: "555666777"}
	r := Rules{Organizer: []string{"user00000@contoso.com"}, Now: testNow, Stamp: testStamp}
	for b.Loop() {
		cal, err := Parse("bench.ics", data)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, m := range cal.Meetings() {
			if res := cal.Migrate(m, r, ch); res.Rewritten() && len(res.Changed) > 0 {
				n += len(cal.Request(res.Changed))
			}
		}
		if n == 0 {
			b.Fatal("no update written")
		}
	}
}

// BenchmarkGoICalDecode is go-ical's own Decode of the same bytes, for
// comparison.
func BenchmarkGoICalDecode(b *testing.B) {
	data := benchCalendar(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ical.NewDecoder(bytes.NewReader(data)).Decode(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadDecideRewriteVsGoICal times ours and go-ical's Decode in
// turn on the same bytes, each from a collected heap and in alternating
// order, and reports the medians over the rounds of ours/go-ical in wall
// time and in CPU time (this process's user and system time, garbage
// collection included): ratios that a machine shared with other work
// disturbs less than either time alone, CPU time least. Below 1, ours is
// faster.
func BenchmarkReadDecideRewriteVsGoICal(b *testing.B) {
	data := benchCalendar(b)
	ours := func() { readDecideRewrite(b, data) }
	theirs := func() {
		if _, err := ical.NewDecoder(bytes.NewReader(data)).Decode(); err != nil {
			b.Fatal(err)
		}
	}
	var wall, cpu []float64
	for round := 0; b.Loop(); round++ {
		first, second := ours, theirs
		if round%2 == 1 {
			first, second = theirs, ours
		}
		w1, c1 := timed(b, first)
		w2, c2 := timed(b, second)
		if round%2 == 1 {
			w1, c1, w2, c2 = w2, c2, w1, c1
		}
		wall, cpu = append(wall, w1/w2), append(cpu, c1/c2)
	}
	b.ReportMetric(median(wall), "ours/go-ical(wall)")
	b.ReportMetric(median(cpu), "ours/go-ical(cpu)")
}

// timed runs f after a garbage collection and returns its wall and CPU
// time in seconds.
func timed(b *testing.B, f func()) (wall, cpu float64) {
	runtime.GC()
	c0, start := cpuTime(b), time.Now()
	f()
	return time.Since(start).Seconds(), cpuTime(b) - c0
}

func cpuTime(b *testing.B) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}
