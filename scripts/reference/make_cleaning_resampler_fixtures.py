"""Reference values for the cleaning under-samplers in src/data (imbalanced-learn semantics).

Regenerate with:

    /work/venv-ref/bin/python scripts/reference/make_cleaning_resampler_fixtures.py

Writes tests/fixtures/cleaning_resamplers.json, read by tests/parity_cleaning_resamplers.rs.

For two seeded data sets with continuous coordinates (so no two distances tie: a binary
1:5 set with overlapping classes and a three-class set in 4-D), the fixture records, for
TomekLinks, EditedNearestNeighbours, RepeatedEditedNearestNeighbours, AllKNN, NearMiss 1/2/3
and NeighbourhoodCleaningRule under several settings, the rows imbalanced-learn returns, as
indices into the input in output order. They are found by matching each output row to its
input row (every input row is distinct), which is also right for RENN, whose
`sample_indices_` composes the last round twice when it converges.

SMOTE-NC (`smote_nc`): on two seeded mixed tables (three numeric columns and two text columns,
binary 200:40 and three classes 150:60:30), the class counts after `SMOTENC(random_state=0)`
and its `median_std_` per resampled class (the median of the class's numeric standard
deviations, which scales the one-hot encoding in the neighbour search).

SMOTEN (`smoten`): on a seeded table of six text columns (five categories each; classes 200:60),
the class counts after `SMOTEN(random_state=0)` and, for every row of the resampled class, the
row of per-column most frequent categories of its neighbourhood, computed with
imbalanced-learn's own fitted encoder, `ValueDifferenceMetric` and neighbour search (the two
lines of `SMOTEN._make_samples` that form a sample, applied to every row instead of random
ones); the script checks that each synthetic row imbalanced-learn made is one of them.

SMOTEENN and SMOTETomek draw their synthetic points from NumPy's random stream, which tuneup
does not reproduce; their class counts are compared on two designed data sets where the
cleaning does not depend on where the synthetic points fall: a ring of minority samples with
majority samples in its hole (ENN removes exactly those; synthetic points stay near the
ring) for SMOTEENN, and majority samples placed 1e-4 off three ring points (three Tomek
links, both ends removed) for SMOTETomek. The script asserts those designed counts.
"""

import json
import os
from collections import Counter

import imblearn
import numpy as np
from imblearn.combine import SMOTEENN, SMOTETomek
from imblearn.metrics.pairwise import ValueDifferenceMetric
from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC
from scipy.stats import mode
from sklearn.base import clone
from imblearn.under_sampling import (
    AllKNN,
    EditedNearestNeighbours,
    NearMiss,
    NeighbourhoodCleaningRule,
    RepeatedEditedNearestNeighbours,
    TomekLinks,
)

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..",
    "..",
    "tests",
    "fixtures",
    "cleaning_resamplers.json",
)


def arr(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.ravel()]}


def counts_of(y):
    labels, counts = np.unique(y, return_counts=True)
    return {str(int(k)): int(v) for k, v in zip(labels, counts)}


def binary(rng):
    maj = rng.normal(0.0, 1.0, size=(250, 3))
    mino = rng.normal(1.0, 1.0, size=(50, 3))
    X = np.vstack([maj, mino])
    y = np.array([0] * 250 + [1] * 50)
    perm = rng.permutation(len(y))
    return X[perm], y[perm]


def three_class(rng):
    parts = [rng.normal(c, 1.2, size=(n, 4)) for c, n in ((0.0, 150), (1.0, 90), (2.0, 40))]
    X = np.vstack(parts)
    y = np.array([0] * 150 + [1] * 90 + [2] * 40)
    perm = rng.permutation(len(y))
    return X[perm], y[perm]


def row_indices(X, X_res):
    where = {tuple(r): i for i, r in enumerate(X)}
    assert len(where) == len(X), "input rows must be distinct"
    return [where[tuple(r)] for r in X_res]


