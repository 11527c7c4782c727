"""Reference values for importance weighting under covariate shift, computed with scikit-learn.

Regenerate with (environment made by scripts/reference/setup-python.sh):

    .venv-reference/bin/python scripts/reference/make_importance_weight_fixtures.py

Writes tests/fixtures/importance_weights.json, read by tests/transfer_importance_weights.rs.
The domain classifier is sklearn.linear_model.LogisticRegression(C=c) (L2 penalty, unpenalised
intercept), fitted on the source rows (label 0) stacked over the target rows (label 1) with the
exact "newton-cholesky" solver and tol=1e-12, so that its optimum is reached to about 1e-12.
Each source row's weight is predict_proba[:, 1] / predict_proba[:, 0] * n_source / n_target,
computed as exp(decision_function) * n_source / n_target, then clipped at max_weight. Seeded,
float64.
"""

import json
import os

import numpy as np
from sklearn.linear_model import LogisticRegression

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures",
                   "importance_weights.json")


def arr(a):
    a = np.ascontiguousarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": a.reshape(-1).tolist()}


def case(rng, n_s, n_t, d, shift, c, max_weight):
    xs = rng.normal(size=(n_s, d))
    xt = rng.normal(size=(n_t, d)) * 0.8 + shift
    x = np.vstack([xs, xt])
    y = np.r_[np.zeros(n_s), np.ones(n_t)]
    clf = LogisticRegression(C=c, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(x, y)
    proba = clf.predict_proba(xs)[:, 1]
    raw = np.exp(clf.decision_function(xs)) * n_s / n_t
    return {
        "c": c,
        "max_weight": max_weight,
        "source": arr(xs),
        "target": arr(xt),
        "coef": arr(clf.coef_),
        "intercept": clf.intercept_.tolist(),
        "target_probability": proba.tolist(),
        "raw_weights": raw.tolist(),
        "weights": np.minimum(raw, max_weight).tolist(),
    }


def main():
    rng = np.random.default_rng(16)
    cases = [
        case(rng, 80, 40, 3, np.array([0.7, 0.0, -0.3]), 1.0, 10.0),
        case(rng, 50, 120, 2, np.array([1.5, 1.0]), 1.0, 10.0),
        case(rng, 60, 60, 4, np.array([0.2, 0.2, 0.2, 0.2]), 0.1, 10.0),
        case(rng, 100, 30, 2, np.array([2.0, -1.0]), 10.0, 3.0),
    ]
    for i, k in enumerate(cases):
        clipped = sum(r > k["max_weight"] for r in k["raw_weights"])
        print(f"case {i}: {clipped} of {len(k['raw_weights'])} weights clipped")
    with open(OUT, "w") as f:
        json.dump({"cases": cases}, f)
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
