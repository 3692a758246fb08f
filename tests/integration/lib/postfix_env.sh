# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Sourceable helpers for integration tests that drive a real Postfix: a
# private Postfix instance in a temporary directory (its own
# config_directory, queue_directory, data_directory and maillog_file; no
# smtpd listener; the system's default instance is not touched) that relays
# everything to the scripted SMTP sink (smtp_sink.py) on 127.0.0.1.
#
# Usage (bash, set -eu):
#
#   . "$BS_SRC/tests/integration/lib/postfix_env.sh"
#   pf_require                  # root + postfix (installs it), else exit 77
#   tmp=$(mktemp -d); trap 'pf_cleanup' EXIT
#   sink_start "$tmp" script.txt 2     # 2 listeners -> SINK_PORTS[0..1]
#   pf_init "$tmp/pf" "${SINK_PORTS[0]}"
#   pf_route d2.test "${SINK_PORTS[1]}"     # optional, per domain
#   pf_conf maximal_queue_lifetime=20s      # optional, any main.cf line
#   pf_start
#   pf_send -f sender@bs.test rcpt@d1.test  # one message
#   pf_wait_queue_empty 60 || fail
#   pf_stop
#   ... "$PF_LOG" is the mail log; "$SINK_LOG" the sink's reply log.
#
# Variables set: PF_DIR (instance root), PF_CONF (config_directory),
# PF_SPOOL (queue_directory), PF_LOG (maillog_file), SINK_PORTS (array),
# SINK_LOG, SINK_PID, SINK_SCRIPT.
#
# Environment: BS_NO_APT=1 forbids installing Postfix (skip instead);
# PF_LOG_TIMEOUT bounds the waits for log lines (default 60 s).
#
# Needs root: Postfix's master must start as root to drop privileges to
# the postfix user.  The instance root is made 0755 because the daemons
# open files there after dropping privileges.

# Shared by the real-MTA tests: fail MESSAGE exits 1; bs_dump FILE...
# prints the files that exist (the last 200 lines each) to stderr after a
# failure; bs_finish RC removes $tmp (KEEP=1 keeps it) and exits RC.
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

bs_dump() {
	local f
	for f in "$@"; do
		[ -f "$f" ] || continue
		echo "=== $f" >&2
		tail -n 200 "$f" >&2
	done
}

bs_finish() {
	if [ "${KEEP:-0}" = 1 ]; then
		echo "kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
	exit "$1"
}

PF_DIR=
PF_CONF=
PF_SPOOL=
PF_LOG=
PF_STARTED=0
SINK_PID=
SINK_LOG=
SINK_SCRIPT=
SINK_PORTS=()
PF_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PF_PYTHON=${PF_PYTHON:-python3}

pf_skip() {
	echo "SKIP: $*" >&2
	exit 77
}

pf_note() {
	echo "postfix_env: $*" >&2
}

# pf_require: make sure we are root and Postfix is installed (installing it
# from the Debian mirror when missing and allowed), or exit 77.
pf_require() {
	[ "$(id -u)" = 0 ] || pf_skip "real Postfix tests need root"
	command -v "$PF_PYTHON" >/dev/null 2>&1 || pf_skip "no python3"
	if [ ! -x /usr/sbin/postfix ]; then
		[ "${BS_NO_APT:-0}" = 1 ] &&
		    pf_skip "postfix not installed and BS_NO_APT=1"
		command -v apt-get >/dev/null 2>&1 ||
		    pf_skip "postfix not installed and no apt-get"
		pf_note "installing postfix from the distribution mirror"
		printf '%s\n' \
		    "postfix postfix/main_mailer_type select No configuration" \
		    "postfix postfix/mailname string localhost" |
		    debconf-set-selections 2>/dev/null || true
		if ! DEBIAN_FRONTEND=noninteractive timeout 300 \
		    apt-get install -y -q --no-install-recommends postfix \
		    >/dev/null 2>&1; then
			timeout 120 apt-get update -q >/dev/null 2>&1 || true
			DEBIAN_FRONTEND=noninteractive timeout 300 \
			    apt-get install -y -q --no-install-recommends \
			    postfix >/dev/null 2>&1 ||
			    pf_skip "cannot install postfix (no mirror?)"
		fi
		[ -x /usr/sbin/postfix ] || pf_skip "postfix install failed"
	fi
	id postfix >/dev/null 2>&1 || pf_skip "no postfix user"
	getent group postdrop >/dev/null 2>&1 || pf_skip "no postdrop group"
}

