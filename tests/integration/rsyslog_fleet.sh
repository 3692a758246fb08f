#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# A fleet through rsyslog (issue 15): a real rsyslogd (Debian) runs
# contrib/rsyslog/collector.conf, made private (listening on 127.0.0.1 on
# a free port, writing into the test's directory, its own pid file and
# work directory, no system configuration), two "MTA hosts" send Postfix
# lines to it with `logger --server 127.0.0.1 --tcp` (each in its own UTS
# namespace named mx1 or mx2, so that the host in the message is theirs),
# and `bouncestat import` of the collector's file must count them per
# host: `report --format json` by_host, and `--host mx1`, `--host mx2`.
#
# Skipped (77) without rsyslogd, logger or a way to set a hostname for
# logger (unshare --uts as root, or in a user namespace).
set -eu

: "${BOUNCESTAT:?}"
: "${BS_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
[ -x "$RSYSLOGD" ] || { echo "skip: no rsyslogd (Debian package rsyslog)"; exit 77; }
command -v logger >/dev/null || { echo "skip: no logger"; exit 77; }
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
if unshare --uts true 2>/dev/null; then
	UNSHARE="unshare --uts"
elif unshare -Ur --uts true 2>/dev/null; then
	UNSHARE="unshare -Ur --uts"
else
	echo "skip: cannot set a hostname for logger (unshare --uts)"
	exit 77
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/bs_rsyslog.XXXXXX")
passed=
rpid=
cleanup() {
	if [ -n "$rpid" ] && kill -0 "$rpid" 2>/dev/null; then
		kill "$rpid" 2>/dev/null || true
		wait "$rpid" 2>/dev/null || true
	fi
	if [ -z "$passed" ]; then
		for f in "$T"/*.out "$T"/*.err "$T"/fleet.log "$T"/rsyslog.conf; do
			[ -s "$f" ] && { echo "--- $f"; cat "$f"; }
		done
	fi
	rm -rf "$T"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# A free port on 127.0.0.1 (bound, read, released).
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$T/work"

# The shipped collector configuration, private: loopback, a free port,
# files here, no chown (the test may not run as root).
{
	printf 'global(workDirectory="%s/work")\n' "$T"
	sed -e "s|input(type=\"imtcp\" port=\"6514\"|input(type=\"imtcp\" address=\"127.0.0.1\" port=\"$PORT\"|" \
	    -e "s|/var/log/mailfleet/mail.log|$T/fleet.log|" \
	    -e 's|fileOwner="root" fileGroup="adm"||' \
	    "$BS_SRC/contrib/rsyslog/collector.conf"
} >"$T/rsyslog.conf"
grep -q "port=\"$PORT\"" "$T/rsyslog.conf" ||
    fail "contrib/rsyslog/collector.conf: no imtcp input on port 6514"
"$RSYSLOGD" -N1 -f "$T/rsyslog.conf" >"$T/check.out" 2>&1 ||
    fail "rsyslogd -N1 rejects the configuration"

"$RSYSLOGD" -n -f "$T/rsyslog.conf" -i "$T/rsyslogd.pid" \
    >"$T/rsyslogd.out" 2>"$T/rsyslogd.err" &
rpid=$!
for _ in $(seq 100); do
	python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' \
	    "$PORT" 2>/dev/null && break
	kill -0 "$rpid" 2>/dev/null || fail "rsyslogd exited"
	sleep 0.1
done

# send HOST: Postfix lines on stdin -> logger in a namespace named HOST.
# One logger per line: its tag and pid are the Postfix program's.
send() {
	local host=$1 prog pid msg
	while IFS='|' read -r prog pid msg; do
		$UNSHARE sh -c 'hostname "$1" && shift && exec logger "$@"' sh \
		    "$host" --server 127.0.0.1 --port "$PORT" --tcp \
		    --rfc5424 -p mail.info -t "$prog" --id="$pid" -- "$msg" ||
		    fail "logger as $host"
	done
}

RL='relay=mx1.qq.com[203.0.113.1]:25, delay=1, delays=0.1/0/0.8/0.1'
send mx1 <<EOF
postfix/smtp|2101|A1B2C3D4E1: to=<a1@qq.com>, $RL, dsn=2.0.0, status=sent (250 OK)
postfix/smtp|2101|A1B2C3D4E2: to=<a2@qq.com>, $RL, dsn=2.0.0, status=sent (250 OK)
postfix/smtp|2102|A1B2C3D4E3: to=<a3@qq.com>, $RL, dsn=4.0.0, status=deferred (host mx1.qq.com[203.0.113.1] said: 421 HL:ICC Sender frequency limited, please try again later (in reply to MAIL FROM command))
postfix/smtp|2102|A1B2C3D4E4: to=<a4@qq.com>, $RL, dsn=4.0.0, status=deferred (host mx1.qq.com[203.0.113.1] said: 421 HL:ICC Sender frequency limited, please try again later (in reply to MAIL FROM command))
EOF
RE='relay=mx.example.com[198.51.100.5]:25, delay=2, delays=1/0/0.5/0.5'
send mx2 <<EOF
postfix/smtp|3301|B1C2D3E4F1: to=<nobody1@example.com>, $RE, dsn=5.1.1, status=bounced (host mx.example.com[198.51.100.5] said: 550 5.1.1 <nobody1@example.com>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))
postfix/smtp|3301|B1C2D3E4F2: to=<nobody2@example.com>, $RE, dsn=5.1.1, status=bounced (host mx.example.com[198.51.100.5] said: 550 5.1.1 <nobody2@example.com>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))
postfix/smtp|3302|B1C2D3E4F3: to=<b@example.com>, $RE, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4XYZ)
EOF
# Not mail: must not reach the file (the collector keeps mail only).
$UNSHARE sh -c 'hostname mx2 && exec logger --server 127.0.0.1 --port "$1" --tcp --rfc5424 -p user.info -t cron -- "not mail"' sh "$PORT" ||
    fail "logger (user facility)"

for _ in $(seq 100); do
	[ -f "$T/fleet.log" ] && [ "$(wc -l <"$T/fleet.log")" -ge 7 ] && break
	sleep 0.1
done
[ -f "$T/fleet.log" ] && [ "$(wc -l <"$T/fleet.log")" -eq 7 ] ||
    fail "collector file: want 7 lines, have $(wc -l <"$T/fleet.log" 2>/dev/null || echo none)"
grep -q ' mx1 postfix/smtp\[2101\]: A1B2C3D4E1: ' "$T/fleet.log" ||
    fail "collector file: no line of mx1 in RFC 3339 file format"
! grep -q 'not mail' "$T/fleet.log" || fail "a user-facility line was kept"

"$BOUNCESTAT" import --db "$T/bs.db" "$T/fleet.log" >"$T/import.out" \
    2>"$T/import.err" || fail "import exited $?"
for h in all mx1 mx2; do
	if [ "$h" = all ]; then set --; else set -- --host "$h"; fi
	"$BOUNCESTAT" report --db "$T/bs.db" --since 1h --until now \
	    --format json "$@" >"$T/report-$h.out" 2>"$T/report-$h.err" ||
	    fail "report $* exited $?"
done
"$BOUNCESTAT" report --db "$T/bs.db" --since 1h >"$T/report.txt.out" \
    2>"$T/report.txt.err" || fail "report (text) exited $?"
grep -q '^Hosts' "$T/report.txt.out" || fail "text report: no Hosts table"

python3 - "$T" <<'EOF' || fail "per-host counts"
import json, os, sys

d = sys.argv[1]
rep = {h: json.load(open(os.path.join(d, "report-%s.out" % h)))
       for h in ("all", "mx1", "mx2")}
bad = []

def want(what, have, exp):
    if have != exp:
        bad.append("%s: want %r, have %r" % (what, exp, have))

def tot(r):
    t = r["totals"]
    return (t["sent"], t["deferred"], t["bounced"], t["total"])

want("totals (all)", tot(rep["all"]), (3, 2, 2, 7))
want("totals mx1", tot(rep["mx1"]), (2, 2, 0, 4))
want("totals mx2", tot(rep["mx2"]), (1, 0, 2, 3))
want("filter.host mx1", rep["mx1"]["filter"]["host"], "mx1")
by = {x["host"]: x for x in rep["all"]["by_host"]}
want("by_host hosts", sorted(by), ["mx1", "mx2"])
want("by_host mx1", (by.get("mx1", {}).get("sent"),
                     by.get("mx1", {}).get("deferred"),
                     by.get("mx1", {}).get("top_class")),
     (2, 2, "rate_limited"))
want("by_host mx2", (by.get("mx2", {}).get("sent"),
                     by.get("mx2", {}).get("bounced"),
                     by.get("mx2", {}).get("top_class")),
     (1, 2, "user_unknown"))
want("by_host mx1 alone", [x["host"] for x in rep["mx1"]["by_host"]],
     ["mx1"])
want("mx2 by_code", [(x["code"], x["class"]) for x in rep["mx2"]["by_code"]],
     [(550, "user_unknown")])
want("mx1 by_domain", [x["domain"] for x in rep["mx1"]["by_domain"]],
     ["qq.com"])
if bad:
    print("\n".join(bad))
    sys.exit(1)
EOF

passed=1
echo ok
