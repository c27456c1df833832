#!/usr/bin/env bash
# Whole pretraining runs' peak RSS against the memory estimate (docs/operating.md, "Memory";
# MeasuredPeaksTest): each case is one fresh `sarmae-trainer pretrain` of one epoch over the same
# synthetic 224x224 scenes, SARC on against the seeded random teacher, its own checkpoint folder,
# under /usr/bin/time -v. Prints one JSON line per case with the peak ("Maximum resident set
# size", KiB), and appends it to OUT/peaks.jsonl.
# Usage: CASES="base:8:auto tiny:16:plain base:8:auto:on" [SCENES=32] bench/podfit/peaks.sh OUT
# A case is size:batch:attention, with :on appended for model.activationCheckpointing.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: peaks.sh OUT}
CASES=${CASES:-"tiny:4:auto small:4:auto base:4:auto base:8:auto base:16:auto base:8:plain"}
SCENES=${SCENES:-32}
mkdir -p "$out"
out=$(cd "$out" && pwd)
data="$out/scenes"
[ -d "$data/SAR" ] || "$here/trainer/bin/sarmae-trainer" synth-data --out "$data" \
  --count "$SCENES" --image-size 224 >/dev/null 2>&1
for c in $CASES; do
  IFS=: read -r size batch attention ckpt <<<"$c"
  ckpt=${ckpt:-off}
  run="$out/run-$size-b$batch-$attention-ckpt-$ckpt"
  rm -rf "$run"
  mkdir -p "$run"
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  /usr/bin/time -v "$here/trainer/bin/sarmae-trainer" pretrain \
    --set model.size="$size" --set optim.batchSize="$batch" --set model.attention="$attention" \
    --set model.activationCheckpointing="$([ "$ckpt" = on ] && echo true || echo false)" \
    --set optim.epochs=1 --set data.path="$data" --set run.threads=2 --set run.device=cpu \
    --set observability.port=0 --set alignment.randomTeacher=true \
    --set checkpoint.dir="$run/checkpoints" --set run.outputDir="$run/output" \
    >"$run/log" 2>"$run/time"
  kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$run/time")
  wall=$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$run/time")
  line="{\"size\":\"$size\",\"batch\":$batch,\"attention\":\"$attention\",\"checkpointing\":\"$ckpt\",\"peak_rss_kib\":$kib,\"wall\":\"$wall\",\"loadavg_before\":\"$load\"}"
  echo "$line" | tee -a "$out/peaks.jsonl"
  rm -rf "$run/checkpoints"
done
