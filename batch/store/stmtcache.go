package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps the SQLite statements prepared once per store: parsing
// each statement again on every call was a sixth of a batch's time.
//
// The pool holds one connection, so a statement is only ever prepared
// outside a transaction (a transaction holds the connection; preparing on
// the pool then would wait for it forever). A statement first seen inside
// a transaction runs unprepared and is prepared at the next call outside
// one; inside a transaction a prepared statement is bound to it with
// Tx.StmtContext, which on the same connection prepares nothing again.
type stmtCache struct {
	db *sql.DB

	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	wanted map[string]bool
}

// maxStatements bounds the cache; queries built from filters vary.
const maxStatements = 256

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

// get returns the prepared statement for query, or nil to run it
// unprepared. tx is the transaction the caller is in, nil for none.
func (c *stmtCache) get(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	c.mu.Lock()
	st, ok := c.stmts[query]
	if !ok && len(c.stmts)+len(c.wanted) < maxStatements {
		c.wanted[query] = true
	}
	var todo []string
	if tx == nil && len(c.wanted) > 0 {
		for q := range c.wanted {
			todo = append(todo, q)
		}
		clear(c.wanted)
	}
	c.mu.Unlock()
	if len(todo) > 0 {
		c.prepare(ctx, todo) // outside the lock: preparing waits for the connection
	}
	switch {
	case ok && tx != nil:
		return tx.StmtContext(ctx, st)
	case ok:
		return st
	}
	return nil
}

func (c *stmtCache) prepare(ctx context.Context, queries []string) {
	for _, q := range queries {
		st, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			continue // it runs unprepared, and reports its error then
		}
		c.mu.Lock()
		if _, dup := c.stmts[q]; dup {
			st.Close()
		} else {
			c.stmts[q] = st
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	clear(c.stmts)
}
