#!/usr/bin/env bash
# Everything CI runs (make test): vet, every test (SQLite and PostgreSQL), short fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== go vet"
go vet ./...

echo "== servers: PostgreSQL for the state store suite (installed if missing)"
scripts/postgres.sh stop >/dev/null 2>&1 || true
eval "$(scripts/postgres.sh start)"
trap 'scripts/postgres.sh stop >/dev/null 2>&1 || true; scripts/cyrus.sh stop >/dev/null 2>&1 || true; scripts/radicale.sh stop >/dev/null 2>&1 || true' EXIT

echo "== servers: Radicale for the CalDAV tests (installed if missing)"
scripts/radicale.sh stop >/dev/null 2>&1 || true
eval "$(scripts/radicale.sh start)"

echo "== servers: Cyrus IMAP for --send server scheduling (installed if missing)"
scripts/cyrus.sh stop >/dev/null 2>&1 || true
eval "$(scripts/cyrus.sh start)"

echo "== go test"
go test -count=1 -timeout 12m ./...

echo "== fuzz (short)"
scripts/fuzz.sh "${FUZZTIME:-100000x}"   # a count, not a duration: no deadline to race
