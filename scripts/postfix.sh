#!/usr/bin/env bash
# postfix.sh start|stop|env: a private Postfix relay on 127.0.0.1 for the
# end-to-end mail tests of batch/smtp and for trying `mms run --send smtp://`.
#
#   eval "$(scripts/postfix.sh start)"   # prints export MMS_TEST_POSTFIX=smtp://127.0.0.1:PORT and the rest
#   go test ./batch/smtp/
#   scripts/postfix.sh stop              # stops it and removes its files
#
# It installs Debian's postfix, sasl2-bin, libsasl2-modules and openssl with
# apt-get when missing (root only; it waits for a dpkg lock another apt-get
# holds), and runs its own instance: config_directory, queue_directory,
# data_directory and logs under $MMS_POSTFIX_DIR (default:
# $TMPDIR/mms-postfix), the system's Postfix left alone. It listens on
# 127.0.0.1 only, on the first free port from $MMS_POSTFIX_PORT (default
# 58525); give each checkout its own MMS_POSTFIX_DIR and MMS_POSTFIX_PORT.
#
# What the relay does:
#   - STARTTLS with a certificate for 127.0.0.1 and localhost (and the name
#     relay.mms.test) signed by a CA the script makes: $MMS_TEST_POSTFIX_CA;
#   - AUTH PLAIN, over TLS only, for the test account $MMS_TEST_POSTFIX_USER
#     with $MMS_TEST_POSTFIX_PASSWORD (Cyrus SASL, a private sasldb2);
#     relaying from 127.0.0.1 needs no AUTH, a wrong password is refused;
#   - SMTPUTF8 and 8BITMIME;
#   - every recipient of every domain delivered into one Maildir,
#     $MMS_TEST_POSTFIX_MAILDIR (new/ holds one file per recipient per message),
#     except reject@ANY, refused with 550, and tempfail@ANY, deferred with 450;
#     the Received header says whether TLS was used and who authenticated.
# It is for tests, never for real mail.
set -euo pipefail

dir=${MMS_POSTFIX_DIR:-${TMPDIR:-/tmp}/mms-postfix}
first_port=${MMS_POSTFIX_PORT:-58525}
user=mms-test
tls_name=relay.mms.test

usage() {
	echo "usage: $0 start|stop|env" >&2
	echo "  start  install if missing, configure, start, print the environment" >&2
	echo "  stop   stop the instance and remove $dir" >&2
	echo "  env    print the environment of the running instance" >&2
	exit 2
}

want=(postfix sasl2-bin libsasl2-modules libsasl2-modules-db openssl)

installed() {
	[[ -x /usr/sbin/postfix && -x /usr/lib/postfix/sbin/master ]] && command -v saslpasswd2 >/dev/null &&
		command -v openssl >/dev/null && [[ -n $(ls /usr/lib/*/sasl2/libsasldb.so* 2>/dev/null) ]] &&
		[[ -n $(ls /usr/lib/*/sasl2/libplain.so* 2>/dev/null) ]]
}

install() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "$0: Postfix is not installed; as root run: apt-get update && apt-get install -y ${want[*]}" >&2
		exit 1
	fi
	local missing=() p
	for p in "${want[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	echo "$0: installing ${missing[*]} (apt-get)" >&2
	# No questions, and no system mailer: this script runs its own instance.
	echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
	# Another apt-get may hold the dpkg lock: wait for it, then try again.
	local try
	for try in 1 2 3 4 5; do
		if apt-get -o DPkg::Lock::Timeout=300 update >&2 &&
			DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}" >&2; then
			return
		fi
		echo "$0: apt-get failed (attempt $try of 5); retrying in 10s" >&2
		sleep 10
	done
	echo "$0: could not install ${missing[*]}" >&2
	exit 1
}

port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

running() {
	[[ -f $dir/config/port ]] && postfix -c "$dir/config" status >/dev/null 2>&1
}

