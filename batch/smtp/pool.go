package smtp

import (
	"context"
	"errors"
	"sync"
)

var errClosed = errors.New("smtp sender is closed")

// pool keeps sessions for reuse. A slot is held for every session in use
// or being opened; idle sessions were released by their slot's holder, so
// at most cap(slots) sessions are ever open.
type pool struct {
	slots  chan struct{}
	dial   func(context.Context) (*session, error)
	mu     sync.Mutex
	idle   []*session
	closed bool
}

func newPool(size int, dial func(context.Context) (*session, error)) *pool {
	return &pool{slots: make(chan struct{}, size), dial: dial}
}

// get waits for a slot, then reuses an idle session that answers RSET or
// opens a new one. An idle session the relay has dropped is closed and
// replaced without counting as a retry.
func (p *pool) get(ctx context.Context) (*session, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	for {
		s, err := p.pop()
		if err != nil {
			<-p.slots
			return nil, err
		}
		if s == nil {
			break
		}
		if s.reset(ctx) == nil {
			return s, nil
		}
		s.c.Close()
	}
	s, err := p.dial(ctx)
	if err != nil {
		<-p.slots
		return nil, err
	}
	return s, nil
}

func (p *pool) pop() (*session, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errClosed
	}
	n := len(p.idle)
	if n == 0 {
		return nil, nil
	}
	s := p.idle[n-1]
	p.idle = p.idle[:n-1]
	return s, nil
}

// put gives the slot back, keeping the session for the next message when
// keep is set and the pool is open.
func (p *pool) put(s *session, keep bool) {
	p.mu.Lock()
	keep = keep && !p.closed
	if keep {
		p.idle = append(p.idle, s)
	}
	p.mu.Unlock()
	if !keep {
		s.c.Close()
	}
	<-p.slots
}

// close says QUIT to the idle sessions; sessions in use are closed when
// they are put back.
func (p *pool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, s := range idle {
		s.quit()
	}
}
