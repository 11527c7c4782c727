"""Fixtures for scikit-learn's convergence rule (tol / n_iter_no_change) in tuneup's
EarlyStopping(rule = ScikitLearn): real MLPClassifier / MLPRegressor runs, their loss curves,
validation scores and the epoch count at which scikit-learn stopped.

Usage: python scripts/reference/make_stopping_fixtures.py  (writes tests/fixtures/stopping.json)
"""
import json
import pathlib
import warnings

import numpy as np
import sklearn
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

OUT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "stopping.json"


def run(kind, tol, n_iter_no_change, early_stopping, seed, max_iter):
    if kind == "classifier":
        x, y = make_classification(n_samples=300, n_features=8, random_state=seed)
        model = MLPClassifier(hidden_layer_sizes=(16,), tol=tol, n_iter_no_change=n_iter_no_change,
                              early_stopping=early_stopping, max_iter=max_iter, random_state=seed,
                              learning_rate_init=0.01)
    else:
        x, y = make_regression(n_samples=300, n_features=8, noise=10.0, random_state=seed)
        y = y / np.std(y)
        model = MLPRegressor(hidden_layer_sizes=(16,), tol=tol, n_iter_no_change=n_iter_no_change,
                             early_stopping=early_stopping, max_iter=max_iter, random_state=seed,
                             learning_rate_init=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x, y)
    case = {
        "kind": kind, "tol": tol, "n_iter_no_change": n_iter_no_change,
        "early_stopping": early_stopping, "seed": seed, "max_iter": max_iter,
        "loss_curve": [float(v) for v in model.loss_curve_],
        "n_iter": int(model.n_iter_),
    }
    if early_stopping:
        case["validation_scores"] = [float(v) for v in model.validation_scores_]
        case["best_validation_score"] = float(model.best_validation_score_)
    else:
        case["best_loss"] = float(model.best_loss_)
    return case


def main():
    cases = []
    for kind in ["classifier", "regressor"]:
        for tol, n in [(1e-4, 10), (1e-3, 3), (1e-2, 1), (0.0, 2), (5e-3, 1)]:
            for early in [False, True]:
                for seed in [0, 1]:
                    cases.append(run(kind, tol, n, early, seed, max_iter=300))
    OUT.write_text(json.dumps({"sklearn": sklearn.__version__, "cases": cases}, indent=1))
    stopped = sum(c["n_iter"] < c["max_iter"] for c in cases)
    print(f"wrote {len(cases)} cases ({stopped} stopped before max_iter) to {OUT}")


if __name__ == "__main__":
    main()
