# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Helpers for the DNSBL tests (sourced after daemon_lib.bash; not a test
# itself): a dnsmasq of the test's own on 127.0.0.1 and a free port, with
# a private configuration (no resolv.conf, no hosts file, nothing
# forwarded but to the test's black hole), and a black-hole UDP responder
# that reads queries and never answers (the timing-out zone).

DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
[ -x "$DNSMASQ" ] || { echo "SKIP: no dnsmasq (contrib/install-deps.sh --ci)"; exit 77; }
DNS_PID=
BH_PID=

free_port() {
	python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# blackhole_start: a UDP socket on 127.0.0.1 that swallows queries;
# BH_PORT is its port.
blackhole_start() {
	python3 -u -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
while True:
    s.recvfrom(4096)' >"$T/bh.port" &
	BH_PID=$!
	BG_PIDS+=("$BH_PID")
	for _ in $(seq 1 50); do
		[ -s "$T/bh.port" ] && break
		sleep 0.1
	done
	BH_PORT=$(cat "$T/bh.port")
	[ -n "$BH_PORT" ] || fail "black hole did not start"
}

# dns_start CONFIG_LINES...: (re)starts dnsmasq on DNS_PORT with the
# given records; every other name is NXDOMAIN (server=/#/: local only),
# or with DNS_REFUSE=1 refused (dnsmasq has no server to ask: REFUSED).
dns_start() {
	dns_stop
	: "${DNS_PORT:=$(free_port)}"
	{
		echo "port=$DNS_PORT"
		echo "listen-address=127.0.0.1"
		echo "bind-interfaces"
		echo "no-resolv"
		echo "no-hosts"
		echo "no-poll"
		echo "log-facility=$T/dnsmasq.log"
		printf '%s\n' "$@"
		[ "${DNS_REFUSE:-0}" = 1 ] || echo "server=/#/"
	} >"$T/dnsmasq.conf"
	"$DNSMASQ" --keep-in-foreground -C "$T/dnsmasq.conf" \
	    --pid-file="$T/dnsmasq.pid" 2>>"$T/dnsmasq.err" &
	DNS_PID=$!
	BG_PIDS+=("$DNS_PID")
	for _ in $(seq 1 50); do
		if python3 - "$DNS_PORT" <<'PY' 2>/dev/null; then return 0; fi
import socket, sys
q = bytes.fromhex("1234010000010000000000000474657374000001 0001".replace(" ", ""))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.2)
s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
s.recvfrom(512)
PY
		kill -0 "$DNS_PID" 2>/dev/null ||
		    { cat "$T/dnsmasq.err" >&2; fail "dnsmasq exited"; }
		sleep 0.1
	done
	fail "dnsmasq does not answer on port $DNS_PORT"
}

dns_stop() {
	if [ -n "$DNS_PID" ]; then
		kill "$DNS_PID" 2>/dev/null || true
		wait "$DNS_PID" 2>/dev/null || true
		DNS_PID=
	fi
}

# wait_log_n PATTERN COUNT [SECS]: until the daemon log has COUNT lines
# matching PATTERN.
wait_log_n() {
	local pat=$1 want=$2 secs=${3:-20} i

	for i in $(seq 1 $((secs * 10))); do
		[ "$(grep -c -- "$pat" "$DLOG" || true)" -ge "$want" ] &&
		    return 0
		kill -0 "$DPID" 2>/dev/null || fail "the daemon exited"
		sleep 0.1
	done
	fail "no $want x '$pat' in the daemon log after ${secs}s"
}
