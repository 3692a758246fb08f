#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# The DNSBL self-check against a dnsmasq of the test's own: listed
# (Spamhaus ZEN 127.0.0.2 and a muted UCEPROTECT level 2 listing),
# refused (ZEN's 127.255.255.254 public-resolver answer), timing out (an
# operator list whose zone dnsmasq forwards to a black hole) and not
# listed (NXDOMAIN everywhere else). Incidents open at the listing,
# resolve when dnsmasq (restarted with other records) stops listing, open
# again, and a reply naming the same list and IP joins that incident
# instead of opening a second one. `dnsbl-check` prints the same answers
# and exits 1 when listed, 0 when not. `status` shows it all.
. "$(dirname "$0")/daemon_lib.bash"
. "$(dirname "$0")/dnsbl_lib.bash"

LISTED="host-record=1.2.0.192.zen.spamhaus.org,127.0.0.2
host-record=1.2.0.192.dnsbl-2.uceprotect.net,127.0.0.2
host-record=2.2.0.192.zen.spamhaus.org,127.255.255.254
host-record=5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.spamhaus.org,127.0.0.4"
CLEAN="host-record=2.2.0.192.zen.spamhaus.org,127.255.255.254"

blackhole_start
: >"$T/empty.conf" # not /etc/bouncestat's
mkdir "$T/lists.d"
cat >"$T/lists.d/test.lists" <<LISTS
list       slow.test
name       A list that never answers
listed     127.0.0.2 slow: listed
LISTS
# shellcheck disable=SC2086
dns_start $LISTED "server=/slow.test/127.0.0.1#$BH_PORT"

echo "== dnsbl-check (no daemon)"
rc=0
"$BOUNCESTAT" dnsbl-check -c "$T/empty.conf" --resolver "127.0.0.1:$DNS_PORT" --timeout 300ms \
    --lists "$T/lists.d" --format json 192.0.2.1 192.0.2.2 192.0.2.3 \
    >"$T/check.json" || rc=$?
[ "$rc" = 1 ] || fail "dnsbl-check exited $rc with a listing, want 1"
q() { jq -r "[.results[] | select(.ip == \"$1\" and .list == \"$2\")][0] | .result + \" \" + .answer" "$T/check.json"; }
[ "$(q 192.0.2.1 zen.spamhaus.org)" = "listed 127.0.0.2" ] || fail "zen 192.0.2.1: $(q 192.0.2.1 zen.spamhaus.org)"
[ "$(q 192.0.2.2 zen.spamhaus.org)" = "error 127.255.255.254" ] || fail "zen refused: $(q 192.0.2.2 zen.spamhaus.org)"
[ "$(q 192.0.2.3 slow.test)" = "error timeout" ] || fail "slow.test: $(q 192.0.2.3 slow.test)"
[ "$(q 192.0.2.3 bl.spamcop.net)" = "not_listed -" ] || fail "spamcop: $(q 192.0.2.3 bl.spamcop.net)"
[ "$(q 192.0.2.1 dnsbl-2.uceprotect.net)" = "listed 127.0.0.2" ] || fail "uce2"
# IPv6: nibbles (RFC 5782), asked of the lists that list IPv6 only.
rc=0
"$BOUNCESTAT" dnsbl-check -c "$T/empty.conf" --resolver "127.0.0.1:$DNS_PORT" \
    --timeout 300ms --format json 2001:db8::25 >"$T/check6.json" || rc=$?
[ "$rc" = 1 ] || fail "dnsbl-check of a listed IPv6 address exited $rc"
jq -e '[.results[] | select(.list == "zen.spamhaus.org")][0] | .result == "listed" and (.meaning | test("XBL"))' "$T/check6.json" >/dev/null || fail "IPv6 on zen: $(jq -c '.results[0]' "$T/check6.json")"
jq -e '[.results[] | select(.list == "bl.spamcop.net")] | length == 0' "$T/check6.json" >/dev/null || fail "an IPv4-only list was asked about IPv6"
jq -e '[.results[] | select(.list == "dnsbl-2.uceprotect.net")][0].actionable == false' "$T/check.json" >/dev/null || fail "uce2 not muted"
jq -r '.results[] | select(.result != "not_listed") | [.ip, .list, .result, .answer, .meaning] | @tsv' "$T/check.json"
"$BOUNCESTAT" dnsbl-check -c "$T/empty.conf" --resolver "127.0.0.1:$DNS_PORT" --timeout 300ms \
    192.0.2.9 >"$T/check.txt" || fail "dnsbl-check of a clean IP exited $?"
grep -q '^192.0.2.9 ' "$T/check.txt" || fail "no text table"
# A resolver that answers REFUSED: an error, never "not listed".
DNS_REFUSE=1 dns_start "host-record=9.2.0.192.zen.spamhaus.org,127.0.0.2"
rc=0
"$BOUNCESTAT" dnsbl-check -c "$T/empty.conf" --resolver "127.0.0.1:$DNS_PORT" \
    --timeout 300ms --format json 192.0.2.9 >"$T/check.json" || rc=$?
[ "$rc" = 1 ] || fail "dnsbl-check exited $rc"
[ "$(q 192.0.2.9 bl.spamcop.net)" = "error refused" ] || fail "REFUSED: $(q 192.0.2.9 bl.spamcop.net)"
[ "$(q 192.0.2.9 zen.spamhaus.org)" = "listed 127.0.0.2" ] || fail "zen next to REFUSED"
# shellcheck disable=SC2086
dns_start $LISTED "server=/slow.test/127.0.0.1#$BH_PORT"
rc=0
"$BOUNCESTAT" dnsbl-check -c "$T/empty.conf" bogus >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "dnsbl-check of a non-IP exited $rc, want 2"

