#!/usr/bin/python3
"""PyTorch half of bench/det/step.sh: times detection training steps of the same FCOS-on-ViT model
in plain PyTorch (the reference modules of bench/det/make_fixtures.py: MAE ViT encoder, ViTDet
simple pyramid, GN FCOS head, numpy FCOS assignment, focal + GIoU + centerness losses), AdamW
(0.9, 0.999, wd 0.05 except 1-D parameters), fp32. Same boxes and sizes as DetStep.java.

Prints one JSON line. Run with Debian's /usr/bin/python3 (python3-torch 1.13).
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_fixtures import Detector, losses  # noqa: E402

SIZES = {"tiny": (192, 12, 3), "small": (384, 12, 6), "base": (768, 12, 12),
         "large": (1024, 24, 16)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", default="base")
    p.add_argument("--image", type=int, default=512)
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    dim, depth, heads = SIZES[a.size]
    strides = [8, 16, 32, 64]
    model = Detector(dim, depth, heads, 16, a.image, strides, 256, 3, 4, False, 32)
    model.train()
    decay = [q for n, q in model.named_parameters() if q.dim() > 1]
    no_decay = [q for n, q in model.named_parameters() if q.dim() <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    boxes = []
    for b in range(a.batch):
        rows = ([(0, 40, 60, 120, 140), (1, 200, 220, 260, 300), (2, 300, 100, 480, 260)]
                if b % 2 == 0 else [(0, 10, 10, 50, 40), (1, 100, 300, 400, 500)])
        boxes.append([[c, x1, y1, x2, y2, 0, 0, 0, 0, 0, 0] for c, x1, y1, x2, y2 in rows])
    img = torch.randn(a.batch, 1, a.image, a.image)
    wall, cpu, last = [], [], 0.0
    for s in range(a.warmup + a.steps):
        t0, c0 = time.perf_counter(), time.process_time()
        _, head = model(img)
        out = losses(head, boxes, strides, a.image, a.image, 3, False, 1.5, 0.25, 2.0, 1.0, 1.0)
        opt.zero_grad(set_to_none=True)
        out["total"].backward()
        opt.step()
        last = float(out["total"])
        if s >= a.warmup:
            wall.append((time.perf_counter() - t0) * 1e3)
            cpu.append((time.process_time() - c0) * 1e3)
    print(json.dumps({"impl": "pytorch", "size": a.size, "image": a.image, "batch": a.batch,
                      "steps": a.steps, "ms_per_step_median": round(statistics.median(wall), 1),
                      "cpu_ms_per_step_median": round(statistics.median(cpu), 1),
                      "ms": [round(x, 1) for x in wall], "last_loss": round(last, 4),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
