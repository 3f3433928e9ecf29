#!/usr/bin/env bash
# chromium.sh: Debian's headless Chromium for the tests that open the HTML
# report preview in a real browser (report/html_browser_test.go).
#
#   eval "$(scripts/chromium.sh)"   # prints: export MMS_TEST_CHROMIUM=/usr/bin/chromium
#
# It installs Debian's chromium with apt-get when missing (root only),
# waiting while another apt-get or dpkg holds the lock.
set -euo pipefail

bin=/usr/bin/chromium

locked() {
	# dpkg holds these while another apt-get or dpkg runs.
	for f in /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock; do
		if [[ -e $f ]] && command -v fuser >/dev/null && fuser "$f" >/dev/null 2>&1; then
			return 0
		fi
	done
	return 1
}

install() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "$0: Chromium is not installed; as root run: apt-get update && apt-get install -y chromium" >&2
		exit 1
	fi
	for attempt in $(seq 60); do
		while locked; do
			echo "$0: waiting for another apt-get/dpkg to finish" >&2
			sleep 5
		done
		[[ -x $bin ]] && return
		echo "$0: installing Chromium (apt-get), attempt $attempt" >&2
		if apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-dejavu-core >&2; then
			return
		fi
		sleep 5 # most likely the lock, taken between our check and apt-get
	done
	echo "$0: could not install Chromium" >&2
	exit 1
}

if [[ ! -x $bin ]]; then
	install
fi
"$bin" --version 2>/dev/null >&2 || true
echo "export MMS_TEST_CHROMIUM=$bin"
