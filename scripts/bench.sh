#!/usr/bin/env bash
# make bench: numbers, not pass/fail. Give it its own servers' dirs and
# ports (MMS_PG_DIR/PORT, MMS_RADICALE_DIR/PORT) when others run theirs. Set SIZES="2000 10000" to choose the
# organiser counts of the whole-run benchmark (100 meetings each; default "200 2000 10000"),
# QUEUE_USERS the batch of the jobs/s benchmark (default 400) and
# KILL_TRIALS the kill-and-resume trials (default 60), and ONLY one or more
# of the sections (ics xlsx whole queue caldav kill; default all of them).
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/mms ./cmd/mms
go build -o bin/decodeall ./internal/benchtool/decodeall
go build -o bin/roundtrip ./internal/benchtool/roundtrip
go build -o bin/iofloor ./internal/benchtool/iofloor

section() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

if section ics; then
echo "== reading, deciding and rewriting one 10,000-meeting calendar (and each update written as a worker does), beside go-ical's Decode"
go test -run '^$' -bench 'ReadDecideRewrite|GoICalDecode|RewriteAndRequestEach' -benchtime 5x ./ics/
go test -run '^$' -bench . -benchtime 2000x ./ics/recur/
echo
fi

if section xlsx; then
echo "== the XLSX report of 2,000 users x 120 meetings"
go test -run '^$' -bench XLSX -benchtime 3x ./report/ | grep -E 'Benchmark|^(ok|FAIL)'
echo
fi

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
# settle: both measured commands start alike: nothing left to write back,
# and (as root) no page cache left from earlier steps, then the inputs read
# once. Writing a run's outputs into a full page cache made the same run
# half again slower on this 2-core machine (memory reclaimed on every write).
settle() {
  sync
  if [ -w /proc/sys/vm/drop_caches ]; then echo 3 > /proc/sys/vm/drop_caches; else echo "(page cache not dropped: not root)"; fi
  find "$1/calendars" -name '*.ics' -exec cat {} + > /dev/null
}
# Nothing is deleted until every size is measured. On an ext4 without a
# journal (this machine's disk), creating a file steps over every inode
# freed in the last minute (five, while the inode table is being written),
# reading each one: a run that followed the deletion of the last run's
# outputs spent a fifth of its CPU in the kernel's recently_deleted(). So
# the outputs stay, and the run waits out deletions made just before it
# (BENCH_QUIET=0 skips the wait).
need_gb=$(( $(echo ${SIZES:-200 2000 10000} | tr ' ' '\n' | awk '{s += $1} END {print s}') * 4 / 1000 + 2 ))
free_gb=$(df -BG --output=avail "${TMPDIR:-/tmp}" | tail -1 | tr -dc 0-9)
if [ "$free_gb" -lt "$need_gb" ]; then
  echo "(only $free_gb GB free in ${TMPDIR:-/tmp}; the whole-run benchmark keeps about $need_gb GB of outputs: set SIZES lower or TMPDIR elsewhere)"
fi
if section whole && [ "${BENCH_QUIET:-1}" != 0 ]; then
  echo "(waiting 5 minutes for inodes freed just before the bench to age: BENCH_QUIET=0 skips it)"
  sync; sleep 300
