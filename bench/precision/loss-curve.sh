#!/usr/bin/env bash
# A 300-step SARMAE pretraining of ViT-Tiny on generated SAR-1M-style data (synth-data, 32x32,
# patch 8, a small decoder, batch 16, the SARC loss against the seeded random stem teacher), once in
# fp32 and once in bf16 (optim.precision), same seed and data; prints the per-step losses side by
# side and the band: |loss_bf16 - loss_fp32| / loss_fp32, per step and over 20-step means
# (docs/performance.md, "bf16 mixed precision").
# Settings (environment): THREADS (1 per run; both runs go in parallel), OUT (bench/precision/loss-<time>).
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS=${THREADS:-1}
OUT=${OUT:-bench/precision/loss-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
if [ -n "${SARMAE_CLASSPATH:-}" ]; then
  trainer() { java -Dai.djl.offline=true -cp "$SARMAE_CLASSPATH" io.sarmae.trainer.Main "$@"; }
else
  JAR=trainer/target/sarmae-trainer-0.1.0-SNAPSHOT-all.jar
  [ -f "$JAR" ] || mvn -B -q -o -pl trainer -am package -DskipTests -Dspotless.check.skip=true >&2
  trainer() { java -Dai.djl.offline=true -jar "$JAR" "$@"; }
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trainer synth-data --out "$work/data" --count 400 --image-size 32 --seed 0 > /dev/null 2>&1
echo "# $(date -u +%FT%TZ) $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg), threads $THREADS per run" | tee "$OUT/README.txt"
for p in fp32 bf16; do
  trainer pretrain --set model.size=tiny --set model.imageSize=32 --set model.patchSize=8 \
    --set model.decoderDim=128 --set model.decoderDepth=2 --set model.decoderHeads=4 \
    --set model.attention=fused --set alignment.opticalDim=64 --set alignment.randomTeacher=true \
    --set data.path="$work/data" --set data.workers=1 --set optim.epochs=12 \
    --set optim.batchSize=16 --set optim.lr=5e-4 --set optim.warmupEpochs=1 \
    --set optim.precision=$p --set run.seed=0 --set run.threads="$THREADS" \
    --set run.outputDir="$work/$p/out" --set checkpoint.dir="$work/$p/ckpt" \
    --set observability.logEverySteps=1 --set observability.progressBar=never \
    --set observability.port=0 > "$OUT/$p.log" 2>&1 &
done
wait
for p in fp32 bf16; do cp "$work/$p/out/log.jsonl" "$OUT/$p-log.jsonl"; done
python3 - "$OUT" <<'PY' | tee -a "$OUT/README.txt"
import json, statistics, sys
out = sys.argv[1]
def losses(p):
    rows = [json.loads(l) for l in open(f"{out}/{p}-log.jsonl")]
    return {r["step"]: r["loss"] for r in rows if "loss" in r and "step" in r and r.get("event", "step") == "step"}
a, b = losses("fp32"), losses("bf16")
steps = sorted(set(a) & set(b))
with open(f"{out}/curves.tsv", "w") as f:
    f.write("step\tfp32\tbf16\n")
    for s in steps:
        f.write(f"{s}\t{a[s]:.6f}\t{b[s]:.6f}\n")
rel = [abs(b[s] - a[s]) / abs(a[s]) for s in steps]
win = [(abs(statistics.mean(b[s] for s in steps[i:i+20]) - statistics.mean(a[s] for s in steps[i:i+20]))
        / statistics.mean(a[s] for s in steps[i:i+20])) for i in range(0, len(steps) - 19, 20)]
print(f"steps {len(steps)}: fp32 loss {a[steps[0]]:.4f} -> {a[steps[-1]]:.4f}, bf16 {b[steps[0]]:.4f} -> {b[steps[-1]]:.4f}")
print(f"per-step |bf16-fp32|/fp32: median {statistics.median(rel):.4f}, max {max(rel):.4f}")
print(f"20-step means |bf16-fp32|/fp32: max {max(win):.4f} over {len(win)} windows")
PY
