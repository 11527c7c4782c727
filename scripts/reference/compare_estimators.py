"""Compares tuneup's MlpClassifier / MlpRegressor with scikit-learn's MLPClassifier /
MLPRegressor, default settings on both sides, on the data sets shipped inside scikit-learn
(breast cancer, digits, wine, iris, diabetes), one fixed train/test split each (25% test,
random_state 0), over seeds 0-9: mean test score (accuracy / R²) and mean fit time, one
thread each side.

Usage (from the repository root, in the reference environment):
    python scripts/reference/compare_estimators.py
It writes the data sets to a temporary folder, times scikit-learn, then builds and runs
`cargo run --release --example compare_estimators` on the same files, and prints a Markdown
table.
"""
import json
import os
import pathlib
import subprocess
import tempfile
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor

ROOT = pathlib.Path(__file__).resolve().parents[2]
SETS = [("breast_cancer", load_breast_cancer, "classifier"), ("digits", load_digits, "classifier"),
        ("wine", load_wine, "classifier"), ("iris", load_iris, "classifier"),
        ("diabetes", load_diabetes, "regressor")]


def write(path, x, y):
    header = ",".join([f"x{i}" for i in range(x.shape[1])] + ["y"])
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", header=header, comments="", fmt="%.17g")


def sklearn_side(x_tr, y_tr, x_te, y_te, kind):
    scores, seconds = [], []
    for seed in range(10):
        model = (MLPClassifier if kind == "classifier" else MLPRegressor)(random_state=seed)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x_tr, y_tr)
        seconds.append(time.perf_counter() - t0)
        scores.append(model.score(x_te, y_te))
    return float(np.mean(scores)), float(np.mean(seconds))


def main():
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    ours_env = dict(os.environ, TUNEUP_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as d:
        theirs = {}
        with open(f"{d}/datasets.txt", "w") as f:
            for name, load, kind in SETS:
                x, y = load(return_X_y=True)
                x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.25, random_state=0)
                write(f"{d}/{name}.train.csv", x_tr, y_tr)
                write(f"{d}/{name}.test.csv", x_te, y_te)
                f.write(f"{name} {kind}\n")
                theirs[name] = sklearn_side(x_tr, y_tr, x_te, y_te, kind)
        out = subprocess.run(["cargo", "run", "--release", "-q", "--example", "compare_estimators", d],
                             cwd=ROOT, env=ours_env, check=True, capture_output=True, text=True).stdout
    print("| data set | scikit-learn score | tuneup score | scikit-learn fit | tuneup fit | time ratio |")
    print("|---|---|---|---|---|---|")
    for line in out.splitlines():
        r = json.loads(line)
        s_score, s_time = theirs[r["dataset"]]
        print(f"| {r['dataset']} | {s_score:.4f} | {r['score']:.4f} | {s_time * 1e3:.0f} ms | "
              f"{r['fit_seconds'] * 1e3:.0f} ms | {r['fit_seconds'] / s_time:.2f} |")


if __name__ == "__main__":
    main()
