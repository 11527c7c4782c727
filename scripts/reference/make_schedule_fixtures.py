"""PyTorch reference learning-rate sequences for the schedule parity tests.

Regenerate with (environment made by scripts/reference/setup-python.sh):

    .venv-reference/bin/python scripts/reference/make_schedule_fixtures.py

Writes tests/fixtures/schedules.json, read by tests/parity_schedules.rs. Each case builds a
fresh `torch.optim.SGD([param], lr=base_lr)`, attaches the scheduler(s) exactly as a user would,
records `get_last_lr()[0]` right after construction, then calls `scheduler.step()` (or
`scheduler.step(metric)` for ReduceLROnPlateau) `steps` times and records `get_last_lr()[0]`
after each call. So `lrs` has `steps + 1` entries: index 0 is the rate before any step.

What is recorded is what PyTorch actually produces through repeated `step()` calls (the
recursive, "chainable" forms of `get_lr`), not the closed-form formulas of the docs.

A case is {"name", "kind", "base_lr", "params", "steps", "lrs"} and, for ReduceLROnPlateau,
"metrics" (the value passed to each step). Composite kinds ("chained", "sequential") have
"parts": a list of {"kind", "params"} built on the same optimizer in order, and (sequential)
"milestones".
"""

import json
import math
import os
import warnings

import torch
from torch.optim import lr_scheduler as sch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "schedules.json")

# Stepping a scheduler without an optimizer step triggers a harmless ordering warning.
warnings.filterwarnings("ignore", category=UserWarning)


def optimizer(base_lr):
    param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    return torch.optim.SGD([param], lr=base_lr)


def build(opt, kind, p):
    """One scheduler of `kind` with parameters `p` (our names, mapped to PyTorch's)."""
    if kind == "step":
        return sch.StepLR(opt, step_size=p["step_size"], gamma=p["gamma"])
    if kind == "multistep":
        return sch.MultiStepLR(opt, milestones=p["milestones"], gamma=p["gamma"])
    if kind == "exponential":
        return sch.ExponentialLR(opt, gamma=p["gamma"])
    if kind == "cosine":
        return sch.CosineAnnealingLR(opt, T_max=p["t_max"], eta_min=p["eta_min"])
    if kind == "warm_restarts":
        return sch.CosineAnnealingWarmRestarts(
            opt, T_0=p["t_0"], T_mult=p["t_mult"], eta_min=p["eta_min"]
        )
    if kind == "linear":
        return sch.LinearLR(
            opt,
            start_factor=p["start_factor"],
            end_factor=p["end_factor"],
            total_iters=p["total_iters"],
        )
    if kind == "one_cycle":
        return sch.OneCycleLR(
            opt,
            max_lr=p["max_lr"],
            total_steps=p["total_steps"],
            pct_start=p["pct_start"],
            anneal_strategy=p["anneal_strategy"],
            div_factor=p["div_factor"],
            final_div_factor=p["final_div_factor"],
            three_phase=p["three_phase"],
            cycle_momentum=False,
        )
    if kind == "cyclic":
        return sch.CyclicLR(
            opt,
            base_lr=p["base_lr"],
            max_lr=p["max_lr"],
            step_size_up=p["step_size_up"],
            step_size_down=p["step_size_down"],
            mode=p["mode"],
            gamma=p["gamma"],
            cycle_momentum=False,
        )
    if kind == "plateau":
        return sch.ReduceLROnPlateau(
            opt,
            mode=p["mode"],
            factor=p["factor"],
            patience=p["patience"],
            threshold=p["threshold"],
            threshold_mode=p["threshold_mode"],
            cooldown=p["cooldown"],
            min_lr=p["min_lr"],
            eps=p["eps"],
        )
    raise ValueError(kind)


def record(case):
    opt = optimizer(case["base_lr"])
    kind = case["kind"]
    if kind == "chained":
        parts = [build(opt, part["kind"], part["params"]) for part in case["parts"]]
        s = sch.ChainedScheduler(parts, optimizer=opt)
    elif kind == "sequential":
        parts = [build(opt, part["kind"], part["params"]) for part in case["parts"]]
        s = sch.SequentialLR(opt, schedulers=parts, milestones=case["milestones"])
    else:
        s = build(opt, kind, case["params"])
    lrs = [float(s.get_last_lr()[0])]
    metrics = case.get("metrics")
    for i in range(case["steps"]):
        if metrics is not None:
            s.step(metrics[i])
        else:
            s.step()
        lrs.append(float(s.get_last_lr()[0]))
        # The optimizer really holds the recorded rate.
        assert opt.param_groups[0]["lr"] == lrs[-1]
    assert all(math.isfinite(v) for v in lrs)
    case["lrs"] = lrs
    return case


