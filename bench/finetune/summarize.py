#!/usr/bin/env python3
"""Prints mean +/- population std of top-1 per init and split from <PREFIX>-<init>/ (finished
repeats); PREFIX is ft (fine-tuning, default) or lp (linear probing)."""
import json
import math
import os
import sys


def stat(values):
    if not values:
        return "-"
    m = sum(values) / len(values)
    s = math.sqrt(sum((v - m) ** 2 for v in values) / len(values))
    return f"{m:6.2f} +/- {s:5.2f} (n={len(values)})"


work = sys.argv[1]
prefix = os.environ.get("PREFIX", "ft")
inits = sys.argv[2:] or ["scratch", "sare", "mae"]
print(f"{'init':8} | {'Val last':22} | {'Val best':22} | {'Test':22} | {'TestSpeckle':22}")
for init in inits:
    d = os.path.join(work, f"{prefix}-{init}", "repeats")
    reps = []
    if os.path.isdir(d):
        for f in sorted(os.listdir(d)):
            if f.startswith("repeat-") and f.endswith(".json"):
                with open(os.path.join(d, f)) as fh:
                    reps.append(json.load(fh))
    last = [r["top1Last"] for r in reps]
    best = [r["top1Best"] for r in reps]
    test = [r["tests"]["Test"]["top1"] for r in reps if "Test" in r["tests"]]
    strong = [r["tests"]["TestSpeckle"]["top1"] for r in reps if "TestSpeckle" in r["tests"]]
    print(f"{init:8} | {stat(last):22} | {stat(best):22} | {stat(test):22} | {stat(strong):22}")
