#!/bin/sh
# SPDX-License-Identifier: ISC
# Installs the Debian packages bouncestat needs to build and test, when
# they are missing. Idempotent; needs root (apt-get). Debian 12.
#   contrib/install-deps.sh          build + test dependencies
#   contrib/install-deps.sh --run    only what the built program needs
#   contrib/install-deps.sh --ci     build + test + Postfix for the real-MTA
#                                    tests (preseeded "No configuration": no
#                                    system mail service is set up), tidy
#                                    and chromium for the HTML report tests
#                                    (report_html.sh) + what the Debian
#                                    package test needs, and dnsmasq-base
#                                    (the DNSBL tests' local DNS server; no
#                                    system service), rsyslog for the fleet
#                                    test (rsyslog_fleet.sh) and, with
#                                    logrotate, the Postfix multi-instance
#                                    test (postfix_multi_instance.sh), and the
#                                    libraries of Debian's OpenSMTPD and
#                                    Sendmail, which opensmtpd_real.sh and
#                                    sendmail_real.sh unpack (apt-get
#                                    download, dpkg -x; never installed),
#                                    and m4 for Sendmail's .mc, and
#                                    clang for the libFuzzer build
#                                    (fuzz_build.sh)
set -eu
build="build-essential cmake pkg-config libev-dev libsqlite3-dev
libpcre2-dev zlib1g-dev libcmocka-dev libpsl-dev publicsuffix libsystemd-dev
libmicrohttpd-dev libcurl4-openssl-dev libc-ares-dev"
test="python3 sqlite3 jq clang-format valgrind procps systemd-journal-remote
curl prometheus tzdata"
run="libev4 libsqlite3-0 libpcre2-8-0 zlib1g libpsl5 publicsuffix libsystemd0
libmicrohttpd12 libcurl4 libc-ares2"
# The Debian package test (tests/package/test-deb.sh): debhelper builds
# it (dpkg-dev comes with build-essential), lintian checks it, systemd's
# systemd-analyze verifies its units, man-db lets it check their
# Documentation= pages.
package="debhelper lintian systemd man-db"
# The libraries smtpd of Debian's opensmtpd links (the others come with
# the base system): tests/integration/opensmtpd_real.sh unpacks the
# package itself and runs it without installing it (it is an MTA).
opensmtpd_libs="libevent-2.1-7 libdb5.3 libssl3"
# Likewise Sendmail (sendmail_real.sh; libwrap0 is unpacked by the test),
# and m4, which builds its .cf from the test's .mc.
sendmail_libs="libldap-2.5-0 libsasl2-2 libdb5.3 libssl3 m4"
case "${1:-}" in
--run) want=$run ;;
--ci) want="$build $test postfix tidy chromium $package dnsmasq-base rsyslog
logrotate $opensmtpd_libs $sendmail_libs clang" ;;
"") want="$build $test" ;;
*) echo "usage: $0 [--run|--ci]" >&2; exit 2 ;;
esac
missing=
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing:$missing (run as root)" >&2
	exit 1
fi
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
case "$missing" in
*postfix*)
	printf '%s\n' \
	    "postfix postfix/main_mailer_type select No configuration" \
	    "postfix postfix/mailname string localhost" |
	    debconf-set-selections
	;;
esac
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
