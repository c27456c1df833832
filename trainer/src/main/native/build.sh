#!/usr/bin/env bash
# Builds libsarmae_c10d.so (see sarmae_c10d.cpp and docs/distributed.md).
# Usage: build.sh JAVA_HOME LIBTORCH_DIR OUT_DIR
# Links against the libtorch_cpu.so of DJL's pytorch-native-cpu jar; -z defs makes every
# undeclared or drifted libtorch symbol a link error instead of a crash at run time.
set -euo pipefail
java_home=$1 libtorch=$2 out=$3
src="$(cd "$(dirname "$0")" && pwd)/sarmae_c10d.cpp"
if ! command -v g++ >/dev/null 2>&1; then
  # The jar still builds and trains single-process; WORLD_SIZE > 1 then refuses to start with a
  # message, and the multi-process tests fail, naming the missing bridge.
  echo "build.sh: WARNING: g++ not found, the c10d bridge is not built (multi-process training" \
    "unavailable); install Debian's build-essential to build it" >&2
  exit 0
fi
mkdir -p "$out"
lib="$out/libsarmae_c10d.so"
if [ -f "$lib" ] && [ "$lib" -nt "$src" ] && [ "$lib" -nt "$0" ]; then
  exit 0
fi
g++ -std=c++17 -O2 -fPIC -shared -Wall -Wextra -Wno-unused-parameter \
  -I"$java_home/include" -I"$java_home/include/linux" \
  "$src" -o "$lib.tmp" \
  -L"$libtorch" -l:libtorch_cpu.so -Wl,-rpath-link,"$libtorch" \
  -Wl,--no-as-needed -Wl,-z,defs -Wl,-soname,libsarmae_c10d.so
mv "$lib.tmp" "$lib"
echo "build.sh: built $lib"
