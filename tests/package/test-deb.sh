#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# The Debian package, end to end, as a postmaster meets it: built from
# this tree by contrib/build-deb.sh, checked by lintian, installed with
# `apt-get install ./bouncestat_*.deb`, its files (dpkg -L, the conffile),
# user (bouncestat, in adm), state directory and units checked
# (systemd-analyze verify where systemd is installed; it need not run),
# `bouncestat check-config`, the daemon run as the unit runs it (user
# bouncestat, group adm, umask 0027, BOUNCESTAT_DB) against a log in a
# temporary directory readable by adm, `bouncestat report` read by another
# member of adm and compared with an import of the same log, the alert
# with a mail_to directive, then `apt-get purge` and nothing left behind.
#
# Run by .ci/run after ctest; needs root (apt-get, runuser, useradd);
# skips with 77 otherwise. Not part of ctest: it installs a package on
# the machine. It purges the package on every exit, failed or not, and
# purges one left installed by an interrupted run before it starts (and
# removes a /var/lib/bouncestat left without the package), so it can run
# again. Usage: tests/package/test-deb.sh
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "SKIP: test-deb needs root"; exit 77; }
export DEBIAN_FRONTEND=noninteractive

T=$(mktemp -d "${TMPDIR:-/tmp}/bouncestat-test-deb.XXXXXX")
reader=bstest$$ # a throwaway member of adm
DPID=

installed() {
	dpkg-query -W -f='${Status}' bouncestat 2>/dev/null |
	    grep -q 'ok installed\|config-files'
}

purge() {
	apt-get purge -y -qq -o DPkg::Lock::Timeout=120 bouncestat \
	    >>"$T/purge.log" 2>&1
}

cleanup() {
	local rc=$?
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		# runuser passes SIGTERM on to the daemon.
		kill -TERM "$DPID" || true
		wait "$DPID" || true
	fi
	if [ "$rc" != 0 ]; then
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "---- $f (last 40 lines)"
			tail -n 40 "$f"
		done
	fi
	id "$reader" >/dev/null 2>&1 && userdel "$reader"
	installed && { purge || echo "test-deb: purge failed" >&2; }
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

step() { echo "== test-deb: $*"; }

if installed; then
	step "bouncestat is installed (an earlier run?): purging it first"
	purge || fail "cannot purge the installed bouncestat"
fi
if [ -d /var/lib/bouncestat ]; then
	# Only a failed run leaves it without the package (purge removes it).
	step "removing /var/lib/bouncestat, left without the package"
	rm -rf /var/lib/bouncestat
fi

step "build the package (contrib/build-deb.sh)"
"$src/contrib/build-deb.sh" "$T/out" >"$T/build.log" 2>&1 ||
    fail "contrib/build-deb.sh failed"
version=$("$src/contrib/build-deb.sh" --print-version) ||
    fail "contrib/build-deb.sh --print-version failed"
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb=$T/out/bouncestat_${version}_$arch.deb
[ -f "$deb" ] || fail "no $deb"
# Built without sanitizers: the package must not need libasan/libubsan.
dpkg-deb -f "$deb" Depends | grep -q 'asan\|ubsan' &&
    fail "the package depends on a sanitizer runtime"
# libcurl and libmicrohttpd are dlopen()ed (daemon/core/dl.h): shlibs
# cannot see them, control names them.
for lib in libcurl4 libmicrohttpd12; do
	dpkg-deb -f "$deb" Depends | grep -q "$lib" ||
	    fail "the package does not depend on $lib (loaded on demand)"
done

step "lintian"
lintian --fail-on error,warning "$T/out/bouncestat_${version}_$arch.changes" \
    >"$T/lintian.log" 2>&1 || { cat "$T/lintian.log"; fail "lintian"; }

step "apt-get install $deb"
apt-get install -y -qq -o DPkg::Lock::Timeout=120 "$deb" \
    >"$T/install.log" 2>&1 || fail "apt-get install"
installed || fail "not installed after apt-get install"

step "files (dpkg -L), conffile, user, state directory, units"
dpkg -L bouncestat >"$T/files"
for f in /usr/bin/bouncestat \
    /usr/share/man/man8/bouncestat.8.gz \
    /usr/share/man/man5/bouncestat-rules.5.gz \
    /lib/systemd/system/bouncestat.service \
    /lib/systemd/system/bouncestat-alert.service \
    /lib/systemd/system/bouncestat-alert.timer \
    /usr/lib/sysusers.d/bouncestat.conf \
    /usr/lib/tmpfiles.d/bouncestat.conf \
    /etc/bouncestat/bouncestat.conf \
    /etc/bouncestat/rules.d \
    /usr/share/doc/bouncestat/examples/bouncestat.conf \
    /usr/share/doc/bouncestat/examples/bouncestat-alert.cron \
    /usr/share/doc/bouncestat/copyright; do
	grep -qx "$f" "$T/files" || fail "dpkg -L lacks $f"
	[ -e "$f" ] || fail "$f listed but missing"
done
dpkg-query -W -f='${Conffiles}\n' bouncestat |
    grep -q '^ /etc/bouncestat/bouncestat.conf ' ||
    fail "/etc/bouncestat/bouncestat.conf is not a conffile"
[ -z "$(ls -A /etc/bouncestat/rules.d)" ] || fail "rules.d not empty"
# The program reports the package's version (debian/rules gives it).
got=$(/usr/bin/bouncestat version) || fail "bouncestat version"
case $got in
"bouncestat $version "*) ;;
*) fail "bouncestat version says '$got', the package is $version" ;;
esac
id bouncestat >/dev/null 2>&1 || fail "no user bouncestat"
groups=$(id -nG bouncestat)
case " $groups " in
*" adm "*) ;;
*) fail "bouncestat is not in group adm (groups: $groups)" ;;
esac
[ "$(getent passwd bouncestat | cut -d: -f6)" = /var/lib/bouncestat ] ||
    fail "home of bouncestat is not /var/lib/bouncestat"
