"""PyTorch's own gloo allreduce on the same machine: the baseline for bench/dist/run.sh.

usage: allreduce.py RANK WORLD PORT NUMEL STEPS
Sums one float32 tensor of NUMEL elements (the trainer's gradient size) over WORLD processes on
loopback, STEPS times after 2 warm-up calls, and (rank 0) prints one JSON line.
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
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    x = torch.ones(numel, dtype=torch.float32)
    for _ in range(2):
        dist.all_reduce(x)
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        dist.all_reduce(x)
        times.append((time.perf_counter() - t0) * 1e3)
    dist.barrier()
    if rank == 0:
        ms = statistics.median(times)
        print(json.dumps({
            "impl": "pytorch", "torch": torch.__version__, "world": world,
            "gradient_mb": round(numel * 4 / 1e6, 3), "allreduce_ms_median": round(ms, 3),
            "algbw_gb_s": round(numel * 4 / (ms / 1e3) / 1e9, 4)}))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
