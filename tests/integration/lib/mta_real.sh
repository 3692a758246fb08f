# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# What the real OpenSMTPD and Sendmail tests share (opensmtpd_real.sh,
# sendmail_real.sh; source lib/postfix_env.sh first: sink_start, fail):
#
#   mta_real_check CMD...     # skip() (exit 77) unless $BOUNCESTAT,
#                             # python3, root, each CMD and rsyslogd
#                             # (sets RSYSLOGD) are there; then a
#                             # private $tmp (0755), passed=0, DPID=
#   mta_real_sink_script F    # the sink's script both tests run
#   mta_real_daemon DIR       # `bouncestat daemon` following
#                             # DIR/mail.log into DIR/follow.db (sets DPID)
#   mta_real_collect DIR LOG  # waits until the daemon has read LOG, stops
#                             # it, imports LOG into DIR/db and writes
#                             # DIR/report.db.json, report.follow.db.json,
#                             # messages.json, open.out (messages --open)
#                             # and expect.json (lib/sink_expect.py)

MTA_REAL_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

mta_real_check() {
	local c

	[ -n "${BOUNCESTAT:-}" ] && [ -x "$BOUNCESTAT" ] ||
	    skip "BOUNCESTAT does not name the bouncestat binary"
	command -v python3 >/dev/null || skip "python3 not found"
	[ "$(id -u)" = 0 ] || skip "needs root (private mount namespace)"
	for c in "$@"; do
		command -v "$c" >/dev/null || skip "$c not found"
	done
	RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
	[ -x "$RSYSLOGD" ] || skip "no rsyslogd (Debian package rsyslog)"
	tmp=$(mktemp -d)
	chmod 0755 "$tmp"
	passed=0
	DPID=
}

mta_real_sink_script() {
	cat >"$1" <<'SCRIPT'
hold*       rcpt  throttle
grey*       rcpt  grey        2
gm*         rcpt  gmail_rate  2
late*       rcpt  grey
spamhaus*   rcpt  spamhaus
unknown*    rcpt  unknown
*           rcpt  ok
SCRIPT
}

mta_real_daemon() {
	printf 'commit_interval 300ms\ndnsbl_check off\n' >"$1/bouncestat.conf"
	"$BOUNCESTAT" daemon -c "$1/bouncestat.conf" --db "$1/follow.db" \
	    --allow-root --follow "$1/mail.log" >"$1/daemon.out" 2>&1 &
	DPID=$!
}

mta_real_collect() {
	local dir=$1 log=$2 db i

	for ((i = 0; i < 50; i++)); do
		"$BOUNCESTAT" status --db "$dir/follow.db" --format json \
		    >"$dir/status.json" 2>/dev/null && python3 -c '
import json, os, sys
s = json.load(open(sys.argv[1]))
sys.exit(0 if any(f.get("offset") == os.path.getsize(sys.argv[2])
                  for f in s.get("files", [])) else 1)' "$dir/status.json" \
		    "$log" 2>/dev/null && break
		sleep 0.2
	done
	kill -TERM "$DPID"
	wait "$DPID" || fail "the daemon exited $? on SIGTERM"
	DPID=
	"$BOUNCESTAT" import --db "$dir/db" "$log" >"$dir/import.out" \
	    2>"$dir/import.err" || fail "import exited $?"
	for db in db follow.db; do
		"$BOUNCESTAT" report --db "$dir/$db" --since 1d --format json \
		    >"$dir/report.$db.json" 2>"$dir/report.err" ||
		    fail "report ($db) exited $?"
	done
	"$BOUNCESTAT" messages --db "$dir/db" --since 1d --format json \
	    >"$dir/messages.json" 2>"$dir/messages.err" ||
	    fail "messages exited $?"
	"$BOUNCESTAT" messages --db "$dir/db" --since 1d --open \
	    >"$dir/open.out" 2>"$dir/open.err" ||
	    fail "messages --open exited $?"
	python3 "$MTA_REAL_LIB/sink_expect.py" "$SINK_LOG" \
	    >"$dir/expect.json" || fail "sink_expect.py failed"
}
