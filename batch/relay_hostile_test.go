package batch

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/migrate"
	"github.com/mms-project/mms/batch/smtp"
)

// hostileRelay accepts connections on 127.0.0.1 and hands each to serve,
// closing them all when the test ends.
func hostileRelay(t *testing.T, serve func(c net.Conn, r *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { <-done; c.Close() }()
			go serve(c, bufio.NewReader(c))
		}
	}()
	return ln.Addr().String()
}

// stoppedBeforeTheBatch fails unless err stopped the run as could-not-run
// (exit 4), naming the relay and the words of want, with no batch made.
func stoppedBeforeTheBatch(t *testing.T, o RunOptions, err error, want ...string) {
	t.Helper()
	if err == nil || !migrate.StopsRun(err) || !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), o.Send) {
		t.Fatalf("Run: %v; want the run stopped as could-not-run, naming the relay", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Run: %v; want it to say %q", err, w)
		}
	}
	nothingWritten(t, o.Out)
	if n := batchCount(t, o.DB); n != 0 {
		t.Errorf("the stopped run left %d batches", n)
	}
}

// TestEndlessRelayReplyStopsTheRun: a relay whose EHLO answer never ends
// fails the pre-run check: the run stops before its batch is made.
func TestEndlessRelayReplyStopsTheRun(t *testing.T) {
	addr := hostileRelay(t, func(c net.Conn, r *bufio.Reader) {
		c.Write([]byte("220 relay.test ESMTP\r\n"))
		if _, err := r.ReadString('\n'); err != nil {
			return
		}
		line := []byte("250-" + strings.Repeat("X", 998) + "\r\n")
		for {
			if _, err := c.Write(line); err != nil {
				return
			}
		}
	})
	o := demoOptions(t)
	o.Send = "smtp://" + addr
	_, err := Run(context.Background(), o)
	stoppedBeforeTheBatch(t, o, err, "64 KiB", "cannot be used")
}

// TestSilentRelayStopsTheRun: a relay that takes the connection and never
// greets fails the pre-run check once smtp.DefaultCheckTimeout has run
// out: the run stops before its batch is made, saying what the relay did
// not do, and without advice that a batch resumes.
func TestSilentRelayStopsTheRun(t *testing.T) {
	if testing.Short() {
		t.Skip("waits smtp.DefaultCheckTimeout")
	}
	addr := hostileRelay(t, func(net.Conn, *bufio.Reader) {})
	o := demoOptions(t)
	o.Send = "smtp://" + addr
	start := time.Now()
	_, err := Run(context.Background(), o)
	stoppedBeforeTheBatch(t, o, err, "sent no greeting", "cannot be used")
	if d := time.Since(start); d > smtp.DefaultCheckTimeout+15*time.Second {
		t.Errorf("the run took %s to stop", d)
	}
}
