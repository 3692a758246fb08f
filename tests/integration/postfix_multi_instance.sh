#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# trial12: Postfix multi-instance (as postmulti sets it up: syslog_name
# postfix-out and postfix-in, each instance with its own queue directory)
# logging through a real rsyslogd to a file that the real logrotate rotates
# (`create` with a HUP, then `copytruncate`) while `bouncestat daemon`
# follows it. postfix-out gets mail from its sendmail, postfix-in over
# SMTP (postfix-in/smtpd client=); both relay to the scripted sink.
#
# rsyslogd runs in a private mount namespace whose /dev is the test's own
# directory (the null, zero, random, urandom and tty nodes bound into it),
# so that its /dev/log is the test's: Postfix's daemons, started in that
# namespace, log there, and nothing else on the machine does.
#
# Checked: per recipient domain and status, the daemon's report equals
# the status= lines of Postfix's own log (all rotated files); every
# message record names its instance, which is its transport's; a
# postfix-in message has its smtpd client; trace names the instance.
set -eu

: "${BOUNCESTAT:?}"
: "${BS_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$BS_SRC/tests/integration/lib/postfix_env.sh"
pf_require
RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
[ -x "$RSYSLOGD" ] || pf_skip "no rsyslogd (Debian package rsyslog)"
LOGROTATE=$(command -v logrotate || echo /usr/sbin/logrotate)
[ -x "$LOGROTATE" ] || pf_skip "no logrotate (Debian package logrotate)"
command -v jq >/dev/null 2>&1 || pf_skip "no jq"
unshare -m --propagation private true 2>/dev/null ||
	pf_skip "no private mount namespace (unshare -m)"

tmp=$(mktemp -d)
chmod 0755 "$tmp"
NSPID=
DPID=
INSTS=()
cleanup() {
	local rc=$? i
	[ -z "$DPID" ] || kill -TERM "$DPID" 2>/dev/null || true
	for i in "${INSTS[@]}"; do
		postfix -c "$tmp/$i/etc" stop >/dev/null 2>&1 || true
	done
	sink_stop
	if [ -n "$NSPID" ]; then
		kill "$NSPID" 2>/dev/null || true
		wait "$NSPID" 2>/dev/null || true
	fi
	[ "$rc" = 0 ] || bs_dump "$tmp/daemon.out" "$tmp/mail.log" \
	    "$tmp/rsyslog.out"
	bs_finish "$rc"
}
trap cleanup EXIT

cat >"$tmp/sink.txt" <<'S'
grey*    rcpt  grey   1
full*    rcpt  full   1
spam*    rcpt  spamhaus
unk*     rcpt  unknown
*        rcpt  ok
S
sink_start "$tmp" "$tmp/sink.txt" 1

# rsyslogd with its /dev/log in a private /dev (see above)
mkdir -p "$tmp/work" "$tmp/dev/pts"
for n in null zero random urandom tty; do : >"$tmp/dev/$n"; done
cat >"$tmp/rsyslog.conf" <<R
global(workDirectory="$tmp/work")
module(load="imuxsock" SysSock.Name="/dev/log" SysSock.RateLimit.Interval="0")
mail.* action(type="omfile" file="$tmp/mail.log" template="RSYSLOG_TraditionalFileFormat")
R
unshare -m --propagation private bash -c '
for n in null zero random urandom tty; do mount --bind /dev/$n "$1/dev/$n"; done
mount --rbind /dev/pts "$1/dev/pts"
mount --bind "$1/dev" /dev
exec "$2" -n -f "$1/rsyslog.conf" -i "$1/rsyslogd.pid"' sh "$tmp" \
    "$RSYSLOGD" >"$tmp/rsyslog.out" 2>&1 &
NSPID=$!
for _ in $(seq 100); do
	[ -S "$tmp/dev/log" ] && [ -s "$tmp/rsyslogd.pid" ] && break
	kill -0 "$NSPID" 2>/dev/null || fail "rsyslogd exited"
	sleep 0.1
done
[ -S "$tmp/dev/log" ] || fail "rsyslogd made no /dev/log"

# instance NAME SYSLOG_NAME: a private instance logging to syslog
instance() {
	pf_init "$tmp/$1" "${SINK_PORTS[0]}"
	sed -i -e '/^maillog_file/d' "$PF_CONF/main.cf"
	sed -i -e '/^postlog/d' "$PF_CONF/master.cf"
	pf_conf "syslog_name = $2" "multi_instance_name = $2" \
	    "multi_instance_enable = yes" "queue_run_delay = 2s" \
	    "minimal_backoff_time = 2s" "maximal_backoff_time = 4s"
	INSTS+=("$1")
}
instance out postfix-out
PIN=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
instance in postfix-in
pf_conf "master_service_disable =" "inet_interfaces = 127.0.0.1" \
    "mynetworks = 127.0.0.0/8" "myhostname = in.bs.test"
echo "127.0.0.1:$PIN inet n - n - - smtpd" >>"$tmp/in/etc/master.cf"
for i in out in; do
	postfix -c "$tmp/$i/etc" check >"$tmp/check.out" 2>&1 ||
		pf_skip "postfix check: $(cat "$tmp/check.out")"
	nsenter -t "$NSPID" -m postfix -c "$tmp/$i/etc" start \
	    >"$tmp/start.out" 2>&1 || pf_skip "cannot start instance $i"
done
for _ in $(seq 100); do
	[ "$(grep -c 'master.*daemon started' "$tmp/mail.log" 2>/dev/null)" = 2 ] &&
		break
	sleep 0.1
