#!/usr/bin/env bash
# Activation checkpointing (issue #18, docs/performance.md "Activation checkpointing"): peak memory
# and step time of the pretraining step with and without model.activationCheckpointing. Each run
# is a fresh process (`sarmae-trainer bench-step`), so its peak resident set size (VmHWM, in the
# JSON line as rss_mb_peak) is that setting's own: model, AdamW state, activations and libtorch's
# caches. Settings alternate off/on so a change in machine load hits both alike. Raw JSON lines go
# to OUT/steps.jsonl with the load average before each run; summary.py prints the table.
# Usage: RUNS=3 SIZE=large BATCH=32 THREADS=2 STEPS=1 WARMUP=0 bench/checkpointing/run.sh OUT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin="$here/../../trainer/bin/sarmae-trainer"
out=${1:?usage: run.sh OUT_DIR}
RUNS=${RUNS:-3}
SIZE=${SIZE:-large}
BATCH=${BATCH:-32}
THREADS=${THREADS:-2}
STEPS=${STEPS:-1}
WARMUP=${WARMUP:-0}
IMAGE=${IMAGE:-224}
ATTENTION=${ATTENTION:-plain}
ALIGNMENT=${ALIGNMENT:-false}
mkdir -p "$out"
for run in $(seq 1 "$RUNS"); do
  for ckpt in off on; do
    flag=()
    [ "$ckpt" = on ] && flag=(--checkpointing)
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    line=$("$bin" bench-step --size "$SIZE" --batch "$BATCH" --image "$IMAGE" \
      --threads "$THREADS" --steps "$STEPS" --warmup "$WARMUP" --attention "$ATTENTION" \
      --alignment "$ALIGNMENT" "${flag[@]}" 2>>"$out/stderr.log" | tail -1)
    echo "{\"run\":$run,\"loadavg_before\":\"$load\",\"result\":$line}" >> "$out/steps.jsonl"
    echo "run $run checkpointing=$ckpt: $line" >&2
  done
done
/usr/bin/python3 "$here/summary.py" "$out"
