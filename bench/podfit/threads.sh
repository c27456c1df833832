#!/bin/sh
# Effect of the intra-op thread count on a CPU-restricted trainer (docs/operating.md, "Threads").
# Restricts the process to CPUS cores with taskset (what a CPU-manager pod or an affinity mask
# does; a CFS quota throttles the same way but needs a cgroup we may not create here) and runs
# the full pretraining step benchmark (bench-step) three times:
#   budget   intra-op threads = CPUS (what run.threads: 0 picks)
#   over4x   intra-op threads = 4 x CPUS (the node-sized default inside a small pod)
#   default  no thread setting at all (libtorch's own default: every core of the machine)
# Prints one JSON line per case plus the ratio over4x/budget and default/budget of step time.
# Usage: bench/podfit/threads.sh [CPUS] [SIZE] [STEPS]   (defaults 2 tiny 6)
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
cpus=${1:-2}
size=${2:-tiny}
steps=${3:-6}
last=$((cpus - 1))
run() {
  # $1 = label, $2 = extra JVM options
  out=$(JAVA_OPTS="$2" taskset -c "0-$last" "$here/trainer/bin/sarmae-trainer" bench-step \
    --size "$size" --batch 8 --image 224 --steps "$steps" --warmup 2 --threads "${3:-$cpus}" 2>/dev/null | tail -1)
  echo "{\"case\":\"$1\",\"cpus\":$cpus,\"result\":$out}"
}
run budget "" "$cpus"
run over4x "" $((cpus * 4))
# The default case: bench-step always sets its --threads, so pass the machine's core count,
# which is libtorch's default when nothing is set.
run default "" "$(nproc --all)"
