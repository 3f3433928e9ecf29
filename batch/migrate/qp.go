package migrate

// appendQP appends s to dst quoted-printable (RFC 2045, section 6.7),
// byte for byte as mime/quotedprintable's Writer writes it (its rules,
// its line breaks, its quirks), with runs of plain bytes copied at once
// instead of a byte at a time.
func appendQP(dst []byte, s string) []byte {
	q := qpWriter{dst: dst, start: len(dst)}
	n := 0
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= '!' && b <= '~' && b != '=' || b == ' ' || b == '\t' || b == '\n' || b == '\r' {
			continue
		}
		q.write(s[n:i])
		q.encode(b)
		n = i + 1
	}
	q.write(s[n:])
	q.checkLastByte()
	return q.dst
}

// qpLineMax is the longest encoded line, without its CRLF.
const qpLineMax = 76

// qpWriter is mime/quotedprintable's Writer writing into a slice: the
// current line is dst[start:].
type qpWriter struct {
	dst   []byte
	start int
	cr    bool // the last line break written was a CR
}

func (q *qpWriter) col() int { return len(q.dst) - q.start }

func (q *qpWriter) write(p string) {
	for len(p) > 0 {
		if b := p[0]; b == '\n' || b == '\r' {
			p = p[1:]
			if q.cr && b == '\n' { // the CRLF was written with the CR
				q.cr = false
				continue
			}
			q.cr = b == '\r'
			q.checkLastByte()
			q.lineBreak()
			continue
		}
		k := 0
		for k < len(p) && p[k] != '\n' && p[k] != '\r' {
			k++
		}
		for run := p[:k]; len(run) > 0; {
			if q.col() == qpLineMax-1 {
				q.softBreak()
			}
			c := min(qpLineMax-1-q.col(), len(run))
			q.dst = append(q.dst, run[:c]...)
			run = run[c:]
		}
		q.cr = false
		p = p[k:]
	}
}

func (q *qpWriter) encode(b byte) {
	const upperhex = "0123456789ABCDEF"
	if qpLineMax-1-q.col() < 3 {
		q.softBreak()
	}
	q.dst = append(q.dst, '=', upperhex[b>>4], upperhex[b&0x0f])
}

// checkLastByte encodes white space at the end of a line.
func (q *qpWriter) checkLastByte() {
	if q.col() == 0 {
		return
	}
	if b := q.dst[len(q.dst)-1]; b == ' ' || b == '\t' {
		q.dst = q.dst[:len(q.dst)-1]
		q.encode(b)
	}
}

func (q *qpWriter) softBreak() {
	q.dst = append(q.dst, '=')
	q.lineBreak()
}

func (q *qpWriter) lineBreak() {
	q.dst = append(q.dst, '\r', '\n')
	q.start = len(q.dst)
}
