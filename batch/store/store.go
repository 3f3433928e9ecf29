// Package store keeps a batch's durable state: the River queue of per-user
// jobs and our own tables of batches, users, meetings and tenant settings,
// in a SQLite file or a PostgreSQL database.
//
// River deletes finished jobs after a day and its event stream may drop
// events, so the state the report and `mms status` read lives in our
// tables, and a user's outcome and meetings are written in the same
// transaction that completes the user's job (river.JobCompleteTx): a job is
// done exactly when its outcome is recorded.
//
// Each batch has its own River queue, so a worker started for one batch
// never takes the jobs of another batch, whose options may differ.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"
)

// States of a user. Pending, InProgress, Failed and Succeeded are MMS's;
// NotTriggered marks a user that no change of the batch triggered.
const (
	Pending      = "Pending"
	InProgress   = "InProgress"
	Failed       = "Failed"
	Succeeded    = "Succeeded"
	NotTriggered = "NotTriggered"
)

// States lists the states in the order status shows them.
func States() []string { return []string{Pending, InProgress, Failed, Succeeded, NotTriggered} }

// DefaultDSN is the state store used when none is given.
const DefaultDSN = "mms.db"

// Store is an open state store. It is safe for concurrent use.
type Store struct {
	eng engine
	dsn string // for messages, password hidden
}

// engine is a database with River's driver for it.
type engine interface {
	querier // on the pool
	dialect() dialect
	begin(ctx context.Context) (txn, error)
	// migrate runs River's migrations, then ours in a transaction, holding
	// a lock that makes concurrent Opens wait for each other.
	migrate(ctx context.Context, ours func(tx txn) error) error
	newClient(cfg *river.Config) (queueClient, error)
	close()
}

// Open opens the state store that dsn names, creating it if needed, and
// brings River's schema and ours up to date. dsn is a SQLite file path
// (DefaultDSN when empty) or a postgres:// or postgresql:// URL.
func Open(ctx context.Context, dsn string) (*Store, error) {
	if dsn == "" {
		dsn = DefaultDSN
	}
	if err := CheckDSN(dsn); err != nil {
		return nil, err
	}
	s := &Store{dsn: redact(dsn)}
	err := s.open(ctx, dsn)
	for wait := 50 * time.Millisecond; err != nil && busy(err) && wait < 5*time.Second; wait *= 2 {
		// Another process is creating the same SQLite file or switching it
		// to WAL: SQLite answers busy at once there, not after its timeout.
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		err = s.open(ctx, dsn)
	}
	if err != nil {
		return nil, fmt.Errorf("state store %s: %w", s.dsn, err)
	}
	return s, nil
}

func (s *Store) open(ctx context.Context, dsn string) error {
	var err error
	if IsPostgres(dsn) {
		s.eng, err = openPostgres(ctx, dsn)
	} else {
		s.eng, err = openSQLite(ctx, dsn)
	}
	if err != nil {
		return err
	}
	if err := s.migrate(ctx); err != nil {
		s.eng.close()
		return err
	}
	return nil
}

// Unavailable reports whether err is the state store refusing work that
// no change of the command's input helps: a SQLite store that is
// read-only, locked by another process, full, or failing to read or write
// its files (SQLite's primary result codes PERM, BUSY, LOCKED, READONLY,
// IOERR, FULL, CANTOPEN) or a PostgreSQL one refusing as such (see
// below), or a failure the store already reported as such. Commands exit 4 for it, not 1.
func Unavailable(err error) bool {
	if IsStoreFailure(err) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// PostgreSQL: a read-only server or transaction (25006), a session
		// ended as idle (25P03), a lock not had (55P03), out of disk or
		// memory (class 53), shut down (57), the connection lost (08), no
		// right to write (42501).
		switch c := pe.Code; {
		case c == "25006", c == "25P03", c == "55P03", c == "42501",
			len(c) == 5 && (c[:2] == "53" || c[:2] == "57" || c[:2] == "08"):
			return true
		}
		return false
	}
	if errors.As(err, new(*pgconn.ConnectError)) || pgconn.Timeout(err) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true // a PostgreSQL server that went away mid-command
	}
	var se interface{ Code() int }
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case 3, 5, 6, 8, 10, 13, 14:
		return true
	}
	return false
}

