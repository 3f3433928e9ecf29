#!/usr/bin/env bash
# sogo.sh: a throwaway SOGo CalDAV server for the tests of batch/caldav
# (the conformance suite, internal/davserver).
#
#   eval "$(scripts/sogo.sh start)"  # prints: export MMS_TEST_SOGO=http://127.0.0.1:PORT/SOGo/dav
#   scripts/sogo.sh stop              # stops it (a few seconds) and removes its files
#
# It installs Debian's sogo, memcached and PostgreSQL with apt-get when
# missing (root only) and runs a private PostgreSQL cluster, a private
# memcached and sogod (as user sogo, its configuration given on the
# command line, which overrides /etc/sogo/sogo.conf; that file is not
# touched) under $MMS_SOGO_DIR (default: $TMPDIR/mms-test-sogo), all on
# 127.0.0.1 only, on free ports. Users alice, bob, carol, dave, erin and
# mms, each with password "pw-<user>", come from an SQL table; SOGo makes
# each one's calendar <URL>/<user>/Calendar/personal/ on first access,
# which this script does. No mail is sent. Starting takes about 5-10 s.
# It is for tests, never for real data.
set -euo pipefail

dir=${MMS_SOGO_DIR:-${TMPDIR:-/tmp}/mms-test-sogo}
users="alice bob carol dave erin mms"

usage() {
	echo "usage: $0 start|stop|url" >&2
	exit 2
}

installed() {
	[[ -x /usr/sbin/sogod ]] && command -v memcached >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

install() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "$0: SOGo is not installed; as root run: apt-get install -y sogo memcached postgresql" >&2
		exit 1
	fi
	echo "$0: installing SOGo, memcached and PostgreSQL (apt-get)" >&2
	for i in 1 2 3 4 5 6; do # another apt-get may hold the dpkg lock
		# policy-rc.d (if present) keeps the packages' own services from starting; we run our own
		if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sogo memcached postgresql >&2; then
			return
		fi
		[[ $i -eq 1 ]] && apt-get update -qq >&2 || true
		sleep 10
	done
	exit 1
}

freeport() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
alive() { [[ -f $1 ]] && kill -0 "$(head -n1 "$1")" 2>/dev/null; }
asq() { (cd /tmp && runuser -u postgres -- "$@"); }

url() {
	echo "http://127.0.0.1:$(cat "$dir/port")/SOGo/dav"
}

running() {
	[[ -f $dir/port ]] && alive "$dir/run/sogo.pid" && alive "$dir/memcached.pid" && alive "$dir/pg/data/postmaster.pid"
}

