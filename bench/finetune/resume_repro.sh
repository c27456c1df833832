#!/usr/bin/env bash
# usage: repro.sh JAR DIR  -> pretrain, SIGTERM after step 5, resume; prints the resume's exit code
set -u
jar=$1; dir=$2
B=/work/wt-finetune/trainer/bin/sarmae-trainer
export SARMAE_TRAINER_JAR=$jar
rm -rf "$dir"; mkdir -p "$dir"; cd "$dir"
$B synth-data --out scenes --count 256 --image-size 32 --seed 2 > /dev/null 2>&1
args=(--set model.size=tiny --set model.imageSize=32 --set model.patchSize=16 --set model.decoderDim=128
  --set model.decoderDepth=2 --set model.decoderHeads=4 --set alignment.enabled=false --set data.path=scenes
  --set data.workers=1 --set optim.epochs=3 --set optim.batchSize=32 --set optim.lr=1e-3 --set optim.warmupEpochs=1
  --set run.threads=1 --set observability.port=0 --set observability.logEverySteps=1 --set run.outputDir=out --set checkpoint.dir=ck)
$B pretrain "${args[@]}" > first.log 2>&1 &
pid=$!
while ! grep -q 'step 5/' first.log 2>/dev/null; do sleep 0.5; done
kill -TERM $pid; wait $pid; echo "first exit $?"
$B pretrain "${args[@]}" > second.log 2>&1; echo "resume exit $?"
grep -E 'Resumed|SIGSEGV|Finished' second.log | cut -c1-120
