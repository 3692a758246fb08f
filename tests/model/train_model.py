#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The bouncestat authors
"""Train, measure and write the classifier's learned model (issue 12).

The model (parsers/classify_model.h; file format in bouncestat-rules(5))
is a multinomial logistic regression over the words and word pairs of a
reply, its reply code and enhanced status (class.subject and, since
clsmodel2, the whole status; the wrapper kind is a candidate left out),
trained on labelled replies
(tests/data/replies/train.tsv) and on every rule's `example` lines (class
= the rule's class). The classifier asks it only when the deciding rule's
evidence is weak (the model file's `layers`) and takes its class only
when it is confident (`threshold`: best score minus second best) and
at least `min_words` word features (words or pairs, not the code or
status) favour that class over the second (classifier5: 2, so one word
next to a code decides nothing). The defaults below are the setting
tests/model/choose_settings.py chose (clsmodel2), so retraining is one
command: train_model.py train tests/data/replies/train.tsv
tests/data/classify/seeds.tsv tests/data/classify/providers.tsv

Python 3 standard library only, deterministic (fixed seed, sorted
iteration). The replies are read through the real classifier: the C tool
build/tests/classify_holdout -d gives, per row, what the rules decided,
the reply code, the enhanced status and the reply it found in the text
(what the model sees), so the features here are exactly those of C.

  train_model.py train --tool T [--rules DIR] [--out FILE] TSV...
      write the model (default parsers/model/weak.model)
  train_model.py cv --tool T [--rules DIR] [--folds 5] TSV...
      leave-source-out cross-validation: rows grouped by their source
      (provenance site; a GitHub thread is its own source), k folds; for
      each fold a model trained on the other folds + the rule examples;
      prints rules-only vs rules+model accuracy (overall, per class) for
      each threshold and layer set, scored here; the chosen setting is
      then re-run through the C tool (--confirm) fold by fold.
  train_model.py split --tool T --rules DIR --train TSV... --test TSV...
      the same comparison for one split (e.g. older rules and the rows
      collected after them).
  train_model.py features --tool T TSV...
      checks the word, pair and n-gram features made here against the
      C code's (classify_holdout -d -F): the C code is the definition.
"""
import argparse
import hashlib
import math
import os
import random
import re
import subprocess
import sys
import tempfile

CLASSES = ["rate_limited", "greylisted", "blacklisted", "spam_content",
           "sender_auth", "policy", "user_unknown", "mailbox_full",
           "mailbox_disabled", "message_too_large", "relay_denied",
           "host_unknown", "reverse_dns", "network_error", "tls_error",
           "auth_failed", "virus", "server_error", "protocol_error",
           "expired", "loop"]
SUBJECT_MAX = 1024
TOKENS_MAX = 256
FEAT_MAX = 64
LAYER_SETS = {
    "none": ["none"],
    "code+none": ["code", "none"],
    "broad+none": ["broad", "none"],
    "code+broad+none": ["code", "broad", "none"],
    "code+broad": ["code", "broad"],
    "status+code+broad+none": ["status", "code", "broad", "none"],
}
THRESHOLDS = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0]

# The setting chosen by clsmodel2 on time splits and leave-source-out
# cross-validation (see tests/data/replies/README.md; clsgen re-measured
# it on eight splits and kept it).
DEFAULT_LAYERS = ["status", "code", "broad", "none"]
DEFAULT_THRESHOLD = 1.5
# The least number of word features (words or word pairs; not c:CODE or
# e:C.S) that favour the model's class over the runner-up (classifier5).
DEFAULT_MIN_WORDS = 2
MIN_WORDS = [1, 2, 3]
TOP_PER_CLASS = 0  # features kept per class by |weight|; 0: all
EPOCHS = 30
RATE = 0.2
L2 = 1e-3
CONTRACT_ROUNDS = 50
TRAINER = "sgd"  # or "nb": naive Bayes (clsmodel2's candidate)
NB_ALPHA = 0.5
# The margin a bare text (no rule, no code, no enhanced status) needs;
# None: never decided (it stays unknown).
NOCODE_THRESHOLD = 1.5
PRUNE_MIN = 0.05  # smaller weights are left out of the file
# clsgen's candidates (off: the setting above): class-balanced row
# weights (0: none, 1: n / (k * n_class), 0.5: its square root), and a
# frequency cut (features in fewer training rows are not learnt).
BALANCE = 0.0
MIN_COUNT = 1
L1 = 0.0  # clsgen's candidate: soft threshold of every weight per epoch
# clsgen's candidate (not chosen): the weights the mean of those after
# each epoch of the second half (averaged SGD), not the last epoch's
AVERAGE = False


def utf8_char(b, i, n):
    lead = b[i]
    if lead < 0xC0 or lead > 0xF7:
        return 1, 0xFFFD
    ln = 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
    if ln > n - i:
        return 1, 0xFFFD
    c = lead & (0x7F >> ln)
    for k in range(1, ln):
        if b[i + k] & 0xC0 != 0x80:
            return 1, 0xFFFD
        c = c << 6 | (b[i + k] & 0x3F)
    return ln, c


