package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

// A statement is prepared once per connection, in or out of a transaction,
// and a query run while rows of the same text are open gets its own.
func TestKeptStatements(t *testing.T) {
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
	before := prepares(t, e.db)
	err = inTx(ctx, e, func(tx txn) error {
		for i, k := range []string{"a", "b", "c"} {
			if _, err := tx.exec(ctx, ins, k, i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.exec(ctx, ins, "d", 3); err != nil {
		t.Fatal(err)
	}
	if got := prepares(t, e.db) - before; got != 1 {
		t.Errorf("four inserts prepared %d statements, want 1", got)
	}
	if _, err := e.exec(ctx, ins, "a", 9); err == nil {
		t.Error("a duplicate key was accepted through the kept statement")
	}

	const sel = `SELECT k FROM t WHERE v >= ? ORDER BY k`
	var pairs []string
	err = inTx(ctx, e, func(tx txn) error { // one connection: nested queries share it
		outer, err := tx.query(ctx, sel, 0)
		if err != nil {
			return err
		}
		defer outer.Close()
		for outer.Next() {
			var k string
			if err := outer.Scan(&k); err != nil {
				return err
			}
			inner, err := tx.query(ctx, sel, 2) // same text while outer is open
			if err != nil {
				return err
			}
			for inner.Next() {
				var k2 string
				inner.Scan(&k2)
				pairs = append(pairs, k+k2)
			}
			inner.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(pairs), 8; got != want {
		t.Fatalf("nested queries gave %v, want 4 x 2 pairs", pairs)
	}
	if pairs[0] != "ac" || pairs[7] != "dd" {
		t.Errorf("nested queries gave %v", pairs)
	}
}

// prepares is how many statements the pool's one connection keeps.
func prepares(t *testing.T, db *sql.DB) int {
	t.Helper()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	n := -1
	c.Raw(func(dc any) error {
		if sc, ok := dc.(*stmtConn); ok {
			n = sc.prepares
		}
		return nil
	})
	if n < 0 {
		t.Fatal("the connection keeps no statements")
	}
	return n
}
