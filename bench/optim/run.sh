#!/usr/bin/env bash
# Optimizer step + gradient norm share of the pretraining step (issue #18, optim.fused), DJL's
# per-parameter path ("java") against the fused libtorch calls ("fused"), alternating step by step
# in ONE process per size (bench-step --optim alternate), batch 8, 224x224, 2 threads, SARC on.
# Settings (environment): SIZES ("tiny base"), THREADS (2), STEPS (10 timed steps = 5 per path),
# WARMUP (2), BATCH (8), IMAGE (224), RESULTS (bench/optim/results-<time>.jsonl, appended).
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZES=${SIZES:-"tiny base"}
THREADS=${THREADS:-2}
STEPS=${STEPS:-10}
WARMUP=${WARMUP:-2}
BATCH=${BATCH:-8}
IMAGE=${IMAGE:-224}
RESULTS=${RESULTS:-bench/optim/results-$(date -u +%Y%m%dT%H%M%SZ).jsonl}
# the jar to measure: SARMAE_TRAINER_JAR (bench/perf.sh sets one copy for all parts) or the build's
JAR=${SARMAE_TRAINER_JAR:-trainer/target/sarmae-trainer-0.1.0-SNAPSHOT-all.jar}
[ -f "$JAR" ] || mvn -B -q -o -pl trainer -am package -DskipTests -Dspotless.check.skip=true >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$JAR" "$tmp/trainer.jar"
for size in $SIZES; do
  echo "# $(date -u +%FT%TZ) $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg), size $size" | tee -a "$RESULTS"
  java -Dai.djl.offline=true -jar "$tmp/trainer.jar" bench-step --size "$size" --batch "$BATCH" \
    --image "$IMAGE" --threads "$THREADS" --steps "$STEPS" --warmup "$WARMUP" --optim alternate \
    2>/dev/null | tail -1 | tee -a "$RESULTS"
done
echo "# $(date -u +%FT%TZ) done, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RESULTS"
python3 - "$RESULTS" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    if not l.startswith("{"):
        continue
    r = json.loads(l)
    for p in ("java", "fused"):
        print(f"{r['size']} b{r['batch']} {r['image']}px {p:5}: step {r[p+'_step_ms']:.0f} ms,"
              f" grad norm {r[p+'_grad_norm_ms']:.1f} ms ({r[p+'_grad_norm_ms_min']:.1f}-{r[p+'_grad_norm_ms_max']:.1f}),"
              f" optimizer {r[p+'_optimizer_ms']:.1f} ms ({r[p+'_optimizer_ms_min']:.1f}-{r[p+'_optimizer_ms_max']:.1f}),"
              f" share {100*r[p+'_share']:.2f} % ({100*r[p+'_share_min']:.2f}-{100*r[p+'_share_max']:.2f}), {r[p+'_steps']} steps")
PY
