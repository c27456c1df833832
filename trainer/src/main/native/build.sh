#!/usr/bin/env bash
# Builds libsarmae_c10d.so (sarmae_c10d.cpp, docs/distributed.md) and libsarmae_ops.so
# (sarmae_ops.cpp, docs/performance.md); both include sarmae_jni.h (their JNI exception guard).
# Also libsarmae_blas.so (blas/sarmae_blas.c), the sgemm_ router the launcher preloads with
# SARMAE_BLAS=openblas (docs/performance.md, "The GEMM underneath"); it links only libc.
# Usage: build.sh JAVA_HOME LIBTORCH_DIR OUT_DIR
# Links against the libtorch_cpu.so of DJL's pytorch-native-cpu jar; -z defs makes every
# undeclared or drifted libtorch symbol a link error instead of a crash at run time.
set -euo pipefail
java_home=$1 libtorch=$2 out=$3
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v g++ >/dev/null 2>&1; then
  # The jar still builds and trains single-process; WORLD_SIZE > 1 then refuses to start with a
  # message, model.attention=fused refuses likewise (auto falls back to plain), and the tests that
  # need a bridge fail, naming it.
  echo "build.sh: WARNING: g++ not found, the native bridges are not built (multi-process" \
    "training and fused attention unavailable); install Debian's build-essential" >&2
  exit 0
fi
mkdir -p "$out"
# One library per source: libsarmae_c10d.so (collectives), libsarmae_ops.so (fused attention).
for src in "$here"/sarmae_*.cpp; do
  name=$(basename "$src" .cpp)
  lib="$out/lib$name.so"
  if [ -f "$lib" ] && [ "$lib" -nt "$src" ] && [ "$lib" -nt "$here/sarmae_jni.h" ] \
    && [ "$lib" -nt "$0" ]; then
    continue
  fi
  g++ -std=c++17 -O2 -fPIC -shared -Wall -Wextra -Wno-unused-parameter \
    -I"$java_home/include" -I"$java_home/include/linux" \
    "$src" -o "$lib.tmp" \
    -L"$libtorch" -l:libtorch_cpu.so -Wl,-rpath-link,"$libtorch" \
    -Wl,--no-as-needed -Wl,-z,defs -Wl,-soname,"lib$name.so"
  mv "$lib.tmp" "$lib"
  echo "build.sh: built $lib"
done
# The sgemm_ router: plain C, no libtorch or JNI; preloaded by the launcher, never System.load'ed.
blas_src="$here/blas/sarmae_blas.c"
blas_lib="$out/libsarmae_blas.so"
if ! { [ -f "$blas_lib" ] && [ "$blas_lib" -nt "$blas_src" ] && [ "$blas_lib" -nt "$0" ]; }; then
  gcc -std=c11 -O2 -fPIC -shared -Wall -Wextra "$blas_src" -o "$blas_lib.tmp" \
    -Wl,-z,defs -Wl,-soname,libsarmae_blas.so -ldl -lpthread
  mv "$blas_lib.tmp" "$blas_lib"
  echo "build.sh: built $blas_lib"
fi
