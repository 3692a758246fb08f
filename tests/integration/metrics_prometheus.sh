#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# The daemon's /metrics scraped by the real Prometheus (Debian's
# `prometheus`, on loopback, with a private configuration and storage):
# values checked through Prometheus' HTTP query API against what the
# database says through `bouncestat report` and `incidents`, counters
# that survive a daemon restart (resets() is 0), the scraped text linted
# by `promtool check metrics`, contrib's alerting rules loaded by
# Prometheus, checked and unit-tested by promtool, and contrib's Grafana
# dashboard valid JSON that names only metrics the daemon serves.

. "$(dirname "$0")/daemon_lib.bash"

for c in prometheus promtool curl; do
	command -v $c >/dev/null 2>&1 || { echo "SKIP: no $c"; exit 77; }
done

RULES=$BS_SRC/contrib/prometheus/bouncestat.rules.yml
DASH=$BS_SRC/contrib/grafana/bouncestat-dashboard.json
SAMPLE=$BS_SRC/contrib/sample/mail.log
LOG=$T/mail.log
PLOG=$T/prometheus.log

# Two free loopback ports (bound and released: a race with another
# process is possible but harmless, the start would fail loudly).
read -r MPORT PPORT < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')

# q EXPR: the first value of an instant query, "none" when empty.
q() {
	curl -sf --get --data-urlencode "query=$1" \
	    "http://127.0.0.1:$PPORT/api/v1/query" |
	    jq -r '.data.result[0].value[1] // "none"'
}

# wait_q EXPR WANT: until the query answers WANT (60 s at most).
wait_q() {
	local i v

	for i in $(seq 1 300); do
		v=$(q "$1" 2>/dev/null || echo error)
		[ "$v" = "$2" ] && return 0
		sleep 0.2
	done
	fail "prometheus: $1 = $v, want $2"
}

# report_total FIELD: a total of `bouncestat report` over all time.
report_total() {
	"$BOUNCESTAT" report -c "$CONF" --db "$DB" --since all --format json |
	    jq -r ".totals.$1"
}

check_totals() {
	local s want

	[ "$(report_total sent)" -gt 0 ] && [ "$(report_total deferred)" -gt 0 ] ||
	    fail "report: no sent or no deferred results"
	for s in sent deferred bounced expired attempts; do
		want=$(report_total "$s")
		[ "$want" -gt 0 ] || want=none # no series at all
		if [ $s = attempts ]; then
			wait_q 'sum(bouncestat_attempts_total)' "$want"
		else
			wait_q "sum(bouncestat_results_total{status=\"$s\"})" "$want"
		fi
	done
}

head -n 175 "$SAMPLE" >"$LOG"
write_conf "follow $LOG
metrics_listen 127.0.0.1:$MPORT
metrics_top 3"
daemon_start
curl -sf "http://127.0.0.1:$MPORT/metrics" >"$T/first.txt" ||
    fail "no /metrics on port $MPORT"

cp "$RULES" "$T/bouncestat.rules.yml"
cat >"$T/prometheus.yml" <<EOT
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $T/bouncestat.rules.yml
scrape_configs:
  - job_name: bouncestat
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
EOT
promtool check config "$T/prometheus.yml" >/dev/null ||
    fail "promtool check config"
prometheus --config.file="$T/prometheus.yml" \
    --storage.tsdb.path="$T/tsdb" \
    --web.listen-address="127.0.0.1:$PPORT" \
    --web.console.templates="$T/none" --web.console.libraries="$T/none" \
    >"$PLOG" 2>&1 &
BG_PIDS+=($!)
for i in $(seq 1 300); do
	curl -sf "http://127.0.0.1:$PPORT/-/ready" >/dev/null 2>&1 && break
	sleep 0.2
done
curl -sf "http://127.0.0.1:$PPORT/-/ready" >/dev/null ||
    { tail -n 30 "$PLOG" >&2; fail "prometheus did not start"; }

