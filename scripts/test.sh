#!/usr/bin/env bash
# Everything CI runs (make test): vet, every test (SQLite and PostgreSQL, every
# CalDAV server, Postfix, headless Chromium), short fuzzing. Each server is
# installed with apt-get when missing, started on 127.0.0.1 by its own script
# below, and stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

servers="postgres radicale xandikos davical sogo cyrus postfix"
stop_all() {
	for s in $servers; do scripts/$s.sh stop >/dev/null 2>&1 || true; done
}
trap stop_all EXIT

echo "== go vet"
go vet ./...

echo "== builds for Windows and macOS (consultants run mms there too)"
for os in windows darwin; do GOOS=$os GOARCH=amd64 go build ./...; done

for s in $servers; do
	echo "== servers: $s (installed if missing)"
	scripts/$s.sh stop >/dev/null 2>&1 || true
	eval "$(scripts/$s.sh start)"
done

echo "== browser: headless Chromium for the HTML preview (installed if missing)"
eval "$(scripts/chromium.sh)"

echo "== go test"
go test -count=1 -timeout 12m ./...

echo "== fuzz (short)"
scripts/fuzz.sh "${FUZZTIME:-100000x}"   # a count, not a duration: no deadline to race
