#!/usr/bin/env python3
"""Reference outputs of scikit-learn's scalers and imputers, for tests/parity_data_cleaning.rs.

Regenerate with (the environment is made by scripts/reference/setup-python.sh):

    .venv-reference/bin/python scripts/reference/make_data_fixtures.py

Writes tests/fixtures/data_cleaning.json. Everything is float64; NaN (a missing value) is
written as JSON null.

Each transformer is fitted on one random set (`fit`, with NaN scattered in and a constant
column) and applied to another (`test`, with NaN too), so the test checks that only statistics
of the fit set are used. Recorded per case: the settings, the fitted statistics, the transform
of `test` and, for scalers and the power transform, the inverse transform of that output.

KNNImputer cases use their own sets with at most one NaN per row, so that no two candidate
donors are at exactly the same distance (NumPy's argpartition breaks such ties in no
documented order). The `knn_multi` sets (fit 300 × 6 and test 80 × 6, 25% missing, several NaN
per row) make donors with different missing patterns compete; they come from their own
generator, so adding them left every other set unchanged, and its seed is the first (from
20261129 up) for which no receiver, in `test` or in `fit` itself, has two candidate donors
within 1e-9 relative of each other at the k-th place for any k used, so that the recorded
neighbours do not depend on round-off in scikit-learn's distances. PowerTransformer's lambdas come from a bounded Brent search that stops at
a 1.48e-8 tolerance, so the Rust test compares its own lambdas loosely and the transforms at
these lambdas to 1e-10.
"""

import json
import os

import numpy as np
import sklearn
from sklearn.impute import KNNImputer, SimpleImputer
from sklearn.preprocessing import MinMaxScaler, PowerTransformer, RobustScaler, StandardScaler

rng = np.random.default_rng(20261128)


def arr(a):
    a = np.asarray(a, dtype=np.float64)
    data = [None if np.isnan(v) else float(v) for v in a.ravel()]
    return {"shape": list(a.shape), "data": data}


def opt(a):
    return None if a is None else arr(a)


def make_set(n, nan_frac, integer=False, one_nan_per_row=False):
    """Five columns on different scales; column 3 is constant (never missing); NaN elsewhere."""
    x = np.column_stack(
        [
            rng.normal(5.0, 2.0, n),
            rng.exponential(3.0, n) - 1.0,
            rng.uniform(-100.0, 50.0, n),
            np.full(n, 3.7),
            rng.standard_t(3, n) * 0.01 + 1e3,
        ]
    )
    if integer:
        x = np.round(x[:, :3] / np.array([1.0, 1.0, 20.0]))
        x = np.column_stack([x, np.full(n, 2.0)])
    cols = x.shape[1]
    mask = rng.random((n, cols)) < nan_frac
    mask[:, 3] = False  # the constant column is always observed
    if one_nan_per_row:
        # Keep only the first NaN of each row: any two rows then share at least two varying
        # coordinates, so nearest-neighbour distances have no exact ties (NumPy's argpartition
        # breaks ties in no documented order).
        first = mask & (np.cumsum(mask, axis=1) == 1)
        mask = first
    x[mask] = np.nan
    return x


fit = make_set(41, 0.12)
test = make_set(23, 0.15)
# Integer-valued data, so most_frequent has real ties and repeated values.
fit_int = make_set(40, 0.1, integer=True)
test_int = make_set(17, 0.2, integer=True)
# A fit set whose column 1 is entirely missing.
fit_empty = fit.copy()
fit_empty[:, 1] = np.nan
# For KNNImputer: at most one NaN per row, so there are no ties in distance (see make_set).
fit_knn = make_set(60, 0.3, one_nan_per_row=True)
test_knn = make_set(30, 0.4, one_nan_per_row=True)
fit_knn_empty = fit_knn.copy()
fit_knn_empty[:, 1] = np.nan



def nan_euclidean_to(row, xf):
    """Distances from `row` to each row of `xf` (NaN when no coordinate is shared), exactly."""
    both = ~np.isnan(row)[None, :] & ~np.isnan(xf)
    sq = np.where(both, (xf - row[None, :]) ** 2, 0.0).sum(axis=1)
    n = both.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.sqrt(sq * xf.shape[1] / n), np.nan)


def knn_ties(xf, receivers, ks, rel=1e-9):
    """Whether some receiver has candidate distances within `rel` at the k-th place."""
    for row in receivers:
        d = nan_euclidean_to(row, xf)
        for j in np.flatnonzero(np.isnan(row)):
            cand = np.sort(d[~np.isnan(xf[:, j]) & ~np.isnan(d)])
            for k in ks:
                if len(cand) > k and cand[k] - cand[k - 1] <= rel * max(cand[k], 1e-300):
                    return True
    return False


def make_multi(r, n):
    """Six columns on different scales, 25% of values missing (rows may miss several)."""
    x = np.column_stack(
        [
            r.normal(5.0, 2.0, n),
            r.exponential(3.0, n) - 1.0,
            r.uniform(-100.0, 50.0, n),
            r.normal(0.0, 10.0, n),
            r.standard_t(3, n),
            r.lognormal(0.0, 1.0, n),
        ]
    )
    x[r.random(x.shape) < 0.25] = np.nan
    return x


KNN_KS = [1, 3, 5, 100]
multi_seed = 20261129
while True:
    multi_rng = np.random.default_rng(multi_seed)
    fit_knn_multi = make_multi(multi_rng, 300)
    test_knn_multi = make_multi(multi_rng, 80)
    receivers = np.vstack([test_knn_multi, fit_knn_multi])
    if not knn_ties(fit_knn_multi, receivers, KNN_KS):
        break
    multi_seed += 1