[ "$(stat -c '%U:%G %a' /var/lib/bouncestat)" = "bouncestat:adm 750" ] ||
    fail "/var/lib/bouncestat: $(stat -c '%U:%G %a' /var/lib/bouncestat)"
[ -L /etc/systemd/system/multi-user.target.wants/bouncestat.service ] ||
    fail "bouncestat.service not enabled"
[ -e /etc/systemd/system/timers.target.wants/bouncestat-alert.timer ] &&
    fail "bouncestat-alert.timer enabled before mail_to is set"
if [ -d /run/systemd/system ]; then
	# systemd runs here: postinst started the service; the test runs
	# its own daemon on the same database.
	systemctl stop bouncestat.service
fi

step "check-config (root and bouncestat)"
out=$(bouncestat check-config 2>&1) || fail "check-config: $out"
[ "$out" = "configuration OK" ] || fail "check-config said: $out"
out=$(runuser -u bouncestat -- bouncestat check-config 2>&1) ||
    fail "check-config as bouncestat: $out"

if command -v systemd-analyze >/dev/null; then
	step "systemd-analyze verify"
	systemd-analyze verify /lib/systemd/system/bouncestat.service \
	    /lib/systemd/system/bouncestat-alert.service \
	    /lib/systemd/system/bouncestat-alert.timer \
	    >"$T/verify.log" 2>&1 ||
	    { cat "$T/verify.log"; fail "systemd-analyze verify"; }
	[ -s "$T/verify.log" ] && { cat "$T/verify.log"; fail "verify warned"; }
else
	step "no systemd-analyze: units not verified"
fi

chmod 755 "$T"
gopts=()
for g in $groups; do
	gopts+=(-G "$g")
done

# running DB: whether the daemon writing DB runs.
running() {
	bouncestat status --db "$1" --format json 2>/dev/null |
	    python3 -c '
import json, sys
sys.exit(0 if json.load(sys.stdin)["daemon"]["running"] else 1)' 2>/dev/null
}