def samplers():
    return [
        ("tomek", {"strategy": "auto"}, TomekLinks()),
        ("tomek", {"strategy": "all"}, TomekLinks(sampling_strategy="all")),
        ("enn", {"strategy": "auto", "kind": "all", "k": 3}, EditedNearestNeighbours()),
        ("enn", {"strategy": "auto", "kind": "mode", "k": 3}, EditedNearestNeighbours(kind_sel="mode")),
        ("enn", {"strategy": "all", "kind": "all", "k": 5}, EditedNearestNeighbours(sampling_strategy="all", n_neighbors=5)),
        ("renn", {"strategy": "auto", "kind": "all", "k": 3}, RepeatedEditedNearestNeighbours()),
        ("renn", {"strategy": "auto", "kind": "mode", "k": 3}, RepeatedEditedNearestNeighbours(kind_sel="mode")),
        ("allknn", {"strategy": "auto", "kind": "all", "k": 3}, AllKNN()),
        ("allknn", {"strategy": "auto", "kind": "all", "k": 4, "allow_minority": True}, AllKNN(n_neighbors=4, allow_minority=True)),
        ("nearmiss", {"version": 1}, NearMiss(version=1)),
        ("nearmiss", {"version": 2}, NearMiss(version=2)),
        ("nearmiss", {"version": 3}, NearMiss(version=3)),
        ("nearmiss", {"version": 3, "k": 2, "k3": 4}, NearMiss(version=3, n_neighbors=2, n_neighbors_ver3=4)),
        ("ncr", {"strategy": "auto", "k": 3}, NeighbourhoodCleaningRule()),
        ("ncr", {"strategy": "all", "k": 5, "threshold": 0.3}, NeighbourhoodCleaningRule(sampling_strategy="all", n_neighbors=5, threshold_cleaning=0.3)),
    ]


def ring(rng, n, radius=5.0):
    # Near-even spacing with jitter, so neighbours on the ring are much closer than the hole.
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False) + rng.uniform(-0.01, 0.01, size=n)
    r = radius + rng.uniform(-0.05, 0.05, size=n)
    return np.column_stack([r * np.cos(angles), r * np.sin(angles)])


def designed_enn(rng):
    maj = rng.normal(30.0, 1.0, size=(200, 2))
    hole = np.array([[0.3, 0.2], [-0.4, 0.1], [0.1, -0.5]])
    mino = ring(rng, 60)
    X = np.vstack([maj, hole, mino])
    y = np.array([0] * 203 + [1] * 60)
    return X, y, {"0": 200, "1": 203}


def designed_tomek(rng):
    maj = rng.normal(30.0, 1.0, size=(200, 2))
    mino = ring(rng, 60)
    near = []
    for j in (5, 25, 45):
        p = mino[j]
        near.append(p * (1.0 + 1e-4 / np.linalg.norm(p)))
    X = np.vstack([maj, np.array(near), mino])
    y = np.array([0] * 203 + [1] * 60)
    return X, y, {"0": 200, "1": 200}


def mixed(rng, sizes):
    n = sum(sizes)
    y = np.concatenate([np.full(s, c) for c, s in enumerate(sizes)])
    num = rng.normal(0.0, 1.0, size=(n, 3)) + y[:, None] * 0.8
    num[:, 2] *= 3.0
    cat_a = np.array(["a", "b", "c", "d"], dtype=object)[(rng.integers(0, 4, size=n) + y) % 4]
    cat_b = np.array(["x", "y", "z"], dtype=object)[rng.integers(0, 3, size=n)]
    perm = rng.permutation(n)
    X = np.empty((n, 5), dtype=object)
    X[:, 0] = num[:, 0]
    X[:, 1] = cat_a
    X[:, 2] = num[:, 1]
    X[:, 3] = cat_b
    X[:, 4] = num[:, 2]
    return X[perm], y[perm]


