#!/usr/bin/env bash
# cyrus.sh start|stop|env: a private Cyrus IMAP instance whose CalDAV server
# schedules on the organiser's PUT (RFC 6638), for the `--send server` tests.
#
#   eval "$(scripts/cyrus.sh start)"   # prints export MMS_TEST_CYRUS=... and the rest
#   go test ./internal/cyrus/
#   scripts/cyrus.sh stop              # stops it and removes its files
#
# It installs cyrus-imapd, cyrus-caldav and sasl2-bin with apt-get when they
# are missing (root only), keeps everything under $MMS_CYRUS_DIR (default:
# $TMPDIR/mms-cyrus) with its own imapd.conf and cyrus.conf, and uses
# 127.0.0.1 only: IMAP, HTTP (CalDAV) and the iMIP SMTP port are the first
# three free ports from $MMS_CYRUS_PORT (default 28143) in steps of three.
# The SMTP port is listened on by the tests, not by this script, so the
# default lies below Linux's ephemeral range (32768-60999): a port in that
# range can be taken in between as the local end of any outgoing connection.
# Give each checkout its own MMS_CYRUS_DIR and MMS_CYRUS_PORT, as for
# postgres.sh. Users (sasldb, one password for all,
# made up at start) are the admin `admin` and the calendar users alice, bob,
# carol and dave, whose addresses are USER@example.com; each gets a mailbox
# created over IMAP, from which Cyrus makes the calendars. iMIP for
# attendees outside example.com is submitted over SMTP, without AUTH or TLS,
# to $MMS_TEST_CYRUS_SMTP, where the tests listen with an in-process SMTP
# server that records what arrives (internal/smtpsink). It is for tests, never
# for real data.
set -euo pipefail

dir=${MMS_CYRUS_DIR:-${TMPDIR:-/tmp}/mms-cyrus}
first_port=${MMS_CYRUS_PORT:-28143}
domain=example.com
users=(alice bob carol dave)
libexec=/usr/lib/cyrus/bin

usage() {
	echo "usage: $0 start|stop|env" >&2
	echo "  start  install if missing, configure, start, create the users, print the environment" >&2
	echo "  stop   stop the server and remove $dir" >&2
	echo "  env    print the environment of the running server" >&2
	exit 2
}

