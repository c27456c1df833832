#!/usr/bin/env bash
# fp32 against bf16 (optim.precision) in ONE process per line, alternating step by step, so that
# both see the same machine load (docs/performance.md, "bf16 mixed precision"):
#   1. the MLP Linear of ViT-B ((8*197, 768) x (3072, 768)^T, casts included) with libtorch's oneDNN
#      switch forced off and on: why bf16 turns oneDNN on;
#   2. the full SARMAE step (forward, backward, gradient norm, AdamW) of ViT-Base and ViT-Tiny at
#      224x224, batch 8: medians of ROUNDS fp32/bf16 pairs and the ratio fp32 / bf16.
# Settings (environment): THREADS (2), ROUNDS (5), SIZES ("base tiny"), BATCH (8),
# RESULTS (bench/precision/results-<time>.jsonl; every JSON line is appended).
# The loss curves are bench/precision/loss-curve.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-5}
SIZES=${SIZES:-base tiny}
BATCH=${BATCH:-8}
RESULTS=${RESULTS:-bench/precision/results-$(date -u +%Y%m%dT%H%M%SZ).jsonl}
# the jar to measure: SARMAE_TRAINER_JAR (bench/perf.sh sets one copy for all parts) or the build's
JAR=${SARMAE_TRAINER_JAR:-trainer/target/sarmae-trainer-0.1.0-SNAPSHOT-all.jar}
if [ -n "${SARMAE_CLASSPATH:-}" ]; then
  run() { java -Dai.djl.offline=true -cp "$SARMAE_CLASSPATH" io.sarmae.trainer.Main bench-precision --threads "$THREADS" "$@" 2>/dev/null | tee -a "$RESULTS"; }
else
  [ -f "$JAR" ] || mvn -B -q -o -pl trainer -am package -DskipTests -Dspotless.check.skip=true >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  cp "$JAR" "$tmp/trainer.jar"
  run() { java -Dai.djl.offline=true -jar "$tmp/trainer.jar" bench-precision --threads "$THREADS" "$@" 2>/dev/null | tee -a "$RESULTS"; }
fi
echo "# $(date -u +%FT%TZ) $(nproc) cpus ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load $(cut -d' ' -f1-3 /proc/loadavg), threads $THREADS" | tee -a "$RESULTS"
run --size base --batch "$BATCH" --rounds "$ROUNDS" --gemm --no-step
for size in $SIZES; do
  run --size "$size" --batch "$BATCH" --rounds "$ROUNDS"
  echo "# $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RESULTS"
done
