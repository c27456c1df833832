#!/usr/bin/env bash
# need_torch SCRIPT: exits 2 with what to install when $PYTHON cannot import torch. Sourced by the
# benchmarks whose secondary yardstick is plain PyTorch (bench/mae-step.sh, bench/lib/dense-step.sh),
# so that a machine without it stops before the first measurement, not after the DJL side ran.
need_torch() {
  if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
    echo "$1: $PYTHON cannot import torch; the PyTorch side needs Debian's python3-torch" \
      "(apt-get install python3-torch) or PYTHON set to an interpreter that has torch" >&2
    exit 2
  fi
}