ADDR_DELIM = set(b"<>()[]\"',;")

# template_mask_ids() (parsers/template.c): the classifier hands the model
# a reply with each run of at least ID_MIN ASCII letters and digits that
# holds both made 'x' (ids: "SN4PEPF0000BFA", Gmail's "...asi8720519a66").
ID_MIN = 10
ID_RUN = re.compile(rb"[A-Za-z0-9]{%d,}" % ID_MIN)


def mask_ids(b):
    def one(mt):
        w = mt.group(0)
        if re.search(rb"[0-9]", w) and re.search(rb"[A-Za-z]", w):
            return b"x" * len(w)
        return w
    return ID_RUN.sub(one, b)


def addr_delim(ch):
    return ch <= 0x20 or ch in ADDR_DELIM


def blank_addresses(b):
    u = bytearray(b)
    n = len(u)
    i = 0
    while i < n:
        if u[i] == 0x40:
            left = i
            while left > 0 and not addr_delim(u[left - 1]):
                left -= 1
            right = i + 1
            while right < n and not addr_delim(u[right]):
                right += 1
            u[left:right] = b" " * (right - left)
            i = right
        i += 1
    return bytes(u)


def tokens(b):
    """The tokens of a reply, as the classifier has classify_model_score()
    make them (ids masked first: mask_ids())."""
    b = blank_addresses(mask_ids(b[:SUBJECT_MAX]))
    n = len(b)
    norm = bytearray(b)
    toks = []
    in_word = False
    start = 0
    i = 0
    while i <= n:
        ch = b[i] if i < n else 0x20
        clen = 1
        if ch < 0x80:
            digit = 0x30 <= ch <= 0x39
            upper = 0x41 <= ch <= 0x5A
            kind = 1 if digit or upper or 0x61 <= ch <= 0x7A else 0
            if i < n:
                norm[i] = 0x30 if digit else ch + 32 if upper else ch
        else:
            clen, cp = utf8_char(b, i, n)
            if (cp == 0xFFFD or 0xA0 <= cp <= 0xBF or cp in (0xD7, 0xF7)
                    or 0x2000 <= cp < 0x2E80 or 0x3000 <= cp <= 0x303F
                    or 0xFF00 <= cp <= 0xFFEF):
                kind = 0
            elif cp >= 0x2E80:
                kind = 2
            else:
                kind = 1
        if kind != 1 and in_word:
            w = bytes(norm[start:i])
            # digits only, or an id the classifier masked: no evidence
            if len(w) >= 2 and w.strip(b"0") != b"" and \
                    not (len(w) >= ID_MIN and w.strip(b"x") == b"") and \
                    len(toks) < TOKENS_MAX:
                toks.append(w)
            in_word = False
        if kind == 1 and not in_word:
            in_word = True
            start = i
        if kind == 2 and len(toks) < TOKENS_MAX:
            toks.append(bytes(b[i:i + clen]))
        i += clen
    return toks


GRAM_N = (3, 5)  # the model file's "char_grams 3 5" (cg35)


def char_grams(t, nodigits=False):
    """The n-grams of token t as classify_model.c's gram_word() and
    add_grams() make them: "<" t ">" cut into characters, all n-grams of
    the shortest length first; nodigits: none of a word with a digit
    (the model file's "char_grams 3 5 nodigits", kind cg35nd)."""
    if nodigits and b"0" in t:
        return []
    chars = [b"<"]
    i = 0
    while i < len(t):
        ln = 1 if t[i] < 0x80 else utf8_char(t, i, len(t))[0]
        chars.append(t[i:i + ln])
        i += ln
    chars.append(b">")
    if len(chars) < 5:
        return []
    return [b"".join(chars[k:k + n])
            for n in range(GRAM_N[0], GRAM_N[1] + 1)
            for k in range(len(chars) - n + 1)]


# Feature kinds beyond words, pairs, c:CODE and e:C.S (candidates
# measured by clsmodel2; the model file says which it uses).
FEATURE_KINDS = {"detail"}
KINDS = ("detail", "wrapper", "stem", "cgram", "cg35", "cg35nd")


