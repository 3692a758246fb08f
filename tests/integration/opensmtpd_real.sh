#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# A real OpenSMTPD (trial9): Debian 12's opensmtpd package, unpacked with
# `apt-get download` + `dpkg -x` into the test's directory (never
# installed: it is an MTA and would replace the system's Postfix), runs
# as `smtpd -F` (foreground, logging to syslog) in a private mount
# namespace, where
#   - /etc/passwd and /etc/group are copies with its users opensmtpd and
#     opensmtpq,
#   - /var/spool (its queue, /var/spool/smtpd) and /run (its control
#     socket) are directories of the test,
#   - /dev and /var/lib are overlays (its chroot /var/lib/opensmtpd/empty
#     and the /dev/log of a private rsyslogd exist only there),
# so that nothing of the host changes. A private rsyslogd writes its lines
# in Debian 12's default format (RSYSLOG_FileFormat) to a file that
# `bouncestat daemon --follow` follows while it is written.
#
# OpenSMTPD relays everything to the scripted SMTP sink (lib/smtp_sink.py)
# on 127.0.0.1, which greylists (450, the 3rd attempt passes), rate-limits
# a gmail-like domain (421 4.7.28, the 3rd attempt passes), throttles for
# ever (421 HL:ICC) and greylists for ever (both expire at smtpd.conf's
# "queue ttl 12s"), blocks (Spamhaus 550) and rejects an unknown user
# (550 5.1.1). `smtpctl schedule all` every second stands in for the
# scheduler's back-off (minutes). Some mail has a real sender, so that
# OpenSMTPD's bounces go to the sink too.
#
# Checks: import's and the daemon's report totals and per-class figures
# equal what the sink answered (lib/sink_expect.py), expiries included;
# the messages end (none --open), with their sender; a recipient
# delivered after two 421s keeps rate_limited with 3 results (or, when
# OpenSMTPD's back-off on a loaded machine let it expire first, is
# expired with rate_limited: the sink's replies say which); the throttled
# one expired with rate_limited, and trace shows its expiry with
# OpenSMTPD's text ("Envelope expired"), not as a missing reply.
#
# Needs root, unshare, nsenter, overlayfs, rsyslogd, dpkg, python3 and apt
# access to the Debian mirror (or the opensmtpd .deb in
# $OPENSMTPD_DEB_DIR); exit 77 (skip) otherwise. Runtime about 20 s.
# KEEP=1 keeps the directory.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/postfix_env.sh" # sink_start, sink_stop, fail, bs_dump, bs_finish

# shellcheck source=lib/mta_real.sh
. "$here/lib/mta_real.sh" # mta_real_check, _sink_script, _daemon, _collect
mta_real_check unshare nsenter dpkg

