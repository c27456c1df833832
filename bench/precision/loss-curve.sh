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
import json, statistics as st, sys
out = sys.argv[1]
def rows(p):
    return {r["step"]: r for r in map(json.loads, open(f"{out}/{p}-log.jsonl")) if "step" in r and "mae_loss" in r}
a, b = rows("fp32"), rows("bf16")
S = sorted(set(a) & set(b))
with open(f"{out}/curves.tsv", "w") as f:
    f.write("step\tfp32\tbf16\tfp32_mae\tbf16_mae\tfp32_align\tbf16_align\n")
    for s in S:
        f.write(f"{s}\t{a[s]['loss']:.6f}\t{b[s]['loss']:.6f}\t{a[s]['mae_loss']:.6f}\t{b[s]['mae_loss']:.6f}"
                f"\t{a[s]['alignment_loss']:.6f}\t{b[s]['alignment_loss']:.6f}\n")
print(f"steps {len(S)}: fp32 loss {a[S[0]]['loss']:.4f} -> {a[S[-1]]['loss']:.4f}, bf16 {b[S[0]]['loss']:.4f} -> {b[S[-1]]['loss']:.4f}")
for k in ["mae_loss", "alignment_loss", "loss"]:
    rel = [abs(b[s][k] - a[s][k]) / a[s][k] for s in S]
    win = [abs(st.mean(b[s][k] for s in S[i:i+20]) - st.mean(a[s][k] for s in S[i:i+20]))
           / st.mean(a[s][k] for s in S[i:i+20]) for i in range(0, len(S) - 19, 20)]
    print(f"{k} |bf16-fp32|/fp32: median {st.median(rel):.4f} max {max(rel):.4f}; first 50 steps max"
          f" {max(rel[:50]):.4f}; 20-step means max {max(win):.4f}; last-20 means fp32"
          f" {st.mean(a[s][k] for s in S[-20:]):.4f} bf16 {st.mean(b[s][k] for s in S[-20:]):.4f}")
PY
