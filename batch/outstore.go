package batch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/mms-project/mms/batch/store"
)

// OutStoreFile, in a real run's --out, names the last batch that wrote
// there and its state store. A later real run into the same --out whose
// store does not hold that batch, and that sends (--send smtp:// or
// server), stops before anything is queued: the updates the earlier batch
// sent are recorded in the other store, so this one would send them all
// again (a run from another folder makes a new mms.db there; a mistyped
// --db, a new one). Removing the file goes on knowingly. One that writes
// the outbox is warned: its files are written again in place.
const OutStoreFile = ".mms-store"

// maxOutStoreFile bounds what is read of the file: two short lines.
const maxOutStoreFile = 4 << 10

// checkOutStore stops a real run whose --out was last written by a batch
// st does not hold (st nil: a SQLite store not made yet, which holds
// none; it is not made). A dry run is told in a warning: what it says
// would be sent, the other store may have sent.
func checkOutStore(ctx context.Context, st *store.Store, o RunOptions) (warning string, err error) {
	if o.Out == "" {
		return "", nil
	}
	path := filepath.Join(o.Out, OutStoreFile)
	id, where, err := readOutStore(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w (remove it to go on)", ErrInput, path, err)
	}
	known, shown := false, absStore(o.DB)
	if st != nil {
		if known, err = st.HasBatch(ctx, id); err != nil {
			return "", unavailable(err)
		}
		shown = storeShown(st)
	}
	switch {
	case known:
		return "", nil
	case o.DryRun:
		return fmt.Sprintf("--out %s was written by batch %s, whose state store was %s; this run's, %s, does not hold it: "+
			"what this dry run says would be sent, that batch may have sent, and a real run with this store stops (with --send smtp:// or server)", o.Out, id, where, shown), nil
	case o.Send == "" || o.Send == "outbox" || o.Send == "none":
		// the outbox's files are written again in place, under the same
		// names and with the same bytes: nothing reaches attendees twice
		// unless a pickup took the first away
		return fmt.Sprintf("--out %s was written by batch %s, whose state store was %s; this run's, %s, does not hold it: "+
			"updates that batch wrote to the outbox are written there again, under the same names (a pickup that took them away delivers them twice); give --db %s next time", o.Out, id, where, shown, where), nil
	}
	return "", fmt.Errorf("%w: --out %s was written by batch %s, whose state store was %s; this run's, %s, does not hold it, "+
		"so the updates that batch sent would all go out again: give --db %s, or another --out; "+
		"to go on knowingly, remove %s", ErrInput, o.Out, id, where, shown, where, path)
}

// markOutStore records in a real run's --out that batch id of st writes
// there.
func markOutStore(st *store.Store, o RunOptions, id string) error {
	if o.DryRun || o.Out == "" {
		return nil
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return fmt.Errorf("--out %s: %w", o.Out, err)
	}
	path := filepath.Join(o.Out, OutStoreFile)
	data := "batch " + id + "\nstore " + storeShown(st) + "\n"
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		return fmt.Errorf("--out %s: %w", o.Out, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("--out %s: %w", o.Out, err)
	}
	return nil
}

// storeShown names st as a later run from another folder can find it: a
// SQLite file by its absolute path.
func storeShown(st *store.Store) string { return absStore(st.Shown()) }

// absStore is a SQLite store's path made absolute; a URL as it is.
func absStore(s string) string {
	if s == "" {
		s = store.DefaultDSN
	}
	if strings.Contains(s, "://") {
		return s
	}
	if abs, err := filepath.Abs(s); err == nil {
		return abs
	}
	return s
}

// readOutStore reads the batch id and the store named in path.
func readOutStore(path string) (id, where string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, maxOutStoreFile))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), " ")
		switch k {
		case "batch":
			id = strings.TrimSpace(v)
		case "store":
			where = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return "", "", err
	}
	if id == "" {
		return "", "", errors.New("names no batch: not a file mms wrote")
	}
	return id, where, nil
}
