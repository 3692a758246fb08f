#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# "Never silently nothing" in the daemon: a followed file whose lines look
# like delivery results but give none (here Postfix lines wrapped in
# rsyslog's "message repeated" form and a malformed one) is named in one
# warning, with the first such line and its reason, however many batches
# it takes; a followed file with deliveries (Solaris/illumos "[ID n
# mail.info]" tags, the sample of issue 13) counts them and is not named.
. "$(dirname "$0")/daemon_lib.bash"

SILENT=$T/silent.log
GOOD=$T/solaris.log
write_conf
cat >"$SILENT" <<'LOG'
Nov 24 05:00:11 mx1 postfix/smtp[3001]: message repeated 2 times: [ 7C1D2E3F40: to=<gus@example.net>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to mx.example.net[192.0.2.40]:25: Connection refused)]
LOG
cp "$BS_SRC/tests/data/postfix/solaris.log" "$GOOD"

daemon_start --follow "$SILENT" --follow "$GOOD"
wait_events 2 # the two Postfix deferrals (sent ones are counts, not rows)
echo 'Nov 24 05:00:12 mx1 postfix/smtp[3001]: 7C1D2E3F41: to=<hal@example.net>, status=deferred' >>"$SILENT"
sleep 1.5
n=$(grep -c "no delivery result" "$DLOG" || true)
[ "$n" = 1 ] || fail "want one warning, got $n"
grep -q "input: $SILENT: no delivery result.*reason=repeated" "$DLOG" ||
    fail "warning without the file or the reason"
! grep -q "$GOOD: no delivery result" "$DLOG" || fail "warned about $GOOD"
daemon_stop
echo "ok: one warning for the silent file, none for the Solaris one"