env_lines() {
	local port
	port=$(cat "$dir/config/port")
	echo "export MMS_TEST_POSTFIX='smtp://127.0.0.1:$port'"
	echo "export MMS_TEST_POSTFIX_CA='$dir/tls/ca.pem'"
	echo "export MMS_TEST_POSTFIX_TLS_NAME='$tls_name'"
	echo "export MMS_TEST_POSTFIX_MAILDIR='$dir/mail/catchall'"
	echo "export MMS_TEST_POSTFIX_USER='$user'"
	echo "export MMS_TEST_POSTFIX_PASSWORD='$(cat "$dir/config/password")'"
}

# certificates: a CA and a server certificate it signs, for 127.0.0.1.
certificates() {
	local t=$dir/tls
	mkdir -p "$t"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj '/CN=mms test CA' -keyout "$t/ca.key" -out "$t/ca.pem" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$tls_name" \
		-keyout "$t/server.key" -out "$t/server.csr" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$tls_name" >"$t/ext"
	openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial -days 2 \
		-extfile "$t/ext" -out "$t/server.pem" 2>/dev/null
	chmod 644 "$t/ca.pem" "$t/server.pem"
	chmod 600 "$t/server.key" "$t/ca.key"
}

# sasl: the test account in a private sasldb2 that smtpd (user postfix)
# reads. Debian's smtpd reads $config_directory/sasl/smtpd.conf.
sasl() {
	local c=$dir/config s=$dir/sasl password
	password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
	echo "$password" >"$c/password"
	mkdir -p "$s" "$c/sasl"
	printf 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN\nsasldb_path: %s\n' "$s/sasldb2" >"$c/sasl/smtpd.conf"
	echo "$password" | saslpasswd2 -p -c -f "$s/sasldb2" -u "$(hostname_)" "$user"
	chown -R postfix "$s"
	chmod 600 "$s/sasldb2"
}

hostname_() { echo mms-postfix.test; }

configure() {
	local port=$1 c=$dir/config
	mkdir -p "$c" "$dir/queue" "$dir/data" "$dir/mail"
	chmod 755 "$dir"
	chown postfix "$dir/data"
	echo "$port" >"$c/port"
	certificates
	# Every service runs unchrooted: the queue is not where a chroot expects it.
	cat >"$c/master.cf" <<-MASTER
		127.0.0.1:$port inet n - n - - smtpd
		pickup    unix  n - n 60 1 pickup
		cleanup   unix  n - n -  0 cleanup
		qmgr      unix  n - n 300 1 qmgr
		tlsmgr    unix  - - n 1000? 1 tlsmgr
		rewrite   unix  - - n -  - trivial-rewrite
		bounce    unix  - - n -  0 bounce
		defer     unix  - - n -  0 bounce
		trace     unix  - - n -  0 bounce
		verify    unix  - - n -  1 verify
		flush     unix  n - n 1000? 0 flush
		proxymap  unix  - - n -  - proxymap
		proxywrite unix - - n -  1 proxymap
		smtp      unix  - - n -  - smtp
		relay     unix  - - n -  - smtp
		showq     unix  n - n -  - showq
		error     unix  - - n -  - error
		retry     unix  - - n -  - error
		discard   unix  - - n -  - discard
		local     unix  - n n -  - local
		virtual   unix  - n n -  - virtual
		lmtp      unix  - - n -  - lmtp
		anvil     unix  - - n -  1 anvil
		scache    unix  - - n -  1 scache
		postlog   unix-dgram n - n - 1 postlogd
	MASTER
	printf '/^reject@/ 550 5.1.1 <reject@...>: no such user here (mms test relay)\n/^tempfail@/ 450 4.2.0 try again later (mms test relay)\n' >"$c/access"
	cat >"$c/main.cf" <<-MAIN
		compatibility_level = 3.6
		config_directory = $c
		queue_directory = $dir/queue
		data_directory = $dir/data
		daemon_directory = /usr/lib/postfix/sbin
		shlib_directory = /usr/lib/postfix
		meta_directory = /etc/postfix
		mail_owner = postfix
		setgid_group = postdrop
		myhostname = $(hostname_)
		mydomain = mms-postfix.test
		myorigin = \$myhostname
		mydestination =
		local_recipient_maps =
		relay_domains =
		relayhost =
		inet_interfaces = 127.0.0.1
		inet_protocols = ipv4
		mynetworks = 127.0.0.0/8
		maillog_file = $dir/postfix.log
		maillog_file_prefixes = $dir
		smtputf8_enable = yes
		smtpd_banner = \$myhostname ESMTP mms test relay
		biff = no
		alias_maps =
		alias_database =
		virtual_mailbox_domains = static:all
		virtual_mailbox_base = $dir/mail
		virtual_mailbox_maps = static:catchall/
		virtual_uid_maps = static:$(id -u postfix)
		virtual_gid_maps = static:$(id -g postfix)
		virtual_minimum_uid = 1
		virtual_mailbox_limit = 0
		message_size_limit = 52428800
		smtpd_recipient_restrictions = check_recipient_access regexp:$c/access, permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
		smtpd_relay_restrictions =
		smtpd_tls_security_level = may
		smtpd_tls_cert_file = $dir/tls/server.pem
		smtpd_tls_key_file = $dir/tls/server.key
		smtpd_tls_auth_only = yes
		smtpd_tls_loglevel = 0
		smtpd_tls_received_header = yes
		smtpd_sasl_authenticated_header = yes
		smtpd_sasl_auth_enable = yes
		smtpd_sasl_type = cyrus
		smtpd_sasl_path = smtpd
		smtpd_sasl_local_domain = $(hostname_)
		smtpd_sasl_security_options = noanonymous
		smtpd_error_sleep_time = 0
		smtpd_soft_error_limit = 1000
		smtpd_hard_error_limit = 1000
		smtpd_client_connection_rate_limit = 0
		anvil_rate_time_unit = 60s
		queue_run_delay = 1s
		minimal_backoff_time = 1s
		maximal_backoff_time = 5s
	MAIN
	chown postfix "$dir/mail"
	sasl
}

