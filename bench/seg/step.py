#!/usr/bin/python3
"""PyTorch half of bench/seg/step.sh: times segmentation training steps of the same ViT + UperNet
model in plain PyTorch (the reference modules of bench/seg/make_fixtures.py: MAE ViT encoder tapped
at blocks 4, 6, 8, 12, feature pyramid 4, 2, 1, 1/2, UperHead 512 channels, FCN auxiliary head 256
channels, Dropout2d 0.1), cross-entropy over all pixels with ignore index 255, decode + 0.4 * aux,
AdamW (0.9, 0.999, wd 0.05 except 1-D parameters), fp32. Same labels and sizes as SegStep.java.

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
from make_fixtures import Segmenter, ce_losses  # noqa: E402

SIZES = {"tiny": (192, 12, 3), "small": (384, 12, 6), "base": (768, 12, 12),
         "large": (1024, 24, 16)}
CLASSES = 6


def taps(depth):
    """VitBackbone.defaultTaps: 3, 5, 7, 11 for depth 12, else the quarter points."""
    if depth == 12:
        return [3, 5, 7, 11]
    return [-(-k * depth // 4) - 1 for k in range(1, 5)]


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
    model = Segmenter(chans=1, dim=dim, depth=depth, heads=heads, patch=16, image=a.image,
                      taps=taps(depth), rescales=[4, 2, 1, 0.5], channels=512, aux_channels=256,
                      classes=CLASSES)
    model.train()
    decay = [q for n, q in model.named_parameters() if q.dim() > 1]
    no_decay = [q for n, q in model.named_parameters() if q.dim() <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    # labels as SegStep.java: 64-pixel blocks cycling through the classes, the top 8 rows ignored
    yy, xx = torch.meshgrid(torch.arange(a.image), torch.arange(a.image), indexing="ij")
    label = torch.stack([(yy // 64 + xx // 64 + b) % CLASSES for b in range(a.batch)])
    label[:, :8, :] = 255
    img = torch.randn(a.batch, 1, a.image, a.image)
    wall, cpu, last = [], [], 0.0
    for s in range(a.warmup + a.steps):
        t0, c0 = time.perf_counter(), time.process_time()
        _, _, logits, aux = model(img)
        total = (ce_losses(logits, label, None)["all_pixels"]
                 + 0.4 * ce_losses(aux, label, None)["all_pixels"])
        opt.zero_grad(set_to_none=True)
        total.backward()
        opt.step()
        last = float(total)
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
