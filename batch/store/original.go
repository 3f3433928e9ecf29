package store

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"sync"
)

// A meeting's original bytes are kept deflated: iCalendar text shrinks
// several times over, and SQLite, one writer at a time, writes and syncs
// that much less. A packed original starts with packedDeflate; one kept
// before (schema 3) is the raw text, which starts with "BEGIN:".
const packedDeflate = 0x01

var deflaters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestSpeed)
	return w
}}

// packOriginal returns b deflated behind its marker; nil stays nil.
func packOriginal(b []byte) []byte {
	if b == nil {
		return nil
	}
	var out bytes.Buffer
	out.Grow(len(b)/3 + 64)
	out.WriteByte(packedDeflate)
	w := deflaters.Get().(*flate.Writer)
	w.Reset(&out)
	w.Write(b) // a bytes.Buffer does not fail
	w.Close()
	deflaters.Put(w)
	return out.Bytes()
}

// unpackOriginal returns the original bytes that packOriginal kept, or a
// raw original as it is.
func unpackOriginal(b []byte) ([]byte, error) {
	if len(b) == 0 || b[0] != packedDeflate {
		return b, nil
	}
	r := flate.NewReader(bytes.NewReader(b[1:]))
	defer r.Close()
	out, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("a kept original does not inflate: %w", err)
	}
	return out, nil
}
