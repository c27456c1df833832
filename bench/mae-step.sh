#!/usr/bin/env bash
# One SARMAE pretraining step, DJL (the trainer jar, through its launcher so the allocator tuning
# applies) against plain PyTorch (bench/mae_step.py on Debian's python3-torch), on the same
# machine, same thread count, interleaved and repeated; prints medians and DJL/PyTorch ratios.
#
#   bench/mae-step.sh [compare]    ViT-Tiny and ViT-Base, batch 8, 224x224 (default)
#   bench/mae-step.sh allocator    DJL under glibc default / glibc tuned / tcmalloc, + PyTorch
#   bench/mae-step.sh memory       1,000 DJL ViT-Tiny steps, RSS every 100 steps
#   bench/mae-step.sh profile      each side once with --phases and one profiled step, per-op table
#   bench/mae-step.sh table FILE   the compare table of an earlier results file
#
# Settings (environment): THREADS (2), ROUNDS (3), SIZES ("tiny base"), BATCH (8), IMAGE (224),
# TINY_STEPS/TINY_WARMUP (10/3), BASE_STEPS/BASE_WARMUP (5/3), ALIGNMENT (true),
# ALLOC_SIZE (tiny), PROFILE_SIZE (tiny), MEM_STEPS (1000), MEM_IMAGE (64), MEM_EVERY (100), PYTHON (/usr/bin/python3),
# PHASES (non-empty: also time forward, gradient norm and optimizer apart),
# RESULTS (bench/results/<mode>-<time>.jsonl; every run's JSON line is appended there).
# The machine is shared: each round runs the sides back to back, alternating which goes first,
# and the table reports the median over rounds of each run's median step time.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-compare}
if [ "$mode" = table ]; then RESULTS=$2; fi
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
SIZES=${SIZES:-tiny base}
BATCH=${BATCH:-8}
IMAGE=${IMAGE:-224}
ALIGNMENT=${ALIGNMENT:-true}
PYTHON=${PYTHON:-/usr/bin/python3}
# the jar to measure: SARMAE_TRAINER_JAR (bench/perf.sh sets one copy for all parts) or the build's
JAR=${SARMAE_TRAINER_JAR:-trainer/target/sarmae-trainer-0.1.0-SNAPSHOT-all.jar}
mkdir -p bench/results
RESULTS=${RESULTS:-bench/results/$mode-$(date -u +%Y%m%dT%H%M%SZ).jsonl}

if [ ! -f "$JAR" ] && [ "$mode" != table ]; then
  echo "building $JAR" >&2
  mvn -B -q -o -pl trainer -am package -DskipTests -Dspotless.check.skip=true >&2
fi

# Run from a private copy of the jar: rebuilding the trainer while a long run is going would
# otherwise replace the jar under the running JVM and kill it.
if [ "$mode" != table ]; then
  jar_dir=$(mktemp -d)
  trap 'rm -rf "$jar_dir"' EXIT
  cp "$JAR" "$jar_dir/sarmae-trainer.jar"
  export SARMAE_TRAINER_JAR="$jar_dir/sarmae-trainer.jar"
fi
PHASES=${PHASES:-}
source bench/lib/need-torch.sh
case $mode in compare | allocator | profile) need_torch bench/mae-step.sh ;; esac

steps_for() { # size -> "steps warmup"
  case $1 in
    tiny) echo "${TINY_STEPS:-10} ${TINY_WARMUP:-3}" ;;
    *) echo "${BASE_STEPS:-5} ${BASE_WARMUP:-3}" ;;
  esac
}

# run LABEL ENV... -- COMMAND...: runs one side, appends its JSON line (with a label) to RESULTS.
run() {
  local label=$1
  shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  local line
  line=$(env "${envs[@]}" "$@" 2>"$RESULTS.stderr.tmp" | tail -1) || {
    cat "$RESULTS.stderr.tmp" >&2
    echo "run $label failed" >&2
    exit 1
  }
  cat "$RESULTS.stderr.tmp" >>"$RESULTS.stderr"
  echo "$line" | "$PYTHON" -c 'import json,sys; d=json.loads(sys.stdin.read()); d["label"]=sys.argv[1]; d["round"]=int(sys.argv[2]); d["results"]=sys.argv[3]; print(json.dumps(d))' "$label" "${round:-1}" "$RESULTS" | tee -a "$RESULTS" >&2
}

djl() { # label envs... -- bench-step args...
  local label=$1
  shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  run "$label" "${envs[@]}" -- trainer/bin/sarmae-trainer bench-step "$@"
}

pytorch() { # label -- mae_step.py args...
  local label=$1
  shift 2
  run "$label" "OMP_NUM_THREADS=$THREADS" -- "$PYTHON" bench/mae_step.py "$@"
}

common() { # size -> common args
  read -r steps warmup <<<"$(steps_for "$1")"
  echo "--size $1 --batch $BATCH --image $IMAGE --patch 16 --steps $steps --warmup $warmup --threads $THREADS --alignment $ALIGNMENT${PHASES:+ --phases}"
}

