#!/usr/bin/env bash
# bf16 against fp32 as a user gets them: one precision per process, through the launcher with its
# defaults (SARMAE_BLAS=auto, tcmalloc when installed), the trainer's default kernels (fused
# attention and optimizer), alternating process by process so that every setting sees the same
# machine drift (docs/performance.md, "bf16 mixed precision"). run.sh alternates the two inside one
# process instead, which also flips libtorch's oneDNN switch every step; this one does not.
# Settings, in order of each round: fp32; bf16 (the trainer's choice: on the CPU attention stays on
# libtorch's fp32 flash kernel); bf16-attn (bench-step --bf16-attention: attention on the bf16
# flash kernel, what a GPU runs).
# Environment: ROUNDS (5), SIZE (base), BATCH (8), THREADS (2), STEPS (4), WARMUP (2),
# SETTINGS ("fp32 bf16 bf16-attn"), OUT (bench/precision/processes-<time>.jsonl).
# Prints, per setting, the median over processes of each process's median step and the ratio of
# the fp32 median to it; every process's JSON line is kept in OUT.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-5}
SIZE=${SIZE:-base}
BATCH=${BATCH:-8}
THREADS=${THREADS:-2}
STEPS=${STEPS:-4}
WARMUP=${WARMUP:-2}
SETTINGS=${SETTINGS:-fp32 bf16 bf16-attn}
OUT=${OUT:-bench/precision/processes-$(date -u +%Y%m%dT%H%M%SZ).jsonl}
bin=trainer/bin/sarmae-trainer
echo "# $(date -u +%FT%TZ) $(nproc) cpus ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "family $(grep -m1 '^cpu family' /proc/cpuinfo | cut -d: -f2 | xargs) model $(grep -m1 '^model\s' /proc/cpuinfo | cut -d: -f2 | xargs))," \
  "load $(cut -d' ' -f1-3 /proc/loadavg), SARMAE_BLAS=${SARMAE_BLAS:-auto}" | tee -a "$OUT"
for round in $(seq "$ROUNDS"); do
  for setting in $SETTINGS; do
    case "$setting" in
      fp32) args=(--precision fp32) ;;
      bf16) args=(--precision bf16) ;;
      bf16-attn) args=(--precision bf16 --bf16-attention) ;;
      *) echo "processes.sh: SETTINGS takes fp32, bf16 and bf16-attn, not $setting" >&2; exit 2 ;;
    esac
    "$bin" bench-step --size "$SIZE" --batch "$BATCH" --threads "$THREADS" --steps "$STEPS" \
      --warmup "$WARMUP" --attention fused --optim fused "${args[@]}" 2>/dev/null | tail -1 \
      | sed "s/}\$/,\"setting\":\"$setting\",\"round\":$round}/" | tee -a "$OUT"
  done
done
python3 - "$OUT" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{") and "setting" in l]
by = {}
for r in rows:
    by.setdefault(r["setting"], []).append(r["ms_per_step_median"])
base = statistics.median(by["fp32"]) if "fp32" in by else None
for s, ms in by.items():
    ratio = f", fp32 / this {base / statistics.median(ms):.2f}" if base else ""
    print(f"{s}: {len(ms)} processes, step {statistics.median(ms):.0f} ms median"
          f" (range {min(ms):.0f}-{max(ms):.0f}){ratio}")
rounds = sorted({r["round"] for r in rows})
for s in by:
    if s != "fp32" and base:
        pairs = []
        for n in rounds:
            f = [r["ms_per_step_median"] for r in rows if r["round"] == n and r["setting"] == "fp32"]
            t = [r["ms_per_step_median"] for r in rows if r["round"] == n and r["setting"] == s]
            if f and t:
                pairs.append(f[0] / t[0])
        if pairs:
            print(f"fp32 / {s} per round: median {statistics.median(pairs):.2f}"
                  f" (range {min(pairs):.2f}-{max(pairs):.2f})")
PY
