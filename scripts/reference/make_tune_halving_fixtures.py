#!/usr/bin/env python3
"""Reference halving schedules of sklearn's HalvingRandomSearchCV for tests/parity_tune_halving.rs.

Regenerate with:

    /work/venv-ref/bin/python scripts/reference/make_tune_halving_fixtures.py

Writes tests/fixtures/tune_halving.json: for each setting (number of candidates, factor,
min_resources as an int or "exhaust", max_resources = n_samples, aggressive_elimination), the
fitted search's n_candidates_ and n_resources_ lists.
"""

import json
import os

import numpy as np
import sklearn
from sklearn.dummy import DummyClassifier
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingRandomSearchCV

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "tune_halving.json")

SETTINGS = [
    # (n_candidates, factor, min_resources, n_samples, aggressive_elimination)
    (20, 3, 20, 1000, False),
    (20, 3, 20, 1000, True),
    (100, 3, 20, 200, False),
    (100, 3, 20, 200, True),
    (27, 3, "exhaust", 1000, False),
    (50, 2, 10, 640, False),
    (50, 2, "exhaust", 640, True),
    (81, 3, 30, 300, True),
    (5, 4, 40, 2000, False),
]


def run(n_candidates, factor, min_resources, n_samples, aggressive):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n_samples, 2))
    y = np.arange(n_samples) % 2
    search = HalvingRandomSearchCV(
        DummyClassifier(),
        {"strategy": ["most_frequent", "prior", "stratified", "uniform"] * 50},
        n_candidates=n_candidates,
        factor=factor,
        min_resources=min_resources,
        aggressive_elimination=aggressive,
        cv=2,
        random_state=0,
    ).fit(x, y)
    return {
        "n_candidates": n_candidates,
        "factor": factor,
        "min_resources": min_resources,
        "max_resources": n_samples,
        "aggressive_elimination": aggressive,
        "expected_candidates": [int(c) for c in search.n_candidates_],
        "expected_resources": [int(r) for r in search.n_resources_],
    }


def main():
    cases = [run(*s) for s in SETTINGS]
    with open(OUT, "w") as f:
        json.dump({"sklearn": sklearn.__version__, "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
