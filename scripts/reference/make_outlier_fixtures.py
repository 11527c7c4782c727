#!/usr/bin/env python3
"""Reference outputs for outlier detection and data-quality checks, for tests/parity_outliers.rs.

Regenerate with (the environment is made by scripts/reference/setup-python.sh):

    .venv-reference/bin/python scripts/reference/make_outlier_fixtures.py

Writes tests/fixtures/outliers.json. Everything is float64; NaN (a missing value) is written as
JSON null, booleans as JSON booleans.

Detectors are fitted on one set (`fit`, with planted outliers and NaN) and applied to another
(`test`), so the test checks that only statistics of the fit set are used. Statistics come from
NumPy / SciPy (`np.nanmean`, `np.nanstd` with ddof = 0, `scipy.stats.zscore`,
`np.nanmedian`, `scipy.stats.median_abs_deviation`, `np.nanpercentile(method="linear")`);
the modified z-score for a column whose MAD is 0 uses the documented fallback
`(x - median) / (1.253314 * MeanAD)` written out here by hand. VarianceThreshold's variances and
kept columns come from scikit-learn, duplicate-row masks from pandas' `duplicated()`.
"""

import json
import os

import numpy as np
import pandas as pd
import scipy
import scipy.stats
import sklearn
from sklearn.feature_selection import VarianceThreshold

rng = np.random.default_rng(20261128)


def arr(a):
    a = np.asarray(a, dtype=np.float64)
    data = [None if np.isnan(v) else float(v) for v in a.ravel()]
    return {"shape": list(a.shape), "data": data}


def barr(a):
    a = np.asarray(a, dtype=bool)
    return {"shape": list(a.shape), "data": [bool(v) for v in a.ravel()]}


def make_set(n, nan_frac, n_outliers):
    """Five columns: normal, shifted normal, skewed, mostly one value (MAD 0), small integers."""
    x = np.empty((n, 5))
    x[:, 0] = rng.normal(0.0, 1.0, n)
    x[:, 1] = rng.normal(10.0, 2.0, n)
    x[:, 2] = rng.lognormal(0.0, 0.8, n)
    # 60 % at 5.0, the rest above it: MAD = 0 but IQR > 0.
    x[:, 3] = np.where(rng.random(n) < 0.6, 5.0, rng.uniform(5.5, 12.0, n))
    x[:, 4] = rng.integers(0, 6, n).astype(float)
    for _ in range(n_outliers):
        i, j = rng.integers(0, n), rng.integers(0, 5)
        x[i, j] += rng.choice([-1.0, 1.0]) * rng.uniform(8.0, 20.0)
    mask = rng.random((n, 5)) < nan_frac
    mask[:, 3] = False  # keep column 3's MAD at 0
    x[mask] = np.nan
    return x


fit = make_set(80, 0.08, 8)
test = make_set(40, 0.1, 10)
assert np.all(scipy.stats.median_abs_deviation(fit, axis=0, nan_policy="omit")[3] == 0.0)

out = {
    "generator": {
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
        "pandas": pd.__version__,
    },
    "fit": arr(fit),
    "test": arr(test),
}


def treatments(mask, lo, hi, scores_test):
    return {
        "scores": arr(scores_test),
        "lower": arr(lo),
        "upper": arr(hi),
        "mask": barr(mask),
        "row_mask": barr(mask.any(axis=1)),
        "counts": [int(c) for c in mask.sum(axis=0)],
        "kept_rows": [int(i) for i in np.flatnonzero(~mask.any(axis=1))],
        "clipped": arr(np.clip(test, lo, hi)),
    }


