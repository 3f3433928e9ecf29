package main

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/mms-project/mms/batch"
	"github.com/mms-project/mms/batch/store"
)

// progress renders batch events: a bar on a terminal, plain lines otherwise.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	bar      *progressbar.ProgressBar
	total    int
	done     int
	before   int // users done before a resumed batch started again (not counted in the rate)
	updated  int
	failed   int
	started  time.Time
	lastLine time.Time
	every    time.Duration
	verb     string // "updated", or "would update" in a dry run
	now      func() time.Time
	// working are the users being migrated, since when; quiet is how long
	// plain progress stays silent before it says who is still at work.
	working map[string]time.Time
	waiting map[string]int // users whose attempt failed, by the attempt: their next waits its turn
	quiet   time.Duration
	stop    chan struct{} // ends the heartbeat; nil until it starts
}

func newProgress(w io.Writer, dryRun bool) *progress {
	verb := "updated"
	if dryRun {
		verb = "would update"
	}
	return &progress{w: w, every: 5 * time.Second, verb: verb, now: time.Now, working: map[string]time.Time{}, waiting: map[string]int{}, quiet: 30 * time.Second}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Event is the batch's hook.
func (p *progress) Event(e batch.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e.Kind {
	case batch.BatchStarted: // a resumed batch's counts start where it is: the summary counts the whole batch
		p.updated, p.failed = e.Counted.Updated, e.Counted.Failed
		if !e.Resumed && e.Counted.Failed > 0 { // failed on their input rows, never queued: said once, apart
			p.say("%s failed on their input rows (the report says why); the others are migrated", counted(e.Counted.Failed, "user"))
			p.failed = 0
		}
		p.start(e)
	case batch.ReadingInputs:
		p.say("reading %s", strings.Join(e.Files, " and "))
	case batch.WritingReport:
		p.say("writing the report %s", strings.Join(e.Files, " and "))
	case batch.UserStarted:
		p.working[e.User] = p.now()
		delete(p.waiting, e.User)
	case batch.UserDone:
		delete(p.working, e.User)
		delete(p.waiting, e.User)
		p.done++
		p.updated += e.Updated
		p.step()
	case batch.UserFailed:
		delete(p.working, e.User)
		delete(p.waiting, e.User)
		p.done++
		p.failed++
		p.updated += e.Updated
		p.step()
	case batch.UserRetry: // say it at once: a down relay or server would otherwise look like a hang
		if p.bar != nil {
			_ = p.bar.Clear()
		}
		fmt.Fprintf(p.w, "mms: %s: attempt %d of %d failed, trying again later: %v\n", e.User, e.Attempt, store.MaxAttempts, e.Err)
		delete(p.working, e.User) // not at work while it waits for its next attempt
		p.waiting[e.User] = e.Attempt
	}
}

// say writes one line, with its time, above the bar if there is one.
func (p *progress) say(format string, args ...any) {
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	fmt.Fprintf(p.w, "%s %s\n", p.stamp(), fmt.Sprintf(format, args...))
}

// stamp is the time a plain line carries.
func (p *progress) stamp() string { return p.now().UTC().Format("15:04:05Z") }

func (p *progress) start(e batch.Event) {
	total := e.Total
	p.total, p.done, p.before, p.started, p.lastLine = total, e.Done, e.Done, p.now(), p.now()
	if e.Reopened && e.Done == total { // a finished batch run again: nothing to migrate, nothing to draw
		p.say("batch %s already finished: %d/%s done", e.BatchID, e.Done, counted(total, "user"))
		return
	}
	if e.Resumed {
		p.say("resumed batch %s: %d/%s already done", e.BatchID, e.Done, counted(total, "user"))
	}
	if isTerminal(p.w) && total > 0 {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription("users"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("users"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
		)
		_ = p.bar.Set(e.Done)
		return
	}
	p.say("migrating %s", counted(total-e.Done, "user"))
	if p.stop == nil {
		p.stop = make(chan struct{})
		go p.heartbeat(p.stop)
	}
}

// heartbeat says, in plain progress, which users are still being migrated
// once no line was written for quiet: a user waiting on a slow server
// would otherwise look like a hang.
func (p *progress) heartbeat(stop chan struct{}) {
	tick := time.NewTicker(p.quiet / 2)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			p.mu.Lock()
			if len(p.working)+len(p.waiting) > 0 && p.now().Sub(p.lastLine) >= p.quiet {
				p.lastLine = p.now()
				p.say("%d/%s done; %s", p.done, counted(p.total, "user"), p.inProgress())
			}
			p.mu.Unlock()
		}
	}
}

// inProgress names the users being migrated longest, with how long.
func (p *progress) inProgress() string {
	var said []string
	if len(p.working) > 0 {
		said = append(said, "still at work on "+p.atWork())
	}
	if len(p.waiting) > 0 {
		users := slices.Sorted(maps.Keys(p.waiting))
		var parts []string
		for _, u := range users[:min(3, len(users))] {
			parts = append(parts, fmt.Sprintf("%s (after attempt %d of %d)", u, p.waiting[u], store.MaxAttempts))
		}
		if more := len(users) - 3; more > 0 {
			parts = append(parts, fmt.Sprintf("and %d more", more))
		}
		said = append(said, "waiting to try again: "+strings.Join(parts, ", "))
	}
	return strings.Join(said, "; ")
}

// atWork names the users being migrated longest, with how long.
func (p *progress) atWork() string {
	users := make([]string, 0, len(p.working))
	for u := range p.working {
		users = append(users, u)
	}
	slices.SortFunc(users, func(a, b string) int { return p.working[a].Compare(p.working[b]) })
	var parts []string
	for _, u := range users[:min(3, len(users))] {
		parts = append(parts, fmt.Sprintf("%s (for %s)", u, p.now().Sub(p.working[u]).Round(time.Second)))
	}
	if more := len(users) - 3; more > 0 {
		parts = append(parts, fmt.Sprintf("and %d more", more))
	}
	return strings.Join(parts, ", ")
}

func (p *progress) step() {
	if p.started.IsZero() { // mms work: no total known
		p.started, p.lastLine = p.now(), p.now()
	}
	if p.total == 0 && p.bar == nil {
		if p.now().Sub(p.lastLine) >= p.every {
			p.lastLine = p.now()
			p.say("%s done, meetings %s: %d, users failed: %d", counted(p.done, "user"), p.verb, p.updated, p.failed)
		}
		return
	}
	if p.bar != nil {
		p.bar.Describe(fmt.Sprintf("users (meetings %s: %d, users failed: %d)", p.verb, p.updated, p.failed))
		_ = p.bar.Add(1)
		return
	}
	if p.done == p.total || p.now().Sub(p.lastLine) >= p.every {
		p.lastLine = p.now()
		rate := float64(p.done-p.before) / p.now().Sub(p.started).Seconds()
		p.say("%d/%s done, meetings %s: %d, users failed: %d, %.1f users/s, %s",
			p.done, counted(p.total, "user"), p.verb, p.updated, p.failed, rate, p.eta(rate))
	}
}

// eta is when the batch should be done at rate users a second.
func (p *progress) eta(rate float64) string {
	left := p.total - p.done
	switch {
	case left <= 0:
		return "all done"
	case rate <= 0:
		return "ETA unknown"
	}
	d := time.Duration(float64(left) / rate * float64(time.Second)).Round(time.Second)
	return fmt.Sprintf("ETA %s (%s)", p.now().Add(d).UTC().Format("15:04:05Z"), d)
}

// finish ends the bar and the heartbeat.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
	}
	if p.stop != nil {
		close(p.stop)
		p.stop = nil
	}
}
