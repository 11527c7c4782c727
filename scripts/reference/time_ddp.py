"""Times PyTorch DistributedDataParallel on the data-parallel steps of benches/data_parallel.rs.

Run with:

    /work/venv-ref/bin/python scripts/reference/time_ddp.py [mnist] [wide]

in the same sitting as `cargo bench --bench data_parallel`, and compare the medians. Two
processes (the gloo backend on this machine, one intra-op thread each, as the crate's
replicas keep their products on their own thread) each hold a replica of the workload's MLP
(`mnist`: 784-256-128-10, ReLU, cross-entropy, batch 128; `wide`: 1024-1024-1024-1, ReLU,
MSE, batch 256) and take half of the batch; a step is zero_grad + forward + loss + backward
(DDP all-reduces the gradients during backward, averaged) + Adam (lr 1e-3), float32.
Rank 0 prints the median and minimum of its per-step times over rounds of 10 steps for
about two seconds, after 20 warm-up steps; each round starts at a barrier.
"""

import os
import statistics
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

WORKLOADS = {
    "mnist": ([784, 256, 128, 10], 128, "ce"),
    "wide": ([1024, 1024, 1024, 1], 256, "mse"),
}


def build(dims):
    layers = []
    for i in range(len(dims) - 1):
        layers.append(nn.Linear(dims[i], dims[i + 1]))
        if i < len(dims) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def worker(rank, world, name, port):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    dims, batch, loss = WORKLOADS[name]
    torch.manual_seed(0)
    model = nn.parallel.DistributedDataParallel(build(dims))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(batch, dims[0])
    if loss == "ce":
        y = torch.randint(0, dims[-1], (batch,))
        lf = nn.CrossEntropyLoss()
    else:
        y = torch.randn(batch, dims[-1])
        lf = nn.MSELoss()
    shard = slice(rank * batch // world, (rank + 1) * batch // world)
    xs, ys = x[shard], y[shard]

    def step():
        opt.zero_grad(set_to_none=False)
        lf(model(xs), ys).backward()
        opt.step()

    for _ in range(20):
        step()
    samples = []
    deadline = time.perf_counter() + 2.0
    while True:
        dist.barrier()
        go = torch.tensor([1.0 if time.perf_counter() < deadline else 0.0])
        dist.broadcast(go, 0)
        if go.item() == 0.0:
            break
        t0 = time.perf_counter()
        for _ in range(10):
            step()
        samples.append((time.perf_counter() - t0) / 10)
    if rank == 0:
        med, low = statistics.median(samples) * 1e6, min(samples) * 1e6
        print(f"torch DDP {name} world={world} threads_per_rank=1 "
              f"us_per_step median={med:.1f} min={low:.1f}")
    dist.destroy_process_group()


if __name__ == "__main__":
    names = sys.argv[1:] or list(WORKLOADS)
    for i, n in enumerate(names):
        mp.spawn(worker, args=(2, n, 29500 + i), nprocs=2, join=True)