def smote_nc_cases(rng):
    out = []
    for name, sizes in (("binary", (200, 40)), ("three_class", (150, 60, 30))):
        X, y = mixed(rng, sizes)
        sampler = SMOTENC(categorical_features=[1, 3], random_state=0)
        _, y_res = sampler.fit_resample(X, y)
        out.append(
            {
                "name": name,
                "numeric": [[float(v) for v in X[:, j]] for j in (0, 2, 4)],
                "categorical": [[str(v) for v in X[:, j]] for j in (1, 3)],
                "y": [int(v) for v in y],
                "counts": counts_of(y_res),
                "median_std": {str(int(k)): float(v) for k, v in sampler.median_std_.items()},
            }
        )
    return out


def smoten_case(rng):
    n0, n1 = 200, 60
    y = np.array([0] * n0 + [1] * n1)
    cols = []
    for j in range(6):
        shift = (y * (j % 3)) % 5
        v = (rng.integers(0, 5, size=n0 + n1) + shift * (rng.random(n0 + n1) < 0.6)) % 5
        cols.append(np.array([f"v{k}" for k in v], dtype=object))
    X = np.column_stack(cols)
    perm = rng.permutation(len(y))
    X, y = X[perm], y[perm]
    sampler = SMOTEN(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    enc = sampler.categorical_encoder_
    X_enc = enc.transform(X)
    vdm = ValueDifferenceMetric(n_categories=[len(c) for c in enc.categories_]).fit(X_enc, y)
    rows = np.flatnonzero(y == 1)
    X_class = X_enc[rows]
    nn = clone(sampler.nn_k_).fit(vdm.pairwise(X_class))
    idx = nn.kneighbors(vdm.pairwise(X_class), return_distance=False)
    modes = enc.inverse_transform(np.squeeze(mode(X_class[idx], axis=1, keepdims=True).mode, axis=1))
    mode_rows = {tuple(m) for m in modes}
    assert all(tuple(r) in mode_rows for r in X_res[len(y):])
    return {
        "columns": [[str(v) for v in X[:, j]] for j in range(6)],
        "y": [int(v) for v in y],
        "counts": counts_of(y_res),
        "rows": [int(r) for r in rows],
        "modes": [[str(v) for v in m] for m in modes],
    }


def main():
    rng = np.random.default_rng(20261202)
    datasets = []
    for name, (X, y) in (("binary", binary(rng)), ("three_class", three_class(rng))):
        cases = []
        for kind, params, sampler in samplers():
            X_res, y_res = sampler.fit_resample(X, y)
            idx = row_indices(X, X_res)
            assert list(y[idx]) == list(y_res)
            cases.append({"sampler": kind, "params": params, "indices": idx, "counts": counts_of(y_res)})
        datasets.append({"name": name, "x": arr(X), "y": [int(v) for v in y], "cases": cases})
    combined = []
    for name, (X, y, want), sampler in (
        ("smote_enn", designed_enn(rng), SMOTEENN(random_state=0)),
        ("smote_tomek", designed_tomek(rng), SMOTETomek(random_state=0)),
    ):
        _, y_res = sampler.fit_resample(X, y)
        got = counts_of(y_res)
        assert got == want, (name, got, want)
        smote_counts = counts_of(SMOTE(random_state=0).fit_resample(X, y)[1])
        combined.append(
            {"name": name, "x": arr(X), "y": [int(v) for v in y], "counts": got, "smote_counts": smote_counts}
        )
    out = {
        "versions": {"imblearn": imblearn.__version__, "numpy": np.__version__},
        "datasets": datasets,
        "combined": combined,
        "smote_nc": smote_nc_cases(rng),
        "smoten": smoten_case(rng),
    }
    with open(OUT, "w") as f:
        json.dump(out, f)
    print(f"wrote {OUT}")
    for d in datasets:
        for c in d["cases"]:
            print(d["name"], c["sampler"], c["params"], c["counts"])


if __name__ == "__main__":
    main()