def text_features(reply):
    """The word, pair and n-gram features of a reply in order, repeats
    included (what classify_model_text_features() lists)."""
    toks = tokens(reply)
    out = []
    for i, t in enumerate(toks):
        if len(t) <= FEAT_MAX:
            out.append(t)
        if i + 1 < len(toks) and len(t) + len(toks[i + 1]) + 1 <= FEAT_MAX:
            out.append(t + b"+" + toks[i + 1])
        if "stem" in FEATURE_KINDS:
            u = t.decode("utf-8", "replace")
            if len(u) >= 6 and not t.startswith(b"0"):
                out.append(b"p:" + u[:5].encode())
        if "cgram" in FEATURE_KINDS:
            u = t.decode("utf-8", "replace")
            if any(ord(ch) >= 0x80 for ch in u) and len(u) >= 4:
                for k in range(len(u) - 2):
                    out.append(b"g:" + u[k:k + 3].encode())
        if ("cg35" in FEATURE_KINDS or "cg35nd" in FEATURE_KINDS) and \
                t[:1] >= b"a":
            # clsgen's candidate, adopted by cgram: character 3- to
            # 5-grams of every word of 3 characters or more (not a CJK
            # single, not a number), '<' and '>' marking its start and
            # end (unseen inflections, non-English words); characters
            # as the tokenizer cut them (utf8_char()), as the C code
            # cg35nd (cgram's variant, no gain on train data): not of a
            # word with a digit (ids: unique memo keys)
            out.extend(b"g:" + g for g in char_grams(
                t, "cg35" not in FEATURE_KINDS))
    return out


def features(reply, code, enh, wrapper="none"):
    out = text_features(reply)
    if 200 <= code <= 599:
        out.append(b"c:%d" % code)
    if enh != "-":
        parts = (enh.split(".") + ["", ""])[:3]
        c, s, d = (int(x) if x else 0 for x in parts)
        out.append(b"e:%d.%d" % (c, s))
        if "detail" in FEATURE_KINDS:
            out.append(b"e:%d.%d.%d" % (c, s, d))
    if "wrapper" in FEATURE_KINDS and wrapper not in ("none", "-"):
        out.append(b"w:" + wrapper.encode())
    seen = set()
    res = []
    for f in out:
        if f not in seen:
            seen.add(f)
            res.append(f)
    return res


# --------------------------------------------------------------------
# rows through the C tool

class Row:
    __slots__ = ("where", "want", "got", "rule", "evidence", "code", "enh",
                 "wrapper", "reply", "source", "feats")

    def refeature(self):
        self.feats = features(self.reply, self.code, self.enh, self.wrapper)


def run_tool(tool, tsv_paths, rules=None, model=None):
    cmd = [tool, "-d"]
    cmd += ["-m", model] if model else ["-n"]
    if rules:
        cmd += ["-R", rules]
    cmd += tsv_paths
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout
    rows = []
    for line in out.split(b"\n"):
        if not line:
            continue
        f = line.split(b"\t", 8)
        r = Row()
        r.where = f[0].decode()
        r.want, r.got, r.rule, r.evidence = (x.decode() for x in f[1:5])
        r.code = int(f[5])
        r.enh = f[6].decode()
        r.wrapper = f[7].decode()
        r.reply = f[8]
        r.refeature()
        rows.append(r)
    return rows


def source_key(prov):
    p = prov.strip().lower()
    p = re.sub(r"^https?://", "", p)
    p = re.sub(r"^www\.", "", p)
    m = re.match(r"github\.com/([^/]+/[^/]+)/(issues|pull|discussions)/"
                 r"(\d+)", p)
    if m:
        return "gh:%s/%s" % (m.group(1), m.group(3))
    m = re.match(r"github:([^/]+/[^/@]+)", p)
    if m:
        return "gh:" + m.group(1)
    return p.split("/")[0] or p


def read_sources(paths):
    """file:line -> source key, from the provenance column."""
    src = {}
    for path in paths:
        with open(path, "rb") as fp:
            for no, line in enumerate(fp, 1):
                line = line.rstrip(b"\r\n")
                if not line or line.startswith(b"#"):
                    continue
                f = line.decode("utf-8", "replace").split("\t")
                src["%s:%d" % (path, no)] = source_key(
                    f[3] if len(f) > 3 else "")
    return src


def rule_examples(rules_dir):
    """(class, text) of every enabled rule's examples."""
    out = []
    for name in sorted(os.listdir(rules_dir)):
        if not name.endswith(".rules"):
            continue
        cls = None
        ex = []
        disabled = False

        def flush():
            if cls is not None and not disabled:
                out.extend((cls, t) for t in ex)

        with open(os.path.join(rules_dir, name), "rb") as fp:
            for line in fp:
                line = line.rstrip(b"\r\n").decode("utf-8", "replace")
                kw, _, val = line.partition(" ")
                val = val.strip()
                if kw == "rule":
                    flush()
                    cls, ex, disabled = None, [], False
                elif kw == "class":
                    cls = val
                elif kw == "example":
                    ex.append(val)
                elif kw == "disable":
                    disabled = True
        flush()
    return out


def extra_rows(args, rules_dir):
    """Rows always trained on (--extra: the reference data)."""
    return run_tool(args.tool, args.extra, rules=rules_dir) \
        if args.extra else []