NSPID=
end() {
	local rc=$?
	trap - EXIT
	[ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
	ns_stop
	sink_stop
	if [ "$passed" != 1 ] && [ "$rc" != 77 ]; then
		bs_dump "$tmp/mail.log" "$tmp/ns.err" "${SINK_LOG:-}" \
		    "$tmp/sink.stderr" "$tmp"/*.out "$tmp"/*.err
	fi
	bs_finish "$rc"
}
trap end EXIT
trap 'exit 143' TERM INT HUP

# --- OpenSMTPD, unpacked ---------------------------------------------------
mkdir -p "$tmp/debs" "$tmp/root"
if [ -n "${OPENSMTPD_DEB_DIR:-}" ]; then
	cp "$OPENSMTPD_DEB_DIR"/opensmtpd_*.deb "$tmp/debs/" 2>/dev/null ||
	    skip "OPENSMTPD_DEB_DIR has no opensmtpd .deb"
else
	(cd "$tmp/debs" && apt-get download opensmtpd) >"$tmp/apt.out" 2>&1 ||
	    skip "apt-get download opensmtpd failed (no Debian mirror?):" \
		"$(tail -1 "$tmp/apt.out")"
fi
dpkg -x "$tmp"/debs/opensmtpd_*.deb "$tmp/root" || fail "dpkg -x opensmtpd"
SMTPD=$tmp/root/usr/sbin/smtpd
SMTPCTL=$tmp/root/usr/sbin/smtpctl
[ -x "$SMTPD" ] || fail "no usr/sbin/smtpd in the package"
if ldd "$SMTPD" | grep -q 'not found'; then
	skip "smtpd lacks libraries (contrib/install-deps.sh --ci):" \
	    "$(ldd "$SMTPD" | grep 'not found' | tr -s ' \t\n' ' ')"
fi

cp /etc/passwd "$tmp/passwd"
cp /etc/group "$tmp/group"
for u in opensmtpd:64101 opensmtpq:64102; do
	grep -q "^${u%%:*}:" "$tmp/passwd" ||
	    echo "${u%%:*}:x:${u#*:}:${u#*:}:OpenSMTPD test:/var/lib/opensmtpd/empty:/usr/sbin/nologin" \
		>>"$tmp/passwd"
	grep -q "^${u%%:*}:" "$tmp/group" || echo "${u%%:*}:x:${u#*:}:" \
	    >>"$tmp/group"
done
# smtpctl wants to be setgid opensmtpq (the package's statoverride).
chgrp 64102 "$SMTPCTL" && chmod 2755 "$SMTPCTL" || fail "chmod smtpctl"
mkdir -p "$tmp/varspool" "$tmp/run" "$tmp/rs" "$tmp/ov/dev.up" \
    "$tmp/ov/dev.work" "$tmp/ov/lib.up" "$tmp/ov/lib.work"

# The namespace: mounts, then rsyslogd and smtpd in the foreground; their
# pids in $tmp/*.pid. It lives until both are stopped.
cat >"$tmp/ns.sh" <<'EOF'
set -eu
T=$1 SMTPD=$2 RSYSLOGD=$3
mount --make-rprivate /
mount --bind "$T/passwd" /etc/passwd
mount --bind "$T/group" /etc/group
mount --bind "$T/varspool" /var/spool
mount --bind "$T/run" /run
mount -t overlay overlay \
    -o "lowerdir=/dev,upperdir=$T/ov/dev.up,workdir=$T/ov/dev.work" /dev
mount -t overlay overlay \
    -o "lowerdir=/var/lib,upperdir=$T/ov/lib.up,workdir=$T/ov/lib.work" /var/lib
mkdir -p /var/lib/opensmtpd/empty
rm -f /dev/log
"$RSYSLOGD" -n -f "$T/rsyslog.conf" -i "$T/rsyslogd.pid" &
echo $! >"$T/rsyslog.pid"
for i in $(seq 100); do [ -S /dev/log ] && break; sleep 0.05; done
[ -S /dev/log ] || { echo "rsyslogd made no /dev/log" >&2; exit 1; }
"$SMTPD" -F -f "$T/smtpd.conf" &
echo $! >"$T/smtpd.pid"
wait
EOF

ns_stop() {
	local f
	[ -n "$NSPID" ] || return 0
	for f in smtpd rsyslog; do
		[ -s "$tmp/$f.pid" ] && kill "$(cat "$tmp/$f.pid")" 2>/dev/null
	done
	wait "$NSPID" 2>/dev/null || true
	NSPID=
}

smtpctl() {
	nsenter -m -t "$NSPID" "$SMTPCTL" "$@"
}

# --- the sink, the configurations ------------------------------------------
mta_real_sink_script "$tmp/script"
SINK_TIMEOUT=120 sink_start "$tmp" "$tmp/script" 1 ||
    fail "the SMTP sink did not start"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cat >"$tmp/smtpd.conf" <<EOF
# Private bouncestat test configuration (opensmtpd_real.sh).
queue ttl 12s
listen on 127.0.0.1 port $PORT
action "sink" relay host smtp://127.0.0.1:${SINK_PORTS[0]}
match from any for any action "sink"
EOF
"$SMTPD" -n -f "$tmp/smtpd.conf" >"$tmp/check.out" 2>&1 ||
    fail "smtpd -n rejects the configuration"
cat >"$tmp/rsyslog.conf" <<EOF
global(workDirectory="$tmp/rs")
module(load="imuxsock" SysSock.Name="/dev/log")
mail.* action(type="omfile" file="$tmp/mail.log" template="RSYSLOG_FileFormat")
EOF
: >"$tmp/mail.log"
mta_real_daemon "$tmp"

unshare -m bash "$tmp/ns.sh" "$tmp" "$SMTPD" "$RSYSLOGD" \
    >"$tmp/ns.out" 2>"$tmp/ns.err" &
NSPID=$!
for ((i = 0; i < 100; i++)); do
	grep -q 'OpenSMTPD .* starting' "$tmp/mail.log" 2>/dev/null && break
	kill -0 "$NSPID" 2>/dev/null || fail "the namespace exited"
	sleep 0.1
done
grep -q 'OpenSMTPD .* starting' "$tmp/mail.log" ||
    fail "OpenSMTPD did not start (or rsyslogd did not log it)"
for ((i = 0; i < 50; i++)); do
	python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' \
	    "$PORT" 2>/dev/null && break
	sleep 0.1
done

# --- the mail -----------------------------------------------------------------
send() {
	python3 - "$PORT" "$@" >>"$tmp/send.out" 2>&1 <<'EOF' ||
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10)
s.sendmail(sys.argv[2], sys.argv[3:],
           "Subject: bouncestat opensmtpd test\r\nFrom: a@bs.test\r\n\r\nhello\r\n")
s.quit()
EOF
	    fail "OpenSMTPD did not accept a message to ${*:2}"
}
t0=$SECONDS
send '' ok1@corp.example
send '' grey1@grey.test grey2@grey.test
send alice@bs.test gm1@gmail.test
send '' spamhaus1@corp.example unknown1@shop.example
send alice@bs.test ok2@shop.example unknown2@shop.example
send '' hold1@netease.test
send alice@bs.test late1@late.test

# Retries now and then instead of OpenSMTPD's back-off, until the queue
# is empty: the greylist and the rate limit pass, the rest expires.
for ((i = 0; i < 40; i++)); do
	sleep 1
	smtpctl schedule all >>"$tmp/smtpctl.out" 2>&1 || true
	smtpctl show queue >"$tmp/queue.txt" 2>>"$tmp/smtpctl.out" ||
	    fail "smtpctl show queue failed"
	q=$(wc -l <"$tmp/queue.txt")
	[ "$q" = 0 ] && [ $((SECONDS - t0)) -gt 12 ] && break
done
[ "$q" = 0 ] || fail "OpenSMTPD's queue not empty after $((SECONDS - t0)) s"
sleep 1 # the last lines through rsyslogd
ns_stop
sink_stop
echo "opensmtpd done in $((SECONDS - t0)) s" >&2
log=$tmp/mail.log
grep -q 'relay: Expire for ' "$log" ||
    fail "OpenSMTPD logged no expiry: the test proves nothing"

# The daemon has followed the log while it grew; import, reports.
mta_real_collect "$tmp" "$log"
qid=$(sed -n 's/.* relay: Expire for \([0-9a-f]\{8\}\)[0-9a-f]*: .*to=<hold1@netease.test>.*/\1/p' \
    "$tmp/mail.log" | head -1)
[ -n "$qid" ] || fail "hold1@netease.test did not expire"
"$BOUNCESTAT" trace --db "$tmp/db" "$qid" >"$tmp/trace.out" \
    2>"$tmp/trace.err" || fail "trace exited $?"
grep -q "expired to netease.test via - (expired): Envelope expired$" \
    "$tmp/trace.out" || fail "trace: the expiry is not OpenSMTPD's own words"

python3 - "$tmp/expect.json" "$log" "$tmp/report.db.json" \
    "$tmp/report.follow.db.json" "$tmp/messages.json" "$tmp/open.out" \
    "$SINK_LOG" <<'EOF' || fail "bouncestat's figures differ from the sink's"
import json, sys

expect, log, rep_import, rep_follow, messages, open_out, sink = sys.argv[1:8]
exp = json.load(open(expect))
bad = []
# A 421 closes the sink's connection: a recipient OpenSMTPD had not yet
# sent in that session is a TempFail "IO Error"/"Connection ..." line
# (network_error), which the sink never saw.
closed = sum(1 for l in open(log) if " mta delivery " in l and
             'result="TempFail"' in l and
             ('stat="IO Error' in l or 'stat="Connection' in l))
want = dict(exp["final"])
want["deferred"] += closed
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
            if c == "network_error":
                n += closed if st == "deferred" else 0
            if bycls.get(c, {}).get(st) != n:
                bad.append("%s by_class %s.%s %r, want %d"
                           % (name, c, st, bycls.get(c, {}).get(st), n))
msgs = json.load(open(messages))
rc = {r["rcpt"]: (m, r) for m in msgs for r in m.get("recipients", [])}
# gm1 passes at its 3rd attempt, unless OpenSMTPD's back-off (longer on
# a loaded machine) let it expire first: what the sink answered says.
gm_tries = gm_sent = 0
for line in open(sink):
    f = line.rstrip("\n").split("\t")
    if len(f) >= 8 and f[4] == "gm1@gmail.test":
        gm_tries += f[3] == "rcpt" and f[6][0] == "4"
        gm_sent += f[3] == "dot" and f[6][0] == "2"
gm_want = ("sent", gm_tries + 1) if gm_sent else ("expired", gm_tries + 1)
m, r = rc.get("gm1@gmail.test", ({}, {}))
if (r.get("status"), r.get("attempts")) != gm_want or \
        r.get("class") != "rate_limited" or m.get("sender") != "alice@bs.test":
    bad.append("messages: gm1@gmail.test %r %r, want %s after %d results, "
               "rate_limited, from alice@bs.test" % ((m, r) + gm_want))
m, r = rc.get("hold1@netease.test", ({}, {}))
if m.get("state") != "expired" or r.get("status") != "expired" or \
        r.get("class") != "rate_limited":
    bad.append("messages: hold1@netease.test %r, want expired, "
               "rate_limited" % m)
m, r = rc.get("unknown2@shop.example", ({}, {}))
if m.get("state") != "bounced" or m.get("size", 0) <= 0:
    bad.append("messages: unknown2@shop.example's message %r, want "
               "bounced with a size" % m)
lines = [l for l in open(open_out) if not l.startswith("#")]
if lines:
    bad.append("messages --open lists ended messages: %r" % lines)
for b in bad:
    print("check: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
passed=1
echo "ok: $(tr -d '\n' <"$tmp/import.out")" >&2
