#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# The systemd notification protocol (Type=notify, sd_notify(3) without
# libsystemd): with $NOTIFY_SOCKET set, the daemon sends READY=1 once it
# follows its files, RELOADING=1 (with MONOTONIC_USEC) then READY=1 around
# a SIGHUP reload, and STOPPING=1 on SIGTERM; with a filesystem socket and
# with an abstract one ("@name").
. "$(dirname "$0")/daemon_lib.bash"

F=$T/mail.log
write_conf
line 1 --count 5 >"$F"

for kind in path abstract; do
	if [ "$kind" = path ]; then
		sock=$T/notify.sock
	else
		sock=@bs-test-notify-$$
	fi
	python3 - "$sock" "$T/notify.$kind" <<'EOF' &
import socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + path[1:] if path.startswith("@") else path)
open(out + ".ready", "w").close()
s.settimeout(20)
with open(out, "w") as f:
    while True:
        msg = s.recv(4096).decode()
        f.write(msg.replace("\n", " ") + "\n")
        f.flush()
        if "STOPPING=1" in msg:
            break
EOF
	BG_PIDS+=($!)
	for i in $(seq 1 50); do
		[ -e "$T/notify.$kind.ready" ] && break
		sleep 0.1
	done
	NOTIFY_SOCKET=$sock daemon_start --follow "$F"
	wait_events 5
	kill -HUP "$DPID"
	sleep 0.5
	daemon_stop
	wait "${BG_PIDS[-1]}" || fail "$kind: notifications not all received"
	sed 's/MONOTONIC_USEC=[0-9]*/MONOTONIC_USEC=N/' "$T/notify.$kind" \
	    >"$T/got"
	printf '%s\n' "READY=1" "RELOADING=1 MONOTONIC_USEC=N" "READY=1" \
	    "STOPPING=1" >"$T/want"
	diff -u "$T/want" "$T/got" || fail "$kind: notifications"
done
echo "ok"