def example_rows(tool, rules_dir, tmp):
    path = os.path.join(tmp, "examples.tsv")
    with open(path, "w", encoding="utf-8") as fp:
        for cls, text in rule_examples(rules_dir):
            if cls in CLASSES and "\t" not in text:
                fp.write("%s\t-\t%s\trule example\n" % (cls, text))
    return run_tool(tool, [path], rules=rules_dir)


# --------------------------------------------------------------------
# the model

def train(rows, seed=1):
    """Softmax regression by SGD; returns (weights, bias)."""
    k = len(CLASSES)
    idx = {c: i for i, c in enumerate(CLASSES)}
    w = {}
    bias = [0.0] * k
    data = [(r.feats, idx[r.want]) for r in rows if r.want in idx]
    if MIN_COUNT > 1:
        seen = {}
        for feats, _ in data:
            for f in feats:
                seen[f] = seen.get(f, 0) + 1
        data = [([f for f in feats if seen[f] >= MIN_COUNT], y)
                for feats, y in data]
    data.sort(key=lambda d: (d[1], d[0]))
    cw = [1.0] * k
    if BALANCE:
        n = [0] * k
        for _, y in data:
            n[y] += 1
        used = sum(1 for x in n if x)
        cw = [(len(data) / (used * x)) ** BALANCE if x else 1.0 for x in n]
    rnd = random.Random(seed)
    acc, nacc, bacc = {}, 0, [0.0] * k
    for ep in range(EPOCHS):
        if AVERAGE and ep >= EPOCHS // 2 + 1:
            for f, v in w.items():
                a = acc.setdefault(f, [0.0] * k)
                for c in range(k):
                    a[c] += v[c]
            bacc = [x + y for x, y in zip(bacc, bias)]
            nacc += 1
        rnd.shuffle(data)
        lr = RATE / (1 + ep * 0.2)
        decay = 1.0 - lr * L2
        for feats, y in data:
            vecs, g = softmax(w, bias, feats)
            g[y] -= 1.0
            if BALANCE:
                g = [x * cw[y] for x in g]
            for v in vecs:
                for c in range(k):
                    v[c] = v[c] * decay - lr * g[c]
            for c in range(k):
                bias[c] -= lr * 0.1 * g[c]
        if L1:
            cut = lr * L1
            for v in w.values():
                for c in range(k):
                    v[c] = (v[c] - cut if v[c] > cut else
                            v[c] + cut if v[c] < -cut else 0.0)
    if AVERAGE:
        for f, v in w.items():
            a = acc.setdefault(f, [0.0] * k)
            w[f] = [(a[c] + v[c]) / (nacc + 1) for c in range(k)]
        bias = [(x + y) / (nacc + 1) for x, y in zip(bacc, bias)]
    return w, bias


def train_nb(rows, alpha=None):
    """Multinomial naive Bayes with add-alpha smoothing, as a linear
    model: w[f][c] = log P(f | c), centred over the classes (so a feature
    the file leaves out adds the same to every class); bias = log P(c)
    (the classes' rows, add-one)."""
    alpha = NB_ALPHA if alpha is None else alpha
    k = len(CLASSES)
    idx = {c: i for i, c in enumerate(CLASSES)}
    count = {}
    total = [0.0] * k
    nrows = [1.0] * k
    for r in rows:
        y = idx.get(r.want)
        if y is None:
            continue
        nrows[y] += 1
        for f in r.feats:
            count.setdefault(f, [0.0] * k)[y] += 1
            total[y] += 1
    vocab = len(count)
    w = {}
    for f in sorted(count):
        v = [math.log((count[f][c] + alpha) / (total[c] + alpha * vocab))
             for c in range(k)]
        mean = sum(v) / k
        w[f] = [x - mean for x in v]
    nall = sum(nrows)
    bias = [math.log(n / nall) for n in nrows]
    mean = sum(bias) / k
    return w, [b - mean for b in bias]


def prune(w, top=None):
    """Keeps, per class, the top features by |weight|."""
    top = TOP_PER_CLASS if top is None else top
    keep = {}
    for c in range(len(CLASSES)):
        ranked = sorted(w, key=lambda f: (-abs(w[f][c]), f))
        if top > 0:
            ranked = ranked[:top]
        for f in ranked:
            if abs(w[f][c]) >= PRUNE_MIN:
                keep.setdefault(f, {})[c] = round(w[f][c], 3)
    return keep


