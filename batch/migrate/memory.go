package migrate

import (
	"context"
	"os"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
)

// calendarMemory is what the workers of one batch may hold, together, for
// calendar files being migrated: a large calendar waits for room instead
// of adding its memory to that of the other workers' large ones.
const calendarMemory = 640 << 20

// memoryPerByte is the memory one byte of calendar file takes while its
// user is migrated (the bytes, the lines, the parsed components, the
// rewritten lines, the updates and the intents of its rewritten meetings):
// five and a half times the file for a 46 MB calendar of 10,000 meetings
// (250 MB), fourteen times for a 49 MB calendar of 42,000 small meetings,
// nearly all rewritten (692 MB; an audit found two of them at once took
// 1.4 GB with the factor six of the first).
const memoryPerByte = 14

// memory is the batch's calendarMemory, shared by its workers.
type memory struct {
	once sync.Once
	sem  *semaphore.Weighted
	size int64
}

// reserve waits until the memory a user's calendar file takes is free and
// returns the func that frees it. A CalDAV calendar, bounded by its
// answers, and a file that cannot be read (the read says why) reserve
// nothing; a file larger than the whole budget reserves all of it. A wait
// longer than half the attempt's time (many large calendars, many
// workers) ends without a reservation, so the user is migrated, not
// failed by its own timeout.
func (m *memory) reserve(ctx context.Context, location string) (func(), error) {
	m.once.Do(func() {
		if m.size == 0 {
			m.size = calendarMemory
		}
		m.sem = semaphore.NewWeighted(m.size)
	})
	if IsCalDAV(location) {
		return func() {}, nil
	}
	fi, err := os.Stat(location)
	if err != nil || !fi.Mode().IsRegular() {
		return func() {}, nil
	}
	n := min(fi.Size()*memoryPerByte, m.size)
	wait, cancel := halfway(ctx)
	defer cancel()
	if err := m.sem.Acquire(wait, n); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return func() {}, nil // waited half the attempt's time: go on rather than fail the user
	}
	return func() { m.sem.Release(n) }, nil
}

// halfway is ctx, ending halfway to its deadline if it has one: the wait
// for memory leaves the attempt time to do its work.
func halfway(ctx context.Context) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, dl.Add(-time.Until(dl)/2))
}

// Slots bounds how many users do something at once: a semaphore made on
// first use. Its zero value is ready.
type Slots struct {
	once sync.Once
	sem  *semaphore.Weighted
}

// take waits for one of n slots (n <= 0: no bound) and returns the func
// that frees it, which may be called more than once. As reserve, a wait
// longer than half the attempt's time ends without a slot, so that the
// user is migrated, not failed by its own timeout.
func (s *Slots) take(ctx context.Context, n int) (func(), error) {
	if n <= 0 {
		return func() {}, nil
	}
	s.once.Do(func() { s.sem = semaphore.NewWeighted(int64(n)) })
	wait, cancel := halfway(ctx)
	defer cancel()
	if err := s.sem.Acquire(wait, 1); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return func() {}, nil
	}
	var once sync.Once
	return func() { once.Do(func() { s.sem.Release(1) }) }, nil
}
