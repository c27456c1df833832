#!/usr/bin/env bash
# Few-shot transfer with several PRETRAINING seeds per arm (issue #17, docs/results.md "Several
# pretraining seeds"). bench/finetune/run.sh pretrains each arm once; this script pretrains each
# arm once per seed in SEEDS, fine-tunes every encoder with the same fine-tuning seeds and splits,
# and summarises the spread across pretraining seeds and the paired differences between arms
# (seeds_summary.py: t-interval over pretraining seeds).
#
# Arms (ARMS):
#   scratch  no pretraining: the classifier is initialised as MAE initialises a ViT (Xavier-uniform
#            linears and patch embedding, zero biases, cls token N(0, 0.02), fixed 2-D sin-cos
#            position embedding, head trunc-normal 2e-5), seeded by the fine-tuning seed
#            (run.seed + k), so it is one run, paired with every pretraining seed;
#   mae      MAE pretraining (noise.enabled=false, alignment off);
#   sare     MAE + SARE speckle injection (noise.enabled=true, alignment off);
#   sarc     SARE + SARC alignment to a FIXED RANDOM TEACHER (alignment.randomTeacher=true, no
#            optical weights: the stem teacher is a seeded random patch projection + LayerNorm).
#            The chips have no optical image, so this arm's data pairs every chip with itself
#            (chips-paired/OPT -> the same files as chips-paired/SAR): the alignment target is a
#            random projection of the SAR chip without SARE's injected speckle. It measures what
#            aligning to a random teacher does, not what SARC with a real optical teacher does.
# Pretraining data: unlabelled target chips (synth-data --kind classification, seed CHIPS_SEED,
# labels discarded), as run.sh's PRETRAIN_DATA=chips, but only the PNG ones are listed (the
# generator writes about 10 % as 16-bit TIFF; SCENES=4096 gives 3,690 PNG chips). Each
# pretraining uses run.seed=<seed>; fine-tuning always uses run.seed=FT_SEED with REPEATS repeats.
# Three runs go at a time (JOBS); everything at nice 19 with one intra-op thread. Example (the run
# docs/results.md reports; seed 3 ran as a second invocation with SEEDS=3 ARMS="mae sare sarc" in
# the same folder, at the same time, to fit the time):
#   SEEDS="1 2 3" SCENES=4096 PRETRAIN_EPOCHS=4 FT_EPOCHS=20 EVAL_EVERY=10 REPEATS=3 JOBS=3 \
#     bench/finetune/seeds.sh /tmp/fid17-seeds
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin="$here/../../trainer/bin/sarmae-trainer"
work=${1:-./ft-seeds}
SIZE=${SIZE:-32}
PATCH=${PATCH:-8}
MODEL=${MODEL:-tiny}
SCENES=${SCENES:-4096}
SEEDS=${SEEDS:-1 2 3}
ARMS=${ARMS:-scratch mae sare sarc}
PRETRAIN_EPOCHS=${PRETRAIN_EPOCHS:-4}
PRETRAIN_BATCH=${PRETRAIN_BATCH:-64}
PRETRAIN_LR=${PRETRAIN_LR:-1.5e-3}
TRAIN_PER_CLASS=${TRAIN_PER_CLASS:-20}
EVAL_PER_CLASS=${EVAL_PER_CLASS:-20}
SHOTS=${SHOTS:-10}
REPEATS=${REPEATS:-3}
FT_SEED=${FT_SEED:-0}
FT_EPOCHS=${FT_EPOCHS:-20}
FT_BATCH=${FT_BATCH:-20}
FT_LR=${FT_LR:-1e-3}
EVAL_EVERY=${EVAL_EVERY:-10}
THREADS=${THREADS:-1}
JOBS=${JOBS:-3}
CHIPS_SEED=${CHIPS_SEED:-3}
LABELLED_SEED=${LABELLED_SEED:-1}
if [ "$CHIPS_SEED" = "$LABELLED_SEED" ]; then
  echo "CHIPS_SEED must differ from LABELLED_SEED ($LABELLED_SEED)" >&2
  exit 2
fi
mkdir -p "$work"
cd "$work"
run() { nice -n 19 "$bin" "$@"; }
# Word-split on use (no value has a space); a string, so xargs' job shells inherit it.
export COMMON="--set run.threads=$THREADS --set observability.port=0 --set observability.logEverySteps=20"

[ -d labelled ] || run synth-data --kind classification --out labelled \
  --count "$TRAIN_PER_CLASS" --eval-count "$EVAL_PER_CLASS" --image-size "$SIZE" \
  --seed "$LABELLED_SEED" > labelled.log 2>&1
if [ ! -f chips/unpaired.json ]; then
  rm -rf chips chips-raw chips-paired
  run synth-data --kind classification --out chips-raw --count $(( (SCENES + 5) / 6 )) \
    --eval-count 1 --image-size "$SIZE" --seed "$CHIPS_SEED" > chips.log 2>&1
  mkdir chips chips-paired
  ln -s ../chips-raw/Train chips/SAR
  ln -s ../chips-raw/Train chips-paired/SAR
  ln -s ../chips-raw/Train chips-paired/OPT
  python3 - <<'PY'
