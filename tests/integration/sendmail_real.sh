#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# A real Sendmail (trial9): Debian 12's sendmail-bin and sendmail-cf (and
# libwrap0, which it links), unpacked with `apt-get download` + `dpkg -x`
# into the test's directory (never installed: it is an MTA and would
# replace the system's Postfix). A minimal .mc of the test is built with
# m4 into a .cf (queue, pid and statistics files in the test's directory,
# Timeout.queuereturn=20s, everything relayed to the scripted SMTP sink on
# 127.0.0.1), and Sendmail runs as no daemon: messages are queued with
# `sendmail -odq` and delivered by plain `sendmail -q` queue runs, as its
# queue runner does. It runs in a private mount and UTS namespace (host
# name sm.bs.test, an /etc/hosts copy that knows it, and /dev as an
# overlay with the /dev/log of a private rsyslogd writing Debian 12's
# default format), so nothing of the host changes.
#
# The sink greylists (450, the 3rd attempt passes), rate-limits (421
# 4.7.28, the 3rd passes), throttles and greylists for ever (both expire),
# blocks (Spamhaus 550) and rejects an unknown user (550 5.1.1). Mail with
# the null sender expires with Sendmail's "postmaster notify: Cannot send
# message for 20 seconds", mail with a sender with "DSN: Cannot send ...";
# the notices go to the sink too (DoubleBounceAddress pm@bs.test).
#
# Checks: import's and the daemon's totals and per-class figures equal
# what the sink answered (lib/sink_expect.py), both expiries included; a
# line listing two recipients counts each; messages end (none --open), the
# throttled one expired with rate_limited.
#
# Needs root, unshare, m4, rsyslogd, dpkg, python3 and apt access to the
# Debian mirror (or the three .deb files in $SENDMAIL_DEB_DIR); exit 77
# (skip) otherwise. Runtime about 30 s. KEEP=1 keeps the directory.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/postfix_env.sh" # sink_start, sink_stop, fail, bs_dump, bs_finish

# shellcheck source=lib/mta_real.sh
. "$here/lib/mta_real.sh" # mta_real_check, _sink_script, _daemon, _collect
mta_real_check unshare dpkg m4

