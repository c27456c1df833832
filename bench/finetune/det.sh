#!/usr/bin/env bash
# Detection fine-tuning from the encoders bench/finetune/seeds.sh pretrained (issues #16/#17):
# FCOS on the ViTDet simple feature pyramid (task=detection) on synth-data --kind detection (ships
# in K-distributed sea clutter with coastlines, land scatterers and wake distractors), from scratch
# and from each pretrained encoder of each seed in SEEDS, with horizontal boxes (COCO layout,
# pycocotools mAP@[.5:.95]) and oriented boxes (DOTA layout, le90, DOTA devkit mAP@0.5).
# WORK is the seeds.sh work folder: its pretrain-<arm>-s<seed>/ckpt/final are read, nothing in it
# is changed; the data goes to WORK/detdata/, results to WORK/det-<box>-<arm>[-s<seed>]/ with
# <box> = hbb (horizontal) or obb (oriented).
#
# Image size: the encoders were pretrained on 32x32 chips (4x4 patch grid at patch 8). The
# detector needs an input that is a multiple of its largest stride and ships that span a few
# stride-8 cells: the generator draws ships 6-22 % of the side long with aspect 2.5-5, so at
# SIZE=96 a ship is 6-21 px long and 1-8 px wide (at 64 the smallest would be 4 x 1 px, under one
# stride-8 cell). 96 is a multiple of 32, hence strides 8, 16, 32 (64 would need SIZE 64 or 128).
# The position embeddings are resampled 4x4 -> 12x12 (bicubic, MAE's interpolate_pos_embed) when
# model.init loads an encoder; the scratch arm uses the fixed sin-cos table of the 12x12 grid.
#
# A second fine-tuning repeat can be added later as its own run: FT_SEED=1 REPEATS=1 TAG=-ft1 trains
# exactly repeat 1 of FT_SEED=0 REPEATS=2 (repeat k uses seed run.seed + k on the whole train split)
# into det-<box>-<name>-ft1/; det_summary.py pools the tagged runs with the untagged ones.
#
# RESCORE=1 (after the runs) also scores each oriented run's last checkpoint with the DOTA devkit's
# all-point AP (detection.apMethod=all-point) on val and test, into det-obb-<name>/allpoint-<split>.json:
# with few true positives the VOC07 11-point AP moves in steps of 1/11 (9.09 points).
#
# Example (the run docs/results.md reports):
#   SARMAE_TRAINER_JAR=<copy of the jar> SEEDS="1 2 3" ARMS="scratch mae sare" BOXES="hbb obb" \
#     DET_EPOCHS=10 REPEATS=1 JOBS=2 bench/finetune/det.sh /tmp/fid17-seeds
# (one repeat and 10 epochs because that was what fitted on the shared 2-core machine; the
# defaults below, 12 epochs and 2 repeats, are the smallest run worth reading.)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin="$here/../../trainer/bin/sarmae-trainer"
work=${1:?usage: det.sh WORK (the seeds.sh folder)}
SIZE=${SIZE:-96}
PATCH=${PATCH:-8}
MODEL=${MODEL:-tiny}
SEEDS=${SEEDS:-1 2 3}
ARMS=${ARMS:-scratch mae sare sarc}
BOXES=${BOXES:-hbb obb}
STRIDES=${STRIDES:-[8, 16, 32]}
DET_TRAIN=${DET_TRAIN:-64}
DET_EVAL=${DET_EVAL:-32}
DET_DATA_SEED=${DET_DATA_SEED:-5}
DET_EPOCHS=${DET_EPOCHS:-12}
DET_BATCH=${DET_BATCH:-8}
DET_LR=${DET_LR:-1e-3}
DET_CHANNELS=${DET_CHANNELS:-32}
DET_HEAD_CONVS=${DET_HEAD_CONVS:-2}
FT_SEED=${FT_SEED:-0}
REPEATS=${REPEATS:-2}
TAG=${TAG:-}
JOBS=${JOBS:-2}
cd "$work"
export bin MODEL SIZE PATCH STRIDES DET_EPOCHS DET_BATCH DET_LR DET_CHANNELS DET_HEAD_CONVS \
  FT_SEED REPEATS TAG
