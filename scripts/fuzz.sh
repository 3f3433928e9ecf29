#!/usr/bin/env bash
# Runs every fuzz target briefly: ./scripts/fuzz.sh [duration like 60s, or count like 20000x].
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-8s}
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //'); do
    echo "fuzz $pkg $target ($t)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$t" "$pkg"
  done
done
