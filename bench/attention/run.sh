#!/usr/bin/env bash
# Plain vs fused attention (model.attention) in one ViT-B transformer block, forward + backward,
# 224x224 (197 tokens) and 512x512 (1025 tokens), through the trainer jar (docs/performance.md).
#   time:   both kernels alternate step by step in ONE process (ratio taken in one run);
#   memory: a fresh process per kernel reports the peak-RSS growth (VmHWM) of one step.
# Settings (environment): THREADS (2), ROUNDS (3 time runs per size), STEPS (6), BATCH (8),
# BATCH512 (2), RESULTS (bench/attention/results-<time>.jsonl; every JSON line is appended).
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
STEPS=${STEPS:-6}
BATCH=${BATCH:-8}
BATCH512=${BATCH512:-2}
RESULTS=${RESULTS:-bench/attention/results-$(date -u +%Y%m%dT%H%M%SZ).jsonl}
# the jar to measure: SARMAE_TRAINER_JAR (bench/perf.sh sets one copy for all parts) or the build's
JAR=${SARMAE_TRAINER_JAR:-trainer/target/sarmae-trainer-0.1.0-SNAPSHOT-all.jar}
[ -f "$JAR" ] || mvn -B -q -o -pl trainer -am package -DskipTests -Dspotless.check.skip=true >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$JAR" "$tmp/trainer.jar"
run() { java -Dai.djl.offline=true -jar "$tmp/trainer.jar" bench-attention --threads "$THREADS" "$@" 2>/dev/null | tail -1 | tee -a "$RESULTS"; }
echo "# $(date -u +%FT%TZ) $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg), threads $THREADS" | tee -a "$RESULTS"
for size in "197 $BATCH" "1025 $BATCH512"; do
  set -- $size
  for r in $(seq "$ROUNDS"); do run --tokens "$1" --batch "$2" --steps "$STEPS"; done
  for k in plain fused; do run --tokens "$1" --batch "$2" --memory "$k"; done
done
python3 - "$RESULTS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
for tokens in sorted({r["tokens"] for r in rows}):
    t = [r for r in rows if r["tokens"] == tokens and r["mode"] == "time"]
    if t:
        ratios = [r["plain_over_fused"] for r in t]
        print(f"tokens {tokens} batch {t[0]['batch']}: plain {statistics.median(r['plain_ms'] for r in t):.1f} ms,"
              f" fused {statistics.median(r['fused_ms'] for r in t):.1f} ms, plain/fused median"
              f" {statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f}, {len(t)} runs)")
    for r in rows:
        if r["tokens"] == tokens and r["mode"] == "memory":
            print(f"tokens {tokens} batch {r['batch']}: {r['kernel']} peak growth {r['peak_growth_mb']:.0f} MB")
PY
