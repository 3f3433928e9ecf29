package caldav

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mms-project/mms/ics"
)

// ErrReadBack matches (errors.Is) a write the server acknowledged but did
// not keep: what it gives back does not parse as iCalendar, or lacks what
// was written (SOGo 5.8 answers 204 to some writes and stores "(null)").
var ErrReadBack = errors.New("caldav: the server acknowledged the write but stores something else")

// ErrChangedAfterWrite matches (errors.Is) an object another client
// changed between mms's write and its read-back: it is left as that client
// wrote it. It also matches ErrReadBack.
var ErrChangedAfterWrite = fmt.Errorf("%w: changed on the server by another client after mms wrote it", ErrReadBack)

// ReadBack checks a write that Put reported done: it GETs href and wants
// an iCalendar object that parses and that check accepts (check gets the
// stored bytes; it should look for the values written, not for exact
// lines, since Radicale and SOGo re-serialise what they store). It
// returns the object's entity tag as read.
//
// When the object does not pass, ReadBack puts original (the bytes read
// before the write) back with If-Match on the entity tag it just read,
// and returns an error matching ErrReadBack that quotes the start of the
// server's answer and says whether the original was restored. etag is
// the tag Put returned, used for the restore when the GET gives none. An
// error reading the object back is returned as is (wrapped, naming the
// URL), with nothing restored: what the server holds is unknown.
func (c *Client) ReadBack(ctx context.Context, href, etag string, original []byte, check func(stored []byte) error) (string, error) {
	data, now, err := c.getWritten(ctx, href)
	if err != nil {
		return "", err
	}
	if err := c.judge(ctx, href, etag, now, data, original, check); err != nil {
		return "", err
	}
	if now == "" {
		return c.etag(ctx, href)
	}
	return now, nil
}

// getWritten GETs an object just written, for its read-back: its bytes
// and the entity tag the answer gives ("" none).
func (c *Client) getWritten(ctx context.Context, href string) ([]byte, string, error) {
	req, err := newRequest(ctx, http.MethodGet, href, nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Accept", "text/calendar")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("caldav: reading back %s after writing it: %w", redact(href), err)
	}
	data, err := readAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		if err == nil {
			err = fmt.Errorf("expected 200 OK, got %s", resp.Status)
		}
		return nil, "", fmt.Errorf("caldav: reading back %s after writing it: %w", redact(href), err)
	}
	return data, quoteETag(resp.Header.Get("ETag")), nil
}

// judge checks what the server returns for an object just written: it
// must parse as iCalendar and pass check. When it does not, the original
// goes back with If-Match on now (else written) and the error matches
// ErrReadBack; but when the object's entity tag is no longer the one the
// write got (written, now: both known), another client changed it since,
// and it is left as that client wrote it (ErrChangedAfterWrite): putting
// the original back would undo that client's edit.
func (c *Client) judge(ctx context.Context, href, written, now string, data, original []byte, check func(stored []byte) error) error {
	etag := cmp.Or(now, written)
	var bad error
	if _, err := ics.Parse("what it returns", data); err != nil {
		bad = fmt.Errorf("it does not parse: %w", err)
	} else if err := check(data); err != nil {
		bad = fmt.Errorf("it lacks what was written: %w", err)
	}
	if bad == nil {
		return nil
	}
	answer := fmt.Sprintf("the server now returns %q", excerpt(data))
	if written != "" && now != "" && !sameVersion(now, written) {
		return fmt.Errorf("%w: %s: its entity tag is %s, the write got %s: %s; %v; left as the server has it and its update not sent (a later batch sends it if that copy kept mms's new block)", ErrChangedAfterWrite, redact(href), now, written, answer, bad)
	}
	if _, err := c.Put(ctx, href, original, etag); err != nil {
		return fmt.Errorf("%w: %s: %s; %v; putting the original back failed too: %w", ErrReadBack, redact(href), answer, bad, err)
	}
	return fmt.Errorf("%w: %s: %s; %v; the original was put back", ErrReadBack, redact(href), answer, bad)
}

// excerpt is the start of a server's answer for a message.
func excerpt(data []byte) string {
	const n = 120
	if len(data) > n {
		return oneLine(string(data[:n])) + "…"
	}
	return oneLine(string(data))
}

// sameVersion reports whether two entity tags of one object name the same
// version: equal once a weakness mark is dropped and the suffix Apache's
// compression adds ("-gzip", "-br") is taken off, as a GET's tag may differ
// from the PUT's that way.
func sameVersion(a, b string) bool {
	norm := func(t string) string {
		t = strings.Trim(opaqueETag(t), `"`)
		for _, suffix := range []string{"-gzip", "-br", "-deflate", "-zstd"} {
			t = strings.TrimSuffix(t, suffix)
		}
		return t
	}
	return norm(a) == norm(b)
}
