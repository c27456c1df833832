#!/usr/bin/env bash
# Every performance figure of issue #18 in one run (docs/performance.md, "Summary"): each part is
# the benchmark script named in its section, run with the settings the summary table reports, and
# writes its raw lines under OUT. Parts run one after the other, never side by side, because every
# ratio they print assumes nothing else uses the cores. On the project's 2-vCPU machine a full run
# took about 1 h 40 min (2026-12-02: mfu 43 min, checkpointing 10, operator 3, pytorch 12), before
# the mfu part also ran its fp32 rows on OpenBLAS (MFU_BLAS; those processes' steps are shorter,
# the part now takes longer); PARTS picks a subset.
#
#   bench/perf.sh [OUT]                      all parts, OUT defaults to bench/results/perf-<time>
#   PARTS="mfu precision optim" bench/perf.sh
#
# Parts: mfu (MFU against this libtorch's own matmul peak, fused kernels, fp32 on oneMKL and on
# OpenBLAS, bf16, batch 8 and 32),
# precision (fp32 vs bf16 step, alternating in one process, then one precision per process as the
# launcher runs it by default), optim (optimizer + gradient-norm share), attention
# (plain vs fused block), checkpointing (ViT-L batch 32 peak memory), loader (throughput against a
# ViT-B batch-32 step), operator (500 runs against the raw API cost), pytorch (the secondary
# DJL-vs-PyTorch step comparison; needs Debian's python3-torch, which the tests do not, so .ci/run
# does not install it: it stops with exit 2 saying so). RUNS (5) repetitions where a part repeats
# processes.
#
#   QUICK=1 bench/perf.sh OUT                every part once at toy sizes (ViT-Tiny, small batches,
#                                            one process, 50 operator runs): about 3-4 minutes
#                                            here. It checks that the whole script and every part's
#                                            summary run end to end; its numbers are not the doc's.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench/results/perf-$(date -u +%Y%m%dT%H%M%SZ)}
PARTS=${PARTS:-mfu precision optim attention checkpointing loader operator pytorch}
RUNS=${RUNS:-5}
THREADS=${THREADS:-2}
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  RUNS=1
  # every knob a part reads, shrunk; the parts keep their own defaults otherwise
  SIZES_ALL="tiny" B_SMALL=4 B_LARGE=8 MFU_STEPS=1 MFU_WARMUP=1 CKPT_SIZE=tiny CKPT_BATCH=4
  OPERATOR_RUNS=50
else
  SIZES_ALL="tiny small base" B_SMALL=8 B_LARGE=32 MFU_STEPS=5 MFU_WARMUP=2 CKPT_SIZE=large
  CKPT_BATCH=32 OPERATOR_RUNS=500
fi
# fp32 matrix products (docs/performance.md, "The GEMM underneath"): the mfu part measures both
# libtorch's oneMKL and OpenBLAS (MFU_BLAS); every other part runs SARMAE_BLAS, libtorch by
# default, because the figures the doc records for them were measured on oneMKL.
# SARMAE_BLAS=auto bench/perf.sh measures them on the trainer's default instead.
export SARMAE_BLAS=${SARMAE_BLAS:-libtorch}
MFU_BLAS=${MFU_BLAS:-libtorch openblas}
mkdir -p "$OUT"
JAR=trainer/target/sarmae-trainer-0.1.0-SNAPSHOT-all.jar
[ -f "$JAR" ] || mvn -B -q -o -pl trainer -am package -DskipTests -Dspotless.check.skip=true >&2
# One copy for the whole run, so a rebuild meanwhile cannot change what is measured.
export SARMAE_TRAINER_JAR="$OUT/trainer.jar"
cp "$JAR" "$SARMAE_TRAINER_JAR"
note() { echo "# $(date -u +%FT%TZ) $*: $(nproc) cpus ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/parts.log"; }
for part in $PARTS; do
  note "start $part"
  # each part in a subshell: what one part exports (QUICK's sizes) never reaches the next
  (
  case "$part" in
    mfu)
      BLAS="$MFU_BLAS" RUNS=$RUNS SIZES="$SIZES_ALL" BATCHES=$B_SMALL STEPS=$MFU_STEPS \
        WARMUP=$MFU_WARMUP THREADS=$THREADS bench/mfu/run.sh "$OUT/mfu-b8"
      BLAS="$MFU_BLAS" RUNS=$RUNS SIZES="$SIZES_ALL" BATCHES=$B_LARGE \
        STEPS=$((MFU_STEPS < 3 ? MFU_STEPS : 3)) WARMUP=$MFU_WARMUP THREADS=$THREADS \
        bench/mfu/run.sh "$OUT/mfu-b32"
      PRECISION=bf16 RUNS=$RUNS SIZES="$SIZES_ALL" BATCHES="$B_SMALL $B_LARGE" \
        STEPS=$((MFU_STEPS < 3 ? MFU_STEPS : 3)) WARMUP=$MFU_WARMUP THREADS=$THREADS \
        bench/mfu/run.sh "$OUT/mfu-bf16" ;;
    precision)
      if [ "$QUICK" = 1 ]; then export SIZES=tiny SIZE=tiny BATCH=$B_SMALL STEPS=1 WARMUP=1; fi
      ROUNDS=$RUNS THREADS=$THREADS RESULTS="$OUT/precision.jsonl" bench/precision/run.sh
      # as a user gets it: one precision per process, the launcher's default BLAS
      SARMAE_BLAS=auto ROUNDS=$RUNS THREADS=$THREADS OUT="$OUT/precision-processes.jsonl" \
        bench/precision/processes.sh ;;
    optim)
      if [ "$QUICK" = 1 ]; then export SIZES=tiny BATCH=$B_SMALL WARMUP=1; fi
      STEPS=$((2 * RUNS)) THREADS=$THREADS RESULTS="$OUT/optim.jsonl" bench/optim/run.sh ;;
    attention)
      if [ "$QUICK" = 1 ]; then export ROUNDS=1 STEPS=2 BATCH=2 BATCH512=1; fi
      ROUNDS=${ROUNDS:-3} THREADS=$THREADS RESULTS="$OUT/attention.jsonl" bench/attention/run.sh ;;
    checkpointing)
      # the trainer's default kernel (model.attention auto: fused), as the summary table reports
      RUNS=$RUNS SIZE=$CKPT_SIZE BATCH=$CKPT_BATCH THREADS=$THREADS ATTENTION=fused \
        bench/checkpointing/run.sh "$OUT/checkpointing" ;;
    loader)
      if [ "$QUICK" = 1 ]; then
        export SIZES=224 FORMATS="png8 tiff32" WORKERS=1 STEP_SIZE=tiny STEP_BATCH=$B_LARGE \
          STEP_STEPS=1
      fi
      RUNS=$RUNS THREADS=$THREADS bench/loader/run.sh "$OUT/loader" ;;
    operator)
      bench/operator/run-scale.sh "$OPERATOR_RUNS" 512m "$RUNS" | tee "$OUT/operator.txt" ;;
    pytorch)
      if [ "$QUICK" = 1 ]; then
        export SIZES=tiny IMAGE=64 ROUNDS=1 TINY_STEPS=2 TINY_WARMUP=1
      fi
      RESULTS="$OUT/pytorch.jsonl" bench/mae-step.sh compare ;;
    *) echo "unknown part: $part" >&2; exit 2 ;;
  esac
  )
done
note "done"
rm -f "$SARMAE_TRAINER_JAR"
