#!/usr/bin/env bash
# make demo: the bundled batch (fixtures/demo), a dry run, then the real run.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-bin/mms}
out=${2:-demo-out}
rm -rf "$out"
mkdir -p "$out"
now=2026-01-15T09:00:00Z   # the demo's "now": see fixtures/demo/README.md
run() {
  echo "\$ mms run --users fixtures/demo/users.csv --changes fixtures/demo/changes.csv --out $out --now $now --db $out/mms.db $*"
  "$bin" run --users fixtures/demo/users.csv --changes fixtures/demo/changes.csv \
    --out "$out" --now "$now" --db "$out/mms.db" "$@"
}
echo "== 1. dry run: decide and report, write and send nothing; preview.html shows each meeting's old and new block and its mail"
run --report "$out/preview.html" --dry-run
echo
echo "== 2. real run: rewrite calendars, write one update per meeting to the outbox"
run --report "$out/report.xlsx"
echo
"$bin" status --summary --db "$out/mms.db"
echo
"$bin" batches --db "$out/mms.db"
echo
echo "Preview: $out/preview.html   Workbook: $out/report.xlsx"
