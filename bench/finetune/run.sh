#!/usr/bin/env bash
# Few-shot transfer experiment on the synthetic benchmark (issue #4, docs/results.md):
#   1. labelled target chips (synth-data --kind classification) and unlabelled scenes (synth-data);
#   2. pretrain the same ViT-Tiny twice on the scenes: plain MAE, and MAE + SARE speckle injection
#      (SARC off in both: without real optical weights it aligns to a random projection);
#   3. fine-tune K-shot from scratch, from MAE and from SARE, REPEATS seeds each, with the same
#      recipe; evaluate on Val (per epoch), Test and TestSpeckle (1-look speckle, much stronger);
#   4. print a table of mean +/- population std.
# MODE=linprobe runs step 3 as MAE's linear probe (frozen encoder, BatchNorm + Linear head) into
# lp-<init>/ instead of ft-<init>/; pretrained encoders are reused. Example (docs/results.md):
#   MODE=linprobe FT_LR=1e-2 PATCH=16 SCENES=2048 PRETRAIN_EPOCHS=15 FT_EPOCHS=40 bench/finetune/run.sh
# Every size is an environment variable; defaults are the full experiment. Example (what
# docs/results.md reports):
#   SCENES=1024 PRETRAIN_EPOCHS=6 FT_EPOCHS=10 bench/finetune/run.sh /tmp/ft-bench
# PRETRAIN_DATA=chips pretrains on unlabelled *target chips* instead of land-cover scenes: SCENES
# images from the classification generator with another seed (CHIPS_SEED, default 3; it must
# differ from the labelled benchmark's LABELLED_SEED, default 1, so no Val/Test image is seen in
# pretraining), labels discarded, laid out as SAR-1M (chips/SAR -> the generator's Train/ folder,
# chips/unpaired.json listing every image). The run docs/results.md reports (one pretraining seed
# per arm; bench/finetune/seeds.sh runs several):
#   THREADS=1 PATCH=8 PRETRAIN_DATA=chips SCENES=8192 PRETRAIN_EPOCHS=20 FT_EPOCHS=50 \
#     EVAL_EVERY=10 bench/finetune/run.sh /tmp/exp4/main
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin="$here/../../trainer/bin/sarmae-trainer"
work=${1:-./ft-bench}
SIZE=${SIZE:-32}
PATCH=${PATCH:-8}
MODEL=${MODEL:-tiny}
SCENES=${SCENES:-4096}
PRETRAIN_EPOCHS=${PRETRAIN_EPOCHS:-50}
PRETRAIN_BATCH=${PRETRAIN_BATCH:-64}
PRETRAIN_LR=${PRETRAIN_LR:-1.5e-3}
TRAIN_PER_CLASS=${TRAIN_PER_CLASS:-20}
EVAL_PER_CLASS=${EVAL_PER_CLASS:-20}
SHOTS=${SHOTS:-10}
REPEATS=${REPEATS:-5}
FT_EPOCHS=${FT_EPOCHS:-30}
FT_BATCH=${FT_BATCH:-20}
FT_LR=${FT_LR:-1e-3}
EVAL_EVERY=${EVAL_EVERY:-5}
THREADS=${THREADS:-2}
INITS=${INITS:-scratch sare mae}
MODE=${MODE:-finetune}
PRETRAIN_DATA=${PRETRAIN_DATA:-scenes}
CHIPS_SEED=${CHIPS_SEED:-3}
LABELLED_SEED=${LABELLED_SEED:-1}
case $MODE in
  finetune) prefix=ft ;;
  linprobe) prefix=lp ;;
  *) echo "MODE must be finetune or linprobe, got $MODE" >&2; exit 2 ;;
esac
if [ "$PRETRAIN_DATA" = chips ] && [ "$CHIPS_SEED" = "$LABELLED_SEED" ]; then
  echo "CHIPS_SEED must differ from LABELLED_SEED ($LABELLED_SEED)" >&2
  exit 2
fi
mkdir -p "$work"
cd "$work"
common=(--set run.threads="$THREADS" --set observability.port=0 --set observability.logEverySteps=10)