table() { # label order for the ratio: numerator label, denominator label
  "$PYTHON" - "$RESULTS" "$@" <<'EOF'
import collections, json, statistics, sys
path, num, den = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [json.loads(l) for l in open(path) if l.strip()]
runs = collections.defaultdict(list)
cpus = collections.defaultdict(list)
for r in rows:
    runs[(r["size"], r["label"])].append(r["ms_per_step_median"])
    if r.get("cpu_ms_per_step_median") is not None:
        cpus[(r["size"], r["label"])].append(r["cpu_ms_per_step_median"])
sizes = list(dict.fromkeys(r["size"] for r in rows))
labels = list(dict.fromkeys(r["label"] for r in rows))
med = statistics.median
print(f"{'size':6s} {'side':18s} {'wall ms/step':>13s} {'cpu ms/step':>12s}   per-round wall medians")
for s in sizes:
    for l in labels:
        v, c = runs.get((s, l)), cpus.get((s, l))
        if v:
            cs = f"{med(c):12.1f}" if c else f"{'-':>12s}"
            print(f"{s:6s} {l:18s} {med(v):13.1f} {cs}   {', '.join(f'{x:.1f}' for x in v)}")
    # ratios only between runs of the same round (same results file), the sides ran back to back
    by_round = collections.defaultdict(dict)
    for r in rows:
        if r["size"] == s and r["label"] in (num, den):
            by_round[(r.get("results"), r.get("round"))][r["label"]] = r
    pairs = [v for v in by_round.values() if num in v and den in v]
    if pairs:
        wall = [p[num]["ms_per_step_median"] / p[den]["ms_per_step_median"] for p in pairs]
        cpu = [p[num]["cpu_ms_per_step_median"] / p[den]["cpu_ms_per_step_median"]
               for p in pairs if p[num].get("cpu_ms_per_step_median") and p[den].get("cpu_ms_per_step_median")]
        cr = f"{med(cpu):11.2f}x" if cpu else f"{'-':>12s}"
        print(f"{s:6s} {num + '/' + den:18s} {med(wall):12.2f}x {cr}   median of {len(pairs)} paired round(s);"
              f" wall {', '.join(f'{x:.2f}' for x in wall)}; cpu {', '.join(f'{x:.2f}' for x in cpu) or '-'}")
EOF
}

[ "$mode" = table ] || echo "mode $mode, $THREADS threads, $ROUNDS rounds, results in $RESULTS" >&2
[ "$mode" = table ] || echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

case $mode in
  compare)
    for r in $(seq 1 "$ROUNDS"); do
      round=$r
      for size in $SIZES; do
        # shellcheck disable=SC2046
        if [ $((r % 2)) -eq 1 ]; then
          djl djl -- $(common "$size")
          pytorch pytorch -- $(common "$size")
        else
          pytorch pytorch -- $(common "$size")
          djl djl -- $(common "$size")
        fi
      done
    done
    table djl pytorch
    ;;
  allocator)
    size=${ALLOC_SIZE:-tiny}
    # The launcher treats an empty GLIBC_TUNABLES as unset (and then tunes), so "glibc default"
    # passes a no-op tunable (perturb=0 is glibc's default) to keep malloc's stock behaviour.
    for r in $(seq 1 "$ROUNDS"); do
      round=$r
      # shellcheck disable=SC2046
      {
        djl djl-glibc-default SARMAE_NO_TCMALLOC=1 GLIBC_TUNABLES=glibc.malloc.perturb=0 -- $(common "$size")
        djl djl-glibc-tuned SARMAE_NO_TCMALLOC=1 -- $(common "$size")
        djl djl-tcmalloc -- $(common "$size")
        pytorch pytorch -- $(common "$size")
      }
    done
    table djl-glibc-default pytorch
    table djl-glibc-tuned pytorch | grep '/' || true
    table djl-tcmalloc pytorch | grep '/' || true
    ;;
  memory)
    steps=${MEM_STEPS:-1000}
    # shellcheck disable=SC2086
    djl djl-memory -- --size tiny --batch "$BATCH" --image "${MEM_IMAGE:-64}" --patch 16 \
      --steps "$steps" --warmup 0 --threads "$THREADS" --alignment "$ALIGNMENT" \
      --rss-every "${MEM_EVERY:-100}"
    "$PYTHON" - "$RESULTS" "${MEM_EVERY:-100}" <<'EOF2'
import json, sys
path = sys.argv[1]
r = [json.loads(l) for l in open(path) if l.strip()][-1]
rss = [json.loads(l) for l in open(path + ".stderr") if l.startswith('{"step"')][-(r["steps"] // int(sys.argv[2] if len(sys.argv) > 2 else 100)):]
for x in rss:
    print(f"step {x['step']:5d}  RSS {x['rss_mb']:7.1f} MiB")
first, last = rss[0], rss[-1]
print(f"{r['steps']} steps ViT-Tiny batch {r['batch']} image {r['image']}: RSS {first['rss_mb']:.0f} MiB at step"
      f" {first['step']}, {last['rss_mb']:.0f} MiB at step {last['step']} ({last['rss_mb'] - first['rss_mb']:+.0f} MiB);"
      f" before step 1 {r['rss_mb_start']:.0f} MiB; median {r['ms_per_step_median']:.0f} ms/step")
EOF2
    ;;
  profile)
    size=${PROFILE_SIZE:-tiny}
    # shellcheck disable=SC2046
    {
      djl djl -- $(common "$size") --phases --profile "$RESULTS.djl-trace.json"
      pytorch pytorch -- $(common "$size") --phases --profile "$RESULTS.pytorch-trace.json"
    }
    "$PYTHON" bench/trace_summary.py "$RESULTS.djl-trace.json" 25
    "$PYTHON" bench/trace_summary.py "$RESULTS.pytorch-trace.json" 25
    ;;
  table)
    table djl pytorch
    ;;
  *)
    echo "usage: $0 [compare|allocator|memory|table FILE]" >&2
    exit 2
    ;;
esac
rm -f "$RESULTS.stderr.tmp"
