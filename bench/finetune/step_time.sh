#!/usr/bin/env bash
# Per-step wall time of fine-tuning vs linear probing (model.mode), same command otherwise:
# ViT-Tiny at 64x64, patch 8 (65 tokens), batch 16, 1 intra-op thread, 2 epochs of 15 steps, no
# evaluation until the end. Prints the median and mean of the step-to-step times in log.jsonl
# (the first two steps, which include warm-up, are left out). Alternate the modes a few times on a
# shared machine. Numbers: docs/results.md, "Linear probing".
#   bench/finetune/step_time.sh [WORK] [PAIRS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin="$here/../../trainer/bin/sarmae-trainer"
work=${1:-./step-time}
pairs=${2:-3}
mkdir -p "$work"
[ -d "$work/data" ] || "$bin" synth-data --kind classification --out "$work/data" --count 40 \
  --eval-count 2 --image-size 64 --seed 5
run() { # mode, output folder
  local mode=$1 out=$2
  rm -rf "$out"
  "$bin" finetune --set model.mode="$mode" --set model.size=tiny --set model.imageSize=64 \
    --set model.patchSize=8 --set data.path="$work/data" --set data.protocol=all \
    --set data.evalEveryEpochs=100 --set optim.epochs=2 --set optim.batchSize=16 \
    --set optim.lr=1e-3 --set optim.warmupEpochs=0 --set run.threads=1 \
    --set observability.port=0 --set observability.logEverySteps=1 \
    --set observability.progressBar=never --set checkpoint.everyEpochs=0 \
    --set run.outputDir="$out" --set checkpoint.dir="$out/ckpt" > "$out.log" 2>&1
  python3 - "$out/log.jsonl" "$mode" <<'PY'
import datetime, json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
rows = [r for r in rows if "step" in r and "loss" in r]
t = [datetime.datetime.fromisoformat(r["time"].replace("Z", "+00:00")) for r in rows]
d = [(b - a).total_seconds() * 1000 for a, b in zip(t, t[1:])][2:]
print(f"{sys.argv[2]:9} {len(d)} steps: median {statistics.median(d):.1f} ms, mean {statistics.mean(d):.1f} ms")
PY
}
for i in $(seq "$pairs"); do
  run finetune "$work/finetune-$i"
  run linprobe "$work/linprobe-$i"
done
