#!/usr/bin/python3
"""Self time per operator from a PyTorch profiler chrome trace (DJL's JniUtils.stopProfile or
torch.autograd.profiler's export_chrome_trace), to compare where the two sides spend a step.

Usage: trace_summary.py TRACE.json [TOP]
"""

import collections
import json
import sys


def self_times(events):
    """Self time (us) per op name: inclusive duration minus the children nested on the same thread."""
    by_thread = collections.defaultdict(list)
    for e in events:
        if e.get("ph") == "X" and "dur" in e:
            by_thread[e.get("tid")].append(e)
    total = collections.Counter()
    calls = collections.Counter()
    for evs in by_thread.values():
        evs.sort(key=lambda e: (e["ts"], -e["dur"]))
        stack = []  # [end, name, child_time]
        for e in evs:
            start, end = e["ts"], e["ts"] + e["dur"]
            while stack and stack[-1][0] <= start:
                done = stack.pop()
                total[done[1]] += done[3] - done[2]
            if stack:
                stack[-1][2] += e["dur"]
            stack.append([end, e["name"], 0.0, e["dur"]])
            calls[e["name"]] += 1
        for done in stack:
            total[done[1]] += done[3] - done[2]
    return total, calls


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    data = json.load(open(path))
    events = data["traceEvents"] if isinstance(data, dict) else data
    total, calls = self_times(events)
    all_us = sum(total.values())
    print(f"{path}: {all_us / 1e3:.1f} ms self time in {sum(calls.values())} op calls")
    print(f"{'op':50s} {'self ms':>10s} {'%':>6s} {'calls':>7s}")
    for name, us in total.most_common(top):
        print(f"{name[:50]:50s} {us / 1e3:10.1f} {100 * us / all_us:6.1f} {calls[name]:7d}")


if __name__ == "__main__":
    main()
