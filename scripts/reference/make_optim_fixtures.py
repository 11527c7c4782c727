#!/usr/bin/env python3
"""Reference trajectories of torch.optim optimizers, and gradient clipping, for
tests/parity_optim.rs.

Regenerate with (the environment is made by scripts/reference/setup-python.sh):

    .venv-reference/bin/python scripts/reference/make_optim_fixtures.py

Writes tests/fixtures/optim_trajectories.json. Everything is float64.

The objective is not quadratic: a small network
    nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.LayerNorm(5), nn.Linear(5, 2))
with mean squared error on fixed data. tuneup builds the same network (a Linear with a fused
Tanh counts as two modules, so the parameter names match: 0.weight, 0.bias, 2.weight, 2.bias,
3.weight, 3.bias) and computes its own gradients with its own forward/backward, so the test
checks the optimizers end to end.

Each configuration runs STEPS steps of: zero grads, forward, MSE, backward, optional
clipping, optimizer.step(); the parameters after every step are recorded (one row per step,
the parameters flattened and concatenated in the order above), with the loss before the step.

Parameter groups are selected by rule, as tuneup's ParamGroup does: the first matching rule
wins, the rest use the optimizer's defaults. A group's lr is base lr * lr_factor, and a change
of the base lr (`lr_changes`) sets every group's lr to new_base * lr_factor. Frozen parameters
(`frozen`: name prefixes) get requires_grad = False.

All optimizers use the single-tensor implementation (foreach=False), the one PyTorch uses on
the CPU by default.
"""

import json
import os

import torch
from torch import nn

torch.set_default_dtype(torch.float64)

STEPS = 30
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "optim_trajectories.json")

NAMES = ["0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias"]
KINDS = {"0.weight": "weight", "0.bias": "bias", "2.weight": "norm", "2.bias": "norm",
         "3.weight": "weight", "3.bias": "bias"}


def arr(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(x) for x in t.reshape(-1).tolist()]}


gen = torch.Generator().manual_seed(20240611)
X = torch.randn(16, 3, generator=gen)
Y = torch.stack([torch.sin(2.0 * X[:, 0]) + X[:, 1] * X[:, 2],
                 torch.cos(X[:, 1]) - 0.5 * X[:, 2] ** 2], dim=1)

INITIAL = {
    "0.weight": 0.7 * torch.randn(5, 3, generator=gen),
    "0.bias": 0.3 * torch.randn(5, generator=gen),
    "2.weight": 1.0 + 0.2 * torch.randn(5, generator=gen),
    "2.bias": 0.2 * torch.randn(5, generator=gen),
    "3.weight": 0.5 * torch.randn(2, 5, generator=gen),
    "3.bias": 0.1 * torch.randn(2, generator=gen),
}


def make_model(frozen=()):
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.LayerNorm(5), nn.Linear(5, 2))
    named = dict(model.named_parameters())
    assert list(named) == NAMES
    with torch.no_grad():
        for name, p in named.items():
            p.copy_(INITIAL[name])
            if any(name.startswith(prefix) for prefix in frozen):
                p.requires_grad_(False)
    return model


def selects(rule, name):
    if "kinds" in rule:
        return KINDS[name] in rule["kinds"]
    if "prefix" in rule:
        return name.startswith(rule["prefix"])
    if "suffix" in rule:
        return name.endswith(rule["suffix"])
    if "names" in rule:
        return name in rule["names"]
    raise ValueError(rule)


def param_groups(model, groups, lr):
    """torch param groups from tuneup-style rules; returns (groups, lr factor of each)."""
    buckets = [[] for _ in groups] + [[]]
    for name, p in model.named_parameters():
        index = next((i for i, g in enumerate(groups) if selects(g["select"], name)), len(groups))
        buckets[index].append(p)
    out, factors = [], []
    for i, params in enumerate(buckets):
        if not params:
            continue
        group = {"params": params}
        factor = 1.0
        if i < len(groups):
            factor = groups[i].get("lr_factor", 1.0)
            group["lr"] = lr * factor
            if "weight_decay" in groups[i]:
                group["weight_decay"] = groups[i]["weight_decay"]
        out.append(group)
        factors.append(factor)
    return out, factors