with np.errstate(invalid="ignore"):
    # z-score, population std.
    for t in [3.0, 2.0]:
        mean = np.nanmean(fit, axis=0)
        std = np.nanstd(fit, axis=0)
        z_test = (test - mean) / std
        mask = np.abs(z_test) > t
        case = treatments(mask, mean - t * std, mean + t * std, z_test)
        case["threshold"] = t
        case["fit_scores"] = arr(scipy.stats.zscore(fit, axis=0, nan_policy="omit"))
        out[f"zscore_{t:g}"] = case

    # Modified z-score (Iglewicz-Hoaglin), with the MeanAD fallback where MAD = 0.
    for t in [3.5, 2.5]:
        med = np.nanmedian(fit, axis=0)
        mad = scipy.stats.median_abs_deviation(fit, axis=0, nan_policy="omit")
        mean_ad = np.nanmean(np.abs(fit - med), axis=0)
        scores = np.empty_like(test)
        half = np.empty(5)
        for j in range(5):
            if mad[j] > 0:
                scores[:, j] = 0.6745 * (test[:, j] - med[j]) / mad[j]
                half[j] = t * mad[j] / 0.6745
            else:
                scores[:, j] = (test[:, j] - med[j]) / (1.253314 * mean_ad[j])
                half[j] = t * 1.253314 * mean_ad[j]
        mask = np.abs(scores) > t
        case = treatments(mask, med - half, med + half, scores)
        case["threshold"] = t
        case["median"] = arr(med)
        case["mad"] = arr(mad)
        out[f"modified_{t:g}"] = case

    # IQR fences.
    for k in [1.5, 3.0, 0.5]:
        q1, q3 = np.nanpercentile(fit, [25.0, 75.0], axis=0, method="linear")
        iqr = q3 - q1
        lo, hi = q1 - k * iqr, q3 + k * iqr
        mask = (test < lo) | (test > hi)
        scores = np.where(test < q1, (test - q1) / iqr, np.where(test > q3, (test - q3) / iqr, 0.0))
        scores[np.isnan(test)] = np.nan
        case = treatments(mask, lo, hi, scores)
        case["k"] = k
        out[f"iqr_{k:g}"] = case

    # Percentile winsorizing.
    for lo_p, hi_p in [(1.0, 99.0), (5.0, 95.0), (10.0, 80.0)]:
        lo, hi = np.nanpercentile(fit, [lo_p, hi_p], axis=0, method="linear")
        out[f"winsor_{lo_p:g}_{hi_p:g}"] = {
            "percentiles": [lo_p, hi_p],
            "lower": arr(lo),
            "upper": arr(hi),
            "clipped": arr(np.clip(test, lo, hi)),
        }

# VarianceThreshold: constant, near-constant, NaN-holding and ordinary columns.
vt = np.empty((50, 6))
vt[:, 0] = 0.1  # constant 0.1 (its nanvar is not exactly 0)
vt[:, 1] = rng.normal(0.0, 1.0, 50)
vt[:, 2] = rng.normal(0.0, 0.1, 50)  # near-constant: variance about 0.01
vt[:, 3] = np.where(rng.random(50) < 0.9, 3.0, 4.0)  # mostly constant: variance about 0.09
vt[:, 4] = rng.uniform(0.0, 1.0, 50)
vt[:, 5] = rng.normal(2.0, 0.5, 50)
vt[rng.random(50) < 0.2, 5] = np.nan
vt_test = rng.normal(0.0, 1.0, (7, 6))
out["variance"] = {"fit": arr(vt), "test": arr(vt_test)}
for t in [0.0, 0.05, 0.15]:
    sel = VarianceThreshold(threshold=t).fit(vt)
    out["variance"][f"threshold_{t:g}"] = {
        "threshold": t,
        "variances": arr(sel.variances_),
        "support": [bool(s) for s in sel.get_support()],
        "transformed": arr(sel.transform(vt_test)),
    }

# Duplicate rows: repeats with NaN in the same places.
base = rng.integers(0, 3, (30, 3)).astype(float)
base[rng.random((30, 3)) < 0.15] = np.nan
out["duplicates"] = {
    "x": arr(base),
    "duplicated": [bool(v) for v in pd.DataFrame(base).duplicated(keep="first")],
}

path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "outliers.json")
with open(path, "w") as f:
    json.dump(out, f)
print(f"wrote {os.path.normpath(path)} ({os.path.getsize(path)} bytes)")
