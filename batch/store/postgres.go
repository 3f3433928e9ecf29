package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// postgresEngine is a PostgreSQL database through a pgx pool, shared by
// workers on several machines. Our tables and River's live in the schema
// the connection's search_path names (add &search_path=... to the URL).
type postgresEngine struct {
	pool   *pgxpool.Pool
	driver *riverpgxv5.Driver
	pgQuerier
}

// migrationLock is the advisory lock key that serializes migrations of
// concurrent Opens ("mms" in ASCII).
const migrationLock = 0x6d6d73

func openPostgres(ctx context.Context, url string) (*postgresEngine, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = 20 // River's producer, notifier and elector, plus a transaction per worker
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return &postgresEngine{pool: pool, driver: riverpgxv5.New(pool), pgQuerier: pgQuerier{pool}}, nil
}

func (e *postgresEngine) dialect() dialect { return postgresDialect }
func (e *postgresEngine) close()           { e.pool.Close() }

func (e *postgresEngine) begin(ctx context.Context) (txn, error) {
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return pgTx{pgQuerier{tx}, tx}, nil
}

// migrate holds a session advisory lock on a connection of its own while
// River migrates (a transaction per version: some of River's versions
// cannot share one) and ours run in one transaction.
func (e *postgresEngine) migrate(ctx context.Context, ours func(tx txn) error) error {
	m, err := rivermigrate.New(e.driver, nil)
	if err != nil {
		return err
	}
	conn, err := e.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return fmt.Errorf("locking for migrations: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrationLock))
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return inTx(ctx, e, ours)
}

func (e *postgresEngine) newClient(cfg *river.Config) (queueClient, error) {
	return newRiverClient(e.driver, cfg)
}

type pgTx struct {
	pgQuerier
	tx pgx.Tx
}

func (t pgTx) commit(ctx context.Context) error   { return t.tx.Commit(ctx) }
func (t pgTx) rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }
func (t pgTx) raw() any                           { return t.tx }

type pgQuerier struct {
	q interface {
		Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
		Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	}
}

func (p pgQuerier) exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := p.q.Exec(ctx, rebind(query), pgArgs(args)...)
	return tag.RowsAffected(), err
}

func (p pgQuerier) query(ctx context.Context, query string, args ...any) (rows, error) {
	r, err := p.q.Query(ctx, rebind(query), pgArgs(args)...)
	if err != nil {
		return nil, err
	}
	return pgRows{r}, nil
}

// pgArgs rounds times to the microsecond as PostgreSQL stores them, so that
// a time written compares equal to the time read back, within the years
// the SQLite engine keeps (storable).
func pgArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			a = storable(t)
		}
		out[i] = a
	}
	return out
}

// pgRows gives times in UTC, as the SQLite engine does.
type pgRows struct{ pgx.Rows }

func (r pgRows) Scan(dest ...any) error {
	if err := r.Rows.Scan(dest...); err != nil {
		return err
	}
	for _, d := range dest {
		if t, ok := d.(*time.Time); ok {
			*t = t.UTC()
		}
	}
	return nil
}