class Model:
    def __init__(self, keep, bias, threshold, layers,
                 min_words=DEFAULT_MIN_WORDS, nocode=None):
        self.nocode = NOCODE_THRESHOLD if nocode is None else nocode
        self.keep = keep
        self.bias = [round(b, 3) for b in bias]
        self.threshold = threshold
        self.layers = layers
        self.min_words = min_words

    def score(self, feats):
        """(best class, margin over the second, number of word features
        that favour best over second)."""
        s = self.bias[:]
        for f in feats:
            for c, v in self.keep.get(f, {}).items():
                s[c] += v
        order = sorted(range(len(s)), key=lambda c: (-s[c], c))
        best, second = order[0], order[1]
        words = 0
        for f in feats:
            ws = self.keep.get(f)
            if ws is None or f[1:2] == b":":  # c:, e:, w: are no words
                continue
            if ws.get(best, 0.0) - ws.get(second, 0.0) > 0:
                words += 1
        return best, s[best] - s[second], words

    def decide(self, r, threshold=None, layers=None, min_words=None,
               status_threshold=None):
        """The class of row r with the model on top of the rules
        (status_threshold: clsgen's candidate, the margin needed over an
        enhanced-status rule when it is above the threshold)."""
        threshold = self.threshold if threshold is None else threshold
        layers = self.layers if layers is None else layers
        min_words = self.min_words if min_words is None else min_words
        ev = "none" if r.evidence == "-" else r.evidence
        if ev not in layers or not r.reply or r.rule.startswith(
                "fallback-"):
            return r.got
        best, margin, words = self.score(r.feats)
        if ev == "none" and r.code == 0 and r.enh == "-":
            # no code, no status, no phrase: unknown (unless the
            # candidate NOCODE_THRESHOLD says how sure the model must be)
            if self.nocode is None or margin < self.nocode:
                return r.got
        if margin < threshold or words < min_words:
            return r.got
        if ev == "status" and status_threshold is not None and \
                margin < status_threshold:
            return r.got
        return CLASSES[best]

    def write(self, path, comment):
        with open(path, "w", encoding="utf-8", newline="\n") as fp:
            fp.write("bouncestat-model 1\n")
            for line in comment:
                fp.write("# %s\n" % line if line else "#\n")
            fp.write("threshold %g\n" % self.threshold)
            if self.min_words != 1:
                fp.write("min_words %d\n" % self.min_words)
            if self.nocode is not None:
                fp.write("nocode_threshold %g\n" % self.nocode)
            if "cg35" in FEATURE_KINDS:
                fp.write("char_grams %d %d\n" % GRAM_N)
            elif "cg35nd" in FEATURE_KINDS:
                fp.write("char_grams %d %d nodigits\n" % GRAM_N)
            fp.write("layers %s\n" % " ".join(self.layers))
            for c, b in enumerate(self.bias):
                fp.write("bias %s %g\n" % (CLASSES[c], b))
            for f in sorted(self.keep):
                ws = self.keep[f]
                fp.write("w %s %s\n" % (f.decode("utf-8"), " ".join(
                    "%s %g" % (CLASSES[c], ws[c]) for c in sorted(ws))))


def softmax(w, bias, feats):
    """The weight vectors of feats (made when new) and the class
    probabilities of the row: (vecs, probabilities)."""
    k = len(CLASSES)
    s = bias[:]
    vecs = []
    for f in feats:
        v = w.get(f)
        if v is None:
            v = w[f] = [0.0] * k
        vecs.append(v)
        for c in range(k):
            s[c] += v[c]
    m = max(s)
    e = [math.exp(x - m) for x in s]
    z = sum(e)
    return vecs, [x / z for x in e]


def sgd_step(w, bias, feats, y, lr):
    k = len(CLASSES)
    vecs, g = softmax(w, bias, feats)
    if y is None:  # "unknown": towards no preference at all
        g = [x - 1.0 / k for x in g]
    else:
        g[y] -= 1.0
    for v in vecs:
        for c in range(k):
            v[c] -= lr * g[c]


def fit(rows, threshold=DEFAULT_THRESHOLD, layers=DEFAULT_LAYERS,
        min_words=DEFAULT_MIN_WORDS):
    """Trains, prunes, then keeps the contract: no row the rules get
    right (rule examples, reference data, train rows; a row labelled
    unknown, which the reference data leaves so on purpose, included)
    may be turned wrong by the model at this threshold; the rows that
    would be get extra steps (an unknown one towards no preference)
    until none is left (at most CONTRACT_ROUNDS rounds)."""
    w, bias = train_nb(rows) if TRAINER == "nb" else train(rows)
    m = Model(prune(w), bias, threshold, layers, min_words)
    idx = {c: i for i, c in enumerate(CLASSES)}
    for _ in range(CONTRACT_ROUNDS):
        bad = [r for r in rows if r.got == r.want and m.decide(r) != r.want]
        if not bad:
            break
        for r in bad:
            for _ in range(3):
                sgd_step(w, bias, r.feats, idx.get(r.want), 0.1)
        m = Model(prune(w), bias, threshold, layers, min_words)
    return m


# --------------------------------------------------------------------
# measuring

def tally(rows, got):
    t = {}
    for r, g in zip(rows, got):
        a = t.setdefault(r.want, [0, 0])
        a[0] += 1
        a[1] += g == r.want
    return t


def acc(t, cls=None):
    if cls is None:
        n = sum(a[0] for a in t.values())
        k = sum(a[1] for a in t.values())
    else:
        n, k = t.get(cls, [0, 0])
    return (100.0 * k / n if n else 0.0), k, n


