#!/usr/bin/env bash
# Data-parallel pretraining steps over 1, 2 and 3 trainer processes on loopback (the c10d gloo
# bridge, docs/distributed.md), and PyTorch's own gloo allreduce of the same gradient size on the
# same machine as the baseline for the communication part.
#
#   bench/dist/run.sh              run everything, then print the table
#   bench/dist/run.sh table FILE   the table of an earlier results file
#
# Settings (environment): SIZES ("tiny base"), WORLDS ("1 2 3"), BATCH (4, per process),
# IMAGE (112), THREADS (1 intra-op thread per process), STEPS (8), WARMUP (2), BUCKETS ("0 25":
# gradient bucket sizes in MB for the 2-process runs, 0 = one coalesced call as the trainer does),
# PYTHON (/usr/bin/python3), RESULTS (bench/results/dist-<time>.jsonl).
# Each line of RESULTS is rank 0's JSON; the table at the end is built from it.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${1:-}" = table ]; then RESULTS=$2; fi
SIZES=${SIZES:-tiny base}
WORLDS=${WORLDS:-1 2 3}
BATCH=${BATCH:-4}
IMAGE=${IMAGE:-112}
THREADS=${THREADS:-1}
STEPS=${STEPS:-8}
WARMUP=${WARMUP:-2}
BUCKETS=${BUCKETS:-0 25}
PYTHON=${PYTHON:-/usr/bin/python3}
mkdir -p bench/results
RESULTS=${RESULTS:-bench/results/dist-$(date -u +%Y%m%dT%H%M%SZ).jsonl}
launcher=trainer/bin/sarmae-trainer
[ -f trainer/target/sarmae-trainer-0.1.0-SNAPSHOT-all.jar ] ||
  { echo "build the trainer first: mvn -B -q -DskipTests -pl trainer -am package" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

djl() { # size world bucket
  local size=$1 world=$2 bucket=$3 p pids=()
  p=$(port)
  for ((r = world - 1; r >= 0; r--)); do
    WORLD_SIZE=$world RANK=$r MASTER_ADDR=127.0.0.1 MASTER_PORT=$p POD_IP=127.0.0.1 \
      JAVA_OPTS="-Xmx6g" "$launcher" bench-step --size "$size" --batch "$BATCH" --image "$IMAGE" \
      --threads "$THREADS" --steps "$STEPS" --warmup "$WARMUP" --bucket-mb "$bucket" \
      >"$tmp/out.$r" 2>"$tmp/err.$r" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || { cat "$tmp"/err.* >&2; exit 1; }; done
  grep '^{' "$tmp/out.0" | tee -a "$RESULTS"
}

pytorch() { # world numel tensors
  local world=$1 numel=$2 tensors=$3 p pids=()
  p=$(port)
  for ((r = world - 1; r >= 0; r--)); do
    "$PYTHON" bench/dist/allreduce.py "$r" "$world" "$p" "$numel" "$STEPS" "$tensors" \
      >"$tmp/py.$r" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || { cat "$tmp"/py.* >&2; exit 1; }; done
  grep '^{' "$tmp/py.0" | tee -a "$RESULTS"
}

for size in $SIZES; do
  [ "${1:-}" = table ] && break
  for world in $WORLDS; do
    if [ "$world" -eq 1 ]; then
      djl "$size" 1 0
      continue
    fi
    for bucket in $BUCKETS; do
      if [ "$world" -ne 2 ] && [ "$bucket" != 0 ]; then continue; fi
      line=$(djl "$size" "$world" "$bucket")
      mb=$(sed -n 's/.*"gradient_mb":\([0-9.]*\).*/\1/p' <<<"$line")
      tensors=$(sed -n 's/.*"gradient_tensors":\([0-9]*\).*/\1/p' <<<"$line")
    done
    numel=$("$PYTHON" -c "print(int(round($mb * 1e6 / 4)))")
    pytorch "$world" "$numel" "$tensors" >/dev/null
  done
done

"$PYTHON" - "$RESULTS" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
base = {}
for r in rows:
    if r["impl"] == "pytorch":
        base[(r["world"], r["gradient_mb"])] = (r["allreduce_ms_median"], r.get("coalesced_ms_median"))
single = {r["size"]: r["ms_per_step_median"] for r in rows if r["impl"] == "djl" and r["world"] == 1}
print("| model | ranks | bucket MB | ms/step | compute ms | allreduce ms | gradient MB | algbw GB/s | PyTorch gloo, flat ms | ratio | PyTorch 1.13 all_reduce_coalesced ms |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    if r["impl"] != "djl":
        continue
    if r["world"] == 1:
        print(f"| {r['size']} | 1 | - | {r['ms_per_step_median']} | - | - | - | - | - | - | - |")
        continue
    flat, coal = base.get((r["world"], r["gradient_mb"]), (None, None))
    ratio = f"{r['allreduce_ms_median'] / flat:.2f}" if flat else "-"
    print(f"| {r['size']} | {r['world']} | {r['bucket_mb']} | {r['ms_per_step_median']} | {r['compute_ms_median']} "
          f"| {r['allreduce_ms_median']} | {r['gradient_mb']} | {r['algbw_gb_s']} | {flat or '-'} | {ratio} | {coal or '-'} |")
PY
[ "${1:-}" = table ] || echo "results: $RESULTS"