OPTIMIZERS = {
    "SGD": torch.optim.SGD,
    "Adam": torch.optim.Adam,
    "AdamW": torch.optim.AdamW,
    "RMSprop": torch.optim.RMSprop,
    "Adagrad": torch.optim.Adagrad,
}

NO_DECAY = {"select": {"kinds": ["bias", "norm"]}, "weight_decay": 0.0}
SLOW_HEAD = {"select": {"prefix": "3."}, "lr_factor": 0.5}

# (name, optimizer, torch kwargs, extras)
CONFIGS = [
    ("sgd_plain", "SGD", {"lr": 0.1}, {}),
    ("sgd_momentum", "SGD", {"lr": 0.05, "momentum": 0.9}, {}),
    ("sgd_momentum_dampening", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}, {}),
    ("sgd_nesterov_weight_decay", "SGD",
     {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.01}, {}),
    ("sgd_maximize", "SGD", {"lr": 0.002, "momentum": 0.5, "maximize": True}, {}),
    ("sgd_groups_frozen_lr_change", "SGD", {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.05},
     {"groups": [NO_DECAY, SLOW_HEAD], "frozen": ["0."], "lr_changes": {"15": 0.02}}),
    ("sgd_clip_norm", "SGD", {"lr": 0.1, "momentum": 0.9},
     {"clip": {"kind": "norm", "max_norm": 0.5, "norm_type": 2.0}}),
    ("sgd_clip_value", "SGD", {"lr": 0.1},
     {"clip": {"kind": "value", "clip_value": 0.05}}),
    ("adam_default", "Adam", {"lr": 0.02}, {}),
    ("adam_betas_eps", "Adam", {"lr": 0.02, "betas": [0.8, 0.95], "eps": 1e-6}, {}),
    ("adam_weight_decay", "Adam", {"lr": 0.02, "weight_decay": 0.1}, {}),
    ("adam_amsgrad", "Adam", {"lr": 0.02, "amsgrad": True, "betas": [0.9, 0.9]}, {}),
    ("adam_maximize", "Adam", {"lr": 0.005, "maximize": True}, {}),
    ("adam_groups_frozen_lr_change", "Adam", {"lr": 0.02, "weight_decay": 0.05},
     {"groups": [NO_DECAY, SLOW_HEAD], "frozen": ["0."], "lr_changes": {"10": 0.01, "20": 0.03}}),
    ("adam_clip_inf_norm", "Adam", {"lr": 0.02},
     {"clip": {"kind": "norm", "max_norm": 0.05, "norm_type": "inf"}}),
    ("adamw_default", "AdamW", {"lr": 0.02}, {}),
    ("adamw_weight_decay_amsgrad", "AdamW",
     {"lr": 0.02, "weight_decay": 0.2, "amsgrad": True, "betas": [0.85, 0.99], "eps": 1e-7}, {}),
    ("adamw_maximize", "AdamW", {"lr": 0.005, "maximize": True}, {}),
    ("adamw_groups_frozen", "AdamW", {"lr": 0.02, "weight_decay": 0.3},
     {"groups": [NO_DECAY, SLOW_HEAD], "frozen": ["0."]}),
    ("rmsprop_default", "RMSprop", {"lr": 0.01}, {}),
    ("rmsprop_alpha_eps", "RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-4}, {}),
    ("rmsprop_momentum", "RMSprop", {"lr": 0.005, "momentum": 0.9}, {}),
    ("rmsprop_centered", "RMSprop", {"lr": 0.005, "centered": True}, {}),
    ("rmsprop_centered_momentum_weight_decay", "RMSprop",
     {"lr": 0.005, "centered": True, "momentum": 0.5, "weight_decay": 0.05, "alpha": 0.45}, {}),
    ("rmsprop_maximize", "RMSprop", {"lr": 0.002, "maximize": True}, {}),
    ("rmsprop_groups_frozen", "RMSprop", {"lr": 0.01, "weight_decay": 0.05, "momentum": 0.3},
     {"groups": [NO_DECAY, SLOW_HEAD], "frozen": ["0."], "lr_changes": {"12": 0.004}}),
    ("adagrad_default", "Adagrad", {"lr": 0.05}, {}),
    ("adagrad_lr_decay", "Adagrad", {"lr": 0.05, "lr_decay": 0.1}, {}),
    ("adagrad_initial_accumulator_eps", "Adagrad",
     {"lr": 0.05, "initial_accumulator_value": 0.5, "eps": 1e-6}, {}),
    ("adagrad_weight_decay", "Adagrad", {"lr": 0.05, "weight_decay": 0.05}, {}),
    ("adagrad_maximize", "Adagrad", {"lr": 0.01, "maximize": True}, {}),
    ("adagrad_groups_frozen", "Adagrad", {"lr": 0.05, "weight_decay": 0.1, "lr_decay": 0.05},
     {"groups": [NO_DECAY, SLOW_HEAD], "frozen": ["0."]}),
]


