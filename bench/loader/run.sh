#!/usr/bin/env bash
# Data loader throughput against the training step's consumption (issue #18, docs/performance.md
# "Data loader throughput"). In one run: (1) STEP_STEPS timed SARMAE optimizer steps of a ViT-B at
# batch STEP_BATCH (`sarmae-trainer bench-step`, after STEP_WARMUP untimed ones) on THREADS intra-op
# threads; (2) the real pretraining loader (`sarmae-trainer bench-loader`: decode, percentile
# stretch, resize, SARE speckle, normalisation, collation) on speckled 8-bit PNG, 16-bit TIFF and
# float32 TIFF images it writes into DATA (SOURCE pixels square), for output sizes SIZES and worker
# counts WORKERS, RUNS timed epochs of BATCHES batches of STEP_BATCH each after one untimed one.
# Prints the summary table (summary.py); raw lines in OUT (step.jsonl, loader.jsonl, load.txt).
# Usage: RUNS=5 WORKERS="1 2" SIZES="224 512" bench/loader/run.sh OUT_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin="$here/../../trainer/bin/sarmae-trainer"
out=${1:?usage: run.sh OUT_DIR}
RUNS=${RUNS:-5}
WORKERS=${WORKERS:-1 2}
SIZES=${SIZES:-224 512}
FORMATS=${FORMATS:-png8 tiff16 tiff32}
SOURCE=${SOURCE:-640}
BATCHES=${BATCHES:-2}
DATA=${DATA:-/tmp/sarmae-loader-bench}
STEP_SIZE=${STEP_SIZE:-base}
STEP_BATCH=${STEP_BATCH:-32}
STEP_STEPS=${STEP_STEPS:-3}
STEP_WARMUP=${STEP_WARMUP:-2}
THREADS=${THREADS:-2}
mkdir -p "$out"
csv() { echo "$*" | tr ' ' ','; }
{ date -u +%FT%TZ; nproc; uptime; } >> "$out/load.txt"
if [ "$STEP_STEPS" -gt 0 ]; then
  "$bin" bench-step --size "$STEP_SIZE" --batch "$STEP_BATCH" --image 224 --threads "$THREADS" \
    --steps "$STEP_STEPS" --warmup "$STEP_WARMUP" --attention fused --optim fused \
    2>>"$out/stderr.log" | tail -1 >> "$out/step.jsonl"
  uptime >> "$out/load.txt"
fi
"$bin" bench-loader --dir "$DATA" --reps "$RUNS" --batches "$BATCHES" --batch "$STEP_BATCH" \
  --source "$SOURCE" --formats "$(csv $FORMATS)" --sizes "$(csv $SIZES)" \
  --workers "$(csv $WORKERS)" 2>>"$out/stderr.log" >> "$out/loader.jsonl"
uptime >> "$out/load.txt"
/usr/bin/python3 "$here/summary.py" "$out"