def plateau_metrics():
    """A validation-loss-like sequence: fast progress, plateaus, a small dip that a relative
    threshold ignores, a noisy stretch, then a rise."""
    seq = [1.0, 0.8, 0.65, 0.6, 0.6, 0.6, 0.6, 0.59995, 0.6, 0.55, 0.5, 0.5, 0.5, 0.5,
           0.5, 0.49, 0.48, 0.48, 0.48, 0.48, 0.48, 0.48, 0.47, 0.47, 0.471, 0.469, 0.47,
           0.47, 0.47, 0.47, 0.47, 0.46, 0.46, 0.46, 0.46, 0.46, 0.46, 0.47, 0.48, 0.5,
           0.52, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    return seq


def accuracy_metrics():
    """An accuracy-like sequence for mode="max"."""
    return [0.1, 0.3, 0.5, 0.6, 0.6, 0.61, 0.6, 0.6, 0.6, 0.7, 0.72, 0.72, 0.72, 0.72,
            0.72, 0.73, 0.73, 0.73, 0.73, 0.73, 0.73, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8,
            0.81, 0.81, 0.81, 0.81, 0.81, 0.81, 0.81, 0.81, 0.81, 0.81, 0.81, 0.81, 0.81,
            0.81, 0.81, 0.81, 0.81]


def plateau(name, base_lr, metrics, **params):
    defaults = dict(mode="min", factor=0.1, patience=10, threshold=1e-4,
                    threshold_mode="rel", cooldown=0, min_lr=0.0, eps=1e-8)
    defaults.update(params)
    return {"name": name, "kind": "plateau", "base_lr": base_lr, "params": defaults,
            "steps": len(metrics), "metrics": metrics}


def one_cycle(name, steps, **params):
    defaults = dict(max_lr=0.1, total_steps=50, pct_start=0.3, anneal_strategy="cos",
                    div_factor=25.0, final_div_factor=1e4, three_phase=False)
    defaults.update(params)
    # OneCycleLR overrides the optimizer's rate; base_lr here is only the SGD constructor's.
    return {"name": name, "kind": "one_cycle", "base_lr": 1.0, "params": defaults,
            "steps": steps}


def cyclic(name, steps, **params):
    defaults = dict(base_lr=0.01, max_lr=0.1, step_size_up=5, step_size_down=None,
                    mode="triangular", gamma=1.0)
    defaults.update(params)
    return {"name": name, "kind": "cyclic", "base_lr": 1.0, "params": defaults,
            "steps": steps}


def simple(name, kind, base_lr, steps, **params):
    return {"name": name, "kind": kind, "base_lr": base_lr, "params": params, "steps": steps}


def part(kind, **params):
    return {"kind": kind, "params": params}


def cases():
    out = [
        simple("step_7_half", "step", 0.1, 45, step_size=7, gamma=0.5),
        simple("step_1_0.9", "step", 1.0, 40, step_size=1, gamma=0.9),
        simple("step_10_0.1", "step", 0.05, 50, step_size=10, gamma=0.1),
        simple("multistep_3", "multistep", 0.1, 45, milestones=[5, 12, 30], gamma=0.1),
        simple("multistep_dense", "multistep", 0.3, 40, milestones=[1, 2, 3, 20], gamma=0.7),
        simple("exponential_0.95", "exponential", 0.1, 60, gamma=0.95),
        simple("exponential_0.5", "exponential", 1.0, 40, gamma=0.5),
        simple("exponential_growth", "exponential", 0.001, 40, gamma=1.1),
        # Past T_max the recursive form keeps following the cosine back up (period 2·T_max).
        simple("cosine_10", "cosine", 0.1, 45, t_max=10, eta_min=0.0),
        simple("cosine_50_eta", "cosine", 0.05, 60, t_max=50, eta_min=0.001),
        simple("cosine_3_eta", "cosine", 1.0, 40, t_max=3, eta_min=0.1),
        simple("cosine_7", "cosine", 0.3, 40, t_max=7, eta_min=0.01),
        simple("warm_restarts_10", "warm_restarts", 0.1, 45, t_0=10, t_mult=1, eta_min=0.0),
        simple("warm_restarts_5x2", "warm_restarts", 0.1, 80, t_0=5, t_mult=2, eta_min=0.001),
        simple("warm_restarts_1x3", "warm_restarts", 0.5, 50, t_0=1, t_mult=3, eta_min=0.0),
        simple("warm_restarts_3x2", "warm_restarts", 0.2, 50, t_0=3, t_mult=2, eta_min=0.02),
        simple("linear_warmup_10", "linear", 0.1, 40, start_factor=0.1, end_factor=1.0,
               total_iters=10),
        simple("linear_decay_40", "linear", 0.1, 45, start_factor=1.0, end_factor=0.0,
               total_iters=40),
        simple("linear_partial_5", "linear", 0.2, 40, start_factor=0.25, end_factor=0.75,
               total_iters=5),
        simple("linear_third", "linear", 0.05, 40, start_factor=1.0 / 3, end_factor=1.0,
               total_iters=7),
        one_cycle("one_cycle_cos", 50),
        one_cycle("one_cycle_linear", 50, anneal_strategy="linear"),
        one_cycle("one_cycle_three_phase_cos", 60, total_steps=60, three_phase=True),
        one_cycle("one_cycle_three_phase_linear", 60, total_steps=60, three_phase=True,
                  anneal_strategy="linear", div_factor=10.0, final_div_factor=100.0),
        one_cycle("one_cycle_pct_0.25", 100, max_lr=0.5, total_steps=100, pct_start=0.25),
        one_cycle("one_cycle_odd", 45, max_lr=0.02, total_steps=45, pct_start=0.37,
                  div_factor=7.0, final_div_factor=33.0),
        cyclic("cyclic_triangular", 60),
        cyclic("cyclic_triangular_asym", 60, step_size_up=3, step_size_down=7),
        cyclic("cyclic_triangular2", 60, mode="triangular2", step_size_up=4, step_size_down=6),
        cyclic("cyclic_exp_range", 60, mode="exp_range", gamma=0.97, step_size_up=3,
               step_size_down=5),
        cyclic("cyclic_exp_range_sym", 60, mode="exp_range", gamma=0.99, base_lr=0.001,
               max_lr=0.006, step_size_up=8),
        plateau("plateau_min_rel", 0.1, plateau_metrics(), factor=0.5, patience=2),
        plateau("plateau_min_rel_big_threshold", 0.1, plateau_metrics(), factor=0.5,
                patience=1, threshold=0.05),
        plateau("plateau_min_abs_cooldown", 0.1, plateau_metrics(), factor=0.3, patience=1,
                threshold=0.005, threshold_mode="abs", cooldown=3),
        plateau("plateau_min_lr", 0.1, plateau_metrics(), factor=0.1, patience=0,
                min_lr=0.0005),
        plateau("plateau_eps", 1e-6, plateau_metrics(), factor=0.5, patience=0, eps=1e-7),
        plateau("plateau_max_rel", 0.2, accuracy_metrics(), mode="max", factor=0.5,
                patience=2, cooldown=1),
        plateau("plateau_max_abs", 0.2, accuracy_metrics(), mode="max", factor=0.2,
                patience=3, threshold=0.02, threshold_mode="abs", min_lr=0.001),
        {"name": "chained_warmup_cosine", "kind": "chained", "base_lr": 0.1, "steps": 45,
         "parts": [part("linear", start_factor=0.1, end_factor=1.0, total_iters=5),
                   part("cosine", t_max=30, eta_min=0.0)]},
        {"name": "chained_warmup_exponential", "kind": "chained", "base_lr": 0.05,
         "steps": 40,
         "parts": [part("linear", start_factor=0.2, end_factor=1.0, total_iters=8),
                   part("exponential", gamma=0.95)]},
        {"name": "chained_step_multistep", "kind": "chained", "base_lr": 1.0, "steps": 40,
         "parts": [part("step", step_size=6, gamma=0.8),
                   part("multistep", milestones=[10, 25], gamma=0.5)]},
        {"name": "sequential_warmup_cosine", "kind": "sequential", "base_lr": 0.1,
         "steps": 45, "milestones": [5],
         "parts": [part("linear", start_factor=0.1, end_factor=1.0, total_iters=5),
                   part("cosine", t_max=30, eta_min=0.0)]},
        {"name": "sequential_three", "kind": "sequential", "base_lr": 0.2, "steps": 50,
         "milestones": [4, 15],
         "parts": [part("linear", start_factor=0.25, end_factor=1.0, total_iters=4),
                   part("exponential", gamma=0.9),
                   part("step", step_size=5, gamma=0.5)]},
        {"name": "sequential_warmup_restarts", "kind": "sequential", "base_lr": 0.1,
         "steps": 45, "milestones": [6],
         "parts": [part("linear", start_factor=0.01, end_factor=1.0, total_iters=6),
                   part("warm_restarts", t_0=4, t_mult=2, eta_min=0.0)]},
        {"name": "sequential_late_cosine", "kind": "sequential", "base_lr": 0.1,
         "steps": 40, "milestones": [10],
         "parts": [part("linear", start_factor=0.5, end_factor=1.0, total_iters=3),
                   part("cosine", t_max=12, eta_min=0.01)]},
    ]
    return [record(c) for c in cases_checked(out)]


def cases_checked(out):
    names = [c["name"] for c in out]
    assert len(names) == len(set(names)), "case names must be unique"
    for c in out:
        assert c["steps"] >= 40, c["name"]
    return out


def main():
    data = {
        "torch_version": torch.__version__,
        "cases": cases(),
    }
    with open(OUT, "w") as f:
        json.dump(data, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(data['cases'])} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
