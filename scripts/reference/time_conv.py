"""Times PyTorch on the CNN training steps of benches/conv.rs.

Run with:

    /work/venv-ref/bin/python scripts/reference/time_conv.py

in the same sitting as `TUNEUP_NUM_THREADS=1 cargo bench --bench conv` and
`TUNEUP_NUM_THREADS=2 cargo bench --bench conv`, and compare the medians as ratios. Each step
is zero_grad + forward in train mode + cross-entropy + backward + Adam (lr 1e-3), float32, on
a fixed random batch, at torch.set_num_threads(1) and (2):

* lenet: Conv2d(1, 6, 5) → ReLU → MaxPool2d(2) → Conv2d(6, 16, 5) → ReLU → MaxPool2d(2) →
  Flatten → Linear(256, 120) → ReLU → Linear(120, 84) → ReLU → Linear(84, 10), batch 64 of
  1 × 28 × 28;
* dwsep: four MobileNet depthwise-separable blocks (3 × 3 depthwise conv without bias,
  BatchNorm2d, ReLU, 1 × 1 conv without bias, BatchNorm2d, ReLU) 32→64 (stride 1), 64→128
  (2), 128→128 (1), 128→256 (2) → AdaptiveAvgPool2d(1) → Flatten → Linear(256, 10), batch 32
  of 32 × 32 × 32.

Prints the median and minimum of --repeats timed runs (default 30, after 5 warm-up steps).
With --cpu-time it reports the calling thread's CPU time (time.thread_time) per step instead,
the median and minimum over 7 rounds of 20 steps, as benches/conv.rs does with
TUNEUP_BENCH_CPU_TIME=1 (meaningful at one thread, where PyTorch computes on the calling
thread); --threads restricts the thread counts.
"""

import argparse
import statistics
import time

import torch
from torch import nn


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84),
        nn.ReLU(), nn.Linear(84, 10))


def block(c, o, stride):
    return nn.Sequential(
        nn.Conv2d(c, c, 3, stride=stride, padding=1, groups=c, bias=False), nn.BatchNorm2d(c),
        nn.ReLU(), nn.Conv2d(c, o, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU())


def dwsep():
    return nn.Sequential(
        block(32, 64, 1), block(64, 128, 2), block(128, 128, 1), block(128, 256, 2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(256, 10))


def time_step(model, x, y, repeats):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(5):
        step()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times)


def cpu_time_per_step(model, x, y):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    for _ in range(5):
        step()
    means = []
    for _ in range(7):
        t = time.thread_time()
        for _ in range(20):
            step()
        means.append((time.thread_time() - t) / 20)
    means.sort()
    return means[3], means[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--cpu-time", action="store_true")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    label = "cpu_time" if args.cpu_time else "train_step"
    torch.manual_seed(42)
    workloads = [
        ("lenet", lenet, (64, 1, 28, 28)),
        ("dwsep", dwsep, (32, 32, 32, 32)),
    ]
    for threads in args.threads:
        torch.set_num_threads(threads)
        for name, build, shape in workloads:
            x = torch.rand(shape) * 2 - 1
            y = torch.randint(0, 10, (shape[0],))
            if args.cpu_time:
                med, best = cpu_time_per_step(build(), x, y)
            else:
                med, best = time_step(build(), x, y, args.repeats)
            print(f"{label}/{name} threads={threads}: median {med * 1e3:.3f} ms, "
                  f"min {best * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
