#!/usr/bin/env bash
# Every GPU check of the project, in one prepared script for a machine with an NVIDIA GPU and the
# CUDA build of libtorch 2.7.1 (DJL does not serve pytorch-native-cu128: point PYTORCH_LIBRARY_PATH
# at a libtorch 2.7.1+cu128 and set PYTORCH_VERSION=2.7.1, see docs/performance.md). It
#   1. accepts that libtorch for the native bridges ONLY for this run (its sha256 in
#      SARMAE_VERIFIED_LIBTORCH_SHA256) and runs the GPU-gated tests, which are the bridge's
#      verification on that binary: fused attention equal to plain on the GPU, the bf16 Linear and
#      attention within bf16 rounding of fp32 (OpsBf16GpuTest), training on every visible GPU;
#   2. times one ViT-B pretraining step (batch 32, 224x224) on the GPU with the plain and the
#      fused attention kernel, and fp32 against bf16 (optim.precision) alternating in one process.
# Usage: bench/gpu/checks.sh [OUT_DIR]   (prints a summary; logs and JSON lines under OUT_DIR)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-${OUT:-/tmp/sarmae-gpu-checks}}
mkdir -p "$out"
nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || { echo "no nvidia-smi: not a GPU machine" >&2; exit 2; }
if [ -n "${PYTORCH_LIBRARY_PATH:-}" ] && [ -f "$PYTORCH_LIBRARY_PATH/libtorch_cpu.so" ]; then
  export SARMAE_VERIFIED_LIBTORCH_SHA256=$(sha256sum "$PYTORCH_LIBRARY_PATH/libtorch_cpu.so" | cut -d' ' -f1)
fi
status=0
mvn -B -o -pl trainer -am test -Dsarmae.native.skip=false \
  -Dtest='GpuTrainingTest,OpsAttentionGpuTest,OpsBf16GpuTest' -Dsurefire.failIfNoSpecifiedTests=false \
  > "$out/gpu-tests.log" 2>&1 || status=$?
grep -E "Tests run:|FAIL|Skipped" "$out/gpu-tests.log" | tail -5
if grep -q "Skipped: [1-9]" "$out/gpu-tests.log"; then
  echo "GPU tests were SKIPPED: PyTorch saw no GPU (check PYTORCH_LIBRARY_PATH)" >&2
  status=3
fi
JAR=trainer/target/sarmae-trainer-0.1.0-SNAPSHOT-all.jar
[ -f "$JAR" ] || mvn -B -q -o -pl trainer -am package -DskipTests -Dspotless.check.skip=true
java -Dai.djl.offline=true -jar "$JAR" bench-step --size base --batch 32 --image 224 --steps 10 \
  --attention fused --device gpu 2>>"$out/bench.log" | tee -a "$out/bench.jsonl" || status=$?
java -Dai.djl.offline=true -jar "$JAR" bench-step --size base --batch 32 --image 224 --steps 10 \
  --attention plain --device gpu 2>>"$out/bench.log" | tee -a "$out/bench.jsonl" || status=$?
java -Dai.djl.offline=true -jar "$JAR" bench-precision --size base --batch 32 --image 224 \
  --rounds 5 --device gpu 2>>"$out/bench.log" | tee -a "$out/bench.jsonl" || status=$?
exit $status
