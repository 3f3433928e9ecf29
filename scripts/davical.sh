#!/usr/bin/env bash
# davical.sh: a throwaway DAViCal CalDAV server for the tests of
# batch/caldav (the conformance suite, internal/davserver).
#
#   eval "$(scripts/davical.sh start)"  # prints: export MMS_TEST_DAVICAL=http://127.0.0.1:PORT/caldav.php
#   scripts/davical.sh stop              # stops it and removes its files
#
# It installs Debian's davical, apache2, mod_php and PostgreSQL with
# apt-get when missing (root only) and runs a private PostgreSQL cluster
# and a private Apache under $MMS_DAVICAL_DIR (default:
# $TMPDIR/mms-test-davical); the system's own apache2 and postgresql services
# are neither used nor touched. Both listen on 127.0.0.1 only, on free
# ports. DAViCal picks its configuration by host name, so this writes
# /etc/davical/127.0.0.1-conf.php (it only reads the connection string
# Apache passes in); use 127.0.0.1, not localhost. Users alice, bob,
# carol, dave, erin and mms, each with password "pw-<user>", are made
# through DAViCal's admin pages, which also make each one's calendar
# /caldav.php/<user>/calendar/. Starting takes about 10 s (more on the
# first install). It is for tests, never for real data.
set -euo pipefail

dir=${MMS_DAVICAL_DIR:-${TMPDIR:-/tmp}/mms-test-davical}
users="alice bob carol dave erin mms"
adminpw=admin-pw

usage() {
	echo "usage: $0 start|stop|url" >&2
	exit 2
}

installed() {
	[[ -f /usr/share/davical/htdocs/caldav.php && -f /usr/lib/apache2/modules/libphp8.2.so ]] &&
		ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

install() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "$0: DAViCal is not installed; as root run: apt-get install -y davical apache2 libapache2-mod-php8.2 php8.2-pgsql php8.2-xml php8.2-curl postgresql" >&2
		exit 1
	fi
	echo "$0: installing DAViCal, Apache and PostgreSQL (apt-get)" >&2
	for i in 1 2 3 4 5 6; do # another apt-get may hold the dpkg lock
		# policy-rc.d (if present) keeps the packages' own services from starting; we run our own
		if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq davical apache2 libapache2-mod-php8.2 \
			php8.2-pgsql php8.2-xml php8.2-curl postgresql >&2; then
			return
		fi
		[[ $i -eq 1 ]] && apt-get update -qq >&2 || true
		sleep 10
	done
	exit 1
}

freeport() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
alive() { [[ -f $1 ]] && kill -0 "$(head -n1 "$1")" 2>/dev/null; }
asq() { (cd /tmp && runuser -u postgres -- "$@"); }

url() {
	echo "http://127.0.0.1:$(cat "$dir/port")/caldav.php"
}

running() {
	[[ -f $dir/port ]] && alive "$dir/apache/apache2.pid" && alive "$dir/pg/data/postmaster.pid"
}

