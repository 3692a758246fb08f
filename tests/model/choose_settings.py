#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The bouncestat authors
"""How the model's settings were chosen (clsmodel2), on train data only.

  tests/model/time_splits.sh DIR      # the time splits (twelve), once
  python3 tests/model/choose_settings.py DIR [CANDIDATE...]

For each candidate (a feature set and training setting; the names are
below) it trains one model per time split (on that split's earlier rows,
its rules' examples and tests/data/classify/*.tsv) and one per fold of
5-fold leave-source-out cross-validation on train.tsv (today's rules),
and prints, for every layer set, threshold and min_words, the replies
right and the net score: made right - broken - moved from one wrong
answer (or unknown) to another, summed over the splits and the CV (the
criterion fixed before any candidate was measured). The rows are read
through the real classifier (classify_holdout -d); `confirm` re-runs the
trainer's default setting through the C tool itself (-R, -m) and prints
the differences from the Python scoring (0 when the two agree). Each
line also gives the net on the splits and on the CV apart (clsgen's
criterion: a change must gain on both). BS_HOLDOUT_TOOL names another
build's classify_holdout (e.g. build-rel/tests/classify_holdout).
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_model as tm  # noqa: E402

TOOL = os.environ.get("BS_HOLDOUT_TOOL", "build/tests/classify_holdout")
EXTRA = ["tests/data/classify/seeds.tsv", "tests/data/classify/providers.tsv"]
LAYERS = {"cbn": ["code", "broad", "none"],
          "scbn": ["status", "code", "broad", "none"],
          "pscbn": ["phrase", "status", "code", "broad", "none"],
          # clsgen: the model over fewer layers, or over an enhanced
          # status only at a larger margin (sN: at least N)
          "bn": ["broad", "none"], "n": ["none"],
          "scbn-s3": ["status", "code", "broad", "none"],
          "scbn-s4": ["status", "code", "broad", "none"],
          "scbn-s5": ["status", "code", "broad", "none"]}
# name: (feature kinds, top per class, prune-min, L2, epochs, nocode, trainer)
ALL = 0
CANDIDATES = {
    "base": ((), 50, 0.005, 1e-3, 30, None, "sgd"),  # before clsmodel2
    "top100": ((), 100, 0.005, 1e-3, 30, None, "sgd"),
    "top200": ((), 200, 0.005, 1e-3, 30, None, "sgd"),
    "top400": ((), 400, 0.005, 1e-3, 30, None, "sgd"),
    "all": ((), ALL, 0.005, 1e-3, 30, None, "sgd"),
    "all-pmin0.05": ((), ALL, 0.05, 1e-3, 30, None, "sgd"),
    "all-pmin0.1": ((), ALL, 0.1, 1e-3, 30, None, "sgd"),
    "nb": ((), 50, 0.005, 1e-3, 30, None, "nb"),
    "detail": (("detail",), ALL, 0.05, 1e-3, 30, None, "sgd"),
    "wrapper": (("wrapper",), ALL, 0.05, 1e-3, 30, None, "sgd"),
    "stem": (("stem",), ALL, 0.05, 1e-3, 30, None, "sgd"),
    "cgram": (("cgram",), ALL, 0.05, 1e-3, 30, None, "sgd"),
    "l2-1e-4": ((), ALL, 0.05, 1e-4, 30, None, "sgd"),
    "l2-3e-3": ((), ALL, 0.05, 3e-3, 30, None, "sgd"),
    "ep60": ((), ALL, 0.05, 1e-3, 60, None, "sgd"),
    "nocode2": ((), ALL, 0.05, 1e-3, 30, 2.0, "sgd"),
    "detail-nocode2": (("detail",), ALL, 0.05, 1e-3, 30, 2.0, "sgd"),
    "chosen": (("detail",), ALL, 0.05, 1e-3, 30, 1.5, "sgd"),
    # classifier8: a smaller model (weights below 0.07 left out)
    "chosen-pmin0.07": (("detail",), ALL, 0.07, 1e-3, 30, 1.5, "sgd"),
    # clsgen: character 3-5-grams of every word, class-balanced weights
    # (full, square root), a frequency cut (features of >= 2 rows)
    "cg35": (("detail", "cg35"), ALL, 0.05, 1e-3, 30, 1.5, "sgd"),
    "balanced": (("detail",), ALL, 0.05, 1e-3, 30, 1.5, "sgd",
                 {"BALANCE": 1.0}),
    "balanced-sqrt": (("detail",), ALL, 0.05, 1e-3, 30, 1.5, "sgd",
                      {"BALANCE": 0.5}),
    "mincount2": (("detail",), ALL, 0.05, 1e-3, 30, 1.5, "sgd",
                  {"MIN_COUNT": 2}),
    "l1-0.05": (("detail",), ALL, 0.05, 1e-3, 30, 1.5, "sgd",
                {"L1": 0.05}),
    "avg": (("detail",), ALL, 0.05, 1e-3, 30, 1.5, "sgd",
            {"AVERAGE": True}),
    # avg as it would ship at threshold 1.0: its contract kept there too
    "avg-th1.0": (("detail",), ALL, 0.05, 1e-3, 30, 1.5, "sgd",
                  {"AVERAGE": True, "THRESHOLD": 1.0}),
    # cg35 with fewer features (weights below 0.15 / 0.3 left out)
    "cg35-pmin0.15": (("detail", "cg35"), ALL, 0.15, 1e-3, 30, 1.5, "sgd"),
    "cg35-pmin0.3": (("detail", "cg35"), ALL, 0.3, 1e-3, 30, 1.5, "sgd"),
    # cgram: cg35 with its contract kept at min_words 3 (as the trainer
    # writes a model whose min_words is 3)
    "cg35-mw3": (("detail", "cg35"), ALL, 0.05, 1e-3, 30, 1.5, "sgd",
                 {"MIN_WORDS": 3}),
    # cgram: no n-grams of a word with a digit (ids), which keeps the
    # memo's hit rate (+2.9% instructions) but loses cg35's gain
    "cg35nd": (("detail", "cg35nd"), ALL, 0.05, 1e-3, 30, 1.5, "sgd"),
    "cg35nd-mw3": (("detail", "cg35nd"), ALL, 0.05, 1e-3, 30, 1.5, "sgd",
                   {"MIN_WORDS": 3}),
}


def load(splits_dir):
    tmp = tempfile.mkdtemp()
    splits = []
    for name in sorted(n for n in os.listdir(splits_dir) if n[:1] == "T"):
        d = os.path.join(splits_dir, name)
        rd = os.path.join(d, "rules")
        ex = tm.example_rows(TOOL, rd, tmp) + tm.run_tool(TOOL, EXTRA,
                                                           rules=rd)
        splits.append((name, rd, ex,
                       tm.run_tool(TOOL, [d + "/train.tsv"], rules=rd),
                       tm.run_tool(TOOL, [d + "/test.tsv"], rules=rd)))
    args = ["tests/data/replies/train.tsv"]
    ex = tm.example_rows(TOOL, "parsers/rules", tmp) + tm.run_tool(
        TOOL, EXTRA, rules="parsers/rules")
    rows = tm.run_tool(TOOL, args, rules="parsers/rules")
    return splits, ex, tm.folds_of(rows, tm.read_sources(args), 5)


def counts(got, rows):
    return (sum(g == r.want for g, r in zip(got, rows)),
            sum(r.got != r.want and g == r.want for g, r in zip(got, rows)),
            sum(r.got == r.want and g != r.want for g, r in zip(got, rows)),
            sum(r.got != r.want and g not in (r.got, r.want)
                for g, r in zip(got, rows)))


def run(name, splits, cvex, folds):
    kinds, top, pmin, l2, epochs, nocode, trainer = CANDIDATES[name][:7]
    extra = CANDIDATES[name][7] if len(CANDIDATES[name]) > 7 else {}
    tm.BALANCE = extra.get("BALANCE", 0.0)
    tm.MIN_COUNT = extra.get("MIN_COUNT", 1)
    tm.L1 = extra.get("L1", 0.0)
    tm.AVERAGE = extra.get("AVERAGE", False)
    fth = extra.get("THRESHOLD", 1.5)  # the contract's (fit's) threshold
    fmw = extra.get("MIN_WORDS", 2)  # and min_words
    tm.FEATURE_KINDS, tm.TOP_PER_CLASS, tm.PRUNE_MIN = set(kinds), top, pmin
    tm.L2, tm.EPOCHS, tm.NOCODE_THRESHOLD, tm.TRAINER = (l2, epochs, nocode,
                                                          trainer)
    for _, _, ex, tr, te in splits:
        for r in ex + tr + te:
            r.refeature()
    for r in cvex + [r for f in folds for r in f]:
        r.refeature()
    fl = tm.DEFAULT_LAYERS
    models = [tm.fit(tr + ex, fth, fl, fmw) for _, _, ex, tr, _ in splits]
    cvm = [tm.fit([r for j, f in enumerate(folds) if j != i for r in f] +
                  cvex, fth, fl, fmw) for i in range(5)]
    cvrows = [r for f in folds for r in f]
    for ln, layers in LAYERS.items():
        st = float(ln.split("-s")[1]) if "-s" in ln else None
        for th in (0.5, 1.0, 1.5, 2.0, 3.0):
            for mw in (1, 2, 3):
                t = [0, 0, 0, 0]
                for m, (_, _, _, _, te) in zip(models, splits):
                    c = counts([m.decide(r, th, layers, mw, st)
                                for r in te], te)
                    t = [a + b for a, b in zip(t, c)]
                c = counts([cvm[i].decide(r, th, layers, mw, st)
                            for i, f in enumerate(folds) for r in f], cvrows)
                net = t[1] - t[2] - t[3] + c[1] - c[2] - c[3]
                print("%-16s %-7s th%.1f mw%d | net %3d | time net %3d "
                      "right %d fix %d broke %d other %d | cv net %3d "
                      "right %d fix %d broke %d other %d" % (
                          (name, ln, th, mw, net, t[1] - t[2] - t[3]) +
                          tuple(t) + (c[1] - c[2] - c[3],) + c), flush=True)
    print("%s: %d features in the split models (mean)" % (
        name, sum(len(m.keep) for m in models) // len(models)), flush=True)


def main():
    splits_dir = sys.argv[1]
    names = sys.argv[2:] or list(CANDIDATES)
    splits, cvex, folds = load(splits_dir)
    print("rules only: time %d of %d, cv %d of %d" % (
        sum(sum(r.got == r.want for r in te) for *_, te in splits),
        sum(len(te) for *_, te in splits),
        sum(r.got == r.want for f in folds for r in f),
        sum(len(f) for f in folds)), flush=True)
    for name in names:
        if name == "confirm":
            confirm(splits_dir, splits)
        else:
            run(name, splits, cvex, folds)


def confirm(splits_dir, splits):
    """The trainer's defaults, through the C tool, on the time splits."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, rd, ex, tr, te in splits:
            m = tm.fit(tr + ex)
            mp = os.path.join(tmp, name + ".model")
            m.write(mp, [])
            withm = tm.run_tool(TOOL, [os.path.join(splits_dir, name,
                                                    "test.tsv")],
                                rules=rd, model=mp)
            print("%s: rules %d, C with model %d of %d (python/C "
                  "differences %d)" % (
                      name, sum(r.got == r.want for r in te),
                      sum(r.got == r.want for r in withm), len(te),
                      sum(m.decide(r) != w.got for r, w in zip(te, withm))))


if __name__ == "__main__":
    main()
