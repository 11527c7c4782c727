#!/usr/bin/env python3
"""Reference prune decisions of Optuna's pruners for tests/tune_pruners.rs.

Regenerate with:

    /work/venv-ref/bin/python scripts/reference/make_pruner_fixtures.py

Writes tests/fixtures/tune_pruners.json. Synthetic learning curves (noisy decaying losses for
"minimize", their mirror images for "maximize") are fed, one trial at a time in order, to an
Optuna study (`RandomSampler(seed)`, `n_jobs=1`): trial k reports curve k at each of its steps
and calls `should_prune()` after each report, so every trial sees all earlier trials. For each
pruner setting the fixture stores, per trial, the step it was pruned at (or null), and for
Hyperband each trial's bracket as Optuna assigns it (crc32 of "<study_name>_<number>").
It also stores Hyperband's bracket count and trial-allocation budgets for several
(min_resource, max_resource, reduction_factor).
"""

import json
import os
import types

import numpy as np
import optuna

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "tune_pruners.json")
N_TRIALS = 30
N_STEPS = 27
STUDY_NAME = "tuneup-pruners"


def make_curves(seed, direction):
    rng = np.random.default_rng(seed)
    curves = []
    for _ in range(N_TRIALS):
        floor = rng.uniform(0.05, 0.6)
        height = rng.uniform(0.3, 1.5)
        rate = rng.uniform(0.03, 0.4)
        t = np.arange(N_STEPS)
        loss = floor + height * np.exp(-rate * t) + rng.normal(0.0, 0.03, N_STEPS)
        curve = loss if direction == "minimize" else 1.0 - loss
        curves.append([float(v) for v in curve])
    return curves


# Four curve sets (two per direction, different draws) shared by all cases.
CURVE_SETS = {
    f"{direction}-{k}": make_curves(seed, direction)
    for (direction, k, seed) in [
        ("minimize", 0, 11), ("minimize", 1, 12), ("maximize", 0, 13), ("maximize", 1, 14)
    ]
}


def curves_for(direction, i):
    name = f"{direction}-{i % 2}"
    return name, CURVE_SETS[name]


def run(pruner, curves, direction, steps, seed):
    study = optuna.create_study(
        study_name=STUDY_NAME,
        direction=direction,
        sampler=optuna.samplers.RandomSampler(seed),
        pruner=pruner,
    )
    pruned_at = {}

    def objective(trial):
        curve = curves[trial.number]
        for step in steps:
            trial.report(curve[step], step)
            if trial.should_prune():
                pruned_at[trial.number] = step
                raise optuna.TrialPruned()
        return curve[steps[-1]]

    study.optimize(objective, n_trials=N_TRIALS)
    return [pruned_at.get(k) for k in range(N_TRIALS)], study


def percentile_cases():
    settings = [
        # (kind, percentile, n_startup_trials, n_warmup_steps, interval_steps, n_min_trials)
        ("median", 50.0, 5, 0, 1, 1),
        ("median", 50.0, 3, 4, 3, 1),
        ("median", 50.0, 0, 0, 1, 4),
        ("percentile", 25.0, 2, 0, 1, 1),
        ("percentile", 75.0, 5, 2, 2, 3),
        ("percentile", 10.0, 4, 6, 5, 1),
        ("percentile", 0.0, 1, 0, 1, 1),
        ("percentile", 100.0, 1, 0, 1, 1),
    ]
    cases = []
    for i, (kind, pct, startup, warmup, interval, n_min) in enumerate(settings):
        for direction in ("minimize", "maximize"):
            for steps_name, steps in (("every", list(range(N_STEPS))), ("sparse", list(range(0, N_STEPS, 4)))):
                if kind == "median":
                    pruner = optuna.pruners.MedianPruner(startup, warmup, interval, n_min_trials=n_min)
                else:
                    pruner = optuna.pruners.PercentilePruner(pct, startup, warmup, interval, n_min_trials=n_min)
                seed = 100 + i
                name, curves = curves_for(direction, i)
                pruned, _ = run(pruner, curves, direction, steps, seed)
                cases.append({
                    "kind": kind,
                    "percentile": pct,
                    "n_startup_trials": startup,
                    "n_warmup_steps": warmup,
                    "interval_steps": interval,
                    "n_min_trials": n_min,
                    "direction": direction,
                    "steps": steps,
                    "steps_name": steps_name,
                    "curves": name,
                    "pruned_at": pruned,
                })
    return cases