start() {
	if running; then
		echo "export MMS_TEST_DAVICAL=$(url)"
		return
	fi
	[[ $(id -u) -eq 0 ]] || { echo "$0: runs PostgreSQL and Apache as their own users: run as root" >&2; exit 1; }
	local pgbin pgport port
	pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
	mkdir -p "$dir/pg/sock" "$dir/apache/run" "$dir/apache/lock"
	chmod 755 "$dir" # postgres and www-data must reach their parts
	chown -R postgres:postgres "$dir/pg"
	# ---- PostgreSQL: private cluster, TCP on 127.0.0.1 only, socket in $dir/pg/sock, trust auth
	pgport=$(freeport)
	if [[ ! -f $dir/pg/data/PG_VERSION ]]; then
		(cd /tmp && asq "$pgbin/initdb" -D "$dir/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8) >"$dir/initdb.log" 2>&1
	fi
	(cd /tmp && asq "$pgbin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -c port=$pgport -c unix_socket_directories=$dir/pg/sock" start) >/dev/null
	if ! (cd /tmp && asq psql -h "$dir/pg/sock" -p "$pgport" -qXAt -d template1 -c "SELECT 1 FROM pg_database WHERE datname='davical'") | grep -q 1; then
		# DAViCal's own script: roles davical_dba/davical_app, schema, base data, admin password
		(cd /tmp && asq env PGHOST="$dir/pg/sock" PGPORT="$pgport" /usr/share/davical/dba/create-database.sh davical "$adminpw") \
			>"$dir/create-database.log" 2>&1 || { cat "$dir/create-database.log" >&2; exit 1; }
	fi
	# ---- DAViCal config for Host 127.0.0.1 (the connection string comes from Apache's SetEnv)
	cat >/etc/davical/127.0.0.1-conf.php <<-'PHP'
		<?php
		// written by mms scripts/davical.sh: the private PostgreSQL is passed in by Apache
		$c->pg_connect[] = getenv('DAVICAL_PGCONN') ? getenv('DAVICAL_PGCONN') : 'dbname=davical user=davical_app';
		$c->admin_email = 'calendar-admin@example.com';
	PHP
	# ---- Apache: private instance on 127.0.0.1:$port, DAViCal's htdocs as document root
	port=$(freeport)
	local m=/usr/lib/apache2/modules
	cat >"$dir/apache/apache2.conf" <<-CONF
		ServerRoot /etc/apache2
		ServerName 127.0.0.1
		PidFile $dir/apache/apache2.pid
		DefaultRuntimeDir $dir/apache/run
		Mutex file:$dir/apache/lock default
		Listen 127.0.0.1:$port
		User www-data
		Group www-data
		ErrorLog $dir/apache/error.log
		LogLevel warn
		LoadModule mpm_prefork_module $m/mod_mpm_prefork.so
		LoadModule authz_core_module $m/mod_authz_core.so
		LoadModule mime_module $m/mod_mime.so
		LoadModule dir_module $m/mod_dir.so
		LoadModule env_module $m/mod_env.so
		LoadModule php_module $m/libphp8.2.so
		StartServers 2
		MinSpareServers 2
		MaxSpareServers 4
		MaxRequestWorkers 16
		TypesConfig /etc/mime.types
		LogFormat "%h %t \"%r\" %>s %b" common
		CustomLog $dir/apache/access.log common
		DocumentRoot /usr/share/davical/htdocs
		<Directory /usr/share/davical/htdocs>
		  DirectoryIndex index.php
		  AllowOverride None
		  AcceptPathInfo On
		  Require all granted
		  SetEnv DAVICAL_PGCONN "dbname=davical user=davical_app host=$dir/pg/sock port=$pgport"
		  <FilesMatch "\.php$">
		    SetHandler application/x-httpd-php
		  </FilesMatch>
		</Directory>
	CONF
	chown -R www-data:www-data "$dir/apache/run" "$dir/apache/lock"
	/usr/sbin/apache2 -f "$dir/apache/apache2.conf" -k start
	local base="http://127.0.0.1:$port/"
	for _ in $(seq 100); do
		curl -fs -o /dev/null "${base}index.php" && break
		sleep 0.1
	done
	echo "$port" >"$dir/port"
	# ---- users, through DAViCal's admin pages (so that DAViCal makes the home calendar itself)
	local u jar token
	for u in $users; do
		if curl -fs -o /dev/null -u "$u:pw-$u" -X PROPFIND -H 'Depth: 0' "${base}caldav.php/$u/calendar/"; then
			continue
		fi
		jar="$dir/cookies.$u"
		rm -f "$jar"
		curl -fs -c "$jar" -b "$jar" -o /dev/null -d "username=admin&password=$adminpw&submit=1" "${base}index.php"
		token=$(curl -fs -c "$jar" -b "$jar" "${base}admin.php?action=edit&t=principal" |
			sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n1)
		curl -fs -c "$jar" -b "$jar" -o "$dir/create-$u.html" \
			--data-urlencode "csrf_token=$token" --data-urlencode "xxxxusername=$u" \
			--data-urlencode "fullname=$u" --data-urlencode "email=$u@example.com" \
			--data-urlencode "newpass1=pw-$u" --data-urlencode "newpass2=pw-$u" \
			--data-urlencode "type_id=1" --data-urlencode "user_active=on" --data-urlencode "locale=" \
			--data-urlencode "date_format_type=E" --data-urlencode "is_admin=off" \
			--data-urlencode "default_privileges[fake_privilege_for_input]=0" \
			--data-urlencode "default_privileges[read-free-busy]=on" \
			--data-urlencode "default_privileges[schedule-deliver-invite]=on" \
			--data-urlencode "default_privileges[schedule-deliver-reply]=on" \
			--data-urlencode "default_privileges[schedule-query-freebusy]=on" \
			--data-urlencode "_editor_action[editor_1]=insert" --data-urlencode "submit=Create" \
			"${base}admin.php?action=edit&t=principal"
		rm -f "$jar"
		curl -fs -o /dev/null -u "$u:pw-$u" -X PROPFIND -H 'Depth: 0' "${base}caldav.php/$u/calendar/" ||
			{ echo "$0: could not create $u or her calendar (see $dir/create-$u.html)" >&2; exit 1; }
	done
	echo "export MMS_TEST_DAVICAL=$(url)"
}

stop() {
	# Apache first, then PostgreSQL (fast shutdown: its clients are gone)
	local a pgbin
	if alive "$dir/apache/apache2.pid"; then
		a=$(head -n1 "$dir/apache/apache2.pid")
		kill "$a" 2>/dev/null || true
		for _ in $(seq 100); do # 10 s
			kill -0 "$a" 2>/dev/null || break
			sleep 0.1
		done
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
