package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite" // no cgo; opened through stmtConnector
)

// sqliteEngine is a SQLite file through modernc.org/sqlite. SQLite allows
// one writer at a time, so the pool holds one connection (as riversqlite
// advises) and every transaction takes the write lock when it begins
// (_txlock=immediate), waiting up to busy_timeout for another process.
type sqliteEngine struct {
	db       *sql.DB
	driver   *riversqlite.Driver
	maxPages *atomic.Int64 // the connector's: see LimitGrowth
	sqliteQuerier
	path string      // the database file
	file os.FileInfo // what path named when it was opened
}

func openSQLite(ctx context.Context, path string) (*sqliteEngine, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	// A new store is made readable by its owner only, whatever the umask:
	// it holds the batch's payloads and the original meetings. SQLite
	// gives its -wal and -shm files the database's mode.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, err
	} else if err := isSQLite(path); err != nil {
		return nil, err
	}
	conn, err := newStmtConnector(sqliteDSN(path))
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	file, err := os.Stat(path)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &sqliteEngine{db: db, driver: riversqlite.New(db), maxPages: conn.maxPages, sqliteQuerier: sqliteQuerier{q: db}, path: path, file: file}, nil
}

// present says whether the store's file is still the one opened: SQLite
// writes on into a file removed or replaced under it without a word, and
// what it records then is lost with the file.
func (e *sqliteEngine) present() error {
	fi, err := os.Stat(e.path)
	switch {
	case err == nil && os.SameFile(fi, e.file):
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return errStoreRemoved
	}
	return errStoreGone
}

// restore puts a removed store's file back from the one still open
// (VACUUM INTO), made first as a new store is, readable by its owner
// only.
func (e *sqliteEngine) restore(ctx context.Context) error {
	if err := os.MkdirAll(filepath.Dir(e.path), 0o755); err != nil { // its folder removed with it
		return err
	}
	f, err := os.OpenFile(e.path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	if _, err := e.db.ExecContext(ctx, `VACUUM INTO ?`, e.path); err != nil {
		os.Remove(e.path)
		return err
	}
	return nil
}

// ErrNotAStore is a --db that names something other than a state store: a
// folder, or a file that is not a SQLite database. No retry helps.
var ErrNotAStore = errors.New("not an mms state store")

// sqliteHeader begins every SQLite database file.
const sqliteHeader = "SQLite format 3\x00"

// isSQLite says why the existing path cannot be a state store: a folder,
// or a file that neither is empty (a store not yet written) nor begins as
// a SQLite database does.
func isSQLite(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return fmt.Errorf("%w: it is a folder; give a file, e.g. %s", ErrNotAStore, filepath.Join(path, "mms.db"))
	}
	head := make([]byte, len(sqliteHeader))
	n, _ := io.ReadFull(f, head)
	if n == 0 || string(head[:n]) == sqliteHeader {
		return nil
	}
	return fmt.Errorf("%w: the file is not a SQLite database (mms makes one where --db names no file)", ErrNotAStore)
}

// sqliteDSN is a file: URI for path with our pragmas: WAL (readers do not
// wait for the writer), a 10 s busy timeout, NORMAL sync (safe with WAL).
// Write transactions keep their statement journals in memory (see
// stmtConn.BeginTx).
func sqliteDSN(path string) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + esc + "?_txlock=immediate" +
		"&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(on)"
}

func (e *sqliteEngine) dialect() dialect { return sqliteDialect }
func (e *sqliteEngine) close()           { e.db.Close() }

func (e *sqliteEngine) begin(ctx context.Context) (txn, error) {
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return sqliteTx{sqliteQuerier{q: tx}, tx}, nil
}

// migrate runs all migrations in one immediate transaction, which holds
// the database's write lock.
func (e *sqliteEngine) migrate(ctx context.Context, ours func(tx txn) error) error {
	m, err := rivermigrate.New(e.driver, nil)
	if err != nil {
		return err
	}
	return inTx(ctx, e, func(tx txn) error {
		if _, err := m.MigrateTx(ctx, tx.raw().(*sql.Tx), rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("river migrations: %w", err)
		}
		return ours(tx)
	})
}