done
grep -q 'postfix-out/master\[[0-9]*\]: daemon started' "$tmp/mail.log" &&
    grep -q 'postfix-in/master\[[0-9]*\]: daemon started' "$tmp/mail.log" ||
	fail "the instances did not log through rsyslog"

out_send() {
	printf 'Subject: out\n\nx\n' |
	    sendmail -C "$tmp/out/etc" -i -f sender@bs.test -- "$@"
}
in_send() {
	python3 - "$PIN" "$@" <<'P'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
s.sendmail("ext@remote.example", sys.argv[2:], "Subject: in\n\nx\n")
s.quit()
P
}
flush() {
	postqueue -c "$tmp/out/etc" -f
	postqueue -c "$tmp/in/etc" -f
}
queued() {
	find "$tmp"/{out,in}/spool/{maildrop,incoming,active,deferred} \
	    -type f 2>/dev/null | wc -l
}

printf 'commit_interval 300ms\ndnsbl_check off\nrotate_wait 1s\nmessage_records all\n' \
    >"$tmp/bs.conf"
"$BOUNCESTAT" daemon -c "$tmp/bs.conf" --db "$tmp/bs.db" --allow-root \
    --follow "$tmp/mail.log" >"$tmp/daemon.out" 2>&1 &
DPID=$!

cat >"$tmp/lr-create.conf" <<L
$tmp/mail.log {
	rotate 9
	create 0640 root root
	compress
	delaycompress
	postrotate
		kill -HUP \$(cat $tmp/rsyslogd.pid)
	endscript
}
L
cat >"$tmp/lr-copy.conf" <<L
$tmp/mail.log {
	rotate 9
	copytruncate
	compress
	delaycompress
}
L
out_send grey1@grey.test unk1@x.test ok1@ok.test
in_send full1@in.test ok2@ok.test
sleep 2
"$LOGROTATE" -s "$tmp/lr.state" -f "$tmp/lr-create.conf" ||
	fail "logrotate (create)"
out_send spam1@blk.test grey2@grey.test
in_send unk2@x.test grey3@grey.test
sleep 2
"$LOGROTATE" -s "$tmp/lr.state" -f "$tmp/lr-copy.conf" ||
	fail "logrotate (copytruncate)"
in_send full2@in.test ok3@ok.test
out_send ok4@ok.test full3@in.test
for _ in $(seq 60); do
	flush >/dev/null 2>&1 || true
	sleep 1
	[ "$(queued)" = 0 ] && break
done
[ "$(queued)" = 0 ] || fail "mail still queued after 60 s"
sleep 2 # the last lines through rsyslog and the daemon's commit
kill -TERM "$DPID"
wait "$DPID" || fail "daemon: exit $?"
DPID=
grep -q 'truncated; reading the rest of the copy' "$tmp/daemon.out" ||
	fail "the copytruncate was not seen as one"

# Postfix's own log, every generation, against the report.
python3 - "$tmp" "$BOUNCESTAT" <<'P' || fail "report and Postfix's log differ"
import collections, glob, gzip, json, re, subprocess, sys
d, bs = sys.argv[1], sys.argv[2]
log = collections.Counter()
for f in glob.glob(d + "/mail.log*"):
    op = gzip.open if f.endswith(".gz") else open
    for l in op(f, "rt"):
        m = re.search(r" postfix-(?:in|out)/smtp\[\d+\]: \w+: to=<[^@]*@([^>]+)>"
                      r".*status=(sent|deferred|bounced) ", l)
        if m:
            log[m.groups()] += 1
rep = json.loads(subprocess.check_output([bs, "report", "--db", d + "/bs.db",
    "--since", "1d", "--top", "100", "--format", "json"]))
got = collections.Counter()
for r in rep["by_domain"]:
    for s in ("sent", "deferred", "bounced"):
        if r[s]:
            got[(r["domain"], s)] = r[s]
# the bounce notices to sender@bs.test go out through postfix-out too
if log != got or log[("grey.test", "deferred")] != 3:
    print("log:", sorted(log.items()), "\nreport:", sorted(got.items()))
    sys.exit(1)
P

bs() { "$BOUNCESTAT" "$@" --db "$tmp/bs.db"; }
bs messages --since 1d --format json >"$tmp/messages.json"
[ "$(jq '[.[] | select(.instance != "postfix-in" and
    .instance != "postfix-out")] | length' "$tmp/messages.json")" = 0 ] ||
	fail "a message without its instance"
[ "$(jq '[.[] | .instance as $i | .recipients[] |
    select(.transport | startswith($i + "/") | not)] | length' \
    "$tmp/messages.json")" = 0 ] || fail "an instance that is not its transport's"
[ "$(jq '[.[] | select(.instance == "postfix-in" and .sender != "<>" and
    .sender != "" and .client != "localhost[127.0.0.1]")] | length' \
    "$tmp/messages.json")" = 0 ] || fail "a postfix-in message without its client"
[ "$(jq '[.[] | select(.instance == "postfix-in")] | length' \
    "$tmp/messages.json")" -ge 3 ] || fail "postfix-in messages missing"
bs trace unk2@x.test >"$tmp/trace.out" || fail "trace"
grep -q "^message [0-9A-F]* (postfix on [^ ]*/postfix-in): bounced" \
    "$tmp/trace.out" || fail "trace: no postfix-in message bounced"
grep -q "550 5.1.1 <unk2@x.test>" "$tmp/trace.out" ||
	fail "trace: no reply of the bounce"
echo "ok: postfix_multi_instance"
