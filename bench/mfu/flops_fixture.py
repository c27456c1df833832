#!/usr/bin/python3
"""Counts the matrix-multiply FLOPs of one SARMAE pretraining step with PyTorch's own counter.

Runs bench/mae_step.py's PyTorch replica of the trainer's model (same blocks, decoder, SARC branch)
under torch.profiler(with_flops=True) for one forward pass and, separately, its backward pass, and
sums the FLOPs PyTorch attributes to matrix products (aten::mm, addmm, bmm, baddbmm) and
convolutions (aten::conv2d; PyTorch 1.13 has no formula for the convolution backward, so that part is
reported apart from the analytic count, see FlopCountTest). Writes one JSON object per
configuration, the fixture trainer/src/test/resources/bench/flops-pytorch.json that
io.sarmae.trainer.bench.FlopCountTest compares with the analytic count (bench/FlopCount.java).

Run with Debian's python3-torch 1.13:
  /usr/bin/python3 bench/mfu/flops_fixture.py > trainer/src/test/resources/bench/flops-pytorch.json
"""

import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import mae_step  # noqa: E402  (the replica: bench/mae_step.py)

MATMUL = ("aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm")
CONV = ("aten::conv2d",)

CONFIGS = [  # size, image, patch, batch, alignment
    ("tiny", 224, 16, 2, True),
    ("tiny", 224, 16, 2, False),
    ("small", 96, 16, 3, True),
    ("base", 224, 16, 2, True),
]


def flops_by_kind(prof):
    out = {"matmul": 0, "conv": 0, "other": 0}
    for e in prof.key_averages():
        f = int(e.flops or 0)
        if e.key in MATMUL:
            out["matmul"] += f
        elif e.key in CONV:
            out["conv"] += f
        else:
            out["other"] += f
    return out


def count(size, image, patch, batch, alignment):
    torch.manual_seed(0)
    model = mae_step.Sarmae(size, image, patch, alignment).train()
    gen = torch.Generator().manual_seed(0)
    sar = torch.rand(batch, 3, image, image, generator=gen)
    target = torch.rand(batch, 3, image, image, generator=gen)
    optical = torch.rand(batch, 3, image, image, generator=gen)
    paired = torch.tensor([1.0 if i % 2 == 0 else 0.0 for i in range(batch)])
    noise = torch.rand(batch, (image // patch) ** 2, generator=gen)
    with torch.profiler.profile(record_shapes=True, with_flops=True) as fwd:
        mae, align = model(sar, target, optical, paired, noise)
        total = mae + (0.8 * align if alignment else 0.0)
    with torch.profiler.profile(record_shapes=True, with_flops=True) as bwd:
        total.backward()
    return {
        "size": size, "image": image, "patch": patch, "batch": batch, "alignment": alignment,
        "paired_rows": int(paired.sum().item()), "mask_ratio": 0.75,
        "forward": flops_by_kind(fwd), "backward": flops_by_kind(bwd),
        "torch": torch.__version__,
    }


def main():
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    rows = [count(*c) for c in CONFIGS]
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