def halving_cases():
    settings = [
        # (min_resource, reduction_factor, min_early_stopping_rate, bootstrap_count)
        (1, 4, 0, 0),
        (1, 3, 0, 0),
        (2, 3, 1, 0),
        (1, 2, 0, 0),
        (1, 2, 2, 2),
        (3, 2, 0, 1),
        ("auto", 4, 0, 0),
        ("auto", 2, 1, 0),
    ]
    cases = []
    for i, (min_resource, eta, rate, bootstrap) in enumerate(settings):
        for direction in ("minimize", "maximize"):
            pruner = optuna.pruners.SuccessiveHalvingPruner(min_resource, eta, rate, bootstrap)
            seed = 200 + i
            name, curves = curves_for(direction, i)
            steps = list(range(N_STEPS))
            pruned, _ = run(pruner, curves, direction, steps, seed)
            cases.append({
                "min_resource": min_resource,
                "reduction_factor": eta,
                "min_early_stopping_rate": rate,
                "bootstrap_count": bootstrap,
                "direction": direction,
                "steps": steps,
                "curves": name,
                "pruned_at": pruned,
            })
    return cases


def hyperband_cases():
    settings = [
        # (min_resource, max_resource, reduction_factor, bootstrap_count)
        (1, 27, 3, 0),
        (1, 26, 2, 0),
        (2, 27, 3, 0),
        (1, 27, 2, 1),
    ]
    cases = []
    for i, (min_r, max_r, eta, bootstrap) in enumerate(settings):
        for direction in ("minimize", "maximize"):
            pruner = optuna.pruners.HyperbandPruner(min_r, max_r, eta, bootstrap)
            seed = 300 + i
            name, curves = curves_for(direction, i)
            steps = list(range(N_STEPS))
            pruned, study = run(pruner, curves, direction, steps, seed)
            brackets = [pruner._get_bracket_id(study, t) for t in study.get_trials()]
            cases.append({
                "min_resource": min_r,
                "max_resource": max_r,
                "reduction_factor": eta,
                "bootstrap_count": bootstrap,
                "direction": direction,
                "steps": steps,
                "curves": name,
                "brackets": brackets,
                "pruned_at": pruned,
            })
    return cases


def bracket_budgets():
    out = []
    for min_r, max_r, eta in [
        (1, 27, 3), (1, 81, 3), (1, 243, 3), (1, 100, 3), (1, 1, 3), (2, 3, 3),
        (1, 64, 2), (1, 1000, 10), (3, 300, 4), (1, 26, 2), (5, 5, 2), (1, 125, 5),
    ]:
        pruner = optuna.pruners.HyperbandPruner(min_r, max_r, eta)
        study = optuna.create_study(study_name=STUDY_NAME, pruner=pruner)
        pruner._try_initialization(study)
        out.append({
            "min_resource": min_r,
            "max_resource": max_r,
            "reduction_factor": eta,
            "n_brackets": pruner._n_brackets,
            "budgets": list(pruner._trial_allocation_budgets),
            "bracket_of_first_100": [
                pruner._get_bracket_id(study, types.SimpleNamespace(number=n)) for n in range(100)
            ],
        })
    return out


def main():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    data = {
        "optuna": optuna.__version__,
        "study_name": STUDY_NAME,
        "curve_sets": CURVE_SETS,
        "percentile": percentile_cases(),
        "successive_halving": halving_cases(),
        "hyperband": hyperband_cases(),
        "hyperband_budgets": bracket_budgets(),
    }
    with open(OUT, "w") as f:
        json.dump(data, f)
        f.write("\n")


if __name__ == "__main__":
    main()