def folds_of(rows, sources, k):
    groups = {}
    for r in rows:
        groups.setdefault(sources[r.where], []).append(r)
    keys = sorted(groups, key=lambda g: (-len(groups[g]),
                                         hashlib.sha256(g.encode())
                                         .hexdigest()))
    folds = [[] for _ in range(k)]
    for g in keys:  # largest group first into the smallest fold
        min(folds, key=lambda f: (len(f), folds.index(f))).extend(groups[g])
    return folds


def print_table(title, rows, base, best):
    tb, tm = tally(rows, base), tally(rows, best)
    print("%s" % title)
    print("  %-18s %5s %14s %14s" % ("class", "rows", "rules", "rules+model"))
    for c in sorted(tb):
        a, k, n = acc(tb, c)
        b, kb, _ = acc(tm, c)
        print("  %-18s %5d %6.1f%% %5d  %6.1f%% %5d%s" % (
            c, n, a, k, b, kb, "" if k == kb else "  *"))
    a, k, n = acc(tb)
    b, kb, _ = acc(tm)
    print("  %-18s %5d %6.1f%% %5d  %6.1f%% %5d" % ("overall", n, a, k, b,
                                                     kb))


def cmd_cv(args):
    rules = args.rules
    with tempfile.TemporaryDirectory() as tmp:
        ex = example_rows(args.tool, rules, tmp) + extra_rows(args, rules)
        rows = run_tool(args.tool, args.tsv, rules=rules)
        sources = read_sources(args.tsv)
        folds = folds_of(rows, sources, args.folds)
        print("rows %d, sources %d, folds %s, rule examples %d" % (
            len(rows), len(set(sources.values())),
            [len(f) for f in folds], len(ex)))
        models = []
        for i, test in enumerate(folds):
            tr = [r for j, f in enumerate(folds) if j != i for r in f]
            models.append(fit(tr + ex))
            sys.stderr.write("fold %d trained\n" % i)
        test_rows = [r for f in folds for r in f]
        base = [r.got for r in test_rows]
        print("\n%-24s %9s  %s" % ("layers", "threshold",
                                   "right (rules only: %d of %d)" % (
                                       sum(r.got == r.want
                                           for r in test_rows),
                                       len(test_rows))))
        results = {}
        for ln, layers in LAYER_SETS.items():
            for th in THRESHOLDS:
                for mw in MIN_WORDS:
                    got = [models[i].decide(r, th, layers, mw)
                           for i, f in enumerate(folds) for r in f]
                    right = sum(g == r.want for g, r in zip(got, test_rows))
                    changed = sum(g != b for g, b in zip(got, base))
                    results[(ln, th, mw)] = got
                    print("%-24s %9.1f %2d  %d (changed %d)" % (
                        ln, th, mw, right, changed))
        layers = args.layers.split(",")
        got = [models[i].decide(r, args.threshold, layers, args.min_words)
               for i, f in enumerate(folds) for r in f]
        print_table("\nchosen: layers %s, threshold %g, min_words %d" % (
            " ".join(layers), args.threshold, args.min_words), test_rows,
            base, got)
        for r, g in zip(test_rows, got):
            if g != r.got:
                print("  %s %s: rules %s (%s) -> model %s: %s" % (
                    "FIXED" if g == r.want else "BROKE" if r.got == r.want
                    else "other", r.where, r.got, r.evidence, g,
                    r.reply.decode("utf-8", "replace")[:100]))
        if args.confirm:
            # The same folds through the real classifier.
            cgot = {}
            for i, test in enumerate(folds):
                m = models[i]
                m.threshold, m.layers = args.threshold, layers
                m.min_words = args.min_words
                mp = os.path.join(tmp, "fold%d.model" % i)
                m.write(mp, [])
                for r in run_tool(args.tool, args.tsv, rules=rules,
                                  model=mp):
                    if any(r.where == t.where for t in test):
                        cgot[r.where] = r.got
            diff = sum(cgot[r.where] != g for r, g in zip(test_rows, got))
            print_table("\nconfirmed by the C tool (differences from the "
                        "Python scoring: %d)" % diff, test_rows, base,
                        [cgot[r.where] for r in test_rows])


