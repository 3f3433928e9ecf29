#!/usr/bin/env bash
# radicale.sh: a throwaway Radicale CalDAV server for the tests of
# batch/caldav and for trying `mms run` on CalDAV calendars.
#
#   eval "$(scripts/radicale.sh start)"    # prints: export MMS_TEST_RADICALE=http://127.0.0.1:PORT
#   scripts/radicale.sh mkcalendar alice work          # MKCALENDAR /alice/work/
#   scripts/radicale.sh load alice work fixtures/*.ics # PUT each file as /alice/work/<file name>
#   scripts/radicale.sh stop                            # stops it and removes its files
#
# It installs Debian's radicale with apt-get when missing (root only),
# keeps config, users and storage under $MMS_RADICALE_DIR (default:
# $TMPDIR/mms-radicale), listens on 127.0.0.1 only, on a free
# port from $MMS_RADICALE_PORT (default 55232) on, searched from a random
# offset below 100 (test packages start theirs in parallel). Users (htpasswd, plain):
# alice, bob, carol, dave, erin, each with password "pw-<user>", who may
# read and write their own calendars, and the service account mms
# (password "pw-mms"), who may read and write everyone's. It is for tests,
# never for real data.
set -euo pipefail

dir=${MMS_RADICALE_DIR:-${TMPDIR:-/tmp}/mms-radicale}
first_port=${MMS_RADICALE_PORT:-55232}
users="alice bob carol dave erin mms"

usage() {
	echo "usage: $0 start|stop|url|mkcalendar USER NAME|load USER NAME FILE..." >&2
	exit 2
}

install() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "$0: Radicale is not installed; as root run: apt-get update && apt-get install -y radicale" >&2
		exit 1
	fi
	echo "$0: installing Radicale (apt-get)" >&2
	apt-get update >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y radicale >&2
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

configure() {
	local port=$1
	mkdir -p "$dir/collections"
	: >"$dir/users"
	for u in $users; do
		echo "$u:pw-$u" >>"$dir/users"
	done
	cat >"$dir/rights" <<-'RIGHTS'
		[service]
		user: mms
		collection: .*
		permissions: RrWw

		[root]
		user: .+
		collection:
		permissions: R

		[principal]
		user: .+
		collection: {user}
		permissions: RW

		[calendars]
		user: .+
		collection: {user}/[^/]+
		permissions: rw
	RIGHTS
	cat >"$dir/config" <<-CONFIG
		[server]
		hosts = 127.0.0.1:$port
		[auth]
		type = htpasswd
		htpasswd_filename = $dir/users
		htpasswd_encryption = plain
		delay = 0
		[rights]
		type = from_file
		file = $dir/rights
		[storage]
		filesystem_folder = $dir/collections
		[web]
		type = none
		[logging]
		level = warning
	CONFIG
}

start() {
	if running; then
		echo "export MMS_TEST_RADICALE=$(url)"
		return
	fi
	# Test packages start their servers in parallel: each begins its search
	# at a random offset, so that two rarely race for one port.
	local port=$((first_port + RANDOM % 100))
	while ! port_free "$port"; do
		port=$((port + 1))
		if ((port > first_port + 200)); then
			echo "$0: no free port in $first_port-$port" >&2
			exit 1
		fi
	done
	configure "$port"
	echo "$port" >"$dir/port"
	# Debian's own interpreter: a python3 earlier on PATH may lack the modules.
	setsid /usr/bin/python3 -m radicale --config "$dir/config" >"$dir/server.log" 2>&1 </dev/null &
	echo $! >"$dir/pid"
	for _ in $(seq 100); do
		if ! port_free "$port"; then
			echo "export MMS_TEST_RADICALE=$(url)"
			return
		fi
		if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	echo "$0: Radicale did not start on 127.0.0.1:$port:" >&2
	cat "$dir/server.log" >&2
	exit 1
}

stop() {
	if [[ -f $dir/pid ]]; then
		kill "$(cat "$dir/pid")" 2>/dev/null || true
	fi
	rm -rf "$dir"
}

# dav USER METHOD PATH [curl args...]: one request as USER; fails on HTTP >= 400.
dav() {
	local user=$1 method=$2 path=$3
	shift 3
	running || { echo "$0: not running; use $0 start" >&2; exit 1; }
	curl -sS --fail-with-body -u "$user:pw-$user" -X "$method" "$(url)$path" "$@" >&2
}

mkcalendar() {
	local user=$1 name=$2
	dav "$user" PROPFIND "/$user/" -H 'Depth: 0' -o /dev/null # creates the principal collection
	dav "$user" MKCALENDAR "/$user/$name/" -H 'Content-Type: application/xml' --data-binary \
		'<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:displayname>'"$name"'</D:displayname><C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>'
}

load() {
	local user=$1 name=$2
	shift 2
	for f in "$@"; do
		dav "$user" PUT "/$user/$name/$(basename "$f")" -H 'Content-Type: text/calendar; charset=utf-8' --data-binary "@$f" -o /dev/null
	done
}

[[ $# -ge 1 ]] || usage
if [[ ! -x /usr/bin/radicale ]]; then
	install
fi
case $1 in
start) [[ $# -eq 1 ]] || usage; start ;;
stop) [[ $# -eq 1 ]] || usage; stop ;;
url) running && url || { echo "$0: not running; use $0 start" >&2; exit 1; } ;;
mkcalendar) [[ $# -eq 3 ]] || usage; mkcalendar "$2" "$3" ;;
load) [[ $# -ge 4 ]] || usage; shift; load "$@" ;;
*) usage ;;
esac