[ -d labelled ] || "$bin" synth-data --kind classification --out labelled \
  --count "$TRAIN_PER_CLASS" --eval-count "$EVAL_PER_CLASS" --image-size "$SIZE" \
  --seed "$LABELLED_SEED"
case $PRETRAIN_DATA in
  scenes)
    [ -d scenes ] || "$bin" synth-data --out scenes --count "$SCENES" --image-size "$SIZE" --seed 2
    ;;
  chips)
    if [ ! -f chips/unpaired.json ]; then
      rm -rf chips chips-raw
      # Train/ gets ceil(SCENES / 6) per class; the 1-per-class eval splits are not used.
      "$bin" synth-data --kind classification --out chips-raw --count $(( (SCENES + 5) / 6 )) \
        --eval-count 1 --image-size "$SIZE" --seed "$CHIPS_SEED"
      mkdir chips
      ln -s ../chips-raw/Train chips/SAR
      python3 - "$SIZE" <<'PY'
import json, os, struct, sys
size = int(sys.argv[1])
paths = sorted(os.path.relpath(os.path.join(d, f), "chips/SAR")
               for d, _, fs in os.walk("chips/SAR", followlinks=True) for f in fs)
for p in paths:
    if p.endswith(".png"):
        with open(os.path.join("chips/SAR", p), "rb") as fh:
            w, h = struct.unpack(">II", fh.read(24)[16:24])
        if (w, h) != (size, size):
            sys.exit(f"chip {p} is {w}x{h}, expected SIZE={size}")
        break
with open("chips/unpaired.json", "w") as fh:
    json.dump(paths, fh)
print(f"chips: {len(paths)} unlabelled {size}x{size} target chips in chips/unpaired.json")
PY
    fi
    ;;
  *) echo "PRETRAIN_DATA must be scenes or chips, got $PRETRAIN_DATA" >&2; exit 2 ;;
esac

pretrain() { # name, extra --set flags...
  local name=$1
  shift
  [ -d "pretrain-$name/ckpt/final" ] && return
  "$bin" pretrain "${common[@]}" \
    --set model.size="$MODEL" --set model.imageSize="$SIZE" --set model.patchSize="$PATCH" \
    --set model.decoderDim=128 --set model.decoderDepth=2 --set model.decoderHeads=4 \
    --set alignment.enabled=false --set data.path="$PRETRAIN_DATA" --set data.workers=1 \
    --set optim.epochs="$PRETRAIN_EPOCHS" --set optim.batchSize="$PRETRAIN_BATCH" \
    --set optim.lr="$PRETRAIN_LR" --set optim.warmupEpochs=1 \
    --set run.outputDir="pretrain-$name" --set checkpoint.dir="pretrain-$name/ckpt" \
    --set checkpoint.everyEpochs=0 "$@"
}

finetune() { # name, init or empty
  local name=$1 init=$2
  local extra=()
  [ -n "$init" ] && extra=(--set model.init="$init")
  "$bin" finetune "${common[@]}" --set model.mode="$MODE" \
    --set model.size="$MODEL" --set model.imageSize="$SIZE" --set model.patchSize="$PATCH" \
    --set data.path=labelled --set data.protocol=kshot --set data.shots="$SHOTS" \
    --set 'data.testSplits=[Test, TestSpeckle]' --set data.evalEveryEpochs="$EVAL_EVERY" \
    --set optim.epochs="$FT_EPOCHS" --set optim.batchSize="$FT_BATCH" --set optim.lr="$FT_LR" \
    --set optim.warmupEpochs=1 --set augment.speckle=false \
    --set repeats.count="$REPEATS" \
    --set run.outputDir="$prefix-$name" --set checkpoint.dir="$prefix-$name/ckpt" "${extra[@]}"
}

start=$(date +%s)
for init in $INITS; do
  case $init in
    mae) pretrain mae --set noise.enabled=false ;;
    sare) pretrain sare --set noise.enabled=true ;;
  esac
done
for init in $INITS; do
  case $init in
    scratch) finetune scratch "" ;;
    *) finetune "$init" "pretrain-$init/ckpt/final" ;;
  esac
done
echo "total wall time: $(( $(date +%s) - start )) s"
PREFIX=$prefix python3 "$here/summarize.py" . $INITS