# stop DB: SIGTERM to the daemon writing DB (started as $DPID under
# runuser), which must run as bouncestat and exit 0.
stop() {
	local pid rc=0
	pid=$(bouncestat status --db "$1" --format json | python3 -c '
import json, sys
print(json.load(sys.stdin)["daemon"]["pid"])')
	[ "$(stat -c %U "/proc/$pid")" = bouncestat ] ||
	    fail "the daemon does not run as bouncestat"
	kill -TERM "$pid"
	wait "$DPID" || rc=$?
	DPID=
	[ "$rc" = 0 ] || fail "the daemon exited $rc after SIGTERM"
}

# The shipped configuration, as the unit runs it, on this host: with no
# standard mail log (a journald-only host, like a stock Debian 12 without
# rsyslog) it must follow the journal, not exit with "nothing to follow".
std=
for f in /var/log/mail.log /var/log/maillog /var/log/postfix.log; do
	[ -e "$f" ] && std=$f
done
if [ -z "$std" ] && [ ! -d /var/log/journal ] && [ ! -d /run/log/journal ]
then
	step "neither a mail log nor a journal here: shipped config not run"
else
	step "the shipped configuration (${std:-journald only}) as the unit"
	mkdir -m 770 "$T/jstate"
	chgrp adm "$T/jstate"
	jdb=$T/jstate/bouncestat.db
	runuser -u bouncestat -g adm "${gopts[@]}" -- \
	    env BOUNCESTAT_DB="$jdb" sh -c 'umask 0027; exec bouncestat daemon' \
	    >"$T/daemon-shipped.log" 2>&1 &
	DPID=$!
	for _ in $(seq 600); do
		running "$jdb" && break
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	grep -q 'nothing to follow' "$T/daemon-shipped.log" &&
	    fail "the shipped configuration has nothing to follow"
	running "$jdb" || fail "the daemon with the shipped config is not running"
	if [ -z "$std" ]; then
		grep -q '^bouncestat: info: journal: following ' \
		    "$T/daemon-shipped.log" || fail "not following the journal"
	fi
	grep -m 1 -E 'journal: following|tail: ' "$T/daemon-shipped.log" || true
	stop "$jdb"
fi

step "the daemon as user bouncestat, group adm, on a log readable by adm"
mkdir -m 750 "$T/logs"
chgrp adm "$T/logs"
install -m 640 -g adm "$src/contrib/sample/mail.log" "$T/logs/mail.log"
printf 'follow %s\n' "$T/logs/mail.log" >"$T/daemon.conf"
chmod 644 "$T/daemon.conf"
db=/var/lib/bouncestat/bouncestat.db
# As the unit runs it: User=bouncestat, Group=adm (its own groups too),
# UMask=0027, Environment=BOUNCESTAT_DB=...
runuser -u bouncestat -g adm "${gopts[@]}" -- env BOUNCESTAT_DB="$db" \
    sh -c 'umask 0027; exec bouncestat daemon -c "$1"' sh "$T/daemon.conf" \
    >"$T/daemon.log" 2>&1 &
DPID=$!
size=$(stat -c %s "$T/logs/mail.log")
caught_up() {
	bouncestat status --db "$db" --format json 2>/dev/null |
	    python3 -c '
import json, sys
d = json.load(sys.stdin)
files = d["files"]
sys.exit(0 if d["daemon"]["running"] and len(files) == 1 and
         files[0]["offset"] == int(sys.argv[1]) else 1)' "$size" 2>/dev/null
}
for _ in $(seq 600); do
	caught_up && break
	kill -0 "$DPID" 2>/dev/null || fail "the daemon exited"
	sleep 0.1
done
caught_up || fail "the daemon did not reach the end of the log in 60 s"
stop "$db"
[ "$(stat -c %U:%G "$db")" = bouncestat:adm ] ||
    fail "$db: $(stat -c %U:%G "$db")"

step "report as another member of adm ($reader)"
useradd --no-create-home --no-user-group --gid nogroup --groups adm \
    --shell /usr/sbin/nologin "$reader"
# The default database order finds the service's database for an adm
# member; compared with an import of the same log (as root).
runuser -u "$reader" -- bouncestat report --since 2020-01-01 \
    --format json >"$T/report.json" 2>"$T/report.log" ||
    fail "report as $reader"
bouncestat import --db "$T/ref.db" "$src/contrib/sample/mail.log" \
    >/dev/null 2>&1 || fail "reference import"
bouncestat report --db "$T/ref.db" --since 2020-01-01 --format json \
    >"$T/ref.json" || fail "reference report"
python3 - "$T/report.json" "$T/ref.json" <<'PY' || fail "report differs"
import json, sys
got, want = (json.load(open(p))["totals"] for p in sys.argv[1:])
if got != want or want["total"] == 0:
    sys.exit(f"daemon's totals {got} != import's {want}")
print(f"totals: {got}")
PY
if runuser -u nobody -- bouncestat report --db "$db" >/dev/null 2>&1; then
	fail "a user outside adm can read $db"
fi

step "alert: skipped without mail_to, sent to mail_to"
cond=$(sed -n 's/^ExecCondition=//p' /lib/systemd/system/bouncestat-alert.service)
[ -n "$cond" ] || fail "no ExecCondition in bouncestat-alert.service"
if sh -c "$cond"; then
	fail "ExecCondition holds without mail_to"
fi
echo "mail_to postmaster@example.org" >>/etc/bouncestat/bouncestat.conf
sh -c "$cond" || fail "ExecCondition fails with mail_to set"
cat >"$T/sendmail" <<EOF
#!/bin/sh
cat >"$T/mail/message"
EOF
chmod 755 "$T/sendmail"
mkdir -m 777 "$T/mail"
# As the unit runs it (User=bouncestat, Group=adm, BOUNCESTAT_DB), at a
# time when the sample's incidents are fresh.
runuser -u bouncestat -g adm "${gopts[@]}" -- env BOUNCESTAT_DB="$db" \
    bouncestat alert --now 2026-11-22T12:00 --sendmail "$T/sendmail" \
    >"$T/alert.log" 2>&1 || fail "bouncestat alert"
grep -q '^To: postmaster@example.org' "$T/mail/message" ||
    fail "the alert did not go to mail_to"

step "apt-get purge: nothing left"
purge || fail "apt-get purge"
installed && fail "still installed after purge"
for f in /var/lib/bouncestat /etc/bouncestat /usr/bin/bouncestat \
    /lib/systemd/system/bouncestat.service \
    /lib/systemd/system/bouncestat-alert.service \
    /lib/systemd/system/bouncestat-alert.timer \
    /usr/lib/sysusers.d/bouncestat.conf /usr/lib/tmpfiles.d/bouncestat.conf \
    /usr/share/doc/bouncestat; do
	[ -e "$f" ] && fail "$f left after purge"
done
left=$(find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled \
    /var/lib/systemd/deb-systemd-helper-masked -name '*bouncestat*' \
    2>/dev/null || true)
[ -z "$left" ] || fail "left after purge: $left"
echo "ok: test-deb (the system user bouncestat stays, as Debian does)"
