#!/usr/bin/env python3
"""Summarise a JFR recording's CPU samples (jdk.ExecutionSample) of the operator scale benchmark.

Usage: bench/operator/jfr_top.py FILE.jfr [top=25]

Prints the samples per part of the process (the mock API server, the operator's reconciles, the
watches and informers, the benchmark's own client work), the samples per thread group (thread names without their numbers), the top frames by
self samples, and for each thread group the top io.sarmae / JOSDK / Fabric8 frames by inclusive
samples (a sample counts once for every distinct method on its stack). Reads `jfr print --json`.
"""
import collections
import json
import re
import subprocess
import sys


def method(frame):
    m = frame["method"]
    return m["type"]["name"].replace("/", ".") + "." + m["name"]


def part(group, names):
    """Which part of the benchmark a sample belongs to, from its thread and stack."""
    if group.startswith("vert.x-eventloop"):
        return "mock API server (event loop)"
    if any(n.startswith("io.sarmae.operator.bench.") for n in names):
        return "benchmark harness and raw writes (creators, raw replay, simulated kubelet)"
    if any(n.startswith(("io.sarmae.operator.", "io.javaoperatorsdk.")) for n in names):
        return "operator: reconciles and JOSDK event processing"
    if any("Watch" in n or "informers" in n for n in names):
        return "watches and informers (client side: operator's and harness's)"
    return "other (HTTP client I/O and response parsing, JDK threads)"


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    out = subprocess.run(
        ["jfr", "print", "--json", "--events", "jdk.ExecutionSample", path],
        check=True, capture_output=True, text=True).stdout
    events = json.loads(out)["recording"]["events"]
    parts = collections.Counter()
    groups = collections.Counter()
    self_frames = collections.Counter()
    inclusive = collections.defaultdict(collections.Counter)
    for e in events:
        v = e["values"]
        thread = (v.get("sampledThread") or {}).get("javaName") or "?"
        group = re.sub(r"[0-9]+", "#", thread)
        groups[group] += 1
        frames = (v.get("stackTrace") or {}).get("frames") or []
        if not frames:
            continue
        self_frames[method(frames[0])] += 1
        parts[part(group, [method(f) for f in frames])] += 1
        seen = set()
        for f in frames:
            name = method(f)
            if name in seen:
                continue
            seen.add(name)
            if name.startswith(("io.sarmae.", "io.javaoperatorsdk.", "io.fabric8.")):
                inclusive[group][name] += 1
    total = sum(groups.values())
    print(f"{total} CPU samples")
    print("samples per part:")
    for p, n in parts.most_common():
        print(f"  {n:6d} {100 * n / total:5.1f}%  {p}")
    print("samples per thread group:")
    for g, n in groups.most_common(top):
        print(f"  {n:6d} {100 * n / total:5.1f}%  {g}")
    print("top frames by self samples:")
    for m, n in self_frames.most_common(top):
        print(f"  {n:6d} {100 * n / total:5.1f}%  {m}")
    for g, n in groups.most_common(6):
        print(f"inclusive in '{g}' ({n} samples):")
        for m, k in inclusive[g].most_common(15):
            print(f"  {k:6d} {100 * k / n:5.1f}%  {m}")


if __name__ == "__main__":
    main()
