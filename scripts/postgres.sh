#!/usr/bin/env bash
# postgres.sh start|stop|dsn: a throwaway PostgreSQL for the state store's
# tests (batch/store) and for trying `mms run --db postgres://...`.
#
#   eval "$(scripts/postgres.sh start)"   # prints: export MMS_TEST_POSTGRES=...
#   go test ./batch/store/
#   scripts/postgres.sh stop             # stops it and removes its files
#
# It installs PostgreSQL with apt-get when none is found (root only), keeps
# its cluster under $MMS_PG_DIR (default: $TMPDIR/mms-postgres), listens on
# 127.0.0.1 only, on the first free port from $MMS_PG_PORT (default 55432),
# and trusts local connections: it is for tests, never for real data.
# PostgreSQL refuses to run as root, so as root the cluster belongs to the
# `postgres` user (created if missing).
set -euo pipefail

dir=${MMS_PG_DIR:-${TMPDIR:-/tmp}/mms-postgres}
first_port=${MMS_PG_PORT:-55432}
db=mms_test
role=mms

usage() {
	echo "usage: $0 start|stop|dsn" >&2
	echo "  start  install if missing, initdb, start, create database $db, print the DSN" >&2
	echo "  stop   stop the server and remove $dir" >&2
	echo "  dsn    print the DSN of the running server" >&2
	exit 2
}

# bindir finds the directory holding postgres, initdb and pg_ctl.
bindir() {
	if [[ -x /usr/local/bin/postgres && -x /usr/local/bin/initdb && -x /usr/local/bin/pg_ctl ]]; then
		echo /usr/local/bin
		return
	fi
	local found
	found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	if [[ -n $found && -x $found/postgres ]]; then
		echo "$found"
		return
	fi
	return 1
}

install() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "$0: PostgreSQL is not installed; as root run: apt-get update && apt-get install -y postgresql" >&2
		exit 1
	fi
	echo "$0: installing PostgreSQL (apt-get)" >&2
	apt-get update >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
}

# as runs a command as the cluster's owner.
as() {
	if [[ $(id -u) -eq 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

dsn() {
	echo "postgres://$role@127.0.0.1:$(cat "$dir/port")/$db?sslmode=disable"
}

running() {
	[[ -f $dir/port && -d $dir/data ]] && as "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

start() {
	if running; then
		echo "export MMS_TEST_POSTGRES='$(dsn)'"
		return
	fi
	if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
		useradd --system --home-dir "$dir" --shell /usr/sbin/nologin postgres
	fi
	mkdir -p "$dir"
	if [[ $(id -u) -eq 0 ]]; then
		chown postgres "$dir"
	fi
	if [[ ! -f $dir/data/PG_VERSION ]]; then
		as "$bin/initdb" -D "$dir/data" -U "$role" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; exit 1; }
	fi
	local port=$first_port
	while ! port_free "$port"; do
		port=$((port + 1))
		if ((port > first_port + 50)); then
			echo "$0: no free port in $first_port-$port" >&2
			exit 1
		fi
	done
	as sh -c "echo $port >'$dir/port'"
	as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
		-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >&2 ||
		{ cat "$dir/server.log" >&2; exit 1; }
	local psql=$bin/psql
	[[ -x $psql ]] || psql=$(ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)
	[[ -x $psql ]] || psql=$(command -v psql)
	if ! as "$psql" -h 127.0.0.1 -p "$port" -U "$role" -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
		as "$psql" -h 127.0.0.1 -p "$port" -U "$role" -d postgres -qc "CREATE DATABASE $db" >&2
	fi
	echo "export MMS_TEST_POSTGRES='$(dsn)'"
}

stop() {
	if [[ -d $dir/data ]]; then
		as "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
	fi
	rm -rf "$dir"
}

[[ $# -eq 1 ]] || usage
bin=$(bindir) || { install; bin=$(bindir); }
case $1 in
start) start ;;
stop) stop ;;
dsn) running && echo "$(dsn)" || { echo "$0: not running; use $0 start" >&2; exit 1; } ;;
*) usage ;;
esac
