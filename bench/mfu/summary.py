#!/usr/bin/python3
"""Summarises bench/mfu/run.sh: per size and batch, the median and range over runs of the step
time, the achieved GFLOP/s, the matrix-multiply peak of the same libtorch and their ratio (MFU), the
paired MFU (each timed step over the peak measured right after it, median per run), and from the
profiled step the share of operator self time spent in matrix products and convolutions.

Usage: summary.py OUT_DIR   (reads OUT_DIR/mfu.jsonl and OUT_DIR/trace-<size>-b<batch>.json)
"""

import collections
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import trace_summary  # noqa: E402

PRODUCTS = {"aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::mkldnn_convolution",
            "aten::convolution_backward", "aten::_convolution", "aten::convolution",
            "aten::_scaled_dot_product_flash_attention_for_cpu",
            "aten::_scaled_dot_product_flash_attention_for_cpu_backward"}


def matmul_share(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    total, _ = trace_summary.self_times(events)
    ops = {k: v for k, v in total.items() if k.startswith("aten::")}
    all_ops = sum(ops.values())
    return sum(v for k, v in ops.items() if k in PRODUCTS) / all_ops if all_ops else None


def fmt_range(values, digits=2):
    med = statistics.median(values)
    return f"{med:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def paired_range(rs):
    """Median and range over runs of each run's paired MFU (every timed step over the peak taken
    right after it); n/a for lines from before bench-step reported it."""
    values = [r["mfu_paired"] for r in rs if "mfu_paired" in r]
    return fmt_range(values, 3) if values else "n/a"


def main():
    out = sys.argv[1]
    rows = collections.defaultdict(list)
    with open(os.path.join(out, "mfu.jsonl")) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                r = json.loads(line)
                rows[(r["size"], r["batch"], r.get("allocator", "glibc"), r.get("blas", "libtorch"))].append(r)
    print("| size | batch | allocator | BLAS | runs | step ms | GFLOP/step | achieved GFLOP/s | peak GFLOP/s (same"
          " libtorch) | MFU | MFU paired | matmul+conv share of op time |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (size, batch, allocator, blas), rs in sorted(rows.items()):
        tag = allocator if blas == "libtorch" else f"{allocator}-{blas}"
        trace = os.path.join(out, f"trace-{size}-b{batch}-{tag}.json")
        if not os.path.exists(trace):
            trace = os.path.join(out, f"trace-{size}-b{batch}.json")  # runs before ALLOCATORS
        share = matmul_share(trace)
        print(f"| {size} | {batch} | {allocator} | {blas} | {len(rs)} | {fmt_range([r['ms_per_step_median'] for r in rs], 0)}"
              f" | {rs[0]['flops_per_step_g']:.1f}"
              f" | {fmt_range([r['achieved_gflops'] for r in rs], 1)}"
              f" | {fmt_range([r['gemm_peak_gflops'] for r in rs], 1)}"
              f" | {fmt_range([r['mfu'] for r in rs], 3)}"
              f" | {paired_range(rs)}"
              f" | {'n/a' if share is None else f'{share:.2f}'} |")


if __name__ == "__main__":
    main()
