package batch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/mms-project/mms/batch/store"
)

// ErrInput marks bad input: the run did not start.
var ErrInput = errors.New("bad input")

// ErrUnavailable marks a run that could not go on: the state store, a
// server or the mail relay could not be reached or refused us. What was
// done stands; the same command, started again once it is fixed, resumes.
var ErrUnavailable = errors.New("could not run")

// unavailable marks err with ErrUnavailable, its message unchanged.
func unavailable(err error) error {
	if err == nil || errors.Is(err, ErrInput) || errors.Is(err, ErrUnavailable) {
		return err
	}
	return kindError{kind: ErrUnavailable, err: err}
}

// kindError is err, which errors.Is also finds to be of kind.
type kindError struct{ kind, err error }

func (e kindError) Error() string   { return e.err.Error() }
func (e kindError) Unwrap() []error { return []error{e.kind, e.err} }

// OpenStore opens the state store for a command: one that cannot be
// opened is ErrUnavailable (exit 4), one a newer mms wrote ErrInput.
func OpenStore(ctx context.Context, dsn string) (*store.Store, error) {
	if i := strings.Index(dsn, "://"); i > 1 && !store.IsPostgres(dsn) && !strings.ContainsAny(dsn[:i], `/\.`) {
		return nil, fmt.Errorf("%w: --db %s: use a SQLite file path or a postgres:// URL", ErrInput, dsn[:i+3]+"…")
	}
	if err := store.CheckDSN(dsn); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	st, err := store.Open(ctx, dsn)
	if errors.Is(err, store.ErrNewerSchema) || errors.Is(err, store.ErrNotAStore) { // no retry helps
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if err != nil {
		return nil, unavailable(err)
	}
	storeOpened(st)
	return st, nil
}

// OpenExistingStore is OpenStore for a command that works on batches a
// store holds already (mms work, mms rollback): a SQLite file that is not
// there is refused (see StoreExists), and none is made (an empty one would
// have nothing to work on, and a mistyped --db would say so only by doing
// nothing).
func OpenExistingStore(ctx context.Context, dsn string) (*store.Store, error) {
	if err := StoreExists(dsn); err != nil {
		return nil, err
	}
	return OpenStore(ctx, dsn)
}

// StoreExists refuses a SQLite state store that is not there (ErrInput
// and fs.ErrNotExist), for a command that reads one: opening it would
// create an empty one. A URL is left to OpenStore, which says what --db
// takes.
func StoreExists(dsn string) error {
	if dsn == "" {
		dsn = store.DefaultDSN
	}
	if store.IsPostgres(dsn) || strings.Contains(dsn, "://") {
		return nil
	}
	if err := store.CheckDSN(dsn); err != nil {
		return fmt.Errorf("%w: %w", ErrInput, err)
	}
	if _, err := os.Stat(dsn); errors.Is(err, fs.ErrNotExist) {
		return kindError{kind: ErrInput, err: missingStore{dsn, err}}
	} else if err != nil {
		return fmt.Errorf("%w: state store %s: %w; mms run (or mms start) creates it, or give --db the one they used", ErrInput, dsn, err)
	}
	return nil
}

// missingStore is a SQLite state store that is not there.
type missingStore struct {
	path string
	err  error
}

func (e missingStore) Error() string {
	return fmt.Sprintf("no state store at %s; mms run (or mms start) creates it, or give --db the one they used (make demo's is demo-out/mms.db)", e.path)
}

func (e missingStore) Unwrap() error { return e.err }

// storeOpened is called with each store opened; tests set it.
var storeOpened = func(*store.Store) {}
