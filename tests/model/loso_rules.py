#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The bouncestat authors
"""Leave-one-source-out on train.tsv, rules only (branch classifier12).

For each train source S (a GitHub repository owner/repo, else the host of
the provenance URL): drop every rule whose comment block or text cites S
(its key appears, lower-cased, in the comments before the rule or the rule
itself), and classify S's rows with the remaining rules
(classify_holdout -d -n -R DIR). Whole rules are dropped, so a rule that
also holds other sources' alternatives loses them for S's rows too: the
figure is a pessimistic bound of what the rules know without S. Also
counted: train rows right only through the one rule that answers them
when that rule cites the row's own source (that rule dropped alone, the
row is wrong).

Usage: tests/model/loso_rules.py WORKTREE [TRAIN.tsv] [-v]
  (after a build; RULESDIR=DIR measures the rules of DIR instead of the
  built-in ones). -v lists the rows lost (LOST) and the own-source rows
  (OWN).
"""
import os, re, subprocess, sys, tempfile, collections, shutil
WT = sys.argv[1] if len(sys.argv) > 1 else '.'
TRAIN = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] != '-v' else os.path.join(WT, 'tests/data/replies/train.tsv')
RULES = os.environ.get('RULESDIR') or os.path.join(WT, 'parsers/rules')
TOOL = os.path.join(WT, 'build/tests/classify_holdout')

def key(prov):
    p = prov.strip().lower()
    m = re.match(r'github:([^/]+/[^/@]+)', p)
    if m: return m.group(1)
    m = re.match(r'https?://(?:www\.)?github\.com/([^/]+/[^/#?]+)', p)
    if m: return m.group(1)
    m = re.match(r'https?://(?:www\.)?([^/]+)', p)
    if m: return m.group(1)
    return p

def load_rules():
    files = {}
    for fn in sorted(os.listdir(RULES)):
        if not fn.endswith('.rules'): continue
        text = open(os.path.join(RULES, fn), encoding='utf-8').read()
        chunks = re.split(r'\n\s*\n', text)
        items = []  # (rule name or None, chunk, cite text)
        pend = ''
        for c in chunks:
            m = re.search(r'^rule\s+(\S+)', c, re.M)
            if m:
                items.append((m.group(1), c, (pend + '\n' + c).lower()))
                pend = ''
            else:
                items.append((None, c, ''))
                pend += '\n' + c
        files[fn] = items
    return files

def write_dir(files, drop):
    d = tempfile.mkdtemp(dir=None)
    for fn, items in files.items():
        with open(os.path.join(d, fn), 'w', encoding='utf-8') as f:
            f.write('\n\n'.join(c for n, c, _ in items if n not in drop) + '\n')
    return d

def run(rows, d):
    t = tempfile.NamedTemporaryFile('w', dir=None, suffix='.tsv', delete=False, encoding='utf-8')
    for r in rows: t.write(r['line'] + '\n')
    t.close()
    args = [TOOL, '-d', '-n'] + (['-R', d] if d else []) + [t.name]
    out = subprocess.run(args, capture_output=True, text=True)
    if out.returncode: sys.exit('tool failed: ' + out.stderr)
    res = []
    for l in out.stdout.splitlines():
        f = l.split('\t')
        if len(f) > 4 and ':' in f[0] and f[0].startswith(t.name):
            res.append((f[1], f[2], f[3]))
    os.unlink(t.name)
    return res

def main():
    global rows
    rows = []
    for i, l in enumerate(open(TRAIN, encoding='utf-8'), 1):
        if not l.strip() or l.startswith('#'): continue
        f = l.rstrip('\n').split('\t')
        rows.append({'n': i, 'line': l.rstrip('\n'), 'want': f[0], 'reply': f[2], 'key': key(f[3])})
    files = load_rules()
    allrules = [(n, cite) for items in files.values() for n, c, cite in items if n]
    base = run(rows, RULES if os.environ.get('RULESDIR') else None)
    for r, b in zip(rows, base): r['base'] = b
    bysrc = collections.defaultdict(list)
    for r in rows: bysrc[r['key']].append(r)
    tot = right = 0
    lost = []
    ownonly = []
    perclass = collections.defaultdict(lambda: [0, 0, 0])
    for k, rs in sorted(bysrc.items()):
        drop = {n for n, cite in allrules if k in cite}
        if not drop:
            res = [r['base'] for r in rs]
        else:
            d = write_dir(files, drop); res = run(rs, d); shutil.rmtree(d)
        for r, (want, got, rule) in zip(rs, res):
            pc = perclass[want]; pc[0] += 1
            if r['base'][1] == want: pc[1] += 1
            if got == want: pc[2] += 1; right += 1
            elif r['base'][1] == want:
                lost.append((r, got, rule, r['base'][2]))
            tot += 1
    # rows right only because of the one rule that answered them, citing own source
    cites = dict(allrules)
    byrule = collections.defaultdict(list)
    for r in rows:
        if r['base'][1] == r['want'] and r['base'][2] in cites and r['key'] in cites[r['base'][2]]:
            byrule[r['base'][2]].append(r)
    for rule, rs in byrule.items():
        d = write_dir(files, {rule}); res = run(rs, d); shutil.rmtree(d)
        for r, (want, got, rl) in zip(rs, res):
            if got != want: ownonly.append((r, rule, got, rl))
    print(f'rules only, all rules: {sum(1 for r in rows if r["base"][1]==r["want"])} of {len(rows)}')
    print(f'leave-one-source-out (rules citing the source dropped): {right} of {tot} ({100*right/tot:.1f}%), sources {len(bysrc)}')
    print(f'rows right only through the one rule that answers them, which cites their own source: {len(ownonly)}')
    print('%-18s %5s %6s %6s' % ('class', 'rows', 'all', 'loso'))
    for c, (n, a, b) in sorted(perclass.items(), key=lambda x: -x[1][0]):
        print('%-18s %5d %5.1f%% %5.1f%%' % (c, n, 100*a/n, 100*b/n))
    if '-v' in sys.argv:
        for r, got, rule, brule in lost:
            print(f'LOST {r["n"]}\t{r["want"]}\t-> {got} ({rule}; was {brule})\t{r["reply"][:150]}\t{r["key"]}')
        for r, rule, got, rl in ownonly:
            print(f'OWN {r["n"]}\t{r["want"]}\t{rule} -> {got} ({rl})\t{r["reply"][:150]}')


if __name__ == '__main__':
    main()
