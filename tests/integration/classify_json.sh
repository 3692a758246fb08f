#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# End to end: `bouncestat classify --format json -` prints exactly one JSON
# object per input line (python3's json module), carrying the input line,
# class, evidence, why, code, enhanced status, wrapper, meaning and action,
# so that results can be matched to inputs; wrapped replies are taken out
# of their wrapper; a bare text with no code and no known phrase is
# "unknown"; hostile bytes come back escaped; the text mode explains the
# decision in one "why:" line; exit codes.
#
# The replies follow the shapes of tests/data/replies (Postfix "said:",
# Exim "SMTP error from remote mail server", Exchange "Remote Server
# returned", Swift Mailer and smtplib errors); hosts and IPs are made up.
set -eu

: "${BOUNCESTAT:?}"
: "${BS_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
# shellcheck source=lib/postfix_env.sh
. "$BS_SRC/tests/integration/lib/postfix_env.sh"	# fail, bs_dump, bs_finish
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bs_classify.XXXXXX")
T=$tmp
on_exit() {
	local rc=$?

	[ "$rc" -eq 0 ] || bs_dump "$T"/*.out "$T"/*.err "$T/in.txt"
	bs_finish "$rc"
}
trap on_exit EXIT

rules=$T/rules.d
mkdir "$rules"

{
	echo 'host mx.example.com[192.0.2.7] said: 550 5.1.1 <u@example.com>: Recipient address rejected: User unknown (in reply to RCPT TO command)'
	echo 'SMTP error from remote mail server after RCPT TO:<u@example.net>: host mx.example.net [192.0.2.9]: 452 4.2.2 The email account that you tried to reach is over quota'
	echo "Remote Server returned '550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.'"
	echo 'Expected response code 250 but got code "421", with message "421 4.7.0 mail.example.org Error: too many connections from 192.0.2.33"'
	echo "smtplib.SMTPRecipientsRefused: {'u@example.org': (550, b'relay not permitted')}"
	echo 'Message could not be processed at this time'
	echo ''
	printf '550 5.7.1 \033[31mred\033[0m "quoted" \\ back\n'
	echo '452 收件人邮箱空间不足'
	echo '421 4.7.0 Try again later KDnafW00FfJCoqQInJKRff--.41542S2'
} >"$T/in.txt"
lines=$(wc -l <"$T/in.txt")

"$BOUNCESTAT" classify --rules "$rules" --format json - <"$T/in.txt" \
    >"$T/json.out" 2>"$T/json.err" || fail "classify - exited $?"

python3 - "$T/in.txt" "$T/json.out" "$lines" <<'EOF' || fail "json check"
import json, sys
inp = open(sys.argv[1], encoding="utf-8").read().split("\n")[:-1]
out = open(sys.argv[2], encoding="utf-8").read().split("\n")
assert out[-1] == "", "output does not end with a newline"
out = out[:-1]
n = int(sys.argv[3])
assert len(inp) == n and len(out) == n, (len(inp), len(out), n)
objs = [json.loads(l) for l in out]
for i, (line, o) in enumerate(zip(inp, objs)):
    assert o["input"] == line, (i, o["input"], line)
    for k in ("class", "permanent", "rule", "evidence", "why", "code",
              "enhanced", "wrapper", "reply", "meaning", "action"):
        assert k in o, (i, k)
    assert isinstance(o["why"], str) and o["why"], (i, o)
want = [
    ("user_unknown", 550, "5.1.1", "postfix"),
    ("mailbox_full", 452, "4.2.2", "exim"),
    ("blacklisted", 550, "5.7.708", "exchange"),
    ("rate_limited", 421, "4.7.0", "client"),
    ("relay_denied", 550, None, "client"),
    ("unknown", None, None, "none"),
    ("unknown", None, None, "none"),
    (None, 550, "5.7.1", "none"),
    ("mailbox_full", 452, None, "none"),
    (None, 421, "4.7.0", "none"),
]
for i, (cls, code, enh, wrapper) in enumerate(want):
    o = objs[i]
    if cls is not None:
        assert o["class"] == cls, (i, o)
    assert o["code"] == code, (i, o)
    assert o["enhanced"] == enh, (i, o)
    assert o["wrapper"] == wrapper, (i, o)
assert objs[0]["evidence"] == "phrase" and objs[0]["meaning"], objs[0]
assert objs[2]["evidence"] == "token", objs[2]
assert objs[2]["reply"].startswith("550 5.7.708"), objs[2]
assert objs[5]["rule"] is None and objs[5]["evidence"] is None, objs[5]
assert "no reply code" in objs[5]["why"], objs[5]
assert "\x1b[31mred" in objs[7]["input"], objs[7]
# an id is read masked, and "read" says so; where none is, no "read"
assert objs[9]["read"] == "421 4.7.0 Try again later " + "x" * 22 + \
    "--.41542S2", objs[9]
assert all("read" not in o for o in objs[:9]), objs[:9]
EOF
grep -q $'\033' "$T/json.out" && fail "raw escape byte in JSON output"

# Text mode: one explanation with a "why:" line and the extracted reply.
"$BOUNCESTAT" classify --rules "$rules" \
    "host mx.example.com[192.0.2.7] said: 550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org" \
    >"$T/text.out" 2>"$T/text.err" || fail "classify TEXT exited $?"
grep -q '^class: *blacklisted (permanent)$' "$T/text.out" || fail "text class"
grep -q '^why: *decided by ' "$T/text.out" || fail "text why"
grep -q '^wrapper: *postfix$' "$T/text.out" || fail "text wrapper"
grep -q '^reply: *550 5.7.1 Service unavailable' "$T/text.out" ||
    fail "text reply"
grep -q '^input: *host mx.example.com' "$T/text.out" || fail "text input"
grep -q '^dnsbl: *zen.spamhaus.org$' "$T/text.out" || fail "text dnsbl"
grep -q '^read as:' "$T/text.out" && fail "text read as, no id"
"$BOUNCESTAT" classify --rules "$rules" "421 4.7.0 Try again KDnafW00FfJCoqQInJKRff" \
    >"$T/text2.out" 2>"$T/text2.err" || fail "classify TEXT exited $?"
grep -q '^read as: *421 4.7.0 Try again x\{22\}$' "$T/text2.out" ||
    fail "text read as"

# TSV mode keeps one line per input line too.
"$BOUNCESTAT" classify --rules "$rules" - <"$T/in.txt" >"$T/tsv.out" \
    2>"$T/tsv.err" || fail "classify - (tsv) exited $?"
[ "$(wc -l <"$T/tsv.out")" -eq "$lines" ] || fail "tsv line count"

# Usage errors exit 2.
rc=0
"$BOUNCESTAT" classify --format yaml - </dev/null >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "bad format exit $rc"
rc=0
"$BOUNCESTAT" classify >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "no text exit $rc"

echo "ok: classify json, text, tsv and exit codes"
