#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Incidents and alert mail end to end: a generated Postfix log with a
# throttling episode (NetEase 421 HL:ICC, with suspended repeats after it
# that must not prolong it) and a DNSBL listing reported by two receivers
# is imported; `incidents` must show exactly those two, with the right
# keys and start times; `alert` with a failing mailer must mark nothing;
# `alert` with a capturing mailer must deliver one well-formed message
# (parsed back with Python's email package), in which reply text full of
# CR, ANSI and OSC escapes injects no header and no control character; a
# second `alert` must send nothing.
#
# The log lines follow real Postfix 3.x formats (as in the kumina
# postfix_exporter sample log): "to=<...>, relay=host[ip]:25, delay=...,
# delays=a/b/c/d, dsn=X.Y.Z, status=... (host X[ip] said: ...)", "refused
# to talk to me:", and postfix/error "delivery temporarily suspended:"
# repeats; RFC 3339 stamps as Debian 12's rsyslog writes them.
set -eu

: "${BOUNCESTAT:?}"
command -v python3 >/dev/null || { echo "SKIP: no python3" >&2; exit 77; }

tmp=$(mktemp -d)
cleanup() { rm -rf "$tmp"; }
fail() {
	echo "FAIL: $*" >&2
	for f in "$tmp"/*.out "$tmp"/*.err; do
		[ -s "$f" ] && { echo "--- $f" >&2; head -c 6000 "$f" >&2; }
	done
	exit 1
}
trap cleanup EXIT

export BOUNCESTAT_DB="$tmp/bs.db"
export TZ=UTC

# The log: four hours up to the current minute.
python3 - "$tmp/mail.log" "$tmp/times" <<'EOF'
import random
import sys
import time

now = int(time.time())
base = now // 60 * 60 - 240 * 60
rnd = random.Random(7)
out = []
qid = [0x1000]

def stamp(t):
    return (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) +
            ".%06d+00:00" % rnd.randrange(1000000))

def smtp(t, rcpt, host, dsn, status, text, prog="postfix/smtp"):
    qid[0] += 1
    line = ("%s mail %s[%d]: %010X: to=<%s>, relay=%s, delay=0.5, "
            "delays=0.1/0/0.2/0.2, dsn=%s, status=%s (%s)" %
            (stamp(t), prog, 2000 + qid[0] % 700, qid[0], rcpt, host, dsn,
             status, text))
    out.append((t, line.encode("utf-8", "surrogateescape")))

NE = "163mx01.mxmail.netease.com[220.181.14.135]"
NET = "mx.example.net[198.51.100.10]"
ORG = "mx.example.org[198.51.100.20]"
GM = "gmail-smtp-in.l.google.com[142.250.1.27]"

def icc(i, hostile=False):
    token = "QMCowACXR8vZq2Jl1dEFAA--.%dS2" % (41521 + i)
    if hostile:
        # CR, a fake header, ANSI colour and clear-screen, an OSC title.
        # (No LF: it would end the log line.)
        token = ("\x1b[31m" + token + "\x1b[0m\rBcc: victim@example.com"
                 "\r\x1b[2J\x1b]0;pwned\x07")
    return ("refused to talk to me: 421 HL:ICC 163 mx21,%s %d "
            "http://mail.163.com/help/help_spam_16.htm?ip=203.0.113.25"
            "&hostid=mx21&time=%d" % (token, 1700000000 + i, 1700000000 + i))

def sent(t, rcpt, host):
    smtp(t, rcpt, host + ":25", "2.0.0", "sent",
         "250 2.0.0 Ok: queued as %X" % rnd.randrange(1 << 40))

for m in range(240):
    t0 = base + m * 60
    sent(t0 + 1, "anna%d@163.com" % m, NE)
    sent(t0 + 3, "bob%d@example.net" % m, NET)
    sent(t0 + 5, "carl%d@example.org" % m, ORG)
    sent(t0 + 7, "dora%d@gmail.com" % m, GM)
    if m == 20:  # one stray reply: no incident
        smtp(t0 + 9, "stray@163.com", NE + ":25", "4.0.0", "deferred",
             "host %s %s" % (NE, icc(0)))
    if 60 <= m < 80:  # the throttling episode: 6 a minute
        for k in range(6):
            smtp(t0 + 10 + k * 7, "li.wei%d@163.com" % k, NE + ":25",
                 "4.0.0", "deferred",
                 "host %s %s" % (NE, icc(m * 10 + k, hostile=m < 62)))
    if 80 <= m < 120:  # suspended repeats: never an incident
        for k in range(10):
            smtp(t0 + 11 + k * 4, "li.wei%d@163.com" % k, "none", "4.0.0",
                 "deferred", "delivery temporarily suspended: host %s %s" %
                 (NE, icc(k)), prog="postfix/error")
    if 150 <= m < 153:  # a DNSBL listing, said by two receivers
        for host, dom in ((NET, "example.net"), (ORG, "example.org")):
            smtp(t0 + 20, "eve%d@%s" % (m, dom), host + ":25", "5.7.1",
                 "bounced", "host %s said: 554 5.7.1 Service unavailable; "
                 "Client host [203.0.113.25] blocked using "
                 "zen.spamhaus.org; https://www.spamhaus.org/query/ip/"
                 "203.0.113.25 (in reply to RCPT TO command)" % host)

out.sort(key=lambda x: x[0])
with open(sys.argv[1], "wb") as f:
    for _, line in out:
        f.write(line + b"\n")
with open(sys.argv[2], "w") as f:
    f.write("%d %d\n" % (base + 60 * 60, base + 150 * 60))
EOF
read -r t_throttle t_dnsbl <"$tmp/times"

"$BOUNCESTAT" import --quiet "$tmp/mail.log" >"$tmp/import.out" \
    2>"$tmp/import.err" || fail "import"

# Both incidents, nothing else, with the right keys and times.
"$BOUNCESTAT" incidents --since all --format json >"$tmp/incidents.out" \
    2>"$tmp/incidents.err" || fail "incidents"
python3 - "$tmp/incidents.out" "$t_throttle" "$t_dnsbl" <<'EOF' ||
import json
import sys

inc = json.load(open(sys.argv[1]))
t_thr, t_bl = int(sys.argv[2]), int(sys.argv[3])
kinds = sorted(i["kind"] for i in inc)
assert kinds == ["dnsbl", "rate_limited"], kinds
thr = next(i for i in inc if i["kind"] == "rate_limited")
bl = next(i for i in inc if i["kind"] == "dnsbl")
assert thr["key"] == "163.com", thr
assert thr["start_epoch"] == t_thr, (thr["start_epoch"], t_thr)
# Resolved: the suspended repeats after it did not keep it going.
assert thr["state"] == "resolved", thr
assert thr["last_seen_epoch"] <= t_thr + 20 * 60 + 60, thr
assert thr["peak"] >= 50 and thr["total"] == 120, thr
assert thr["baseline"] < 1, thr
assert "HL:ICC" in thr["sample"], thr
assert thr["rule"] == "netease-hl-icc", thr
assert bl["key"] == "zen.spamhaus.org", bl
assert bl["listed_ip"] == "203.0.113.25", bl
assert bl["start_epoch"] == t_bl, (bl["start_epoch"], t_bl)
assert bl["state"] == "open", bl
assert bl["providers"] == "example.net, example.org", bl
assert bl["total"] == 6, bl
assert thr["notified"] == "none" and bl["notified"] == "none"
EOF
    fail "incidents JSON"

# Text output: the hostile sample reaches the terminal without escapes.
"$BOUNCESTAT" incidents --since all >"$tmp/text.out" 2>"$tmp/text.err" ||
    fail "incidents text"
grep -q "zen.spamhaus.org 203.0.113.25" "$tmp/text.out" || fail "text key"
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$tmp/text.out"; then
	fail "control characters in incidents text"
fi

# A mailer that captures what it gets, and one that fails.
mkdir "$tmp/mails"
cat >"$tmp/sendmail" <<EOF
#!/bin/sh
n=\$(ls "$tmp/mails" | grep -c '^mail\.' || true)
printf '%s\n' "\$@" >"$tmp/mails/args.\$n"
cat >"$tmp/mails/mail.\$n"
EOF
printf '#!/bin/sh\ncat >/dev/null\nexit 75\n' >"$tmp/sendmail-fail"
chmod +x "$tmp/sendmail" "$tmp/sendmail-fail"

rc=0
"$BOUNCESTAT" alert --mail-to postmaster@example.org \
    --sendmail "$tmp/sendmail-fail" >"$tmp/alert-fail.out" \
    2>"$tmp/alert-fail.err" || rc=$?
[ "$rc" -eq 1 ] || fail "alert with a failing sendmail: exit $rc, want 1"
grep -q "exit status 75" "$tmp/alert-fail.err" || fail "failure not told"

# Two alert runs at once (cron overlapping a slow mailer), on a copy of
# the database with the same incidents pending: exactly one message.
sqlite3 "$BOUNCESTAT_DB" ".backup '$tmp/race.db'"
mkdir "$tmp/race"
cat >"$tmp/sendmail-slow" <<EOF
#!/bin/sh
sleep 2
cat >"$tmp/race/mail.\$\$"
EOF
chmod +x "$tmp/sendmail-slow"
BOUNCESTAT_DB="$tmp/race.db" "$BOUNCESTAT" alert --mail-to pm@example.org \
    --sendmail "$tmp/sendmail-slow" 2>"$tmp/race1.err" &
race1=$!
BOUNCESTAT_DB="$tmp/race.db" "$BOUNCESTAT" alert --mail-to pm@example.org \
    --sendmail "$tmp/sendmail-slow" 2>"$tmp/race2.err" ||
    fail "second concurrent alert"
wait "$race1" || fail "first concurrent alert"
[ "$(ls "$tmp/race" | wc -l)" -eq 1 ] ||
    fail "concurrent alerts sent $(ls "$tmp/race" | wc -l) messages, want 1"

# Without --mail-to, the configuration's mail_to directives are the
# recipients (on a copy, the incidents still pending); a bad one fails.
sqlite3 "$BOUNCESTAT_DB" ".backup '$tmp/mailto.db'"
printf 'mail_to pm@example.org\nmail_to ops@example.org\n' >"$tmp/mailto.conf"
BOUNCESTAT_DB="$tmp/mailto.db" "$BOUNCESTAT" alert -c "$tmp/mailto.conf" \
    --dry-run >"$tmp/mailto.out" 2>"$tmp/mailto.err" || fail "mail_to alert"
grep -q '^To: pm@example.org, ops@example.org' "$tmp/mailto.out" ||
    fail "the recipients are not mail_to's"
printf 'mail_to pm@example.org\001x\n' >"$tmp/mailto-bad.conf"
rc=0
BOUNCESTAT_DB="$tmp/mailto.db" "$BOUNCESTAT" alert -c "$tmp/mailto-bad.conf" \
    --dry-run >/dev/null 2>"$tmp/mailto-bad.err" || rc=$?
[ "$rc" -eq 1 ] || fail "alert with a bad mail_to: exit $rc, want 1"
grep -q 'mail_to' "$tmp/mailto-bad.err" || fail "bad mail_to not told"

"$BOUNCESTAT" alert --mail-to postmaster@example.org \
    --mail-to ops@example.org --from "bouncestat <bs@mx1.example.org>" \
    --sendmail "$tmp/sendmail" >"$tmp/alert.out" 2>"$tmp/alert.err" ||
    fail "alert"
[ -f "$tmp/mails/mail.0" ] || fail "no message captured"
[ ! -f "$tmp/mails/mail.1" ] || fail "more than one message"
[ "$(tr '\n' ' ' <"$tmp/mails/args.0")" = "-t -oi " ] ||
    fail "sendmail argv: $(cat "$tmp/mails/args.0")"
[ ! -s "$tmp/alert.out" ] || fail "alert printed on success"

python3 - "$tmp/mails/mail.0" <<'EOF' || { cp "$tmp/mails/mail.0" "$tmp/mail.out"; fail "message"; }
import email
import email.policy
import email.utils
import sys

raw = open(sys.argv[1], "rb").read()
for bad in (b"\x1b", b"\r", b"\x07", b"\x00"):
    assert bad not in raw, bad
assert all(len(l) <= 78 for l in raw.split(b"\n")), "long line"
m = email.message_from_bytes(raw, policy=email.policy.default)
assert not m.defects, m.defects
for h in ("Date", "From", "To", "Subject", "Message-ID", "MIME-Version",
          "Content-Type", "Content-Transfer-Encoding"):
    assert len(m.get_all(h) or []) == 1, h
assert "Bcc" not in m and "Cc" not in m
assert email.utils.parsedate_to_datetime(m["Date"]) is not None
rcpts = [a for _, a in email.utils.getaddresses(m.get_all("To"))]
assert rcpts == ["postmaster@example.org", "ops@example.org"], rcpts
assert m["From"].addresses[0].addr_spec == "bs@mx1.example.org"
assert m.get_content_type() == "text/plain"
assert m.get_content_charset() == "utf-8"
subj = str(m["Subject"])
assert "\n" not in subj and "\r" not in subj
# The worst incident, the open DNSBL listing, is named in the Subject.
assert "listed on zen.spamhaus.org (203.0.113.25)" in subj, subj
assert "+1 more" in subj, subj
body = m.get_content()
for want in ("OPEN: listed on zen.spamhaus.org (203.0.113.25) according "
             "to example.net, example.org",
             "RESOLVED: 163.com was throttling us",
             "421 HL:ICC 163 mx21",
             "https://check.spamhaus.org/",
             "Action:",
             "bouncestat incidents --db "):
    assert want in body, want
# The hostile reply is shown, defused: on one line, inside the body.
assert "Bcc: victim@example.com" in " ".join(body.split())
assert not any(l.startswith("Bcc") for l in body.splitlines())
EOF

# Nothing new: a second run sends nothing, and says nothing.
"$BOUNCESTAT" alert --mail-to postmaster@example.org \
    --sendmail "$tmp/sendmail" >"$tmp/alert2.out" 2>"$tmp/alert2.err" ||
    fail "second alert"
[ ! -f "$tmp/mails/mail.1" ] || fail "second alert sent a message"
"$BOUNCESTAT" alert --dry-run >"$tmp/dry.out" 2>"$tmp/dry.err" ||
    fail "dry run"
[ ! -s "$tmp/dry.out" ] || fail "dry run printed a message: nothing is new"

"$BOUNCESTAT" incidents --since all --format json >"$tmp/after.out" \
    2>"$tmp/after.err" || fail "incidents after"
python3 - "$tmp/after.out" <<'EOF' || fail "notified state"
import json
import sys

inc = {i["kind"]: i for i in json.load(open(sys.argv[1]))}
assert inc["dnsbl"]["notified"] == "open", inc["dnsbl"]
assert inc["rate_limited"]["notified"] == "resolved", inc["rate_limited"]
assert inc["dnsbl"]["notified_at"] is not None
EOF

# Usage errors exit 2; --help exits 0.
rc=0
"$BOUNCESTAT" alert >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "alert without --mail-to: exit $rc, want 2"
rc=0
"$BOUNCESTAT" alert --mail-to $'a@b\nBcc: c@d' >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "alert with a CR/LF address: exit $rc, want 2"
"$BOUNCESTAT" alert --help | grep -q "EXIT STATUS" || fail "alert --help"
echo "ok"