end() {
	local rc=$?
	trap - EXIT
	[ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
	sink_stop
	if [ "$passed" != 1 ] && [ "$rc" != 77 ]; then
		bs_dump "$tmp/mail.log" "${SINK_LOG:-}" "$tmp/sink.stderr" \
		    "$tmp"/*.out "$tmp"/*.err
	fi
	bs_finish "$rc"
}
trap end EXIT
trap 'exit 143' TERM INT HUP

# --- Sendmail, unpacked --------------------------------------------------------
debs="sendmail-bin sendmail-cf libwrap0"
mkdir -p "$tmp/debs" "$tmp/root"
if [ -n "${SENDMAIL_DEB_DIR:-}" ]; then
	for d in $debs; do
		cp "$SENDMAIL_DEB_DIR/${d}"_*.deb "$tmp/debs/" 2>/dev/null ||
		    skip "SENDMAIL_DEB_DIR has no $d .deb"
	done
else
	# shellcheck disable=SC2086
	(cd "$tmp/debs" && apt-get download $debs) >"$tmp/apt.out" 2>&1 ||
	    skip "apt-get download $debs failed (no Debian mirror?):" \
		"$(tail -1 "$tmp/apt.out")"
fi
for d in "$tmp"/debs/*.deb; do
	dpkg -x "$d" "$tmp/root" || fail "dpkg -x $d"
done
SM=$tmp/root/usr/libexec/sendmail/sendmail
CF=$tmp/root/usr/share/sendmail/cf
[ -x "$SM" ] && [ -f "$CF/m4/cf.m4" ] || fail "no sendmail or cf.m4 unpacked"
# The binary is setgid smmsp: the loader would ignore LD_LIBRARY_PATH.
chmod g-s "$SM"
LIBDIR=$tmp/root/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH \
    2>/dev/null || echo x86_64-linux-gnu)
if LD_LIBRARY_PATH=$LIBDIR ldd "$SM" | grep -q 'not found'; then
	skip "sendmail lacks libraries:" \
	    "$(LD_LIBRARY_PATH=$LIBDIR ldd "$SM" | grep 'not found' | tr -s ' \t\n' ' ')"
fi

# --- the sink, the configurations ------------------------------------------
mta_real_sink_script "$tmp/script"
SINK_TIMEOUT=120 sink_start "$tmp" "$tmp/script" 1 ||
    fail "the SMTP sink did not start"

mkdir -p "$tmp/mqueue" "$tmp/rs" "$tmp/ov/dev.up" "$tmp/ov/dev.work"
chmod 0700 "$tmp/mqueue"
: >"$tmp/aliases"
: >"$tmp/statistics"
cat >"$tmp/test.mc" <<EOF
divert(0)dnl
include(\`$CF/m4/cf.m4')dnl
VERSIONID(\`bouncestat sendmail_real.sh')dnl
OSTYPE(\`linux')dnl
define(\`QUEUE_DIR', \`$tmp/mqueue')dnl
define(\`confPID_FILE', \`$tmp/sendmail.pid')dnl
define(\`confSTATUS_FILE', \`$tmp/statistics')dnl
define(\`ALIAS_FILE', \`$tmp/aliases')dnl
define(\`confHELP_FILE', \`')dnl
define(\`confLOG_LEVEL', \`9')dnl
define(\`confTO_QUEUERETURN', \`20s')dnl
define(\`confTO_QUEUEWARN', \`1h')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confDOUBLE_BOUNCE_ADDRESS', \`pm@bs.test')dnl
define(\`confDOMAIN_NAME', \`sm.bs.test')dnl
define(\`SMART_HOST', \`esmtp:[127.0.0.1]')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h ${SINK_PORTS[0]}')dnl
FEATURE(\`nocanonify')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
m4 "$tmp/test.mc" >"$tmp/test.cf" 2>"$tmp/m4.err" || fail "m4 test.mc"
cp /etc/hosts "$tmp/hosts"
echo '127.0.0.1 sm.bs.test sm' >>"$tmp/hosts"
cat >"$tmp/rsyslog.conf" <<EOF
global(workDirectory="$tmp/rs")
module(load="imuxsock" SysSock.Name="/dev/log")
mail.* action(type="omfile" file="$tmp/mail.log" template="RSYSLOG_FileFormat")
EOF
: >"$tmp/mail.log"

# The namespace: rsyslogd, the messages queued, queue runs until the
# queue is empty (greylist and rate limit pass, the rest expires).
cat >"$tmp/ns.sh" <<'EOF'
set -u
T=$1 SM=$2 LIBDIR=$3 RSYSLOGD=$4
mount --make-rprivate / && hostname sm.bs.test &&
    mount --bind "$T/hosts" /etc/hosts &&
    mount -t overlay overlay \
	-o "lowerdir=/dev,upperdir=$T/ov/dev.up,workdir=$T/ov/dev.work" /dev ||
    exit 1
rm -f /dev/log
"$RSYSLOGD" -n -f "$T/rsyslog.conf" -i "$T/rsyslogd.pid" &
rs=$!
trap 'kill $rs; wait $rs' EXIT
for i in $(seq 100); do [ -S /dev/log ] && break; sleep 0.05; done
[ -S /dev/log ] || { echo "rsyslogd made no /dev/log" >&2; exit 1; }
export LD_LIBRARY_PATH=$LIBDIR
sm() { "$SM" -C "$T/test.cf" "$@"; }
send() {
	local f=$1
	shift
	printf 'Subject: bouncestat sendmail test\n\nhello\n' |
	    sm -odq -f "$f" "$@" || { echo "sendmail refused $*" >&2; exit 1; }
}
send '<>' ok1@corp.example
send '<>' grey1@grey.test grey2@grey.test
send alice@bs.test gm1@gmail.test
send '<>' spamhaus1@corp.example unknown1@shop.example
send alice@bs.test ok2@shop.example unknown2@shop.example
send '<>' hold1@netease.test
send alice@bs.test late1@late.test
t0=$SECONDS
for i in $(seq 40); do
	sm -q
	n=$(sm -bp 2>/dev/null | grep -c '^[0-9A-Za-z]\{14\} ')
	[ "$n" = 0 ] && [ $((SECONDS - t0)) -gt 20 ] && break
	sleep 1
done
[ "$n" = 0 ] || { sm -bp >&2; echo "queue not empty" >&2; exit 1; }
sleep 1 # the last lines through rsyslogd
EOF

mta_real_daemon "$tmp"
t0=$SECONDS
unshare -m -u bash "$tmp/ns.sh" "$tmp" "$SM" "$LIBDIR" "$RSYSLOGD" \
    >"$tmp/ns.out" 2>"$tmp/ns.err" || fail "the Sendmail run failed"
sink_stop
echo "sendmail done in $((SECONDS - t0)) s" >&2
log=$tmp/mail.log
grep -q 'postmaster notify: Cannot send message for' "$log" ||
    fail "Sendmail logged no null-sender expiry: the test proves nothing"
grep -q ' DSN: Cannot send message for' "$log" ||
    fail "Sendmail logged no expiry: the test proves nothing"

# The daemon has followed the log while it grew; import, reports.
mta_real_collect "$tmp" "$log"

python3 - "$tmp/expect.json" "$tmp/report.db.json" \
    "$tmp/report.follow.db.json" "$tmp/messages.json" "$tmp/open.out" \
    <<'EOF' || fail "bouncestat's figures differ from the sink's"
import json, sys

expect, rep_import, rep_follow, messages, open_out = sys.argv[1:6]
exp = json.load(open(expect))
bad = []
want = exp["final"]
if want["expired"] < 2 or want["deferred"] < 6:
    bad.append("mix too small: %r" % want)
reps = {"import": json.load(open(rep_import)),
        "daemon": json.load(open(rep_follow))}
for name, rep in reps.items():
    tot = rep["totals"]
    for k, v in want.items():
        if tot.get(k) != v:
            bad.append("%s totals.%s %r, want %d" % (name, k, tot.get(k), v))
    bycls = {c["class"]: c for c in rep["by_class"]}
    for st, classes in exp["classes"].items():
        for c, n in classes.items():
            if bycls.get(c, {}).get(st) != n:
                bad.append("%s by_class %s.%s %r, want %d"
                           % (name, c, st, bycls.get(c, {}).get(st), n))
msgs = json.load(open(messages))
rc = {r["rcpt"]: (m, r) for m in msgs for r in m.get("recipients", [])}
m, r = rc.get("hold1@netease.test", ({}, {}))
if m.get("state") != "expired" or r.get("status") != "expired" or \
        r.get("class") != "rate_limited":
    bad.append("messages: hold1@netease.test %r, want expired, "
               "rate_limited" % m)
m, r = rc.get("gm1@gmail.test", ({}, {}))
if r.get("status") != "sent" or r.get("class") != "rate_limited" or \
        r.get("attempts") != 3 or m.get("sender") != "alice@bs.test":
    bad.append("messages: gm1@gmail.test %r, want sent, rate_limited, "
               "3 results, from alice@bs.test" % m)
lines = [l for l in open(open_out) if not l.startswith("#")]
if lines:
    bad.append("messages --open lists ended messages: %r" % lines)
for b in bad:
    print("check: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
passed=1
echo "ok: $(tr -d '\n' <"$tmp/import.out")" >&2
