#!/usr/bin/env python3
"""Summarises bench/checkpointing/run.sh output: per setting the median (min-max) peak RSS and
step time over the runs, and the memory saved and time cost of checkpointing."""
import json
import statistics
import sys
from pathlib import Path


def main(out):
    rows = [json.loads(l) for l in Path(out, "steps.jsonl").read_text().splitlines() if l.strip()]
    by = {False: [], True: []}
    for r in rows:
        by[bool(r["result"]["checkpointing"])].append(r)
    med = {}
    print("| checkpointing | runs | peak RSS MiB median (min-max) | step ms median (min-max) | process CPU ms per step median | load avg before |")
    print("|---|---|---|---|---|---|")
    for k in (False, True):
        if not by[k]:
            continue
        peak = [r["result"]["rss_mb_peak"] for r in by[k]]
        step = [r["result"]["ms_per_step_median"] for r in by[k]]
        cpu = [r["result"]["cpu_ms_per_step_median"] for r in by[k]]
        loads = ", ".join(r["loadavg_before"].split()[0] for r in by[k])
        med[k] = (statistics.median(peak), statistics.median(step))
        print(f"| {'on' if k else 'off'} | {len(peak)} | {med[k][0]:.0f} ({min(peak):.0f}-{max(peak):.0f}) "
              f"| {med[k][1]:.0f} ({min(step):.0f}-{max(step):.0f}) | {statistics.median(cpu):.0f} | {loads} |")
    if len(med) == 2:
        saved = med[False][0] - med[True][0]
        print(f"\nmemory saved: {saved:.0f} MiB ({100 * saved / med[False][0]:.1f}% of peak RSS); "
              f"step time x{med[True][1] / med[False][1]:.2f}")


if __name__ == "__main__":
    main(sys.argv[1])
