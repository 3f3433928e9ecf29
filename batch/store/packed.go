package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/klauspost/compress/s2"
)

// A meeting's large texts (the block before and after, the mail's text)
// and its bytes before are kept packed: an S2 block (klauspost/compress)
// of their lengths and bytes, after a format byte. They are most of a
// store's bytes and repeat much of themselves (HTML, the same dial-in
// lines), so packed they take a third of the room, and a completion, which
// writes a user's rows again, writes a third of the bytes. Packing costs
// about a millisecond per megabyte.
//
// Rows written before schema 7 hold the texts in their own columns; they
// are read as they are (see unpackTexts' callers).

const packedS2 = 1 // the format byte: S2 block, then uvarint-prefixed fields

// maxUnpacked bounds what one packed value may unpack to: more than the
// largest calendar mms reads (ics.MaxCalendarBytes), so any value it wrote
// unpacks, and a damaged store cannot make it allocate without bound.
const maxUnpacked = 64 << 20

var errPacked = errors.New("damaged packed value in the state store")

// pack packs fields.
func pack(fields ...[]byte) []byte {
	n := 0
	for _, f := range fields {
		n += binary.MaxVarintLen64 + len(f)
	}
	plain := make([]byte, 0, n)
	for _, f := range fields {
		plain = binary.AppendUvarint(plain, uint64(len(f)))
		plain = append(plain, f...)
	}
	out := make([]byte, 1, 1+s2.MaxEncodedLen(len(plain)))
	out[0] = packedS2
	return append(out, s2.Encode(out[1:], plain)...)
}

// unpack returns the n fields packed in b (n empty fields for nil).
func unpack(b []byte, n int) ([][]byte, error) {
	out := make([][]byte, n)
	if b == nil {
		return out, nil
	}
	if len(b) < 1 || b[0] != packedS2 {
		return nil, fmt.Errorf("%w: unknown format", errPacked)
	}
	size, err := s2.DecodedLen(b[1:])
	if err != nil || size > maxUnpacked {
		return nil, fmt.Errorf("%w: its length", errPacked)
	}
	plain, err := s2.Decode(make([]byte, size), b[1:])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errPacked, err)
	}
	for i := range out {
		l, k := binary.Uvarint(plain)
		if k <= 0 || l > uint64(len(plain)-k) {
			return nil, fmt.Errorf("%w: field %d", errPacked, i+1)
		}
		out[i], plain = plain[k:k+int(l):k+int(l)], plain[k+int(l):]
	}
	if len(plain) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last field", errPacked, len(plain))
	}
	return out, nil
}

// packTexts packs a meeting's block before, block after and mail text;
// nil when all three are empty, so that a row without texts carries none.
func (m Meeting) packTexts() []byte {
	if m.OldBlock == "" && m.NewBlock == "" && m.MailText == "" {
		return nil
	}
	return pack([]byte(m.OldBlock), []byte(m.NewBlock), []byte(m.MailText))
}

// unpackTexts sets m's texts from a packed value; a row without one (nil)
// keeps the texts read from their own columns.
func (m *Meeting) unpackTexts(b []byte) error {
	if b == nil {
		return nil
	}
	f, err := unpack(b, 3)
	if err != nil {
		return fmt.Errorf("meeting %s: texts: %w", m.UID, err)
	}
	m.OldBlock, m.NewBlock, m.MailText = string(f[0]), string(f[1]), string(f[2])
	return nil
}

// unpackOriginal returns the bytes before from a packed value, or raw (a
// row written before schema 7) when there is none.
func unpackOriginal(uid string, raw, packed []byte) ([]byte, error) {
	if packed == nil {
		return raw, nil
	}
	f, err := unpack(packed, 1)
	if err != nil {
		return nil, fmt.Errorf("meeting %s: bytes before: %w", uid, err)
	}
	return f[0], nil
}