installed() {
	[[ -x $libexec/master && -x $libexec/httpd && -x $libexec/imapd ]] && command -v saslpasswd2 >/dev/null && command -v curl >/dev/null &&
		[[ -n $(ls /usr/lib/*/sasl2/libsasldb.so* 2>/dev/null) ]]
}

install() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "$0: Cyrus is not installed; as root run: apt-get update && apt-get install -y cyrus-imapd cyrus-caldav sasl2-bin libsasl2-modules libsasl2-modules-db curl" >&2
		exit 1
	fi
	local want=(cyrus-imapd cyrus-caldav sasl2-bin libsasl2-modules libsasl2-modules-db curl) missing=() p
	for p in "${want[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	echo "$0: installing ${missing[*]} (apt-get)" >&2
	apt-get -o DPkg::Lock::Timeout=300 update >&2
	# Where the package starts its own system instance (no policy-rc.d), that
	# one uses /etc/imapd.conf and the standard ports and does not meet ours.
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}" >&2
}

port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# owner is who runs the instance: master drops root for the cyrus user.
owner() {
	if [[ $(id -u) -eq 0 ]]; then echo cyrus; else id -un; fi
}

running() {
	[[ -f $dir/master.pid ]] && kill -0 "$(cat "$dir/master.pid")" 2>/dev/null
}

env_lines() {
	local http imap smtp
	read -r imap http smtp <"$dir/ports"
	echo "export MMS_TEST_CYRUS='http://127.0.0.1:$http'"
	echo "export MMS_TEST_CYRUS_IMAP='127.0.0.1:$imap'"
	echo "export MMS_TEST_CYRUS_SMTP='127.0.0.1:$smtp'"
	echo "export MMS_TEST_CYRUS_USERS='${users[*]}'"
	echo "export MMS_TEST_CYRUS_DOMAIN='$domain'"
	echo "export MMS_TEST_CYRUS_PASSWORD='$(cat "$dir/password")'"
	echo "export MMS_TEST_CYRUS_ADMIN='admin'"
}

# free_ports prints three consecutive free ports from $first_port.
free_ports() {
	local p=$first_port
	while ! { port_free "$p" && port_free $((p + 1)) && port_free $((p + 2)); }; do
		p=$((p + 3))
		if ((p > first_port + 90)); then
			echo "$0: no three free ports in $first_port-$p" >&2
			exit 1
		fi
	done
	echo "$p $((p + 1)) $((p + 2))"
}

configure() {
	local imap=$1 http=$2 smtp=$3
	cat >"$dir/imapd.conf" <<-EOF
		configdirectory: $dir/conf
		partition-default: $dir/spool
		defaultpartition: default
		servername: cyrus.$domain
		admins: admin
		allowplaintext: yes
		sasl_pwcheck_method: auxprop
		sasl_auxprop_plugin: sasldb
		sasl_sasldb_path: $dir/sasldb2
		sasl_mech_list: PLAIN LOGIN
		unixhierarchysep: no
		altnamespace: no
		virtdomains: off
		httpmodules: caldav
		httpallowcompress: no
		caldav_allowscheduling: on
		caldav_create_default: 1
		caldav_create_sched: 1
		caldav_historical_age: -1
		caldav_realm: mms-test
		calendar_user_address_set: $domain
		smtp_backend: host
		smtp_host: 127.0.0.1:$smtp/noauth
		syslog_prefix: mms-cyrus
		lmtpsocket: $dir/conf/socket/lmtp
		idlesocket: $dir/conf/socket/idle
		notifysocket: $dir/conf/socket/notify
		mboxname_lockpath: $dir/conf/lock
		proc_path: $dir/conf/proc
	EOF
	cat >"$dir/cyrus.conf" <<-EOF
		START {
		  recover cmd="ctl_cyrusdb -C $dir/imapd.conf -r"
		}
		SERVICES {
		  imap cmd="imapd -C $dir/imapd.conf" listen="127.0.0.1:$imap" prefork=0
		  http cmd="httpd -C $dir/imapd.conf" listen="127.0.0.1:$http" prefork=0
		}
		EVENTS {
		  checkpoint cmd="ctl_cyrusdb -C $dir/imapd.conf -c" period=30
		}
	EOF
	mkdir -p "$dir"/conf/{socket,proc,log,db,lock,sieve} "$dir/spool"
	# Cyrus logs to syslog, which a test machine may lack; it also records
	# each user's HTTP requests and answers under conf/log/USER/.
	for u in "${users[@]}"; do mkdir -p "$dir/conf/log/$u"; done
	chmod 755 "$dir"
	head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$dir/password"
	local pw
	pw=$(cat "$dir/password")
	# The realm is the servername, which Cyrus hands to SASL.
	for u in admin "${users[@]}"; do
		printf '%s' "$pw" | saslpasswd2 -p -c -f "$dir/sasldb2" -u "cyrus.$domain" "$u"
	done
	chown -R "$(owner)" "$dir"
}

imap_create() {
	local imap=$1 pw=$2 u=$3
	curl -sS --fail "imap://127.0.0.1:$imap" -u "admin:$pw" -X "CREATE user.$u" >/dev/null ||
		curl -sS "imap://127.0.0.1:$imap" -u "admin:$pw" -X "LIST \"\" user.$u" | grep -q "user.$u"
}

# dav_home makes Cyrus create a user's calendars (Default, Inbox, Outbox):
# it does so on the user's first CalDAV request, and scheduling delivers
# only to an attendee whose Inbox exists.
dav_home() {
	local http=$1 pw=$2 u=$3
	curl -sS --fail -u "$u:$pw" -X PROPFIND -H 'Depth: 1' "http://127.0.0.1:$http/dav/calendars/user/$u/" |
		grep -q 'schedule-inbox'
}

start() {
	if running; then
		env_lines
		return
	fi
	rm -rf "$dir"
	mkdir -p "$dir"
	free_ports >"$dir/ports.tmp"
	mv "$dir/ports.tmp" "$dir/ports"
	local imap http smtp
	read -r imap http smtp <"$dir/ports"
	configure "$imap" "$http" "$smtp"
	"$libexec/master" -C "$dir/imapd.conf" -M "$dir/cyrus.conf" -p "$dir/master.pid" -d >&2
	local i
	for i in $(seq 100); do
		if ! port_free "$imap" && ! port_free "$http"; then break; fi
		sleep 0.1
	done
	if port_free "$imap" || port_free "$http"; then
		echo "$0: Cyrus did not listen on 127.0.0.1:$imap and :$http; Cyrus logs to syslog (prefix mms-cyrus), see also $dir/conf/log/" >&2
		exit 1
	fi
	local pw u
	pw=$(cat "$dir/password")
	for u in "${users[@]}"; do
		imap_create "$imap" "$pw" "$u" || { echo "$0: could not create the mailbox of $u over IMAP" >&2; exit 1; }
		dav_home "$http" "$pw" "$u" || { echo "$0: Cyrus made no calendars (no schedule Inbox) for $u" >&2; exit 1; }
	done
	env_lines
}

stop() {
	if running; then
		local pid
		pid=$(cat "$dir/master.pid")
		kill "$pid"
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	rm -rf "$dir"
}

[[ $# -eq 1 ]] || usage
case $1 in
start)
	installed || install
	start
	;;
stop) stop ;;
env) running && env_lines || { echo "$0: not running; use $0 start" >&2; exit 1; } ;;
*) usage ;;
esac
