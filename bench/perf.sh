#!/usr/bin/env bash
# Every performance figure of issue #18 in one run (docs/performance.md, "Summary"): each part is
# the benchmark script named in its section, run with the settings the summary table reports, and
# writes its raw lines under OUT. Parts run one after the other, never side by side, because every
# ratio they print assumes nothing else uses the cores. On the project's 2-vCPU machine a full run
# takes well over an hour (ViT-L at batch 32 alone is minutes per process); PARTS picks a subset.
#
#   bench/perf.sh [OUT]                      all parts, OUT defaults to bench/results/perf-<time>
#   PARTS="mfu precision optim" bench/perf.sh
#
# Parts: mfu (MFU against this libtorch's own matmul peak, fused kernels, fp32 and bf16, batch 8 and 32),
# precision (fp32 vs bf16 step, one process), optim (optimizer + gradient-norm share), attention
# (plain vs fused block), checkpointing (ViT-L batch 32 peak memory), loader (throughput against a
# ViT-B batch-32 step), operator (500 runs against the raw API cost), pytorch (the secondary
# DJL-vs-PyTorch step comparison). RUNS (5) repetitions where a part repeats processes.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench/results/perf-$(date -u +%Y%m%dT%H%M%SZ)}
PARTS=${PARTS:-mfu precision optim attention checkpointing loader operator pytorch}
RUNS=${RUNS:-5}
THREADS=${THREADS:-2}
mkdir -p "$OUT"
JAR=trainer/target/sarmae-trainer-0.1.0-SNAPSHOT-all.jar
[ -f "$JAR" ] || mvn -B -q -o -pl trainer -am package -DskipTests -Dspotless.check.skip=true >&2
# One copy for the whole run, so a rebuild meanwhile cannot change what is measured.
export SARMAE_TRAINER_JAR="$OUT/trainer.jar"
cp "$JAR" "$SARMAE_TRAINER_JAR"
note() { echo "# $(date -u +%FT%TZ) $*: $(nproc) cpus ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/parts.log"; }
for part in $PARTS; do
  note "start $part"
  case "$part" in
    mfu)
      RUNS=$RUNS SIZES="tiny small base" BATCHES=8 STEPS=5 WARMUP=2 THREADS=$THREADS \
        bench/mfu/run.sh "$OUT/mfu-b8"
      RUNS=$RUNS SIZES="tiny small base" BATCHES=32 STEPS=3 WARMUP=2 THREADS=$THREADS \
        bench/mfu/run.sh "$OUT/mfu-b32"
      PRECISION=bf16 RUNS=$RUNS SIZES="tiny small base" BATCHES="8 32" STEPS=3 WARMUP=2 \
        THREADS=$THREADS bench/mfu/run.sh "$OUT/mfu-bf16" ;;
    precision)
      ROUNDS=$RUNS THREADS=$THREADS RESULTS="$OUT/precision.jsonl" bench/precision/run.sh ;;
    optim)
      STEPS=$((2 * RUNS)) THREADS=$THREADS RESULTS="$OUT/optim.jsonl" bench/optim/run.sh ;;
    attention)
      ROUNDS=3 THREADS=$THREADS RESULTS="$OUT/attention.jsonl" bench/attention/run.sh ;;
    checkpointing)
      RUNS=3 SIZE=large BATCH=32 THREADS=$THREADS bench/checkpointing/run.sh "$OUT/checkpointing" ;;
    loader)
      RUNS=$RUNS THREADS=$THREADS bench/loader/run.sh "$OUT/loader" ;;
    operator)
      bench/operator/run-scale.sh 500 512m "$RUNS" | tee "$OUT/operator.txt" ;;
    pytorch)
      RESULTS="$OUT/pytorch.jsonl" bench/mae-step.sh compare ;;
    *) echo "unknown part: $part" >&2; exit 2 ;;
  esac
done
note "done"
rm -f "$SARMAE_TRAINER_JAR"