# sink_start DIR SCRIPT [NPORTS]: start smtp_sink.py on NPORTS (default 1)
# kernel-chosen loopback ports; SCRIPT is copied to DIR/sink.script, which
# sink_script rewrites later.  Sets SINK_PORTS, SINK_LOG, SINK_PID.
sink_start() {
	local dir=$1 script=$2 n=${3:-1} i args=() t
	SINK_SCRIPT=$dir/sink.script
	SINK_LOG=$dir/sink.replies
	cp "$script" "$SINK_SCRIPT"
	: >"$SINK_LOG"
	for ((i = 0; i < n; i++)); do
		args+=(--listen 127.0.0.1:0)
	done
	rm -f "$dir/sink.ports"
	"$PF_PYTHON" "$PF_LIB_DIR/smtp_sink.py" --script "$SINK_SCRIPT" \
	    --log "$SINK_LOG" "${args[@]}" --port-file "$dir/sink.ports" \
	    --timeout "${SINK_TIMEOUT:-600}" >"$dir/sink.stderr" 2>&1 &
	SINK_PID=$!
	for ((t = 0; t < 100; t++)); do
		[ -s "$dir/sink.ports" ] && break
		kill -0 "$SINK_PID" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -s "$dir/sink.ports" ]; then
		cat "$dir/sink.stderr" >&2
		echo "sink did not start" >&2
		return 1
	fi
	mapfile -t SINK_PORTS <"$dir/sink.ports"
}

# sink_script FILE: replace the sink's script atomically (the sink
# re-reads it at the next connection or MAIL FROM).
sink_script() {
	cp "$1" "$SINK_SCRIPT.new"
	mv -f "$SINK_SCRIPT.new" "$SINK_SCRIPT"
	[ -z "$SINK_PID" ] || kill -HUP "$SINK_PID" 2>/dev/null || true
}

sink_stop() {
	[ -n "$SINK_PID" ] || return 0
	kill "$SINK_PID" 2>/dev/null || true
	wait "$SINK_PID" 2>/dev/null || true
	SINK_PID=
}

# pf_init DIR RELAYPORT: write a private instance under DIR relaying all
# mail to [127.0.0.1]:RELAYPORT, with short retry and queue-lifetime
# timers (override with pf_conf).
pf_init() {
	PF_DIR=$1
	PF_CONF=$PF_DIR/etc
	PF_SPOOL=$PF_DIR/spool
	PF_LOG=$PF_DIR/postfix.log
	mkdir -p "$PF_CONF" "$PF_SPOOL" "$PF_DIR/data"
	chmod 0755 "$PF_DIR"
	# The daemons need to traverse the test's mktemp -d (0700) directory.
	case $(dirname "$PF_DIR") in
	/ | /tmp | /var/tmp) ;;
	*) chmod go+x "$(dirname "$PF_DIR")" ;;
	esac
	chown postfix "$PF_DIR/data"
	: >"$PF_DIR/transport.inline"
	cat >"$PF_CONF/main.cf" <<EOF
# Private bouncestat test instance (tests/integration/lib/postfix_env.sh).
compatibility_level = 3.6
queue_directory = $PF_SPOOL
data_directory = $PF_DIR/data
myhostname = mta.bs.test
mydomain = bs.test
myorigin = \$myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = loopback-only
inet_protocols = ipv4
master_service_disable = inet
relayhost = [127.0.0.1]:$2
smtp_tls_security_level = none
smtp_dns_support_level = disabled
smtp_connect_timeout = 5s
smtp_helo_timeout = 20s
maillog_file = $PF_LOG
maillog_file_prefixes = $PF_DIR
queue_run_delay = 3s
minimal_backoff_time = 3s
maximal_backoff_time = 6s
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 1h
delay_warning_time = 0
default_destination_concurrency_limit = 4
notify_classes =
biff = no
EOF
	cat >"$PF_CONF/master.cf" <<'EOF'
# service type private unpriv chroot wakeup maxproc command
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# pf_conf 'name = value'...: set main.cf parameters (before or after
# pf_start; after, call pf_reload).
pf_conf() {
	local kv
	for kv in "$@"; do
		postconf -c "$PF_CONF" -e "$kv"
	done
}

