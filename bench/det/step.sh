#!/usr/bin/env bash
# One detection training step (FCOS on the ViTDet simple pyramid, horizontal boxes, 3 classes):
# this trainer's FcosDetector (bench/det/DetStep.java, run against the trainer jar) against the
# same model in plain PyTorch (bench/det/step.py on Debian's python3-torch), same machine, same
# thread count, alternating which side goes first; prints each run's JSON line and the median
# DJL/PyTorch wall-time ratio over rounds.
#
#   bench/det/step.sh                 ViT-B, 512x512, batch 2 (the issue's setting)
#   SIZE=tiny IMAGE=128 bench/det/step.sh   a quick smoke run
#
# Settings (environment): SIZE (base), IMAGE (512), BATCH (2), STEPS (5), WARMUP (2), THREADS (2),
# ROUNDS (2), PYTHON (/usr/bin/python3), RESULTS (bench/results/det-step-<time>.jsonl).
# The DJL side gets the launcher's allocator setting (tcmalloc if installed, else tuned glibc
# malloc; docs/performance.md). Measure on an otherwise idle machine: the ratio is meaningless
# under contention.
TASK=det MAIN=DetStep.java
source "$(dirname "$0")/../lib/dense-step.sh"