start() {
	if running; then
		env_lines
		return
	fi
	rm -rf "$dir"
	local port=$first_port
	while ! port_free "$port"; do
		port=$((port + 1))
		if ((port > first_port + 50)); then
			echo "$0: no free port in $first_port-$port" >&2
			exit 1
		fi
	done
	configure "$port"
	if ! runuser -u postfix -- test -x "$dir/data" 2>/dev/null; then
		echo "$0: Postfix's daemons (user postfix) cannot reach $dir; make its parent directories searchable (chmod o+x) or set MMS_POSTFIX_DIR elsewhere" >&2
		exit 1
	fi
	if ! postfix -c "$dir/config" start >"$dir/start.log" 2>&1; then
		echo "$0: Postfix did not start:" >&2
		cat "$dir/start.log" "$dir/postfix.log" >&2 2>/dev/null || true
		exit 1
	fi
	for _ in $(seq 100); do
		if ! port_free "$port"; then
			env_lines
			return
		fi
		sleep 0.1
	done
	echo "$0: Postfix does not listen on 127.0.0.1:$port:" >&2
	cat "$dir/start.log" "$dir/postfix.log" >&2 2>/dev/null || true
	exit 1
}

stop() {
	if [[ -f $dir/config/main.cf ]]; then
		postfix -c "$dir/config" stop >/dev/null 2>&1 || true
		# master exits after its children; wait so that rm sees no new files.
		for _ in $(seq 50); do
			postfix -c "$dir/config" status >/dev/null 2>&1 || break
			sleep 0.1
		done
	fi
	rm -rf "$dir"
}

[[ $# -eq 1 ]] || usage
case $1 in
start)
	installed || install
	if [[ $(id -u) -ne 0 ]]; then
		echo "$0: Postfix's master runs as root; run this as root" >&2
		exit 1
	fi
	start
	;;
stop) stop ;;
env) running && env_lines || { echo "$0: not running; use $0 start" >&2; exit 1; } ;;
*) usage ;;
esac
