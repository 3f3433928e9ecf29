package batch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mms-project/mms/batch/store"
	"github.com/mms-project/mms/ics"
)

// FileCalendars reads .ics files and writes rewritten ones under Dir, same
// file names, each whole or not at all; inputs are never modified.
type FileCalendars struct{ Dir string }

// Read reads and parses one file. Neither a missing file nor a file that
// is not iCalendar gets better by trying again.
func (f FileCalendars) Read(_ context.Context, path string) ([]*Doc, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, store.Permanent(fmt.Errorf("calendar %s: %w", path, err))
	}
	cal, err := ics.Parse(path, data)
	if err != nil {
		return nil, store.Permanent(err)
	}
	return []*Doc{{Name: path, Cal: cal}}, nil
}

// Write stores the document as Dir/<its Output>, by default Dir/<its
// base name>.
func (f FileCalendars) Write(_ context.Context, d *Doc) error {
	path := f.Output(d.Name)
	if d.Output != "" {
		path = filepath.Join(f.Dir, d.Output)
	}
	return writeFileAtomic(path, d.Cal.Bytes())
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

// Output is where the rewrite of the input file path goes.
func (f FileCalendars) Output(path string) string {
	return filepath.Join(f.Dir, filepath.Base(path))
}
