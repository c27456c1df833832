#!/usr/bin/env bash
# Model FLOPs utilisation of the pretraining step (issue #18, docs/performance.md "MFU"): for each
# size and batch, RUNS separate processes of `sarmae-trainer bench-step --mfu`, each timing STEPS
# steps after WARMUP and then, in the same process on the same threads, the fp32 matrix-multiply
# rate of the same libtorch (a 2048-cube product and the model's two MLP shapes). The first run of
# each configuration also records one profiled step, from which summary.py takes the share of the
# step spent in matrix products and convolutions. Prints the summary table; raw lines in OUT.
# ATTENTION and OPTIM (default fused and fused: what the trainer runs when its ops bridge loads,
# model.attention and optim.fused at auto) choose the kernels; plain / java give DJL's own paths.
# PRECISION=bf16 runs the step with optim.precision bf16 and takes the peak of the bridge's bf16
# Linear instead of fp32 matMul.
# ALLOCATORS (default "tcmalloc") names the native allocator of each process: tcmalloc (Debian's
# libtcmalloc-minimal4, what the trainer image ships and the launcher preloads) or glibc (malloc
# with the launcher's tuned thresholds, its fallback when tcmalloc is missing). With two, e.g.
# ALLOCATORS="tcmalloc glibc", the runs alternate between them and the table has a row for each.
# BLAS (default "libtorch") names the library of the fp32 matrix products: libtorch (its own
# oneMKL SGEMM) or openblas (SARMAE_BLAS=openblas: the launcher preloads libsarmae_blas.so, which
# sends the large products to Debian's OpenBLAS, docs/performance.md "The GEMM underneath"). The
# peak is then measured through the same route, so each row's MFU is against its own library's
# peak. With BLAS="libtorch openblas" the runs alternate and the table has a row for each.
# The first timed steps after one warm-up step are still slow (the allocator's caches fill), so
# WARMUP defaults to 2.
# Usage: RUNS=5 SIZES="tiny small base" BATCHES="8 32" THREADS=2 bench/mfu/run.sh OUT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin="$here/../../trainer/bin/sarmae-trainer"
out=${1:?usage: run.sh OUT_DIR}
RUNS=${RUNS:-5}
SIZES=${SIZES:-tiny small base}
BATCHES=${BATCHES:-8 32}
THREADS=${THREADS:-2}
STEPS=${STEPS:-5}
WARMUP=${WARMUP:-2}
IMAGE=${IMAGE:-224}
ATTENTION=${ATTENTION:-fused}
OPTIM=${OPTIM:-fused}
PRECISION=${PRECISION:-fp32}
ALLOCATORS=${ALLOCATORS:-tcmalloc}
BLAS=${BLAS:-libtorch}
tcmalloc=/usr/lib/$(uname -m)-linux-gnu/libtcmalloc_minimal.so.4
for allocator in $ALLOCATORS; do
  case "$allocator" in
    tcmalloc) [ -f "$tcmalloc" ] || { echo "run.sh: $tcmalloc is missing: apt-get install libtcmalloc-minimal4 (or ALLOCATORS=glibc)" >&2; exit 2; } ;;
    glibc) ;;
    *) echo "run.sh: ALLOCATORS takes tcmalloc and/or glibc, not $allocator" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
for size in $SIZES; do
  for batch in $BATCHES; do
    for run in $(seq 1 "$RUNS"); do
      for allocator in $ALLOCATORS; do
        for blas in $BLAS; do
          extra=()
          tag="$allocator"
          [ "$blas" = libtorch ] || tag="$allocator-$blas"
          [ "$run" = 1 ] && extra=(--profile "$out/trace-$size-b$batch-$tag.json")
          if [ "$allocator" = tcmalloc ]; then alloc_env=(LD_PRELOAD="$tcmalloc"); else alloc_env=(SARMAE_NO_TCMALLOC=1); fi
          env "${alloc_env[@]}" SARMAE_BLAS="$blas" "$bin" bench-step --mfu --size "$size" --batch "$batch" \
            --image "$IMAGE" --threads "$THREADS" --steps "$STEPS" --warmup "$WARMUP" \
            --attention "$ATTENTION" --optim "$OPTIM" --precision "$PRECISION" "${extra[@]}" \
            2>>"$out/stderr.log" | tail -1 \
            | sed "s/}\$/,\"allocator\":\"$allocator\",\"blas\":\"$blas\"}/" >> "$out/mfu.jsonl"
        done
      done
    done
  done
done
/usr/bin/python3 "$here/summary.py" "$out"