import json, os
paths = sorted(os.path.relpath(os.path.join(d, f), "chips/SAR")
               for d, _, fs in os.walk("chips/SAR", followlinks=True) for f in fs
               if f.endswith(".png"))
with open("chips/unpaired.json", "w") as fh:
    json.dump(paths, fh)
with open("chips-paired/paired.json", "w") as fh:
    json.dump([{"sar": p, "optical": p} for p in paths], fh)
print(f"chips: {len(paths)} unlabelled target chips")
PY
fi

pretrain() { # arm seed
  local arm=$1 seed=$2 out="pretrain-$1-s$2" extra=()
  [ -d "$out/ckpt/final" ] && return
  case $arm in
    mae) extra=(--set noise.enabled=false --set alignment.enabled=false --set data.path=chips) ;;
    sare) extra=(--set noise.enabled=true --set alignment.enabled=false --set data.path=chips) ;;
    sarc) extra=(--set noise.enabled=true --set alignment.enabled=true
      --set alignment.randomTeacher=true --set data.path=chips-paired) ;;
  esac
  # shellcheck disable=SC2086
  run pretrain $COMMON --set run.seed="$seed" \
    --set model.size="$MODEL" --set model.imageSize="$SIZE" --set model.patchSize="$PATCH" \
    --set model.decoderDim=128 --set model.decoderDepth=2 --set model.decoderHeads=4 \
    --set data.workers=1 \
    --set optim.epochs="$PRETRAIN_EPOCHS" --set optim.batchSize="$PRETRAIN_BATCH" \
    --set optim.lr="$PRETRAIN_LR" --set optim.warmupEpochs=1 \
    --set run.outputDir="$out" --set checkpoint.dir="$out/ckpt" \
    --set checkpoint.everyEpochs=0 "${extra[@]}" > "$out.log" 2>&1
}

finetune() { # name init-or-empty
  local name=$1 init=$2 extra=()
  [ -f "ft-$name/results.json" ] && return
  [ -n "$init" ] && extra=(--set model.init="$init")
  # shellcheck disable=SC2086
  run finetune $COMMON --set run.seed="$FT_SEED" \
    --set model.size="$MODEL" --set model.imageSize="$SIZE" --set model.patchSize="$PATCH" \
    --set data.path=labelled --set data.protocol=kshot --set data.shots="$SHOTS" \
    --set 'data.testSplits=[Test, TestSpeckle]' --set data.evalEveryEpochs="$EVAL_EVERY" \
    --set optim.epochs="$FT_EPOCHS" --set optim.batchSize="$FT_BATCH" --set optim.lr="$FT_LR" \
    --set optim.warmupEpochs=1 --set augment.speckle=false \
    --set repeats.count="$REPEATS" \
    --set run.outputDir="ft-$name" --set checkpoint.dir="ft-$name/ckpt" "${extra[@]}" \
    > "ft-$name.log" 2>&1
}

# One job list, seed by seed (pretrainings of a seed, then their fine-tunes), JOBS at a time:
# a fine-tune waits for its encoder's marker, so a run cut short still has whole seeds.
job() { # kind arm [seed]
  local kind=$1 arm=$2 seed=${3:-}
  case $kind in
    pretrain)
      if pretrain "$arm" "$seed"; then touch "pretrain-$arm-s$seed.ok"; else
        touch "pretrain-$arm-s$seed.failed"; echo "pretrain $arm $seed failed" >&2; return 1; fi ;;
    finetune)
      if [ "$arm" = scratch ]; then finetune scratch ""; else
        while [ ! -e "pretrain-$arm-s$seed.ok" ]; do
          [ -e "pretrain-$arm-s$seed.failed" ] && return 1
          sleep 5
        done
        finetune "$arm-s$seed" "pretrain-$arm-s$seed/ckpt/final"
      fi ;;
  esac
  echo "$(date -u +%H:%M:%S) done $kind $arm $seed"
}
export -f job pretrain finetune run
export bin MODEL SIZE PATCH PRETRAIN_EPOCHS PRETRAIN_BATCH PRETRAIN_LR SHOTS REPEATS FT_SEED \
  FT_EPOCHS FT_BATCH FT_LR EVAL_EVERY THREADS

start=$(date +%s)
{
  first=1
  for seed in $SEEDS; do
    for arm in $ARMS; do
      [ "$arm" = scratch ] || echo "pretrain $arm $seed"
    done
    if [ -n "$first" ]; then
      case " $ARMS " in *" scratch "*) echo "finetune scratch" ;; esac
      first=
    fi
    for arm in $ARMS; do
      [ "$arm" = scratch ] || echo "finetune $arm $seed"
    done
  done
} | xargs -P "$JOBS" -L 1 bash -c 'job "$@"' _
echo "total wall time: $(( $(date +%s) - start )) s"
python3 "$here/seeds_summary.py" . --seeds "$SEEDS" --arms "$ARMS"