def cmd_split(args):
    layers = args.layers.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        ex = example_rows(args.tool, args.rules, tmp) + extra_rows(
            args, args.rules)
        tr = run_tool(args.tool, args.train, rules=args.rules)
        m = fit(tr + ex, args.threshold, layers, args.min_words)
        mp = os.path.join(tmp, "split.model")
        m.write(mp, [])
        base = run_tool(args.tool, args.test, rules=args.rules)
        withm = run_tool(args.tool, args.test, rules=args.rules, model=mp)
        print("train %d rows + %d rule examples; test %d rows" % (
            len(tr), len(ex), len(base)))
        for th in THRESHOLDS:
            for ln, ls in LAYER_SETS.items():
                for mw in MIN_WORDS:
                    got = [m.decide(r, th, ls, mw) for r in base]
                    print("  %-24s %4.1f %2d  %d" % (ln, th, mw, sum(
                        g == r.want for g, r in zip(got, base))))
        print_table("\nlayers %s, threshold %g (C tool)" % (
            " ".join(layers), args.threshold), base,
            [r.got for r in base], [r.got for r in withm])
        for r, w in zip(base, withm):
            if w.got != r.got:
                print("  %s %s: rules %s (%s) -> model %s: %s" % (
                    "FIXED" if w.got == r.want else "BROKE"
                    if r.got == r.want else "other", r.where, r.got,
                    r.evidence, w.got,
                    r.reply.decode("utf-8", "replace")[:100]))


# Pieces of generated replies for `features --generated N`: what tokens,
# n-grams and their limits meet (accents, Cyrillic, CJK, overlong and bad
# UTF-8, addresses, digits first, long words, separators).
PIECES = [b"550", b"5.1.1", b"User", b"unknown", b"r\xc3\xa9jet\xc3\xa9",
          b"\xd0\xbf\xd0\xbe\xd1\x87\xd1\x82\xd0\xb0", b"\xe9\x82\xae\xe7\xae\xb1",
          b"\xc1\x81bc", b"\xe0\x80\x81xy", b"a\xffb", b"ab", b"abc", b"9abc",
          b"x" * 70, b"y" * 300, b"<a@b.c>", b"Stra\xc3\x9fe", b"\xc3\xa9t\xc3\xa9",
          b"\xe2\x80\x94", b"\xef\xbc\x8c", b"\xc2\xa0", b"mx1", b"0000", b"O\xcc\x88l",
          b"\xf0\x9f\x98\x80ok", b"\xf4\x90\x80\x80z", b"ZZZ", b"qu\xc3\xb3ta"]


def generated_rows(path, n, seed=12):
    rnd = random.Random(seed)
    with open(path, "wb") as fp:
        for i in range(n):
            k = rnd.choice((1, 3, 8, 30, 120, 400))
            seps = (b" ", b"", b".", b"-", b", ", b"\xc2\xa0")
            text = b"".join(rnd.choice(PIECES) + rnd.choice(seps)
                            for _ in range(k))
            text = text.replace(b"\t", b" ").replace(b"\n", b" ")
            fp.write(b"policy\t-\t" + text + b"\tgenerated\n")


def cmd_features(args):
    """Checks this file's features against the C code's (classify_holdout
    -d -F, a model with char_grams): exit 1 on any difference."""
    global FEATURE_KINDS
    bad = 0
    for kind, opt in (("cg35", ""), ("cg35nd", " nodigits")):
        FEATURE_KINDS = {kind}
        bad += check_features(args, opt)
    if bad:
        sys.exit(1)


def check_features(args, opt):
    """One kind: the number of rows that differ (or 1 when none read)."""
    with tempfile.TemporaryDirectory() as tmp:
        mp = os.path.join(tmp, "grams.model")
        with open(mp, "w") as fp:
            fp.write("bouncestat-model 1\nchar_grams %d %d%s\nlayers off\n"
                     % (GRAM_N + (opt,)))
        tsv = list(args.tsv)
        if args.generated:
            tsv.append(os.path.join(tmp, "generated.tsv"))
            generated_rows(tsv[-1], args.generated)
        out = subprocess.run([args.tool, "-d", "-F", mp] + tsv,
                             check=True, stdout=subprocess.PIPE).stdout
    rows = bad = feats = 0
    for line in out.split(b"\n"):
        if not line:
            continue
        f = line.split(b"\t", 9)
        c = f[9].split(b" ") if len(f) > 9 and f[9] else []
        py = text_features(f[8])
        rows += 1
        feats += len(c)
        if c != py:
            bad += 1
            if bad <= 5:
                k = next((i for i, (a, b) in enumerate(zip(c, py))
                          if a != b), min(len(c), len(py)))
                print("%s: C %d features, Python %d; first difference at "
                      "%d: C %r, Python %r" % (
                          f[0].decode(), len(c), len(py), k,
                          c[k] if k < len(c) else None,
                          py[k] if k < len(py) else None))
    print("char_grams %d %d%s: %d rows, %d features (C), %d rows differ" % (
        GRAM_N + (opt, rows, feats, bad)))
    return bad if rows else 1


