#!/usr/bin/env bash
# xandikos.sh: a throwaway Xandikos CalDAV server for the tests of
# batch/caldav (the conformance suite, internal/davserver).
#
#   eval "$(scripts/xandikos.sh start)"    # prints: export MMS_TEST_XANDIKOS=http://127.0.0.1:PORT
#   scripts/xandikos.sh stop                # stops it and removes its files
#
# It installs Debian's xandikos with apt-get when missing (root only),
# keeps its data under $MMS_XANDIKOS_DIR (default: $TMPDIR/mms-test-xandikos),
# and listens on 127.0.0.1 only, on a free port from
# $MMS_XANDIKOS_PORT (default 55332) on, searched from a random offset
# below 100 (test packages start theirs in parallel). Xandikos has one principal
# (/user/, calendars under /user/calendars/) and no authentication of
# its own: it ignores the credentials sent. It is for tests, never for
# real data.
set -euo pipefail

dir=${MMS_XANDIKOS_DIR:-${TMPDIR:-/tmp}/mms-test-xandikos}
first_port=${MMS_XANDIKOS_PORT:-55332}

usage() {
	echo "usage: $0 start|stop|url" >&2
	exit 2
}

install() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "$0: Xandikos is not installed; as root run: apt-get update && apt-get install -y xandikos" >&2
		exit 1
	fi
	echo "$0: installing Xandikos (apt-get)" >&2
	for i in 1 2 3 4 5 6; do # another apt-get may hold the dpkg lock
		if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xandikos >&2; then
			return
		fi
		[[ $i -eq 1 ]] && apt-get update -qq >&2 || true
		sleep 10
	done
	exit 1
}

port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

url() {
	echo "http://127.0.0.1:$(cat "$dir/port")"
}

running() {
	[[ -f $dir/pid && -f $dir/port ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null
}

start() {
	if running; then
		echo "export MMS_TEST_XANDIKOS=$(url)"
		return
	fi
	# Test packages start their servers in parallel: each begins its search
	# at a random offset, and one that loses the port between the check and
	# the bind tries the next.
	local port=$((first_port + RANDOM % 100)) pid
	for _ in 1 2 3 4 5; do
		while ! port_free "$port"; do
			port=$((port + 1))
			if ((port > first_port + 200)); then
				echo "$0: no free port in $first_port-$port" >&2
				exit 1
			fi
		done
		mkdir -p "$dir/data"
		echo "$port" >"$dir/port"
		# Debian's own interpreter: a python3 earlier on PATH may lack the modules.
		setsid /usr/bin/python3 /usr/bin/xandikos --defaults -d "$dir/data" -l 127.0.0.1 -p "$port" \
			>"$dir/server.log" 2>&1 </dev/null &
		pid=$!
		echo "$pid" >"$dir/pid"
		for _ in $(seq 100); do
			if curl -fs -o /dev/null -X PROPFIND -H 'Depth: 0' "http://127.0.0.1:$port/user/calendars/calendar/" &&
				sleep 0.3 && kill -0 "$pid" 2>/dev/null; then # ours answered, not another's
				echo "export MMS_TEST_XANDIKOS=$(url)"
				return
			fi
			if ! kill -0 "$pid" 2>/dev/null; then
				break
			fi
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null || ! grep -q "address already in use" "$dir/server.log"; then
			break
		fi
		port=$((port + 1))
	done
	echo "$0: Xandikos did not start on 127.0.0.1:$port:" >&2
	cat "$dir/server.log" >&2
	exit 1
}

stop() {
	if [[ -f $dir/pid ]]; then
		local pid
		pid=$(cat "$dir/pid")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	rm -rf "$dir"
}

[[ $# -eq 1 ]] || usage
if [[ ! -x /usr/bin/xandikos ]]; then
	install
fi
case $1 in
start) start ;;
stop) stop ;;
url) running && url || { echo "$0: not running; use $0 start" >&2; exit 1; } ;;
*) usage ;;
esac