# Phase 1: every line read is counted under one result, and the sums by
# status are the report's.
wait_q 'up{job="bouncestat"}' 1
wait_q 'sum(bouncestat_lines_total)' "$(wc -l <"$LOG")"
[ "$(q 'bouncestat_lines_cut_total')" = 0 ] || fail "lines cut: want 0"
check_totals
wait_q 'bouncestat_build_info' 1
[ "$(q "bouncestat_follow_lag_seconds{file=\"$LOG\"}")" = 0 ] ||
    fail "lag of a file read to its end is not 0"
# metrics_top 3: at most 3 named providers, the rest summed as other.
n=$(q 'count(count by (provider) (bouncestat_results_total{provider!~"other|unknown"}))')
[ "$n" -le 3 ] || fail "$n providers named with metrics_top 3"
[ "$(q 'count(bouncestat_results_total{provider="other"})')" != none ] ||
    fail "no provider=\"other\" series"
d1=$(q 'bouncestat_lines_total{result="delivery"}')

# Phase 2: the daemon stops, the log grows (the rest of the sample and a
# burst of throttling replies from qq.com a few minutes ago, which opens
# an incident), the daemon starts again: the counters go on from where
# they were (no reset), and the open incident is served.
daemon_stop
tail -n +176 "$SAMPLE" >>"$LOG"
now=$(date +%s)
for i in $(seq 1 12); do
	ts=$(date -u -d "@$((now - 200 + i * 5))" +%Y-%m-%dT%H:%M:%S.000000+00:00)
	printf '%s mx1.example.net postfix/smtp[20476]: 5B%08X: to=<li@qq.com>, relay=mx3.qq.com[203.205.219.57]:25, delay=0.5, delays=0.1/0/0.09/0.54, dsn=4.0.0, status=deferred (host mx3.qq.com[203.205.219.57] said: 421 HL:ICC 163 mx3,wsCowABHRwS1Vl9n from 198.51.100.7 too many connections http://service.mail.qq.com/ (in reply to end of DATA command))\n' \
	    "$ts" "$i" >>"$LOG"
done
# and a line over max_line (64k): cut, counted once in the sum of
# bouncestat_lines_total and once in bouncestat_lines_cut_total.
printf '%s mx1.example.net postfix/smtp[20477]: 5C00000001: to=<x@example.org>, status=deferred (%s)\n' \
    "$ts" "$(head -c 70000 /dev/zero | tr '\0' x)" >>"$LOG"
daemon_start
wait_q 'sum(bouncestat_lines_total)' "$(wc -l <"$LOG")"
wait_q 'bouncestat_lines_cut_total' 1
d2=$(q 'bouncestat_lines_total{result="delivery"}')
[ "$d2" -gt "$d1" ] || fail "delivery lines $d1 -> $d2 after restart"
[ "$(q 'sum(resets(bouncestat_lines_total[10m]))')" = 0 ] ||
    fail "bouncestat_lines_total was reset by the restart"
[ "$(q 'sum(resets(bouncestat_results_total[10m]))')" = 0 ] ||
    fail "bouncestat_results_total was reset by the restart"
check_totals
# The detector (run by `incidents`, as by the daemon's timer) opens the
# incident in the database; the metric follows.
open=0
for i in $(seq 1 150); do
	open=$("$BOUNCESTAT" incidents -c "$CONF" --db "$DB" --open --format json |
	    jq '[.[] | select(.kind == "rate_limited" and .key == "qq.com")] | length')
	[ "$open" -ge 1 ] && break
	sleep 0.2
done
[ "$open" -ge 1 ] || fail "no open rate_limited incident for qq.com"
wait_q 'bouncestat_incidents_open{kind="rate_limited",key="qq.com"}' "$open"
nopen=$("$BOUNCESTAT" incidents -c "$CONF" --db "$DB" --open --no-detect --format json | jq length)
wait_q 'sum(bouncestat_incidents_open)' "$nopen"
# ... and Prometheus' own evaluation of contrib's rule fires on it.
wait_q 'count(ALERTS{alertname="BouncestatThrottled",key="qq.com"})' 1

# The rules Prometheus loaded are contrib's, all of them.
nrules=$(curl -sf "http://127.0.0.1:$PPORT/api/v1/rules" |
    jq '[.data.groups[] | select(.name == "bouncestat") | .rules[]] | length')
[ "$nrules" -eq "$(grep -c '^      - alert:' "$RULES")" ] ||
    fail "prometheus loaded $nrules rules"

# The text itself passes promtool's linter.
curl -sf "http://127.0.0.1:$MPORT/metrics" >"$T/metrics.txt"
promtool check metrics <"$T/metrics.txt" ||
    fail "promtool check metrics: $(promtool check metrics <"$T/metrics.txt" 2>&1)"
grep -q '^# TYPE bouncestat_results_total counter$' "$T/metrics.txt" ||
    fail "no TYPE line for bouncestat_results_total"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/nope")" = 404 ] ||
    fail "unknown path not 404"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$MPORT/metrics")" = 405 ] ||
    fail "POST not 405"

# contrib's rules: valid, and each alert fires where it should.
promtool check rules "$RULES" >/dev/null || fail "promtool check rules"
cp "$BS_SRC/tests/integration/prometheus/rules_test.yml" "$T/"
promtool test rules "$T/rules_test.yml" || fail "promtool test rules"

# contrib's dashboard: valid JSON whose queries name only served metrics.
jq -e '.panels | length > 0' "$DASH" >/dev/null || fail "dashboard JSON"
names=$(jq -r '[.. | objects | (.expr? // empty), (.definition? // empty)]
    | .[]' "$DASH" | grep -o 'bouncestat_[a-z_]*' | sort -u)
[ -n "$names" ] || fail "dashboard names no metric"
for n in $names; do
	grep -q "^# TYPE $n " "$T/metrics.txt" ||
	    fail "dashboard uses $n, which /metrics does not serve"
done
for n in $(grep -o 'bouncestat_[a-z_]*' "$RULES" | sort -u); do
	grep -q "^# TYPE $n " "$T/metrics.txt" ||
	    fail "rules use $n, which /metrics does not serve"
done

daemon_stop

# Bad input: a listen address that is no ADDR:PORT, or one in use (by
# Prometheus here), stops the daemon at start with a clear message.
for bad in "localhost:$MPORT" "127.0.0.1:$PPORT"; do
	write_conf "follow $LOG
metrics_listen $bad"
	rc=0
	"$BOUNCESTAT" daemon -c "$CONF" --db "$DB" $ROOTOPT >"$T/bad.log" 2>&1 ||
	    rc=$?
	[ $rc -eq 1 ] || fail "daemon with metrics_listen $bad exited $rc"
	grep -q "metrics: " "$T/bad.log" || fail "no metrics error for $bad"
done
echo "PASS: metrics_prometheus"
