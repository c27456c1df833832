#!/usr/bin/env bash
# The body of bench/seg/step.sh and bench/det/step.sh, which differ only in the task: times this
# trainer's training step of the task (bench/$TASK/$MAIN against the trainer jar) and the same
# model in plain PyTorch (bench/$TASK/step.py), rounds alternating which side goes first, and
# prints the medians and the per-round ratio. Sourced with TASK (seg|det) and MAIN set; the
# variables it reads are listed in the callers.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
SIZE=${SIZE:-base}
IMAGE=${IMAGE:-512}
BATCH=${BATCH:-2}
STEPS=${STEPS:-5}
WARMUP=${WARMUP:-2}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-2}
PYTHON=${PYTHON:-/usr/bin/python3}
source bench/lib/need-torch.sh
need_torch "bench/$TASK/step.sh"
JAR=trainer/target/sarmae-trainer-0.1.0-SNAPSHOT-all.jar
mkdir -p bench/results
RESULTS=${RESULTS:-bench/results/$TASK-step-$(date -u +%Y%m%dT%H%M%SZ).jsonl}
if [ ! -f "$JAR" ]; then
  echo "building $JAR" >&2
  mvn -B -q -o -pl trainer -am package -DskipTests -Dspotless.check.skip=true >&2
fi
jar_dir=$(mktemp -d)
trap 'rm -rf "$jar_dir"' EXIT
cp "$JAR" "$jar_dir/sarmae-trainer.jar"
if [ -z "${LD_PRELOAD:-}" ] && [ -f /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 ]; then
  djl_env=(LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4)
else
  djl_env=(GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296)
fi
args=(--size "$SIZE" --image "$IMAGE" --batch "$BATCH" --steps "$STEPS" --warmup "$WARMUP" --threads "$THREADS")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg); results in $RESULTS" >&2
djl() {
  env "${djl_env[@]}" java -Xmx2g -XX:+UseG1GC -Dai.djl.offline=true \
    -Dai.djl.pytorch.num_threads="$THREADS" -Dai.djl.pytorch.num_interop_threads=1 \
    -cp "$jar_dir/sarmae-trainer.jar" "bench/$TASK/$MAIN" "${args[@]}" 2>>"$RESULTS.stderr" | tail -1 | tee -a "$RESULTS"
}
pytorch() {
  OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS "$PYTHON" "bench/$TASK/step.py" "${args[@]}" 2>>"$RESULTS.stderr" | tail -1 | tee -a "$RESULTS"
}
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then djl; pytorch; else pytorch; djl; fi
done
"$PYTHON" - "$RESULTS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
djl = [r["ms_per_step_median"] for r in rows if r["impl"] == "djl"]
pt = [r["ms_per_step_median"] for r in rows if r["impl"] == "pytorch"]
ratios = [d / p for d, p in zip(djl, pt)]
print(f"DJL {statistics.median(djl):.0f} ms/step, PyTorch {statistics.median(pt):.0f} ms/step, "
      f"DJL/PyTorch {statistics.median(ratios):.2f}x (per round: {', '.join(f'{x:.2f}' for x in ratios)})")
PY
