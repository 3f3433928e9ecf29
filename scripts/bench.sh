#!/usr/bin/env bash
# make bench: numbers, not pass/fail. Set SIZES="2000 10000" to choose the
# organiser counts of the whole-run benchmark (100 meetings each).
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/mms ./cmd/mms
go build -o bin/decodeall ./internal/benchtool/decodeall

echo "== reading, deciding and rewriting one 10,000-meeting calendar, beside go-ical's Decode"
go test -run '^$' -bench 'ReadDecideRewrite|GoICalDecode' -benchtime 5x ./ics/
go test -run '^$' -bench . -benchtime 2000x ./ics/recur/

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rss() { # runs a command quietly and prints its peak resident set, from /proc
  local err=$1; shift
  "$@" >/dev/null 2>"$err" & local pid=$! peak=0
  while kill -0 $pid 2>/dev/null; do
    local kb; kb=$(awk '/VmHWM/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
    [ "${kb:-0}" -gt "$peak" ] && peak=$kb
    sleep 0.05
  done
  wait $pid || { cat "$err"; return 1; }
  echo "mms peak RSS: $((peak / 1024)) MB"
}
for users in ${SIZES:-2000 10000}; do
  echo
  echo "== whole run: $users organisers x 100 meetings (report included)"
  go run ./fixtures/gen/cmd/mmsgen -users "$users" -meetings 100 -out "$work/b$users" -seed 1
  bin/decodeall "$work/b$users/calendars"
  start=$(date +%s.%N)
  rss "$work/err$users" bin/mms run --users "$work/b$users/users.csv" --changes "$work/b$users/changes.csv" --out "$work/out$users" \
    --report "$work/r$users.xlsx" --now 2026-01-15T09:00:00Z --db "$work/mms$users.db"
  awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "mms run: %.2f s\n", e - s}'
done
