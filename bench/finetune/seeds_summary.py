#!/usr/bin/env python3
"""Summarises bench/finetune/seeds.sh: for every arm, the fine-tuning mean of each pretraining
seed (mean over the fine-tuning repeats of one encoder), the spread of those means across
pretraining seeds, and the paired differences between arms (same pretraining seed, same
fine-tuning seeds and splits) with a two-sided 95 % t-interval over pretraining seeds.

Reads <work>/ft-<arm>-s<seed>/results.json (ft-scratch/results.json for the scratch arm, which has
no pretraining seed: the same value is paired with every seed) or, with --results DIR, the copies
results-<arm>-s<seed>.json / results-scratch.json in DIR. Standard library only.

Usage: seeds_summary.py WORK [--results] --seeds "1 2 3" --arms "scratch mae sare sarc"
"""
import argparse
import json
import math
import os
import statistics
import sys

# Two-sided 95 % quantiles of Student's t, t_{0.975, df}, df = 1..30 (standard tables).
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]

METRICS = [("Val last", lambda r: r["top1Last"]),
           ("Test", lambda r: r["tests"]["Test"]["top1"]),
           ("TestSpeckle", lambda r: r["tests"]["TestSpeckle"]["top1"])]


def t_interval(values):
    """Mean, sample std and the 95 % t-interval half-width of the mean (None below 2 values)."""
    m = statistics.fmean(values)
    if len(values) < 2:
        return m, None, None
    s = statistics.stdev(values)
    df = len(values) - 1
    t = T975[df - 1] if df <= len(T975) else 1.96
    return m, s, t * s / math.sqrt(len(values))


def path_of(work, flat, arm, seed):
    if flat:
        name = "results-scratch.json" if arm == "scratch" else f"results-{arm}-s{seed}.json"
        return os.path.join(work, name)
    d = "ft-scratch" if arm == "scratch" else f"ft-{arm}-s{seed}"
    return os.path.join(work, d, "results.json")


def per_seed_means(work, flat, arm, seeds):
    """{metric: [mean over repeats for each seed]}, plus the repeat count per seed."""
    out = {name: [] for name, _ in METRICS}
    out.update({"sd " + name: [] for name, _ in METRICS})
    counts = []
    for seed in seeds:
        p = path_of(work, flat, arm, seed)
        if not os.path.exists(p):
            sys.exit(f"missing {p}: run seeds.sh to the end first")
        with open(p) as fh:
            reps = json.load(fh)["repeats"]
        counts.append(len(reps))
        for name, get in METRICS:
            out[name].append(statistics.fmean(get(r) for r in reps))
            out["sd " + name].append(statistics.pstdev(get(r) for r in reps))
    return out, counts


def fmt(m, s, h):
    if s is None:
        return f"{m:6.2f}"
    return f"{m:6.2f} ± {s:4.2f} [{m - h:6.2f}, {m + h:6.2f}]"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("work")
    ap.add_argument("--results", action="store_true",
                    help="WORK holds results-<arm>-s<seed>.json copies")
    ap.add_argument("--seeds", default="1 2 3")
    ap.add_argument("--arms", default="scratch mae sare sarc")
    a = ap.parse_args()
    seeds = a.seeds.split()
    arms = a.arms.split()
    data = {}
    for arm in arms:
        data[arm], counts = per_seed_means(a.work, a.results, arm, seeds)
        data[arm]["_counts"] = counts

    print(f"Top-1 (%) per pretraining seed (mean over fine-tuning repeats), seeds {seeds}")
    print("| arm | metric | " + " | ".join(f"seed {s}" for s in seeds)
          + " | mean ± sd over seeds [95 % t-interval] |")
    print("|---|---|" + "---|" * len(seeds) + "---|")
    for arm in arms:
        for name, _ in METRICS:
            v = data[arm][name]
            if arm == "scratch":
                print(f"| {arm} | {name} | " + " | ".join(f"{x:.2f}" for x in v)
                      + f" | {v[0]:.2f} (one run, no pretraining seed) |")
            else:
                print(f"| {arm} | {name} | " + " | ".join(f"{x:.2f}" for x in v)
                      + f" | {fmt(*t_interval(v))} |")
    print()
    print("Paired differences (row arm − column arm, same pretraining seed), points of top-1:")
    print("| difference | metric | " + " | ".join(f"seed {s}" for s in seeds)
          + " | mean ± sd [95 % t-interval] |")
    print("|---|---|" + "---|" * len(seeds) + "---|")
    pairs = []
    for i, x in enumerate(arms):
        for y in arms[:i]:
            pairs.append((x, y))
    for x, y in pairs:
        if x == "scratch" and y == "scratch":
            continue
        for name, _ in METRICS:
            d = [p - q for p, q in zip(data[x][name], data[y][name])]
            print(f"| {x} − {y} | {name} | " + " | ".join(f"{v:+.2f}" for v in d)
                  + f" | {fmt(*t_interval(d))} |")
    print()
    print("Within one encoder: population std over the fine-tuning repeats (splits and training"
          " seeds), mean over pretraining seeds:")
    for arm in arms:
        print(f"  {arm:8} " + ", ".join(
            f"{name} {statistics.fmean(data[arm]['sd ' + name]):.2f}" for name, _ in METRICS))
    print("repeats per run: " + ", ".join(
        f"{arm} {data[arm]['_counts']}" for arm in arms))


if __name__ == "__main__":
    main()
