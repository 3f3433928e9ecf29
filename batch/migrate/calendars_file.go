package migrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"syscall"

	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/ics"
)

// FileCalendars reads .ics files and writes rewritten ones under Dir, same
// file names, each whole or not at all; inputs are never modified.
type FileCalendars struct{ Dir string }

// MaxCalendarFile bounds the size of a calendar file: a larger one is
// refused, its user failed, before it is read. It is ics's own limit on a
// calendar (ics.MaxCalendarBytes, 48 MiB), checked here on the open file
// so that nothing larger is read into memory.
const MaxCalendarFile = ics.MaxCalendarBytes

// Read reads and parses one file. Neither a missing file nor a file that
// is not iCalendar gets better by trying again.
func (f FileCalendars) Read(_ context.Context, path string) ([]*Doc, error) {
	data, err := readCalendarFile(path)
	if err != nil {
		return nil, store.Permanent(fmt.Errorf("calendar %s: %w", path, err))
	}
	cal, err := ics.Parse(path, data)
	if err != nil {
		return nil, store.Permanent(err)
	}
	return []*Doc{{Name: path, Cal: cal}}, nil
}

// Write stores the document at its Output.
func (f FileCalendars) Write(_ context.Context, d *Doc) error {
	return writeFileAtomic(f.Output(d.Name, d.Output), d.Cal.Bytes())
}

// PutBack writes the copy of a user's calendar file under Dir again with
// the given meetings (by UID) as they were read, their original bytes
// whole: rewrites whose updates were never sent (see Worker.Abandon). A
// copy not written yet is left unwritten.
func (f FileCalendars) PutBack(_ context.Context, a Assignment, originals map[string][]byte) error {
	path := f.Output(a.Calendar, a.Output)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	cal, err := ics.Parse(path, data)
	if err != nil {
		return Permanent(err)
	}
	for _, uid := range slices.Sorted(maps.Keys(originals)) {
		if _, err := cal.RestoreExact(uid, originals[uid]); err != nil {
			return Permanent(err)
		}
	}
	if !cal.Edited() {
		return nil
	}
	return writeFileAtomic(path, cal.Bytes())
}

// Reread reads the input file again; a file is never changed under a run,
// so Write never asks for it.
func (f FileCalendars) Reread(ctx context.Context, d *Doc) (*Doc, error) {
	docs, err := f.Read(ctx, d.Name)
	if err != nil {
		return nil, err
	}
	return docs[0], nil
}

// Output is where the rewrite of the input file path goes: Dir/name, or
// Dir/<path's base name> when name is "" (see outputNames).
func (f FileCalendars) Output(path, name string) string {
	if name == "" {
		name = filepath.Base(path)
	}
	return filepath.Join(f.Dir, name)
}

// readCalendarFile reads a regular file of at most MaxCalendarFile bytes.
// What the path names is checked on the file opened, not before: a FIFO or
// device put in place of the calendar since the run was started is refused
// rather than blocking the worker (the open does not wait for a writer).
func readCalendarFile(path string) ([]byte, error) {
	file, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	st, err := file.Stat()
	switch {
	case err != nil:
		return nil, err
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("not a regular file (%s); give the calendar's .ics file itself", st.Mode().Type())
	case st.Size() > MaxCalendarFile:
		return nil, fmt.Errorf("%d bytes, over the limit of %d MiB for a calendar; split the export (for example by year) or export only future meetings", st.Size(), MaxCalendarFile>>20)
	}
	// Read into a buffer of the size the file had (io.ReadAll grew its
	// buffer from 512 bytes, copying a large calendar a dozen times), with
	// room to see that it grew.
	data, err := readUpTo(file, int(st.Size())+512, MaxCalendarFile+1)
	if err != nil {
		return nil, err
	}
	if len(data) > MaxCalendarFile {
		return nil, fmt.Errorf("grew over the limit of %d MiB for a calendar while it was read", MaxCalendarFile>>20)
	}
	return data, nil
}

// readUpTo reads r to its end or to limit bytes, into a buffer that first
// holds size bytes.
func readUpTo(r io.Reader, size, limit int) ([]byte, error) {
	data := make([]byte, 0, min(size, limit))
	for len(data) < limit {
		if len(data) == cap(data) {
			data = slices.Grow(data, min(max(cap(data), 512), limit-len(data)))
		}
		n, err := r.Read(data[len(data):min(cap(data), limit)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return data, err
		}
	}
	return data, nil
}
