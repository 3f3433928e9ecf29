package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

// Statements are prepared once, outside transactions only: one seen first
// inside a transaction runs unprepared (preparing would wait for the one
// connection the transaction holds) and is prepared at the next call
// outside one; inside a transaction a prepared statement is reused.
func TestStmtCache(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // a deadlock fails, not hangs
	defer cancel()
	e, err := openSQLite(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer e.close()
	if _, err := e.exec(ctx, `CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	const ins = `INSERT INTO t (k, v) VALUES (?, ?)`
	tx, err := e.begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.exec(ctx, ins, "a", 1); err != nil { // first seen in a transaction
		t.Fatal(err)
	}
	if prepared(e.cache, ins) {
		t.Error("prepared inside a transaction")
	}
	if err := tx.commit(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := queryRow(ctx, e, `SELECT COUNT(*) FROM t`, nil, &n); err != nil || n != 1 {
		t.Fatalf("count %d, %v", n, err)
	}
	if !prepared(e.cache, ins) {
		t.Error("not prepared at the next call outside a transaction")
	}
	err = inTx(ctx, e, func(tx txn) error {
		_, err := tx.exec(ctx, ins, "b", 2) // the prepared statement, bound to the transaction
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.exec(ctx, ins, "a", 3); err == nil {
		t.Error("a duplicate key was accepted through the prepared statement")
	}
	if err := queryRow(ctx, e, `SELECT COUNT(*) FROM t`, nil, &n); err != nil || n != 2 {
		t.Fatalf("count %d, %v", n, err)
	}
}

func prepared(c *stmtCache, q string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	var st *sql.Stmt
	st, ok := c.stmts[q]
	return ok && st != nil
}
