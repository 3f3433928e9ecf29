package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"reflect"
	"sync/atomic"

	"modernc.org/sqlite"
)

// stmtConnector opens modernc SQLite connections that keep their prepared
// statements: riversqlite and our own queries hand the same SQL text to
// every call, and parsing it again each time took a sixth of a batch's
// CPU (River's job-completion query alone is long).
// maxPages, when above zero, is set as PRAGMA max_page_count on every
// connection it opens (a per-connection setting: see Store.LimitGrowth).
type stmtConnector struct {
	driver.Connector
	maxPages *atomic.Int64
}

func newStmtConnector(dsn string) (stmtConnector, error) {
	base, err := sqlite.NewConnector(dsn)
	if err != nil {
		return stmtConnector{}, err
	}
	return stmtConnector{base, new(atomic.Int64)}, nil
}

func (c stmtConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if n := c.maxPages.Load(); n > 0 {
		if err := execConn(ctx, conn, fmt.Sprintf("PRAGMA max_page_count = %d", n)); err != nil {
			conn.Close()
			return nil, err
		}
	}
	base, ok := conn.(sqliteConn)
	if !ok {
		return conn, nil // another driver version: run unprepared
	}
	return &stmtConn{sqliteConn: base, stmts: map[string]*keptStmt{}}, nil
}

// execConn runs one statement on a new connection.
func execConn(ctx context.Context, conn driver.Conn, query string) error {
	ex, ok := conn.(driver.ExecerContext)
	if !ok {
		return fmt.Errorf("sqlite connection cannot exec %q", query)
	}
	_, err := ex.ExecContext(ctx, query, nil)
	return err
}

// sqliteConn is what every modernc connection implements; a wrapper must
// forward all of it (see sqlite.NewConnector).
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type ctxStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// stmtConn is a connection with its statements kept by SQL text.
// database/sql uses a connection from one goroutine at a time, so it needs
// no lock; a statement whose rows are still open (a query inside another
// of the same text) is busy and that call prepares its own.
type stmtConn struct {
	sqliteConn
	stmts    map[string]*keptStmt
	prepares int  // statements prepared and kept, for tests
	memTemp  bool // temporary storage could not be put back in files
}

type keptStmt struct {
	st   ctxStmt
	busy bool
}

// maxKept bounds the statements kept per connection; the queries a batch
// runs are a few dozen texts.
const maxKept = 512

func (c *stmtConn) Unwrap() driver.Conn { return c.sqliteConn }

// kept returns the kept statement for query, preparing it the first time;
// nil means run the query unprepared.
func (c *stmtConn) kept(ctx context.Context, query string) *keptStmt {
	if k, ok := c.stmts[query]; ok {
		if k.busy {
			return nil
		}
		return k
	}
	if len(c.stmts) >= maxKept {
		return nil
	}
	ds, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil // run unprepared: its error is reported then
	}
	st, ok := ds.(ctxStmt)
	if !ok {
		ds.Close()
		return nil
	}
	k := &keptStmt{st: st}
	c.stmts[query] = k
	c.prepares++
	return k
}

func (c *stmtConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	k := c.kept(ctx, query)
	if k == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	k.busy = true
	defer func() { k.busy = false }()
	return k.st.ExecContext(ctx, args)
}

func (c *stmtConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	k := c.kept(ctx, query)
	if k == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	k.busy = true
	r, err := k.st.QueryContext(ctx, args)
	if err != nil {
		k.busy = false
		return nil, err
	}
	return &keptRows{Rows: r, k: k}, nil
}

// BeginTx begins a transaction with SQLite's temporary storage in memory,
// and puts it back in files when the transaction ends. A statement that
// changes many rows inside a transaction (a user's 50-row INSERT, its
// DELETE) keeps the pages it may have to undo in a statement journal,
// which otherwise spills past 64 KB into a file of its own: a tenth of the
// bytes a run wrote at 200 organisers. Whether it is kept in memory is
// settled when the transaction begins. Outside transactions the storage
// stays in files: in memory, SQLite's sorter would hold a whole sort (mms
// status over every batch's users) in memory, outside Go's memory limit.
// The pragma acts when it is prepared, so it is never a kept statement.
func (c *stmtConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if _, err := c.sqliteConn.ExecContext(ctx, "PRAGMA temp_store = MEMORY", nil); err != nil {
		return nil, err
	}
	tx, err := c.sqliteConn.BeginTx(ctx, opts)
	if err != nil {
		c.fileTemp()
		return nil, err
	}
	return memTempTx{tx, c}, nil
}

// fileTemp puts temporary storage back in files; a connection where that
// fails is not used again (see ResetSession).
func (c *stmtConn) fileTemp() {
	if _, err := c.sqliteConn.ExecContext(context.Background(), "PRAGMA temp_store = DEFAULT", nil); err != nil {
		c.memTemp = true
	}
}

// ResetSession refuses a connection left with temporary storage in memory.
func (c *stmtConn) ResetSession(ctx context.Context) error {
	if c.memTemp {
		return driver.ErrBadConn
	}
	return c.sqliteConn.ResetSession(ctx)
}

// memTempTx is a transaction begun with temporary storage in memory.
type memTempTx struct {
	driver.Tx
	c *stmtConn
}

func (t memTempTx) Commit() error {
	err := t.Tx.Commit()
	t.c.fileTemp()
	return err
}

func (t memTempTx) Rollback() error {
	err := t.Tx.Rollback()
	t.c.fileTemp()
	return err
}

func (c *stmtConn) Close() error {
	for q, k := range c.stmts {
		k.st.Close()
		delete(c.stmts, q)
	}
	return c.sqliteConn.Close()
}

// keptRows frees its statement when closed, and forwards the column
// types modernc's rows report.
type keptRows struct {
	driver.Rows
	k *keptStmt
}

func (r *keptRows) Close() error {
	err := r.Rows.Close()
	r.k.busy = false
	return err
}

func (r *keptRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *keptRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *keptRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}