def cmd_train(args):
    layers = args.layers.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        ex = example_rows(args.tool, args.rules, tmp)
        rows = run_tool(args.tool, args.tsv, rules=args.rules) + extra_rows(
            args, args.rules)
    m = fit(rows + ex, args.threshold, layers, args.min_words)
    kinds = ", ".join(["c:CODE", "e:C.S"] + [
        {"detail": "e:C.S.D", "wrapper": "w:KIND", "stem": "p:STEM",
         "cgram": "g:CHARS", "cg35": "g:CHARS (3-5)",
         "cg35nd": "g:CHARS (3-5, words without a digit)"}[k]
        for k in sorted(FEATURE_KINDS)])
    m.write(args.out, [
        "The learned model of the classifier's weak layers (issue 12).",
        "Written by tests/model/train_model.py train (do not edit by hand",
        "unless you mean to; the format is in bouncestat-rules(5)) from",
        "%d labelled replies (%s) and %d rule examples." % (
            len(rows), ", ".join(os.path.basename(p)
                                 for p in args.tsv + args.extra),
            len(ex)),
        "Retrain (settings are the trainer's defaults, chosen by clsmodel2",
        "on time splits and leave-source-out cross-validation):",
        "  python3 tests/model/train_model.py train tests/data/replies/"
        "train.tsv",
        "      tests/data/classify/seeds.tsv tests/data/classify/"
        "providers.tsv",
        "Softmax regression over words, word pairs, %s;" % kinds,
        "%d epochs%s, rate %g, L2 %g; %s; weights below %g left out." % (
            EPOCHS, " (weights averaged over the second half)"
            if AVERAGE else "", RATE, L2, "top %d features per class kept" %
            TOP_PER_CLASS if TOP_PER_CLASS else "every feature kept",
            PRUNE_MIN),
        "Used only over rules of evidence: %s; only when the best class" %
        " ".join(layers),
        "beats the second by the threshold (scores are sums of weights)",
        "and at least min_words words or word pairs favour it (classifier5);",
        "a text with no rule, code or enhanced status only at the",
        "nocode_threshold (none: never).",
    ])
    print("%s: %d features" % (args.out, len(m.keep)))


def main():
    global TOP_PER_CLASS, PRUNE_MIN, L2, EPOCHS, FEATURE_KINDS
    global NOCODE_THRESHOLD, AVERAGE
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("features")
    p.add_argument("--tool", default="build/tests/classify_holdout")
    p.add_argument("--generated", type=int, default=0,
                   help="also N generated replies (edge cases)")
    p.add_argument("tsv", nargs="*")
    for name in ("train", "cv", "split"):
        p = sub.add_parser(name)
        p.add_argument("--tool", default="build/tests/classify_holdout")
        p.add_argument("--rules", default="parsers/rules")
        p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
        p.add_argument("--layers", default=",".join(DEFAULT_LAYERS))
        # the model file's range (bouncestat-rules(5)): a 0 written out
        # would be refused when the program loads the model
        p.add_argument("--min-words", type=int, default=DEFAULT_MIN_WORDS,
                       choices=range(1, 17), metavar="1..16")
        p.add_argument("--extra", nargs="*", default=[],
                       help="labelled rows always trained on")
        p.add_argument("--top", type=int, default=TOP_PER_CLASS,
                       help="features kept per class (by |weight|; 0: all)")
        p.add_argument("--features", default=",".join(sorted(FEATURE_KINDS)),
                       help="feature kinds beyond words, pairs, c:, e:C.S: "
                       "comma list of %s, or none" % ", ".join(KINDS))
        p.add_argument("--nocode-threshold", type=float,
                       default=NOCODE_THRESHOLD,
                       help="margin for a text with no rule, code or "
                       "enhanced status; negative: never")
        p.add_argument("--prune-min", type=float, default=PRUNE_MIN,
                       help="smaller weights are left out of the file")
        p.add_argument("--l2", type=float, default=L2)
        p.add_argument("--epochs", type=int, default=EPOCHS)
        p.add_argument("--average", action="store_true",
                       help="the mean of the second half's epochs' "
                       "weights, not the last epoch's (clsgen's "
                       "candidate, not chosen)")
        if name == "train":
            p.add_argument("--out", default="parsers/model/weak.model")
            p.add_argument("tsv", nargs="+")
        elif name == "cv":
            p.add_argument("--folds", type=int, default=5)
            p.add_argument("--confirm", action="store_true")
            p.add_argument("tsv", nargs="+")
        else:
            p.add_argument("--train", nargs="+", required=True)
            p.add_argument("--test", nargs="+", required=True)
    args = ap.parse_args()
    if args.cmd == "features":
        cmd_features(args)
        return
    TOP_PER_CLASS, PRUNE_MIN = args.top, args.prune_min
    L2, EPOCHS = args.l2, args.epochs
    AVERAGE = args.average
    FEATURE_KINDS = set(k for k in args.features.split(",")
                        if k and k != "none")
    if FEATURE_KINDS - set(KINDS):
        ap.error("unknown feature kind(s): %s" % ", ".join(
            sorted(FEATURE_KINDS - set(KINDS))))
    NOCODE_THRESHOLD = args.nocode_threshold \
        if args.nocode_threshold >= 0 else None
    {"train": cmd_train, "cv": cmd_cv, "split": cmd_split}[args.cmd](args)


if __name__ == "__main__":
    main()
