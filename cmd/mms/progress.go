package main

import (
	"fmt"
	"io"
	"os"
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
	updated  int
	failed   int
	started  time.Time
	lastLine time.Time
	every    time.Duration
	verb     string // "updated", or "would update" in a dry run
}

func newProgress(w io.Writer, dryRun bool) *progress {
	verb := "updated"
	if dryRun {
		verb = "would update"
	}
	return &progress{w: w, every: 5 * time.Second, verb: verb}
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
	case batch.BatchStarted: // counts start where the batch is: the summary counts the whole batch
		p.updated, p.failed = e.Counted.Updated, e.Counted.Failed
		p.start(e.Total)
	case batch.UserDone:
		p.done++
		p.updated += e.Updated
		p.step()
	case batch.UserFailed:
		p.done++
		p.failed++
		p.updated += e.Updated
		p.step()
	case batch.UserRetry: // say it at once: a down relay or server would otherwise look like a hang
		if p.bar != nil {
			_ = p.bar.Clear()
		}
		fmt.Fprintf(p.w, "mms: %s: attempt %d of %d failed, trying again later: %v\n", e.User, e.Attempt, store.MaxAttempts, e.Err)
	}
}

func (p *progress) start(total int) {
	p.total, p.started, p.lastLine = total, time.Now(), time.Now()
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
		return
	}
	fmt.Fprintf(p.w, "migrating %d users\n", total)
}

func (p *progress) step() {
	if p.started.IsZero() { // mms work: no total known
		p.started, p.lastLine = time.Now(), time.Now()
	}
	if p.total == 0 && p.bar == nil {
		if time.Since(p.lastLine) >= p.every {
			p.lastLine = time.Now()
			fmt.Fprintf(p.w, "%d users done, meetings %s: %d, users failed: %d\n", p.done, p.verb, p.updated, p.failed)
		}
		return
	}
	if p.bar != nil {
		p.bar.Describe(fmt.Sprintf("users (meetings %s: %d, users failed: %d)", p.verb, p.updated, p.failed))
		_ = p.bar.Add(1)
		return
	}
	if p.done == p.total || time.Since(p.lastLine) >= p.every {
		p.lastLine = time.Now()
		fmt.Fprintf(p.w, "%d/%d users done, meetings %s: %d, users failed: %d, %.1f users/s\n",
			p.done, p.total, p.verb, p.updated, p.failed, float64(p.done)/time.Since(p.started).Seconds())
	}
}

// finish ends the bar.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
