// Package pgtest gives tests a PostgreSQL state store of their own: the
// server MMS_TEST_POSTGRES names (scripts/postgres.sh start prints one),
// a schema per test, dropped when the test ends. Without the variable a
// test is skipped with a message, or fails under CI=true, as
// internal/davserver does for its servers.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env is the variable that names the server.
const Env = "MMS_TEST_POSTGRES"

// Start returns the DSN of a fresh schema of its own on the test server;
// without one it skips t (fails it under CI=true).
func Start(t testing.TB) string {
	t.Helper()
	return Schema(t, Server(t))
}

// Server is the test server's DSN, for a test that makes several schemas
// (Schema); without one it skips t (fails it under CI=true).
func Server(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		msg := Env + ` is empty; start a server with: eval "$(scripts/postgres.sh start)"`
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dsn
}

// Optional is Start for a test that also runs without PostgreSQL: "" when
// there is no server.
func Optional(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		return ""
	}
	return Schema(t, dsn)
}

// Schema creates a schema on the server at dsn, dropped after the test,
// and returns dsn with search_path set to it.
func Schema(t testing.TB, dsn string) string {
	t.Helper()
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "mms_test_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Error(err)
		}
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}
