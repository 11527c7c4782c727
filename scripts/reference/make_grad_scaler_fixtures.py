#!/usr/bin/env python3
"""Reference loss-scale sequences of torch.amp.GradScaler for tests/parity_grad_scaler.rs.

Regenerate with (the environment is made by scripts/reference/setup-python.sh):

    /work/venv-ref/bin/python scripts/reference/make_grad_scaler_fixtures.py

Writes tests/fixtures/grad_scaler.json with two kinds of case.

`update_rule`: the scale and growth tracker after every `update()`, driven by a planted
found-inf pattern through PyTorch's own CPU kernel `torch._amp_update_scale_` (the kernel
`GradScaler.update` calls), on float32 scale / int32 tracker tensors exactly as GradScaler
keeps them. Cases cover the defaults over more than one growth interval, factors that are not
powers of two (the product is rounded to float32), growth that would overflow float32 (then
the scale is kept) and backoff down to zero.

`training_run`: a real `torch.amp.GradScaler("cpu")` around SGD with momentum on a float32
`nn.Linear(3, 2)` and MSE: each step scales the loss, backpropagates, plants a non-finite
gradient on chosen steps, calls `unscale_`, clips the (unscaled) gradients to norm 1, steps
and updates. The scale after each update, whether the step was skipped and the parameters
after each step are recorded, with the initial parameters and the data.
"""

import json
import os

import torch
from torch import nn

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "grad_scaler.json")


def run_rule(init_scale, growth_factor, backoff_factor, growth_interval, found_inf):
    scale = torch.full((), init_scale, dtype=torch.float32)
    tracker = torch.full((), 0, dtype=torch.int32)
    scales, trackers = [], []
    for inf in found_inf:
        flag = torch.full((), 1.0 if inf else 0.0, dtype=torch.float32)
        torch._amp_update_scale_(scale, tracker, flag, growth_factor, backoff_factor, growth_interval)
        scales.append(float(scale.item()))
        trackers.append(int(tracker.item()))
    return {
        "init_scale": init_scale,
        "growth_factor": growth_factor,
        "backoff_factor": backoff_factor,
        "growth_interval": growth_interval,
        "found_inf": found_inf,
        "scales": scales,
        "growth_trackers": trackers,
    }


def rule_cases():
    defaults = [False] * 4200
    for i in (10, 2500, 2501, 4150):
        defaults[i] = True
    gen = torch.Generator().manual_seed(0)
    pattern = (torch.rand(60, generator=gen) < 0.3).tolist()
    return [
        dict(name="defaults", **run_rule(65536.0, 2.0, 0.5, 2000, defaults)),
        dict(name="odd_factors", **run_rule(8.0, 1.7, 0.3, 3, pattern)),
        dict(name="growth_overflow", **run_rule(2.0**125, 4.0, 0.5, 1, [False] * 5)),
        dict(name="backoff_to_zero", **run_rule(1.0, 2.0, 0.5, 2, [True] * 155 + [False] * 4)),
    ]


def training_run():
    torch.manual_seed(3)
    model = nn.Linear(3, 2)
    x = torch.randn(8, 3)
    y = torch.randn(8, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=2)
    plant = {3: float("inf"), 7: float("-inf"), 8: float("nan")}
    init = {n: p.detach().flatten().tolist() for n, p in model.named_parameters()}
    steps = []
    for step in range(12):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        scaler.scale(loss).backward()
        if step in plant:
            with torch.no_grad():
                model.weight.grad[1, 2] = plant[step]
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        before = [p.detach().clone() for p in model.parameters()]
        scaler.step(opt)
        skipped = all(torch.equal(b, p) for b, p in zip(before, model.parameters()))
        scaler.update()
        steps.append({
            "loss": float(loss.item()),
            "planted": None if step not in plant else str(plant[step]),
            "skipped": skipped,
            "scale": scaler.get_scale(),
            "growth_tracker": scaler.state_dict()["_growth_tracker"],
            "weight": model.weight.detach().flatten().tolist(),
            "bias": model.bias.detach().flatten().tolist(),
        })
    return {
        "lr": 0.1,
        "momentum": 0.9,
        "init_scale": 1024.0,
        "growth_interval": 2,
        "max_norm": 1.0,
        "x": x.tolist(),
        "y": y.tolist(),
        "init": init,
        "steps": steps,
        "state_dict": scaler.state_dict(),
    }


def main():
    fixture = {
        "torch_version": torch.__version__,
        "update_rule": rule_cases(),
        "training_run": training_run(),
    }
    with open(OUT, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
