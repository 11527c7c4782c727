#!/usr/bin/env python3
"""Reference order of sklearn.model_selection.ParameterGrid for tests/parity_tune_grid.rs.

Regenerate with:

    /work/venv-ref/bin/python scripts/reference/make_tune_grid_fixtures.py

Writes tests/fixtures/tune_grid.json: a list of cases, each with `space` (parameter name ->
list of values, in declaration order: not sorted, so the test checks the sorting) and `grid`
(the list of ParameterGrid's dicts, in its iteration order).
"""

import json
import os

import sklearn
from sklearn.model_selection import ParameterGrid

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "tune_grid.json")

CASES = [
    {"lr": [0.1, 0.01, 0.001], "width": [16, 32]},
    {"width": [8, 16, 24, 32], "optimizer": ["sgd", "adam"], "alpha": [0.0, 0.5]},
    {"z": [1], "a": ["x", "y", "w"], "M": [3, 2, 1], "b_2": [0.25, 0.75]},
    {"dropout": [0.0, 0.1, 0.2, 0.30000000000000004, 0.4], "depth": [1, 3, 5, 7]},
]


def main():
    cases = [{"space": c, "grid": list(ParameterGrid(c))} for c in CASES]
    for case in cases:
        case["space"] = [[k, v] for k, v in case["space"].items()]
    with open(OUT, "w") as f:
        json.dump({"sklearn": sklearn.__version__, "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