# pf_route DOMAIN PORT: deliver DOMAIN to [127.0.0.1]:PORT instead of the
# relayhost, so each domain gets its own queue (a throttled or dead
# destination then does not hold up the others).
pf_route() {
	local m=
	echo "$1=smtp:[127.0.0.1]:$2" >>"$PF_DIR/transport.inline"
	m=$(paste -sd, "$PF_DIR/transport.inline")
	pf_conf "transport_maps = inline:{$m}"
}

pf_master_pid() {
	local f=$PF_SPOOL/pid/master.pid pid
	[ -s "$f" ] || return 1
	pid=$(tr -dc 0-9 <"$f")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# pf_start: check and start the instance, or exit 77 when Postfix cannot
# run here at all.
pf_start() {
	local t
	if ! postfix -c "$PF_CONF" check >"$PF_DIR/check.out" 2>&1; then
		cat "$PF_DIR/check.out" >&2
		pf_skip "postfix check failed for the private instance"
	fi
	if ! postfix -c "$PF_CONF" start >"$PF_DIR/start.out" 2>&1; then
		cat "$PF_DIR/start.out" "$PF_LOG" >&2 2>/dev/null || true
		pf_skip "cannot start a private Postfix instance"
	fi
	PF_STARTED=1
	for ((t = 0; t < 100; t++)); do
		pf_master_pid >/dev/null && grep -q 'daemon started' \
		    "$PF_LOG" 2>/dev/null && return 0
		sleep 0.1
	done
	cat "$PF_LOG" >&2 2>/dev/null || true
	pf_skip "private Postfix did not come up"
}

pf_reload() {
	postfix -c "$PF_CONF" reload >/dev/null 2>&1
}

# pf_send [-f SENDER] [-s SUBJECT] RCPT...: submit one message to all RCPTs
# through the instance's sendmail (postdrop into its maildrop).
pf_send() {
	local from=sender@bs.test subj="bouncestat test"
	while [ $# -gt 0 ]; do
		case $1 in
		-f) from=$2; shift 2 ;;
		-s) subj=$2; shift 2 ;;
		*) break ;;
		esac
	done
	printf 'From: <%s>\nTo: <%s>\nSubject: %s\n\nTest message.\n.dot-stuffed line\n' \
	    "$from" "$1" "$subj" |
	    MAIL_CONFIG=$PF_CONF sendmail -C "$PF_CONF" -i -f "$from" -- "$@"
}

# pf_queue_count: messages still anywhere in the queue (maildrop included).
pf_queue_count() {
	local d n=0
	for d in maildrop incoming active deferred hold; do
		[ -d "$PF_SPOOL/$d" ] || continue
		n=$((n + $(find "$PF_SPOOL/$d" -type f | wc -l)))
	done
	echo "$n"
}

# pf_wait_queue_empty SECS: 0 when the queue empties within SECS.
pf_wait_queue_empty() {
	local end=$((SECONDS + $1))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(pf_queue_count)" -eq 0 ] && return 0
		sleep 0.5
	done
	return 1
}

# pf_wait_log ERE COUNT SECS: 0 when the mail log has COUNT lines matching
# ERE within SECS.
pf_wait_log() {
	local end=$((SECONDS + $3)) n
	while [ "$SECONDS" -lt "$end" ]; do
		n=$(grep -cE -- "$1" "$PF_LOG" 2>/dev/null || true)
		[ "${n:-0}" -ge "$2" ] && return 0
		sleep 0.5
	done
	return 1
}

# pf_flush: attempt delivery of all deferred mail now.
pf_flush() {
	postqueue -c "$PF_CONF" -f
}

# pf_logrotate: Postfix's own maillog_file rotation (rename to
# postfix.log.YYYYMMDD-HHMMSS, compress with maillog_file_compressor,
# reopen).
pf_logrotate() {
	postfix -c "$PF_CONF" logrotate >/dev/null 2>&1
}

# pf_stop: stop the instance and wait for its master to exit.
pf_stop() {
	local pid t
	[ "$PF_STARTED" = 1 ] || return 0
	pid=$(pf_master_pid) || pid=
	postfix -c "$PF_CONF" stop >/dev/null 2>&1 || true
	if [ -n "$pid" ]; then
		for ((t = 0; t < 100; t++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			postfix -c "$PF_CONF" abort >/dev/null 2>&1 || true
			sleep 0.5
			kill -9 "$pid" 2>/dev/null || true
		fi
	fi
	PF_STARTED=0
}

# pf_cleanup: for the EXIT trap: stop Postfix and the sink.
pf_cleanup() {
	pf_stop
	sink_stop
}