[ -d detdata ] || nice -n 19 "$bin" synth-data --kind detection --out detdata \
  --count "$DET_TRAIN" --eval-count "$DET_EVAL" --image-size "$SIZE" --seed "$DET_DATA_SEED" \
  > detdata.log 2>&1

detft() { # box name init-or-empty
  local box=$1 name=$2 init=${3:-} out="det-$1-$2$TAG" extra=()
  [ -f "$out/results.json" ] && return
  [ -n "$init" ] && extra=(--set model.init="$init")
  case $box in
    hbb) extra+=(--set detection.format=coco) ;;
    obb) extra+=(--set detection.format=dota --set detection.oriented=true
      --set detection.apMethod=voc07) ;;
    *) echo "unknown box kind $box (hbb or obb)" >&2; return 2 ;;
  esac
  local t0
  t0=$(date +%s)
  if ! nice -n 19 "$bin" finetune --set task=detection --set run.threads=1 \
    --set run.seed="$FT_SEED" --set observability.port=0 --set observability.logEverySteps=8 \
    --set model.size="$MODEL" --set model.imageSize="$SIZE" --set model.patchSize="$PATCH" \
    --set data.path=detdata --set data.trainSplit=train --set data.evalSplit=val \
    --set 'data.testSplits=[test]' --set data.evalEveryEpochs="$DET_EPOCHS" \
    --set "detection.strides=$STRIDES" --set detection.channels="$DET_CHANNELS" \
    --set detection.headConvs="$DET_HEAD_CONVS" \
    --set detection.hflip=0.5 --set detection.vflip=0.5 --set detection.rot90=0.5 \
    --set optim.epochs="$DET_EPOCHS" --set optim.batchSize="$DET_BATCH" --set optim.lr="$DET_LR" \
    --set optim.warmupEpochs=1 --set repeats.count="$REPEATS" \
    --set run.outputDir="$out" --set checkpoint.dir="$out/ckpt" "${extra[@]}" \
    > "$out.log" 2>&1; then
    echo "$(date -u +%H:%M:%S) FAILED det $box $name (see $work/$out.log)" >&2
    return 1
  fi
  echo "$(date -u +%H:%M:%S) done det $box $name in $(( $(date +%s) - t0 )) s"
}
rescore() { # name: all-point AP of det-obb-<name>'s last checkpoint on val and test
  local out="det-obb-$1" ck split
  ck=$(ls -d "$out"/ckpt/repeat-0/checkpoint-* 2>/dev/null | sort | tail -1)
  [ -n "$ck" ] || return 0
  for split in val test; do
    [ -f "$out/allpoint-$split.json" ] && continue
    nice -n 19 "$bin" evaluate --checkpoint "$ck" --split "$split" --out "$out/allpoint-$split.json" \
      --set detection.apMethod=all-point --set run.threads=1 --set observability.port=0 \
      > "$out/allpoint-$split.log" 2>&1 || echo "rescore $1 $split failed" >&2
  done
  echo "$(date -u +%H:%M:%S) rescored obb $1 (all-point)"
}
export -f detft rescore
start=$(date +%s)
# Seed by seed, so a run cut short has whole seeds of every arm; both box kinds of one encoder
# next to each other.
{
  first=1
  for seed in $SEEDS; do
    for arm in $ARMS; do
      if [ "$arm" = scratch ]; then
        [ -n "$first" ] && for box in $BOXES; do echo "$box scratch"; done
      else
        for box in $BOXES; do echo "$box $arm-s$seed pretrain-$arm-s$seed/ckpt/final"; done
      fi
    done
    first=
  done
} | xargs -P "$JOBS" -L 1 bash -c 'detft "$@"' _ || echo "some runs failed" >&2
echo "total wall time: $(( $(date +%s) - start )) s"
if [ "${RESCORE:-0}" = 1 ]; then
  for d in det-obb-*"$TAG"; do
    [ -f "$d/results.json" ] && echo "${d#det-obb-}"
  done | xargs -P "$JOBS" -L 1 bash -c 'rescore "$@"' _ || true
fi
python3 "$here/det_summary.py" . --seeds "$SEEDS" --arms "$ARMS" --boxes "$BOXES" || true
