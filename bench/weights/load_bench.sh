#!/usr/bin/env bash
# Loading a ViT-B-sized .pth (~343 MB, generated, not committed): time and peak memory.
# Usage: bench/weights/load_bench.sh [WORKDIR]   (from the repository root, after mvn compile)
set -euo pipefail
work=${1:-/tmp/sarmae-weights-bench}
mkdir -p "$work"
pth="$work/vitb_encoder.pth"
[ -f "$pth" ] || /usr/bin/python3 bench/weights/make_vitb.py "$pth"
mvn -B -q -o -pl trainer dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" >/dev/null
cp="trainer/target/classes:$(cat "$work/cp.txt")"
for mode in model ndarrays read; do
  for run in 1 2 3; do
    java -Xmx1g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 \
      -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
      -cp "$cp" bench/weights/LoadBench.java "$pth" "$mode" 2>/dev/null | grep '^mode='
  done
done