func (e *sqliteEngine) newClient(cfg *river.Config) (queueClient, error) {
	return newRiverClient(e.driver, cfg)
}

type sqliteTx struct {
	sqliteQuerier
	tx *sql.Tx
}

func (t sqliteTx) commit(context.Context) error   { return t.tx.Commit() }
func (t sqliteTx) rollback(context.Context) error { return t.tx.Rollback() }
func (t sqliteTx) raw() any                       { return t.tx }

// sqliteQuerier stores times as fixed-width RFC 3339 text in UTC, to the
// microsecond as PostgreSQL does, so that they sort and compare as text;
// the zero time is "".
type sqliteQuerier struct {
	q interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	}
}

const sqliteTime = "2006-01-02T15:04:05.000000Z07:00"

// The times a state store keeps: years 1 to 9999, which RFC 3339 writes
// and both engines read back. A meeting set on .NET's last day,
// 9999-12-31, in a zone west of UTC starts in year 10000: it keeps the
// last time of year 9999 (the report's Excel shows no later date).
var (
	firstTime = time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC)
	lastTime  = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
)

// storable is t as a store keeps it: to the microsecond, within the
// years it keeps; the zero time stays zero.
func storable(t time.Time) time.Time {
	t = t.Round(time.Microsecond)
	switch {
	case t.IsZero():
		return t
	case t.Before(firstTime):
		return firstTime
	case t.After(lastTime):
		return lastTime
	}
	return t
}

func (s sqliteQuerier) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := s.q.ExecContext(ctx, query, sqliteArgs(args)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (s sqliteQuerier) query(ctx context.Context, query string, args ...any) (rows, error) {
	r, err := s.q.QueryContext(ctx, query, sqliteArgs(args)...)
	if err != nil {
		return nil, err
	}
	return sqliteRows{r}, nil
}

func sqliteArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			a = ""
			if !t.IsZero() {
				a = storable(t).UTC().Format(sqliteTime)
			}
		}
		out[i] = a
	}
	return out
}

type sqliteRows struct{ *sql.Rows }

func (r sqliteRows) Close() { r.Rows.Close() }

func (r sqliteRows) Scan(dest ...any) error {
	for i, d := range dest {
		if t, ok := d.(*time.Time); ok {
			dest[i] = textTime{t}
		}
	}
	return r.Rows.Scan(dest...)
}

// textTime scans our text times (and the RFC 3339 of older files).
type textTime struct{ t *time.Time }

func (tt textTime) Scan(v any) error {
	var s string
	switch v := v.(type) {
	case nil:
	case string:
		s = v
	case []byte:
		s = string(v)
	case time.Time:
		*tt.t = v.UTC()
		return nil
	default:
		return fmt.Errorf("time column holds %T", v)
	}
	if s == "" {
		*tt.t = time.Time{}
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("time column holds %q: %w", s, err)
	}
	*tt.t = t.UTC()
	return nil
}

// LimitGrowth lets a SQLite store grow by at most pages more pages
// (PRAGMA max_page_count on its one connection), as a disk about to fill
// up would; a negative pages lifts the limit. Tests stand in a full disk
// with it. A PostgreSQL store is not limited.
func (s *Store) LimitGrowth(ctx context.Context, pages int) error {
	eng, ok := s.eng.(*sqliteEngine)
	if !ok {
		return nil
	}
	limit := 1 << 30 // SQLite's largest
	if pages >= 0 {
		var count int
		if err := queryRow(ctx, s.eng, `PRAGMA page_count`, nil, &count); err != nil {
			return err
		}
		limit = count + pages
	}
	eng.maxPages.Store(int64(limit)) // for a connection opened later: the pragma is per connection
	_, err := s.eng.exec(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", limit))
	return err
}