// Locked reports whether err is a SQLite store held by another process
// beyond the busy timeout.
func Locked(err error) bool { return busy(err) }

// busy reports a SQLite "database is locked" (SQLITE_BUSY, code 5 and its
// extended codes).
func busy(err error) bool {
	var se interface{ Code() int }
	return errors.As(err, &se) && se.Code()&0xff == 5
}

// damaged reports a SQLite store whose file is no sound database any more
// (SQLITE_CORRUPT, SQLITE_NOTADB): written over or broken under the run.
func damaged(err error) bool {
	var se interface{ Code() int }
	return errors.As(err, &se) && (se.Code()&0xff == 11 || se.Code()&0xff == 26)
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Close closes the store. Work must have returned.
func (s *Store) Close() error {
	s.eng.close()
	return nil
}

// String names the store, without a password.
func (s *Store) String() string { return s.dsn }

// redact hides the passwords of a URL: in its user part, and its
// password and sslpassword parameters, which pgx reads too; and those of
// a keyword string (see CheckDSN).
func redact(dsn string) string {
	if keywordDSN(dsn) {
		return keywordPassword.ReplaceAllString(dsn, "${1}xxxxx")
	}
	if !IsPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unreadable URL)"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	u.RawQuery = queryPassword.ReplaceAllString(u.RawQuery, "${1}xxxxx")
	return u.String()
}

// queryPassword is a password parameter of a URL's query, as written (a
// value url.ParseQuery cannot decode is hidden too), in any case, after
// & or ; (pgx splits on both).
var queryPassword = regexp.MustCompile(`(?i)((?:^|[&;])(?:ssl)?password=)[^&;]*`)

// keywordPassword is a password in a keyword string, its value quoted or
// not.
var keywordPassword = regexp.MustCompile(`(?i)((?:^|\s)(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)`)

// keywordEquals is a keyword string's = with the spaces libpq allows
// around it.
var keywordEquals = regexp.MustCompile(`\s*=\s*`)

// quotedValue is a keyword string's quoted value, which may hold spaces.
var quotedValue = regexp.MustCompile(`'(?:[^'\\]|\\.)*'`)

// keywordDSN reports whether dsn is a libpq keyword string ("host=db
// user=mms password=..."): every word a key=value, one of them a
// connection's key.
func keywordDSN(dsn string) bool {
	if strings.HasPrefix(dsn, "./") || strings.HasPrefix(dsn, "/") || strings.HasPrefix(dsn, ".\\") {
		return false // a path, whatever its name holds
	}
	words := strings.Fields(keywordEquals.ReplaceAllString(quotedValue.ReplaceAllString(dsn, "''"), "="))
	known := false
	for _, w := range words {
		k, _, ok := strings.Cut(w, "=")
		if !ok {
			return false
		}
		switch strings.TrimSpace(k) {
		case "host", "hostaddr", "port", "dbname", "user", "password", "sslmode", "sslpassword":
			known = true
		}
	}
	return known && len(words) > 0
}

// CheckDSN refuses a --db that is neither a file nor a postgres:// URL:
// a libpq keyword string would otherwise name a SQLite file, its password
// in the file's name.
func CheckDSN(dsn string) error {
	if keywordDSN(dsn) {
		return fmt.Errorf("--db %q is a PostgreSQL keyword string; give the database as a URL, postgres://user@host:port/dbname (the password in PGPASSWORD or ~/.pgpass); a SQLite file whose name holds = is given as ./NAME", redact(dsn))
	}
	return nil
}