fi
prev=""
for users in ${SIZES:-200 2000 10000}; do
  section whole || break
  echo "== whole run: $users organisers x 100 meetings (report included), beside go-ical and the I/O floor"
  go run ./fixtures/gen/cmd/mmsgen -users "$users" -meetings 100 -out "$work/b$users" -seed 1
  settle "$work/b$users"
  dstart=$(date +%s.%N)
  bin/decodeall "$work/b$users/calendars"
  dend=$(date +%s.%N)
  settle "$work/b$users"
  rstart=$(date +%s.%N)
  bin/roundtrip "$work/b$users/calendars" "$work/rt$users"
  rend=$(date +%s.%N)
  settle "$work/b$users"
  start=$(date +%s.%N)
  rss "$work/err$users" bin/mms run --users "$work/b$users/users.csv" --changes "$work/b$users/changes.csv" --out "$work/out$users" \
    --report "$work/r$users.xlsx" --now 2026-01-15T09:00:00Z --db "$work/mms$users.db"
  end=$(date +%s.%N)
  store_mb=$(( $(du -cb "$work/mms$users.db"* | tail -1 | cut -f1) / 1000000 ))
  msgs=$(find "$work/out$users/outbox" -name '*.eml' | wc -l)
  avg=$(( $(du -sb "$work/out$users/outbox" | cut -f1) / (msgs > 0 ? msgs : 1) ))
  settle "$work/b$users"
  bin/iofloor "$work/b$users/calendars" "$work/floor$users" "$msgs" "$avg"
  awk -v s="$start" -v e="$end" -v ds="$dstart" -v de="$dend" -v rs="$rstart" -v re="$rend" -v n="$users" -v p="$prev" -v sm="$store_mb" 'BEGIN {
    t = e - s
    printf "mms run: %.2f s = %.2fx the go-ical round trip on all cores (target 1.5x), %.2fx the single-threaded decode\n", t, t / (re - rs), t / (de - ds)
    printf "state store after the run: %d MB (the database and any log beside it)\n", sm
    if (p != "") { split(p, q, ":"); printf "growth: %d -> %d organisers cost %.2fx (linear: %.2fx; target at most 5.2x for 2,000 -> 10,000)\n", q[1], n, t / q[2], n / q[1] }
  }'
  prev="$users:$(awk -v s="$start" -v e="$end" 'BEGIN {print e - s}')"
  echo "(load average 1, 5, 15 min: $(load), on $(nproc) cores)"
  echo
done

if section queue; then
echo "== queue: jobs/s (one job = one organiser, 2 meetings) on SQLite and PostgreSQL with 1, 2 and 4 workers"
qusers=${QUEUE_USERS:-400}
go run ./fixtures/gen/cmd/mmsgen -users "$qusers" -meetings 2 -out "$work/q" -seed 2
pg=""
if eval "$(scripts/postgres.sh start 2>"$work/pg.log")"; then
  pg=$MMS_TEST_POSTGRES
  trap 'scripts/postgres.sh stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
else
  echo "(PostgreSQL could not be started; see $work/pg.log)"
fi
jobs_per_s() { # engine workers db
  local start end
  start=$(date +%s.%N)
  bin/mms run --users "$work/q/users.csv" --changes "$work/q/changes.csv" --out "$work/qout-$1-$2" --report "$work/q-$1-$2.csv" \
    --now 2026-01-15T09:00:00Z --workers "$2" --db "$3" >/dev/null 2>"$work/q.err" || { cat "$work/q.err"; return 1; }
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" -v n="$qusers" -v eng="$1" -v w="$2" 'BEGIN {printf "%-10s workers=%d  %4d jobs in %6.2f s  %7.1f jobs/s\n", eng, w, n, e - s, n / (e - s)}'
}
for w in 1 2 4; do
  jobs_per_s sqlite "$w" "$work/q-$w.db"
  if [ -n "$pg" ]; then
    jobs_per_s postgres "$w" "$pg"
  fi
done

echo
fi

if section caldav; then
echo "== CalDAV: a whole run of 24 Radicale calendars x 12 meetings with 1, 4 and 16 workers, each write read back (readback=on, the default) or not (off) (meetings/s; share of worker time waiting on the server)"
rad_env=$(scripts/radicale.sh start 2>"$work/rad.log") && eval "$rad_env" || echo "(Radicale could not be started; see $work/rad.log)"
go test -run '^$' -bench 'DAVRun' -benchtime 1x ./batch/ | grep -E 'DAVRun|^(ok|FAIL)'
echo
echo "== CalDAV: a whole run over 20 Radicale calendars x 50 objects (4 workers, 4 requests in flight), read back or not, beside Radicale's own rate for bare PUTs of the same rewritten objects (If-Match, 4 in flight); target: the run at 90% of the bare rate"
go test -run '^$' -bench 'DAVvsBarePUT' -benchtime 1x -timeout 60m ./batch/ | grep -E 'DAVvsBarePUT|bench_test|^(ok|FAIL)'
scripts/radicale.sh stop >/dev/null 2>&1 || true

echo
fi

if section kill; then
echo "== kill and resume: ${KILL_TRIALS:-60} trials of SIGKILL at random points, each run again to the end"
MMS_KILL_TRIALS=${KILL_TRIALS:-60} go test -count=1 -run 'TestKillAndResume$' -v -timeout 60m ./cmd/mms/ | grep -E 'trials|^(ok|FAIL|---)'
fi
