#!/usr/bin/env bash
# Everything CI runs (make test): vet, every test, short fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== go vet"
go vet ./...

echo "== go test"
go test -count=1 -timeout 12m ./...

echo "== fuzz (short)"
scripts/fuzz.sh "${FUZZTIME:-100000x}"   # a count, not a duration: no deadline to race
