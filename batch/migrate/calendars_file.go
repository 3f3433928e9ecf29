package migrate

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

// Write stores the document at its Output.
func (f FileCalendars) Write(_ context.Context, d *Doc) error {
	return writeFileAtomic(f.Output(d.Name, d.Output), d.Cal.Bytes())
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
