#!/usr/bin/python3
"""Summarises bench/loader/run.sh: per format, output size and worker count, the median and range
over repetitions of the loader's images/s (wall) and images per CPU-second of the process, and the
headroom against the training step: images/s the step consumes = batch / median step time.

Consumption is taken two ways: "as run" = batch / median wall step time (inflated by whatever else
loads the machine), and "quiet" = batch / (median step CPU time / threads), the step as fast as its
threads' CPU time allows on an idle machine: the higher, conservative consumption.

headroom/core = loader images per CPU-second / quiet consumption: what one core of decoding
delivers over what the step eats (target >= 3 for ViT-B). headroom(wall) = wall images/s with that
many workers / consumption as run, on this machine as loaded during the run.

Usage: summary.py OUT_DIR [STEP_JSONL]   (reads OUT_DIR/loader.jsonl and OUT_DIR/step.jsonl, or
the bench-step lines of STEP_JSONL when given, e.g. bench/mfu/results-*/mfu-b8.jsonl)
"""

import collections
import json
import os
import statistics
import sys


def lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip().startswith("{")]


def main(out, step_file=None):
    steps = lines(step_file or os.path.join(out, "step.jsonl"))
    steps = [s for s in steps if s.get("size") in (None, "base")] or steps
    consume = quiet = None
    if steps:
        ms = statistics.median(s["ms_per_step_median"] for s in steps)
        cpu_ms = statistics.median(s["cpu_ms_per_step_median"] for s in steps)
        batch = steps[0]["batch"]
        threads = steps[0]["threads"]
        consume = batch / (ms / 1000)
        quiet = batch / (cpu_ms / threads / 1000)
        print(f"step: ViT-{steps[0]['size']} batch {batch}, {threads} threads, "
              f"{len(steps)} run(s) of {steps[0]['steps']} steps: median {ms:.0f} ms wall, "
              f"{cpu_ms:.0f} ms CPU per step -> consumes {consume:.2f} images/s as run, "
              f"{quiet:.2f} images/s quiet (CPU time / {threads} threads)")
    groups = collections.OrderedDict()
    for r in lines(os.path.join(out, "loader.jsonl")):
        groups.setdefault((r["format"], r["size"], r["workers"]), []).append(r)
    print("| format | size | workers | runs | images/s median (min-max) | images/CPU-s median "
          "(min-max) | headroom/core | headroom (wall) | load1 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (fmt, size, workers), rs in groups.items():
        wall = [r["images_per_s"] for r in rs]
        cpu = [r["images_per_cpu_s"] for r in rs]
        load = statistics.median(r["load1"] for r in rs)
        hw = hc = "-"
        if consume:
            hc = f"{statistics.median(cpu) / quiet:.1f}x"
            # A step timed in another run saw other load: only the CPU-time figure compares.
            hw = "-" if step_file else f"{statistics.median(wall) / consume:.1f}x"
        print(f"| {fmt} | {size} | {workers} | {len(rs)} | {statistics.median(wall):.1f} "
              f"({min(wall):.1f}-{max(wall):.1f}) | {statistics.median(cpu):.1f} "
              f"({min(cpu):.1f}-{max(cpu):.1f}) | {hc} | {hw} | {load:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".", sys.argv[2] if len(sys.argv) > 2 else None)
