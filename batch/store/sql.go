package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
)

// querier runs our SQL on a pool or inside a transaction. Statements are
// written once, with ? placeholders and portable SQL; each engine rebinds
// placeholders and converts values for its database.
type querier interface {
	exec(ctx context.Context, query string, args ...any) (int64, error)
	query(ctx context.Context, query string, args ...any) (rows, error)
}

// rows is a result set. Scan takes *string, *int, *int64, *bool, *[]byte and
// *time.Time (always UTC, zero for an empty value) on every engine.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// errNoRows is queryRow's answer when nothing matched.
var errNoRows = errors.New("no rows")

// queryRow scans the first row of a query into dest.
func queryRow(ctx context.Context, q querier, query string, args []any, dest ...any) error {
	r, err := q.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer r.Close()
	if !r.Next() {
		if err := r.Err(); err != nil {
			return err
		}
		return errNoRows
	}
	if err := r.Scan(dest...); err != nil {
		return err
	}
	return r.Err()
}

// txn is a transaction; raw is the engine's own (*sql.Tx or pgx.Tx), which
// River's functions take.
type txn interface {
	querier
	commit(ctx context.Context) error
	rollback(ctx context.Context) error
	raw() any
}

// inTx runs fn in a transaction and commits it when fn succeeds.
func inTx(ctx context.Context, e engine, fn func(tx txn) error) error {
	tx, err := e.begin(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.rollback(context.WithoutCancel(ctx))
		return err
	}
	return tx.commit(ctx)
}

// dialect is what differs in our DDL between engines: column types.
type dialect struct {
	name  string
	types *strings.Replacer
	// lastAttemptedBy is the last client id in river_job.attempted_by.
	lastAttemptedBy string
}

var (
	sqliteDialect = dialect{"sqlite", strings.NewReplacer(
		"{{time}}", "TEXT", "{{json}}", "TEXT", "{{bool}}", "INTEGER", "{{false}}", "0", "{{bytes}}", "BLOB"),
		`json_extract(attempted_by, '$[#-1]')`}
	postgresDialect = dialect{"postgres", strings.NewReplacer(
		"{{time}}", "TIMESTAMPTZ", "{{json}}", "JSONB", "{{bool}}", "BOOLEAN", "{{false}}", "FALSE", "{{bytes}}", "BYTEA"),
		`attempted_by[array_upper(attempted_by, 1)]`}
)

// ddl expands the type placeholders of a schema statement.
func (d dialect) ddl(stmt string) string { return d.types.Replace(stmt) }

// rebind turns ? placeholders into $1, $2, ... (PostgreSQL). Our statements
// hold no ? inside string literals.
func rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