echo "== the daemon"
touch "$T/mail.log"
echo "$(date +%s)" >"$T/clock"
export BOUNCESTAT_TEST_CLOCK=$T/clock
write_conf "follow $T/mail.log
check_ip 192.0.2.1
check_ip 192.0.2.2
check_ip 192.0.2.3
dnsbl_resolver 127.0.0.1:$DNS_PORT
dnsbl_timeout 300ms
dnsbl_dir $T/lists.d"
daemon_start
wait_log_n 'dnsbl: checked' 1
grep 'dnsbl:' "$DLOG"

incs() { # the dnsbl incidents: key ip state providers
	"$BOUNCESTAT" incidents -c "$CONF" --db "$DB" --no-detect --since all \
	    --kind dnsbl --format json |
	    jq -r '.[] | [.id, .key, .listed_ip, .state, .providers] | @tsv'
}
incs | tee "$T/inc1"
[ "$(wc -l <"$T/inc1")" = 1 ] || fail "want one dnsbl incident (muted and refused open none)"
grep -q $'zen.spamhaus.org\t192.0.2.1\topen\tself-check' "$T/inc1" || fail "no open zen incident"
"$BOUNCESTAT" status -c "$CONF" --db "$DB" --format json >"$T/status.json" || true
jq -e '.dnsbl.ips == ["192.0.2.1","192.0.2.2","192.0.2.3"]' "$T/status.json" >/dev/null || fail "status: ips: $(jq -c .dnsbl.ips "$T/status.json")"
jq -e '.dnsbl.listed == 2 and .dnsbl.errors == 4' "$T/status.json" >/dev/null || fail "status: $(jq -c '.dnsbl | del(.answers)' "$T/status.json")"
"$BOUNCESTAT" status -c "$CONF" --db "$DB" | grep -E '^dnsbl|^  ' | head -8
"$BOUNCESTAT" alert -c "$CONF" --db "$DB" --no-detect --dry-run >"$T/alert.txt"
grep -q 'https://check.spamhaus.org/' "$T/alert.txt" || fail "the alert has no delisting link"
grep -q 'SBL' "$T/alert.txt" || fail "the alert does not say what the listing means"

echo "== delisted"
# shellcheck disable=SC2086
dns_start $CLEAN "server=/slow.test/127.0.0.1#$BH_PORT"
kill -HUP "$DPID"
wait_log_n 'dnsbl: checked' 2
incs | tee "$T/inc2"
grep -q $'zen.spamhaus.org\t192.0.2.1\tresolved' "$T/inc2" || fail "not resolved when delisted"

echo "== listed again, then named by a reply"
# shellcheck disable=SC2086
dns_start $LISTED "server=/slow.test/127.0.0.1#$BH_PORT"
kill -HUP "$DPID"
wait_log_n 'dnsbl: checked' 3
echo "$(date -u +%Y-%m-%dT%H:%M:%S)+00:00 mx postfix/smtp[9]: 0AAAAAAA01: to=<u@example.net>, relay=mx.example.net[203.0.113.9]:25, delay=1, delays=0/0/0/1, dsn=5.7.1, status=bounced (host mx.example.net[203.0.113.9] said: 554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1 (in reply to RCPT TO command))" >>"$T/mail.log"
wait_events 1
# Let the detector (under the test clock: every 0.2 s) see the reply.
echo $(( $(date +%s) + 120 )) >"$T/clock"
for _ in $(seq 1 50); do
	incs >"$T/inc3"
	grep -q $'192.0.2.1\topen\texample.net' "$T/inc3" && break
	sleep 0.2
done
cat "$T/inc3"
[ "$(grep -c $'\topen\t' "$T/inc3")" = 1 ] || fail "one listing seen two ways is not one open incident"
grep -q $'zen.spamhaus.org\t192.0.2.1\topen\texample.net' "$T/inc3" || fail "the reply did not join the self-check's incident"
# The self-check also asks about an IP that only a reply named
# (dnsbl_named), and the listing stays one incident at the next check.
echo "$(date -u +%Y-%m-%dT%H:%M:%S)+00:00 mx postfix/smtp[9]: 0AAAAAAA02: to=<v@example.net>, relay=mx.example.net[203.0.113.9]:25, delay=1, delays=0/0/0/1, dsn=5.7.1, status=bounced (host mx.example.net[203.0.113.9] said: 554 5.7.1 Service unavailable; Client host [192.0.2.50] blocked using bl.spamcop.net (in reply to RCPT TO command))" >>"$T/mail.log"
wait_events 2
kill -HUP "$DPID"
wait_log_n 'dnsbl: checked' 4
grep 'dnsbl: checking' "$DLOG" | tail -1 | grep -q 'checking 4 IPs' ||
    fail "the IP named by a reply is not checked: $(grep 'dnsbl: checking' "$DLOG" | tail -1)"
"$BOUNCESTAT" status -c "$CONF" --db "$DB" --format json |
    jq -e '.dnsbl.ips | index("192.0.2.50")' >/dev/null ||
    fail "status does not show the reply-named IP"
incs >"$T/inc4"
[ "$(grep -c $'zen.spamhaus.org\t192.0.2.1\topen' "$T/inc4")" = 1 ] || { cat "$T/inc4"; fail "a second incident at the next check"; }
daemon_stop
echo "dnsbl_selfcheck: OK"