def flat_params(model):
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def run(name, optimizer, options, extras):
    frozen = extras.get("frozen", [])
    model = make_model(frozen)
    groups = extras.get("groups", [])
    lr = options["lr"]
    kwargs = dict(options)
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    torch_groups, factors = param_groups(model, groups, lr)
    opt = OPTIMIZERS[optimizer](torch_groups, foreach=False, **kwargs)
    lr_changes = {int(k): v for k, v in extras.get("lr_changes", {}).items()}
    clip = extras.get("clip")
    rows, losses = [], []
    for step in range(STEPS):
        if step in lr_changes:
            for group, factor in zip(opt.param_groups, factors):
                group["lr"] = lr_changes[step] * factor if factor != 1.0 else lr_changes[step]
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(X), Y)
        loss.backward()
        if clip is not None:
            trainable = [p for p in model.parameters() if p.requires_grad]
            if clip["kind"] == "norm":
                torch.nn.utils.clip_grad_norm_(trainable, clip["max_norm"],
                                               float(clip["norm_type"]), foreach=False)
            else:
                torch.nn.utils.clip_grad_value_(trainable, clip["clip_value"], foreach=False)
        opt.step()
        losses.append(loss.item())
        rows.append(flat_params(model))
    case = {"name": name, "optimizer": optimizer, "options": options, "steps": STEPS,
            "losses": losses, "trajectory": arr(torch.stack(rows))}
    case.update(extras)
    return case


def clip_cases():
    cases = []
    for norm_type, max_norm, frozen in [(2.0, 0.1, []), (2.0, 1e3, []), (1.0, 0.5, []),
                                        (float("inf"), 0.05, []), (3.0, 0.2, []),
                                        (2.0, 0.1, ["0."])]:
        model = make_model(frozen)
        nn.functional.mse_loss(model(X), Y).backward()
        trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        total = torch.nn.utils.clip_grad_norm_([p for _, p in trainable], max_norm, norm_type,
                                               error_if_nonfinite=True, foreach=False)
        cases.append({"kind": "norm", "norm_type": "inf" if norm_type == float("inf") else norm_type,
                      "max_norm": max_norm, "frozen": frozen, "total_norm": total.item(),
                      "grads": {n: arr(p.grad) for n, p in trainable}})
    model = make_model()
    nn.functional.mse_loss(model(X), Y).backward()
    torch.nn.utils.clip_grad_value_(model.parameters(), 0.05, foreach=False)
    cases.append({"kind": "value", "clip_value": 0.05, "frozen": [],
                  "grads": {n: arr(p.grad) for n, p in model.named_parameters()}})
    return cases


def main():
    fixture = {
        "torch_version": torch.__version__,
        "model": "Sequential(Linear(3, 5), Tanh, LayerNorm(5), Linear(5, 2)), MSE loss",
        "names": NAMES,
        "kinds": KINDS,
        "x": arr(X),
        "y": arr(Y),
        "initial": {n: arr(t) for n, t in INITIAL.items()},
        "cases": [run(*c) for c in CONFIGS],
        "clip": clip_cases(),
    }
    with open(OUT, "w") as f:
        json.dump(fixture, f, allow_nan=False)  # ∞ is written as the string "inf"
    print(f"wrote {len(fixture['cases'])} trajectories and {len(fixture['clip'])} clip cases "
          f"to {os.path.normpath(OUT)} ({os.path.getsize(OUT) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