print("knn_multi seed", multi_seed)

out = {
    "sklearn_version": sklearn.__version__,
    "fit": arr(fit),
    "test": arr(test),
    "fit_int": arr(fit_int),
    "test_int": arr(test_int),
    "fit_empty": arr(fit_empty),
    "fit_knn": arr(fit_knn),
    "test_knn": arr(test_knn),
    "fit_knn_empty": arr(fit_knn_empty),
    "fit_knn_multi": arr(fit_knn_multi),
    "test_knn_multi": arr(test_knn_multi),
}

standard = []
for with_mean, with_std in [(True, True), (False, True), (True, False)]:
    s = StandardScaler(with_mean=with_mean, with_std=with_std).fit(fit)
    z = s.transform(test)
    standard.append(
        {
            "with_mean": with_mean,
            "with_std": with_std,
            "mean": opt(s.mean_ if with_mean else None),
            "var": opt(s.var_),
            "scale": opt(s.scale_),
            "transform": arr(z),
            "inverse": arr(s.inverse_transform(z)),
        }
    )
out["standard"] = standard

minmax = []
for lo, hi, clip in [(0.0, 1.0, False), (-2.0, 3.0, False), (-1.0, 1.0, True)]:
    s = MinMaxScaler(feature_range=(lo, hi), clip=clip).fit(fit)
    z = s.transform(test)
    minmax.append(
        {
            "range": [lo, hi],
            "clip": clip,
            "data_min": arr(s.data_min_),
            "data_max": arr(s.data_max_),
            "scale": arr(s.scale_),
            "transform": arr(z),
            "inverse": arr(s.inverse_transform(z)),
        }
    )
out["minmax"] = minmax

robust = []
for centering, scaling, qr in [
    (True, True, (25.0, 75.0)),
    (True, True, (10.0, 90.0)),
    (True, True, (0.0, 100.0)),
    (False, True, (5.0, 62.5)),
    (True, False, (25.0, 75.0)),
]:
    s = RobustScaler(with_centering=centering, with_scaling=scaling, quantile_range=qr).fit(fit)
    z = s.transform(test)
    robust.append(
        {
            "with_centering": centering,
            "with_scaling": scaling,
            "quantile_range": list(qr),
            "center": opt(s.center_),
            "scale": opt(s.scale_),
            "transform": arr(z),
            "inverse": arr(s.inverse_transform(z)),
        }
    )
out["robust"] = robust

simple = []
for data in ["float", "int", "empty"]:
    xf, xt = {"float": (fit, test), "int": (fit_int, test_int), "empty": (fit_empty, test)}[data]
    for strategy, fill in [("mean", None), ("median", None), ("most_frequent", None), ("constant", -7.5)]:
        for keep in [False, True]:
            if keep and data != "empty":
                continue
            imp = SimpleImputer(strategy=strategy, fill_value=fill, keep_empty_features=keep)
            imp.fit(xf)
            simple.append(
                {
                    "data": data,
                    "strategy": strategy,
                    "fill_value": fill,
                    "keep_empty_features": keep,
                    "statistics": arr(imp.statistics_),
                    "transform": arr(imp.transform(xt)),
                }
            )
out["simple"] = simple

knn = []
for data in ["knn", "knn_empty", "knn_multi"]:
    xf, xt = {
        "knn": (fit_knn, test_knn),
        "knn_empty": (fit_knn_empty, test_knn),
        "knn_multi": (fit_knn_multi, test_knn_multi),
    }[data]
    for k in KNN_KS:
        for keep in [False, True]:
            if keep and data != "knn_empty":
                continue
            imp = KNNImputer(n_neighbors=k, weights="uniform", keep_empty_features=keep).fit(xf)
            knn.append(
                {
                    "data": data,
                    "n_neighbors": k,
                    "keep_empty_features": keep,
                    "transform": arr(imp.transform(xt)),
                    # Imputing the fit set itself: each row is its own nearest donor.
                    "transform_fit": arr(imp.transform(xf)),
                }
            )
out["knn"] = knn

power = []
# Skewed columns: log-normal (positive), its mirror (negative), and a mixed-sign one.
fit_skew = np.column_stack(
    [rng.lognormal(0.0, 0.8, 50), -rng.lognormal(1.0, 0.5, 50), rng.standard_t(4, 50) * 3 + 1]
)
test_skew = np.column_stack(
    [rng.lognormal(0.0, 0.8, 20), -rng.lognormal(1.0, 0.5, 20), rng.standard_t(4, 20) * 3 + 1]
)
fit_skew[rng.random(fit_skew.shape) < 0.1] = np.nan
test_skew[rng.random(test_skew.shape) < 0.1] = np.nan
out["fit_skew"] = arr(fit_skew)
out["test_skew"] = arr(test_skew)
for data in ["float", "skew"]:
    xf, xt = {"float": (fit, test), "skew": (fit_skew, test_skew)}[data]
    for standardize in [True, False]:
        p = PowerTransformer(method="yeo-johnson", standardize=standardize).fit(xf)
        z = p.transform(xt)
        power.append(
            {
                "data": data,
                "standardize": standardize,
                "lambdas": arr(p.lambdas_),
                "transform": arr(z),
                "inverse": arr(p.inverse_transform(z)),
            }
        )
out["power"] = power

path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "data_cleaning.json")
with open(path, "w") as f:
    json.dump(out, f)
print("wrote", os.path.normpath(path))
