package migrate

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// gatedMailer holds every Send until release is closed; sending is closed
// when the first Send begins.
type gatedMailer struct {
	once             sync.Once
	sending, release chan struct{}
	captured
}

func (g *gatedMailer) Send(ctx context.Context, m Message) (Delivery, error) {
	g.once.Do(func() { close(g.sending) })
	select {
	case <-g.release:
	case <-ctx.Done():
		return Delivery{}, ctx.Err()
	}
	return g.captured.Send(ctx, m)
}

// readsCalendars tells each Read's location.
type readsCalendars struct {
	FileCalendars
	reads chan string
}

func (r readsCalendars) Read(ctx context.Context, location string) ([]*Doc, error) {
	r.reads <- location
	return r.FileCalendars.Read(ctx, location)
}

// With one decider, a user whose updates are being sent no longer holds
// it: the next user is read and decided meanwhile (issue 16: a third of
// a worker's time went to sending, a core idle).
func TestNextUserDecidedWhileUpdatesGoOut(t *testing.T) {
	mail := &gatedMailer{sending: make(chan struct{}), release: make(chan struct{})}
	w := sendingWorker(t, mail)
	reads := make(chan string, 4)
	w.Calendars = readsCalendars{FileCalendars: FileCalendars{Dir: t.TempDir()}, reads: reads}
	w.Deciders = 1
	first := attendeeCalendar(t)
	second := filepath.Join(t.TempDir(), "user00001.ics")
	if err := os.WriteFile(second, mustRead(t, first), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	errs := make(chan error, 2)
	go func() { _, err := w.Migrate(ctx, sendingAssignment(first)); errs <- err }()
	<-reads
	select {
	case <-mail.sending:
	case err := <-errs:
		t.Fatalf("the first user ended before sending: %v", err)
	}
	go func() { _, err := w.Migrate(ctx, sendingAssignment(second)); errs <- err }()
	select {
	case got := <-reads:
		if got != second {
			t.Fatalf("read %s", got)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the second user was not read while the first user's updates were being sent")
	}
	close(mail.release)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if len(mail.msgs) == 0 {
		t.Fatal("nothing sent")
	}
}

// slots: n at once; a wait past half the attempt's time goes on without
// one; a slot freed twice is freed once.
func TestSlots(t *testing.T) {
	var s Slots
	free, err := s.take(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	began := time.Now()
	other, err := s.take(ctx, 1) // waits 100 ms, then goes on without
	if err != nil || time.Since(began) < 90*time.Millisecond {
		t.Fatalf("err %v after %s; want none, after half the attempt's time", err, time.Since(began))
	}
	other()
	free()
	free()
	if !s.sem.TryAcquire(1) || s.sem.TryAcquire(1) {
		t.Fatal("the slot freed twice counts twice")
	}
}

// blockingCalendars holds each Read until release is closed, telling each.
type blockingCalendars struct {
	FileCalendars
	reads   chan string
	release chan struct{}
}

func (b blockingCalendars) Read(ctx context.Context, location string) ([]*Doc, error) {
	b.reads <- location
	<-b.release
	return b.FileCalendars.Read(ctx, location)
}

// Workers of two batches given the process's Slots (mms work takes users
// of several) decide one user at a time between them, not one each (found
// by a review: the bound was each batch's).
func TestDecidersSharedAcrossBatches(t *testing.T) {
	shared := &Slots{}
	reads, release := make(chan string, 2), make(chan struct{})
	worker := func() *Worker {
		w, err := New(Config{Now: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC), Stamp: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC), Send: "none", Out: t.TempDir(), Deciders: 1, Deciding: shared})
		if err != nil {
			t.Fatal(err)
		}
		w.Calendars = blockingCalendars{FileCalendars: FileCalendars{Dir: t.TempDir()}, reads: reads, release: release}
		return w
	}
	first, second := attendeeCalendar(t), attendeeCalendar(t)
	w1, w2 := worker(), worker()
	errs := make(chan error, 2)
	go func() { _, err := w1.Migrate(context.Background(), sendingAssignment(first)); errs <- err }()
	<-reads
	go func() { _, err := w2.Migrate(context.Background(), sendingAssignment(second)); errs <- err }()
	select {
	case got := <-reads:
		t.Fatalf("%s read while the other batch's user is being decided", got)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