start() {
	if running; then
		echo "export MMS_TEST_SOGO=$(url)"
		return
	fi
	[[ $(id -u) -eq 0 ]] || { echo "$0: runs PostgreSQL and sogod as their own users: run as root" >&2; exit 1; }
	local pgbin pgport mcport port u db
	pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
	mkdir -p "$dir/pg/sock" "$dir/run" "$dir/home"
	chmod 755 "$dir"
	chown -R postgres:postgres "$dir/pg"
	chown sogo:sogo "$dir/run" "$dir/home"
	# ---- PostgreSQL: private cluster, TCP on 127.0.0.1 only (SOGo connects by TCP), trust auth
	pgport=$(freeport)
	if [[ ! -f $dir/pg/data/PG_VERSION ]]; then
		asq "$pgbin/initdb" -D "$dir/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
	fi
	asq "$pgbin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -c port=$pgport -c unix_socket_directories=$dir/pg/sock" start >/dev/null
	psqlq() { asq env PGHOST="$dir/pg/sock" PGPORT="$pgport" PGOPTIONS=--client-min-messages=warning psql -qXAt -v ON_ERROR_STOP=1 "$@"; }
	if [[ $(psqlq -U postgres -d postgres -c "SELECT 1 FROM pg_database WHERE datname='sogo'") != 1 ]]; then
		psqlq -U postgres -d postgres -c "CREATE ROLE sogo LOGIN PASSWORD 'sogo'" -c "CREATE DATABASE sogo OWNER sogo"
	fi
	psqlq -U sogo -d sogo -c "CREATE TABLE IF NOT EXISTS sogo_users (c_uid VARCHAR(128) PRIMARY KEY,
		c_name VARCHAR(128) NOT NULL, c_password VARCHAR(256) NOT NULL, c_cn VARCHAR(128), mail VARCHAR(128))"
	for u in $users; do
		psqlq -U sogo -d sogo -c "INSERT INTO sogo_users VALUES ('$u','$u','pw-$u','$u','$u@example.com')
			ON CONFLICT (c_uid) DO UPDATE SET c_password = EXCLUDED.c_password"
	done
	# ---- memcached (SOGo needs it), 127.0.0.1 only, no UDP
	mcport=$(freeport)
	setsid memcached -l 127.0.0.1 -p "$mcport" -U 0 -m 64 -u memcache >"$dir/memcached.log" 2>&1 </dev/null &
	echo $! >"$dir/memcached.pid"
	for _ in $(seq 50); do port_free "$mcport" || break; sleep 0.1; done
	# ---- sogod (daemonises; its watchdog's pid goes to $dir/run/sogo.pid)
	port=$(freeport)
	db="postgresql://sogo:sogo@127.0.0.1:$pgport/sogo"
	(cd "$dir/home" && runuser -u sogo -- env HOME="$dir/home" /usr/sbin/sogod \
		-WOPort "127.0.0.1:$port" -WOWorkersCount 3 -WOPidFile "$dir/run/sogo.pid" -WOLogFile "$dir/run/sogo.log" \
		-SOGoMemcachedHost "127.0.0.1:$mcport" \
		-SOGoProfileURL "$db/sogo_user_profile" -OCSFolderInfoURL "$db/sogo_folder_info" \
		-OCSSessionsFolderURL "$db/sogo_sessions_folder" -OCSEMailAlarmsFolderURL "$db/sogo_alarms_folder" \
		-SOGoUserSources "({type = sql; id = users; viewURL = \"$db/sogo_users\"; canAuthenticate = YES; isAddressBook = NO; userPasswordAlgorithm = plain;})" \
		-SOGoTimeZone UTC -SOGoMailDomain example.com -SOGoAppointmentSendEMailNotifications NO \
		-SOGoEnableEMailAlarms NO) >"$dir/sogod.out" 2>&1 </dev/null
	local base="http://127.0.0.1:$port/SOGo/dav/" ok=
	for _ in $(seq 150); do
		if [[ -f $dir/run/sogo.pid ]] && curl -fs -o /dev/null -u "alice:pw-alice" -X PROPFIND -H 'Depth: 0' "${base}alice/"; then
			ok=1
			break
		fi
		sleep 0.2
	done
	[[ -n $ok ]] || { echo "$0: sogod did not answer; see $dir/run/sogo.log and $dir/sogod.out" >&2; exit 1; }
	echo "$port" >"$dir/port"
	for u in $users; do # the first authenticated access makes the user's "personal" calendar
		curl -fs -o /dev/null -u "$u:pw-$u" -X PROPFIND -H 'Depth: 1' "${base}$u/Calendar/"
		curl -fs -o /dev/null -u "$u:pw-$u" -X PROPFIND -H 'Depth: 0' "${base}$u/Calendar/personal/" ||
			{ echo "$0: no calendar ${base}$u/Calendar/personal/" >&2; exit 1; }
	done
	echo "export MMS_TEST_SOGO=$(url)"
}

stop() {
	# sogod's watchdog takes 15-25 s to stop on SIGTERM, and longer when
	# PostgreSQL goes first: stop it and its workers (children of the
	# watchdog, by pid), then memcached, then PostgreSQL (fast shutdown).
	local p w left= pgbin
	if [[ -f $dir/run/sogo.pid ]]; then
		w=$(head -n1 "$dir/run/sogo.pid")
		if kill -0 "$w" 2>/dev/null; then
			local workers
			workers=$(ps -o pid= --ppid "$w" || true)
			kill "$w" $workers 2>/dev/null || true
			for _ in $(seq 30); do # 3 s, then it is killed: a test server
				left=
				for p in $w $workers; do kill -0 "$p" 2>/dev/null && left=1; done
				[[ -z $left ]] && break
				sleep 0.1
			done
			[[ -z $left ]] || kill -KILL "$w" $workers 2>/dev/null || true
		fi
	fi
	if alive "$dir/memcached.pid"; then
		kill "$(cat "$dir/memcached.pid")" 2>/dev/null || true
	fi
	if alive "$dir/pg/data/postmaster.pid"; then
		pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
		asq "$pgbin/pg_ctl" -D "$dir/pg/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
			echo "$0: PostgreSQL in $dir/pg did not stop" >&2
	fi
	rm -rf "$dir"
}

[[ $# -eq 1 ]] || usage
if ! installed; then
	install
fi
case $1 in
start) start ;;
stop) stop ;;
url) running && url || { echo "$0: not running; use $0 start" >&2; exit 1; } ;;
*) usage ;;
esac
