#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The bouncestat authors
"""Candidate general wordings of the weak classes, checked on train rows:
for each, the rows containing it (by source), their labels, and how many
of those today's rules alone get right (classify_holdout -d -n). Train rows only: never run it on the holdout.
Usage: tests/model/wordings.py WORKTREE (after a build)."""
import re, subprocess, sys, collections
import os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
WT = sys.argv[1]
cands = [
 ('temporary server/system error', r'\btemporar(?:y|ily) (?:server|system|local) (?:error|failure|problem)'),
 ('local error in processing', r'\blocal error in processing'),
 ('try again later', r'\btry (?:again )?later'),
 ('service unavailable', r'\bservice (?:is )?(?:currently |temporarily )?(?:not available|unavailable)'),
 ('policy reasons', r'\b(?:for |due to )?policy reasons'),
 ('sender address rejected', r'\bsender address rejected'),
 ('recipient address rejected', r'\brecipient address rejected'),
 ('client host rejected', r'\bclient host rejected'),
 ('SPF fail/softfail/error', r'\bSPF (?:check )?(?:fail|softfail|soft fail|permerror|temperror|permanent error|temporary error|record not found)'),
 ('DKIM/DMARC fail', r'\b(?:DKIM|DMARC)\b'),
 ('listed on/in RBL/DNSBL', r'\blisted (?:on|in|at)\b'),
 ('blacklisted', r'\bblack ?listed'),
 ('queue error', r'\bqueue\b'),
 ('maintenance', r'\bmaintenance\b'),
 ('relay denied', r'\brelay(?:ing)? (?:denied|rejected|not permitted|prohibited)'),
 ('missing header', r'\bmissing (?:a |the )?[\w-]+:? header|\bheader [\w-]+:? missing'),
 ('bare LF', r'\bbare (?:LF|CR)'),
 ('too many bad commands/errors', r'\btoo many (?:bad |invalid |unknown )?(?:commands|errors)'),
 ('spam detected', r'\b(?:spam|junk) (?:detected|message|content|score)'),
 ('content rejected', r'\bcontent (?:rejected|filter|policy)'),
 ('mailbox disabled/inactive', r'\b(?:mailbox|account) (?:is )?(?:disabled|inactive|suspended|deactivated)'),
 ('connection timed out/refused', r'\bconnection (?:timed out|refused|reset|closed)'),
]
rows = []
for i, l in enumerate(open(WT + '/tests/data/replies/train.tsv', encoding='utf-8'), 1):
    if l.startswith('#') or not l.strip(): continue
    f = l.rstrip('\n').split('\t'); rows.append((i, f[0], f[2], f[3]))
out = subprocess.run([WT + '/build/tests/classify_holdout', '-d', '-n', WT + '/tests/data/replies/train.tsv'], capture_output=True, text=True).stdout
got = {}
for l in out.splitlines():
    f = l.split('\t')
    if len(f) > 3 and ':' in f[0]: got[int(f[0].rsplit(':', 1)[1])] = f[2]
from loso_rules import key  # noqa: E402
print('| wording | train rows | sources | labels | right, rules only |')
print('|---|---:|---:|---|---:|')
for name, rx in cands:
    r = re.compile(rx, re.I)
    hit = [x for x in rows if r.search(x[2])]
    if not hit: print(f'| {name} | 0 | 0 | | |'); continue
    src = {key(x[3]) for x in hit}
    lab = collections.Counter(x[1] for x in hit)
    right = sum(1 for x in hit if got.get(x[0]) == x[1])
    print(f'| {name} | {len(hit)} | {len(src)} | ' + ', '.join(f'{k} {v}' for k, v in lab.most_common(4)) + f' | {right} |')
