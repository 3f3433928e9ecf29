package smtp

import (
	"fmt"
	"net"
	"sync/atomic"
)

// MaxReply bounds what a relay may send between two writes of mms: a
// reply (an EHLO answer is a few dozen short lines) or a TLS handshake
// fits many times over. A relay that sends more (a multi-line reply that
// never ends) is cut off with ErrUnusable instead of filling memory.
const MaxReply = 64 << 10

// wire is the relay's connection under any TLS. It bounds what is read
// between two writes (MaxReply) and notes whether the last write went out
// whole, so that a reply lost after the end of a message can be told from
// a message cut off (see transact).
type wire struct {
	net.Conn
	read  atomic.Int64 // bytes read since the last write
	wrote atomic.Bool  // the last write went out whole
}

func (w *wire) Read(p []byte) (int, error) {
	left := MaxReply - w.read.Load()
	if left <= 0 {
		return 0, fmt.Errorf("%w: it sent more than %d KiB without waiting for mms (a reply that never ends)", ErrUnusable, MaxReply>>10)
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := w.Conn.Read(p)
	w.read.Add(int64(n))
	return n, err
}

func (w *wire) Write(p []byte) (int, error) {
	w.read.Store(0)
	n, err := w.Conn.Write(p)
	w.wrote.Store(err == nil && n == len(p))
	return n, err
}
