#!/usr/bin/env python3
"""Times captum and shap on the workloads of benches/explain.rs (float32, same shapes and the
same deterministic inputs, sin(0.37·(r·width + c) + offset)).

Run with:

    /work/venv-ref/bin/python scripts/reference/time_explain.py

in the same sitting as `cargo bench --bench explain`, and compare the medians as a ratio.

* `ig_mnist`: captum IntegratedGradients(net).attribute(x, target=3, n_steps=50) (Gauss-Legendre),
  8 rows, net 784-256-128-10 with ReLU;
* `deeplift_mnist`: captum DeepLift(net).attribute(x, target=3) on the same rows and net (zero
  baseline);
* `exact_shap_m12`: shap.explainers.Exact(f, shap.maskers.Independent(background)) on 10 rows of
  a 12-32-1 tanh net, 100-row background;
* `kernel_shap_m30`: shap.KernelExplainer(f, background).shap_values(x, l1_reg=False), default
  nsamples, 10 rows of a 30-32-1 tanh net, 100-row background.

Prints the median and minimum of `--repeats` runs (default 5) of each. `--threads` sets
torch's thread count (default 2, the cores the Rust benchmark may use).
"""

import argparse
import statistics
import time
import warnings

import numpy as np
import shap
import torch
from captum.attr import DeepLift, IntegratedGradients

warnings.simplefilter("ignore")


def inputs(rows, width, offset):
    r, c = np.meshgrid(np.arange(rows), np.arange(width), indexing="ij")
    return np.sin(0.37 * (r * width + c) + offset).astype(np.float32)


def mlp(widths, act):
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append(act())
    return torch.nn.Sequential(*layers).eval()


def numpy_fn(net):
    def f(data):
        with torch.no_grad():
            return net(torch.tensor(np.asarray(data, dtype=np.float32))).numpy()[:, 0]
    return f


def timed(name, fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    print(f"{name}: median {statistics.median(times) * 1e3:.2f} ms, min {min(times) * 1e3:.2f} ms")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    mnist = mlp([784, 256, 128, 10], torch.nn.ReLU)
    x = torch.tensor(inputs(8, 784, 0.0))
    ig = IntegratedGradients(mnist)
    timed("explain/ig_mnist", lambda: ig.attribute(x, target=3, n_steps=50), args.repeats)
    dl = DeepLift(mnist)
    timed("explain/deeplift_mnist", lambda: dl.attribute(x, target=3), args.repeats)

    small = numpy_fn(mlp([12, 32, 1], torch.nn.Tanh))
    exact = shap.explainers.Exact(small, shap.maskers.Independent(inputs(100, 12, 1.0), max_samples=100))
    xs = inputs(10, 12, 2.0)
    timed("explain/exact_shap_m12", lambda: exact(xs), args.repeats)

    wide = numpy_fn(mlp([30, 32, 1], torch.nn.Tanh))
    kernel = shap.KernelExplainer(wide, inputs(100, 30, 1.0))
    xw = inputs(10, 30, 2.0)
    timed("explain/kernel_shap_m30", lambda: kernel.shap_values(xw, l1_reg=False, silent=True),
          args.repeats)


if __name__ == "__main__":
    main()
