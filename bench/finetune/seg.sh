#!/usr/bin/env bash
# Segmentation fine-tuning from the encoders bench/finetune/seeds.sh pretrained (issue #15/#17):
# UperNet + FCN auxiliary head (task=segmentation) on synth-data --kind segmentation (six-class
# SAR land-cover scenes, mmsegmentation layout), small images, from scratch and from each
# pretrained encoder of each seed in SEEDS. WORK is the seeds.sh work folder (its
# pretrain-<arm>-s<seed>/ckpt/final are read); results go to WORK/seg-<arm>[-s<seed>]/.
# Example (the run docs/results.md reports):
#   SEEDS="1 2 3" ARMS="scratch mae sare" SEG_EPOCHS=15 REPEATS=1 JOBS=2 \
#     bench/finetune/seg.sh /tmp/fid17-seeds
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin="$here/../../trainer/bin/sarmae-trainer"
work=${1:?usage: seg.sh WORK (the seeds.sh folder)}
SIZE=${SIZE:-32}
PATCH=${PATCH:-8}
MODEL=${MODEL:-tiny}
SEEDS=${SEEDS:-1 2 3}
ARMS=${ARMS:-scratch mae sare sarc}
SEG_TRAIN=${SEG_TRAIN:-48}
SEG_EVAL=${SEG_EVAL:-24}
SEG_EPOCHS=${SEG_EPOCHS:-20}
SEG_BATCH=${SEG_BATCH:-8}
SEG_LR=${SEG_LR:-1e-3}
REPEATS=${REPEATS:-1}
JOBS=${JOBS:-3}
cd "$work"
export bin MODEL SIZE PATCH SEG_EPOCHS SEG_BATCH SEG_LR REPEATS
[ -d segdata ] || nice -n 19 "$bin" synth-data --kind segmentation --out segdata \
  --count "$SEG_TRAIN" --eval-count "$SEG_EVAL" --image-size "$SIZE" --seed 4 > segdata.log 2>&1

segft() { # name init-or-empty
  local name=$1 init=${2:-} extra=()
  [ -f "seg-$name/results.json" ] && return
  [ -n "$init" ] && extra=(--set model.init="$init")
  nice -n 19 "$bin" finetune --set task=segmentation --set run.threads=1 \
    --set observability.port=0 --set observability.logEverySteps=20 \
    --set model.size="$MODEL" --set model.imageSize="$SIZE" --set model.patchSize="$PATCH" \
    --set data.path=segdata --set data.trainSplit=train --set data.evalSplit=val \
    --set 'data.testSplits=[test]' --set data.scaling=range --set data.evalEveryEpochs=10 \
    --set segmentation.channels=32 --set segmentation.auxChannels=16 \
    --set segmentation.scaleLong=1.5 --set 'segmentation.ratioRange=[1.0, 1.5]' \
    --set optim.epochs="$SEG_EPOCHS" --set optim.batchSize="$SEG_BATCH" --set optim.lr="$SEG_LR" \
    --set optim.warmupEpochs=1 --set repeats.count="$REPEATS" \
    --set run.outputDir="seg-$name" --set checkpoint.dir="seg-$name/ckpt" "${extra[@]}" \
    > "seg-$name.log" 2>&1
  echo "$(date -u +%H:%M:%S) done seg $name"
}
export -f segft
start=$(date +%s)
{
  for arm in $ARMS; do
    if [ "$arm" = scratch ]; then echo scratch; else
      for seed in $SEEDS; do echo "$arm-s$seed pretrain-$arm-s$seed/ckpt/final"; done
    fi
  done
} | xargs -P "$JOBS" -L 1 bash -c 'segft "$@"' _
echo "total wall time: $(( $(date +%s) - start )) s"
python3 - "$SEEDS" "$ARMS" <<'PY'
import json, statistics, sys
seeds, arms = sys.argv[1].split(), sys.argv[2].split()
print("| arm | per pretraining seed: mIoU val last / test | mean over seeds (val, test) |")
print("|---|---|---|")
for arm in arms:
    names = ["scratch"] if arm == "scratch" else [f"{arm}-s{s}" for s in seeds]
    val, test = [], []
    for n in names:
        r = json.load(open(f"seg-{n}/results.json"))
        val.append(statistics.fmean(x["mIoULast"] for x in r["repeats"]))
        test.append(statistics.fmean(x["tests"]["test"]["mIoU"] for x in r["repeats"]))
    cells = ", ".join(f"{v:.2f} / {t:.2f}" for v, t in zip(val, test))
    print(f"| {arm} | {cells} | {statistics.fmean(val):.2f}, {statistics.fmean(test):.2f} |")
PY
