"""Fixtures for tuneup's MlpClassifier / MlpRegressor: generated data sets with a fixed
train/test split, and scikit-learn's MLPClassifier / MLPRegressor results on them with the
same settings (n_iter_, the loss curve, test scores).

Usage: python scripts/reference/make_estimator_fixtures.py  (writes tests/fixtures/estimators.json)
"""
import json
import pathlib
import warnings

import numpy as np
import sklearn
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor

OUT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "estimators.json"


def fit(model, x_tr, y_tr):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x_tr, y_tr)
    return model


def classification_case(n_classes, seed):
    x, y = make_classification(n_samples=400, n_features=10, n_informative=6,
                               n_classes=n_classes, random_state=seed)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.25, random_state=seed)
    settings = dict(hidden_layer_sizes=(32,), learning_rate_init=0.01, random_state=seed)
    m = fit(MLPClassifier(**settings), x_tr, y_tr)
    scores = [float(fit(MLPClassifier(**{**settings, "random_state": r}), x_tr, y_tr).score(x_te, y_te))
              for r in range(5)]
    return {
        "test_scores_seeds_0_to_4": scores,
        "kind": "classifier", "n_classes": n_classes, "seed": seed,
        "x_train": x_tr.tolist(), "y_train": y_tr.tolist(),
        "x_test": x_te.tolist(), "y_test": y_te.tolist(),
        "n_iter": int(m.n_iter_), "loss_curve": [float(v) for v in m.loss_curve_],
        "test_score": float(m.score(x_te, y_te)),
    }


def regression_case(seed):
    x, y = make_regression(n_samples=400, n_features=8, n_informative=5, noise=5.0,
                           random_state=seed)
    y = (y - y.mean()) / y.std()
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.25, random_state=seed)
    settings = dict(hidden_layer_sizes=(32,), learning_rate_init=0.01, random_state=seed)
    m = fit(MLPRegressor(**settings), x_tr, y_tr)
    scores = [float(fit(MLPRegressor(**{**settings, "random_state": r}), x_tr, y_tr).score(x_te, y_te))
              for r in range(5)]
    return {
        "test_scores_seeds_0_to_4": scores,
        "kind": "regressor", "seed": seed,
        "x_train": x_tr.tolist(), "y_train": y_tr.tolist(),
        "x_test": x_te.tolist(), "y_test": y_te.tolist(),
        "n_iter": int(m.n_iter_), "loss_curve": [float(v) for v in m.loss_curve_],
        "test_score": float(m.score(x_te, y_te)),
    }


def main():
    cases = [classification_case(2, 0), classification_case(3, 1), regression_case(2)]
    OUT.write_text(json.dumps({"sklearn": sklearn.__version__, "cases": cases}))
    for c in cases:
        print(c["kind"], c.get("n_classes"), "n_iter", c["n_iter"], "test", round(c["test_score"], 4),
              "mean over seeds", round(float(np.mean(c["test_scores_seeds_0_to_4"])), 4))


if __name__ == "__main__":
    main()
