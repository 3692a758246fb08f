#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# contrib/hooks/postfix-throttle run by `bouncestat alert --exec` on the
# contrib sample log: when qq.com's throttling opens (07:20Z) its lines
# appear in the transport map, which the real `postmap` (Debian's
# postfix) compiles and answers for; the Spamhaus incident changes
# nothing; when it resolves (08:30Z) they go, other lines stay. `postfix
# reload` is a recording stand-in (no Postfix runs here). A key that is
# not a domain name is refused.
set -eu

: "${BOUNCESTAT:?}"
: "${BS_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
command -v postmap >/dev/null || [ -x /usr/sbin/postmap ] ||
    { echo "SKIP: no postmap" >&2; exit 77; }
POSTMAP_BIN=$(command -v postmap || echo /usr/sbin/postmap)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	for f in "$tmp"/*.err "$tmp/transport" "$tmp/calls"; do
		[ -s "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }
	done
	exit 1
}

HOOK=$BS_SRC/contrib/hooks/postfix-throttle
export BOUNCESTAT_DB="$tmp/bs.db" TZ=UTC
# The host's /etc/bouncestat/bouncestat.conf is not this test's.
: >"$tmp/empty.conf"
mkdir "$tmp/pf"
: >"$tmp/pf/main.cf"
cat >"$tmp/postfix" <<EOT
#!/bin/sh
echo "postfix \$*" >>"$tmp/calls"
EOT
chmod +x "$tmp/postfix"
export BS_TRANSPORT_MAP="$tmp/transport"
export BS_POSTMAP="$POSTMAP_BIN -c $tmp/pf"
export BS_POSTFIX="$tmp/postfix"
printf 'example.com\trelay:[smtp.example.net]\n' >"$tmp/transport"
q() { $BS_POSTMAP -q "$1" "hash:$tmp/transport" || true; }

"$BOUNCESTAT" import -c "$tmp/empty.conf" "$BS_SRC/contrib/sample/mail.log" >/dev/null 2>&1 ||
    fail "import"
"$BOUNCESTAT" alert -c "$tmp/empty.conf" --now 2026-11-22T07:20:00Z --exec "$HOOK" \
    2>"$tmp/a1.err" || fail "alert at 07:20"
[ "$(q qq.com)" = bsslow: ] || fail "qq.com not routed to bsslow"
[ "$(q .qq.com)" = bsslow: ] || fail ".qq.com not routed to bsslow"
[ "$(q example.com)" = 'relay:[smtp.example.net]' ] || fail "other line lost"
[ "$(grep -c . "$tmp/transport")" -eq 3 ] || fail "want 3 lines"
[ "$(grep -c '^postfix reload$' "$tmp/calls")" -eq 1 ] ||
    fail "want one reload (the dnsbl incident changes nothing)"

"$BOUNCESTAT" alert -c "$tmp/empty.conf" --now 2026-11-22T08:30:00Z --exec "$HOOK" \
    2>"$tmp/a2.err" || fail "alert at 08:30"
[ -z "$(q qq.com)" ] || fail "qq.com still routed after the resolution"
[ "$(q example.com)" = 'relay:[smtp.example.net]' ] || fail "other line lost"
[ "$(grep -c . "$tmp/transport")" -eq 1 ] || fail "want 1 line"
[ "$(grep -c '^postfix reload$' "$tmp/calls")" -eq 2 ] || fail "want 2 reloads"

# A key that is no domain name never reaches the map.
rc=0
BOUNCESTAT_KIND=rate_limited BOUNCESTAT_EVENT=opened \
    BOUNCESTAT_KEY=$'x.com\tsmtp:[evil]\nqq.com' "$HOOK" 2>/dev/null || rc=$?
[ $rc -eq 1 ] || fail "hostile key accepted (exit $rc)"
[ "$(grep -c . "$tmp/transport")" -eq 1 ] || fail "map changed"
echo "PASS: hook_postfix_throttle"
