"""PyTorch's own gloo allreduce on the same machine: the baseline for bench/dist/run.sh.

usage: allreduce.py RANK WORLD PORT NUMEL STEPS [TENSORS]
Sums NUMEL float32 elements (the trainer's gradient size) over WORLD processes on loopback, STEPS
times after 2 warm-up calls, and (rank 0) prints one JSON line: as one flat tensor (what DDP's
buckets hand gloo) and, when TENSORS > 1, as TENSORS tensors in one coalesced call (what the
trainer does: gloo flattens them into one buffer and copies the sums back).
"""
import json
import os
import statistics
import sys
import time

import torch
import torch.distributed as dist


def main():
    rank, world, port, numel, steps = (int(a) for a in sys.argv[1:6])
    tensors = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    x = torch.ones(numel, dtype=torch.float32)
    parts = list(torch.ones(numel, dtype=torch.float32).tensor_split(tensors))

    def timed(op):
        for _ in range(2):
            op()
        out = []
        for _ in range(steps):
            dist.barrier()
            t0 = time.perf_counter()
            op()
            out.append((time.perf_counter() - t0) * 1e3)
        return statistics.median(out)

    flat = timed(lambda: dist.all_reduce(x))
    coalesced = timed(lambda: dist.all_reduce_coalesced(parts)) if tensors > 1 else flat
    if rank == 0:
        print(json.dumps({
            "impl": "pytorch", "torch": torch.__version__, "world": world,
            "gradient_mb": round(numel * 4 / 1e6, 3), "tensors": tensors,
            "allreduce_ms_median": round(flat, 3),
            "coalesced_ms_median": round(coalesced, 3),
            "algbw_gb_s": round(numel * 4 / (flat / 1e3) / 1e9, 4)}))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
